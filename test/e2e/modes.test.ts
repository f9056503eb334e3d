import { SEED } from '../../fakes/partner-center';
import { inputValues, stateValue } from '../../fakes/slack/inbound';
import {
  click,
  finalState,
  loadOptions,
  openModal,
  requestPurchase,
  SOFTWARE,
  threadText,
} from '../../harness/flows';
import { waitFor } from '../../harness/processes';
import { startWorld, type World, type WorldMode } from '../../harness/world';

/**
 * The main journeys, the same in both ways Slack can reach the bot: signed HTTP to /slack/events
 * (docs.slack.dev "Using HTTP request URLs") and Socket Mode (docs.slack.dev "Using Socket Mode":
 * apps.connections.open with the app-level token, `hello`, envelopes with `envelope_id`, acks that
 * carry the response payload for options and view submissions, `disconnect` and reconnect).
 */
describe.each<WorldMode>(['http', 'socket'])('the journeys over %s', (mode) => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ mode });
  });
  afterAll(async () => {
    await w.close();
  });

  it('request → approve → order confirmed, the requester told in their thread', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    await click(w, id, 'approve_request', 'U0APPROVE1');
    const r = await finalState(w, id);
    expect(r.status).toBe('confirmed');
    expect(await threadText(w, id, /Confirmed/)).toMatch(/Confirmed/);
  }, 40_000);

  it('request → reject with a reason through the modal, the requester told why', async () => {
    const id = await requestPurchase(w, SOFTWARE, 'U0REQUEST2');
    const opens = w.slack.callsTo('views.open').length;
    await click(w, id, 'reject_request', 'U0APPROVE1');
    const call = await waitFor(() => w.slack.callsTo('views.open')[opens]);
    const modal = w.slack.views.get((call.response as { view: { id: string } }).view.id)!;
    const res = await w.inbound.submit({
      view: modal,
      user: 'U0APPROVE1',
      values: inputValues({ reason: stateValue.plainText('Wrong customer, please check') }),
    });
    expect(res.status).toBe(200);
    // An empty ack closes the modal, in either mode.
    expect(w.slack.viewIsOpen(modal.id)).toBe(false);
    expect((await finalState(w, id)).status).toBe('rejected');
    expect(await threadText(w, id, /Wrong customer/)).toMatch(/Wrong customer/);
  }, 40_000);

  it('answers an option load in the ack itself', async () => {
    const view = await openModal(w);
    const options = await loadOptions(w, view, 'customer', {});
    expect(options.map((o) => o.value)).toContain(SEED.customers.open.id);
  }, 20_000);

  it('publishes App Home on app_home_opened', async () => {
    const before = w.slack.callsTo('views.publish').length;
    const res = await w.inbound.appHomeOpened({ user: 'U0REQUEST1' });
    expect(res.status).toBe(200);
    await waitFor(() => w.slack.callsTo('views.publish')[before]);
    expect(w.slack.homeView('U0REQUEST1')?.type).toBe('home');
  }, 20_000);

  it('approves from App Home as from the card', async () => {
    const id = await requestPurchase(w, SOFTWARE, 'U0REQUEST2');
    await w.inbound.appHomeOpened({ user: 'U0APPROVE1' });
    const home = await waitFor(() => {
      const v = w.slack.homeView('U0APPROVE1');
      return v && JSON.stringify(v.blocks).includes(id) ? v : undefined;
    });
    await w.inbound.action({ action_id: 'approve_request', view: home, value: id, user: 'U0APPROVE1' });
    expect((await finalState(w, id)).status).toBe('confirmed');
  }, 40_000);

  it('opens the form from the global shortcut', async () => {
    const opens = w.slack.callsTo('views.open').length;
    await w.inbound.shortcut({ callback_id: 'new_purchase_request', user: 'U0REQUEST1' });
    const call = await waitFor(() => w.slack.callsTo('views.open')[opens]);
    const id = (call.response as { view: { id: string } }).view.id;
    await waitFor(() => w.slack.views.get(id)?.blocks.some((b) => b.block_id === 'customer'));
    expect(w.slack.views.get(id)?.callback_id).toBe('purchase_request');
  }, 20_000);

  if (mode === 'socket') {
    it('acks each envelope by its envelope_id, with the payload for options and view submissions', () => {
      const frames = w.slack.socketMode.frames();
      const sent = frames
        .filter((f) => f.direction === 'sent')
        .map((f) => f.frame as { type?: string; envelope_id?: string; payload?: { type?: string } });
      const received = frames
        .filter((f) => f.direction === 'received')
        .map((f) => f.frame as { envelope_id?: string; payload?: Record<string, unknown> });
      const ackOf = (envelopeId: string | undefined) => received.find((a) => a.envelope_id === envelopeId);
      // Slack said hello first on the connection.
      expect((frames.find((f) => f.direction === 'sent')?.frame as { type?: string }).type).toBe('hello');
      const options = sent.find((e) => e.payload?.type === 'block_suggestion');
      expect(ackOf(options?.envelope_id)?.payload).toHaveProperty('options');
      // The request form's submission is answered in its ack: response_action update (docs "Modals").
      const submission = sent.find(
        (e) =>
          e.payload?.type === 'view_submission' &&
          (e.payload as { view?: { callback_id?: string } }).view?.callback_id === 'purchase_request',
      );
      expect(ackOf(submission?.envelope_id)?.payload).toMatchObject({ response_action: 'update' });
      // Every envelope was acked.
      for (const e of sent.filter((x) => x.envelope_id)) expect(ackOf(e.envelope_id)).toBeDefined();
    });

    it('reconnects after a `disconnect` (refresh_requested, then warning) and keeps serving', async () => {
      for (const reason of ['refresh_requested', 'warning'] as const) {
        const before = w.slack.socketMode.connections();
        w.slack.socketMode.disconnect(reason);
        // A new connection opens (a fresh ticket from apps.connections.open), the old one is left.
        await waitFor(
          () =>
            w.slack.socketMode
              .connections()
              .some((c) => !before.some((b) => b.id === c.id) && c.closedAt === undefined) &&
            w.slack.socketMode.openConnections >= 1
              ? true
              : undefined,
          20_000,
        );
        const view = await openModal(w);
        expect(view.callback_id).toBe('purchase_request');
      }
      // The old connections were closed (by the client, or by Slack after its grace period).
      await waitFor(() => (w.slack.socketMode.openConnections === 1 ? true : undefined), 20_000);
    }, 60_000);

    it('serves no /slack/events in Socket Mode', async () => {
      const res = await fetch(`${w.bot.url}/slack/events`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(404);
    });
  }
});
