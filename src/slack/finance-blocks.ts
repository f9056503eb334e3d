import type { KnownBlock } from '@slack/types';
import {
  calendarDay,
  chargeBreakdown as chargeBreakdownOf,
  currencyOf,
  customerName,
  isNever,
  lineAmount,
  orderTotal,
  reservationTerm,
  sumLines,
  type Amount,
  type BalanceFacts,
  type ChargeBreakdown,
  type ChargeLine,
  type CustomerFacts,
  type EntitlementFacts,
  type InvoiceFacts,
  type OrderFacts,
  type ReservationFacts,
} from '../purchases/billing';
import type { PurchaseRequest } from '../purchases/model';
import { toCsv } from './csv';
import { amount, escapeMrkdwn, humanTerm, mrkdwn, plain, plural, truncate } from './text';

export { toCsv } from './csv';

/**
 * Block Kit and words for the finance side, as pure functions of billing facts
 * (src/purchases/billing.ts): the invoice announcement and its reconciliation, the orphan-order
 * alarm, and every finance command's answer. Nothing here imports Partner Center or the store:
 * Partner Center's types satisfy the facts structurally. Slack's limits (section text 3000, field
 * 2000, header 150, 50 blocks per message) are kept here: long lists are packed into several
 * sections, and what does not fit is counted and said to be in an attached CSV or on the next page,
 * never dropped silently. No environment variable name reaches a reader: operator hints go to logs.
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

/** A calendar day (UTC), the way invoices and billing periods are dated; "never" for Partner Center's zero date. */
export const day = calendarDay;

