/**
 * The worker half: N approved requests through the purchase pipeline against a simulator with a
 * fixed latency and a rate limit; reservations waiting for a subscription registration; and how late
 * the delayed order confirmations run. The worker runs as its own process (`src/main.ts`, ROLE=worker);
 * the web half, the simulator, a counting proxy in front of it and the Slack fake run here.
 *
 * Requests are made once through Slack (the template) and then cloned straight into the repository,
 * approved and enqueued, so what is measured is the pipeline alone.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startBot, type Bot } from '../../src/main';
import type { PurchaseRequest } from '../../src/purchases/model';
import { jobIds } from '../../src/queues';
import { parseRateLimit, RedisRateLimiter } from '../../src/store/rate-limiter';
import { SEED, startSimulator, type Simulator, type SimulatorOptions } from '../../fakes/partner-center';
import { startSlackFake } from '../../fakes/slack';
import { SlackInbound } from '../../fakes/slack/inbound';
import type { SlackFake } from '../../fakes/slack/types';
import { baseEnv } from '../../harness/env';
import { requestPurchase, RESERVATION, SOFTWARE, type FormChoice } from '../../harness/flows';
import { freePort } from '../../harness/redis-server';
import type { World } from '../../harness/world';
import { simLatency, type BenchContext, type Distance } from '../lib/context';
import { RssSampler, startChild, waitHttp, type Child } from '../lib/proc';
import { CountingProxy } from '../lib/proxy';
import { SECRET } from '../lib/slack';
import { ratio, round, summarize, type Summary } from '../lib/stats';

interface Rig {
  sim: Simulator;
  proxy: CountingProxy;
  slack: SlackFake;
  bot: Bot;
  worker: Child;
  world: World;
  redis: Redis;
  prefix: string;
  close(): Promise<void>;
}

async function startRig(
  ctx: BenchContext,
  name: string,
  sim: SimulatorOptions,
  env: Record<string, string>,
  d: Distance,
): Promise<Rig> {
  const simulator = await startSimulator({ port: 0, openAuth: true, ...sim, ...simLatency(d) });
  const proxy = await new CountingProxy(simulator.url).start();
  const slack = await startSlackFake({ latencyMs: d.slackMs });
  const prefix = `bench${name}${Date.now().toString(36)}`;
  const common = baseEnv({
    REDIS_URL: ctx.redisUrl,
    REDIS_KEY_PREFIX: prefix,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    PARTNER_CENTER_API_URL: proxy.url,
    PARTNER_PRICING_API_URL: proxy.url,
    LOG_LEVEL: 'info',
    ...env,
  });
  const bot = await startBot(loadConfig({ ...common, ROLE: 'web', LOG_LEVEL: 'warn' }), {
    logger: pino({ level: 'warn' }),
  });
  const port = await freePort();
  const worker = startChild('worker', 'src/main.ts', { ...common, ROLE: 'worker', PORT: String(port) });
  await waitHttp(`http://127.0.0.1:${port}/readyz`, 60_000, worker);
  const inbound = new SlackInbound(`${bot.url}/slack/events`, SECRET, { fake: slack, timeoutMs: 10_000 });
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 3 });
  const close = async (): Promise<void> => {
    await worker.kill('SIGTERM');
    await bot.stop();
    await slack.close();
    await proxy.close();
    await simulator.close();
    await redis.quit();
  };
  const world: World = { sim: simulator, slack, bot, inbound, mode: 'http', close };
  return { sim: simulator, proxy, slack, bot, worker, world, redis, prefix, close };
}

/** One request through Slack, then `n` copies of it, approved and enqueued. */
async function launch(rig: Rig, choice: FormChoice, n: number): Promise<{ ids: string[]; t0: number }> {
  const templateId = await requestPurchase(rig.world, choice);
  const template = await rig.bot.repo.get(templateId);
  if (!template) throw new Error('template request vanished');
  const ids = Array.from({ length: n }, () => `PR-${randomBytes(5).toString('hex').toUpperCase()}`);
  rig.proxy.reset();
  const t0 = Date.now();
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map(async (id) => {
        const now = Date.now();
        const r: PurchaseRequest = {
          ...template,
          id,
          createdAt: now,
          expiresAt: now + 72 * 3_600_000,
          status: 'pending_approval',
          version: 1,
          approvals: [],
        };
        if (!(await rig.bot.repo.create(r, r.requesterId))) throw new Error(`could not create ${id}`);
        const res = await rig.bot.repo.apply(id, { type: 'approve', by: 'U0APPROVE1' }, 'U0APPROVE1');
        if (!res.ok) throw new Error(`could not approve ${id}: ${res.code}`);
        await rig.bot.producers.enqueuePurchase(id);
      }),
    );
  }
  return { ids, t0 };
}

