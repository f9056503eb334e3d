import type { Redis } from 'ioredis';
import { isFinal, type PurchaseRequest } from '../purchases/model';
import { transition, type PurchaseEvent, type TransitionResult } from '../purchases/state-machine';
import { Keys } from './redis';

/** One audit-trail entry: which event, who caused it, when, and the status it left. */
export interface AuditEntry {
  id: string;
  requestId: string;
  event: string;
  actor: string;
  at: number;
  status: string;
  detail?: string | undefined;
}

// Compare-and-set plus audit append in one atomic script: a transition is never saved without its
// audit entry, and two writers holding the same version cannot both win.
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
if ARGV[7] == 'approved' or ARGV[7] == 'ordering' or ARGV[7] == 'ordered' then
  redis.call('SADD', KEYS[7], ARGV[9])
else
  redis.call('SREM', KEYS[7], ARGV[9])
end
return 1
`;

export type ApplyResult = TransitionResult | { ok: false; code: 'not_found'; status?: undefined };

export class RequestRepository {
  private readonly keys: Keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = new Keys(prefix);
    if (!('pcbotCas' in redis)) redis.defineCommand('pcbotCas', { numberOfKeys: 7, lua: CAS_SCRIPT });
  }

  async get(id: string): Promise<PurchaseRequest | undefined> {
    const data = await this.redis.hget(this.keys.request(id), 'data');
    return data ? (JSON.parse(data) as PurchaseRequest) : undefined;
  }

  /** Stores a new request; false if one with this id exists. */
  async create(request: PurchaseRequest, actor: string): Promise<boolean> {
    const stored = { ...request, version: 1 };
    return this.cas('0', stored, 'created', actor, undefined);
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
        if (event.type === 'ordered') {
          for (const order of updated.orders ?? []) await this.redis.set(this.keys.byOrder(order.id), id);
        }
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
    const open = !isFinal(request.status);
    const result = await (
      this.redis as unknown as { pcbotCas(...args: (string | number)[]): Promise<number> }
    ).pcbotCas(
      this.keys.request(request.id),
      this.keys.audit(request.id),
      this.keys.auditAll(),
      this.keys.openByUser(request.requesterId),
      this.keys.pending(),
      this.keys.allRequests(),
      this.keys.inflight(),
      expected,
      String(request.version),
      JSON.stringify(request),
      event,
      actor,
      String(at),
      request.status,
      detail ?? '',
      request.id,
      open ? '1' : '0',
      String(request.expiresAt),
      String(request.createdAt),
    );
    return result === 1;
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

  /** Pending requests whose expiry is at or before `until`. */
  async pendingUntil(until: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.pending(), '-inf', String(until));
  }

  async pendingIds(): Promise<string[]> {
    return this.redis.zrange(this.keys.pending(), 0, '-1');
  }

  async allIds(): Promise<string[]> {
    return this.redis.zrange(this.keys.allRequests(), 0, '-1');
  }

  /** Approved requests not yet confirmed, failed or otherwise final: what the pipeline still owes. */
  async inflightIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.inflight());
  }

  async lockAnnouncement(id: string): Promise<boolean> {
    return (await this.redis.set(this.keys.lock('announce', id), '1', 'PX', 30_000, 'NX')) === 'OK';
  }

  async unlockAnnouncement(id: string): Promise<void> {
    await this.redis.del(this.keys.lock('announce', id));
  }

  async byOrderId(orderId: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.byOrder(orderId))) ?? undefined;
  }
}

/**
 * Records that something happened once (an invoice announced, a modal submitted). `claim` is
 * SET NX: exactly one caller gets true, across processes and restarts.
 */
export class OnceStore {
  private readonly keys: Keys;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new Keys(prefix);
  }

  async claim(scope: string, id: string, value: string, ttlMs?: number): Promise<boolean> {
    const key = this.keys.once(scope, id);
    const res = ttlMs
      ? await this.redis.set(key, value, 'PX', ttlMs, 'NX')
      : await this.redis.set(key, value, 'NX');
    return res === 'OK';
  }

  async get(scope: string, id: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.once(scope, id))) ?? undefined;
  }

  async set(scope: string, id: string, value: string): Promise<void> {
    await this.redis.set(this.keys.once(scope, id), value);
  }

  async release(scope: string, id: string): Promise<void> {
    await this.redis.del(this.keys.once(scope, id));
  }
}
