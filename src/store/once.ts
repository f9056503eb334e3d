import type { Redis } from 'ioredis';
import type { Keys } from './redis';

/**
 * Records that something happened once (a modal submitted, a notice sent, a requester told of an
 * invoice). `claim` is SET NX: exactly one caller gets true, across processes and restarts.
 */
export interface OnceRecords {
  claim(scope: string, id: string, value?: string, ttlMs?: number): Promise<boolean>;
  get(scope: string, id: string): Promise<string | undefined>;
  /** Gives a claim back, only if it still holds `value` (a later claimant's record stays). */
  release(scope: string, id: string, value: string): Promise<void>;
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class RedisOnceRecords implements OnceRecords {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async claim(scope: string, id: string, value = '1', ttlMs?: number): Promise<boolean> {
    const key = this.keys.once(scope, id);
    const res = ttlMs
      ? await this.redis.set(key, value, 'PX', ttlMs, 'NX')
      : await this.redis.set(key, value, 'NX');
    return res === 'OK';
  }

  async get(scope: string, id: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.once(scope, id))) ?? undefined;
  }

  async release(scope: string, id: string, value: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.keys.once(scope, id), value);
  }
}
