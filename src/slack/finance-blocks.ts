import type { KnownBlock } from '@slack/types';
import type {
  Customer,
  Entitlement,
  Invoice,
  InvoiceSummary,
  OneTimeInvoiceLineItem,
  Order,
  Reservation,
} from '../partner-center/schemas';
import type { PurchaseRequest } from '../purchases/model';
import { amount, escapeMrkdwn, mrkdwn, plain, truncate } from './text';

/**
 * Block Kit for the finance side, as pure functions of data: the invoice announcement and its
 * reconciliation, the note to a requester, and every finance command's answer. Slack's limits
 * (section text 3000, field 2000, header 150, 50 blocks per message) are kept here: long lists are
 * packed into several sections, and what does not fit is counted and said to be in an attached CSV
 * or on the next page, never dropped silently.
 */
export const FINANCE_LIMITS = {
  sectionText: 3000,
  fieldText: 2000,
  headerText: 150,
  messageBlocks: 50,
  /** Fallback `text`: chat.update rejects more than 4000, so every message stays under it. */
  fallbackText: 3000,
  /** One line of a list (a product name can be long). */
  line: 400,
  /** Items listed in an answer before the rest go to a CSV. */
  listedItems: 20,
  /** Invoices per page of `invoices`. */
  invoicesPerPage: 10,
  /** Line items shown in the `invoice` answer; all of them are in the CSV. */
  invoiceLinesShown: 10,
  /**
   * Unexplained charges, and explained requests, listed in the reconciliation message; all of them
   * are in the CSV. Slack also refuses messages whose blocks are too long overall (msg_blocks_too_long,
   * threshold undocumented), so a list stays far below 50 full sections.
   */
  unexplainedListed: 30,
  explainedListed: 30,
} as const;

export interface Message {
  text: string;
  blocks: KnownBlock[];
}

// ---------------------------------------------------------------------------------------------------
// Small formatting helpers

const NEVER_PREFIX = '0001-01-01';

/** A calendar day (UTC), the way invoices and billing periods are dated; "never" for Partner Center's zero date. */
export function day(iso: string | undefined): string {
  if (!iso) return 'unknown';
  if (iso.startsWith(NEVER_PREFIX)) return 'never';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(0, 10);
}

