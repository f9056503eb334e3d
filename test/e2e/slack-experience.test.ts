import { SEED } from '../../fakes/partner-center';
import { inputValues, stateValue } from '../../fakes/slack/inbound';
import type { FakeMessage, FakeView } from '../../fakes/slack/types';
import {
  chooseKind,
  click,
  fillForm,
  finalState,
  formValues,
  loadOptions,
  openModal,
  requestPurchase,
  RESERVATION,
  SOFTWARE,
  threadText,
} from '../../harness/flows';
import { waitFor } from '../../harness/processes';
import { simControl } from '../../harness/sim';
import { startWorld, type World } from '../../harness/world';
import { totalText } from '../../src/slack/messages';

/**
 * Issue 12, "Approvers and requesters who are actually reached", end to end over signed HTTP against
 * the Slack fake: who is notified and where, the confirm-to-buy dialog, App Home, the global shortcut,
 * the requester's message kept true (Submit again, questions and answers), the form keeping what was
 * typed, who may use the bot at all, one home for every word, and channel health.
 */

type Button = {
  action_id: string;
  value?: string;
  confirm?: { title: { text: string }; text: { text: string } };
};

/** Every button of a surface (actions blocks and section accessories). */
function buttons(blocks: unknown): Button[] {
  const out: Button[] = [];
  for (const b of (blocks ?? []) as Array<{ elements?: unknown[]; accessory?: unknown }>) {
    for (const e of [...(b.elements ?? []), b.accessory]) {
      const el = e as { type?: string } | undefined;
      if (el?.type === 'button') out.push(el as Button);
    }
  }
  return out;
}

/** The Slack text of a surface, as one string (every text object, fields included). */
const allText = (x: unknown): string => JSON.stringify(x);

async function withRefs(w: World, id: string) {
  return waitFor(async () => {
    const r = await w.bot.repo.get(id);
    return r?.slack.cardTs && r.slack.threadTs ? r : undefined;
  });
}

/** Rejects through the card's modal and waits until it is done (no modal left opening behind a test). */
async function reject(w: World, id: string, reason = 'Not this quarter, sorry'): Promise<void> {
  const opens = w.slack.callsTo('views.open').length;
  await click(w, id, 'reject_request', 'U0APPROVE1');
  const call = await waitFor(() => w.slack.callsTo('views.open')[opens]);
  const modal = w.slack.views.get((call.response as { view: { id: string } }).view.id)!;
  await w.inbound.submit({
    view: modal,
    user: 'U0APPROVE1',
    values: inputValues({ reason: stateValue.plainText(reason) }),
  });
  await finalState(w, id, ['rejected']);
}

/** The private answer to `/purchase <text>` (posted to the response_url after the ack). */
async function privateAnswer(w: World, user: string, text: string): Promise<string> {
  const url = w.slack.responseUrl({ channel: 'C0GENERAL', user });
  const res = await w.inbound.command({ text, user_id: user, response_url: url });
  const inline = (res.json as { text?: string } | undefined)?.text ?? (res.body || undefined);
  if (inline) return inline;
  const answer = await waitFor(() => w.slack.responses(url)[0] as { text: string } | undefined);
  return JSON.stringify(answer);
}

