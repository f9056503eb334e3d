/**
 * One price-sheet load in a process of its own, so its RSS is its own. `BENCH_MODE`:
 *   bot   the bot's path: `csvBytes` → `parsePriceSheet` (src/partner-center/price-sheet.ts) →
 *         `RedisPriceSheets.replace` (src/store/price-sheets.ts), then lookups through `lookup`;
 *   bare  the best bare alternative: the same bytes through a csv-parse stream with the same parse
 *         options, each record counted and dropped (no extra work).
 * `BENCH_SOURCE` is a file path or an http URL (the simulator). Reports over IPC:
 * `{ ms, rows, rssBeforeMb, rssPeakMb, lookup? }`.
 */
import { createReadStream } from 'node:fs';
import { type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { csvBytes, parsePriceSheet, type PriceRow } from '../../src/partner-center/price-sheet';
import { priceField, RedisPriceSheets } from '../../src/store/price-sheets';
import { Keys } from '../../src/store/redis';
import { summarize } from '../lib/stats';

const mb = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;

async function source(src: string): Promise<Readable> {
  if (!src.startsWith('http')) return createReadStream(src, { highWaterMark: 64 * 1024 });
  const res = await request(src, {
    method: 'GET',
    headers: { accept: 'text/csv', 'accept-encoding': 'identity' },
  });
  if (res.statusCode !== 200) throw new Error(`price sheet answered ${res.statusCode}`);
  return res.body;
}

async function main(): Promise<void> {
  const mode = process.env.BENCH_MODE;
  const src = process.env.BENCH_SOURCE ?? '';
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const started = performance.now();
  let rows = 0;
  let lookup: ReturnType<typeof summarize> | undefined;
  let redis: Redis | undefined;
  if (mode === 'bare') {
    const parser = (await source(src)).pipe(
      parse({
        columns: (header: string[]) => header.map((h) => h.trim().replace(/^\uFEFF/, '')),
        bom: true,
        relax_column_count: true,
        skip_empty_lines: true,
      }),
    );
    parser.on('data', () => {
      rows++;
    });
    await new Promise<void>((resolve, reject) => {
      parser.on('end', resolve);
      parser.on('error', reject);
    });
  } else {
    redis = new Redis(process.env.REDIS_URL ?? '', { maxRetriesPerRequest: 3 });
    const store = new RedisPriceSheets(redis, new Keys(process.env.BENCH_PREFIX ?? 'benchsheet'));
    const sheet = { market: 'US', view: 'azure_reservations', month: '202611' };
    const sample: PriceRow[] = [];
    const rowsIn = parsePriceSheet(csvBytes(await source(src)), Date.now());
    async function* keep(): AsyncGenerator<PriceRow> {
      for await (const r of rowsIn) {
        if (sample.length < 5000 && Math.random() < 0.05) sample.push(r);
        yield r;
      }
    }
    rows = await store.replace(sheet, keep(), Date.now());
    const loadedMs = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    clearInterval(timer);
    // Lookups as the pricing service makes them: one HMGET for a request's candidates and currencies.
    const times: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const r = sample[i % sample.length]!;
      const t = performance.now();
      const hit = await store.lookup(sheet, [priceField(r)], [r.currency, 'USD']);
      times.push(performance.now() - t);
      if (!hit) throw new Error(`no price for ${priceField(r)}`);
    }
    lookup = summarize(times);
    const keys = new Keys(process.env.BENCH_PREFIX ?? 'benchsheet');
    await redis.del(keys.cache('pricesheet', 'us:azure_reservations:202611'));
    await redis.quit();
    process.send?.({
      type: 'done',
      ms: loadedMs,
      rows,
      rssBeforeMb: mb(rssBefore),
      rssPeakMb: mb(peak),
      lookup,
    });
    return;
  }
  const ms = performance.now() - started;
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(timer);
  process.send?.({ type: 'done', ms, rows, rssBeforeMb: mb(rssBefore), rssPeakMb: mb(peak) });
}

main().then(
  () => setTimeout(() => process.exit(0), 100),
  (err: unknown) => {
    process.stderr.write(
      `price sheet load failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