function dayMs(iso: string | undefined): number {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** Newest first: by invoice date, then by id so equal dates keep a stable order. */
export function sortInvoicesNewestFirst(invoices: readonly Invoice[]): Invoice[] {
  return [...invoices].sort(
    (a, b) => dayMs(b.invoiceDate) - dayMs(a.invoiceDate) || b.id.localeCompare(a.id),
  );
}

function code(text: string): string {
  // Backticks inside inline code would end it; ids never contain them, but user input might.
  return `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;
}

/** What a one-time line charged: the customer's total (tax included) when given, else the subtotal. */
export function lineAmount(line: OneTimeInvoiceLineItem): number | undefined {
  return (
    line.totalForCustomer ??
    line.subtotal ??
    (line.unitPrice !== undefined && line.quantity !== undefined ? line.unitPrice * line.quantity : undefined)
  );
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function sumLines(lines: readonly OneTimeInvoiceLineItem[]): number {
  return round2(lines.reduce((sum, l) => sum + (lineAmount(l) ?? 0), 0));
}

function productOf(line: OneTimeInvoiceLineItem): string {
  const name = [line.productName, line.skuName].filter((s): s is string => Boolean(s)).join(' — ');
  return name || [line.productId, line.skuId].filter(Boolean).join(':') || 'unnamed product';
}

/** One line item as one mrkdwn line: order, customer, product, quantity and amount. */
export function lineItemText(line: OneTimeInvoiceLineItem, explainedBy?: string): string {
  const qty = line.quantity !== undefined ? `${line.quantity} × ` : '';
  const who = line.customerName ? ` for ${escapeMrkdwn(line.customerName)}` : '';
  const req =
    explainedBy === undefined
      ? ''
      : explainedBy
        ? ` (request ${code(explainedBy)})`
        : ' (no approved request)';
  const text = `• order ${code(line.orderId || 'none')}: ${qty}${escapeMrkdwn(productOf(line))}${who} — ${amount(lineAmount(line), line.currency)}${req}`;
  return truncate(text, FINANCE_LIMITS.line);
}

/**
 * Packs lines into section texts of at most `max` characters each, breaking only between lines.
 * A single line longer than `max` is shortened with a visible ellipsis.
 */
export function packLines(lines: readonly string[], max: number = FINANCE_LIMITS.sectionText): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncate(raw, max);
    if (current && current.length + 1 + line.length > max) {
      chunks.push(current);
      current = line;
    } else {
      current = current ? `${current}\n${line}` : line;
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

function section(text: string): KnownBlock {
  return { type: 'section', text: mrkdwn(text, FINANCE_LIMITS.sectionText) };
}

function fields(pairs: readonly (readonly [string, string])[]): KnownBlock {
  return {
    type: 'section',
    fields: pairs.slice(0, 10).map(([k, v]) => mrkdwn(`*${k}*\n${v}`, FINANCE_LIMITS.fieldText)),
  };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [mrkdwn(text, FINANCE_LIMITS.sectionText)] };
}

function header(text: string): KnownBlock {
  return { type: 'header', text: plain(text, FINANCE_LIMITS.headerText) };
}

function fallback(text: string): string {
  return truncate(text, FINANCE_LIMITS.fallbackText);
}

/** Sections for a list, within a block budget; returns how many lines made it in. */
function listSections(lines: readonly string[], budget: number): { blocks: KnownBlock[]; shown: number } {
  const chunks: { text: string; count: number }[] = [];
  for (const raw of lines) {
    const line = truncate(raw, FINANCE_LIMITS.sectionText);
    const last = chunks[chunks.length - 1];
    if (last && last.text.length + 1 + line.length <= FINANCE_LIMITS.sectionText) {
      last.text = `${last.text}\n${line}`;
      last.count++;
    } else chunks.push({ text: line, count: 1 });
  }
  const kept = chunks.slice(0, Math.max(0, budget));
  return { blocks: kept.map((c) => section(c.text)), shown: kept.reduce((n, c) => n + c.count, 0) };
}

// ---------------------------------------------------------------------------------------------------
// Invoice announcement (finance channel)

const PROVIDER_LABELS: Record<string, string> = {
  one_time: 'One-time',
  office: 'Office (recurring, license-based)',
  azure: 'Azure (recurring, usage-based)',
  marketplace: 'Marketplace',
  all: 'All providers',
  none: 'No provider',
};

/** The billing providers an invoice's details name, e.g. `['one_time']` or `['office']`. */
export function invoiceProviders(invoice: Invoice): string[] {
  const providers = (invoice.invoiceDetails ?? [])
    .map((d) => d.billingProvider)
    .filter((p): p is string => Boolean(p));
  return [...new Set(providers)];
}

/** Whether the invoice carries one-time (OneTime provider) line items worth walking. */
export function hasOneTimeCharges(invoice: Invoice): boolean {
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
  invoice: Invoice,
  oneTimeLines: readonly OneTimeInvoiceLineItem[] | undefined,
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

function chargeLines(invoice: Invoice, charges: ChargeBreakdown): string[] {
  const lines: string[] = [];
  if (charges.oneTime) {
    const n = charges.oneTime.count;
    lines.push(
      `One-time: ${amount(charges.oneTime.amount, invoice.currencyCode)} (${n} line item${n === 1 ? '' : 's'})`,
    );
  }
  if (charges.recurring) {
    const names = charges.recurring.providers.map((p) => PROVIDER_LABELS[p] ?? p).join(', ');
    lines.push(
      `Recurring${names ? ` — ${names}` : ''}: ${amount(charges.recurring.amount, invoice.currencyCode)}`,
    );
  }
  if (lines.length === 0) lines.push('No charge details on this invoice');
  return lines;
}

function period(invoice: Invoice): string {
  return `${day(invoice.billingPeriodStartDate)} to ${day(invoice.billingPeriodEndDate)}`;
}

/** The finance channel's message for a new invoice; its thread gets the PDF and the reconciliation. */
export function buildInvoiceAnnouncement(invoice: Invoice, charges: ChargeBreakdown): Message {
  const total = amount(invoice.totalCharges, invoice.currencyCode);
  const blocks: KnownBlock[] = [
    header(`New invoice ${invoice.id}`),
    fields([
      ['Invoice', code(invoice.id)],
      ['Date', day(invoice.invoiceDate)],
      ['Billing period', period(invoice)],
      ['Total', `${total}${invoice.currencyCode ? '' : ' (currency not stated)'}`],
      ['Charges', chargeLines(invoice, charges).join('\n')],
      ...(invoice.paidAmount ? [['Paid', amount(invoice.paidAmount, invoice.currencyCode)] as const] : []),
    ]),
    context('The PDF statement and the reconciliation with approved purchase requests follow in the thread.'),
  ];
  return {
    text: fallback(
      `New invoice ${invoice.id} dated ${day(invoice.invoiceDate)}: ${total} for ${period(invoice)}`,
    ),
    blocks,
  };
}

/** Said in the thread when the PDF needs App+User credentials that are not configured. */
export function buildStatementUnavailable(invoiceId: string, reason: string): string {
  return fallback(
    `I could not attach the PDF statement of ${invoiceId}: ${reason} I will attach it once I can fetch it.`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Reconciliation (the invoice message's thread)

export interface ExplainedCharge {
  request: Pick<PurchaseRequest, 'id' | 'requesterId' | 'customerName' | 'skuTitle' | 'quantity'>;
  lines: OneTimeInvoiceLineItem[];
}

export interface Reconciliation {
  invoiceId: string;
  currency: string | undefined;
  total: number;
  explained: ExplainedCharge[];
  unexplained: OneTimeInvoiceLineItem[];
}

/** The reconciliation summary; `attachCsv` says whether the unexplained charges need a CSV to be complete. */
export function buildReconciliationMessage(r: Reconciliation): Message & { attachCsv: boolean } {
  const count = r.explained.reduce((n, e) => n + e.lines.length, 0) + r.unexplained.length;
  if (count === 0) {
    const text = `Invoice ${r.invoiceId} has no one-time charges to reconcile.`;
    return { text, blocks: [section(text)], attachCsv: false };
  }
  const blocks: KnownBlock[] = [];
  const explainedLines = r.explained.map((e) => {
    const charged = amount(sumLines(e.lines), r.currency);
    return truncate(
      `• request ${code(e.request.id)}: ${e.request.quantity} × ${escapeMrkdwn(e.request.skuTitle)} for ${escapeMrkdwn(e.request.customerName)} (<@${e.request.requesterId}>) — ${charged}`,
      FINANCE_LIMITS.line,
    );
  });
  const explainedCount = count - r.unexplained.length;
  if (r.unexplained.length === 0) {
    blocks.push(
      section(
        `:white_check_mark: All ${count} one-time charge${count === 1 ? ' is' : 's are'} explained by approved purchase requests.`,
      ),
    );
  } else {
    blocks.push(
      section(
        `:warning: ${r.unexplained.length} of ${count} one-time charge${count === 1 ? '' : 's'} (${amount(sumLines(r.unexplained), r.currency)}) ${r.unexplained.length === 1 ? 'is' : 'are'} not explained by any approved purchase request.`,
      ),
    );
  }
  const listed = r.unexplained.slice(0, FINANCE_LIMITS.unexplainedListed).map((l) => lineItemText(l));
  // Budget: the summary, the explained list and its title, the unexplained title, the "more" note.
  const unexplainedList = listSections(listed, 20);
  let attachCsv = r.unexplained.length > unexplainedList.shown;
  if (r.unexplained.length > 0) {
    blocks.push(section('*Charges no approved request explains*'));
    blocks.push(...unexplainedList.blocks);
    if (attachCsv)
      blocks.push(
        context(
          `…and ${r.unexplained.length - unexplainedList.shown} more: the attached CSV lists every unexplained charge.`,
        ),
      );
  }
  if (explainedLines.length > 0) {
    blocks.push(
      section(
        `*Explained by approved requests* (${explainedCount} charge${explainedCount === 1 ? '' : 's'})`,
      ),
    );
    const budget = FINANCE_LIMITS.messageBlocks - blocks.length - 1;
    const list = listSections(explainedLines.slice(0, FINANCE_LIMITS.explainedListed), budget);
    blocks.push(...list.blocks);
    if (list.shown < explainedLines.length) {
      attachCsv = true;
      blocks.push(
        context(
          `…and ${explainedLines.length - list.shown} more requests: the attached CSV lists every charge.`,
        ),
      );
    }
  }
  const text =
    r.unexplained.length === 0
      ? `Invoice ${r.invoiceId}: all ${count} one-time charges are explained by approved requests.`
      : `Invoice ${r.invoiceId}: ${r.unexplained.length} of ${count} one-time charges are not explained by an approved request.`;
  return { text: fallback(text), blocks, attachCsv };
}

/** The note in a requester's thread saying which invoice charged their purchase. */
export function buildRequesterInvoiceNote(
  request: Pick<PurchaseRequest, 'id' | 'quantity' | 'skuTitle' | 'customerName'>,
  invoice: Pick<Invoice, 'id' | 'invoiceDate' | 'currencyCode'>,
  lines: readonly OneTimeInvoiceLineItem[],
): string {
  const currency = lines.find((l) => l.currency)?.currency ?? invoice.currencyCode;
  return fallback(
    `:receipt: Your request ${code(request.id)} (${request.quantity} × ${escapeMrkdwn(request.skuTitle)} for ${escapeMrkdwn(request.customerName)}) was charged on invoice ${code(invoice.id)} dated ${day(invoice.invoiceDate)}: ${amount(sumLines(lines), currency)}.`,
  );
}

// ---------------------------------------------------------------------------------------------------
// CSV (attachments for long lists)

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let s =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : JSON.stringify(value);
  // A text cell starting with = + - @ is a formula to a spreadsheet: make it text. Numbers stay
  // numbers, and so do plain tokens such as Partner Center's order ids, which may start with "-"
  // (base64url) and can call nothing.
  if (
    typeof value === 'string' &&
    (/^[=\t\r]/.test(s) || (/^[+\-@]/.test(s) && !/^[+\-@][A-Za-z0-9_.:-]*$/.test(s)))
  )
    s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(headerRow: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [headerRow, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

const LINE_ITEM_COLUMNS = [
  'invoiceNumber',
  'orderId',
  'orderDate',
  'customerId',
  'customerName',
  'productId',
  'skuId',
  'productName',
  'skuName',
  'chargeType',
  'quantity',
  'unitPrice',
  'subtotal',
  'taxTotal',
  'totalForCustomer',
  'currency',
  'subscriptionId',
  'reservationOrderId',
  'chargeStartDate',
  'chargeEndDate',
] as const;

/** Every one-time line item, one row each, with the request that explains it (empty when none does). */
export function lineItemsCsv(
  lines: readonly OneTimeInvoiceLineItem[],
  explainedBy: (line: OneTimeInvoiceLineItem) => string | undefined,
): string {
  return toCsv(
    [...LINE_ITEM_COLUMNS, 'approvedRequest'],
    lines.map((l) => [...LINE_ITEM_COLUMNS.map((c) => l[c]), explainedBy(l) ?? '']),
  );
}

function orderTotal(o: Order): number | undefined {
  if (o.totalPrice !== undefined) return o.totalPrice;
  const prices = o.lineItems.map(
    (l) =>
      l.pricing?.extendedPrice ?? (l.pricing?.price !== undefined ? l.pricing.price * l.quantity : undefined),
  );
  return prices.every((p) => p !== undefined) && prices.length > 0
    ? round2(prices.reduce<number>((s, p) => s + (p ?? 0), 0))
    : undefined;
}

export function ordersCsv(orders: readonly Order[]): string {
  const rows: unknown[][] = [];
  for (const o of orders) {
    for (const l of o.lineItems) {
      rows.push([
        o.id,
        o.creationDate,
        o.status,
        o.billingCycle,
        o.currencyCode,
        orderTotal(o),
        l.lineItemNumber,
        l.offerId,
        l.friendlyName,
        l.quantity,
        l.termDuration,
        l.subscriptionId,
      ]);
    }
  }
  return toCsv(
    [
      'orderId',
      'creationDate',
      'status',
      'billingCycle',
      'currency',
      'orderTotal',
      'lineItemNumber',
      'offerId',
      'friendlyName',
      'quantity',
      'termDuration',
      'subscriptionId',
    ],
    rows,
  );
}

export interface EntitlementView {
  entitlement: Entitlement;
  /** Nesting depth: included entitlements (bundles) are shown under their parent. */
  depth: number;
  reservations: Reservation[];
  /** Why reservation details are missing, when they are. */
  reservationNote?: string | undefined;
}

export function entitlementsCsv(views: readonly EntitlementView[]): string {
  const rows: unknown[][] = [];
  for (const v of views) {
    const e = v.entitlement;
    const base = [
      e.referenceOrder.id,
      e.productId,
      e.skuId,
      e.entitlementType,
      e.quantity,
      e.fulfillmentState,
      e.expiryDate,
      v.depth > 0 ? 'included' : '',
    ];
    if (v.reservations.length === 0) rows.push([...base, '', '', '', '', '', v.reservationNote ?? '']);
    for (const r of v.reservations)
      rows.push([
        ...base,
        r.reservationId,
        r.displayName,
        r.scopeType,
        r.quantity,
        r.expiryDateTime,
        r.provisioningState,
      ]);
  }
  return toCsv(
    [
      'orderId',
      'productId',
      'skuId',
      'entitlementType',
      'quantity',
      'fulfillmentState',
      'expiryDate',
      'included',
      'reservationId',
      'reservationName',
      'scope',
      'reservationQuantity',
      'reservationExpiry',
      'provisioningState',
    ],
    rows,
  );
}

// ---------------------------------------------------------------------------------------------------
// Command answers

export interface Answer {
  text: string;
  blocks?: KnownBlock[];
}

export function usageAnswer(usage: string, problem?: string): Answer {
  return { text: fallback(`${problem ? `${problem}\n` : ''}Usage: \`${usage}\``) };
}

