import { parseRateLimit, RedisRateLimiter } from '../../src/store/rate-limiter';
import { testRedis } from '../support/redis';

describe('shared Partner Center call budget', () => {
  const { redis, prefix } = testRedis();
  afterAll(async () => {
    await redis.quit();
  });

  it('parses calls-per-window settings and refuses nonsense', () => {
    expect(parseRateLimit('50/1000')).toEqual({ requests: 50, perMs: 1000 });
    expect(parseRateLimit('0/1000')).toBeUndefined();
    expect(parseRateLimit('fast')).toBeUndefined();
  });

  it('holds a budget whose spacing is not a whole number of milliseconds', async () => {
    // 47/1000 spaces calls 21.28 ms apart; a rounded-down wait once let callers through for free.
    const limit = { requests: 47, perMs: 1000 };
    const limiters = Array.from({ length: 8 }, () => new RedisRateLimiter(redis, `${prefix}:rl47`, limit));
    const started = Date.now();
    await Promise.all(Array.from({ length: 80 }, (_, i) => limiters[i % 8]!.acquire()));
    // 80 calls at 47/s, after a burst of 4, take at least (80 - 5) × 21.28 ms ≈ 1.6 s.
    expect(Date.now() - started).toBeGreaterThan(1500);
  });

  it('never lets two limiters on the same key exceed the budget in any window', async () => {
    const limit = { requests: 20, perMs: 500 };
    const a = new RedisRateLimiter(redis, `${prefix}:rl`, limit);
    const b = new RedisRateLimiter(redis, `${prefix}:rl`, limit);
    const grants: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 ? a : b).acquire().then(() => grants.push(Date.now() - started)),
      ),
    );
    grants.sort((x, y) => x - y);
    // 60 calls at 20 per 500 ms need at least ~1.3 s (after the first small burst)...
    expect(grants[59]!).toBeGreaterThan(1200);
    // ...and no 500 ms window, wherever it starts, holds more than the budget plus the small burst
    // GCRA allows (a tenth of the budget) and the call at the window's edge.
    const bound = limit.requests + Math.floor(limit.requests / 10) + 1;
    for (const start of grants) {
      const inWindow = grants.filter((g) => g >= start && g < start + 500).length;
      expect(inWindow).toBeLessThanOrEqual(bound);
    }
  });
});
