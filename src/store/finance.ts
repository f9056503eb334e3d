import type { Redis } from 'ioredis';
import type { Keys } from './redis';

/**
 * The finance ledgers: what the invoice announcements and the order reconciliation must remember
 * beyond one job. Kept forever (a few bytes per invoice or order); every key is under the
 * deployment's prefix:
 *
 *   once:finance-baseline:invoices   the first invoice poll's baseline was taken (JSON: when, how many)
 *   once:finance-invoices:settled    set of invoice ids needing nothing more (baseline + fully announced)
 *   once:finance-told:<inv>:<req>    the requester of <req> was told about invoice <inv>
 *   once:orders-baseline:one-time    the first order reconciliation's baseline (JSON: when, how many)
 *   once:orders-baseline:ids         set of the order ids that existed then
 *   once:orphan-orders:raised        hash: order id → when the approvers were told nobody approved it
 *
 * The invoice keys are the ones the earlier FinanceService wrote, so a running deployment keeps its
 * baseline and does not announce its history again.
 */

/** Takes a baseline once: the set and the marker in one step, so a crash leaves all or nothing. */
const TAKE_BASELINE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

export interface InvoiceLedger {
  /** Whether the first poll's baseline is recorded. */
  baselineTaken(): Promise<boolean>;
  /**
   * Records `invoiceIds` as settled and the baseline as taken, in one atomic step, unless a
   * baseline exists. True if this call took it.
   */
  takeBaseline(invoiceIds: readonly string[], at: number): Promise<boolean>;
  /** Invoices that need nothing more: the baseline's and the fully announced ones. */
  settled(): Promise<Set<string>>;
  isSettled(invoiceId: string): Promise<boolean>;
  settle(invoiceId: string): Promise<void>;
  /**
   * Claims the note telling a requester which invoice charged their request: true exactly once per
   * invoice and request, across retries, workers and restarts.
   */
  claimRequesterTold(invoiceId: string, requestId: string, at: number): Promise<boolean>;
}

export interface OrderLedger {
  /** When the first reconciliation recorded the orders that existed; undefined before it ran. */
  baseline(): Promise<{ at: number } | undefined>;
  /** Records the existing orders and the time, atomically, unless taken. True if this call took it. */
  takeBaseline(orderIds: readonly string[], at: number): Promise<boolean>;
  /** For each id, whether it was among the baseline's orders. */
  inBaseline(orderIds: readonly string[]): Promise<boolean[]>;
  /** For each id, whether approvers were already told that nobody approved it. */
  raised(orderIds: readonly string[]): Promise<boolean[]>;
  markRaised(orderId: string, at: number): Promise<void>;
}

export class RedisInvoiceLedger implements InvoiceLedger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async baselineTaken(): Promise<boolean> {
    return (await this.redis.exists(this.keys.once('finance-baseline', 'invoices'))) === 1;
  }

  async takeBaseline(invoiceIds: readonly string[], at: number): Promise<boolean> {
    const taken = await this.redis.eval(
      TAKE_BASELINE,
      2,
      this.keys.once('finance-baseline', 'invoices'),
      this.settledKey(),
      JSON.stringify({ at: new Date(at).toISOString(), invoices: invoiceIds.length }),
      ...invoiceIds,
    );
    return taken === 1;
  }

  async settled(): Promise<Set<string>> {
    return new Set(await this.redis.smembers(this.settledKey()));
  }

  async isSettled(invoiceId: string): Promise<boolean> {
    return (await this.redis.sismember(this.settledKey(), invoiceId)) === 1;
  }

  async settle(invoiceId: string): Promise<void> {
    await this.redis.sadd(this.settledKey(), invoiceId);
  }

  async claimRequesterTold(invoiceId: string, requestId: string, at: number): Promise<boolean> {
    const key = this.keys.once('finance-told', `${invoiceId}:${requestId}`);
    return (await this.redis.set(key, new Date(at).toISOString(), 'NX')) === 'OK';
  }

  private settledKey(): string {
    return this.keys.once('finance-invoices', 'settled');
  }
}

export class RedisOrderLedger implements OrderLedger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async baseline(): Promise<{ at: number } | undefined> {
    const raw = await this.redis.get(this.keys.once('orders-baseline', 'one-time'));
    if (!raw) return undefined;
    const at = Date.parse((JSON.parse(raw) as { at?: string }).at ?? '');
    return { at: Number.isNaN(at) ? 0 : at };
  }

  async takeBaseline(orderIds: readonly string[], at: number): Promise<boolean> {
    const taken = await this.redis.eval(
      TAKE_BASELINE,
      2,
      this.keys.once('orders-baseline', 'one-time'),
      this.keys.once('orders-baseline', 'ids'),
      JSON.stringify({ at: new Date(at).toISOString(), orders: orderIds.length }),
      ...orderIds,
    );
    return taken === 1;
  }

  async inBaseline(orderIds: readonly string[]): Promise<boolean[]> {
    if (orderIds.length === 0) return [];
    const found = await this.redis.smismember(this.keys.once('orders-baseline', 'ids'), ...orderIds);
    return found.map((n) => n === 1);
  }

  async raised(orderIds: readonly string[]): Promise<boolean[]> {
    if (orderIds.length === 0) return [];
    const found = await this.redis.hmget(this.raisedKey(), ...orderIds);
    return found.map((v) => v !== null);
  }

  async markRaised(orderId: string, at: number): Promise<void> {
    await this.redis.hset(this.raisedKey(), orderId, new Date(at).toISOString());
  }

  private raisedKey(): string {
    return this.keys.once('orphan-orders', 'raised');
  }
}
