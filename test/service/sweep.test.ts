import type { Redis } from 'ioredis';
import pino from 'pino';
import { sweep, type SweepDeps } from '../../jobs/maintenance';
import type { PurchaseRequest } from '../../src/purchases/model';
import type { PurchaseEvent } from '../../src/purchases/state-machine';
import { jobIds, Producers } from '../../src/queues';
import { AccessService } from '../../src/services/access';
import { LifecycleService } from '../../src/services/lifecycle';
import { Notifier } from '../../src/services/notifier';
import { RedisLocks } from '../../src/store/lock';
import { createRedis, Keys } from '../../src/store/redis';
import { RedisRuns } from '../../src/store/redis-runs';
import { RequestRepository } from '../../src/store/requests';
import { RedisSweepRetries } from '../../src/store/sweep-retries';
import { sampleRequest } from '../../harness/requests';
import { RecordingSlack } from '../support/recording-slack';
import { testRedis } from '../support/redis';

/**
 * The sweeper isolates failures (issue 14, point 6): several requests due for the same step, one of
 * them poisoned at the Slack border (a requester who cannot be sent a DM, a card that cannot be
 * updated). The others are handled in the same sweep; the poisoned one is logged, counted, skipped
 * within its backoff, and handled once Slack takes it again, without repeating what had landed.
 * Real Redis (requests, the failure records, BullMQ queues), the recording Slack port, an injected clock.
 */
