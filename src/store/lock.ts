import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from './redis';

/**
 * The one lock of the code base: SET NX with a token, renewed while its holder runs, released only
 * by its owner (a holder that outlived its TTL must not free the lock another holder took since).
 */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

export type Locked<T> = { acquired: true; value: T } | { acquired: false };

export interface Locks {
  /**
   * Runs `work` while holding the lock `scope:id`. The lock lives `ttlMs` and is renewed every
   * third of it while `work` runs, so a holder that dies frees it within `ttlMs`.
   */
  withLock<T>(scope: string, id: string, ttlMs: number, work: () => Promise<T>): Promise<Locked<T>>;
}

export class RedisLocks implements Locks {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly onRenewFailure: (err: unknown, key: string) => void = () => undefined,
  ) {}

  async withLock<T>(scope: string, id: string, ttlMs: number, work: () => Promise<T>): Promise<Locked<T>> {
    const key = this.keys.lock(scope, id);
    const token = randomUUID();
    if ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return { acquired: false };
    const renew = setInterval(
      () => {
        this.redis
          .eval(RENEW, 1, key, token, String(ttlMs))
          .catch((err: unknown) => this.onRenewFailure(err, key));
      },
      Math.max(50, Math.floor(ttlMs / 3)),
    );
    renew.unref();
    try {
      return { acquired: true, value: await work() };
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, key, token);
    }
  }
}
