import type { Logger } from 'pino';
import { isAppError } from '../errors';
import { PartnerCenterError } from '../partner-center/errors';
import {
  normalizePlan,
  normalizeSegment,
  normalizeTerm,
  type PriceSheetView,
} from '../partner-center/price-sheet';
import type { Kind, PriceFacts, Segment } from '../purchases/model';
import { NotCached } from '../store/cache';
import type { Locks } from '../store/lock';
import { priceField, type PriceSheetStore, type SheetKey } from '../store/price-sheets';
import type { PricingApi } from './partner-center-api';

/**
 * Prices from Microsoft's price sheets ("Get a price sheet"): availabilities carry no price. One
 * sheet per market, view and month is downloaded (streamed and parsed), kept in Redis and refreshed
 * daily; a price is then one hash look-up by product, SKU, term, billing plan and segment.
 *
 * Which sheet: reservations on Azure plans are in `azure_reservations` (priced in USD, the partner
 * discount included); reservations for legacy MS-AZR-0145P subscriptions are not in the pricing API
 * at all ("The pricing API is specific to Azure plan pricing"), so their price is unknown here;
 * software subscriptions and perpetual software are in `software`.
 */
export interface PriceQuery {
  country: string;
  kind: Kind;
  productId: string;
  skuId: string;
  termDuration: string | undefined;
  billingCycle: string;
  segment: Segment;
  azurePlan: boolean;
  quantity: number;
  /** The currency the catalog states for the market (availability.defaultCurrency), preferred. */
  currency?: string | undefined;
}

export interface PriceLookup {
  price(q: PriceQuery, ruleCurrency: string): Promise<PriceFacts>;
}

export interface PricingSettings {
  /** A sheet older than this is refreshed (in the background; the old one serves meanwhile). */
  refreshMs: number;
  /** After a failed download, wait this long before trying again. */
  retryAfterFailureMs: number;
  /** How long a caller waits for another process's download of the same sheet. */
  waitForLoadMs: number;
}

export function viewFor(q: Pick<PriceQuery, 'kind' | 'azurePlan'>): PriceSheetView | undefined {
  if (q.kind === 'azure_reservation') return q.azurePlan ? 'azure_reservations' : undefined;
  return 'software';
}

