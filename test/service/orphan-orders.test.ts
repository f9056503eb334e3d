import pino from 'pino';
import { NoAuthTokenProvider, PartnerCenterClient } from '../../src/partner-center';
import { taggedFriendlyName } from '../../src/purchases/matching';
import type { PurchaseEvent } from '../../src/purchases/state-machine';
import { CatalogService } from '../../src/services/catalog';
import { OrderReconciliation } from '../../src/services/orphan-orders';
import { RedisCache } from '../../src/store/cache';
import { RedisOrderLedger } from '../../src/store/finance';
import { RedisLocks } from '../../src/store/lock';
import { Keys } from '../../src/store/redis';
import { RequestRepository } from '../../src/store/requests';
import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import { sampleRequest } from '../../harness/requests';
import { injectFault } from '../../harness/sim';
import { RecordingSlack } from '../support/recording-slack';
import { testRedis } from '../support/redis';

/**
 * Orders nobody approved, on the service itself: real Redis, the simulator's order lists through
 * the real client, the recording Slack port.
 */
describe('orders nobody approved (service)', () => {
  const { redis, prefix } = testRedis();
  const log = pino({ level: 'silent' });
  const APPROVALS = 'C0APPROVALS';
  const SOFTWARE = 'DG7GMGF0FKZV:0001:DG7GMGF0DWMT';
  const CUSTOMER = SEED.customers.open;
  let sim: Simulator;
  let pc: PartnerCenterClient;
  let slack: RecordingSlack;
  let keys: Keys;
  let requests: RequestRepository;
  let ledger: RedisOrderLedger;
  let clock: number;
  let n = 0;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, openAuth: true, orderListDelayMs: 0, fulfillmentDelayMs: 0 });
  });

  afterAll(async () => {
    await redis.quit();
    await sim.close();
  });

  beforeEach(() => {
    sim.reset();
    keys = new Keys(`${prefix}:${++n}`);
    pc = new PartnerCenterClient({
      baseUrl: sim.url,
      tokens: new NoAuthTokenProvider(),
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
      maxReadRetries: 0,
    });
    slack = new RecordingSlack();
    requests = new RequestRepository(redis, keys);
    ledger = new RedisOrderLedger(redis, keys);
    clock = Date.now();
  });

  function reconciliation(settings: { settleMs?: number } = {}): OrderReconciliation {
    const catalog = new CatalogService(pc, new RedisCache(redis, keys, { ttlMs: 60_000 }), {
      shortTtlMs: 60_000,
    });
    return new OrderReconciliation({
      pc,
      customers: async () => (await catalog.customers()).map((c) => ({ id: c.id, name: c.name })),
      requests,
      ledger,
      locks: new RedisLocks(redis, keys),
      slack,
      settings: {
        approvalsChannel: APPROVALS,
        approverGroupId: 'S0APPROVERS',
        settleMs: settings.settleMs ?? 0,
        lockMs: 30_000,
      },
      log,
      now: () => clock,
    });
  }

  /** An order placed straight in Partner Center, as the portal or another tool would. */
  async function buyElsewhere(friendlyName?: string, quantity = 2): Promise<string> {
    const cart = await pc.createCart(CUSTOMER.id, {
      lineItems: [
        {
          id: 0,
          catalogItemId: SOFTWARE,
          quantity,
          billingCycle: 'one_time',
          termDuration: 'P1Y',
          ...(friendlyName ? { friendlyName } : {}),
        },
      ],
    });
    const order = (await pc.checkoutCart(CUSTOMER.id, cart.id)).orders[0];
    if (!order) throw new Error('checkout made no order');
    // Judged by the reconciliation's clock, which must not be behind the order's date.
    clock = Date.now() + 1;
    return order.id;
  }

  /** A request the bot approved; with `orderId`, its order is recorded (the by-order index). */
  async function approvedRequest(id: string, orderId?: string): Promise<void> {
    const r = sampleRequest({ id, customerId: CUSTOMER.id, kind: 'software_subscription', azure: undefined });
    await requests.create(r, r.requesterId);
    const events: PurchaseEvent[] = [
      { type: 'approve', by: 'U0APPROVE1' },
      { type: 'start_ordering' },
      { type: 'cart_created', scope: 'purchase', cartId: `cart-${id}` },
      { type: 'checkout_sent', scope: 'purchase' },
    ];
    if (orderId)
      events.push({ type: 'ordered', orders: [{ id: orderId, status: 'completed', lineItems: [] }] });
    for (const e of events) {
      const res = await requests.apply(id, e, 'test');
      if (!res.ok) throw new Error(`${e.type}: ${res.code}`);
    }
  }

  const alarms = () => slack.in(APPROVALS);

  it('records the orders that exist at the first run as the baseline and raises none of them', async () => {
    const first = await reconciliation().run();
    expect(first.baseline).toBeGreaterThan(0);
    expect(first.baseline).toBe(first.orders);
    clock += 3_600_000;
    const second = await reconciliation().run();
    expect(second.raised).toEqual([]);
    expect(alarms()).toHaveLength(0);
  });

  it('raises an order bought outside the bot once, with its customer, id, date, items and amount', async () => {
    await reconciliation().run();
    const orderId = await buyElsewhere();
    const order = await pc.getOrder(CUSTOMER.id, orderId);

    const report = await reconciliation().run();
    expect(report.raised.map((o) => o.order.id)).toEqual([orderId]);
    expect(alarms()).toHaveLength(1);
    const alarm = alarms()[0]!;
    const text = `${alarm.text}\n${JSON.stringify(alarm.blocks)}`;
    expect(text).toContain('<!subteam^S0APPROVERS>');
    expect(text).toContain(CUSTOMER.companyName);
    expect(text).toContain(CUSTOMER.id);
    expect(text).toContain(orderId);
    expect(text).toContain(order.creationDate!.slice(0, 10));
    expect(text).toContain(`2 × ${order.lineItems[0]!.friendlyName}`);
    expect(text).toContain(`$${order.totalPrice!.toLocaleString('en-US', { minimumFractionDigits: 2 })}`);

    clock += 3_600_000;
    expect((await reconciliation().run()).raised).toEqual([]);
    expect(alarms()).toHaveLength(1);
  });

  it("never raises the bot's own orders: found by the by-order index, or by the request id its line starts with", async () => {
    await reconciliation().run();
    const indexed = await buyElsewhere(taggedFriendlyName('PR-OWN00001', 'SQL Server'));
    await approvedRequest('PR-OWN00001', indexed);
    // Checkout's answer was lost: the request has no order recorded, but the order carries its id.
    const tagged = await buyElsewhere(taggedFriendlyName('PR-OWN00002', 'SQL Server'));
    await approvedRequest('PR-OWN00002');

    const report = await reconciliation().run();
    const listed = (await pc.listOrdersByBillingType(CUSTOMER.id, 'one_time')).items.map((o) => o.id);
    expect(listed).toEqual(expect.arrayContaining([indexed, tagged]));
    expect(report.raised).toEqual([]);
    expect(alarms()).toHaveLength(0);
  });

  it('raises an order whose line names a request the bot has no approved record of, as after a Redis rollback', async () => {
    await reconciliation().run();
    const lost = await buyElsewhere(taggedFriendlyName('PR-LOST0001', 'SQL Server'));
    // A request that was never approved explains no order either.
    const unapproved = await buyElsewhere(taggedFriendlyName('PR-PEND0001', 'SQL Server'));
    const pending = sampleRequest({ id: 'PR-PEND0001', customerId: CUSTOMER.id });
    await requests.create(pending, pending.requesterId);

    const report = await reconciliation().run();
    expect(report.raised.map((o) => [o.order.id, o.namedRequestId]).sort()).toEqual(
      [
        [lost, 'PR-LOST0001'],
        [unapproved, 'PR-PEND0001'],
      ].sort(),
    );
    expect(alarms().find((m) => m.text.includes(lost))?.text).toContain('PR-LOST0001');
  });

  it('waits for the order-list delay before judging a new order', async () => {
    await reconciliation({ settleMs: 15 * 60_000 }).run();
    const orderId = await buyElsewhere();
    expect((await reconciliation({ settleMs: 15 * 60_000 }).run()).raised).toEqual([]);
    clock += 15 * 60_000;
    const later = await reconciliation({ settleMs: 15 * 60_000 }).run();
    expect(later.raised.map((o) => o.order.id)).toEqual([orderId]);
  });

  it('raises an order once when two workers run the reconciliation at the same time', async () => {
    await reconciliation().run();
    const orderId = await buyElsewhere();
    const reports = await Promise.all([reconciliation().run(), reconciliation().run()]);
    expect(reports.flatMap((r) => r.raised.map((o) => o.order.id))).toEqual([orderId]);
    expect(alarms()).toHaveLength(1);
  });

  it("checks the other customers when one customer's orders cannot be listed, and counts the failure", async () => {
    await reconciliation().run();
    const orderId = await buyElsewhere();
    await injectFault(sim.url, {
      method: 'GET',
      path: `v1/customers/${SEED.customers.northwind.id}/orders`,
      status: 500,
      count: 5,
    });
    const report = await reconciliation().run();
    expect(report.failed).toBe(1);
    expect(report.raised.map((o) => o.order.id)).toEqual([orderId]);
  });
});
