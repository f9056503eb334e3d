import { Readable } from 'node:stream';
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

/** The CSV bytes of a price-sheet answer: the body itself, or `sheets.csv` (the first CSV) inside a zip. */
export function csvBytes(body: Readable): Readable {
  const out = new Readable({ read() {} });
  let first = true;
  let unzip: Unzip | undefined;
  let picked = false;
  body.on('data', (chunk: Buffer) => {
    if (first) {
      first = false;
      if (chunk.subarray(0, 4).equals(ZIP_MAGIC)) {
        unzip = new Unzip((file) => {
          if (picked || !/\.csv$/i.test(file.name)) return;
          picked = true;
          file.ondata = (err, data, final) => {
            if (err) {
              out.destroy(err);
              return;
            }
            out.push(Buffer.from(data));
            if (final) out.push(null);
          };
          file.start();
        });
        unzip.register(UnzipInflate);
      }
    }
    if (unzip) unzip.push(new Uint8Array(chunk));
    else out.push(chunk);
  });
  body.on('end', () => {
    if (unzip) {
      unzip.push(new Uint8Array(0), true);
      if (!picked) out.destroy(new Error('the price-sheet archive holds no CSV file'));
    } else out.push(null);
  });
  body.on('error', (err) => out.destroy(err));
  return out;
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
  const parser = csv.pipe(
    parse({
      columns: (header: string[]) => header.map((h) => h.trim().replace(/^\uFEFF/, '')),
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }),
  );
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
