import type { Redis } from 'ioredis';
import type { PriceRow } from '../purchases/model';
import type { Keys } from './redis';

/**
 * Price sheets in Redis, one hash per market, view and month: field `PRODUCT|SKU|TERM|PLAN|SEGMENT|CURRENCY`
 * → unit price. A new sheet is written under a temporary key and renamed over the old one, so
 * readers see a whole sheet or the previous one, never half of one.
 */
export interface SheetKey {
  market: string;
  view: string;
  /** YYYYMM */
  month: string;
}

export interface SheetMeta {
  loadedAt?: number | undefined;
  rows?: number | undefined;
  failedAt?: number | undefined;
  failure?: string | undefined;
}

export interface PriceSheetStore {
  meta(sheet: SheetKey): Promise<SheetMeta | undefined>;
  /** Replaces the sheet with `rows`; returns how many were stored. */
  replace(sheet: SheetKey, rows: AsyncIterable<PriceRow>, at: number): Promise<number>;
  markFailed(sheet: SheetKey, at: number, failure: string): Promise<void>;
  /** The first of `candidates` (field keys without the currency) found in one of `currencies`, in order. */
  lookup(
    sheet: SheetKey,
    candidates: readonly string[],
    currencies: readonly string[],
  ): Promise<{ unitPrice: number; currency: string } | undefined>;
  /** Every currency a candidate is priced in (for conversions). */
  allCurrencies(
    sheet: SheetKey,
    candidate: string,
    currencies: readonly string[],
  ): Promise<Map<string, number>>;
}

export function priceField(r: Omit<PriceRow, 'unitPrice' | 'currency'>): string {
  return [r.productId, r.skuId, r.term, r.plan, r.segment].join('|');
}

const BATCH = 2000;
/** Kept a while past their month, so a request made at month's end still finds its price. */
const SHEET_TTL_MS = 45 * 86_400_000;

export class RedisPriceSheets implements PriceSheetStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  private key(s: SheetKey): string {
    return this.keys.cache('pricesheet', `${s.market}:${s.view}:${s.month}`.toLowerCase());
  }

  private metaKey(s: SheetKey): string {
    return this.keys.cache('pricesheet-meta', `${s.market}:${s.view}:${s.month}`.toLowerCase());
  }

  async meta(sheet: SheetKey): Promise<SheetMeta | undefined> {
    const raw = await this.redis.hgetall(this.metaKey(sheet));
    if (Object.keys(raw).length === 0) return undefined;
    const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
    return {
      loadedAt: num(raw.loadedAt),
      rows: num(raw.rows),
      failedAt: num(raw.failedAt),
      failure: raw.failure || undefined,
    };
  }

  async replace(sheet: SheetKey, rows: AsyncIterable<PriceRow>, at: number): Promise<number> {
    const target = this.key(sheet);
    const temp = `${target}:loading:${at}`;
    let count = 0;
    let batch: string[] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await this.redis.hset(temp, ...batch);
      batch = [];
    };
    try {
      for await (const row of rows) {
        batch.push(`${priceField(row)}|${row.currency}`, String(row.unitPrice));
        count++;
        if (batch.length >= BATCH * 2) await flush();
      }
      await flush();
      const tx = this.redis.multi();
      if (count > 0) {
        tx.rename(temp, target);
        tx.pexpire(target, SHEET_TTL_MS);
      } else tx.del(target);
      tx.hset(
        this.metaKey(sheet),
        'loadedAt',
        String(at),
        'rows',
        String(count),
        'failedAt',
        '',
        'failure',
        '',
      );
      tx.pexpire(this.metaKey(sheet), SHEET_TTL_MS);
      await tx.exec();
      return count;
    } catch (err) {
      await this.redis.del(temp).catch(() => undefined);
      throw err;
    }
  }

  async markFailed(sheet: SheetKey, at: number, failure: string): Promise<void> {
    await this.redis.hset(this.metaKey(sheet), 'failedAt', String(at), 'failure', failure.slice(0, 300));
    await this.redis.pexpire(this.metaKey(sheet), SHEET_TTL_MS);
  }

  async lookup(
    sheet: SheetKey,
    candidates: readonly string[],
    currencies: readonly string[],
  ): Promise<{ unitPrice: number; currency: string } | undefined> {
    const fields = candidates.flatMap((c) => currencies.map((cur) => `${c}|${cur}`));
    if (fields.length === 0) return undefined;
    const values = await this.redis.hmget(this.key(sheet), ...fields);
    for (let i = 0; i < fields.length; i++) {
      const v = values[i];
      if (v !== null && v !== undefined)
        return { unitPrice: Number(v), currency: fields[i]!.split('|').pop()! };
    }
    return undefined;
  }

  async allCurrencies(
    sheet: SheetKey,
    candidate: string,
    currencies: readonly string[],
  ): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (currencies.length === 0) return out;
    const values = await this.redis.hmget(this.key(sheet), ...currencies.map((c) => `${candidate}|${c}`));
    currencies.forEach((c, i) => {
      const v = values[i];
      if (v !== null && v !== undefined) out.set(c, Number(v));
    });
    return out;
  }
}