describe('issue 12: people reached, confirm to buy, App Home, privacy', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      env: {
        SLACK_TEAM_ID: 'T0TEAM0001',
        APPROVER_USER_IDS: 'U0APPROVE1',
        APPROVER_USERGROUP_ID: 'S0APPROVERS',
        FINANCE_USER_IDS: 'U0FINANCE1',
      },
    });
  });
  afterAll(async () => {
    await w.close();
  });

  it('mentions the approver group on the card and sends each named approver one DM per request', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    const r = await withRefs(w, id);
    const card = w.slack.messages('C0APPROVALS').find((m) => m.ts === r.slack.cardTs)!;
    // The fallback text is what the notification shows: the mention must be there, not only in blocks.
    expect(card.text).toContain('<!subteam^S0APPROVERS>');
    const dm = w.slack.dmChannelId('U0APPROVE1');
    const approverDm = await waitFor(() => w.slack.messages(dm).find((m) => m.text.includes(id)));
    // The DM links to the card.
    await waitFor(async () => ((await w.bot.repo.get(id))?.slack.approverDms?.U0APPROVE1 ? true : undefined));
    expect(allText(approverDm.blocks)).toMatch(/Open the approval card|approvals channel/);
    // The group's members are reached through the mention, not by a DM each.
    expect(
      w.slack.messages(w.slack.dmChannelId('U0APPROVE2')).filter((m) => m.text.includes(id)),
    ).toHaveLength(0);

    await click(w, id, 'approve_request', 'U0APPROVE1');
    await finalState(w, id, ['confirmed']);
    // Still exactly one DM for this request, updated in place as it moved (not a new one per step).
    const dmsForId = w.slack.messages(dm).filter((m) => !m.thread_ts && m.text.includes(id));
    expect(dmsForId).toHaveLength(1);
    const updated = await waitFor(() => {
      const m = w.slack.messages(dm).find((x) => x.ts === dmsForId[0]!.ts)!;
      return m.history.length > 0 && /confirmed/i.test(allText(m.blocks)) ? m : undefined;
    });
    // Updated, it still links to the card; so does the requester's own message.
    expect(allText(updated.blocks)).toContain('Open the approval card');
    expect(updated.text).toContain('<@U0REQUEST1> asks you to approve');
    const summary = w.slack.messages(r.slack.threadChannel).find((m) => m.ts === r.slack.threadTs)!;
    expect(summary.history.length).toBeGreaterThan(0);
    expect(allText(summary.blocks)).toContain('|approval card>');
  }, 40_000);

  it('asks Slack to confirm Approve, repeating customer, item, quantity and total', async () => {
    const id = await requestPurchase(w, { ...SOFTWARE, quantity: 4 });
    const r = (await w.bot.repo.get(id))!;
    const approve = buttons(w.slack.messages('C0APPROVALS').find((m) => m.text.includes(id))!.blocks).find(
      (b) => b.action_id === 'approve_request',
    )!;
    expect(approve.confirm).toBeDefined();
    const text = approve.confirm!.text.text;
    expect(text).toContain(r.customerName);
    expect(text).toContain(r.skuTitle);
    expect(text).toContain('4 ×');
    expect(text).toContain(totalText(r));
    // Reject decides nothing irreversible: no dialog in the way (its modal asks for a reason).
    const reject0 = buttons(w.slack.messages('C0APPROVALS').find((m) => m.text.includes(id))!.blocks).find(
      (b) => b.action_id === 'reject_request',
    )!;
    expect(reject0.confirm).toBeUndefined();
    await reject(w, id);
  }, 30_000);

  it("publishes the requester's own requests on App Home, with New request, from a signed app_home_opened", async () => {
    const id = await requestPurchase(w, SOFTWARE, 'U0REQUEST2');
    const res = await w.inbound.appHomeOpened({ user: 'U0REQUEST2' });
    expect(res.status).toBe(200);
    const home = await waitFor(() => {
      const v = w.slack.homeView('U0REQUEST2');
      return v && allText(v.blocks).includes(id) ? v : undefined;
    });
    expect(home.type).toBe('home');
    expect(allText(home.blocks)).toMatch(/Waiting for approval|waiting/i);
    expect(buttons(home.blocks).map((b) => b.action_id)).toContain('new_request');
    // A requester who is no approver sees no queue and no decision buttons.
    expect(buttons(home.blocks).map((b) => b.action_id)).not.toContain('approve_request');

    // New request from the Home tab opens the same form as /purchase.
    const opens = w.slack.callsTo('views.open').length;
    await w.inbound.action({ action_id: 'new_request', view: home, user: 'U0REQUEST2' });
    const call = await waitFor(() => w.slack.callsTo('views.open')[opens]);
    const opened = w.slack.views.get((call.response as { view: { id: string } }).view.id)!;
    expect(
      await waitFor(() =>
        w.slack.views.get(opened.id)!.callback_id === 'purchase_request' ? true : undefined,
      ),
    ).toBe(true);
  }, 30_000);

  it("gives approvers the queue on App Home; Approve there carries the same confirm and follows the card's rules", async () => {
    const id = await requestPurchase(w, SOFTWARE, 'U0REQUEST1');
    await withRefs(w, id);
    // The group member (U0APPROVE2) gets the queue too: approvers are read from the group.
    await w.inbound.appHomeOpened({ user: 'U0APPROVE2' });
    const home = await waitFor(() => {
      const v = w.slack.homeView('U0APPROVE2');
      return v && allText(v.blocks).includes(id) ? v : undefined;
    });
    const approve = buttons(home.blocks).find((b) => b.action_id === 'approve_request' && b.value === id)!;
    expect(approve.confirm?.text.text).toContain(totalText((await w.bot.repo.get(id))!));
    expect(buttons(home.blocks).some((b) => b.action_id === 'reject_request' && b.value === id)).toBe(true);

    // Someone who is no approver clicking a Home button (a stale or forwarded view) changes nothing,
    // and is told privately in a DM (App Home has no channel for an ephemeral).
    await w.inbound.action({ action_id: 'approve_request', view: home, value: id, user: 'U0OUTSIDER' });
    const outsiderDm = w.slack.dmChannelId('U0OUTSIDER');
    await waitFor(() => w.slack.messages(outsiderDm).find((m) => /Only approvers/.test(m.text)));
    expect((await w.bot.repo.get(id))?.status).toBe('pending_approval');

    // The approver's click from Home buys, exactly as from the card.
    await w.inbound.action({ action_id: 'approve_request', view: home, value: id, user: 'U0APPROVE2' });
    const done = await finalState(w, id);
    expect(done.status).toBe('confirmed');
    // The approver's Home is published again without the request they decided.
    await waitFor(() => {
      const v = w.slack.homeView('U0APPROVE2')!;
      return !buttons(v.blocks).some((b) => b.value === id) ? v : undefined;
    });
    // The card shows the decision too.
    await waitFor(() => {
      const c = w.slack.messages('C0APPROVALS').find((m) => m.ts === done.slack.cardTs);
      return c && !buttons(c.blocks).some((b) => b.action_id === 'approve_request') ? c : undefined;
    });
  }, 40_000);

  it('shows finance the latest invoices on App Home', async () => {
    await w.inbound.appHomeOpened({ user: 'U0FINANCE1' });
    const home = await waitFor(() => w.slack.homeView('U0FINANCE1'));
    expect(allText(home.blocks)).toContain('Latest invoices');
    await w.inbound.appHomeOpened({ user: 'U0REQUEST1' });
    const requester = await waitFor(() => w.slack.homeView('U0REQUEST1'));
    expect(allText(requester.blocks)).not.toContain('Latest invoices');
  }, 20_000);

  it('opens the request form from the global shortcut "New purchase request"', async () => {
    const opens = w.slack.callsTo('views.open').length;
    const res = await w.inbound.shortcut({ callback_id: 'new_purchase_request', user: 'U0REQUEST1' });
    expect(res.status).toBe(200);
    const call = await waitFor(() => w.slack.callsTo('views.open')[opens]);
    const id = (call.response as { view: { id: string } }).view.id;
    const view = await waitFor(() => {
      const v = w.slack.views.get(id);
      return v && v.blocks.some((b) => b.block_id === 'customer') ? v : undefined;
    });
    expect(view.callback_id).toBe('purchase_request');
  }, 20_000);

  it("updates the requester's message in place and offers Submit again, prefilled, after a rejection", async () => {
    const id = await requestPurchase(w, RESERVATION);
    const r = await withRefs(w, id);
    const before = w.slack.messages(r.slack.threadChannel).find((m) => m.ts === r.slack.threadTs)!;
    expect(before.text).toMatch(/waiting for approval/i);

    // Reject through the modal, with a reason Slack would read as markup.
    const opens = w.slack.callsTo('views.open').length;
    await click(w, id, 'reject_request', 'U0APPROVE1');
    const call = await waitFor(() => w.slack.callsTo('views.open')[opens]);
    const modal = w.slack.views.get((call.response as { view: { id: string } }).view.id)!;
    await w.inbound.submit({
      view: modal,
      user: 'U0APPROVE1',
      values: inputValues({
        reason: stateValue.plainText('Too costly <!channel> for *now*, ask again in Q3'),
      }),
    });
    await finalState(w, id, ['rejected']);

    // The rejection is also sent to the conversation (a reply in a thread the bot started may notify
    // no one); it is the only reply so sent.
    const alert = await waitFor(() =>
      w.slack
        .messages(r.slack.threadChannel)
        .find((m) => m.subtype === 'thread_broadcast' && m.thread_ts === r.slack.threadTs),
    );
    expect(alert.text).toMatch(/reject/i);
    expect(
      w.slack
        .thread(r.slack.threadChannel!, r.slack.threadTs!)
        .filter((m) => m.subtype === 'thread_broadcast'),
    ).toHaveLength(1);

    // The same message, now saying what happened, with Submit again (no second summary).
    const summary = await waitFor(() => {
      const m = w.slack.messages(r.slack.threadChannel).find((x) => x.ts === r.slack.threadTs)!;
      return /rejected/i.test(m.text) && buttons(m.blocks).some((b) => b.action_id === 'submit_again')
        ? m
        : undefined;
    });
    expect(summary.history.length).toBeGreaterThan(0);
    expect(
      w.slack.messages(r.slack.threadChannel).filter((m) => !m.thread_ts && m.text.includes(id)),
    ).toHaveLength(1);
    // The reason reaches the requester escaped: no channel-wide ping smuggled in.
    expect(allText(summary.blocks)).not.toContain('<!channel>');

    const opens2 = w.slack.callsTo('views.open').length;
    await w.inbound.action({
      action_id: 'submit_again',
      message: summary,
      channel_id: summary.channel,
      value: id,
      user: 'U0REQUEST1',
    });
    const call2 = await waitFor(() => w.slack.callsTo('views.open')[opens2]);
    const formId = (call2.response as { view: { id: string } }).view.id;
    const form = await waitFor(() => {
      const v = w.slack.views.get(formId);
      return v && v.blocks.some((b) => b.block_id === 'customer') ? v : undefined;
    });
    const initial = (block: string): unknown =>
      (form.blocks.find((b) => b.block_id === block) as { element?: Record<string, unknown> } | undefined)
        ?.element;
    expect(allText(initial('customer'))).toContain(RESERVATION.customer);
    expect(allText((initial('kind') as { initial_option?: unknown }).initial_option)).toContain(
      'azure_reservation',
    );
    expect(allText((initial('sku') as { initial_option?: unknown }).initial_option)).toContain(
      RESERVATION.sku,
    );
    expect((initial('quantity') as { initial_value?: string }).initial_value).toBe(
      String(RESERVATION.quantity),
    );
    expect((initial('justification') as { initial_value?: string }).initial_value).toBe(
      RESERVATION.justification,
    );
  }, 40_000);

  it('lets an approver ask a question; the requester answers from their thread; both see it; it is audited', async () => {
    const id = await requestPurchase(w, SOFTWARE, 'U0REQUEST2');
    const r = await withRefs(w, id);

    const opens = w.slack.callsTo('views.open').length;
    await w.inbound.action({
      action_id: 'ask_question',
      message: w.slack.messages('C0APPROVALS').find((m) => m.ts === r.slack.cardTs)!,
      channel_id: 'C0APPROVALS',
      value: id,
      user: 'U0APPROVE1',
    });
    const askCall = await waitFor(() => w.slack.callsTo('views.open')[opens]);
    const ask = w.slack.views.get((askCall.response as { view: { id: string } }).view.id)!;
    expect(ask.callback_id).toBe('ask_question');
    await w.inbound.submit({
      view: ask,
      user: 'U0APPROVE1',
      values: inputValues({ question: stateValue.plainText('Which cluster is this for, prod or staging?') }),
    });

    // The requester sees the question in their thread, and their summary now has Answer the question.
    await threadText(w, id, /prod or staging/);
    const summary = await waitFor(() => {
      const m = w.slack.messages(r.slack.threadChannel).find((x) => x.ts === r.slack.threadTs)!;
      return buttons(m.blocks).some((b) => b.action_id === 'answer_question') ? m : undefined;
    });
    const opens2 = w.slack.callsTo('views.open').length;
    await w.inbound.action({
      action_id: 'answer_question',
      message: summary,
      channel_id: summary.channel,
      value: id,
      user: 'U0REQUEST2',
    });
    const answerCall = await waitFor(() => w.slack.callsTo('views.open')[opens2]);
    const answer = w.slack.views.get((answerCall.response as { view: { id: string } }).view.id)!;
    expect(allText(answer.blocks)).toContain('prod or staging');
    await w.inbound.submit({
      view: answer,
      user: 'U0REQUEST2',
      values: inputValues({
        answer: stateValue.plainText('Production, the analytics cluster in West Europe'),
      }),
    });

    // The approvers see the answer where Slack notifies them: broadcast from the card's thread.
    const reply = await waitFor(() =>
      w.slack.channelMessages('C0APPROVALS').find((m) => m.text.includes('analytics cluster in West Europe')),
    );
    expect(reply.subtype).toBe('thread_broadcast');
    // Both sides of the exchange are in the audit trail.
    const audit = JSON.stringify(await w.bot.repo.audit(id));
    expect(audit).toContain('prod or staging');
    expect(audit).toContain('analytics cluster in West Europe');
    await reject(w, id);
  }, 40_000);

  it('keeps every value on re-render, and switching kind clears only the fields that no longer fit', async () => {
    let view = await openModal(w);
    view = await fillForm(w, view, {
      customer: RESERVATION.customer,
      kind: 'azure_reservation',
      azureSubscription: RESERVATION.azureSubscription,
      product: RESERVATION.product,
      sku: RESERVATION.sku,
    });
    const element = (v: FakeView, block: string) =>
      (v.blocks.find((b) => b.block_id === block) as { element?: Record<string, unknown> } | undefined)
        ?.element;
    for (const [block, value] of [
      ['customer', RESERVATION.customer],
      ['kind', 'azure_reservation'],
      ['azure_subscription', RESERVATION.azureSubscription],
      ['product', RESERVATION.product],
      ['sku', RESERVATION.sku],
    ] as const) {
      expect(allText(element(view, block)?.initial_option)).toContain(value);
    }
    // Typed text survives a re-render too (a choice made after typing).
    const res = await w.inbound.action({
      action_id: 'kind',
      view,
      selected_option: { value: 'software_subscription' },
      user: 'U0REQUEST1',
      state: formValues({
        customer: RESERVATION.customer,
        kind: 'software_subscription',
        azureSubscription: RESERVATION.azureSubscription,
        product: RESERVATION.product,
        sku: RESERVATION.sku,
        quantity: 7,
        justification: 'Typed before switching the kind of purchase',
      }),
    });
    expect(res.status).toBe(200);
    const switched = await waitFor(() => {
      const v = w.slack.views.get(view.id)!;
      return allText(element(v, 'kind')?.initial_option).includes('software_subscription') ? v : undefined;
    });
    expect(allText(element(switched, 'customer')?.initial_option)).toContain(RESERVATION.customer);
    expect(element(switched, 'quantity')?.initial_value).toBe('7');
    expect(element(switched, 'justification')?.initial_value).toBe(
      'Typed before switching the kind of purchase',
    );
    // Product and SKU belonged to the reservation catalog; the subscription field is gone with the kind.
    expect(element(switched, 'product')?.initial_option).toBeUndefined();
    expect(element(switched, 'sku')?.initial_option).toBeUndefined();
    expect(switched.blocks.some((b) => b.block_id === 'azure_subscription')).toBe(false);
  }, 40_000);

  it('serves one workspace: another team gets a polite refusal and nothing opens', async () => {
    const opens = w.slack.callsTo('views.open').length;
    const res = await w.inbound.command({ text: '', user_id: 'U0FOREIGN1' });
    expect(res.status).toBe(200);
    expect(allText(res.json ?? res.body)).toMatch(/workspace/i);
    const options = await w.inbound.options({ action_id: 'customer', value: '', user: 'U0FOREIGN1' });
    expect(options.json).toEqual({ options: [] });
    await w.inbound.appHomeOpened({ user: 'U0FOREIGN1', team_id: 'T0OTHER001' });
    await new Promise((r) => setTimeout(r, 300));
    expect(w.slack.callsTo('views.open').length).toBe(opens);
    expect(w.slack.callsTo('views.publish').filter((c) => c.args.user_id === 'U0FOREIGN1')).toHaveLength(0);
    // The shortcut can only answer with a modal: one that says why, and no form.
    await w.inbound.shortcut({ callback_id: 'new_purchase_request', user: 'U0FOREIGN1' });
    const call = await waitFor(() => w.slack.callsTo('views.open')[opens]);
    const notice = w.slack.views.get((call.response as { view: { id: string } }).view.id)!;
    expect(notice.blocks.some((b) => b.block_id === 'customer')).toBe(false);
    expect(allText(notice.blocks)).toMatch(/workspace/i);

    // A form submitted from another workspace (never opened there by the bot) records nothing.
    let form = await openModal(w, 'U0REQUEST1');
    form = await fillForm(w, form, SOFTWARE);
    const cards = w.slack.messages('C0APPROVALS').filter((m) => !m.thread_ts).length;
    const res2 = await w.inbound.submit({ view: form, values: formValues(SOFTWARE), user: 'U0FOREIGN1' });
    expect(allText(res2.json)).toMatch(/one workspace only/);
    await new Promise((r) => setTimeout(r, 500));
    expect(w.slack.messages('C0APPROVALS').filter((m) => !m.thread_ts)).toHaveLength(cards);
  }, 20_000);

  it('refuses guests the form and the customer list', async () => {
    for (const guest of ['U0GUESTMC1', 'U0GUESTSC1']) {
      const view = await openModal(w, guest);
      expect(view.blocks.some((b) => b.block_id === 'customer')).toBe(false);
      expect(view.submit).toBeNull();
    }
    // Option lists are served only to people allowed to request.
    const member = await openModal(w, 'U0REQUEST1');
    const real = await loadOptions(w, member, 'customer', {});
    expect(real.map((o) => o.value)).toContain(SEED.customers.open.id);
    const res = await w.inbound.options({
      action_id: 'customer',
      value: '',
      view: member,
      user: 'U0GUESTMC1',
    });
    expect(allText(res.json)).not.toContain(SEED.customers.open.id);

    // A submission in a guest's name (Slack never opens them the form) records nothing and says why.
    const filled = await fillForm(w, member, SOFTWARE);
    const cards = w.slack.messages('C0APPROVALS').filter((m) => !m.thread_ts).length;
    await w.inbound.submit({ view: filled, values: formValues(SOFTWARE), user: 'U0GUESTMC1' });
    const refused = await waitFor(() => {
      const v = w.slack.views.get(filled.id)!;
      return /Guests cannot request/.test(allText(v.blocks)) ? v : undefined;
    });
    expect(refused.blocks.some((b) => b.block_id === 'customer')).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(w.slack.messages('C0APPROVALS').filter((m) => !m.thread_ts)).toHaveLength(cards);
    expect(await w.bot.repo.openForUser('U0GUESTMC1')).toHaveLength(0);
  }, 30_000);

  it('shows /purchase status details only to the requester, approvers and finance; others get the unknown-id answer', async () => {
    const id = await requestPurchase(w, SOFTWARE, 'U0REQUEST1');
    for (const user of ['U0REQUEST1', 'U0APPROVE1', 'U0APPROVE2', 'U0FINANCE1']) {
      const answer = await privateAnswer(w, user, `status ${id}`);
      expect(answer).toContain(SOFTWARE.justification!);
    }
    const outsider = await privateAnswer(w, 'U0OUTSIDER', `status ${id}`);
    const unknown = await privateAnswer(
      w,
      'U0OUTSIDER',
      `status ${id.replace(/.$/, (c) => (c === '0' ? '1' : '0'))}`,
    );
    expect(outsider).not.toContain(SOFTWARE.justification!);
    // The same words as for an id that does not exist (only the id differs): nothing to learn from it.
    expect(outsider.replace(/PR-[A-F0-9]+/g, 'PR-x')).toBe(unknown.replace(/PR-[A-F0-9]+/g, 'PR-x'));
    await reject(w, id);
  }, 30_000);

  it('never shows people environment variable names, raw states or Slack link tokens', async () => {
    const help = await privateAnswer(w, 'U0REQUEST1', 'help');
    expect(help).not.toMatch(/<(id|customer)>/);
    const seen: string[] = [
      ...w.slack.messages().map((m) => allText([m.text, m.blocks])),
      ...w.slack.ephemerals().map((e) => allText([e.text, e.blocks])),
      ...[...w.slack.views.values()].map((v) => allText([v.title, v.blocks])),
      help,
    ];
    const text = seen.join('\n');
    expect(text).not.toMatch(/\b[A-Z]{3,}_[A-Z_]{3,}\b/); // PARTNER_CENTER_REFRESH_TOKEN, APPROVALS_CHANNEL_ID…
    expect(text).not.toMatch(
      /\bP1Y\b|\bP1M\b|\bP3Y\b|not_registered|pending_approval|prepare_cart|azure_reservations/,
    );
  });
});