export function refusalAnswer(usergroupId: string | undefined): Answer {
  const who = usergroupId ? `the finance team (<!subteam^${usergroupId}>)` : 'the finance team';
  return {
    text: `Sorry, finance commands are only for ${who}. Ask a Slack admin to add you to FINANCE_USER_IDS${usergroupId ? ' or to the group' : ' or FINANCE_USERGROUP_ID'} if you need them.`,
  };
}

function summaryLines(s: InvoiceSummary): string[] {
  const lines = [`*${amount(s.balanceAmount, s.currencyCode)}* outstanding`];
  if (s.latestInvoiceDate && !s.latestInvoiceDate.startsWith(NEVER_PREFIX))
    lines.push(`Latest invoice: ${day(s.latestInvoiceDate)}`);
  if (s.lastPaymentDate && !s.lastPaymentDate.startsWith(NEVER_PREFIX)) {
    lines.push(`Last payment: ${amount(s.lastPaymentAmount, s.currencyCode)} on ${day(s.lastPaymentDate)}`);
  } else lines.push('No payment recorded');
  for (const d of s.details ?? []) {
    const label =
      d.invoiceType === 'one_time' ? 'One-time' : d.invoiceType === 'recurring' ? 'Recurring' : d.invoiceType;
    lines.push(`• ${label}: ${amount(d.summary.balanceAmount, d.summary.currencyCode)}`);
  }
  return lines;
}

