/**
 * The Slack-facing half: ack latency (slash command, button, option load) at several connection
 * counts with the `auth.test` calls counted, slash command → views.open, option loads over a
 * 50,000-SKU catalog, and RSS with that catalog cached, each next to a bare Bolt app that only acks,
 * measured in the same run on the same machine; at zero distance and with Slack's Web API and
 * Partner Center where they really are (bench/lib/context.ts DISTANCES).
 *
 * Processes: this one runs the load generator (autocannon) and the simulator; the bot (ROLE=web,
 * `src/main.ts` as in production), the bare Bolt app and the Slack fake each run in their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Keys } from '../../src/store/redis';
import { RequestRepository } from '../../src/store/requests';
import { SEED, startSimulator } from '../../fakes/partner-center';
import { baseEnv } from '../../harness/env';
import { formValues } from '../../harness/flows';
import { freePort } from '../../harness/redis-server';
import { sampleRequest } from '../../harness/requests';
import { simLatency, type BenchContext, type Distance } from '../lib/context';
import { cannon, loop, postTimed, type LoadResult } from '../lib/load';
import { summarizeProfile } from '../lib/profile';
import { RssSampler, startChild, waitHttp, type Child } from '../lib/proc';
import {
  buttonRequest,
  commandRequest,
  optionsRequest,
  SECRET,
  type Endpoint,
  type Signed,
} from '../lib/slack';
import { ratio, round, summarize, type Summary } from '../lib/stats';

const DECIDED_REQUEST = 'PR-BENCH0001';

/** One seeded customer per billing country: the SKU cache is per country. */
const COUNTRY_CUSTOMERS = [
  SEED.customers.open.id,
  SEED.customers.openSecond.id,
  SEED.customers.softwareClosed.id,
  SEED.customers.reservationsClosed.id,
  SEED.customers.northwind.id,
];

/** Longer than the catalog's in-process memory (10 s in src/services/catalog.ts). */
const LOCAL_CACHE_WAIT_MS = 10_500;

interface FakeCalls {
  type: 'calls';
  calls: { trigger?: string; at: number; ok: boolean }[];
  byMethod: Record<string, number>;
}

const isMsg =
  <T>(type: string) =>
  (m: unknown): m is T =>
    typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

export interface AckRow {
  endpoint: Endpoint;
  connections: number;
  /** Requests per second for an open-loop run; absent for closed-loop runs. */
  rate?: number;
  bare: LoadResult;
  bot: LoadResult;
  /** auth.test calls the Slack fake received while each side was under load (all repetitions). */
  authTests: { bare: number; bot: number; botPerRequest: number };
  ratio: { p50: number; p99: number; max: number; rps: number };
}

async function resetFake(fake: Child): Promise<void> {
  fake.send({ type: 'reset' });
  await fake.next(isMsg('reset-done'));
}

