import { RedisCache } from '../../src/store/cache';
import { Keys } from '../../src/store/redis';
import { testRedis } from '../support/redis';

/**
 * The shared cache on real Redis: when the in-process copy of a big entry lapses, the loads waiting
 * on it at the same time share one Redis read and one parse (the same object), and a read under way
 * when the key is invalidated is not remembered.
 */
describe('shared cache reads (service)', () => {
  const { redis, prefix } = testRedis();
  let n = 0;
  let clock = 1_000_000;

  afterAll(async () => {
    await redis.quit();
  });

  function cache(): RedisCache {
    return new RedisCache(redis, new Keys(`${prefix}:${++n}`), {
      ttlMs: 600_000,
      localTtlMs: 10_000,
      now: () => clock,
    });
  }

  const bigList = Array.from({ length: 2_000 }, (_, i) => ({ id: `SKU-${i}`, title: `Plan ${i}` }));

  it('ten loads of a lapsed entry read and parse it once, and all get the same parsed list', async () => {
    const shared = cache();
    await shared.put('skus', 'US:P1', bigList);
    clock += 11_000; // the in-process copy lapses
    const gets = jest.spyOn(redis, 'get');
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const loads = await Promise.all(
        Array.from({ length: 10 }, () =>
          shared.get('skus', 'US:P1', () => Promise.reject(new Error('no load'))),
        ),
      );
      const parses = parse.mock.calls.length;
      expect(gets).toHaveBeenCalledTimes(1);
      expect(parses).toBe(1);
      expect(loads[0]).toEqual(bigList);
      for (const l of loads) expect(l).toBe(loads[0]);
    } finally {
      gets.mockRestore();
      parse.mockRestore();
    }
    // …and it is then remembered: the next load reads nothing.
    const again = jest.spyOn(redis, 'get');
    try {
      await shared.peek('skus', 'US:P1');
      expect(again).not.toHaveBeenCalled();
    } finally {
      again.mockRestore();
    }
  });

  it('a read under way when the key is invalidated is not remembered', async () => {
    const shared = cache();
    await shared.put('skus', 'US:P2', bigList);
    clock += 11_000;
    const reading = shared.peek('skus', 'US:P2');
    await shared.invalidate('skus', 'US:P2');
    await reading;
    await expect(shared.peek('skus', 'US:P2')).resolves.toBeUndefined();
  });

  it('concurrent loads of a missing key share one load', async () => {
    const shared = cache();
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setImmediate(r));
      return bigList.slice(0, 3);
    };
    const got = await Promise.all(Array.from({ length: 5 }, () => shared.get('skus', 'US:P3', load)));
    expect(loads).toBe(1);
    for (const g of got) expect(g).toEqual(bigList.slice(0, 3));
  });
});
