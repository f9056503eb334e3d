import { inputValues, stateValue } from '../../fakes/slack/inbound';
import type { FakeView } from '../../fakes/slack/types';
import {
  cardOf,
  click,
  fillForm,
  finalState,
  openModal,
  requestPurchase,
  SOFTWARE,
  submitForm,
  threadText,
} from '../../harness/flows';
import { waitFor } from '../../harness/processes';
import { startWorld, type World } from '../../harness/world';
import { JUSTIFICATION, TEXT_BOUNDS } from '../../src/purchases/policy';

/**
 * Every free-text field has a server-side length limit with an inline error (issue 14, point 5):
 * the justification, the reject reason, the approver's question and the requester's answer. Each
 * modal declares the same bounds to Slack as min_length/max_length on its plain_text_input
 * (https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element), but Slack
 * enforces those in its client only: the submissions here are crafted past them, over signed HTTP,
 * and the bot refuses them itself with `response_action: errors` on the field
 * (https://docs.slack.dev/surfaces/modals#displaying_errors). Texts at the limit, full of the
 * characters mrkdwn escaping lengthens, still fit in what the bot posts (the Slack fake validates
 * Block Kit as Slack does).
 */
describe('length limits on free text, end to end over signed HTTP', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w.close();
  });

  type Ack = { response_action?: string; errors?: Record<string, string> } | undefined;

  /** The element of the view's input block `blockId`. */
  function input(
    view: FakeView,
    blockId: string,
  ): { type: string; min_length?: number; max_length?: number } {
    const block = view.blocks.find((b) => (b as { block_id?: string }).block_id === blockId) as
      { element: { type: string; min_length?: number; max_length?: number } } | undefined;
    if (!block) throw new Error(`no ${blockId} block in ${view.callback_id}`);
    return block.element;
  }

  /** Runs `act` and returns the modal the bot opened because of it. */
  async function opened(act: () => Promise<{ status: number }>): Promise<FakeView> {
    const before = w.slack.callsTo('views.open').length;
    expect((await act()).status).toBe(200);
    const call = await waitFor(() => w.slack.callsTo('views.open')[before]);
    const id = (call.response as { view?: { id?: string } }).view?.id;
    const view = id ? w.slack.views.get(id) : undefined;
    if (!view) throw new Error(`views.open failed: ${JSON.stringify(call.response)}`);
    return view;
  }

  async function submitText(view: FakeView, blockId: string, text: string, user: string): Promise<Ack> {
    const res = await w.inbound.submit({
      view,
      values: inputValues({ [blockId]: stateValue.plainText(text) }),
      user,
    });
    expect(res.status).toBe(200);
    return res.json as Ack;
  }

  /** Every message and modal the bot sent or updated was accepted: nothing exceeded Slack's limits. */
  function slackTookEverything(): void {
    const refused = ['chat.postMessage', 'chat.update', 'views.open', 'views.update']
      .flatMap((m) => w.slack.callsTo(m))
      .filter((c) => !(c.response as { ok?: boolean }).ok)
      .map((c) => `${c.method}: ${JSON.stringify(c.response)}`);
    expect(refused).toEqual([]);
  }

  /** Text of exactly `n` characters, mostly ones mrkdwn escaping turns into entities (&amp; &lt; &gt;). */
  const spiky = (n: number) => '&<>'.repeat(Math.ceil(n / 3)).slice(0, n - 1) + 'z';

  it('refuses a justification over the limit inline on its field, and posts one at the limit', async () => {
    let view = await openModal(w);
    expect(input(view, 'justification')).toMatchObject({
      type: 'plain_text_input',
      min_length: JUSTIFICATION.min,
      max_length: JUSTIFICATION.max,
    });
    view = await fillForm(w, view, SOFTWARE);
    const cardsBefore = w.slack.messages('C0APPROVALS').length;
    const tooLong = { ...SOFTWARE, justification: 'x'.repeat(JUSTIFICATION.max + 1) };
    const res = await submitForm(w, view, tooLong);
    expect(res.json).toEqual({
      response_action: 'errors',
      errors: {
        justification: `Keep it to ${JUSTIFICATION.max} characters or fewer (this is ${JUSTIFICATION.max + 1}).`,
      },
    });
    expect(w.slack.messages('C0APPROVALS')).toHaveLength(cardsBefore);

    // At the limit it goes through, and the card (section text ≤ 3000 after escaping) is accepted.
    const id = await requestPurchase(w, { ...SOFTWARE, justification: spiky(JUSTIFICATION.max) });
    expect(JSON.stringify(cardOf(w, id).blocks)).toContain('&amp;&lt;&gt;');
    expect((await w.bot.repo.get(id))?.justification).toHaveLength(JUSTIFICATION.max);
    slackTookEverything();
  });

  it('refuses a reject reason over the limit (or too short) inline in the reject modal; one at the limit rejects', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    const view = await opened(() => click(w, id, 'reject_request', 'U0APPROVE1'));
    expect(input(view, 'reason')).toMatchObject({
      type: 'plain_text_input',
      min_length: TEXT_BOUNDS.rejectReason.min,
      max_length: TEXT_BOUNDS.rejectReason.max,
    });
    const max = TEXT_BOUNDS.rejectReason.max;
    expect(await submitText(view, 'reason', 'n'.repeat(max + 1), 'U0APPROVE1')).toEqual({
      response_action: 'errors',
      errors: { reason: `Keep it to ${max} characters or fewer (this is ${max + 1}).` },
    });
    expect(await submitText(view, 'reason', '  no  ', 'U0APPROVE1')).toEqual({
      response_action: 'errors',
      errors: { reason: `Write at least ${TEXT_BOUNDS.rejectReason.min} characters.` },
    });
    expect((await w.bot.repo.get(id))?.status).toBe('pending_approval');

    expect(await submitText(view, 'reason', spiky(max), 'U0APPROVE1')).toBeUndefined();
    const r = await finalState(w, id, ['rejected']);
    expect(r.status === 'rejected' && r.rejection.reason).toHaveLength(max);
    expect(await threadText(w, id, /rejected your request/)).toMatch(
      /rejected your request[\s\S]*&amp;&lt;&gt;/,
    );
    await waitFor(
      () => JSON.stringify(cardOf(w, id).blocks).includes('Rejected by <@U0APPROVE1>') || undefined,
    );
    slackTookEverything();
  });

  it("refuses an approver's question and the requester's answer over the limit inline in their modals", async () => {
    const id = await requestPurchase(w, SOFTWARE);
    const card = cardOf(w, id);
    const ask = await opened(() =>
      w.inbound.action({
        action_id: 'ask_question',
        message: card,
        channel_id: 'C0APPROVALS',
        user: 'U0APPROVE1',
        value: id,
      }),
    );
    expect(input(ask, 'question')).toMatchObject({
      type: 'plain_text_input',
      min_length: TEXT_BOUNDS.question.min,
      max_length: TEXT_BOUNDS.question.max,
    });
    const qmax = TEXT_BOUNDS.question.max;
    expect(await submitText(ask, 'question', 'q'.repeat(qmax + 1), 'U0APPROVE1')).toEqual({
      response_action: 'errors',
      errors: { question: `Keep it to ${qmax} characters or fewer (this is ${qmax + 1}).` },
    });
    expect((await w.bot.repo.get(id))?.conversation ?? []).toEqual([]);

    expect(await submitText(ask, 'question', spiky(qmax), 'U0APPROVE1')).toBeUndefined();
    await threadText(w, id, /asks about your request/);

    // The requester answers with the Answer button on their message (a modal, not a thread reply).
    const r = (await w.bot.repo.get(id))!;
    const mine = await waitFor(() => {
      const m = w.slack.messages(r.slack.threadChannel).find((x) => x.ts === r.slack.threadTs);
      return m && JSON.stringify(m.blocks).includes('answer_question') ? m : undefined;
    });
    const answer = await opened(() =>
      w.inbound.action({
        action_id: 'answer_question',
        message: mine,
        channel_id: r.slack.threadChannel!,
        user: 'U0REQUEST1',
        value: id,
      }),
    );
    expect(input(answer, 'answer')).toMatchObject({
      type: 'plain_text_input',
      min_length: TEXT_BOUNDS.answer.min,
      max_length: TEXT_BOUNDS.answer.max,
    });
    const amax = TEXT_BOUNDS.answer.max;
    expect(await submitText(answer, 'answer', 'a'.repeat(amax + 1), 'U0REQUEST1')).toEqual({
      response_action: 'errors',
      errors: { answer: `Keep it to ${amax} characters or fewer (this is ${amax + 1}).` },
    });
    expect((await w.bot.repo.get(id))?.conversation).toHaveLength(1);

    expect(await submitText(answer, 'answer', spiky(amax), 'U0REQUEST1')).toBeUndefined();
    const reply = await waitFor(() =>
      w.slack.thread('C0APPROVALS', r.slack.cardTs!).find((m) => /answered about request/.test(m.text)),
    );
    expect(reply.text).toContain('&amp;&lt;&gt;');
    expect((await w.bot.repo.get(id))?.conversation?.map((c) => c.text.length)).toEqual([qmax, amax]);
    slackTookEverything();
  });
});
