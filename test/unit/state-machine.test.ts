import type { PurchaseRequest } from '../../src/purchases/model';
import { transition, type PurchaseEvent } from '../../src/purchases/state-machine';
import { sampleRequest } from '../../harness/requests';

const NOW = 1_800_000_000_000;

function walk(r: PurchaseRequest, events: PurchaseEvent[], at = NOW): PurchaseRequest {
  for (const event of events) {
    const res = transition(r, event, at);
    if (!res.ok) throw new Error(`${event.type} refused: ${res.code}`);
    r = res.request;
  }
  return r;
}

const pending = () => sampleRequest({ createdAt: NOW - 1000, expiresAt: NOW + 3_600_000 });
const ordering = () => walk(pending(), [{ type: 'approve', by: 'U0APPROVE1' }, { type: 'start_ordering' }]);

describe('purchase request state machine', () => {
  it('approves a pending request when an approver who is not the requester approves', () => {
    const res = transition(pending(), { type: 'approve', by: 'U0APPROVE1' }, NOW);
    expect(res).toMatchObject({
      ok: true,
      request: { status: 'approved', approvals: [{ by: 'U0APPROVE1', at: NOW }] },
    });
  });

  it('refuses self-approval as a value, not an exception', () => {
    expect(transition(pending(), { type: 'approve', by: 'U0REQUEST1' }, NOW)).toEqual({
      ok: false,
      code: 'self_approval',
      status: 'pending_approval',
    });
  });

  it('refuses an approval clicked after expiry, even before the sweeper expired the request', () => {
    const r = pending();
    expect(transition(r, { type: 'approve', by: 'U0APPROVE1' }, r.expiresAt + 1000)).toMatchObject({
      ok: false,
      code: 'expired',
    });
    expect(transition(r, { type: 'approve', by: 'U0APPROVE1' }, r.expiresAt - 1)).toMatchObject({ ok: true });
  });

  it('needs two distinct approvers when the request requires two', () => {
    const first = transition(
      sampleRequest({ requiredApprovals: 2 }),
      { type: 'approve', by: 'U0APPROVE1' },
      Date.now(),
    );
    if (!first.ok) throw new Error('first approval refused');
    expect(first.request.status).toBe('pending_approval');
    expect(transition(first.request, { type: 'approve', by: 'U0APPROVE1' }, Date.now())).toMatchObject({
      ok: false,
      code: 'already_approved_by_you',
    });
    expect(transition(first.request, { type: 'approve', by: 'U0APPROVE2' }, Date.now())).toMatchObject({
      ok: true,
      request: { status: 'approved' },
    });
  });

  it('lets nobody decide a request twice', () => {
    const rejected = walk(pending(), [{ type: 'reject', by: 'U0APPROVE1', reason: 'no budget' }]);
    expect(rejected).toMatchObject({
      status: 'rejected',
      rejection: { by: 'U0APPROVE1', at: NOW, reason: 'no budget' },
    });
    expect(transition(rejected, { type: 'approve', by: 'U0APPROVE2' }, NOW)).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
  });

  it('only lets the requester withdraw, and only while pending', () => {
    expect(transition(pending(), { type: 'withdraw', by: 'U0APPROVE1' }, NOW)).toMatchObject({
      ok: false,
      code: 'not_requester',
    });
    expect(transition(pending(), { type: 'withdraw', by: 'U0REQUEST1' }, NOW)).toMatchObject({
      ok: true,
      request: { status: 'cancelled' },
    });
    expect(transition(ordering(), { type: 'withdraw', by: 'U0REQUEST1' }, NOW)).toMatchObject({ ok: false });
  });

  it('records questions from approvers and answers from the requester, in order', () => {
    const r = walk(pending(), [
      { type: 'ask', by: 'U0APPROVE1', text: 'Which project?' },
      { type: 'answer', by: 'U0REQUEST1', text: 'Atlas' },
    ]);
    expect(r.conversation).toEqual([
      { by: 'U0APPROVE1', role: 'approver', text: 'Which project?', at: NOW },
      { by: 'U0REQUEST1', role: 'requester', text: 'Atlas', at: NOW },
    ]);
    expect(transition(r, { type: 'answer', by: 'U0APPROVE1', text: 'x' }, NOW)).toMatchObject({
      ok: false,
      code: 'not_requester',
    });
    expect(transition(r, { type: 'ask', by: 'U0REQUEST1', text: 'x' }, NOW)).toMatchObject({
      ok: false,
      code: 'self_approval',
    });
  });

  it('never replaces a saved cart id with another one', () => {
    const withCart = walk(ordering(), [{ type: 'cart_created', scope: 'purchase', cartId: 'cart-1' }]);
    expect(
      transition(withCart, { type: 'cart_created', scope: 'purchase', cartId: 'cart-1' }, NOW),
    ).toMatchObject({
      ok: true,
      changed: false,
    });
    expect(
      transition(withCart, { type: 'cart_created', scope: 'purchase', cartId: 'cart-2' }, NOW),
    ).toMatchObject({ ok: false });
  });

  it('cannot mark a checkout sent without a saved cart', () => {
    expect(transition(ordering(), { type: 'checkout_sent', scope: 'purchase' }, NOW)).toMatchObject({
      ok: false,
      code: 'invalid_transition',
    });
  });

  it('moves the MS-RequestId attempt on only when Partner Center answered', () => {
    const r = walk(ordering(), [
      { type: 'cart_answered', scope: 'purchase' },
      { type: 'cart_answered', scope: 'purchase' },
    ]);
    expect(r.status === 'ordering' && r.progress.cart).toEqual({ stage: 'none', attempt: 2 });
  });

  it('walks the happy path approved → ordering → ordered → confirmed', () => {
    const r = walk(ordering(), [
      { type: 'cart_created', scope: 'purchase', cartId: 'c1' },
      { type: 'checkout_sent', scope: 'purchase' },
      { type: 'ordered', orders: [{ id: 'o1', status: 'pending', lineItems: [] }] },
      { type: 'confirm' },
    ]);
    expect(r).toMatchObject({ status: 'confirmed', confirmedAt: NOW, orders: [{ id: 'o1' }] });
  });

  it('buys a new Azure plan first, then the reservation on its subscription', () => {
    const plan = walk(pending(), [{ type: 'approve', by: 'U0APPROVE1' }]);
    const newPlan = { ...plan, azure: { kind: 'new_plan' as const } };
    const r = walk(newPlan, [
      { type: 'start_ordering' },
      { type: 'cart_created', scope: 'plan', cartId: 'plan-cart' },
      { type: 'checkout_sent', scope: 'plan' },
      { type: 'plan_ordered', orderId: 'plan-order', cartId: 'plan-cart' },
      { type: 'plan_ready', subscriptionId: 'new-sub' },
      { type: 'cart_created', scope: 'purchase', cartId: 'ri-cart' },
    ]);
    expect(r.status === 'ordering' && r.progress).toEqual({
      plan: { stage: 'ready', orderId: 'plan-order', subscriptionId: 'new-sub' },
      cart: { stage: 'cart', cartId: 'ri-cart', attempt: 0 },
    });
  });

  it('goes back to ordering when the plan order of an ambiguous plan checkout is found, to buy the reservation', () => {
    const approved = walk(pending(), [{ type: 'approve', by: 'U0APPROVE1' }]);
    const sent = walk({ ...approved, azure: { kind: 'new_plan' as const } }, [
      { type: 'start_ordering' },
      { type: 'cart_created', scope: 'plan', cartId: 'plan-cart' },
      { type: 'checkout_sent', scope: 'plan' },
      { type: 'outcome_unknown', cartId: 'plan-cart', pcCode: '800065' },
      { type: 'searched' },
    ]);
    expect(sent).toMatchObject({ status: 'attention', attention: { reason: 'outcome_unknown' } });
    const found = walk(sent, [{ type: 'plan_ordered', orderId: 'plan-order', cartId: 'plan-cart' }]);
    expect(found.status === 'ordering' && found.progress).toEqual({
      plan: { stage: 'ordered', orderId: 'plan-order', cartId: 'plan-cart', since: NOW },
      cart: { stage: 'none', attempt: 0 },
    });
    expect('attention' in found).toBe(false);
    // A purchase's ambiguous checkout has no plan to record.
    const purchase = walk(ordering(), [
      { type: 'cart_created', scope: 'purchase', cartId: 'c1' },
      { type: 'checkout_sent', scope: 'purchase' },
      { type: 'outcome_unknown', cartId: 'c1', pcCode: '800065' },
    ]);
    expect(transition(purchase, { type: 'plan_ordered', orderId: 'o1', cartId: 'c1' }, NOW)).toMatchObject({
      ok: false,
    });
  });

  it('keeps an ambiguous checkout in attention, and lets a found order end it', () => {
    const sent = walk(ordering(), [
      { type: 'cart_created', scope: 'purchase', cartId: 'c1' },
      { type: 'checkout_sent', scope: 'purchase' },
      { type: 'outcome_unknown', cartId: 'c1', pcCode: '800065' },
    ]);
    expect(sent).toMatchObject({
      status: 'attention',
      attention: { reason: 'outcome_unknown', pcCode: '800065', searches: 0 },
    });
    expect(
      transition(sent, { type: 'fail', failure: { code: 'refused', nothingBought: true } }, NOW),
    ).toMatchObject({ ok: false });
    const found = walk(sent, [
      { type: 'searched' },
      { type: 'ordered', orders: [{ id: 'o1', status: 'completed', lineItems: [] }] },
    ]);
    expect(found).toMatchObject({ status: 'ordered', orders: [{ id: 'o1' }] });
    expect('attention' in found).toBe(false);
  });

  it('never says nothing was bought once a checkout may have reached Partner Center', () => {
    const sent = walk(ordering(), [
      { type: 'cart_created', scope: 'purchase', cartId: 'c1' },
      { type: 'checkout_sent', scope: 'purchase' },
    ]);
    const failed = walk(sent, [
      { type: 'fail', failure: { code: 'partner_center_down', nothingBought: true } },
    ]);
    expect(failed.status === 'failed' && failed.failure.nothingBought).toBe(false);
    // Unless Partner Center's answer to that checkout refused it.
    const refused = transition(
      sent,
      { type: 'fail', failure: { code: 'refused', nothingBought: true }, checkoutRefused: true },
      NOW,
    );
    expect(refused.ok && refused.request.status === 'failed' && refused.request.failure.nothingBought).toBe(
      true,
    );
    // Before any checkout, a refusal bought nothing.
    const early = walk(ordering(), [{ type: 'fail', failure: { code: 'refused', nothingBought: true } }]);
    expect(early.status === 'failed' && early.failure.nothingBought).toBe(true);
  });

  it('sends an order whose final status is not completed to attention, and confirms it once it completes', () => {
    const ordered = walk(ordering(), [
      { type: 'cart_created', scope: 'purchase', cartId: 'c1' },
      { type: 'checkout_sent', scope: 'purchase' },
      { type: 'ordered', orders: [{ id: 'o1', status: 'pending', lineItems: [] }] },
    ]);
    const needs = walk(ordered, [
      { type: 'order_status', orderId: 'o1', orderStatus: 'pending_review', lines: [] },
    ]);
    expect(needs).toMatchObject({
      status: 'attention',
      attention: { reason: 'order_status', orderStatus: 'pending_review' },
    });
    expect(walk(needs, [{ type: 'confirm' }])).toMatchObject({ status: 'confirmed' });
  });

  it('cancels a software order once, whoever clicks', () => {
    const confirmed = walk(ordering(), [
      { type: 'cart_created', scope: 'purchase', cartId: 'c1' },
      { type: 'checkout_sent', scope: 'purchase' },
      { type: 'ordered', orders: [{ id: 'o1', status: 'completed', lineItems: [] }] },
      { type: 'confirm' },
      { type: 'cancel_order', by: 'U0REQUEST1' },
    ]);
    expect(transition(confirmed, { type: 'cancel_order', by: 'U0APPROVE1' }, NOW)).toMatchObject({
      ok: true,
      changed: false,
    });
    const done = walk(confirmed, [{ type: 'order_cancelled' }]);
    expect(done).toMatchObject({
      status: 'order_cancelled',
      orderCancellation: { by: 'U0REQUEST1', doneAt: NOW },
    });
  });

  it('expires only pending requests', () => {
    expect(transition(pending(), { type: 'expire' }, NOW)).toMatchObject({
      ok: true,
      request: { status: 'expired' },
    });
    expect(transition(ordering(), { type: 'expire' }, NOW)).toMatchObject({ ok: false });
  });
});