interface QueueSample {
  at: number;
  active: number;
  delayed: number;
  waiting: number;
  confirmActive: number;
  confirmDelayed: number;
}

/** Waits until every id is final, sampling the queues meanwhile. */
async function settle(
  rig: Rig,
  ids: string[],
  timeoutMs: number,
  sampleEveryMs = 100,
): Promise<{ requests: PurchaseRequest[]; samples: QueueSample[]; timedOut: boolean }> {
  const samples: QueueSample[] = [];
  const wanted = new Set(ids);
  const deadline = Date.now() + timeoutMs;
  let lastCheck = 0;
  let timedOut = true;
  while (Date.now() < deadline) {
    const [p, c] = await Promise.all([
      rig.bot.producers.purchase.getJobCounts('active', 'delayed', 'waiting', 'prioritized'),
      rig.bot.producers.confirm.getJobCounts('active', 'delayed'),
    ]);
    samples.push({
      at: Date.now(),
      active: p.active ?? 0,
      delayed: p.delayed ?? 0,
      waiting: (p.waiting ?? 0) + (p.prioritized ?? 0),
      confirmActive: c.active ?? 0,
      confirmDelayed: c.delayed ?? 0,
    });
    if (Date.now() - lastCheck > 500) {
      lastCheck = Date.now();
      const inflight = (await rig.bot.repo.inflightIds()).filter((id) => wanted.has(id));
      if (inflight.length === 0) {
        timedOut = false;
        break;
      }
    }
    await new Promise((r) => setTimeout(r, sampleEveryMs));
  }
  const requests = (await Promise.all(ids.map((id) => rig.bot.repo.get(id)))).filter(
    (r): r is PurchaseRequest => r !== undefined,
  );
  return { requests, samples, timedOut };
}

/** confirmedAt − orderedAt − delay, per confirmed request (ms). */
async function lateness(rig: Rig, requests: PurchaseRequest[], delayMs: number): Promise<number[]> {
  const out: number[] = [];
  for (const r of requests) {
    if (r.status !== 'confirmed' || !r.confirmedAt) continue;
    const ordered = (await rig.bot.repo.audit(r.id)).find((a) => a.event === 'ordered');
    if (ordered) out.push(r.confirmedAt - ordered.at - delayMs);
  }
  return out;
}

function byStatus(requests: PurchaseRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of requests) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

// ------------------------------------------------------------------ 500 purchases under a rate limit

/**
 * Twice: with the bot's default (no client-side limit: 429s are waited out as Partner Center says),
 * and with PARTNER_CENTER_RATE_LIMIT set a little under the simulator's limit, as the README advises.
 */
export async function pipelineBenchmark(ctx: BenchContext, d: Distance): Promise<void> {
  const { ratePerSec } = ctx.pipeline;
  const runs: PipelineRun[] = [];
  const clientLimit = `${Math.max(1, Math.floor(ratePerSec * 0.95))}/1000`;
  // At distance four purchase slots cannot keep 50 calls a second in flight (Little's law: rate ×
  // latency ≈ 30 calls under way), so the far run gives the worker the slots it needs and measures
  // only the budgeted configuration.
  const concurrency = d.pcMs > 0 ? Math.ceil((ratePerSec * (d.pcMs + d.pcJitterMs)) / 1000 / 2) : 4;
  const limits = d.pcMs > 0 ? [clientLimit] : [undefined, clientLimit];
  // At distance the run takes rate-bound time plus the confirmations' tail; half the purchases keep
  // the whole bench near 20 minutes.
  const n = d.pcMs > 0 ? Math.ceil(ctx.pipeline.requests / 2) : ctx.pipeline.requests;
  for (const limit of limits) runs.push(await pipelineRun(ctx, limit, d, concurrency, n));
  const budget = await budgetCheck(ctx.redisUrl, clientLimit);
  ctx.log(
    `  the budget alone (${clientLimit}, 8 callers, ${budget.acquires} calls): ${budget.admittedPerSec}/s admitted, at most ${budget.maxInAnySecond} in any second`,
  );
  ctx.save(`pipeline.${d.name}`, { distance: d, requests: n, runs, budget });
}

