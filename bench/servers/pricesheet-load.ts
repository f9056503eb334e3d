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
import { csvBytes, parsePriceSheet } from '../../src/partner-center/price-sheet';
import { RedisPriceSheets } from '../../src/store/price-sheets';
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
  // When the load began in the process's life: a profile of it leaves out what came before.
  const loadFromMs = process.uptime() * 1000;
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
    rows = await store.replace(sheet, parsePriceSheet(csvBytes(await source(src)), Date.now()), Date.now());
    const loadedMs = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    clearInterval(timer);
    // Lookups as the pricing service makes them: one HMGET for a request's candidates in its
    // currency, for fields picked from the loaded sheet (after the load, so the load is the bot's own).
    const keys = new Keys(process.env.BENCH_PREFIX ?? 'benchsheet');
    const key = keys.cache('pricesheet', 'us:azure_reservations:202611');
    const fields: string[] = [];
    let cursor = '0';
    do {
      const [next, kv] = await redis.hscan(key, cursor, 'COUNT', 1000);
      cursor = next;
      for (let i = 0; i < kv.length; i += 2) if (Math.random() < 0.05) fields.push(kv[i]!);
    } while (cursor !== '0' && fields.length < 5000);
    const times: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const f = fields[i % fields.length]!.split('|');
      const currency = f.pop()!;
      const t = performance.now();
      const hit = await store.lookup(sheet, [f.join('|')], [currency]);
      times.push(performance.now() - t);
      if (!hit) throw new Error(`no price for ${f.join('|')}`);
      // The floor on this machine at this moment: one bare Redis round trip.
      const p = performance.now();
      await redis.ping();
      floor.push(performance.now() - p);
    }
    lookup = summarize(times);
    const pingFloor = summarize(floor);
    await redis.del(key);
    await redis.quit();
    process.send?.({
      type: 'done',
      ms: loadedMs,
      rows,
      rssBeforeMb: mb(rssBefore),
      rssPeakMb: mb(peak),
      lookup,
      pingFloor,
      loadFromMs,
    });
    return;
  }
  const ms = performance.now() - started;
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(timer);
  process.send?.({ type: 'done', ms, rows, rssBeforeMb: mb(rssBefore), rssPeakMb: mb(peak), loadFromMs });
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