/** `balance`: the account balance, then one summary per currency (or why those are missing). */
export function buildBalanceAnswer(
  balance: InvoiceSummary,
  summaries: readonly InvoiceSummary[] | { unavailable: string },
): Answer {
  const blocks: KnownBlock[] = [header('Account balance'), section(summaryLines(balance).join('\n'))];
  if ('unavailable' in summaries) {
    blocks.push(context(`Summaries per currency are not available: ${summaries.unavailable}`));
  } else if (summaries.length === 0) {
    blocks.push(context('Partner Center lists no invoice summaries per currency.'));
  } else {
    blocks.push({ type: 'divider' }, section(`*Invoice summaries by currency* (${summaries.length})`));
    const budget = FINANCE_LIMITS.messageBlocks - blocks.length - 1;
    const list = listSections(
      summaries.map((s) => `*${escapeMrkdwn(s.currencyCode)}*\n${summaryLines(s).join('\n')}`),
      budget,
    );
    blocks.push(...list.blocks);
    if (list.shown < summaries.length)
      blocks.push(context(`…and ${summaries.length - list.shown} more currencies not shown.`));
  }
  const currencies =
    'unavailable' in summaries ? '' : ` (${summaries.length} currenc${summaries.length === 1 ? 'y' : 'ies'})`;
  return {
    text: fallback(`Account balance: ${amount(balance.balanceAmount, balance.currencyCode)}${currencies}`),
    blocks,
  };
}