describe('issue 12: reminders, escalation and alarms reach people', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      slack: { usergroups: { S0ESCALATE: ['U0APPROVE1'] } },
      env: {
        APPROVAL_TTL_MS: '6000',
        APPROVAL_REMINDER_BEFORE_MS: '4000',
        ESCALATION_USERGROUP_ID: 'S0ESCALATE',
        ESCALATE_AFTER_MS: '1000',
        SWEEP_INTERVAL_MS: '300',
      },
    });
  });
  afterAll(async () => {
    await w.close();
  });

  /** What members see in the channel itself: a reply in the thread alone notifies nobody. */
  const inChannel = (pattern: RegExp): FakeMessage | undefined =>
    w.slack.channelMessages('C0APPROVALS').find((m) => pattern.test(m.text));

  it('escalates to its group, reminds the approver group, and tells the requester of the expiry with Submit again', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    const r = await withRefs(w, id);
    const escalation = await waitFor(
      () => inChannel(new RegExp(`<!subteam\\^S0ESCALATE>.*${id}`, 's')),
      10_000,
    );
    expect(escalation.subtype).toBe('thread_broadcast');
    expect(escalation.thread_ts).toBe(r.slack.cardTs);
    const reminder = await waitFor(() => inChannel(new RegExp(`Reminder[\\s\\S]*${id}`)), 10_000);
    expect(reminder.text).toContain('<!subteam^S0APPROVERS>');
    expect(reminder.subtype).toBe('thread_broadcast');
    // No reminder or escalation went out only as a thread reply.
    const quiet = w.slack
      .thread('C0APPROVALS', r.slack.cardTs!)
      .filter((m) => m.ts !== r.slack.cardTs && m.subtype !== 'thread_broadcast');
    expect(quiet).toHaveLength(0);

    const expired = await finalState(w, id, ['expired'], 15_000);
    const summary = await waitFor(() => {
      const m = w.slack.messages(expired.slack.threadChannel).find((x) => x.ts === expired.slack.threadTs)!;
      return buttons(m.blocks).some((b) => b.action_id === 'submit_again') ? m : undefined;
    });
    expect(summary.text).toMatch(/expired/i);
  }, 40_000);

  it('raises a failed purchase in the channel, not only in a thread, and offers the requester Submit again', async () => {
    const id = await requestPurchase(w, RESERVATION);
    await simControl(w.sim.url, '/_sim/inventory', {
      productId: SEED.inventoryCheck.productId,
      region: SEED.inventoryCheck.inStockRegion,
      inStock: false,
    });
    try {
      await click(w, id, 'approve_request', 'U0APPROVE1');
      const r = await finalState(w, id);
      expect(r.status).toBe('failed');
      const alarm = await waitFor(
        () =>
          w.slack
            .channelMessages('C0APPROVALS')
            .find((m) => m.subtype === 'thread_broadcast' && m.text.includes(id) && /failed/.test(m.text)),
        10_000,
      );
      expect(alarm.text).toContain('<!subteam^S0APPROVERS>');
      expect(alarm.subtype).toBe('thread_broadcast');
      await waitFor(() => {
        const m = w.slack.messages(r.slack.threadChannel).find((x) => x.ts === r.slack.threadTs)!;
        return buttons(m.blocks).some((b) => b.action_id === 'submit_again') ? m : undefined;
      });
    } finally {
      await simControl(w.sim.url, '/_sim/inventory', {
        productId: SEED.inventoryCheck.productId,
        region: SEED.inventoryCheck.inStockRegion,
        inStock: true,
      });
    }
  }, 40_000);
});

