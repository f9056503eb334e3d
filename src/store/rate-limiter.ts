import type { Redis } from 'ioredis';

/**
 * One budget of Partner Center calls shared by every process of the bot, as Partner Center
 * throttles per partner, not per process. GCRA (a leaky bucket that spaces calls evenly): each call
 * moves a "theoretical arrival time" one interval on; a caller that would overdraw the small burst
 * allowance is told how long to wait instead. The clock is Redis's, so processes agree.
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allowAt = tat - burst
if allowAt > now then
  -- Redis turns Lua numbers into integers: round up, or a wait under 1 ms would read as a grant.
  return math.ceil(allowAt - now)
end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now + 1000))
return 0
`;

export interface RateLimit {
  requests: number;
  perMs: number;
}

/** Parses `50/1000` (50 calls per 1000 ms). */
export function parseRateLimit(text: string): RateLimit | undefined {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const requests = Number(m[1]);
  const perMs = Number(m[2]);
  return requests > 0 && perMs > 0 ? { requests, perMs } : undefined;
}

export class RedisRateLimiter {
  private readonly intervalMs: number;
  private readonly burstMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    limit: RateLimit,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.intervalMs = limit.perMs / limit.requests;
    // A tenth of the budget may go at once; the rest is spaced out.
    this.burstMs = Math.max(0, Math.floor(limit.requests / 10) - 1) * this.intervalMs;
  }

  /** Resolves when this caller may make one call. */
  async acquire(): Promise<void> {
    for (;;) {
      const wait = Number(
        await this.redis.eval(GCRA, 1, this.key, String(this.intervalMs), String(this.burstMs)),
      );
      if (wait <= 0) return;
      await this.sleep(wait);
    }
  }
}