/** `invoices [page]`: one page of invoices, newest first, with where the next page is. */
export function buildInvoiceListAnswer(
  page: readonly Invoice[],
  pageNumber: number,
  pages: number,
  totalInvoices: number,
): Answer {
  if (totalInvoices === 0) return { text: 'Partner Center lists no invoices yet.' };
  const lines = page.map(
    (i) =>
      `• ${code(i.id)} ${day(i.invoiceDate)} — ${amount(i.totalCharges, i.currencyCode)}${i.invoiceType ? ` (${i.invoiceType === 'one_time' ? 'one-time' : i.invoiceType})` : ''}, period ${period(i)}${i.paidAmount && i.totalCharges !== undefined && i.paidAmount >= i.totalCharges ? ', paid' : ''}`,
  );
  const next = pageNumber < pages ? ` \`/purchase invoices ${pageNumber + 1}\` shows the next.` : '';
  const blocks: KnownBlock[] = [
    header(`Invoices — page ${pageNumber} of ${pages}`),
    ...packLines(lines).map(section),
    context(
      `${totalInvoices} invoice${totalInvoices === 1 ? '' : 's'}, newest first, ${FINANCE_LIMITS.invoicesPerPage} per page.${next} \`/purchase invoice <id>\` shows one with its PDF.`,
    ),
  ];
  return { text: fallback(`Invoices, page ${pageNumber} of ${pages}.${next}`), blocks };
}