describe('issue 12: requester group', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      slack: { usergroups: { S0BUYERS: ['U0REQUEST1'] } },
      env: { REQUESTER_USERGROUP_ID: 'S0BUYERS' },
    });
  });
  afterAll(async () => {
    await w.close();
  });

  it('lets only REQUESTER_USERGROUP_ID members request, and lists customers only to them', async () => {
    const member = await openModal(w, 'U0REQUEST1');
    expect(member.blocks.some((b) => b.block_id === 'customer')).toBe(true);
    const other = await openModal(w, 'U0REQUEST2');
    expect(other.blocks.some((b) => b.block_id === 'customer')).toBe(false);
    const res = await w.inbound.options({
      action_id: 'customer',
      value: '',
      view: member,
      user: 'U0REQUEST2',
    });
    expect(allText(res.json)).not.toContain(SEED.customers.open.id);
    expect(allText((await loadOptions(w, member, 'customer', {})).map((o) => o.value))).toContain(
      SEED.customers.open.id,
    );
    // Their App Home has no New request either.
    await w.inbound.appHomeOpened({ user: 'U0REQUEST2' });
    const home = await waitFor(() => w.slack.homeView('U0REQUEST2'));
    expect(buttons(home.blocks).map((b) => b.action_id)).not.toContain('new_request');
    await chooseKind(w, member, 'software_subscription');
  }, 30_000);
});

