import type { Redis } from 'ioredis';
import type { AuditEntry } from '../purchases/audit';
import { IN_FLIGHT_STATUSES, isFinal, ordersOf, type PurchaseRequest } from '../purchases/model';
import { transition, type PurchaseEvent, type TransitionResult } from '../purchases/state-machine';
import type { Keys } from './redis';

export type { AuditEntry } from '../purchases/audit';

/**
 * Compare-and-set, audit append and every index in one atomic script: a transition is never saved
 * without its audit entry or its indexes (a crash cannot leave an order that no request explains
 * because its by-order entry was written after the request), and two writers holding the same
 * version cannot both win.
 *
 * KEYS: 1 request, 2 its audit stream, 3 the global audit stream, 4 open-by-requester set,
 *       5 pending (by expiry), 6 all (by creation), 7 in-flight set, 8 the requester's (by creation)
 * ARGV: 1 expected version ('0' = create), 2 new version, 3 JSON, 4 event, 5 actor, 6 at,
 *       7 status, 8 detail, 9 request id, 10 open ('1'/'0'), 11 expiresAt, 12 createdAt,
 *       13 in flight ('1'/'0'), 14 by-order key prefix, 15.. order ids
 */
const CAS_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'version')
if ARGV[1] == '0' then
  if current then return 0 end
else
  if (not current) or current ~= ARGV[1] then return 0 end
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'data', ARGV[3])
redis.call('XADD', KEYS[2], '*', 'event', ARGV[4], 'actor', ARGV[5], 'at', ARGV[6], 'status', ARGV[7], 'detail', ARGV[8])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'request', ARGV[9], 'event', ARGV[4], 'actor', ARGV[5], 'at', ARGV[6], 'status', ARGV[7])
if ARGV[10] == '1' then
  redis.call('SADD', KEYS[4], ARGV[9])
else
  redis.call('SREM', KEYS[4], ARGV[9])
end
if ARGV[7] == 'pending_approval' then
  redis.call('ZADD', KEYS[5], ARGV[11], ARGV[9])
else
  redis.call('ZREM', KEYS[5], ARGV[9])
end
redis.call('ZADD', KEYS[6], ARGV[12], ARGV[9])
redis.call('ZADD', KEYS[8], ARGV[12], ARGV[9])
if ARGV[13] == '1' then
  redis.call('SADD', KEYS[7], ARGV[9])
else
  redis.call('SREM', KEYS[7], ARGV[9])
end
for i = 15, #ARGV do
  redis.call('SET', ARGV[14] .. ARGV[i], ARGV[9])