function code(text: string): string {
  // Backticks inside inline code would end it; ids never contain them, but user input might.
  return `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;
}

function productOf(line: ChargeLine): string {
  const name = [line.productName, line.skuName].filter((s): s is string => Boolean(s)).join(' — ');
  return name || [line.productId, line.skuId].filter(Boolean).join(':') || 'unnamed product';
}

/** One line item as one mrkdwn line: order, customer, product, quantity and amount. */
export function lineItemText(line: ChargeLine, explainedBy?: string): string {
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

function chargeLines(invoice: InvoiceFacts, charges: ChargeBreakdown): string[] {
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

function period(invoice: InvoiceFacts): string {
  return `${day(invoice.billingPeriodStartDate)} to ${day(invoice.billingPeriodEndDate)}`;
}

/** The finance channel's message for a new invoice; its thread gets the PDF and the reconciliation. */
export function buildInvoiceAnnouncement(invoice: InvoiceFacts, charges: ChargeBreakdown): Message {
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

// ---------------------------------------------------------------------------------------------------
// Partner Center's troubles, in words

/**
 * Why Partner Center could not give something: the bot lacks the user sign-in Microsoft requires
 * for it (App+User: invoice by id, PDF, summaries, entitlements), or Partner Center failed and said
 * why. The operator's fix (which setting) is logged, never shown here.
 */
export type Trouble =
  { kind: 'needs_user_sign_in' } | { kind: 'failed'; said: string; retryAfterMs?: number | undefined };

/** What the sign-in is needed for, as the sentence names it. */
export type SignInTopic =
  'invoices' | 'invoice PDFs' | 'invoice summaries per currency' | 'entitlements' | 'reservation details';

export function troubleText(t: Trouble, topic: SignInTopic): string {
  switch (t.kind) {
    case 'needs_user_sign_in':
      return `the bot is not signed in to Partner Center with a user account, which Microsoft requires for ${topic}; ask the bot's operator.`;
    case 'failed': {
      const wait = t.retryAfterMs
        ? ` Partner Center asked to wait ${Math.ceil(t.retryAfterMs / 1000)} s.`
        : '';
      return `Partner Center could not answer: ${escapeMrkdwn(t.said.slice(0, 500))}${wait} Please try again in a few minutes.`;
    }
    default: {
      const unreachable: never = t;
      throw new Error(`Unhandled trouble ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Said once in the invoice's thread when the PDF cannot be fetched for lack of a user sign-in. */
export function buildStatementUnavailable(invoiceId: string): string {
  return fallback(
    `I could not attach the PDF statement of ${invoiceId}: ${troubleText({ kind: 'needs_user_sign_in' }, 'invoice PDFs')} I will attach it once I can fetch it.`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Reconciliation (the invoice message's thread)

export interface ExplainedCharge {
  request: Pick<PurchaseRequest, 'id' | 'requesterId' | 'customerName' | 'skuTitle' | 'quantity'>;
  lines: readonly ChargeLine[];
}

export interface Reconciliation {
  invoiceId: string;
  currency: string | undefined;
  total: number;
  explained: readonly ExplainedCharge[];
  unexplained: readonly ChargeLine[];
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
  invoice: Pick<InvoiceFacts, 'id' | 'invoiceDate' | 'currencyCode'>,
  lines: readonly ChargeLine[],
): string {
  const currency = currencyOf(lines, invoice.currencyCode);
  return fallback(
    `:receipt: Your request ${code(request.id)} (${request.quantity} × ${escapeMrkdwn(request.skuTitle)} for ${escapeMrkdwn(request.customerName)}) was charged on invoice ${code(invoice.id)} dated ${day(invoice.invoiceDate)}: ${amount(sumLines(lines), currency)}.`,
  );
}

// ---------------------------------------------------------------------------------------------------
// Orders nobody approved (approvals channel)

export interface OrphanOrder {
  customer: { id: string; name: string };
  order: OrderFacts;
  /** A request id one of its lines names, which the bot has no approved record of. */
  namedRequestId?: string | undefined;
}

function orderItems(o: OrderFacts): string {
  return (
    o.lineItems.map((l) => `${l.quantity} × ${escapeMrkdwn(l.friendlyName ?? l.offerId)}`).join(', ') ||
    'no line items'
  );
}

/**
 * Raised once per order in the approvals channel: a one-time order in Partner Center that no
 * approved request explains (bought in the portal, by another tool, or after the bot lost its record).
 */
export function buildOrphanOrderAlarm(o: OrphanOrder, approverGroupId: string | undefined): Message {
  const mention = approverGroupId ? `<!subteam^${approverGroupId}> ` : '';
  const total = amount(orderTotal(o.order), o.order.currencyCode);
  const named = o.namedRequestId
    ? ` Its line names request ${code(o.namedRequestId)}, which the bot has no approved record of.`
    : '';
  const head = `:rotating_light: ${mention}Order ${code(o.order.id)} for ${escapeMrkdwn(o.customer.name)} was not approved through the purchase bot.`;
  return {
    text: fallback(`${head} ${total}, placed ${day(o.order.creationDate)}: ${orderItems(o.order)}.${named}`),
    blocks: [
      section(head),
      fields([
        ['Customer', `${escapeMrkdwn(o.customer.name)}\n${code(o.customer.id)}`],
        ['Order', code(o.order.id)],
        ['Placed', day(o.order.creationDate)],
        ['Amount', total],
        ['Items', truncate(orderItems(o.order), FINANCE_LIMITS.line * 2)],
        ['Status', escapeMrkdwn(o.order.status ?? 'unknown')],
      ]),
      context(
        `It was bought in the Partner Center portal, by another tool, or the bot lost its record of the request.${named} Check it in Partner Center, and cancel it there if nobody wanted it.`,
      ),
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// CSV (attachments for long lists)

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
] as const satisfies readonly (keyof ChargeLine)[];

/** Every one-time line item, one row each, with the request that explains it (empty when none does). */
export function lineItemsCsv<L extends ChargeLine>(
  lines: readonly L[],
  explainedBy: (line: L) => string | undefined,
): string {
  return toCsv(
    [...LINE_ITEM_COLUMNS, 'approvedRequest'],
    lines.map((l) => [...LINE_ITEM_COLUMNS.map((c) => l[c]), explainedBy(l) ?? '']),
  );
}

export function ordersCsv(orders: readonly OrderFacts[]): string {
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

/** A reservation as the entitlements answer shows it: its details and its Azure reservation order. */
export interface ReservationView extends ReservationFacts {
  /** The Azure reservation order id (the artifact's resource id; invoices call it reservationOrderId). */
  reservationOrderId?: string | undefined;
}

export interface EntitlementView {
  entitlement: EntitlementFacts;
  /** Catalog names of the product and SKU, when the catalog still knows them. */
  names?: { product: string; sku?: string | undefined } | undefined;
  /** Nesting depth: included entitlements (bundles) are shown under their parent. */
  depth: number;
  reservations: ReservationView[];
  /** Why reservation details are missing, when they are. */
  reservationProblem?: { kind: 'no_link' } | Trouble | undefined;
}

function reservationProblemText(p: EntitlementView['reservationProblem']): string {
  if (!p) return '';
  if (p.kind === 'no_link') return 'Partner Center gives no reservation details link yet.';
  return `Reservation details unavailable: ${troubleText(p, 'reservation details')}`;
}

function productName(v: EntitlementView): string {
  const e = v.entitlement;
  if (!v.names) return `${e.productId}:${e.skuId}`;
  const sku = v.names.sku;
  return sku && !sku.toLowerCase().startsWith(v.names.product.toLowerCase())
    ? `${v.names.product} — ${sku}`
    : (sku ?? v.names.product);
}

function scopeText(r: ReservationFacts): string {
  const kind = r.scopeType ? `${r.scopeType.replace(/_/g, ' ')} scope` : 'scope unknown';
  const applied = (r.appliedScopes ?? []).filter(Boolean);
  return applied.length > 0 ? `${kind} (${applied.map(escapeMrkdwn).join(', ')})` : kind;
}

export function entitlementsCsv(views: readonly EntitlementView[]): string {
  const rows: unknown[][] = [];
  for (const v of views) {
    const e = v.entitlement;
    const base = [
      e.referenceOrder.id,
      e.productId,
      e.skuId,
      v.names?.product ?? '',
      v.names?.sku ?? '',
      e.entitlementType,
      e.quantity,
      e.fulfillmentState,
      e.expiryDate,
      v.depth > 0 ? 'included' : '',
    ];
    if (v.reservations.length === 0)
      rows.push([...base, '', '', '', '', '', '', '', '', reservationProblemText(v.reservationProblem)]);
    for (const r of v.reservations)
      rows.push([
        ...base,
        r.reservationOrderId,
        r.reservationId,
        r.displayName,
        r.scopeType,
        (r.appliedScopes ?? []).join(' '),
        r.quantity,
        reservationTerm(r),
        r.expiryDateTime,
        r.provisioningState,
      ]);
  }
  return toCsv(
    [
      'orderId',
      'productId',
      'skuId',
      'productName',
      'skuName',
      'entitlementType',
      'quantity',
      'fulfillmentState',
      'expiryDate',
      'included',
      'reservationOrderId',
      'reservationId',
      'reservationName',
      'scope',
      'appliedScopes',
      'reservationQuantity',
      'term',
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

export const FINANCE_USAGE = {
  invoices: '/purchase invoices [page]',
  invoice: '/purchase invoice <invoice id>',
  orders: '/purchase orders <customer id or name> [OneTime|Recurring]',
  entitlements: '/purchase entitlements <customer id or name>',
} as const;

export function refusalAnswer(usergroupId: string | undefined): Answer {
  const who = usergroupId ? `the finance team (<!subteam^${usergroupId}>)` : 'the finance team';
  return {
    text: `Sorry, finance commands are only for ${who}. Ask the bot's operator to add you if you need them.`,
  };
}

/** When Slack could not say whether the asker is in the finance user group. */
export const FINANCE_GROUP_UNKNOWN_TEXT =
  'I could not check whether you are in the finance user group (Slack did not answer). Please try again in a minute.';

export function notFinanceVerbAnswer(verb: string, verbs: readonly string[]): Answer {
  return {
    text: `\`${escapeMrkdwn(truncate(verb, 40))}\` is not a finance command. Try ${verbs.map((x) => `\`${x}\``).join(', ')}.`,
  };
}

/** A whole command that Partner Center could not answer. */
export function troubleAnswer(verb: string, t: Trouble, topic: SignInTopic): Answer {
  return t.kind === 'needs_user_sign_in'
    ? { text: `I can't answer \`${verb}\`: ${troubleText(t, topic)}` }
    : { text: troubleText(t, topic) };
}

