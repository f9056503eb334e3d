import { pipeline, Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { Unzip, UnzipInflate } from 'fflate';
import type { PriceRow } from '../purchases/model';

export type { PriceRow };

/**
 * Microsoft's price sheets ("Get a price sheet", pricing API): a CSV file, or a zip archive holding
 * it (`sheets.csv`) when asked with `Accept-Encoding: deflate`. Columns (documented):
 *   license-based and software: ProductTitle, ProductId, SkuId, SkuTitle, Publisher, SkuDescription,
 *     UnitOfMeasure, TermDuration, BillingPlan, Market, Currency, UnitPrice, PricingTierRangeMin,
 *     PricingTierRangeMax, EffectiveStartDate, EffectiveEndDate, Tags, ERP Price (software adds Segment)
 *   Azure plan reservations: the same without BillingPlan, plus MeterIds, MeterType, Tags.
 * "Reservations meter prices include the CSP partner discounts"; UnitPrice is the partner's price
 * (ERP Price is the estimated retail price). Parsed as a stream: a market's sheet has hundreds of
 * thousands of rows.
 */

export type PriceSheetView = 'azure_reservations' | 'software' | 'updatedlicensebased';

export function normalizeTerm(term: string | undefined): string {
  const t = (term ?? '').trim().toUpperCase();
  if (!t || t === 'ONETIME' || t === 'ONE_TIME' || t === 'PERPETUAL') return 'ONETIME';
  return t;
}

/** Billing cycles as the sheets spell billing plans ('' for paid-once items, which have none). */
export function normalizePlan(plan: string | undefined): string {
  const p = (plan ?? '').replace(/[\s_-]/g, '').toUpperCase();
  return p === 'ONETIME' || p === 'NONE' ? '' : p;
}

/** The sheets' segments: Commercial, Education, Charity (nonprofit). */
export function normalizeSegment(segment: string | undefined): string {
  const s = (segment ?? '').trim().toUpperCase();
  return s === 'NONPROFIT' ? 'CHARITY' : s;
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/**
 * The CSV bytes of a price-sheet answer: the body itself, or `sheets.csv` (the first CSV) inside a zip.
 * Pulled, not pushed: the body is read one chunk at a time as the parser asks for more, so a slow
 * consumer (a load waiting on Redis) holds the download back instead of buffering the whole sheet.
 */
export function csvBytes(body: Readable): Readable {
  return Readable.from(csvChunks(body), { objectMode: false });
}

async function* csvChunks(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let first = true;
  let unzip: Unzip | undefined;
  let picked = false;
  let ended = false;
  let failed: Error | undefined;
  // What one compressed chunk inflated to (fflate calls back synchronously within `push`).
  let inflated: Buffer[] = [];
  const drain = function* (): Generator<Buffer> {
    const out = inflated;
    inflated = [];
    yield* out;
    if (failed) throw failed;
  };
  for await (const chunk of body) {
    if (first) {
      first = false;
      if (chunk.subarray(0, 4).equals(ZIP_MAGIC)) {
        unzip = new Unzip((file) => {
          if (picked || !/\.csv$/i.test(file.name)) return;
          picked = true;
          file.ondata = (err, data, final) => {
            if (err) failed = err;
            else if (data.length > 0) inflated.push(Buffer.from(data));
            if (final) ended = true;
          };
          file.start();
        });
        unzip.register(UnzipInflate);
      }
    }
    if (!unzip) {
      yield chunk;
      continue;
    }
    unzip.push(new Uint8Array(chunk));
    yield* drain();
    if (ended) return;
  }
  if (!unzip) return;
  unzip.push(new Uint8Array(0), true);
  yield* drain();
  if (!picked) throw new Error('the price-sheet archive holds no CSV file');
  if (!ended) throw new Error('the price-sheet archive ends inside its CSV file');
}

function field(row: Record<string, string>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = row[n];
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * The rows in force at `at` (EffectiveStartDate ≤ at < EffectiveEndDate, when given) for the first
 * pricing tier, one per product, SKU, term, plan, segment and currency.
 */
export async function* parsePriceSheet(csv: Readable, at: number): AsyncGenerator<PriceRow> {
  // pipeline, not pipe: an error in the download reaches the loop below, and a loop that stops
  // early stops the download.
  const parser = parse({
    columns: (header: string[]) => header.map((h) => h.trim().replace(/^\uFEFF/, '')),
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
  });
  pipeline(csv, parser, () => undefined);
  for await (const record of parser as AsyncIterable<Record<string, string>>) {
    const unit = Number(field(record, 'UnitPrice', 'Unit Price'));
    const productId = field(record, 'ProductId', 'ProductID')?.trim();
    const skuId = field(record, 'SkuId', 'SkuID')?.trim();
    if (!productId || !skuId || !Number.isFinite(unit)) continue;
    const tierMin = Number(field(record, 'PricingTierRangeMin') || 0);
    if (Number.isFinite(tierMin) && tierMin > 0) continue;
    const start = Date.parse(field(record, 'EffectiveStartDate') ?? '');
    const end = Date.parse(field(record, 'EffectiveEndDate') ?? '');
    if (Number.isFinite(start) && start > at) continue;
    if (Number.isFinite(end) && end <= at) continue;
    yield {
      productId: productId.toUpperCase(),
      skuId: skuId.toUpperCase(),
      term: normalizeTerm(field(record, 'TermDuration')),
      plan: normalizePlan(field(record, 'BillingPlan')),
      segment: normalizeSegment(field(record, 'Segment')),
      currency: (field(record, 'Currency') ?? '').trim().toUpperCase(),
      unitPrice: unit,
    };
  }
}
