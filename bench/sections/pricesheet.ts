/**
 * A market's price sheet at real size (300,000 rows): the bot's streamed parse and load into Redis
 * next to the best bare alternative, a csv-parse stream over the same bytes with the same options
 * and nothing else done per record; the extra RSS of the bot's load; and lookups once loaded. Each
 * load runs in a process of its own (bench/servers/pricesheet-load.ts), bot and bare alternating.
 * At zero distance both read the same file (the sheet downloaded once from the simulator); at
 * distance both stream it from the simulator with Partner Center's latency.
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startSimulator } from '../../fakes/partner-center';
import { priceSheetPath } from '../../fakes/partner-center/testkit';
import { simLatency, type BenchContext, type Distance } from '../lib/context';
import { startChild } from '../lib/proc';
import { summarizeProfile } from '../lib/profile';
import { ratio, round, type Summary } from '../lib/stats';

interface Done {
  type: 'done';
  ms: number;
  rows: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  lookup?: Summary;
  pingFloor?: Summary;
  loadFromMs: number;
}

const isDone = (m: unknown): m is Done =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'done';

async function once(
  mode: 'bot' | 'bare',
  src: string,
  redisUrl: string,
  nodeArgs: string[] = [],
): Promise<Done> {
  const child = startChild(
    `pricesheet-${mode}`,
    'bench/servers/pricesheet-load.ts',
    {
      BENCH_MODE: mode,
      BENCH_SOURCE: src,
      REDIS_URL: redisUrl,
      BENCH_PREFIX: `benchsheet${Date.now().toString(36)}`,
    },
    nodeArgs,
  );
  try {
    const done = await Promise.race([
      child.next(isDone, 300_000),
      child.exited.then(() => {
        throw new Error(`${child.name} exited: ${child.output()}`);
      }),
    ]);
    // It exits on its own once it has reported (a profile is written at exit).
    await Promise.race([child.exited, new Promise((r) => setTimeout(r, 10_000))]);
    return done;
  } finally {
    await child.kill('SIGTERM');
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

export async function priceSheetBenchmark(ctx: BenchContext, d: Distance): Promise<void> {
  const sim = await startSimulator({
    port: 0,
    openAuth: true,
    pricesheetRows: ctx.priceSheetRows,
    ...simLatency(d),
  });
  const url = `${sim.pricingUrl}${priceSheetPath('US', 'azure_reservations')}`;
  const file = join(tmpdir(), `bench-pricesheet-${process.pid}.csv`);
  try {
    let src = url;
    let bytes = 0;
    if (d.pcMs === 0) {
      // The CSV itself: fetch would ask for deflate, and the simulator would answer with the zip.
      const res = await fetch(url, { headers: { accept: 'text/csv', 'accept-encoding': 'identity' } });
      if (res.status !== 200 || !res.body) throw new Error(`price sheet answered ${res.status}`);
      await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file));
      bytes = statSync(file).size;
      src = file;
    }
    const reps = ctx.quick ? 1 : 2;
    const bot: Done[] = [];
    const bare: Done[] = [];
    for (let i = 0; i < reps; i++) {
      for (const mode of i % 2 === 0 ? (['bare', 'bot'] as const) : (['bot', 'bare'] as const)) {
        const r = await once(mode, src, ctx.redisUrl);
        (mode === 'bot' ? bot : bare).push(r);
        ctx.log(
          `  price sheet ${mode} (${d.name}): ${r.rows} rows in ${round(r.ms)} ms, RSS ${r.rssBeforeMb} → ${r.rssPeakMb} MB${r.lookup ? `, lookup p99 ${r.lookup.p99} ms` : ''}`,
        );
      }
    }
    // Where the bot's load spends its time: one more load under `node --cpu-prof` (not counted).
    let profile: ReturnType<typeof summarizeProfile>;
    if (d.pcMs === 0) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
      try {
        const r = await once('bot', src, ctx.redisUrl, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
        profile = summarizeProfile(dir, 12, r.loadFromMs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const botMs = median(bot.map((r) => r.ms));
    const bareMs = median(bare.map((r) => r.ms));
    const extra = (r: Done): number => round(r.rssPeakMb - r.rssBeforeMb, 1);
    const lookups = bot.map((r) => r.lookup!).filter(Boolean);
    const result = {
      distance: d,
      source: d.pcMs === 0 ? 'file (downloaded once from the simulator)' : 'the simulator over HTTP',
      sheetRows: ctx.priceSheetRows,
      bytes,
      rowsLoaded: bot[0]?.rows,
      rowsParsedBare: bare[0]?.rows,
      repetitions: reps,
      botMs: round(botMs),
      bareMs: round(bareMs),
      ratio: ratio(botMs, bareMs),
      botExtraRssMb: median(bot.map(extra)),
      bareExtraRssMb: median(bare.map(extra)),
      lookup: lookups.length
        ? lookups.sort((a, b) => a.p99 - b.p99)[Math.floor(lookups.length / 2)]
        : undefined,
      redisPingFloor: bot.map((r) => r.pingFloor).find(Boolean),
      profile: profile
        ? { note: 'node --cpu-prof of one more bot load (not counted)', ...profile }
        : undefined,
      runs: { bot, bare },
    };
    ctx.log(
      `  price sheet (${d.name}): bot ${result.botMs} ms vs bare csv-parse ${result.bareMs} ms (×${result.ratio}); extra RSS bot ${result.botExtraRssMb} MB (bare ${result.bareExtraRssMb} MB); lookup p99 ${result.lookup?.p99} ms`,
    );
    ctx.save(`pricesheet.${d.name}`, result);
  } finally {
    await rm(file, { force: true });
    await sim.close();
  }
}