export function notAPageAnswer(raw: string): Answer {
  return usageAnswer(FINANCE_USAGE.invoices, `“${escapeMrkdwn(truncate(raw, 40))}” is not a page number.`);
}

export function onlyPagesAnswer(pages: number, invoices: number): Answer {
  return {
    text: `There ${pages === 1 ? 'is only 1 page' : `are only ${pages} pages`} of invoices (${plural(invoices, 'invoice')}, ${FINANCE_LIMITS.invoicesPerPage} per page).`,
  };
}

export function noSuchInvoiceAnswer(raw: string, malformed: boolean): Answer {
  return malformed
    ? {
        text: `There is no invoice ${code(truncate(raw, 64))}: invoice ids are letters and digits, like G000024135.`,
      }
    : { text: `There is no invoice ${code(truncate(raw, 64))}. \`/purchase invoices\` lists them.` };
}

export function noSuchCustomerAnswer(query: string, byId: boolean): Answer {
  return byId
    ? { text: `There is no customer ${code(truncate(query, 64))}.` }
    : {
        text: `There is no customer whose name starts with “${escapeMrkdwn(truncate(query, 100))}”. Give the name's start or the customer id.`,
      };
}

/** Where a file went: the asker's DM, or why not. */
export type Delivery = { ok: true } | { ok: false; trouble: Trouble } | { ok: false; slackError: string };