/**
 * The shared budget on its own (src/store/rate-limiter.ts): eight callers take 200 grants as fast as
 * it allows. Admitted per second should be the configured rate, and no second may hold more than the
 * rate plus the small burst it allows.
 */
async function budgetCheck(redisUrl: string, limitText: string) {
  const limit = parseRateLimit(limitText)!;
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  try {
    const limiter = new RedisRateLimiter(redis, `benchbudget${Date.now().toString(36)}`, limit);
    const grants: number[] = [];
    const started = Date.now();
    const acquires = 200;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < acquires / 8; i++) {
          await limiter.acquire();
          grants.push(Date.now() - started);
        }
      }),
    );
    grants.sort((a, b) => a - b);
    let maxInAnySecond = 0;
    for (let i = 0, j = 0; i < grants.length; i++) {
      while (j < grants.length && grants[j]! - grants[i]! < limit.perMs) j++;
      maxInAnySecond = Math.max(maxInAnySecond, j - i);
    }
    const seconds = (grants[grants.length - 1]! - grants[0]!) / 1000;
    const configuredPerSec = (limit.requests * 1000) / limit.perMs;
    return {
      limit: limitText,
      acquires,
      seconds: round(seconds),
      configuredPerSec,
      admittedPerSec: round((acquires - 1) / seconds, 1),
      maxInAnySecond,
      burstAllowed: Math.max(1, Math.floor(limit.requests / 10)),
    };
  } finally {
    await redis.quit();
  }
}

export type PipelineRun = Awaited<ReturnType<typeof pipelineRun>>;

async function pipelineRun(
  ctx: BenchContext,
  clientLimit: string | undefined,
  d: Distance,
  concurrency: number,
  n: number,
) {
  const { ratePerSec } = ctx.pipeline;
  const latencyMs = d.pcMs > 0 ? d.pcMs : ctx.pipeline.latencyMs;
  const confirmDelayMs = 500;
  const rig = await startRig(
    ctx,
    'pipe',
    {
      latencyMs,
      rateLimit: { requests: ratePerSec, perMs: 1000 },
      orderListDelayMs: 0,
      registrationDelayMs: 0,
    },
    {
      ORDER_CONFIRMATION_DELAY_MS: String(confirmDelayMs),
      SWEEP_INTERVAL_MS: '5000',
      PURCHASE_RETRY_BASE_MS: '500',
      PURCHASE_CONCURRENCY: String(concurrency),
      ...(clientLimit ? { PARTNER_CENTER_RATE_LIMIT: clientLimit } : {}),
    },
    d,
  );
  const rss = new RssSampler([rig.worker.pid]).start();
  try {
    rss.mark('idle');
    await new Promise((r) => setTimeout(r, 1000));
    rss.mark('load');
    const { ids, t0 } = await launch(rig, SOFTWARE, n);
    const bound = (4 * n) / ratePerSec;
    const { requests, samples, timedOut } = await settle(rig, ids, Math.max(120_000, bound * 8_000));
    rss.stop();
    const end = Math.max(t0, ...requests.map((r) => (r.status === 'confirmed' ? r.confirmedAt : 0)));
    const totalS = (end - t0) / 1000;
    const calls = rig.proxy.counts(t0);
    const useful = calls.total - calls.throttled;
    const boundUseful = useful / ratePerSec;
    const late = summarize(await lateness(rig, requests, confirmDelayMs));
    const orders = (await (await fetch(`${rig.sim.url}/_sim/orders`)).json()) as {
      items: { _sim: { cartId?: string } }[];
    };
    const carts = new Set(
      requests.map((r) =>
        'progress' in r && r.progress && r.progress.cart.stage !== 'none'
          ? r.progress.cart.cartId
          : undefined,
      ),
    );
    const result = {
      requests: n,
      clientLimit: clientLimit ?? 'unset',
      simulator: {
        latencyMs,
        latencyJitterMs: d.pcMs > 0 ? d.pcJitterMs : 0,
        rateLimit: `${ratePerSec} requests / 1000 ms`,
      },
      purchaseConcurrency: concurrency,
      statuses: byStatus(requests),
      timedOut,
      totalS: round(totalS),
      boundS: round(boundUseful),
      boundMinimumS: round(bound),
      ratioToBound: ratio(totalS, boundUseful),
      calls: { ...calls, perPurchase: round(calls.total / n), usefulPerPurchase: round(useful / n) },
      throttledShare: round(calls.throttled / Math.max(1, calls.total), 4),
      ordersInSimulator: orders.items.filter((o) => o._sim.cartId && carts.has(o._sim.cartId)).length,
      confirmationLatenessMs: late,
      queuePeak: {
        active: Math.max(...samples.map((s) => s.active)),
        delayed: Math.max(...samples.map((s) => s.delayed)),
        waiting: Math.max(...samples.map((s) => s.waiting)),
      },
      workerRss: {
        idleMb: rss.median(rig.worker.pid, 'idle'),
        loadMaxMb: rss.max(rig.worker.pid, (l) => l === 'load'),
      },
    };
    ctx.log(
      `  pipeline ${n} purchases, PARTNER_CENTER_RATE_LIMIT ${result.clientLimit}: ${result.totalS} s vs bound ${result.boundS} s (×${result.ratioToBound}); ${result.calls.total} calls (${result.calls.perPurchase}/purchase, ${result.calls.usefulPerPurchase} not throttled), 429s ${(result.throttledShare * 100).toFixed(1)} %; ${JSON.stringify(result.statuses)}`,
    );
    return result;
  } finally {
    rss.stop();
    await rig.close();
  }
}