function monthOf(at: number): string {
  const d = new Date(at);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export class PricingService implements PriceLookup {
  private readonly now: () => number;
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: {
      /** Undefined when no App+User credentials are configured (the pricing API refuses app-only). */
      api: PricingApi | undefined;
      sheets: PriceSheetStore;
      locks: Locks;
      settings: PricingSettings;
      log: Logger;
      now?: () => number;
    },
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** The same prices, answering only from sheets already loaded (NotCached otherwise): for while Slack waits. */
  cachedOnly(): PriceLookup {
    return { price: (q, currency) => this.lookup(q, currency, false) };
  }

  async price(q: PriceQuery, ruleCurrency: string): Promise<PriceFacts> {
    return this.lookup(q, ruleCurrency, true);
  }

  private async lookup(q: PriceQuery, ruleCurrency: string, mayLoad: boolean): Promise<PriceFacts> {
    if (!this.deps.api) return { known: false, reason: 'no_user_credentials' };
    const view = viewFor(q);
    if (!view) return { known: false, reason: 'not_in_price_sheet' };
    const sheet: SheetKey = { market: q.country.toLowerCase(), view, month: monthOf(this.now()) };
    const state = await this.ensure(sheet, mayLoad);
    if (state !== 'ready') return { known: false, reason: state };

    const term = normalizeTerm(q.termDuration);
    const plans = [...new Set([normalizePlan(q.billingCycle), ''])];
    const segments = [...new Set([normalizeSegment(q.segment), ''])];
    const candidates = plans.flatMap((plan) =>
      segments.map((segment) =>
        priceField({
          productId: q.productId.toUpperCase(),
          skuId: q.skuId.toUpperCase(),
          term,
          plan,
          segment,
        }),
      ),
    );
    const rule = ruleCurrency.toUpperCase();
    const preferred = [
      ...new Set([q.currency?.toUpperCase(), 'USD', rule].filter((c): c is string => Boolean(c))),
    ];
    const found = await this.deps.sheets.lookup(sheet, candidates, preferred);
    if (!found) return { known: false, reason: 'not_in_price_sheet' };
    const facts: PriceFacts = {
      known: true,
      unit: found.unitPrice,
      currency: found.currency,
      source: `${view} price sheet`,
    };
    if (found.currency !== rule) {
      // Microsoft prices some markets in several currencies: the price in the rule's currency is a
      // conversion Microsoft itself made. Without one, the amount rule asks for a second approver.
      const fieldHit = candidates.length
        ? await this.deps.sheets.lookup(sheet, candidates, [rule])
        : undefined;
      if (fieldHit)
        facts.converted = { amount: Math.round(fieldHit.unitPrice * q.quantity * 100) / 100, currency: rule };
    }
    return facts;
  }

  /** 'ready' once the sheet is in Redis; loads it (once across processes) when allowed. */
  private async ensure(
    sheet: SheetKey,
    mayLoad: boolean,
  ): Promise<'ready' | 'price_sheet_unavailable' | 'no_user_credentials'> {
    const meta = await this.deps.sheets.meta(sheet);
    const now = this.now();
    if (meta?.loadedAt !== undefined) {
      if (now - meta.loadedAt > this.deps.settings.refreshMs) this.refreshInBackground(sheet);
      return 'ready';
    }
    if (meta?.failedAt !== undefined && now - meta.failedAt < this.deps.settings.retryAfterFailureMs) {
      return meta.failure === 'credentials' ? 'no_user_credentials' : 'price_sheet_unavailable';
    }
    if (!mayLoad) throw new NotCached(`pricesheet:${sheet.market}:${sheet.view}`);
    await this.load(sheet);
    const after = await this.deps.sheets.meta(sheet);
    if (after?.loadedAt !== undefined) return 'ready';
    return after?.failure === 'credentials' ? 'no_user_credentials' : 'price_sheet_unavailable';
  }

  private refreshInBackground(sheet: SheetKey): void {
    this.load(sheet).catch((err: unknown) =>
      this.deps.log.warn({ err, sheet }, 'price sheet refresh failed'),
    );
  }

  /** One download per sheet at a time in this process, and across processes (a lock). */
  private load(sheet: SheetKey): Promise<void> {
    const key = `${sheet.market}:${sheet.view}:${sheet.month}`;
    const running = this.loading.get(key);
    if (running) return running;
    const work = this.loadLocked(sheet).finally(() => this.loading.delete(key));
    this.loading.set(key, work);
    return work;
  }

  private async loadLocked(sheet: SheetKey): Promise<void> {
    const api = this.deps.api;
    if (!api) return;
    const started = this.now();
    const locked = await this.deps.locks.withLock(
      'pricesheet',
      `${sheet.market}:${sheet.view}:${sheet.month}`,
      120_000,
      async () => {
        try {
          const rows = await api.downloadPriceSheet(sheet.market, sheet.view as PriceSheetView, this.now());
          const count = await this.deps.sheets.replace(sheet, rows, this.now());
          this.deps.log.info({ sheet, rows: count, ms: this.now() - started }, 'price sheet loaded');
        } catch (err) {
          const credentials =
            isAppError(err, 'pc_credentials_missing') ||
            (err instanceof PartnerCenterError && err.code === 'pc_auth');
          this.deps.log.warn(
            { err, sheet },
            credentials
              ? 'price sheet refused our credentials (App+User needed)'
              : 'price sheet download failed',
          );
          await this.deps.sheets.markFailed(sheet, this.now(), credentials ? 'credentials' : 'download');
        }
      },
    );
    if (locked.acquired) return;
    // Another process is loading it: wait for its result, a while.
    const deadline = this.now() + this.deps.settings.waitForLoadMs;
    while (this.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      const meta = await this.deps.sheets.meta(sheet);
      if (meta?.loadedAt !== undefined && meta.loadedAt >= started) return;
      if (meta?.failedAt !== undefined && meta.failedAt >= started) return;
    }
  }
}
