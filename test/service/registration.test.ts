import { NoAuthTokenProvider, PartnerCenterClient } from '../../src/partner-center';
import { RegistrationService } from '../../src/services/registration';
import { RedisCache } from '../../src/store/cache';
import { RedisLocks } from '../../src/store/lock';
import { RedisOnceRecords } from '../../src/store/once';
import { Keys } from '../../src/store/redis';
import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import { simControl } from '../../harness/sim';
import { testRedis } from '../support/redis';

/**
 * Registration for reservations on the service itself (real Redis, the simulator through the real
 * client): the register call is claimed once per subscription, and a claim left by a worker that
 * died before sending the call lapses, so the subscription is registered after all.
 */
describe('registering a subscription (service)', () => {
  const { redis, prefix } = testRedis();
  const SUB = SEED.subscriptions.unregistered.id;
  const CUSTOMER = SEED.customers.open.id;
  let sim: Simulator;
  let n = 0;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, openAuth: true, registrationDelayMs: 0 });
  });
  afterAll(async () => {
    await redis.quit();
    await sim.close();
  });

  const lockTtls: number[] = [];

  function service(clock: () => number) {
    const keys = new Keys(`${prefix}:${++n}`);
    const pc = new PartnerCenterClient({
      baseUrl: sim.url,
      tokens: new NoAuthTokenProvider(),
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
      maxReadRetries: 0,
    });
    const once = new RedisOnceRecords(redis, keys);
    const locks = new RedisLocks(redis, keys, () => undefined);
    const recording: typeof locks = Object.assign(Object.create(locks) as typeof locks, {
      withLock: <T>(scope: string, id: string, ttlMs: number, work: () => Promise<T>) => {
        lockTtls.push(ttlMs);
        return locks.withLock(scope, id, ttlMs, work);
      },
    });
    const registrations = new RegistrationService(
      pc,
      new RedisCache(redis, keys, { ttlMs: 60_000, now: clock }),
      recording,
      once,
      clock,
    );
    return { registrations, once };
  }

  async function registerCalls(): Promise<number> {
    const log = (await simControl(sim.url, '/_sim/requests', undefined, 'GET')) as {
      items: { method: string; path: string }[];
    };
    return log.items.filter((q) => q.method === 'POST' && q.path.includes(`${SUB}/registrations`)).length;
  }

  beforeEach(async () => {
    sim.reset();
    await simControl(sim.url, '/_sim/requests', undefined, 'DELETE');
  });

  it('registers once, however many times it is asked', async () => {
    let now = Date.now();
    const { registrations } = service(() => now);
    const first = await registrations.check(CUSTOMER, SUB, 100);
    expect(first.registeredNow).toBe(true);
    for (let i = 0; i < 5; i++) {
      now += 150;
      await registrations.check(CUSTOMER, SUB, 100);
    }
    expect(await registerCalls()).toBe(1);
  });

  it('registers after all when the worker that claimed the call died before sending it', async () => {
    let now = Date.now();
    const { registrations, once } = service(() => now);
    // What a worker killed between its claim and its register call leaves behind: a claim nobody
    // releases (check() gives it a lapse; the next test proves that).
    expect(await once.claim('register', SUB.toLowerCase(), 'dead-worker', 300)).toBe(true);

    const before = await registrations.check(CUSTOMER, SUB, 100);
    expect(before).toEqual({ status: 'not_registered', registeredNow: false });
    expect(await registerCalls()).toBe(0);

    await new Promise((r) => setTimeout(r, 400)); // the dead worker's claim lapses
    now += 10_000;
    const after = await registrations.check(CUSTOMER, SUB, 100);
    expect(after.registeredNow).toBe(true);
    expect(await registerCalls()).toBe(1);
  });

  it('claims the register call with a lapse, never forever', async () => {
    const now = Date.now();
    const { registrations } = service(() => now);
    await registrations.check(CUSTOMER, SUB, 2_000);
    const keys = (await redis.keys(`${prefix}:${n}:*register*`)).filter((k) => k.includes(SUB.toLowerCase()));
    expect(keys).toHaveLength(1);
    const ttl = await redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(6_000);
  });

  it('holds the poll lock briefly, so a worker killed holding it stalls the polls for seconds, not half a minute', async () => {
    lockTtls.length = 0;
    const { registrations } = service(() => Date.now());
    await registrations.check(CUSTOMER, SUB, 100);
    expect(lockTtls.length).toBeGreaterThan(0);
    expect(Math.max(...lockTtls)).toBeLessThanOrEqual(5_000);
  });
});
