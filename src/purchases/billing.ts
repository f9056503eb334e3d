import { requestIdInName } from './matching';
import type { PurchaseRequest, RequestStatus } from './model';

/**
 * Billing facts and the pure computations on them: what an invoice's one-time lines charged, which
 * request explains which line or order, sums per currency, a reservation's term. No I/O.
 *
 * The fact types are structural: Partner Center's inferred types (src/partner-center/schemas.ts)
 * satisfy them, so the Block Kit builders and this module read invoices, orders and entitlements
 * without importing the client. Only the fields the bot reads are named.
 */

export interface InvoiceFacts {
  id: string;
  invoiceDate?: string | undefined;
  billingPeriodStartDate?: string | undefined;
  billingPeriodEndDate?: string | undefined;
  totalCharges?: number | undefined;
  paidAmount?: number | undefined;
  currencyCode?: string | undefined;
  invoiceDetails?: readonly { billingProvider?: string | undefined }[] | undefined;
  /** `one_time` or `recurring` (folded by the schema). */
  invoiceType?: string | undefined;
  documentType?: string | undefined;
}

/** One OneTime invoice line item (reservations, software, new-commerce purchases). */
export interface ChargeLine {
  invoiceNumber: string;
  orderId?: string | undefined;
  orderDate?: string | undefined;
  customerId?: string | undefined;
  customerName?: string | undefined;
  productId?: string | undefined;
  skuId?: string | undefined;
  productName?: string | undefined;
  skuName?: string | undefined;
  chargeType?: string | undefined;
  quantity?: number | undefined;
  unitPrice?: number | undefined;
  subtotal?: number | undefined;
  taxTotal?: number | undefined;
  totalForCustomer?: number | undefined;
  currency?: string | undefined;
  subscriptionId?: string | undefined;
  reservationOrderId?: string | undefined;
  chargeStartDate?: string | undefined;
  chargeEndDate?: string | undefined;
}

export interface OrderLineFacts {
  lineItemNumber?: number | undefined;
  offerId: string;
  friendlyName?: string | undefined;
  quantity: number;
  termDuration?: string | undefined;
  subscriptionId?: string | undefined;
  pricing?: { price?: number | undefined; extendedPrice?: number | undefined } | undefined;
}

export interface OrderFacts {
  id: string;
  creationDate?: string | undefined;
  status?: string | undefined;
  billingCycle?: string | undefined;
  currencyCode?: string | undefined;
  totalPrice?: number | undefined;
  lineItems: readonly OrderLineFacts[];
}

/** A customer as Partner Center lists it: the name is in one profile or the other. */
export interface CustomerFacts {
  id: string;
  companyProfile?: { companyName?: string | undefined } | undefined;
  billingProfile?: { companyName?: string | undefined } | undefined;
}

export interface EntitlementFacts {
  referenceOrder: { id: string };
  productId: string;
  skuId: string;
  quantity: number;
  entitlementType: string;
  fulfillmentState?: string | undefined;
  expiryDate?: string | undefined;
  entitledArtifacts?:
    readonly { link?: { uri: string } | undefined; resourceId?: string | undefined }[] | undefined;
  includedEntitlements?: readonly EntitlementFacts[] | undefined;
}

/** A reservation's details (GET the entitlement's artifact link). */
export interface ReservationFacts {
  reservationId: string;
  scopeType?: string | undefined;
  displayName?: string | undefined;
  appliedScopes?: readonly string[] | null | undefined;
  quantity?: number | undefined;
  expiryDateTime?: string | undefined;
  effectiveDateTime?: string | undefined;
  provisioningState?: string | undefined;
}

