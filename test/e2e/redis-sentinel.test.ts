import { click, finalState, requestPurchase, SOFTWARE } from '../../harness/flows';
import { waitFor } from '../../harness/processes';
import { startReplicatedRedis, type ReplicatedRedis } from '../../harness/redis-sentinel';
import { cartStage } from '../../harness/requests';
import { injectFault, simOrders } from '../../harness/sim';
import { startWorld, type World } from '../../harness/world';
import { ordersOf } from '../../src/purchases/model';

/**
 * Production Redis is a primary, a replica and Sentinel. The bot finds the primary through Sentinel;
 * when Sentinel moves the primary while purchases are under way (the checkout call in flight, more
 * approvals arriving), every request still ends confirmed with exactly one order, and none is lost.
 */
type Move = (redis: ReplicatedRedis) => Promise<number>;

const cases: [string, Move][] = [
  ['Sentinel fails the primary over (SENTINEL FAILOVER)', (redis) => redis.failover()],
  // Killed without warning: whatever it had not yet sent to the replica is gone for good.
  ['the primary is killed and Sentinel promotes the replica', (redis) => redis.killPrimary()],
];

describe.each(cases)('a Redis failover in the middle of purchases: %s', (_how, move) => {
  let redis: ReplicatedRedis;
  let w: World;

  beforeAll(async () => {
    redis = await startReplicatedRedis();
    w = await startWorld({
      env: {
        // Only the scheme and credentials of REDIS_URL count through Sentinel: this address is never dialled.
        REDIS_URL: 'redis://127.0.0.1:1',
        REDIS_SENTINELS: redis.sentinels,
        REDIS_SENTINEL_NAME: redis.name,
        REDIS_WAIT_TIMEOUT_MS: '2000',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await w?.close();
    await redis?.stop();
  });

  it('buys every approved request exactly once and loses none', async () => {
    const firstPrimary = await redis.primaryPort();
    expect(firstPrimary).toBe(redis.primary.port);
    // Checkouts take a while, so the failover lands while they are in flight.
    await injectFault(w.sim.url, { method: 'POST', path: '/checkout', latencyMs: 1500, count: 100 });

    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await requestPurchase(w, { ...SOFTWARE, quantity: 1 + i }));
    const [early, late] = [ids.slice(0, 3), ids.slice(3)];
    for (const id of early) expect((await click(w, id, 'approve_request', 'U0APPROVE1')).status).toBe(200);

    // Wait for a checkout to be on its way to Partner Center, then move the primary.
    await waitFor(
      async () => {
        for (const id of early) {
          const r = await w.bot.repo.get(id);
          if (r && cartStage(r) === 'checkout') return true;
        }
        return undefined;
      },
      30_000,
      20,
    );
    // The bot's request writes so far were acknowledged by the replica (WAIT), so none is lost.
    const acked = /pcbot_redis_replica_waits_total\{outcome="acked"\} (\d+)/.exec(
      await (await fetch(`${w.bot.opsUrl}/metrics`)).text(),
    );
    expect(Number(acked?.[1] ?? 0)).toBeGreaterThan(0);

    const moved = move(redis);
    // Approvers keep clicking meanwhile.
    const lateClicks = late.map((id) => click(w, id, 'approve_request', 'U0APPROVE2'));
    const newPrimary = await moved;
    expect(newPrimary).toBe(redis.replica.port);
    await Promise.allSettled(lateClicks);
    // A click that met the switch may not have been taken: an approver who sees the card still
    // pending clicks again, as people do. Either way the request itself is not lost.
    await new Promise((r) => setTimeout(r, 2000));
    for (const id of late) {
      if ((await w.bot.repo.get(id))?.status === 'pending_approval') {
        await click(w, id, 'approve_request', 'U0APPROVE2');
      }
    }

    const final = await Promise.all(ids.map((id) => finalState(w, id, ['confirmed', 'failed'], 90_000)));
    const lost = final.filter((r) => r.status !== 'confirmed').map((r) => `${r.id}: ${r.status}`);
    expect(lost).toEqual([]);

    const orders = await simOrders(w.sim.url);
    const tagged = (id: string) =>
      orders.filter((o) => o.lineItems.some((l) => (l.friendlyName ?? '').startsWith(`${id} `)));
    // 0 duplicates, 0 lost: one order for each request, and it is the one the request recorded.
    expect(ids.map((id) => tagged(id).length)).toEqual(ids.map(() => 1));
    for (const r of final) expect(ordersOf(r).map((o) => o.id)).toEqual(tagged(r.id).map((o) => o.id));
    expect(await redis.primaryPort()).toBe(newPrimary);
  }, 150_000);
});