end
return 1
`;

export type ApplyResult = TransitionResult | { ok: false; code: 'not_found'; status?: undefined };

/** What services may do with requests: read them, and change them only through events. */
export interface RequestStore {
  get(id: string): Promise<PurchaseRequest | undefined>;
  create(request: PurchaseRequest, actor: string): Promise<boolean>;
  apply(id: string, event: PurchaseEvent, actor: string, detail?: string): Promise<ApplyResult>;
  audit(id: string): Promise<AuditEntry[]>;
  openForUser(userId: string): Promise<PurchaseRequest[]>;
  /** The requester's latest requests, newest first, open or not. */
  recentForUser(userId: string, limit: number): Promise<PurchaseRequest[]>;
  pendingUntil(until: number): Promise<string[]>;
  pendingIds(): Promise<string[]>;
  inflightIds(): Promise<string[]>;
  /** Request ids created in [from, to] (ms), oldest first. */
  idsCreatedBetween(from: number, to: number): Promise<string[]>;
  byOrderId(orderId: string): Promise<string | undefined>;
}

export class RequestRepository implements RequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly now: () => number = Date.now,
    /**
     * Waits for a replica after each saved transition (ReplicaWait): these writes record that a
     * cart exists or a checkout went out before Partner Center is called, so a failover must not
     * forget them. Unset: no wait (tests, tools).
     */
    private readonly durability?: { afterWrite(): Promise<unknown> },
  ) {
    if (!('pcbotCas2' in redis)) redis.defineCommand('pcbotCas2', { numberOfKeys: 8, lua: CAS_SCRIPT });
  }

  async get(id: string): Promise<PurchaseRequest | undefined> {
    const data = await this.redis.hget(this.keys.request(id), 'data');
    return data ? (JSON.parse(data) as PurchaseRequest) : undefined;
  }

  /** Stores a new request; false if one with this id exists. */
  async create(request: PurchaseRequest, actor: string): Promise<boolean> {
    return this.cas('0', { ...request, version: 1 }, 'created', actor, undefined);
  }

  /**
   * Applies an event with compare-and-set, retrying on a lost race with a fresh read. The state
   * machine decides; the loser of a race re-evaluates against the winner's state.
   */
  async apply(id: string, event: PurchaseEvent, actor: string, detail?: string): Promise<ApplyResult> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const current = await this.get(id);
      if (!current) return { ok: false, code: 'not_found' };
      const result = transition(current, event, this.now());
      if (!result.ok || !result.changed) return result;
      const updated = { ...result.request, version: current.version + 1 };
      if (await this.cas(String(current.version), updated, event.type, actor, detail)) {
        return { ok: true, request: updated, changed: true };
      }
    }
    throw new Error(`Could not update request ${id}: too much contention`);
  }

  private async cas(
    expected: string,
    request: PurchaseRequest,
    event: string,
    actor: string,
    detail: string | undefined,
  ): Promise<boolean> {
    const at = this.now();
    const orderIds = ordersOf(request).map((o) => o.id);
    const result = await (
      this.redis as unknown as { pcbotCas2(...args: (string | number)[]): Promise<number> }
    ).pcbotCas2(
      this.keys.request(request.id),
      this.keys.audit(request.id),
      this.keys.auditAll(),
      this.keys.openByUser(request.requesterId),
      this.keys.pending(),
      this.keys.allRequests(),
      this.keys.inflight(),
      this.keys.byUser(request.requesterId),
      expected,
      String(request.version),
      JSON.stringify(request),
      event,
      actor,
      String(at),
      request.status,
      detail ?? '',
      request.id,
      isFinal(request.status) ? '0' : '1',
      String(request.expiresAt),
      String(request.createdAt),
      IN_FLIGHT_STATUSES.has(request.status) ? '1' : '0',
      this.keys.byOrder(''),
      ...orderIds,
    );
    if (result !== 1) return false;
    await this.durability?.afterWrite();
    return true;
  }

  async audit(id: string): Promise<AuditEntry[]> {
    const entries = await this.redis.xrange(this.keys.audit(id), '-', '+');
    return entries.map(([entryId, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return {
        id: entryId,
        requestId: id,
        event: f.event ?? '',
        actor: f.actor ?? '',
        at: Number(f.at),
        status: f.status ?? '',
        detail: f.detail || undefined,
      };
    });
  }

  async openForUser(userId: string): Promise<PurchaseRequest[]> {
    const ids = await this.redis.smembers(this.keys.openByUser(userId));
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((r): r is PurchaseRequest => r !== undefined).sort((a, b) => a.createdAt - b.createdAt);
  }

  async recentForUser(userId: string, limit: number): Promise<PurchaseRequest[]> {
    const ids = await this.redis.zrevrange(this.keys.byUser(userId), 0, Math.max(0, limit - 1));
    const all = await Promise.all(ids.map((id) => this.get(id)));
    return all.filter((r): r is PurchaseRequest => r !== undefined);
  }

  /** Pending requests whose expiry is at or before `until`. */
  async pendingUntil(until: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.pending(), '-inf', String(until));
  }

  async pendingIds(): Promise<string[]> {
    return this.redis.zrange(this.keys.pending(), 0, '-1');
  }

  /** Approved requests not yet in a final state: what the pipeline still owes. */
  async inflightIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.inflight());
  }

  /** Every request id, oldest first (tests and the soak). */
  async allIds(): Promise<string[]> {
    return this.redis.zrange(this.keys.allRequests(), 0, '-1');
  }

  async idsCreatedBetween(from: number, to: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.allRequests(), String(from), String(to));
  }

  async byOrderId(orderId: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.byOrder(orderId))) ?? undefined;
  }
}
