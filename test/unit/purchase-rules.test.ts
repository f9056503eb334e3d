import { errorFromResponse, PartnerCenterError } from '../../src/partner-center/errors';
import { msRequestId } from '../../src/purchases/idempotency';
import { findRequestOrder, tagOf, taggedFriendlyName } from '../../src/purchases/matching';
import type { OrderSummary } from '../../src/purchases/model';
import { decideRetry } from '../../src/services/retry';

const order = (id: string, name: string, extra: Partial<OrderSummary> = {}): OrderSummary => ({
  id,
  status: 'completed',
  lineItems: [{ offerId: 'DG7GMGF0FKZV:0001:DG7GMGF0DWMT', friendlyName: name, quantity: 3 }],
  ...extra,
});

describe('derived MS-RequestIds', () => {
  it('are the same for the same request, step and attempt, after any restart or rollback', () => {
    expect(msRequestId('PR-ABCD1234', 'cart', 0)).toBe(msRequestId('PR-ABCD1234', 'cart', 0));
    expect(msRequestId('PR-ABCD1234', 'cart', 0)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('differ between requests, steps and attempts', () => {
    const ids = new Set([
      msRequestId('PR-ABCD1234', 'cart', 0),
      msRequestId('PR-ABCD1234', 'cart', 1),
      msRequestId('PR-ABCD1234', 'checkout', 0),
      msRequestId('PR-ABCD1235', 'cart', 0),
      msRequestId('PR-ABCD1234', 'plan-cart', 0),
    ]);
    expect(ids.size).toBe(5);
  });
});

describe("finding a request's order", () => {
  it('tags every cart line with the request id first, and the Azure plan apart from the purchase', () => {
    expect(taggedFriendlyName('PR-AB12CD34', 'SQL Server')).toBe('PR-AB12CD34 SQL Server');
    expect(tagOf(taggedFriendlyName('PR-AB12CD34', 'Azure plan', 'plan'))).toEqual({
      requestId: 'PR-AB12CD34',
      part: 'plan',
    });
    expect(tagOf(taggedFriendlyName('PR-AB12CD34', 'x'.repeat(300)))).toEqual({
      requestId: 'PR-AB12CD34',
      part: 'purchase',
    });
    expect(taggedFriendlyName('PR-AB12CD34', 'x'.repeat(300))).toHaveLength(100);
    expect(tagOf('SQL Server bought in the portal')).toBeUndefined();
  });

  const target = {
    id: 'PR-AB12CD34',
    part: 'purchase' as const,
    productId: 'DG7GMGF0FKZV',
    skuId: '0001',
    quantity: 3,
  };

  it('takes the tagged order, never the Azure plan bought for the same request', () => {
    const orders = [order('plan', 'PR-AB12CD34-plan Azure plan'), order('mine', 'PR-AB12CD34 SQL Server')];
    expect(findRequestOrder(orders, target, 0)?.id).toBe('mine');
    expect(findRequestOrder([orders[0]!], target, 0)).toBeUndefined();
  });

  it('matches an untagged order by offer, quantity and date only when exactly one fits', () => {
    const after = Date.parse('2026-11-01T00:00:00Z');
    const untagged = order('portal', 'renamed by someone', { creationDate: '2026-11-02T00:00:00Z' });
    expect(findRequestOrder([untagged], target, after)?.id).toBe('portal');
    expect(findRequestOrder([untagged, { ...untagged, id: 'portal-2' }], target, after)).toBeUndefined();
    expect(
      findRequestOrder([{ ...untagged, creationDate: '2026-10-01T00:00:00Z' }], target, after),
    ).toBeUndefined();
    expect(findRequestOrder([order('other', 'PR-ZZ99ZZ99 SQL Server')], target, 0)).toBeUndefined();
  });
});

describe('what to do after a Partner Center call failed', () => {
  const fail = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    errorFromResponse(status, headers, JSON.stringify(body), { operation: 'checkoutCart' });

  it('waits as told on 429, and retries 5xx with a fresh MS-RequestId (Partner Center answered)', () => {
    expect(
      decideRetry(fail(429, { statusCode: 429, message: 'Rate limit is exceeded. Try again in 7 seconds.' })),
    ).toEqual({
      kind: 'wait',
      delayMs: 7000,
    });
    expect(decideRetry(fail(503, { code: 800003, description: 'down' }))).toEqual({
      kind: 'retry',
      answered: true,
    });
  });

  it('retries with the same MS-RequestId when no answer came back', () => {
    const timeout = new PartnerCenterError('pc_timeout', 'no answer', {});
    expect(decideRetry(timeout)).toEqual({ kind: 'retry', answered: false });
    expect(decideRetry(new PartnerCenterError('pc_network', 'reset', {}))).toEqual({
      kind: 'retry',
      answered: false,
    });
  });

  it('reads 800065 as "an order may exist", and the transient conflicts as retryable', () => {
    expect(
      decideRetry(fail(400, { code: 800065, description: "Can't check out an already submitted cart" })),
    ).toMatchObject({
      kind: 'ambiguous',
      pcCode: '800065',
    });
    expect(decideRetry(fail(409, { code: 800064, description: 'Cart is being processed' }))).toEqual({
      kind: 'retry',
      answered: true,
    });
    expect(decideRetry(fail(409, { code: 800060, description: 'Order in progress' }))).toEqual({
      kind: 'retry',
      answered: true,
    });
  });

  it('treats business refusals as final, with Partner Center’s code and words', () => {
    expect(decideRetry(fail(403, { code: 13605, description: 'MCA not accepted' }))).toEqual({
      kind: 'refused',
      pcCode: '13605',
      pcMessage: 'MCA not accepted',
    });
    expect(decideRetry(fail(400, { code: 900203, description: 'requires attestation' }))).toMatchObject({
      kind: 'refused',
      pcCode: '900203',
    });
  });

  it('leaves our own errors to the job’s retries', () => {
    expect(decideRetry(new Error('Redis went away'))).toEqual({ kind: 'bug' });
  });
});