// ------------------------------------------------------------------ reservations waiting for registration

/**
 * Reservations on one subscription Microsoft still has to register: N of them, next to one alone (the
 * baseline: the register calls and the poll series a single reservation needs), each on a fresh rig.
 * Goal (issue 13): one register call and one poll series per subscription whatever N is.
 */
export async function registrationBenchmark(ctx: BenchContext, d: Distance): Promise<void> {
  const single = await registrationRun(ctx, d, 1);
  const many = await registrationRun(ctx, d, ctx.registrations.requests);
  ctx.save(`registration.${d.name}`, { distance: d, ...many, single });
}

async function registrationRun(ctx: BenchContext, d: Distance, n: number) {
  const { delayMs } = ctx.registrations;
  const rig = await startRig(
    ctx,
    'reg',
    { registrationDelayMs: delayMs, orderListDelayMs: 0 },
    {
      ORDER_CONFIRMATION_DELAY_MS: '500',
      REGISTRATION_POLL_BASE_MS: '250',
      REGISTRATION_POLL_CAP_MS: '1000',
      SWEEP_INTERVAL_MS: '5000',
    },
    d,
  );
  try {
    const { ids, t0 } = await launch(
      rig,
      { ...RESERVATION, azureSubscription: SEED.subscriptions.unregistered.id },
      n,
    );
    const { requests, samples, timedOut } = await settle(rig, ids, delayMs + 180_000, 50);
    const registerAt = rig.proxy.calls.find((c) => c.op === 'register' && c.at >= t0)?.at ?? t0;
    // While Microsoft registers the subscription: from the registration request to its completion.
    const from = registerAt + 200;
    const to = registerAt + delayMs - 100;
    const waiting = samples.filter((s) => s.at >= from && s.at <= to);
    const mean = (xs: number[]): number => round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
    const polls = rig.proxy.calls.filter((c) => c.op === 'registrationStatus' && c.at >= t0).length;
    // The slot-time the polls themselves need (each holds a slot for its own HTTP call), spread over
    // the window: what "not sleeping" looks like with this latency.
    const pollMsInWindow = rig.proxy.calls
      .filter((c) => c.op === 'registrationStatus' && c.at >= from && c.at <= to)
      .reduce((sum, c) => sum + c.ms, 0);
    const pollsOnly = round(pollMsInWindow / Math.max(1, to - from));
    const result = {
      requests: n,
      registrationDelayMs: delayMs,
      pollBackoff: '250 ms doubling to 1000 ms (REGISTRATION_POLL_BASE_MS/CAP_MS)',
      purchaseConcurrency: 4,
      statuses: byStatus(requests),
      timedOut,
      whileWaiting: {
        samples: waiting.length,
        activeMean: mean(waiting.map((s) => s.active)),
        activeMax: Math.max(0, ...waiting.map((s) => s.active)),
        delayedMean: mean(waiting.map((s) => s.delayed)),
        waitingMean: mean(waiting.map((s) => s.waiting)),
        /** Mean slots the poll calls alone account for. */
        pollCallsOnly: pollsOnly,
      },
      baselineSleepingWorkerSlots: Math.min(n, 4),
      registrationStatusPolls: polls,
      pollsPerRequest: round(polls / n),
      registrationsStarted: rig.proxy.calls.filter((c) => c.op === 'register' && c.at >= t0).length,
      /** When each status poll was sent, ms after the registration request: one series or several. */
      pollTimesMs: rig.proxy.calls
        .filter((c) => c.op === 'registrationStatus' && c.at >= t0)
        .map((c) => c.at - registerAt),
      doneS: round(
        (Math.max(...requests.map((r) => (r.status === 'confirmed' ? r.confirmedAt : 0))) - t0) / 1000,
      ),
    };
    ctx.log(
      `  registration (${d.name}): ${n} reservations waiting ${delayMs} ms: worker slots held mean ${result.whileWaiting.activeMean} (max ${result.whileWaiting.activeMax}; the polls' own calls account for ${pollsOnly}) vs ${result.baselineSleepingWorkerSlots} if sleeping; delayed mean ${result.whileWaiting.delayedMean}; ${polls} status polls (${result.pollsPerRequest}/request) for ${result.registrationsStarted} registration`,
    );
    return result;
  } finally {
    await rig.close();
  }
}

