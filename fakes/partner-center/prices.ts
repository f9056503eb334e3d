/**
 * The one price table. Cart lines, orders, invoice line items and the price sheet
 * (`/v1.0/sales/pricesheets(...)/$value`) all read their amounts from `quote()`, so what the sheet says
 * a SKU costs is what the simulator charges for it.
 *
 * What the prices mean (D get-a-price-sheet.md, azure-plan-price-list.md, software-pricing.md):
 * - seeded `listPriceUsd` is the partner's price (the sheets' `UnitPrice`; "Reservations meter prices
 *   include the CSP partner discounts"); software and license-based sheets also carry an estimated retail
 *   price (`ERP Price`), here UnitPrice × 1.25;
 * - reservations for Azure plans are priced in USD in every market; reservations for legacy
 *   MS-AZR-0145P subscriptions are priced in the customer's currency and are not in the pricing API;
 * - everything else is priced in the market's currency;
 * - segments have their own prices (education is cheaper than commercial).
 */
import type { AvailabilityScope, ProductDef, SkuDef, TermDef } from './model';

export interface CurrencyInfo {
  code: string;
  symbol: string;
  /** USD → this currency. */
  rate: number;
  decimals: number;
}

export const USD: CurrencyInfo = { code: 'USD', symbol: '$', rate: 1, decimals: 2 };
const EUR: CurrencyInfo = { code: 'EUR', symbol: '€', rate: 0.92, decimals: 2 };
const CURRENCIES: Record<string, CurrencyInfo> = {
  US: USD,
  GB: { code: 'GBP', symbol: '£', rate: 0.79, decimals: 2 },
  IN: { code: 'INR', symbol: '₹', rate: 83, decimals: 2 },
  JP: { code: 'JPY', symbol: '¥', rate: 150, decimals: 0 },
  CA: { code: 'CAD', symbol: 'CA$', rate: 1.36, decimals: 2 },
  AU: { code: 'AUD', symbol: 'A$', rate: 1.52, decimals: 2 },
  CH: { code: 'CHF', symbol: 'CHF', rate: 0.88, decimals: 2 },
};
const EURO_COUNTRIES = new Set(
  'AD AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MC ME MT NL PT SI SK SM VA XK'.split(' '),
);

/** The market's currency. */
export function currencyFor(country: string): CurrencyInfo {
  const upper = country.toUpperCase();
  return CURRENCIES[upper] ?? (EURO_COUNTRIES.has(upper) ? EUR : USD);
}

export function convertPrice(usd: number, currency: CurrencyInfo): number {
  const factor = 10 ** currency.decimals;
  return Math.round(usd * currency.rate * factor) / factor;
}

/** Segment prices relative to commercial (our choice; the docs only say segments have their own prices). */
const SEGMENT_FACTOR: Record<string, number> = {
  commercial: 1,
  education: 0.4,
  government: 0.9,
  nonprofit: 0.75,
};

/** Retail estimate relative to the partner price (the license-based example: UnitPrice 115.2, ERP 144). */
export const ERP_FACTOR = 1.25;

function round(n: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(n * factor) / factor;
}

function monthsOf(duration: string | undefined): number {
  if (!duration) return 1;
  const m = /^P(\d+)([YM])$/i.exec(duration);
  if (!m) return 1;
  const n = Number(m[1]);
  return m[2]?.toUpperCase() === 'Y' ? n * 12 : n;
}

/** Price per billing period: the whole term up front, or one month's (or year's) share of it. */
export function pricePerPeriod(
  termPrice: number,
  billingCycle: string,
  termDuration: string | undefined,
  currency: CurrencyInfo,
): number {
  const months = monthsOf(termDuration);
  switch (billingCycle) {
    case 'monthly':
      return round(termPrice / months, currency.decimals);
    case 'annual':
      return round(termPrice / Math.max(1, months / 12), currency.decimals);
    case 'none':
      return 0;
    default:
      return termPrice;
  }
}

/** The currency a SKU is priced in for a market: Azure plan reservations are USD everywhere. */
export function pricingCurrency(
  product: ProductDef,
  country: string,
  scope: AvailabilityScope,
): CurrencyInfo {
  if (product.kind === 'reservation' && scope === 'azureplan') return USD;
  if (product.kind === 'azurePlan') return USD;
  return currencyFor(country);
}

export interface Quote {
  currency: CurrencyInfo;
  /** One unit for the whole term (or the licence, for perpetual software). */
  termPrice: number;
  /** One unit for one billing period: what a cart line's `price` and an invoice line's `unitPrice` say. */
  unitPrice: number;
}

/** What Partner Center charges for one unit of `sku` in a market, segment and scope. */
export function quote(
  product: ProductDef,
  sku: SkuDef,
  term: TermDef | undefined,
  billingCycle: string,
  where: { country: string; segment: string; scope: AvailabilityScope },
): Quote {
  const currency = pricingCurrency(product, where.country, where.scope);
  const usd =
    (term ? term.listPriceUsd : (sku.perpetualPriceUsd ?? 0)) * (SEGMENT_FACTOR[where.segment] ?? 1);
  const termPrice = convertPrice(usd, currency);
  return {
    currency,
    termPrice,
    unitPrice: pricePerPeriod(termPrice, billingCycle, term?.duration, currency),
  };
}

export function erpPrice(unitPrice: number, currency: CurrencyInfo): number {
  return round(unitPrice * ERP_FACTOR, currency.decimals);
}
