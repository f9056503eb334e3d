import { Redis, type RedisOptions } from 'ioredis';

/**
 * One place that builds ioredis connections. BullMQ needs `maxRetriesPerRequest: null` on the
 * connections its workers block on; our repositories want commands to fail fast instead of
 * queueing forever while Redis is down, so /readyz reports the outage.
 */
export function createRedis(url: string, purpose: 'commands' | 'bullmq', extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    lazyConnect: false,
    enableReadyCheck: true,
    connectionName: `pcbot-${purpose}`,
    maxRetriesPerRequest: purpose === 'bullmq' ? null : 3,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...extra,
  });
}

export class Keys {
  constructor(readonly prefix: string) {}
  request(id: string): string {
    return `${this.prefix}:req:${id}`;
  }
  audit(id: string): string {
    return `${this.prefix}:audit:${id}`;
  }
  auditAll(): string {
    return `${this.prefix}:audit`;
  }
  openByUser(userId: string): string {
    return `${this.prefix}:req:open:${userId}`;
  }
  pending(): string {
    return `${this.prefix}:req:pending`;
  }
  inflight(): string {
    return `${this.prefix}:req:inflight`;
  }
  allRequests(): string {
    return `${this.prefix}:req:all`;
  }
  byUser(userId: string): string {
    return `${this.prefix}:req:user:${userId}`;
  }
  byOrder(orderId: string): string {
    return `${this.prefix}:req:by-order:${orderId}`;
  }
  once(scope: string, id: string): string {
    return `${this.prefix}:once:${scope}:${id}`;
  }
  lock(scope: string, id: string): string {
    return `${this.prefix}:lock:${scope}:${id}`;
  }
  cache(scope: string, id: string): string {
    return `${this.prefix}:cache:${scope}:${id}`;
  }
  /** The run id of the Redis server the sweep last saw (src/store/redis-runs.ts). */
  redisRun(): string {
    return `${this.prefix}:redis-run-id`;
  }
}