export interface InvoiceAnswerInput {
  invoice: Invoice;
  lines: readonly OneTimeInvoiceLineItem[];
  oneTime: boolean;
  explainedBy: (line: OneTimeInvoiceLineItem) => string | undefined;
  /** What happened to the PDF (sent to the DM, or why not). */
  pdfNote: string;
  /** What happened to the CSV of line items, when there are any. */
  csvNote?: string | undefined;
}

/** `invoice <id>`: the summary, the first one-time line items and where the rest are. */
export function buildInvoiceAnswer(input: InvoiceAnswerInput): Answer {
  const { invoice, lines } = input;
  const charges = chargeBreakdown(invoice, input.oneTime ? lines : undefined);
  const blocks: KnownBlock[] = [
    header(`Invoice ${invoice.id}`),
    fields([
      ['Date', day(invoice.invoiceDate)],
      ['Billing period', period(invoice)],
      ['Total', amount(invoice.totalCharges, invoice.currencyCode)],
      ['Paid', amount(invoice.paidAmount ?? 0, invoice.currencyCode)],
      ['Charges', chargeLines(invoice, charges).join('\n')],
      ...(invoice.documentType && invoice.documentType !== 'invoice'
        ? [['Document', invoice.documentType.replace(/_/g, ' ')] as const]
        : []),
    ]),
    context(`PDF: ${input.pdfNote}`),
  ];
  if (input.oneTime) {
    const explained = lines.filter((l) => input.explainedBy(l)).length;
    if (lines.length === 0) {
      blocks.push(section('No one-time line items on this invoice.'));
    } else {
      const shown = lines.slice(0, FINANCE_LIMITS.invoiceLinesShown);
      blocks.push(
        section(
          `*One-time line items* — ${lines.length} in all, ${explained} explained by approved requests, ${lines.length - explained} not. ${shown.length < lines.length ? `The first ${shown.length}:` : ''}`,
        ),
        ...packLines(shown.map((l) => lineItemText(l, input.explainedBy(l) ?? ''))).map(section),
      );
      if (input.csvNote) blocks.push(context(input.csvNote));
    }
  } else {
    blocks.push(context('This invoice has no one-time charges (it bills recurring charges only).'));
  }
  return {
    text: fallback(
      `Invoice ${invoice.id} dated ${day(invoice.invoiceDate)}: ${amount(invoice.totalCharges, invoice.currencyCode)}.`,
    ),
    blocks,
  };
}

export function customerLabel(c: Customer): string {
  return c.companyProfile?.companyName ?? c.billingProfile?.companyName ?? c.id;
}

/** The answer when a name prefix matches several customers. */
export function buildAmbiguousCustomerAnswer(query: string, matches: readonly Customer[]): Answer {
  const shown = matches.slice(0, FINANCE_LIMITS.listedItems);
  const more =
    matches.length > shown.length
      ? `\n…and ${matches.length - shown.length} more; a longer name narrows it down.`
      : '';
  return {
    text: fallback(
      `${matches.length} customers' names start with “${escapeMrkdwn(query)}”:\n${shown.map((c) => `• ${escapeMrkdwn(customerLabel(c))} — ${code(c.id)}`).join('\n')}${more}\nSay which with more of the name or the customer id.`,
    ),
  };
}