async function fakeCalls(fake: Child, method: string): Promise<FakeCalls> {
  fake.send({ type: 'calls', method });
  return fake.next<FakeCalls>(isMsg<FakeCalls>('calls'));
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** Each statistic the median over repetitions; counts of failures summed. */
function medianResult(runs: LoadResult[]): LoadResult & { repetitions: number } {
  const stat = (k: keyof Summary): number => median(runs.map((r) => r.latency[k]));
  return {
    latency: {
      n: runs.reduce((s, r) => s + r.latency.n, 0),
      p50: stat('p50'),
      p90: stat('p90'),
      p99: stat('p99'),
      max: stat('max'),
      mean: stat('mean'),
    },
    rps: median(runs.map((r) => r.rps)),
    ok: runs.reduce((s, r) => s + r.ok, 0),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    timeouts: runs.reduce((s, r) => s + r.timeouts, 0),
    durationS: runs.reduce((s, r) => s + r.durationS, 0),
    repetitions: runs.length,
  };
}

export async function webBenchmarks(ctx: BenchContext, d: Distance): Promise<void> {
  const fake = startChild('slack-fake', 'bench/servers/slack-fake.ts', {
    BENCH_SLACK_LATENCY_MS: String(d.slackMs),
  });
  const { apiUrl, url: fakeUrl } = await fake.next<{ type: 'ready'; url: string; apiUrl: string }>(
    isMsg('ready'),
  );
  const sim = await startSimulator({ port: 0, openAuth: true, extraSkus: ctx.skus, ...simLatency(d) });
  const prefix = `bench${Date.now().toString(36)}`;
  const botPort = await freePort();
  const botEnv = (port: number): Record<string, string> =>
    baseEnv({
      ROLE: 'web',
      REDIS_URL: ctx.redisUrl,
      REDIS_KEY_PREFIX: prefix,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: apiUrl,
      PARTNER_CENTER_API_URL: sim.url,
      PARTNER_PRICING_API_URL: sim.url,
      LOG_LEVEL: 'warn',
      // Long enough that no cache entry lapses mid-run; "cold" flushes the cache on purpose.
      CATALOG_CACHE_TTL_MS: '3600000',
      // Not configured: the bot asks Slack who it is at start-up (once), so the count below shows
      // that no request waits for auth.test.
      SLACK_BOT_USER_ID: undefined,
      SLACK_BOT_ID: undefined,
      PORT: String(port),
    });
  const bot = startChild('bot', 'src/main.ts', botEnv(botPort));
  const botUrl = `http://127.0.0.1:${botPort}`;
  const bare = startChild('bare-bolt', 'bench/servers/bare-bolt.ts', {
    BARE_SIGNING_SECRET: SECRET,
    SLACK_API_URL: apiUrl,
    PORT: String(await freePort()),
  });
  const redis = new Redis(ctx.redisUrl, { maxRetriesPerRequest: 3 });
  const rss = new RssSampler([bot.pid, bare.pid]);
  try {
    await waitHttp(`${botUrl}/healthz`, 60_000, bot);
    const bareUrl = (await bare.next<{ type: 'ready'; url: string }>(isMsg('ready'), 60_000)).url;
    const targets = { bare: `${bareUrl}/slack/events`, bot: `${botUrl}/slack/events` };

    // The request the button clicks on: already approved, so each click gets "already decided".
    const repo = new RequestRepository(redis, new Keys(prefix));
    const now = Date.now();
    await repo.create(
      sampleRequest({ id: DECIDED_REQUEST, status: 'approved', approvals: [{ by: 'U0APPROVE2', at: now }] }),
      'U0REQUEST1',
    );

    const responseUrl = `${fakeUrl}/response-url/bench`;
    const make: Record<Endpoint, { bot: () => Signed; bare: () => Signed }> = {
      command: { bot: commandRequest('', responseUrl), bare: commandRequest('', responseUrl) },
      button: {
        bot: buttonRequest(DECIDED_REQUEST, responseUrl),
        bare: buttonRequest(DECIDED_REQUEST, responseUrl),
      },
      options: { bot: optionsRequest('customer', {}), bare: optionsRequest('customer', {}) },
    };
    // Fill the customers cache and let both processes compile their code paths once.
    for (const e of Object.keys(make) as Endpoint[]) {
      for (const t of ['bot', 'bare'] as const) {
        const res = await postTimed(targets[t], make[e][t]());
        if (res.status !== 200)
          throw new Error(`${t} answered ${res.status} to ${e}: ${res.body.slice(0, 200)}`);
      }
    }

    const startAuthTests = (await fakeCalls(fake, 'auth.test')).byMethod['auth.test'] ?? 0;
    rss.start();
    rss.mark('idle');
    await new Promise((r) => setTimeout(r, 2000));

    // ---------------------------------------------------------------- option loads over a big catalog
    // First, before any ack load has grown the heap: RSS here is what the catalog costs.
    rss.mark('options');
    const skuState = formValues({
      customer: SEED.customers.open.id,
      kind: 'software_subscription',
      product: SEED.products.softwareSubscription.productId,
    });
    const skuReq = optionsRequest('sku', skuState);
    const bareSku = optionsRequest('sku', skuState);
    const check = async (
      url: string,
      s: Signed,
    ): Promise<{ ms: number; options: number; bytes: number; first: string }> => {
      const res = await postTimed(url, s);
      if (res.status !== 200)
        throw new Error(`option load answered ${res.status}: ${res.body.slice(0, 200)}`);
      const options = (JSON.parse(res.body) as { options: { text?: { text?: string } }[] }).options;
      return {
        ms: res.ms,
        options: options.length,
        bytes: res.body.length,
        first: options[0]?.text?.text ?? '',
      };
    };
    const cachedN = ctx.quick ? 100 : 500;
    // Cold: nothing cached, neither in Redis nor in the bot's few seconds of in-process memory. The
    // SKU list is cached per country, so each round asks once per seeded customer country after
    // flushing Redis, then waits out the in-process memory before the next round.
    const coldRounds = 1;
    const cold: number[] = [];
    let shape = { options: 0, bytes: 0, first: '' };
    for (let round = 0; round < coldRounds; round++) {
      if (round > 0) await new Promise((r) => setTimeout(r, LOCAL_CACHE_WAIT_MS));
      await deleteKeys(redis, `${prefix}:cache:*`);
      for (const customer of COUNTRY_CUSTOMERS) {
        const r = await check(
          targets.bot,
          optionsRequest(
            'sku',
            formValues({
              customer,
              kind: 'software_subscription',
              product: SEED.products.softwareSubscription.productId,
            }),
          )(),
        );
        cold.push(r.ms);
        shape = { options: r.options, bytes: r.bytes, first: r.first };
      }
    }
    const cachedEntryBytes = await redis.strlen(
      `${prefix}:cache:skus:US:${SEED.products.softwareSubscription.productId}:commercial:-`,
    );
    rss.mark('options-cached');
    const cachedAnswer = await check(targets.bot, skuReq());
    const cachedSeq = await loop(1, cachedN, async () => (await check(targets.bot, skuReq())).ms);
    const cachedC10 = await loop(10, cachedN, async () => (await check(targets.bot, skuReq())).ms);
    rss.mark('options-bare');
    const bareSeq = await loop(1, cachedN, async () => (await check(targets.bare, bareSku())).ms);
    const bareC10 = await loop(10, cachedN, async () => (await check(targets.bare, bareSku())).ms);
    const pcAlone: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = process.hrtime.bigint();
      const res = await fetch(
        `${sim.url}/v1/products/${SEED.products.softwareSubscription.productId}/skus?country=US`,
      );
      await res.arrayBuffer();
      pcAlone.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const options = {
      skus: ctx.skus,
      answer: shape,
      cachedAnswer: { options: cachedAnswer.options, bytes: cachedAnswer.bytes },
      cachedEntryBytes,
      cold: summarize(cold),
      cached: summarize(cachedSeq),
      cachedConcurrency10: summarize(cachedC10),
      bare: summarize(bareSeq),
      bareConcurrency10: summarize(bareC10),
      partnerCenterCallAlone: summarize(pcAlone),
      ratio: {
        cachedP99: ratio(summarize(cachedSeq).p99, summarize(bareSeq).p99),
        cachedC10P99: ratio(summarize(cachedC10).p99, summarize(bareC10).p99),
      },
    };
    ctx.log(
      `  options sku (${ctx.skus} SKUs): cold p50 ${options.cold.p50} p99 ${options.cold.p99} | cached p50 ${options.cached.p50} p99 ${options.cached.p99} | c=10 p99 ${options.cachedConcurrency10.p99} | bare p99 ${options.bare.p99} ms`,
    );
    ctx.save(`options-catalog.${d.name}`, { distance: d, ...options });

    // ---------------------------------------------------------------- ack latency
    const rows: AckRow[] = [];
    for (const endpoint of ['command', 'button', 'options'] as Endpoint[]) {
      for (const t of ['bare', 'bot'] as const) {
        rss.mark(`${t}:load`);
        await cannon(targets[t], 10, 1, make[endpoint][t]);
      }
      // The closed-loop runs the goals are about, and one open loop at a rate Slack could really
      // send a busy team's bot (20 requests a second on one connection), which shows what the ack
      // costs when the work each request leaves behind is not piling up.
      const runs: { connections: number; rate?: number }[] = [
        ...ctx.connections.map((connections) => ({ connections })),
        { connections: 1, rate: 20 },
      ];
      for (const { connections, rate } of runs) {
        const reps: Record<'bare' | 'bot', LoadResult[]> = { bare: [], bot: [] };
        const authTests = { bare: 0, bot: 0 };
        // Repetitions, alternating which goes first, so a noisy moment on a shared machine hits
        // both sides alike; each figure is the median over the repetitions.
        for (let rep = 0; rep < (rate ? 1 : ctx.ackRepetitions); rep++) {
          for (const t of rep % 2 === 0 ? (['bare', 'bot'] as const) : (['bot', 'bare'] as const)) {
            rss.mark(`${t}:load`);
            const before = (await fakeCalls(fake, 'auth.test')).byMethod['auth.test'] ?? 0;
            // The open loop runs longer: at 20 a second it needs the time to gather a tail.
            const seconds = rate ? ctx.durationS * 2 : ctx.durationS;
            reps[t].push(await cannon(targets[t], connections, seconds, make[endpoint][t], 0.5, rate));
            authTests[t] += ((await fakeCalls(fake, 'auth.test')).byMethod['auth.test'] ?? 0) - before;
            rss.mark('between');
            if (t === 'bot') await resetFake(fake);
            // Let the bot finish the work it queued after acking before the next run measures it.
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        const b = medianResult(reps.bare);
        const o = medianResult(reps.bot);
        const row: AckRow = {
          endpoint,
          connections,
          ...(rate ? { rate } : {}),
          bare: b,
          bot: o,
          authTests: {
            bare: authTests.bare,
            bot: authTests.bot,
            botPerRequest: round(authTests.bot / Math.max(1, o.ok + o.non2xx), 4),
          },
          ratio: {
            p50: ratio(o.latency.p50, b.latency.p50),
            p99: ratio(o.latency.p99, b.latency.p99),
            max: ratio(o.latency.max, b.latency.max),
            rps: ratio(o.rps, b.rps),
          },
        };
        rows.push(row);
        ctx.log(
          `  ack ${endpoint.padEnd(7)} c=${String(connections).padEnd(3)}${rate ? ` @${rate}/s` : ''} bare p50 ${b.latency.p50} p99 ${b.latency.p99} (${b.rps}/s) | bot p50 ${o.latency.p50} p99 ${o.latency.p99} max ${o.latency.max} (${o.rps}/s, non2xx ${o.non2xx}, errors ${o.errors}) | p99 ×${row.ratio.p99} | auth.test bot ${authTests.bot} bare ${authTests.bare}`,
        );
      }
    }
    const startupAuthTests = startAuthTests;
    const ackData = {
      distance: d,
      durationS: ctx.durationS,
      repetitions: ctx.ackRepetitions,
      connections: ctx.connections,
      authTestsAtStartup: startupAuthTests,
      rows,
    };

    // ---------------------------------------------------------------- slash command → views.open
    rss.mark('views');
    const viewsRows: {
      concurrency: number;
      bare: Summary;
      bot: Summary;
      ratio: { p50: number; p99: number };
      missing: { bare: number; bot: number };
    }[] = [];
    const n = ctx.quick ? 60 : 150;
    for (const concurrency of [1, 10]) {
      const out: Partial<Record<'bare' | 'bot', { s: Summary; missing: number }>> = {};
      for (const t of ['bare', 'bot'] as const) {
        await resetFake(fake);
        const cmd = commandRequest(t === 'bare' ? 'open' : '', responseUrl);
        const sentAt = new Map<string, number>();
        await loop(concurrency, n, async () => {
          const r = cmd();
          sentAt.set(r.trigger, Date.now());
          const res = await postTimed(targets[t], r);
          if (res.status !== 200) throw new Error(`${t} answered ${res.status} to /purchase`);
          return res.ms;
        });
        await new Promise((r) => setTimeout(r, 1000));
        const { calls } = await fakeCalls(fake, 'views.open');
        const arrived = new Map(calls.filter((c) => c.ok && c.trigger).map((c) => [c.trigger!, c.at]));
        const lat = [...sentAt].flatMap(([trigger, at]) =>
          arrived.has(trigger) ? [arrived.get(trigger)! - at] : [],
        );
        out[t] = { s: summarize(lat), missing: sentAt.size - lat.length };
      }
      const row = {
        concurrency,
        bare: out.bare!.s,
        bot: out.bot!.s,
        ratio: { p50: ratio(out.bot!.s.p50, out.bare!.s.p50), p99: ratio(out.bot!.s.p99, out.bare!.s.p99) },
        missing: { bare: out.bare!.missing, bot: out.bot!.missing },
      };
      viewsRows.push(row);
      ctx.log(
        `  views.open c=${concurrency}: bare p50 ${row.bare.p50} p99 ${row.bare.p99} | bot p50 ${row.bot.p50} p99 ${row.bot.p99} max ${row.bot.max} ms (missing ${row.missing.bot})`,
      );
    }
    ctx.save(`views-open.${d.name}`, {
      distance: d,
      requests: n,
      note: "ms from sending /purchase to views.open arriving at the Slack fake (both clocks are this machine's)",
      rows: viewsRows,
    });

    // ---------------------------------------------------------------- memory
    rss.stop();
    const memory = {
      bot: {
        idleMb: rss.median(bot.pid, 'idle'),
        loadMaxMb: rss.max(bot.pid, (l) => l === 'bot:load'),
        endMb: round(rss.median(bot.pid, 'options')),
        /** The largest sample once the big catalog is cached and loaded from (the cached loads). */
        catalogCachedMaxMb: rss.max(bot.pid, (l) => l === 'options-cached'),
      },
      bare: { idleMb: rss.median(bare.pid, 'idle'), loadMaxMb: rss.max(bare.pid, (l) => l === 'bare:load') },
      note: 'RSS of each process (Linux /proc VmRSS), sampled every 200 ms; "load" = the largest sample while autocannon drove that process.',
    };
    ctx.log(
      `  RSS bot idle ${memory.bot.idleMb} MB, under load ${memory.bot.loadMaxMb} MB | bare idle ${memory.bare.idleMb} MB, under load ${memory.bare.loadMaxMb} MB`,
    );
    ctx.save(`rss.${d.name}`, { distance: d, ...memory });

    // ---------------------------------------------------------------- where the bot's time goes
    // A second bot process under `node --cpu-prof`, driven like the 10-connection ack runs with
    // /purchase and the button: the explanation of an ack goal missed (the profile slows the
    // process, so its own latencies are not reported).
    const profDir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
    const profPort = await freePort();
    const spawnedAt = Date.now();
    const profiled = startChild('bot-profiled', 'src/main.ts', botEnv(profPort), [
      '--cpu-prof',
      `--cpu-prof-dir=${profDir}`,
    ]);
    let profile: ReturnType<typeof summarizeProfile>;
    let optionsProfile: ReturnType<typeof summarizeProfile>;
    try {
      const url = `http://127.0.0.1:${profPort}`;
      await waitHttp(`${url}/healthz`, 60_000, profiled);
      for (const e of ['command', 'button'] as Endpoint[])
        await postTimed(`${url}/slack/events`, make[e].bot());
      await new Promise((r) => setTimeout(r, 500));
      const ackFrom = Date.now() - spawnedAt;
      for (const e of ['command', 'button'] as Endpoint[])
        await cannon(`${url}/slack/events`, 10, ctx.durationS, make[e].bot, 0);
      const ackTo = Date.now() - spawnedAt;
      // Then the cached big-catalog option loads, 10 at a time (the list is already in Redis).
      await check(`${url}/slack/events`, skuReq());
      const optFrom = Date.now() - spawnedAt;
      await loop(10, cachedN, async () => (await check(`${url}/slack/events`, skuReq())).ms);
      const optTo = Date.now() - spawnedAt;
      await new Promise((r) => setTimeout(r, 500));
      await profiled.kill('SIGTERM');
      profile = summarizeProfile(profDir, 12, ackFrom, ackTo);
      optionsProfile = summarizeProfile(profDir, 12, optFrom, optTo);
    } finally {
      await profiled.kill('SIGKILL');
      rmSync(profDir, { recursive: true, force: true });
    }
    if (profile)
      ctx.log(
        `  profile of the bot under /purchase + button load: ${profile.byCaller
          .slice(0, 6)
          .map((a) => `${a.area} ${a.share} %`)
          .join(', ')}`,
      );
    if (optionsProfile) {
      const file = `options-catalog.${d.name}`;
      ctx.save(file, {
        ...options,
        distance: d,
        profile: {
          note: 'node --cpu-prof of a second bot process, the cached sku loads 10 at a time',
          ...optionsProfile,
        },
      });
    }
    ctx.save(`ack-latency.${d.name}`, {
      ...ackData,
      profile: profile
        ? {
            note: 'node --cpu-prof of a second bot process, 10 connections, /purchase then the button',
            ...profile,
          }
        : undefined,
    });
  } finally {
    rss.stop();
    await bot.kill('SIGTERM');
    await bare.kill('SIGTERM');
    await fake.kill('SIGTERM');
    await sim.close();
    await redis.quit();
  }
}