function deliveryText(d: Delivery, what: string, topic: SignInTopic): string {
  if (d.ok) return `${what} was sent to you in a direct message.`;
  if ('trouble' in d) return `${what} is not available: ${troubleText(d.trouble, topic)}`;
  return `${what} could not be sent (Slack said ${escapeMrkdwn(d.slackError)}); please try again.`;
}

/** The note under an answer about the CSV of everything the answer could not list. */
export function csvNote(d: Delivery, what: string): string {
  return deliveryText(d, `The CSV with ${what}`, 'invoices');
}

function summaryLines(s: BalanceFacts): string[] {
  const lines = [`*${amount(s.balanceAmount, s.currencyCode)}* outstanding`];
  if (!isNever(s.latestInvoiceDate)) lines.push(`Latest invoice: ${day(s.latestInvoiceDate)}`);
  if (!isNever(s.lastPaymentDate)) {
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
  balance: BalanceFacts,
  summaries: readonly BalanceFacts[] | { unavailable: Trouble },
): Answer {
  const blocks: KnownBlock[] = [header('Account balance'), section(summaryLines(balance).join('\n'))];
  if ('unavailable' in summaries) {
    blocks.push(
      context(
        `Summaries per currency are not available: ${troubleText(summaries.unavailable, 'invoice summaries per currency')}`,
      ),
    );
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
  page: readonly InvoiceFacts[],
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

export interface InvoiceAnswerInput<L extends ChargeLine = ChargeLine> {
  invoice: InvoiceFacts;
  lines: readonly L[];
  oneTime: boolean;
  explainedBy: (line: L) => string | undefined;
  /** What happened to the PDF: sent to the DM, or why not. */
  pdf: Delivery;
  /** What happened to the CSV of line items, when there are any. */
  csv?: Delivery | undefined;
}

/** `invoice <id>`: the summary, the first one-time line items and where the rest are. */
export function buildInvoiceAnswer<L extends ChargeLine>(input: InvoiceAnswerInput<L>): Answer {
  const { invoice, lines } = input;
  const charges = chargeBreakdownOf(invoice, input.oneTime ? lines : undefined);
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
    context(deliveryText(input.pdf, 'The PDF statement', 'invoice PDFs')),
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
      if (input.csv)
        blocks.push(
          context(
            input.csv.ok
              ? `All ${lines.length} line items are in the CSV sent to you in a direct message.`
              : deliveryText(input.csv, `The CSV of all ${lines.length} line items`, 'invoices'),
          ),
        );
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

export function customerLabel(c: CustomerFacts): string {
  return customerName(c);
}

/** The answer when a name prefix matches several customers. */
export function buildAmbiguousCustomerAnswer(query: string, matches: readonly CustomerFacts[]): Answer {
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

function orderLine(o: OrderFacts): string {
  const cycle = o.billingCycle ? o.billingCycle.replace(/_/g, '-') : 'unknown cycle';
  return truncate(
    `• ${code(o.id)} ${day(o.creationDate)} — ${o.status ?? 'status unknown'}, ${cycle}, ${amount(orderTotal(o), o.currencyCode)}: ${orderItems(o)}`,
    FINANCE_LIMITS.line,
  );
}

/** `orders <customer> [billing type]`: the newest orders, the rest in an attached CSV. */
export function buildOrdersAnswer(
  customer: CustomerFacts,
  orders: readonly OrderFacts[],
  billingType: string | undefined,
  csv?: Delivery,
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
  const note = csv ? csvNote(csv, `all ${orders.length} orders`) : '';
  const blocks: KnownBlock[] = [
    header(truncate(`Orders of ${name}${kind}`, FINANCE_LIMITS.headerText)),
    ...packLines(shown.map(orderLine)).map(section),
    context(
      `${orders.length} order${orders.length === 1 ? '' : 's'}, newest first${shown.length < orders.length ? `; the ${shown.length} newest are shown. ${note}` : '.'} Orders placed in the last 15 minutes may not be listed yet.`,
    ),
  ];
  return {
    text: fallback(`${orders.length} order${orders.length === 1 ? '' : 's'}${kind} of ${name}.`),
    blocks,
  };
}

const ENTITLEMENT_TYPES: Record<string, string> = {
  software: 'software',
  reserved_instance: 'reservation',
  virtual_machine_reserved_instance: 'VM reservation',
};

function entitlementLine(v: EntitlementView): string {
  const e = v.entitlement;
  const indent = v.depth > 0 ? '    ↳ ' : '• ';
  const type = ENTITLEMENT_TYPES[e.entitlementType] ?? e.entitlementType.replace(/_/g, ' ');
  const expiry = e.expiryDate ? `, expires ${day(e.expiryDate)}` : '';
  const head = `${indent}*${escapeMrkdwn(truncate(productName(v), 200))}* — ${type}, quantity ${e.quantity}${expiry}, order ${code(e.referenceOrder.id)}`;
  const reservations = v.reservations.map((r) => {
    const name = r.displayName ? ` “${escapeMrkdwn(truncate(r.displayName, 120))}”` : '';
    const order = r.reservationOrderId ? `reservation order ${code(r.reservationOrderId)}, ` : '';
    const term = reservationTerm(r);
    return `      reservation${name}: ${order}${scopeText(r)}, quantity ${r.quantity ?? 'unknown'}, ${term ? `term ${humanTerm(term)}` : 'term unknown'}, expires ${day(r.expiryDateTime)}${r.provisioningState ? ` (${escapeMrkdwn(r.provisioningState)})` : ''}`;
  });
  const problem = reservationProblemText(v.reservationProblem);
  const note = problem ? [`      _${problem}_`] : [];
  return truncate([head, ...reservations, ...note].join('\n'), FINANCE_LIMITS.line * 3);
}

/** `entitlements <customer>`: entitlements by product name, reservation details under each reservation. */
export function buildEntitlementsAnswer(
  customer: CustomerFacts,
  views: readonly EntitlementView[],
  csv?: Delivery,
): Answer {
  const name = customerLabel(customer);
  if (views.length === 0) return { text: fallback(`${name} has no entitlements in Partner Center.`) };
  const shown = views.slice(0, FINANCE_LIMITS.listedItems);
  const top = views.filter((v) => v.depth === 0).length;
  const note = csv ? csvNote(csv, `all ${views.length} entitlements`) : '';
  const blocks: KnownBlock[] = [
    header(truncate(`Entitlements of ${name}`, FINANCE_LIMITS.headerText)),
    ...packLines(shown.map(entitlementLine)).map(section),
    context(
      `${top} entitlement${top === 1 ? '' : 's'}${views.length > top ? ` (${views.length - top} included in bundles)` : ''}.${shown.length < views.length ? ` The first ${shown.length} are shown. ${note}` : ''}`,
    ),
  ];
  return { text: fallback(`${top} entitlement${top === 1 ? '' : 's'} of ${name}.`), blocks };
}

/** Totals per currency, the way the audit answer states them. */
export function amountsText(sums: readonly Amount[]): string {
  return sums.length === 0 ? 'none' : sums.map((s) => amount(s.amount, s.currency)).join(', ');
}
