/**
 * `npm run bench [-- --quick] [--only web,form,...] [--distance zero|far]`
 *
 * Runs the benchmarks, writes bench/results/<name>.json, prints a summary table and rewrites
 * BENCHMARKS.md. Starts its own redis-server unless REDIS_URL is set. Everything is on loopback and
 * every load loop is bounded in count and in time.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startRedisServer, type RedisServer } from '../harness/redis-server';
import { DISTANCES, type BenchContext, type Distance } from './lib/context';
import { closeAgent } from './lib/load';
import { NOTES } from './lib/notes';
import { ROOT } from './lib/proc';
import { loadResults, markdownTable, summaryRows, writeBenchmarksMd, writeVerdicts } from './lib/report';
import { formBenchmarks } from './sections/form';
import {
  approvalToOrderBenchmark,
  latenessBenchmark,
  pipelineBenchmark,
  registrationBenchmark,
} from './sections/pipeline';
import { priceSheetBenchmark } from './sections/pricesheet';
import { redisFsyncBenchmark } from './sections/redis-fsync';
import { webBenchmarks } from './sections/web';

const SECTIONS = [
  'web',
  'form',
  'pricesheet',
  'order',
  'pipeline',
  'registration',
  'lateness',
  'redis-fsync',
] as const;
/** Sections that measure this machine alone, where Slack and Partner Center are not involved: run once. */
const DISTANCE_FREE: ReadonlySet<Section> = new Set<Section>(['redis-fsync']);
type Section = (typeof SECTIONS)[number];

const HELP = `npm run bench -- [options]
  --quick                 short runs and small sizes (a few minutes)
  --only LIST             sections, comma-separated: ${SECTIONS.join(', ')}
  --distance LIST         zero (all on loopback), far (Slack 120 ms, Partner Center 600 ± 400 ms); both by default
  --duration S            seconds per autocannon run (2; quick 1)
  --repetitions N         autocannon runs per ack cell and side, medians reported (2; quick 1)
  --connections LIST      autocannon connections, closed loop (1,10,100)
  --forms N               modal journeys per distance, each on a fresh bot (6; quick 3)
  --pricesheet-rows N     rows of the price sheet (300000; quick 50000)
  --sequential N          purchases approved one at a time for approval → order (10; quick 4)
  --requests N            purchases through the pipeline (500; quick 100)
  --rate N                simulator rate limit, requests per second (50)
  --latency MS            simulator latency per call in the pipeline run (20)
  --registrations N       reservations waiting for registration (50; quick 10)
  --registration-delay MS how long the simulator takes to register (5000; quick 2000)
  --lateness N            orders whose confirmation lateness is measured (100; quick 30)
  --skus N                extra SKUs in the catalog (50000; quick 5000)
  --no-md                 do not rewrite BENCHMARKS.md
  --report-only           run nothing: print the table and rewrite BENCHMARKS.md from bench/results`;

/** The whole bench may not run longer than this, whatever happens. */
const WATCHDOG_MS = 40 * 60_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      distance: { type: 'string' },
      forms: { type: 'string' },
      'pricesheet-rows': { type: 'string' },
      sequential: { type: 'string' },
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
    writeVerdicts(resultsDir, results);
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
  const distances = (values.distance ?? 'zero,far').split(',').map((name) => {
    const d = DISTANCES[name.trim() as Distance['name']] as Distance | undefined;
    if (!d) throw new Error(`unknown distance ${name}; choose zero or far`);
    return d;
  });
  const complete = values.only === undefined && values.distance === undefined;

  const watchdog = setTimeout(() => {
    process.stderr.write(`bench: still running after ${WATCHDOG_MS / 60_000} minutes; giving up\n`);
    process.exit(3);
  }, WATCHDOG_MS);
  watchdog.unref();

  const cpu = cpus();
  const machine = `${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ${platform()}`;
  mkdirSync(resultsDir, { recursive: true });
  // A complete run replaces every result this runner writes (and those of sections it no longer
  // has), so BENCHMARKS.md never mixes runs; results of sections added elsewhere are left alone.
  if (complete) removeOwnResults(resultsDir);
  let redis: RedisServer | undefined;
  const redisUrl = process.env.REDIS_URL ?? (redis = await startRedisServer()).url;

  const ctx: BenchContext = {
    redisUrl,
    quick,
    durationS: num('duration', values.duration, quick ? 1 : 2, 0.5),
    connections: (values.connections ?? '1,10,100').split(',').map((c) => num('connections', c, 1, 1)),
    ackRepetitions: num('repetitions', values.repetitions, quick ? 1 : 2, 1),
    forms: num('forms', values.forms, quick ? 3 : 6, 1),
    priceSheetRows: num('pricesheet-rows', values['pricesheet-rows'], quick ? 50_000 : 300_000, 1),
    sequential: num('sequential', values.sequential, quick ? 4 : 10, 1),
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
    skus: num('skus', values.skus, quick ? 5000 : 50_000),
    log: (line) => process.stdout.write(`${line}\n`),
    save: (name, data) => {
      const envelope = { name, mode: quick ? 'quick' : 'full', at: new Date().toISOString(), machine, data };
      writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(envelope, null, 2)}\n`);
    },
  };

  process.stdout.write(`bench (${quick ? 'quick' : 'full'}) on ${machine}; redis ${redisUrl}\n`);
  const started = Date.now();
  try {
    const run: Record<Section, (c: BenchContext, d: Distance) => Promise<void>> = {
      web: webBenchmarks,
      form: formBenchmarks,
      pricesheet: priceSheetBenchmark,
      order: approvalToOrderBenchmark,
      pipeline: pipelineBenchmark,
      registration: registrationBenchmark,
      lateness: latenessBenchmark,
      'redis-fsync': redisFsyncBenchmark,
    };
    for (const s of only) {
      for (const d of DISTANCE_FREE.has(s) ? distances.slice(0, 1) : distances) {
        process.stdout.write(`\n${s} (${DISTANCE_FREE.has(s) ? 'no network' : d.name})\n`);
        const t = Date.now();
        await run[s](ctx, d);
        process.stdout.write(`  (${((Date.now() - t) / 1000).toFixed(0)} s)\n`);
      }
    }
  } finally {
    closeAgent();
    await redis?.stop();
  }
  const results = loadResults(resultsDir);
  writeVerdicts(resultsDir, results);
  process.stdout.write(
    `\n${markdownTable(summaryRows(results))}\n\nbench took ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  );
  if (!values['no-md']) writeBenchmarksMd(join(ROOT, 'BENCHMARKS.md'), results, NOTES);
}

/** Result files this runner writes, or wrote before sections were renamed. */
const OWN_RESULT =
  /^(ack-latency|views-open|options-catalog|options-5000|rss|form|pricesheet|approval-to-order|pipeline|registration|confirmation-lateness)(\.(zero|far))?\.json$/;

function removeOwnResults(dir: string): void {
  for (const f of readdirSync(dir)) if (OWN_RESULT.test(f)) rmSync(join(dir, f));
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
