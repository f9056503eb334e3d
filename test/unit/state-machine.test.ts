import { transition } from '../../src/purchases/state-machine';
import { sampleRequest } from '../support/requests';

const NOW = 1_800_000_000_000;

describe('purchase request state machine', () => {
  it('approves a pending request when an approver who is not the requester approves', () => {
    const res = transition(sampleRequest(), { type: 'approve', by: 'U0APPROVE1' }, NOW);
    expect(res).toMatchObject({
      ok: true,
      request: { status: 'approved', approvals: [{ by: 'U0APPROVE1', at: NOW }] },
    });
  });

  it('refuses self-approval as a value, not an exception', () => {
    expect(transition(sampleRequest(), { type: 'approve', by: 'U0REQUEST1' }, NOW)).toEqual({
      ok: false,
      code: 'self_approval',
      status: 'pending_approval',
    });
  });

  it('needs two distinct approvers when the request requires two', () => {
    const first = transition(
      sampleRequest({ requiredApprovals: 2 }),
      { type: 'approve', by: 'U0APPROVE1' },
      NOW,
    );
    if (!first.ok) throw new Error('first approval refused');
    expect(first.request.status).toBe('pending_approval');
    expect(transition(first.request, { type: 'approve', by: 'U0APPROVE1' }, NOW)).toMatchObject({
      ok: false,
      code: 'already_approved_by_you',
    });
    expect(transition(first.request, { type: 'approve', by: 'U0APPROVE2' }, NOW)).toMatchObject({
      ok: true,
      request: { status: 'approved' },
    });
  });

  it('lets nobody decide a request twice', () => {
    const rejected = transition(
      sampleRequest(),
      { type: 'reject', by: 'U0APPROVE1', reason: 'no budget' },
      NOW,
    );
    if (!rejected.ok) throw new Error('reject refused');
    expect(rejected.request.rejection).toEqual({ by: 'U0APPROVE1', at: NOW, reason: 'no budget' });
    expect(transition(rejected.request, { type: 'approve', by: 'U0APPROVE2' }, NOW)).toMatchObject({
      ok: false,
      code: 'not_pending',
    });
  });

  it('only lets the requester cancel, and only while pending', () => {
    expect(transition(sampleRequest(), { type: 'cancel', by: 'U0APPROVE1' }, NOW)).toMatchObject({
      ok: false,
      code: 'not_requester',
    });
    expect(transition(sampleRequest(), { type: 'cancel', by: 'U0REQUEST1' }, NOW)).toMatchObject({
      ok: true,
      request: { status: 'cancelled' },
    });
    expect(
      transition(sampleRequest({ status: 'approved' }), { type: 'cancel', by: 'U0REQUEST1' }, NOW),
    ).toMatchObject({ ok: false });
  });

  it('keeps the first MS-RequestId for the cart once chosen, so a retry reuses it', () => {
    const ordering = sampleRequest({ status: 'ordering', cartRequestId: 'first' });
    expect(transition(ordering, { type: 'prepare_cart', cartRequestId: 'second' }, NOW)).toMatchObject({
      ok: true,
      changed: false,
      request: { cartRequestId: 'first' },
    });
  });

  it('never replaces a saved cart id with another one', () => {
    const withCart = sampleRequest({ status: 'ordering', cartId: 'cart-1' });
    expect(transition(withCart, { type: 'cart_created', cartId: 'cart-1' }, NOW)).toMatchObject({
      ok: true,
      changed: false,
    });
    expect(transition(withCart, { type: 'cart_created', cartId: 'cart-2' }, NOW)).toMatchObject({
      ok: false,
    });
  });

  it('walks the happy path approved → ordering → ordered → confirmed', () => {
    let r = sampleRequest({ status: 'approved' });
    for (const event of [
      { type: 'start_ordering' as const },
      { type: 'prepare_cart' as const, cartRequestId: 'rq' },
      { type: 'cart_created' as const, cartId: 'c1' },
      { type: 'prepare_checkout' as const, checkoutRequestId: 'rq2' },
      { type: 'ordered' as const, orders: [{ id: 'o1', status: 'pending', lineItems: [] }] },
      { type: 'confirm' as const },
    ]) {
      const res = transition(r, event, NOW);
      if (!res.ok) throw new Error(`${event.type} refused: ${res.code}`);
      r = res.request;
    }
    expect(r).toMatchObject({ status: 'confirmed', cartId: 'c1', confirmedAt: NOW, orders: [{ id: 'o1' }] });
  });

  it('expires only pending requests', () => {
    expect(transition(sampleRequest(), { type: 'expire' }, NOW)).toMatchObject({
      ok: true,
      request: { status: 'expired' },
    });
    expect(transition(sampleRequest({ status: 'ordering' }), { type: 'expire' }, NOW)).toMatchObject({
      ok: false,
    });
  });

  it('cannot fail a request that already has orders', () => {
    const failure = { code: 'x', message: 'm', nextStep: 'n' };
    expect(transition(sampleRequest({ status: 'ordered' }), { type: 'fail', failure }, NOW)).toMatchObject({
      ok: false,
    });
  });
});
