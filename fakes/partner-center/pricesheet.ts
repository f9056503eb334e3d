/**
 * The pricing API's price sheet (D get-a-price-sheet.md), served on the simulator's own port:
 *
 *   GET /v1.0/sales/pricesheets(Market='{market}',PricesheetView='{view}')/$value[?timeline=&month=]
 *
 * App+User tokens for `https://api.partner.microsoft.com` only (checked by the pipeline). The body is a
 * CSV file stream (`Content-Disposition: attachment; filename=sheets.csv`), or, with
 * `Accept-Encoding: deflate`, a zip archive holding `sheets.csv` ("a zip compressed version of the .csv").
 * Rows are generated while they are sent, so a sheet of 300 000 rows never sits in memory. Every amount
 * comes from prices.ts, the table carts, orders and invoices are priced from.
 */
import { once } from 'node:events';
import { createDeflateRaw, crc32 } from 'node:zlib';
import type { Catalog } from './catalog';
import { encodeId, generatedSku, GENERATED_SKUS_PER_PRODUCT } from './generated';
import { ApiError, queryParam, type SimResponse } from './http';
import type { AvailabilityScope, ProductDef, SkuDef, TermDef } from './model';
import { erpPrice, quote, USD, type Quote } from './prices';

export const PRICE_SHEET_VIEWS = [
  'azure_consumption',
  'azure_reservations',
  'updatedlicensebased',
  'marketplace',
  'software',
] as const;
export type PriceSheetView = (typeof PRICE_SHEET_VIEWS)[number];

/** Documented column lists (get-a-price-sheet.md response example; software-pricing.md; azure-plan-price-list.md). */
export const PRICE_SHEET_COLUMNS: Record<PriceSheetView, readonly string[]> = {
  updatedlicensebased: [
    'ProductTitle',
    'ProductId',
    'SkuId',
    'SkuTitle',
    'Publisher',
    'SkuDescription',
    'UnitOfMeasure',
    'TermDuration',
    'BillingPlan',
    'Market',
    'Currency',
    'UnitPrice',
    'PricingTierRangeMin',
    'PricingTierRangeMax',
    'EffectiveStartDate',
    'EffectiveEndDate',
    'Tags',
    'ERP Price',
  ],
  marketplace: [
    'ProductTitle',
    'ProductId',
    'SkuId',
    'SkuTitle',
    'Publisher',
    'SkuDescription',
    'UnitOfMeasure',
    'TermDuration',
    'BillingPlan',
    'Market',
    'Currency',
    'UnitPrice',
    'PricingTierRangeMin',
    'PricingTierRangeMax',
    'EffectiveStartDate',
    'EffectiveEndDate',
    'Tags',
    'ERP Price',
  ],
  software: [
    'ProductTitle',
    'ProductId',
    'SkuId',
    'SkuTitle',
    'Publisher',
    'SkuDescription',
    'UnitOfMeasure',
    'TermDuration',
    'BillingPlan',
    'Market',
    'Currency',
    'UnitPrice',
    'PricingTierRangeMin',
    'PricingTierRangeMax',
    'EffectiveStartDate',
    'EffectiveEndDate',
    'Tags',
    'ERP Price',
    'Segment',
  ],
  azure_reservations: [
    'ProductTitle',
    'ProductId',
    'SkuId',
    'SkuTitle',
    'Publisher',
    'SkuDescription',
    'UnitOfMeasure',
    'TermDuration',
    'Market',
    'Currency',
    'UnitPrice',
    'PricingTierRangeMin',
    'PricingTierRangeMax',
    'EffectiveStartDate',
    'EffectiveEndDate',
    'MeterIds',
    'MeterType',
    'Tags',
  ],
  azure_consumption: [
    'ProductTitle',
    'ProductId',
    'SkuId',
    'SkuTitle',
    'Publisher',
    'SkuDescription',
    'UnitOfMeasure',
    'TermDuration',
    'Market',
    'Currency',
    'UnitPrice',
    'PricingTierRangeMin',
    'PricingTierRangeMax',
    'EffectiveStartDate',
    'EffectiveEndDate',
    'MeterIds',
    'MeterType',
    'Tags',
  ],
};