/** The account balance and each per-currency invoice summary. */
export interface BalanceFacts {
  balanceAmount: number;
  currencyCode: string;
  lastPaymentDate?: string | undefined;
  lastPaymentAmount?: number | undefined;
  latestInvoiceDate?: string | undefined;
  details?:
    readonly { invoiceType: string; summary: { balanceAmount: number; currencyCode: string } }[] | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Amounts

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** What a one-time line charged: the customer's total (tax included) when given, else the subtotal. */
export function lineAmount(line: ChargeLine): number | undefined {
  return (
    line.totalForCustomer ??
    line.subtotal ??
    (line.unitPrice !== undefined && line.quantity !== undefined ? line.unitPrice * line.quantity : undefined)
  );
}

export function sumLines(lines: readonly ChargeLine[]): number {
  return round2(lines.reduce((sum, l) => sum + (lineAmount(l) ?? 0), 0));
}

/** The currency the lines were charged in (the first line that says), else the fallback. */
export function currencyOf(lines: readonly ChargeLine[], fallback: string | undefined): string | undefined {
  return lines.find((l) => l.currency)?.currency ?? fallback;
}

export interface Amount {
  amount: number;
  currency: string;
}

/** Sums amounts per currency (never across currencies), currencies in alphabetical order. */
export function sumsByCurrency(amounts: readonly { amount: number; currency: string }[]): Amount[] {
  const sums = new Map<string, number>();
  for (const a of amounts) {
    const currency = a.currency.toUpperCase();
    sums.set(currency, (sums.get(currency) ?? 0) + a.amount);
  }
  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, amount]) => ({ currency, amount: round2(amount) }));
}