describe('sweep isolates failures (service)', () => {
  const { redis, prefix } = testRedis();
  let bull: Redis;
  const BASE_MS = 60_000;
  let clock = Date.parse('2026-11-02T09:00:00Z');
  const now = () => clock;
  let n = 0;
  let slack: RecordingSlack;
  let requests: RequestRepository;
  let notifier: Notifier;
  let producers: Producers;
  let retries: RedisSweepRetries;
  let failures: string[];
  let warnings: { msg: string; requestId?: string; step?: string; failures?: number }[];
  let deps: SweepDeps;
  let keys: Keys;

  beforeAll(() => {
    bull = createRedis(process.env.REDIS_URL!, 'bullmq');
  });

  afterAll(async () => {
    await redis.quit();
    await bull.quit();
  });

  beforeEach(() => {
    keys = new Keys(`${prefix}:${++n}`);
    slack = new RecordingSlack(now);
    requests = new RequestRepository(redis, keys, now);
    const logs = { write: (line: string) => warnings.push(JSON.parse(line) as (typeof warnings)[number]) };
    const log = pino({ level: 'warn' }, logs);
    warnings = [];
    failures = [];
    notifier = new Notifier({
      slack,
      requests,
      locks: new RedisLocks(redis, keys),
      settings: {
        approvalsChannel: 'C0APPROVALS',
        approverIds: [],
        approverGroupId: 'S0APPROVERS',
        escalationGroupId: undefined,
      },
      log,
      now,
    });
    const access = new AccessService(
      slack,
      {
        teamId: undefined,
        enterpriseId: undefined,
        approvers: { userIds: ['U0APPROVE1'], usergroupId: undefined },
        finance: { userIds: [], usergroupId: undefined },
        requesterGroupId: undefined,
        decisionGroupCacheMs: 5_000,
        profileCacheMs: 600_000,
      },
      log,
      now,
    );
    producers = new Producers(bull, keys.prefix, 50);
    retries = new RedisSweepRetries(redis, keys, { baseMs: BASE_MS, capMs: 3_600_000 });
    deps = {
      requests,
      notifier,
      producers,
      lifecycle: new LifecycleService({
        // The sweep only reads cancellation windows here; it never cancels an order.
        pc: { cancelOrderLines: () => Promise.reject(new Error('no order is cancelled in this test')) },
        requests,
        access,
        notifier,
        locks: new RedisLocks(redis, keys),
        log,
        now,
      }),
      reminderBeforeMs: 2 * 3_600_000,
      escalateAfterMs: 0,
      confirmationDelayMs: 60_000,
      searchAttempts: 3,
      windowMs: 30 * 86_400_000,
      log,
      onFailure: (step) => failures.push(step),
      now,
    };
  });

  afterEach(async () => {
    await producers.close();
  });

  async function pending(requesterId: string, announce = true): Promise<PurchaseRequest> {
    const r = sampleRequest({
      id: `PR-SW${String(++n).padStart(6, '0')}`,
      requesterId,
      createdAt: clock,
      expiresAt: clock + 3_600_000,
    });
    await requests.create(r, r.requesterId);
    return announce ? notifier.announce(r) : r;
  }

  const thread = (r: PurchaseRequest) => slack.in(r.slack.threadChannel!, { thread: r.slack.threadTs! });
  const card = (r: PurchaseRequest) => slack.messages.find((m) => m.ts === r.slack.cardTs)!;
  it.each([
    {
      poison: 'a requester who cannot be sent a DM',
      fault: (s: RecordingSlack, r: PurchaseRequest) =>
        [
          s.failWhere('postMessage', (a) => a.channel === r.slack.threadChannel, 'channel_not_found'),
          s.failWhere('updateMessage', (a) => a.channel === r.slack.threadChannel, 'channel_not_found'),
        ] as const,
    },
    {
      poison: 'a card that cannot be updated',
      fault: (s: RecordingSlack, r: PurchaseRequest) =>
        [s.failWhere('updateMessage', (a) => a.ts === r.slack.cardTs, 'cant_update_message')] as const,
    },
  ])(
    'expires every request past its time in one sweep despite $poison, and retries that one with backoff',
    async ({ fault }) => {
      const [a, poisoned, c] = [
        await pending('U0REQUEST1'),
        await pending('U0POISON01'),
        await pending('U0REQUEST3'),
      ];
      const faults = fault(slack, poisoned);
      clock += 3_600_001;

      const first = await sweep(deps, retries);
      expect(first).toMatchObject({ expired: 3, failed: 1 });
      for (const r of [a, poisoned, c]) expect((await requests.get(r.id))?.status).toBe('expired');
      for (const r of [a, c]) {
        expect(thread(r).map((m) => m.text)).toEqual([expect.stringMatching(/Your request expired/)]);
        expect(JSON.stringify(card(r).blocks)).not.toContain('approve_request');
      }
      expect(failures).toEqual(['expire']);
      expect(warnings).toContainEqual(
        expect.objectContaining({
          msg: 'sweep could not handle a request; retrying it later',
          requestId: poisoned.id,
          step: 'expire',
          failures: 1,
        }),
      );

      // Within its backoff: not tried again, nothing sent about anyone.
      const calls = slack.records.length;
      clock += BASE_MS / 2;
      expect(await sweep(deps, retries)).toMatchObject({ expired: 0, failed: 0, redelivered: 0 });
      expect(slack.records.length).toBe(calls);

      // Past it, still poisoned: tried again, counted again, backing off twice as long.
      clock += BASE_MS / 2;
      expect(await sweep(deps, retries)).toMatchObject({ failed: 1, redelivered: 0 });
      expect(failures).toEqual(['expire', 'expire']);
      const [record] = await retries.all();
      expect(record).toMatchObject({
        requestId: poisoned.id,
        step: 'expire',
        count: 2,
        until: clock + 2 * BASE_MS,
      });

      // The fault is gone and the backoff passed: what had not landed is delivered, once.
      for (const f of faults) f.heal();
      clock += 2 * BASE_MS;
      const before = { a: thread(a).length, c: thread(c).length };
      expect(await sweep(deps, retries)).toMatchObject({ failed: 0, redelivered: 1 });
      expect(thread(poisoned).map((m) => m.text)).toEqual([expect.stringMatching(/Your request expired/)]);
      expect(JSON.stringify(card(poisoned).blocks)).not.toContain('approve_request');
      expect(JSON.stringify(slack.messages.find((m) => m.ts === poisoned.slack.threadTs)!.blocks)).toContain(
        'submit_again',
      );
      expect({ a: thread(a).length, c: thread(c).length }).toEqual(before);
      expect(await retries.all()).toEqual([]);

      // And nothing more later.
      const settled = slack.records.length;
      clock += 3_600_000;
      await sweep(deps, retries);
      expect(slack.records.length).toBe(settled);
    },
  );

  it('reminds, announces and requeues the others in the same sweep while one requester cannot be sent a DM', async () => {
    const due = [await pending('U0REQUEST1'), await pending('U0REQUEST2'), await pending('U0REQUEST3')];
    // Its card was never posted (a crash after saving it): the sweep announces it.
    const poisoned = await pending('U0POISON01', false);
    const dm = slack.failWhere('openDm', (a) => a.userId === 'U0POISON01', 'cannot_dm_bot');
    // Approved just before a crash, its purchase job never added: the safety net requeues it.
    const approved = await pending('U0REQUEST4');
    await requests.apply(approved.id, { type: 'approve', by: 'U0APPROVE1' }, 'U0APPROVE1');
    clock += 3_600_000 - 3_000_000; // within reminderBeforeMs of every expiry, before any

    const first = await sweep(deps, retries);
    expect(first).toMatchObject({ reminded: 3, requeued: 1, failed: 1, announced: 0 });
    for (const r of due) {
      const replies = slack.in('C0APPROVALS', { thread: r.slack.cardTs! });
      expect(replies.map((m) => m.text)).toEqual([expect.stringMatching(/:bell: Reminder: request/)]);
    }
    expect(await producers.purchase.getJob(jobIds.purchase(approved.id))).toBeDefined();
    expect(failures).toEqual(['pending']);
    expect(warnings).toContainEqual(
      expect.objectContaining({ requestId: poisoned.id, step: 'pending', failures: 1 }),
    );
    const cardsOf = () =>
      slack.in('C0APPROVALS').filter((m) => JSON.stringify(m.blocks).includes(poisoned.id)).length;
    expect(cardsOf()).toBe(1);

    // Within its backoff: its requester is not tried again; nobody is reminded twice.
    const tries = () =>
      slack.calls('openDm').filter((c) => (c.args as { userId: string }).userId === 'U0POISON01');
    const tried = tries().length;
    clock += BASE_MS - 1;
    expect(await sweep(deps, retries)).toMatchObject({ reminded: 0, announced: 0, failed: 0 });
    expect(tries()).toHaveLength(tried);

    dm.heal();
    clock += 1;
    expect(await sweep(deps, retries)).toMatchObject({ announced: 1, failed: 0 });
    const saved = (await requests.get(poisoned.id))!;
    expect(saved.slack.threadTs).toBeDefined();
    expect(slack.in(slack.dmOf('U0POISON01'))).toHaveLength(1);
    expect(cardsOf()).toBe(1);
    expect(await retries.all()).toEqual([]);
  });

  it('retries a closing-window reminder only to whom it did not reach: the approvers are told once', async () => {
    const ordered = async (requesterId: string) => {
      const r = sampleRequest({
        id: `PR-SW${String(++n).padStart(6, '0')}`,
        requesterId,
        createdAt: clock,
        expiresAt: clock + 3_600_000,
        kind: 'software_subscription',
        azure: undefined,
      });
      await requests.create(r, r.requesterId);
      await notifier.announce(r);
      const events: PurchaseEvent[] = [
        { type: 'approve', by: 'U0APPROVE1' },
        { type: 'start_ordering' },
        { type: 'cart_created', scope: 'purchase', cartId: `cart-${r.id}` },
        { type: 'checkout_sent', scope: 'purchase' },
        { type: 'ordered', orders: [{ id: `order-${r.id}`, status: 'completed', lineItems: [] }] },
      ];
      for (const e of events) {
        const res = await requests.apply(r.id, e, 'test');
        if (!res.ok) throw new Error(`${e.type}: ${res.code}`);
      }
      return (await requests.get(r.id))!;
    };
    const [a, poisoned] = [await ordered('U0REQUEST1'), await ordered('U0POISON01')];
    const fault = slack.failWhere(
      'postMessage',
      (x) => x.channel === poisoned.slack.threadChannel,
      'channel_not_found',
    );
    clock += 6.5 * 86_400_000; // software subscriptions: cancellable for 7 days
    const closing = (r: PurchaseRequest, where: 'requester' | 'approvers') =>
      (where === 'requester' ? thread(r) : slack.in('C0APPROVALS', { thread: r.slack.cardTs! })).filter((m) =>
        m.text.includes('can be cancelled with a refund until'),
      ).length;

    expect(await sweep(deps, retries)).toMatchObject({ failed: 1 });
    expect(failures).toEqual(['window']);
    expect([closing(a, 'requester'), closing(a, 'approvers')]).toEqual([1, 1]);
    expect([closing(poisoned, 'requester'), closing(poisoned, 'approvers')]).toEqual([0, 1]);

    fault.heal();
    clock += BASE_MS;
    expect(await sweep(deps, retries)).toMatchObject({ failed: 0, redelivered: 1 });
    expect([closing(poisoned, 'requester'), closing(poisoned, 'approvers')]).toEqual([1, 1]);
    expect([closing(a, 'requester'), closing(a, 'approvers')]).toEqual([1, 1]);
  });

  it('forgets a failure once its request has left the step (decided meanwhile), without trying it again', async () => {
    const poisoned = await pending('U0POISON01', false);
    slack.failWhere('openDm', (a) => a.userId === 'U0POISON01', 'cannot_dm_bot');
    expect(await sweep(deps, retries)).toMatchObject({ failed: 1 });
    expect(await retries.all()).toHaveLength(1);
    await requests.apply(poisoned.id, { type: 'reject', by: 'U0APPROVE1', reason: 'Not now' }, 'U0APPROVE1');
    const dms = slack.calls('openDm').length;
    clock += BASE_MS;
    expect(await sweep(deps, retries)).toMatchObject({ failed: 0, announced: 0 });
    expect(slack.calls('openDm')).toHaveLength(dms);
    expect(await retries.all()).toEqual([]);
  });

  it('keeps the failure and its backoff in Redis: a sweep in another worker (a fresh store) honours them', async () => {
    const [a, poisoned] = [await pending('U0REQUEST1'), await pending('U0POISON01')];
    const fault = slack.failWhere(
      'postMessage',
      (x) => x.channel === poisoned.slack.threadChannel,
      'channel_not_found',
    );
    clock += 3_600_001;
    expect(await sweep(deps, retries)).toMatchObject({ expired: 2, failed: 1 });
    fault.heal();

    const elsewhere = new RedisSweepRetries(redis, new Keys(keys.prefix), {
      baseMs: BASE_MS,
      capMs: 3_600_000,
    });
    clock += 1_000;
    expect(await sweep(deps, elsewhere)).toMatchObject({ redelivered: 0, failed: 0 });
    expect(thread(poisoned)).toHaveLength(0);
    clock += BASE_MS;
    expect(await sweep(deps, elsewhere)).toMatchObject({ redelivered: 1, failed: 0 });
    expect(thread(poisoned).map((m) => m.text)).toEqual([expect.stringMatching(/Your request expired/)]);
    expect(thread(a)).toHaveLength(1);
  });

  it('redraws pending cards from the store once after Redis restarted (a lost approval can be given again)', async () => {
    const runs = new RedisRuns(redis, keys);
    const r = await pending('U0REQUEST1');
    // What Slack holds after a rollback took the approval away: the card as it was drawn approved.
    const stale = async (): Promise<void> => {
      await slack.updateMessage({
        channel: r.slack.cardChannel!,
        ts: r.slack.cardTs!,
        text: 'Approved',
        blocks: [],
      });
    };
    const asks = (): boolean => JSON.stringify(card(r).blocks ?? []).includes('approve_request');
    await stale();

    // Never recorded (a first look, or a Redis rolled back to before the record): drawn again.
    expect(await sweep({ ...deps, redisRuns: runs }, retries)).toMatchObject({ failed: 0 });
    expect(asks()).toBe(true);

    // The same server: nothing drawn.
    await stale();
    await sweep({ ...deps, redisRuns: runs }, retries);
    expect(asks()).toBe(false);

    // Another server run than the one recorded (a restart, a restore): drawn again.
    await redis.set(keys.redisRun(), 'an-earlier-run');
    await sweep({ ...deps, redisRuns: runs }, retries);
    expect(asks()).toBe(true);
    expect(await runs.changed()).toBeUndefined();
  });
});