const PATH =
  /^\/v1\.0\/sales\/pricesheets\(\s*market\s*=\s*'([^']*)'\s*,\s*pricesheetview\s*=\s*'([^']*)'\s*\)\/\$value\/?$/i;

/** `{market, view}` when the path is the price sheet's (quotes and parentheses may come percent-encoded). */
export function matchPriceSheetPath(pathname: string): { market: string; view: string } | undefined {
  let decoded = pathname;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const m = PATH.exec(decoded);
  if (!m) return undefined;
  return { market: m[1] ?? '', view: m[2] ?? '' };
}

export function isPricingPath(pathname: string): boolean {
  return /^\/v1\.0\//i.test(pathname);
}

export interface PriceSheetContext {
  catalog: Catalog;
  now: number;
  /** Pad each sheet to at least this many rows. */
  minRows: number;
  /** Generated reservation SKUs the catalog holds: padding continues after them. */
  reservationSkus: number;
}

interface Period {
  start: Date;
  end: Date | undefined;
}

type Row = (string | number)[];

function csvLine(cells: readonly (string | number)[]): string {
  return `${cells.map((c) => `"${String(c).replace(/"/g, '""')}"`).join(',')}\r\n`;
}

/** `2021-10-01T00:00:00.0000000Z` (software-pricing.md). */
function isoSheetDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '.0000000Z');
}