/** An order's total: Partner Center's when given, else the sum of its lines' prices when all are known. */
export function orderTotal(o: OrderFacts): number | undefined {
  if (o.totalPrice !== undefined) return o.totalPrice;
  const prices = o.lineItems.map(
    (l) =>
      l.pricing?.extendedPrice ?? (l.pricing?.price !== undefined ? l.pricing.price * l.quantity : undefined),
  );
  return prices.length > 0 && prices.every((p) => p !== undefined)
    ? round2(prices.reduce<number>((s, p) => s + (p ?? 0), 0))
    : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Invoices

/** The billing providers an invoice's details name, e.g. `['one_time']` or `['office']`. */
export function invoiceProviders(invoice: InvoiceFacts): string[] {
  const providers = (invoice.invoiceDetails ?? [])
    .map((d) => d.billingProvider)
    .filter((p): p is string => Boolean(p));
  return [...new Set(providers)];
}

/** Whether the invoice carries one-time (OneTime provider) line items worth walking. */
export function hasOneTimeCharges(invoice: InvoiceFacts): boolean {
  const providers = invoiceProviders(invoice);
  if (providers.length > 0) return providers.includes('one_time');
  return invoice.invoiceType !== 'recurring';
}

export interface ChargeBreakdown {
  oneTime?: { amount: number; count: number } | undefined;
  recurring?: { providers: string[]; amount: number | undefined } | undefined;
}

/**
 * One-time and recurring charges of an invoice, from its `invoiceDetails`: the one-time part is the
 * sum of its one-time line items; the recurring part (Office, Azure) is what the total leaves.
 */
export function chargeBreakdown(
  invoice: InvoiceFacts,
  oneTimeLines: readonly ChargeLine[] | undefined,
): ChargeBreakdown {
  const providers = invoiceProviders(invoice);
  const recurringProviders = providers.filter((p) => p !== 'one_time');
  const out: ChargeBreakdown = {};
  if (oneTimeLines !== undefined && hasOneTimeCharges(invoice))
    out.oneTime = { amount: sumLines(oneTimeLines), count: oneTimeLines.length };
  if (recurringProviders.length > 0 || invoice.invoiceType === 'recurring') {
    const total = invoice.totalCharges;
    const amount = total === undefined ? undefined : round2(total - (out.oneTime?.amount ?? 0));
    out.recurring = { providers: recurringProviders, amount };
  }
  return out;
}

/** Only what an announcement needs of an invoice: small enough to travel in a job's data. */
export function invoiceFacts(
  i: InvoiceFacts,
): InvoiceFacts & { invoiceDetails: { billingProvider?: string | undefined }[] } {
  return {
    id: i.id,
    invoiceDate: i.invoiceDate,
    billingPeriodStartDate: i.billingPeriodStartDate,
    billingPeriodEndDate: i.billingPeriodEndDate,
    totalCharges: i.totalCharges,
    paidAmount: i.paidAmount,
    currencyCode: i.currencyCode,
    invoiceDetails: (i.invoiceDetails ?? []).map((d) => ({ billingProvider: d.billingProvider })),
    invoiceType: i.invoiceType,
    documentType: i.documentType,
  };
}

function dayMs(iso: string | undefined): number {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** Newest first: by invoice date, then by id so equal dates keep a stable order. */
export function sortInvoicesNewestFirst<T extends InvoiceFacts>(invoices: readonly T[]): T[] {
  return [...invoices].sort(
    (a, b) => dayMs(b.invoiceDate) - dayMs(a.invoiceDate) || b.id.localeCompare(a.id),
  );
}

export function sortOrdersNewestFirst<T extends OrderFacts>(orders: readonly T[]): T[] {
  return [...orders].sort(
    (a, b) => dayMs(b.creationDate) - dayMs(a.creationDate) || b.id.localeCompare(a.id),
  );
}

const NEVER_PREFIX = '0001-01-01';

/** A calendar day (UTC), the way invoices are dated; "never" for Partner Center's zero date. */
export function calendarDay(iso: string | undefined): string {
  if (!iso) return 'unknown';
  if (iso.startsWith(NEVER_PREFIX)) return 'never';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(0, 10);
}

/** Partner Center's "never" (0001-01-01…): a date field that holds no date. */
export function isNever(iso: string | undefined): boolean {
  return !iso || iso.startsWith(NEVER_PREFIX);
}

export function customerName(c: CustomerFacts): string {
  return c.companyProfile?.companyName ?? c.billingProfile?.companyName ?? c.id;
}

// ---------------------------------------------------------------------------------------------------
// Which request explains a charge or an order

/**
 * Requests whose orders are expected on an invoice: they were approved and Partner Center took the
 * order.
 */
export const CHARGEABLE: ReadonlySet<RequestStatus> = new Set<RequestStatus>(['ordered', 'confirmed']);

/**
 * Requests that may have orders in Partner Center: approved ones, whatever became of them since.
 * A request that was never approved (pending, rejected, expired, withdrawn) explains no order.
 */
export const APPROVED_STATUSES: ReadonlySet<RequestStatus> = new Set<RequestStatus>([
  'approved',
  'ordering',
  'attention',
  'ordered',
  'confirmed',
  'failed',
  'order_cancelled',
]);

/**
 * Groups one-time lines by the request that explains them (by the line's order id), keeping the
 * lines' order; lines no request explains are listed apart.
 */
export function explainCharges<R extends { id: string }, L extends ChargeLine>(
  lines: readonly L[],
  requestOfOrder: (orderId: string) => R | undefined,
): { explained: { request: R; lines: L[] }[]; unexplained: L[] } {
  const byRequest = new Map<string, { request: R; lines: L[] }>();
  const unexplained: L[] = [];
  for (const line of lines) {
    const request = line.orderId ? requestOfOrder(line.orderId) : undefined;
    if (!request) {
      unexplained.push(line);
      continue;
    }
    const entry = byRequest.get(request.id) ?? { request, lines: [] };
    entry.lines.push(line);
    byRequest.set(request.id, entry);
  }
  return { explained: [...byRequest.values()], unexplained };
}

/** The request ids an order's lines name (every cart line the bot makes starts with one). */
export function taggedRequestIds(order: OrderFacts): string[] {
  const ids = order.lineItems
    .map((l) => requestIdInName(l.friendlyName))
    .filter((id): id is string => id !== undefined);
  return [...new Set(ids)];
}

/**
 * Why an order is, or is not, the bot's: `indexed` when the by-order index names an approved
 * request, `tagged` when a line's friendly name does; otherwise `orphan`, with the request id a line
 * names (if any) that the bot has no approved record of (bought after a Redis rollback, say).
 */
export type OrderExplanation =
  | { kind: 'indexed'; requestId: string }
  | { kind: 'tagged'; requestId: string }
  | { kind: 'orphan'; namedRequestId?: string | undefined };

export function explainOrder(
  order: OrderFacts,
  known: {
    /** The request the by-order index names for this order, if any. */
    indexed: Pick<PurchaseRequest, 'id' | 'status'> | undefined;
    /** The requests the order's lines name, as the store has them (missing when unknown). */
    tagged: ReadonlyMap<string, Pick<PurchaseRequest, 'id' | 'status'> | undefined>;
  },
): OrderExplanation {
  if (known.indexed && APPROVED_STATUSES.has(known.indexed.status))
    return { kind: 'indexed', requestId: known.indexed.id };
  const named = taggedRequestIds(order);
  for (const id of named) {
    const r = known.tagged.get(id);
    if (r && APPROVED_STATUSES.has(r.status)) return { kind: 'tagged', requestId: r.id };
  }
  return { kind: 'orphan', namedRequestId: named[0] ?? known.indexed?.id };
}

/**
 * Whether an order is old enough to be judged: the bot records its own orders right after checkout,
 * but Partner Center may list an order before that record is written. `settleMs` is the order-list
 * delay (ORDER_CONFIRMATION_DELAY_MS): by then a request that placed it has recorded it.
 */
export function readyToJudge(order: OrderFacts, now: number, settleMs: number): boolean {
  const created = order.creationDate ? Date.parse(order.creationDate) : NaN;
  return Number.isNaN(created) || created <= now - settleMs;
}

// ---------------------------------------------------------------------------------------------------
// Reservations

const DAY_MS = 86_400_000;

/**
 * A reservation's term as an ISO 8601 duration (P1Y, P3Y, P5Y, or months), from its effective and
 * expiry dates: the reservation details carry both, not the term itself. Undefined when either date
 * is missing.
 */
export function reservationTerm(
  r: Pick<ReservationFacts, 'effectiveDateTime' | 'expiryDateTime'>,
): string | undefined {
  const from = r.effectiveDateTime ? Date.parse(r.effectiveDateTime) : NaN;
  const to = r.expiryDateTime ? Date.parse(r.expiryDateTime) : NaN;
  if (Number.isNaN(from) || Number.isNaN(to) || to <= from) return undefined;
  const months = Math.round((to - from) / (DAY_MS * 30.4375));
  if (months >= 12 && months % 12 === 0) return `P${months / 12}Y`;
  return months >= 1 ? `P${months}M` : undefined;
}

export function isReservationEntitlement(e: Pick<EntitlementFacts, 'entitlementType'>): boolean {
  return (
    e.entitlementType === 'reserved_instance' || e.entitlementType === 'virtual_machine_reserved_instance'
  );
}

// ---------------------------------------------------------------------------------------------------
// Audit report period

/** A day as `/purchase audit` takes it (YYYY-MM-DD, UTC): its first millisecond, or undefined. */
export function parseDay(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-31 over into March: such a day does not exist.
  return new Date(ms).toISOString().slice(0, 10) === text ? ms : undefined;
}

export type PeriodProblem = 'bad_date' | 'reversed' | 'too_many_args';

/**
 * The period of an audit report: `[from] [to]` as whole UTC days, both included; without `to`,
 * through today; without either, the last 30 days (today and the 29 before).
 */
export function auditPeriod(
  args: readonly string[],
  now: number,
): { ok: true; from: number; to: number } | { ok: false; problem: PeriodProblem; word?: string } {
  if (args.length > 2) return { ok: false, problem: 'too_many_args' };
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const [rawFrom, rawTo] = args;
  const from = rawFrom === undefined ? today - 29 * DAY_MS : parseDay(rawFrom);
  if (from === undefined) return { ok: false, problem: 'bad_date', word: rawFrom };
  const toDay = rawTo === undefined ? today : parseDay(rawTo);
  if (toDay === undefined) return { ok: false, problem: 'bad_date', word: rawTo };
  if (toDay < from) return { ok: false, problem: 'reversed' };
  return { ok: true, from, to: toDay + DAY_MS - 1 };
}
