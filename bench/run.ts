/**
 * `npm run bench [-- --quick] [--only web,pipeline,registration,lateness]`
 *
 * Runs the benchmarks, writes bench/results/<name>.json, prints a summary table and rewrites
 * BENCHMARKS.md. Starts its own redis-server unless REDIS_URL is set. Everything is on loopback and
 * every load loop is bounded in count and in time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startRedisServer, type RedisServer } from '../harness/redis-server';
import type { BenchContext } from './lib/context';
import { closeAgent } from './lib/load';
import { NOTES } from './lib/notes';
import { ROOT } from './lib/proc';
import { loadResults, markdownTable, summaryRows, writeBenchmarksMd } from './lib/report';
import { latenessBenchmark, pipelineBenchmark, registrationBenchmark } from './sections/pipeline';
import { redisFsyncBenchmark } from './sections/redis-fsync';
import { webBenchmarks } from './sections/web';

const SECTIONS = ['web', 'pipeline', 'registration', 'lateness', 'redis-fsync'] as const;
type Section = (typeof SECTIONS)[number];

const HELP = `npm run bench -- [options]
  --quick                 short runs and small sizes (about 2 minutes)
  --only LIST             sections, comma-separated: ${SECTIONS.join(', ')}
  --duration S            seconds per autocannon run (2.5; quick 1.5)
  --repetitions N         autocannon runs per ack cell and side, medians reported (3; quick 1)
  --connections LIST      autocannon connections, closed loop (1,10,100)
  --ack-rate N            requests per second of the open-loop ack run on 10 connections (100)
  --requests N            purchases through the pipeline (500; quick 100)
  --rate N                simulator rate limit, requests per second (50)
  --latency MS            simulator latency per call in the pipeline run (20)
  --registrations N       reservations waiting for registration (50; quick 10)
  --registration-delay MS how long the simulator takes to register (5000; quick 2000)
  --lateness N            orders whose confirmation lateness is measured (100; quick 30)
  --skus N                extra SKUs in the catalog (5000)
  --no-md                 do not rewrite BENCHMARKS.md
  --report-only           run nothing: print the table and rewrite BENCHMARKS.md from bench/results`;

/** The whole bench may not run longer than this, whatever happens. */
const WATCHDOG_MS = 25 * 60_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      'ack-rate': { type: 'string' },
      repetitions: { type: 'string' },
      requests: { type: 'string' },
      rate: { type: 'string' },
      latency: { type: 'string' },
      registrations: { type: 'string' },
      'registration-delay': { type: 'string' },
      lateness: { type: 'string' },
      skus: { type: 'string' },
      'no-md': { type: 'boolean', default: false },
      'report-only': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const resultsDir = join(ROOT, 'bench/results');
  if (values['report-only']) {
    const results = loadResults(resultsDir);
    process.stdout.write(`${markdownTable(summaryRows(results))}\n`);
    writeBenchmarksMd(join(ROOT, 'BENCHMARKS.md'), results, NOTES);
    return;
  }
  const quick = values.quick ?? false;
  const num = (name: string, v: string | undefined, def: number, min = 0): number => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
    return n;
  };
  const only = (values.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim()) as Section[];
  for (const s of only)
    if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}; choose from ${SECTIONS.join(', ')}`);

  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running after ${WATCHDOG_MS / 60_000} minutes; giving up\n`);
    process.exit(3);
  }, WATCHDOG_MS);
  watchdog.unref();

  const cpu = cpus();
  const machine = `${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ${platform()}`;
  mkdirSync(resultsDir, { recursive: true });
  let redis: RedisServer | undefined;
  const redisUrl = process.env.REDIS_URL ?? (redis = await startRedisServer()).url;

  const ctx: BenchContext = {
    redisUrl,
    quick,
    durationS: num('duration', values.duration, quick ? 1.5 : 2.5, 0.5),
    connections: (values.connections ?? '1,10,100').split(',').map((c) => num('connections', c, 1, 1)),
    ackRate: num('ack-rate', values['ack-rate'], 100, 1),
    ackRepetitions: num('repetitions', values.repetitions, quick ? 1 : 3, 1),
    pipeline: {
      requests: num('requests', values.requests, quick ? 100 : 500, 1),
      ratePerSec: num('rate', values.rate, 50, 1),
      latencyMs: num('latency', values.latency, 20),
    },
    registrations: {
      requests: num('registrations', values.registrations, quick ? 10 : 50, 1),
      delayMs: num('registration-delay', values['registration-delay'], quick ? 2000 : 5000, 500),
    },
    lateness: {
      requests: num('lateness', values.lateness, quick ? 30 : 100, 1),
      delayMs: quick ? 1000 : 2000,
    },
    skus: num('skus', values.skus, 5000),
    log: (line) => process.stdout.write(`${line}\n`),
    save: (name, data) => {
      const envelope = { name, mode: quick ? 'quick' : 'full', at: new Date().toISOString(), machine, data };
      writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(envelope, null, 2)}\n`);
    },
  };

  process.stdout.write(`bench (${quick ? 'quick' : 'full'}) on ${machine}; redis ${redisUrl}\n`);
  const started = Date.now();
  try {
    const run: Record<Section, (c: BenchContext) => Promise<void>> = {
      web: webBenchmarks,
      pipeline: pipelineBenchmark,
      registration: registrationBenchmark,
      lateness: latenessBenchmark,
      'redis-fsync': redisFsyncBenchmark,
    };
    for (const s of only) {
      process.stdout.write(`\n${s}\n`);
      const t = Date.now();
      await run[s](ctx);
      process.stdout.write(`  (${((Date.now() - t) / 1000).toFixed(0)} s)\n`);
    }
  } finally {
    closeAgent();
    await redis?.stop();
  }
  const results = loadResults(resultsDir);
  process.stdout.write(
    `\n${markdownTable(summaryRows(results))}\n\nbench took ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  if (!values['no-md']) writeBenchmarksMd(join(ROOT, 'BENCHMARKS.md'), results, NOTES);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