/** `2/1/2019 12:00:00 AM` (the license-based response example). */
function usSheetDate(d: Date): string {
  const h = d.getUTCHours();
  const hour12 = h % 12 === 0 ? 12 : h % 12;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${hour12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

const OPEN_END_ISO = '9999-12-31T23:59:59.0000000Z';
const OPEN_END_US = '12/31/9999 11:59:59 PM';

function monthStart(year: number, month0: number): Date {
  return new Date(Date.UTC(year, month0, 1));
}

function parseRequest(
  url: URL,
  view: PriceSheetView,
  now: number,
): { period: Period; timeline: string; month?: number } {
  const timeline = (queryParam(url, 'timeline') ?? 'current').toLowerCase();
  const today = new Date(now);
  const thisMonth = monthStart(today.getUTCFullYear(), today.getUTCMonth());
  if (timeline === 'current') return { period: { start: thisMonth, end: undefined }, timeline };
  if (timeline === 'future') {
    if (view === 'marketplace')
      throw new ApiError(400, 800002, 'Future pricing is not supported for Marketplace.');
    // No price change is planned in this world: "there will be no future price list returned".
    if (view === 'updatedlicensebased') throw new ApiError(404, 800002, 'No future price list.');
    return {
      period: { start: monthStart(today.getUTCFullYear(), today.getUTCMonth() + 1), end: undefined },
      timeline,
    };
  }
  if (timeline !== 'history') {
    throw new ApiError(400, 800002, `Timeline '${timeline}' is not one of history, current, future.`);
  }
  const month = queryParam(url, 'month') ?? '';
  const m = /^(\d{4})(\d{2})$/.exec(month);
  const year = Number(m?.[1]);
  const month0 = Number(m?.[2]) - 1;
  if (!m || month0 < 0 || month0 > 11) {
    throw new ApiError(400, 800002, 'month is required with timeline=history and must be YYYYMM.');
  }
  const start = monthStart(year, month0);
  if (start.getTime() >= thisMonth.getTime()) {
    throw new ApiError(400, 800002, `${month} is not a past month: use timeline=current.`);
  }
  // "partners will be able to view software price list history via API, starting with March 2022".
  if (view === 'software' && start.getTime() < monthStart(2022, 2).getTime()) {
    throw new ApiError(404, 800002, `No software price list history for ${month}: it starts with 202203.`);
  }
  return {
    period: { start, end: new Date(monthStart(year, month0 + 1).getTime() - 1000) },
    timeline,
    month: year * 100 + month0 + 1,
  };
}

function dates(period: Period, style: 'iso' | 'us'): [string, string] {
  if (style === 'us') {
    return [usSheetDate(period.start), period.end ? usSheetDate(period.end) : OPEN_END_US];
  }
  return [isoSheetDate(period.start), period.end ? isoSheetDate(period.end) : OPEN_END_ISO];
}

function meterId(productId: string, skuId: string, term: string): string {
  const h = crc32(`${productId}:${skuId}:${term}`).toString(16).padStart(8, '0');
  const h2 = crc32(`${term}:${skuId}:${productId}`).toString(16).padStart(8, '0');
  return `${h}-${h2.slice(0, 4)}-4${h2.slice(4, 7)}-a${h.slice(0, 3)}-${h}${h2.slice(0, 4)}`;
}

function reservationRow(
  product: ProductDef,
  sku: SkuDef,
  term: TermDef,
  market: string,
  q: Quote,
  when: [string, string],
): Row {
  return [
    product.title,
    product.id,
    sku.id,
    sku.title,
    'Microsoft',
    sku.description,
    '1 Hour',
    term.duration,
    market,
    q.currency.code,
    q.termPrice,
    '',
    '',
    when[0],
    when[1],
    meterId(product.id, sku.id, term.duration),
    '1 Compute Hour',
    'Reservation',
  ];
}

const SEGMENT_LABEL: Record<string, string> = {
  commercial: 'Commercial',
  education: 'Education',
  government: 'Government',
  nonprofit: 'Charity',
};

/** The sheet's rows: the catalog's, then padding up to `minRows`. */
function* rows(ctx: PriceSheetContext, view: PriceSheetView, market: string, period: Period): Generator<Row> {
  const catalog = ctx.catalog;
  let count = 0;
  const isoDates = dates(period, 'iso');
  const usDates = dates(period, 'us');
  const where = (segment: string, scope: AvailabilityScope = 'default') => ({
    country: market,
    segment,
    scope,
  });

  for (const product of catalog.products) {
    if (!catalog.isOpen(product.kind, market)) continue;
    if (view === 'azure_reservations' && product.kind === 'reservation') {
      // Only reservations for Azure plans: "The pricing API is specific to Azure plan pricing" (MS-AZR-0145P
      // reservations are priced on the Pricing and offers page, not here).
      for (const sku of catalog.skusOf(product)) {
        if (!catalog.scopesOf(product, sku).includes('azureplan')) continue;
        const segment = catalog.segmentsOf(sku)[0] ?? 'commercial';
        for (const term of sku.terms) {
          const q = quote(product, sku, term, 'one_time', where(segment, 'azureplan'));
          count++;
          yield reservationRow(product, sku, term, market, q, isoDates);
        }
      }
    } else if (
      view === 'software' &&
      (product.kind === 'softwareSubscription' || product.kind === 'perpetual')
    ) {
      for (const sku of catalog.skusOf(product)) {
        for (const segment of catalog.segmentsOf(sku)) {
          const terms: (TermDef | undefined)[] = sku.terms.length > 0 ? sku.terms : [undefined];
          for (const term of terms) {
            const q = quote(product, sku, term, 'one_time', where(segment));
            count++;
            yield [
              product.title,
              product.id,
              sku.id,
              sku.title,
              product.publisherName,
              sku.description,
              '',
              term ? term.duration : 'OneTime',
              '',
              market,
              q.currency.code,
              q.unitPrice,
              '',
              '',
              isoDates[0],
              isoDates[1],
              product.kind === 'perpetual' ? 'Software;Perpetual' : 'Software;Subscription',
              erpPrice(q.unitPrice, q.currency),
              SEGMENT_LABEL[segment] ?? segment,
            ];
          }
        }
      }
    } else if (
      (view === 'updatedlicensebased' && product.kind === 'onlineServices') ||
      (view === 'marketplace' && product.kind === 'saas')
    ) {
      for (const sku of catalog.skusOf(product)) {
        // No Segment column: the first segment's price (commercial; government in the US Government cloud).
        const segment = catalog.segmentsOf(sku)[0] ?? 'commercial';
        for (const term of sku.terms) {
          const plans: [string, string][] =
            term.duration === 'P1M' ? [['monthly', 'Monthly']] : [['annual', 'Annual']];
          if (term.duration === 'P1Y' && sku.supportedBillingCycles.includes('monthly'))
            plans.push(['monthly', 'Monthly']);
          for (const [cycle, label] of plans) {
            const q = quote(product, sku, term, cycle, where(segment));
            count++;
            yield [
              product.title,
              product.id,
              sku.id,
              sku.title,
              product.publisherName,
              sku.description,
              '',
              term.duration,
              label,
              market,
              q.currency.code,
              q.unitPrice,
              '',
              '',
              usDates[0],
              usDates[1],
              view === 'marketplace' ? 'Marketplace' : 'License',
              erpPrice(q.unitPrice, q.currency),
            ];
          }
        }
      }
    }
  }

  if (view === 'azure_consumption') {
    for (let i = 0; i < 24; i++) {
      count++;
      yield consumptionRow(i, market, isoDates);
    }
  }

  // Padding: more of the same kind of rows, none of them a catalog item the simulator sells (reservations:
  // the generated VM sizes × regions after those the catalog holds).
  for (let i = 0; count < ctx.minRows; i++) {
    count++;
    yield paddingRow(view, ctx.reservationSkus + i, market, isoDates, usDates);
  }
}

function consumptionRow(i: number, market: string, when: [string, string]): Row {
  const sku = generatedSku(i * 7);
  const arm = String(sku.dynamicAttributes.armSkuName);
  const price = Number((Number(sku.dynamicAttributes.cores) * 0.048).toFixed(4));
  return [
    'Virtual Machines Dv5 Series',
    'DZH318Z0BQPS',
    encodeId(i, 4),
    arm.replace(/^Standard_/, ''),
    'Microsoft',
    `${arm} ${String(sku.dynamicAttributes.region)}`,
    '1 Hour',
    '',
    market,
    'USD',
    price,
    '',
    '',
    when[0],
    when[1],
    meterId('DZH318Z0BQPS', encodeId(i, 4), 'consumption'),
    '1 Compute Hour',
    'Azure;Consumption',
  ];
}

function paddingRow(
  view: PriceSheetView,
  n: number,
  market: string,
  iso: [string, string],
  us: [string, string],
): Row {
  if (view === 'azure_reservations' || view === 'azure_consumption') {
    const sku = generatedSku(n);
    const productId = `DZH318ZG${encodeId(Math.floor(n / GENERATED_SKUS_PER_PRODUCT), 4)}`;
    const term = sku.terms[n % 2] ?? sku.terms[0];
    const price = view === 'azure_consumption' ? 0.05 : (term?.listPriceUsd ?? 0);
    return [
      `Virtual Machines Series ${Math.floor(n / GENERATED_SKUS_PER_PRODUCT)}`,
      productId,
      sku.id,
      sku.title,
      'Microsoft',
      sku.description,
      '1 Hour',
      view === 'azure_consumption' ? '' : (term?.duration ?? 'P1Y'),
      market,
      USD.code,
      price,
      '',
      '',
      iso[0],
      iso[1],
      meterId(productId, sku.id, String(n)),
      '1 Compute Hour',
      view === 'azure_consumption' ? 'Azure;Consumption' : 'Reservation',
    ];
  }
  const productId = `CFQ7TTC0${encodeId(n % 810_000, 4)}`;
  const price = 1 + (n % 400) / 4;
  const base: Row = [
    `Generated ${view} item ${n + 1}`,
    productId,
    encodeId(n % 30, 4),
    `Generated ${view} item ${n + 1}`,
    'Microsoft Corporation',
    'Not sold by this simulator.',
    '',
    'P1Y',
    view === 'software' ? '' : 'Annual',
    market,
    'USD',
    price,
    '',
    '',
    view === 'software' ? iso[0] : us[0],
    view === 'software' ? iso[1] : us[1],
    view === 'software' ? 'Software;Subscription' : 'License',
    Math.round(price * 125) / 100,
  ];
  if (view === 'software') base.push('Commercial');
  return base;
}

function* csvChunks(header: readonly string[], source: Iterable<Row>): Generator<Buffer> {
  let batch = csvLine(header);
  let n = 0;
  for (const row of source) {
    batch += csvLine(row);
    if (++n % 2000 === 0) {
      yield Buffer.from(batch, 'utf8');
      batch = '';
    }
  }
  if (batch.length > 0) yield Buffer.from(batch, 'utf8');
}

/** DOS time and date of a moment (zip headers). */
function dosDateTime(ms: number): [number, number] {
  const d = new Date(ms);
  const time = (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2);
  const date = ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate();
  return [time, date];
}

/**
 * A zip archive of one deflated entry, written as the entry is produced: sizes and CRC follow the data
 * (general purpose flag bit 3, a data descriptor) and in the central directory at the end.
 */
export async function* zipOneEntry(
  name: string,
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
  modifiedMs: number,
): AsyncGenerator<Buffer> {
  const nameBytes = Buffer.from(name, 'utf8');
  const [time, date] = dosDateTime(modifiedMs);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0x0808, 6); // data descriptor + UTF-8 name
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt16LE(time, 10);
  local.writeUInt16LE(date, 12);
  local.writeUInt16LE(nameBytes.length, 26);
  yield Buffer.concat([local, nameBytes]);

  let crc = 0;
  let size = 0;
  let compressed = 0;
  const deflate = createDeflateRaw({ level: 6 });
  const feeding = (async () => {
    try {
      for await (const chunk of source) {
        crc = crc32(chunk, crc);
        size += chunk.length;
        if (!deflate.write(chunk)) await once(deflate, 'drain');
      }
      deflate.end();
    } catch (err) {
      deflate.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  for await (const out of deflate as AsyncIterable<Buffer>) {
    compressed += out.length;
    yield out;
  }
  await feeding;

  const descriptor = Buffer.alloc(16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(crc >>> 0, 4);
  descriptor.writeUInt32LE(compressed, 8);
  descriptor.writeUInt32LE(size, 12);
  yield descriptor;

  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x0808, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(time, 12);
  central.writeUInt16LE(date, 14);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(compressed, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const centralOffset = local.length + nameBytes.length + compressed + descriptor.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  yield Buffer.concat([central, nameBytes, end]);
}

/** Answers a price sheet request whose token the pipeline has already accepted. */
export function priceSheet(
  ctx: PriceSheetContext,
  url: URL,
  acceptEncoding: string | undefined,
  market: string,
  viewName: string,
): SimResponse {
  if (!/^[A-Za-z]{2}$/.test(market)) {
    throw new ApiError(400, 800002, `Market '${market}' is not a two-letter country code.`);
  }
  const view = PRICE_SHEET_VIEWS.find((v) => v === viewName.toLowerCase());
  if (!view) {
    throw new ApiError(
      400,
      800002,
      `PricesheetView '${viewName}' is not one of ${PRICE_SHEET_VIEWS.join(', ')}.`,
    );
  }
  const request = parseRequest(url, view, ctx.now);
  const upperMarket = market.toUpperCase();
  const csv = csvChunks(PRICE_SHEET_COLUMNS[view], rows(ctx, view, upperMarket, request.period));
  // "compressed sheets are only available from April 2020 onward".
  const compressible = request.month === undefined || request.month >= 202004;
  const wantsZip =
    compressible &&
    (acceptEncoding ?? '')
      .split(',')
      .map((e) => e.trim().split(';')[0]?.toLowerCase())
      .includes('deflate');
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/octet-stream',
      'Cache-Control': 'private',
      'Content-Disposition': `attachment; filename=${wantsZip ? 'sheets.zip' : 'sheets.csv'}`,
    },
    body: Buffer.alloc(0),
    stream: wantsZip ? zipOneEntry('sheets.csv', csv, ctx.now) : csv,
  };
}