// ------------------------------------------------------------------ lateness of delayed confirmations

export async function latenessBenchmark(ctx: BenchContext, d: Distance): Promise<void> {
  const { requests: n, delayMs } = ctx.lateness;
  const rig = await startRig(
    ctx,
    'late',
    { latencyMs: 5, orderListDelayMs: 0 },
    { ORDER_CONFIRMATION_DELAY_MS: String(delayMs), SWEEP_INTERVAL_MS: '5000' },
    d,
  );
  let bot: Summary;
  let jobStart: Summary;
  let jobRun: Summary;
  try {
    const { ids } = await launch(rig, SOFTWARE, n);
    const { requests } = await settle(rig, ids, 120_000);
    bot = summarize(await lateness(rig, requests, delayMs));
    // Where the lateness goes: BullMQ starting the delayed job, then the job itself (order list + save).
    const jobs = await Promise.all(ids.map((id) => rig.bot.producers.confirm.getJob(jobIds.confirm(id))));
    const done = jobs.filter((j): j is NonNullable<typeof j> => Boolean(j?.processedOn && j.finishedOn));
    jobStart = summarize(done.map((j) => j.processedOn! - j.timestamp - (j.opts.delay ?? 0)));
    jobRun = summarize(done.map((j) => j.finishedOn! - j.processedOn!));
  } finally {
    await rig.close();
  }
  const baseline = summarize(await bullmqLateness(ctx.redisUrl, n, delayMs));
  const result = {
    distance: d,
    requests: n,
    delayMs,
    bot,
    botJobStartLateness: jobStart,
    botJobRunMs: jobRun,
    bareBullmq: baseline,
    ratio: { p50: ratio(bot.p50, baseline.p50), p99: ratio(bot.p99, baseline.p99) },
  };
  ctx.log(
    `  confirmation lateness (delay ${delayMs} ms): bot p50 ${bot.p50} p99 ${bot.p99} max ${bot.max} ms (job started late by p50 ${jobStart.p50}, ran p50 ${jobRun.p50} ms) | bare BullMQ p50 ${baseline.p50} p99 ${baseline.p99} ms`,
  );
  ctx.save(`confirmation-lateness.${d.name}`, result);
}

/** The floor: how late a bare BullMQ worker (same Redis, concurrency 4) starts a delayed job. */
async function bullmqLateness(redisUrl: string, n: number, delayMs: number): Promise<number[]> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `benchbull${Date.now().toString(36)}`;
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('late', { connection, prefix });
  const out: number[] = [];
  const worker = new Worker(
    'late',
    async (job) => {
      out.push(Date.now() - (job.timestamp + delayMs));
      return Promise.resolve();
    },
    { connection: workerConnection, prefix, concurrency: 4 },
  );
  try {
    // Spread like orders arriving over a few seconds, not one burst.
    for (let i = 0; i < n; i++) {
      await queue.add('x', {}, { delay: delayMs, removeOnComplete: true });
      await new Promise((r) => setTimeout(r, 20));
    }
    const deadline = Date.now() + delayMs + 30_000;
    while (out.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return out;
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await Promise.allSettled([connection.quit(), workerConnection.quit()]);
  }
}

