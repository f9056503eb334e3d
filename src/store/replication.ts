import type { Redis } from 'ioredis';

export type ReplicaWaitOutcome = 'acked' | 'timeout' | 'error';

export interface ReplicaWaitSettings {
  /** WAIT 1 <timeoutMs>. */
  timeoutMs: number;
  /** How long the primary's replica count (INFO replication) is trusted. */
  replicaCacheMs: number;
  now?: () => number;
}

/**
 * Makes a money-path write wait until one replica has it (Redis `WAIT 1 <timeout>`), when the
 * primary has a replica at all.
 *
 * Why: a Sentinel failover promotes a replica, and whatever the old primary acknowledged but had
 * not yet sent is gone. The request store's compare-and-set writes are what the purchase pipeline
 * reads to know a cart exists or a checkout went out, so those are the writes worth waiting for.
 *
 * On timeout the caller proceeds (the outcome is counted and logged, and /metrics shows it):
 * - WAIT does not undo the write: the primary has it either way, and refusing to go on would only
 *   stop purchases while a replica is slow or being resynced, which is exactly when people look.
 * - Losing the last writes is already survivable on its own: MS-RequestIds are derived from
 *   (request, step, attempt) and a new cart is made only after looking for the request's order
 *   (src/purchases/idempotency.ts, OrderingService.buy). WAIT narrows the window in which that
 *   recovery is needed; it is not what makes money move once.
 *
 * WAIT blocks the connection it is sent on, and it must be that connection (it waits for that
 * client's own last write). A healthy replica answers in about a round trip; only a lagging one
 * holds the shared connection, for at most `timeoutMs`.
 */
export class ReplicaWait {
  private cached: { replicas: number; at: number } | undefined;
  private inflight: Promise<number> | undefined;
  private readonly listeners: ((outcome: ReplicaWaitOutcome, acked: number) => void)[] = [];
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly settings: ReplicaWaitSettings,
  ) {
    this.now = settings.now ?? Date.now;
    // A reconnect may land on another primary (a failover): ask again.
    redis.on('ready', () => {
      this.cached = undefined;
    });
  }

  /** Called with every WAIT's outcome (metrics and logs). */
  observe(listener: (outcome: ReplicaWaitOutcome, acked: number) => void): void {
    this.listeners.push(listener);
  }

  /** After a write on this connection: WAIT for one replica if there is one. Never throws. */
  async afterWrite(): Promise<ReplicaWaitOutcome | 'no_replica'> {
    let replicas: number;
    try {
      replicas = await this.replicas();
    } catch {
      // INFO refused (an ACL, a managed Redis) or the connection dropped: nothing to wait for.
      return 'no_replica';
    }
    if (replicas < 1) return 'no_replica';
    let outcome: ReplicaWaitOutcome;
    let acked = 0;
    try {
      acked = await this.redis.wait(1, this.settings.timeoutMs);
      outcome = acked >= 1 ? 'acked' : 'timeout';
    } catch {
      outcome = 'error';
    }
    if (outcome !== 'acked') this.cached = undefined;
    for (const l of this.listeners) l(outcome, acked);
    return outcome;
  }

  private replicas(): Promise<number> {
    const c = this.cached;
    if (c && this.now() - c.at < this.settings.replicaCacheMs) return Promise.resolve(c.replicas);
    this.inflight ??= this.redis
      .info('replication')
      .then((info) => {
        const replicas = connectedReplicas(info);
        this.cached = { replicas, at: this.now() };
        return replicas;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }
}

/** `connected_slaves:N` from INFO replication (Redis still spells it so in 7.x). */
export function connectedReplicas(info: string): number {
  const m = /^connected_slaves:(\d+)/m.exec(info);
  return m ? Number(m[1]) : 0;
}
