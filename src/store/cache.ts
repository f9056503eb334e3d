import type { Redis } from 'ioredis';
import type { Keys } from './redis';

/** Raised by a cache that may only answer from memory (while Slack waits) when the value is not there. */
export class NotCached extends Error {
  constructor(readonly key: string) {
    super(`not cached: ${key}`);
  }
}

/**
 * The same cache, answering only what it already holds: `get` never loads, it throws NotCached.
 * The listeners' view of the catalog while Slack waits.
 */
export function cachedOnly(cache: SharedCache): SharedCache {
  return {
    async get<T>(scope: string, id: string): Promise<T> {
      const hit = await cache.peek<T>(scope, id);
      if (hit === undefined) throw new NotCached(`${scope}:${id}`);
      return hit;
    },
    peek: (scope, id) => cache.peek(scope, id),
    put: (scope, id, value) => cache.put(scope, id, value),
    invalidate: (scope, id) => cache.invalidate(scope, id),
  };
}

/**
 * A read-through cache shared by every process (Redis), with a few seconds of in-process memory in
 * front of it: an option list re-read on every keystroke is then neither fetched nor re-parsed.
 * Keys name everything the answer depends on (a country, a customer), so one customer's data is
 * never served for another.
 */
export interface SharedCache {
  /** The cached value, or `load()`'s (cached for `ttlMs`, or the cache's own lifetime). */
  get<T>(scope: string, id: string, load: () => Promise<T>, ttlMs?: number): Promise<T>;
  /** The cached value, without loading it. */
  peek<T>(scope: string, id: string): Promise<T | undefined>;
  put<T>(scope: string, id: string, value: T): Promise<void>;
  invalidate(scope: string, id: string): Promise<void>;
}

export interface CacheSettings {
  ttlMs: number;
  /** How long this process reuses an answer it already parsed before asking Redis again. */
  localTtlMs?: number;
  localMaxEntries?: number;
  now?: () => number;
}

export class RedisCache implements SharedCache {
  private readonly local = new Map<string, { value: unknown; until: number }>();
  private readonly localTtlMs: number;
  private readonly localMax: number;
  private readonly now: () => number;
  /** Loads under way in this process: concurrent keystrokes share one Partner Center call. */
  private readonly loading = new Map<string, Promise<unknown>>();
  /**
   * Reads of Redis under way in this process: when the in-process copy lapses, the loads waiting
   * on one key share one read and one parse (a SKU list can be 14 MB of JSON) instead of each
   * parsing a copy of its own.
   */
  private readonly reading = new Map<string, { read?: Promise<unknown> }>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly settings: CacheSettings,
  ) {
    this.localTtlMs = Math.min(settings.localTtlMs ?? 10_000, settings.ttlMs);
    this.localMax = settings.localMaxEntries ?? 500;
    this.now = settings.now ?? Date.now;
  }

  async get<T>(scope: string, id: string, load: () => Promise<T>, ttlMs?: number): Promise<T> {
    const key = this.keys.cache(scope, id);
    const hit = await this.peekKey<T>(key);
    if (hit !== undefined) return hit;
    const running = this.loading.get(key) as Promise<T> | undefined;
    if (running) return running;
    const work = (async () => {
      const value = await load();
      await this.putKey(key, value, ttlMs);
      return value;
    })();
    this.loading.set(key, work);
    try {
      return await work;
    } finally {
      this.loading.delete(key);
    }
  }

  async peek<T>(scope: string, id: string): Promise<T | undefined> {
    return this.peekKey<T>(this.keys.cache(scope, id));
  }

  async put<T>(scope: string, id: string, value: T): Promise<void> {
    await this.putKey(this.keys.cache(scope, id), value);
  }

  async invalidate(scope: string, id: string): Promise<void> {
    const key = this.keys.cache(scope, id);
    this.local.delete(key);
    this.reading.delete(key);
    await this.redis.del(key);
  }

  private async peekKey<T>(key: string): Promise<T | undefined> {
    const mem = this.local.get(key);
    if (mem && mem.until > this.now()) return mem.value as T;
    const running = this.reading.get(key)?.read as Promise<T | undefined> | undefined;
    if (running) return running;
    const entry: { read?: Promise<T | undefined> } = {};
    entry.read = (async () => {
      const raw = await this.redis.get(key);
      if (raw === null) return undefined;
      const value = JSON.parse(raw) as T;
      // Remembered unless a put or an invalidation of this key came while it was read.
      if (this.reading.get(key) === entry) this.remember(key, value);
      return value;
    })();
    this.reading.set(key, entry);
    try {
      return await entry.read;
    } finally {
      if (this.reading.get(key) === entry) this.reading.delete(key);
    }
  }

  private async putKey(key: string, value: unknown, ttlMs = this.settings.ttlMs): Promise<void> {
    this.reading.delete(key);
    await this.redis.set(key, JSON.stringify(value), 'PX', ttlMs);
    this.remember(key, value, ttlMs);
  }

  private remember(key: string, value: unknown, ttlMs = this.settings.ttlMs): void {
    if (this.local.size >= this.localMax) {
      const oldest = this.local.keys().next().value;
      if (oldest !== undefined) this.local.delete(oldest);
    }
    this.local.set(key, { value, until: this.now() + Math.min(this.localTtlMs, ttlMs) });
  }
}