function orderLine(o: Order): string {
  const items = o.lineItems
    .map((l) => `${l.quantity} × ${escapeMrkdwn(l.friendlyName ?? l.offerId)}`)
    .join(', ');
  const cycle = o.billingCycle ? o.billingCycle.replace(/_/g, '-') : 'unknown cycle';
  return truncate(
    `• ${code(o.id)} ${day(o.creationDate)} — ${o.status ?? 'status unknown'}, ${cycle}, ${amount(orderTotal(o), o.currencyCode)}: ${items || 'no line items'}`,
    FINANCE_LIMITS.line,
  );
}

export function sortOrdersNewestFirst(orders: readonly Order[]): Order[] {
  return [...orders].sort(
    (a, b) => dayMs(b.creationDate) - dayMs(a.creationDate) || b.id.localeCompare(a.id),
  );
}

/** `orders <customer> [billing type]`: the newest orders, the rest in an attached CSV. */
export function buildOrdersAnswer(
  customer: Customer,
  orders: readonly Order[],
  billingType: string | undefined,
  csvNote?: string,
): Answer {
  const name = customerLabel(customer);
  const kind = billingType ? ` (${billingType === 'one_time' ? 'one-time' : billingType})` : '';
  if (orders.length === 0) {
    return {
      text: fallback(
        `${name} has no orders${kind} listed in Partner Center. Orders placed in the last 15 minutes may not be listed yet.`,
      ),
    };
  }
  const shown = orders.slice(0, FINANCE_LIMITS.listedItems);
  const blocks: KnownBlock[] = [
    header(truncate(`Orders of ${name}${kind}`, FINANCE_LIMITS.headerText)),
    ...packLines(shown.map(orderLine)).map(section),
    context(
      `${orders.length} order${orders.length === 1 ? '' : 's'}, newest first${shown.length < orders.length ? `; the ${shown.length} newest are shown. ${csvNote ?? ''}` : '.'} Orders placed in the last 15 minutes may not be listed yet.`,
    ),
  ];
  return {
    text: fallback(`${orders.length} order${orders.length === 1 ? '' : 's'}${kind} of ${name}.`),
    blocks,
  };
}

function entitlementLine(v: EntitlementView): string {
  const e = v.entitlement;
  const indent = v.depth > 0 ? '    ↳ ' : '• ';
  const type = e.entitlementType.replace(/_/g, ' ');
  const expiry = e.expiryDate ? `, expires ${day(e.expiryDate)}` : '';
  const head = `${indent}${code(`${e.productId}:${e.skuId}`)} ${type}, quantity ${e.quantity}${expiry} — order ${code(e.referenceOrder.id)}`;
  const reservations = v.reservations.map(
    (r) =>
      `      reservation ${code(r.reservationId)}${r.displayName ? ` “${escapeMrkdwn(r.displayName)}”` : ''}: ${r.quantity ?? '?'} × ${r.scopeType ?? 'scope unknown'} scope, ${r.provisioningState ?? 'state unknown'}, ${day(r.effectiveDateTime)} to ${day(r.expiryDateTime)}`,
  );
  const note = v.reservationNote ? [`      _${escapeMrkdwn(v.reservationNote)}_`] : [];
  return truncate([head, ...reservations, ...note].join('\n'), FINANCE_LIMITS.line * 3);
}

/** `entitlements <customer>`: entitlements, reservation details under each reservation. */
export function buildEntitlementsAnswer(
  customer: Customer,
  views: readonly EntitlementView[],
  csvNote?: string,
): Answer {
  const name = customerLabel(customer);
  if (views.length === 0) return { text: fallback(`${name} has no entitlements in Partner Center.`) };
  const shown = views.slice(0, FINANCE_LIMITS.listedItems);
  const top = views.filter((v) => v.depth === 0).length;
  const blocks: KnownBlock[] = [
    header(truncate(`Entitlements of ${name}`, FINANCE_LIMITS.headerText)),
    ...packLines(shown.map(entitlementLine)).map(section),
    context(
      `${top} entitlement${top === 1 ? '' : 's'}${views.length > top ? ` (${views.length - top} included in bundles)` : ''}.${shown.length < views.length ? ` The first ${shown.length} are shown. ${csvNote ?? ''}` : ''}`,
    ),
  ];
  return { text: fallback(`${top} entitlement${top === 1 ? '' : 's'} of ${name}.`), blocks };
}