describe('issue 12: channel health', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ env: { SWEEP_INTERVAL_MS: '300' } });
  });
  afterAll(async () => {
    await w.close();
  });

  it('fails /readyz while the bot is not in the approvals channel, and tells a requester at once', async () => {
    expect((await fetch(`${w.bot.url}/readyz`)).status).toBe(200);
    w.slack.removeBotFromChannel('C0APPROVALS');
    const body = await waitFor(async () => {
      const res = await fetch(`${w.bot.url}/readyz`);
      return res.status === 503 ? await res.text() : undefined;
    }, 10_000);
    expect(body).toMatch(/approvals channel C0APPROVALS/);
    // Slack's own answer for a channel the bot is not in.
    const info = await w.slack.waitFor('conversations.info', (c) => c.args.channel === 'C0APPROVALS');
    expect(info.response).toMatchObject({ ok: true });

    let view = await openModal(w);
    view = await fillForm(w, view, SOFTWARE);
    await w.inbound.submit({ view, values: formValues(SOFTWARE), user: 'U0REQUEST1' });
    const dm = w.slack.dmChannelId('U0REQUEST1');
    const told = await waitFor(
      () => w.slack.messages(dm).find((m) => /could not be shown to the approvers/.test(m.text)),
      10_000,
    );
    expect(told.text).not.toMatch(/APPROVALS_CHANNEL_ID/);

    w.slack.addBotToChannel('C0APPROVALS');
    await waitFor(
      async () => ((await fetch(`${w.bot.url}/readyz`)).status === 200 ? true : undefined),
      10_000,
    );
  }, 40_000);
});