// ------------------------------------------------------------------ approval → order, one at a time

/** Total length of the union of [start, end) intervals: the time at least one call was under way. */
function busyMs(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const [s, e] of sorted) {
    if (!cur || s > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [s, e];
    } else cur[1] = Math.max(cur[1], e);
  }
  if (cur) total += cur[1] - cur[0];
  return total;
}

/**
 * Approval → order, one purchase at a time so every Partner Center call in the window is that
 * purchase's: the time from the approval (the job enqueued) to the `ordered` audit entry, next to
 * the sum of the latencies of the calls that had to run one after another (the union of the calls'
 * busy intervals at the counting proxy: calls that overlap count once, as the longest of them).
 * Goal (issue 13): at distance ≤ 1.2× that sum.
 */
export async function approvalToOrderBenchmark(ctx: BenchContext, d: Distance): Promise<void> {
  const rig = await startRig(
    ctx,
    'order',
    { orderListDelayMs: 0, registrationDelayMs: 0 },
    { ORDER_CONFIRMATION_DELAY_MS: '600000', SWEEP_INTERVAL_MS: '5000' },
    d,
  );
  const rows: { totalMs: number; sequentialPcMs: number; calls: string[]; ratio: number }[] = [];
  try {
    const templateId = await requestPurchase(rig.world, RESERVATION);
    const template = await rig.bot.repo.get(templateId);
    if (!template) throw new Error('template request vanished');
    for (let i = 0; i < ctx.sequential; i++) {
      const id = `PR-${randomBytes(5).toString('hex').toUpperCase()}`;
      const now = Date.now();
      await rig.bot.repo.create(
        {
          ...template,
          id,
          createdAt: now,
          expiresAt: now + 72 * 3_600_000,
          status: 'pending_approval',
          version: 1,
          approvals: [],
        },
        template.requesterId,
      );
      const approved = await rig.bot.repo.apply(id, { type: 'approve', by: 'U0APPROVE1' }, 'U0APPROVE1');
      if (!approved.ok) throw new Error(`could not approve ${id}`);
      rig.proxy.reset();
      const t0 = Date.now();
      await rig.bot.producers.enqueuePurchase(id);
      const deadline = Date.now() + 60_000;
      let orderedAt: number | undefined;
      while (Date.now() < deadline && orderedAt === undefined) {
        orderedAt = (await rig.bot.repo.audit(id)).find((a) => a.event === 'ordered')?.at;
        if (orderedAt === undefined) await new Promise((r) => setTimeout(r, 10));
      }
      if (orderedAt === undefined) throw new Error(`${id} was not ordered within 60 s`);
      const calls = rig.proxy.calls.filter((c) => c.at >= t0 && c.at <= orderedAt);
      const sequentialPcMs = busyMs(calls.map((c) => [c.at, c.at + c.ms]));
      const totalMs = orderedAt - t0;
      rows.push({
        totalMs,
        sequentialPcMs,
        calls: calls.map((c) => `${c.op} ${c.ms}ms@+${c.at - t0}`),
        ratio: ratio(totalMs, sequentialPcMs),
      });
    }
  } finally {
    await rig.close();
  }
  const total = summarize(rows.map((r) => r.totalMs));
  const seq = summarize(rows.map((r) => r.sequentialPcMs));
  const ratios = summarize(rows.map((r) => r.ratio));
  ctx.log(
    `  approval → order (${d.name}), ${rows.length} one at a time: p50 ${total.p50} p99 ${total.p99} ms | sequential Partner Center calls p50 ${seq.p50} p99 ${seq.p99} ms | ratio p50 ×${ratios.p50} max ×${ratios.max}`,
  );
  ctx.save(`approval-to-order.${d.name}`, {
    distance: d,
    purchases: rows.length,
    totalMs: total,
    sequentialPartnerCenterMs: seq,
    ratio: ratios,
    rows,
  });
}
