import { SOFTWARE, cardOf, click, finalState, requestPurchase } from '../../harness/flows';
import { waitFor } from '../../harness/processes';
import { startRedisServer, type RedisServer } from '../../harness/redis-server';
import { simOrdersOf } from '../../harness/sim';
import { startWorld, type World } from '../../harness/world';

/**
 * Redis rolled back to a snapshot (a failover to a replica that lagged, a backup restored): the
 * writes of its last moments are gone, Slack's and Partner Center's are not. Here the lost write is
 * an approval whose purchase had already been made: the card in Slack shows the approval, the
 * request is back in pending_approval, and Partner Center holds the order.
 */
describe('a Redis rollback that loses an approval', () => {
  let redis: RedisServer;
  let w: World;

  beforeAll(async () => {
    redis = await startRedisServer();
    w = await startWorld({
      env: {
        REDIS_URL: redis.url,
        JOB_LOCK_MS: '1500',
        JOB_STALLED_INTERVAL_MS: '500',
        ORDER_RECONCILIATION_INTERVAL_MS: '1000',
      },
      sim: { orderListDelayMs: 300 },
    });
  });

  afterAll(async () => {
    await w.close();
    await redis.stop();
  });

  const asksForDecision = (id: string): boolean =>
    JSON.stringify(cardOf(w, id).blocks ?? []).includes('"approve_request"');

  it('shows the card asking again, and the second approval finds the order instead of buying twice', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    await waitFor(async () => ((await w.bot.repo.get(id))?.slack.cardTs ? true : undefined));
    await redis.snapshot();

    await click(w, id, 'approve_request', 'U0APPROVE1');
    await waitFor(async () => ((await simOrdersOf(w.sim.url, id)).length === 1 ? true : undefined));
    await waitFor(() => (asksForDecision(id) ? undefined : true));

    await redis.rollback();
    expect((await waitFor(() => w.bot.repo.get(id), 15_000)).status).toBe('pending_approval');
    // The sweep sees Redis restarted and draws the card again from what Redis holds now.
    await waitFor(() => (asksForDecision(id) ? true : undefined), 15_000);

    await click(w, id, 'approve_request', 'U0APPROVE1');
    const r = await finalState(w, id, ['confirmed', 'failed', 'attention'], 30_000);
    expect(r.status).toBe('confirmed');
    expect(await simOrdersOf(w.sim.url, id)).toHaveLength(1);
  }, 90_000);

  it('raises the order of a request the rollback erased after it was bought', async () => {
    // The reconciliation's first run records the orders that exist as its baseline.
    await waitFor(async () =>
      (await w.bot.redis.exists(`${w.bot.config.redis.keyPrefix}:once:orders-baseline:one-time`))
        ? true
        : undefined,
    );
    await redis.snapshot();
    const id = await requestPurchase(w, SOFTWARE);
    await click(w, id, 'approve_request', 'U0APPROVE1');
    const [order] = await waitFor(async () => {
      const orders = await simOrdersOf(w.sim.url, id);
      return orders.length === 1 ? orders : undefined;
    });
    await redis.rollback();
    await waitFor(async () => ((await w.bot.repo.allIds()) ? true : undefined), 15_000);
    expect(await w.bot.repo.get(id)).toBeUndefined();
    const alarm = await waitFor(
      () =>
        w.slack
          .messages('C0APPROVALS')
          .find(
            (m) => m.text.includes(order!.id) && /was not approved through the purchase bot/.test(m.text),
          ),
      30_000,
    );
    expect(alarm.text).toContain(id);
    expect(await simOrdersOf(w.sim.url, id)).toHaveLength(1);
  }, 90_000);
});
