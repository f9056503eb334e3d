import type { AuditEntry } from '../purchases/audit';
import { sumsByCurrency, type Amount, type PeriodProblem } from '../purchases/billing';
import { ordersOf, totalPrice, type PurchaseRequest, type RequestStatus } from '../purchases/model';
import { toCsv } from './csv';
import { amountsText } from './finance-blocks';
import { escapeMrkdwn, plural, truncate } from './text';

/**
 * `/purchase audit [from] [to]`: the CSV of every request created in the period, with who decided
 * what and when, the orders and invoices, the state and the totals, and the answer that says where
 * it went. Pure: the service hands over requests and their audit trails.
 */

export interface AuditRecord {
  request: PurchaseRequest;
  trail: readonly AuditEntry[];
}

/** Requests whose orders Partner Center took and kept: the money that moved. */
const ORDERED: ReadonlySet<RequestStatus> = new Set<RequestStatus>(['ordered', 'confirmed']);

export const AUDIT_USAGE = '/purchase audit [from YYYY-MM-DD] [to YYYY-MM-DD]';

function iso(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString();
}

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const COLUMNS = [
  'requestId',
  'createdAt',
  'requester',
  'customerId',
  'customerName',
  'kind',
  'productId',
  'product',
  'skuId',
  'sku',
  'quantity',
  'term',
  'billingCycle',
  'unitPrice',
  'total',
  'currency',
  'state',
  'approvalsRequired',
  'approvedBy',
  'approvedAt',
  'rejectedBy',
  'rejectedAt',
  'rejectionReason',
  'withdrawnBy',
  'withdrawnAt',
  'expiredAt',
  'orders',
  'orderStatuses',
  'orderedAt',
  'confirmedAt',
  'orderCancelledBy',
  'orderCancelledAt',
  'invoices',
  'justification',
  'history',
] as const;

function row(rec: AuditRecord): unknown[] {
  const r = rec.request;
  const orders = ordersOf(r);
  const expired = r.status === 'expired' ? rec.trail.find((e) => e.status === 'expired')?.at : undefined;
  const orderedAt = 'orderedAt' in r ? r.orderedAt : undefined;
  const confirmedAt = r.status === 'confirmed' ? r.confirmedAt : undefined;
  const cancellation = 'orderCancellation' in r ? r.orderCancellation : undefined;
  const values: Record<(typeof COLUMNS)[number], unknown> = {
    requestId: r.id,
    createdAt: iso(r.createdAt),
    requester: r.requesterId,
    customerId: r.customerId,
    customerName: r.customerName,
    kind: r.kind,
    productId: r.productId,
    product: r.productTitle,
    skuId: r.skuId,
    sku: r.skuTitle,
    quantity: r.quantity,
    term: r.termDuration ?? 'perpetual',
    billingCycle: r.billingCycle,
    unitPrice: r.price.known ? r.price.unit : '',
    total: totalPrice(r) ?? '',
    currency: r.price.known ? r.price.currency : '',
    state: r.status,
    approvalsRequired: r.requiredApprovals,
    approvedBy: r.approvals.map((a) => a.by).join(' '),
    approvedAt: r.approvals.map((a) => iso(a.at)).join(' '),
    rejectedBy: r.status === 'rejected' ? r.rejection.by : '',
    rejectedAt: r.status === 'rejected' ? iso(r.rejection.at) : '',
    rejectionReason: r.status === 'rejected' ? r.rejection.reason : '',
    withdrawnBy: r.status === 'cancelled' ? r.cancellation.by : '',
    withdrawnAt: r.status === 'cancelled' ? iso(r.cancellation.at) : '',
    expiredAt: iso(expired),
    orders: orders.map((o) => o.id).join(' '),
    orderStatuses: orders.map((o) => o.status).join(' '),
    orderedAt: iso(orderedAt),
    confirmedAt: iso(confirmedAt),
    orderCancelledBy: cancellation?.by ?? '',
    orderCancelledAt: r.status === 'order_cancelled' ? iso(r.orderCancellation.doneAt) : '',
    invoices: (r.invoices ?? []).join(' '),
    justification: r.justification,
    history: rec.trail.map((e) => `${iso(e.at)} ${e.event} by ${e.actor}`).join('; '),
  };
  return COLUMNS.map((c) => values[c]);
}

export interface AuditTotals {
  /** Every request of the period with a known price, per currency. */
  requested: Amount[];
  /** Requests Partner Center ordered (ordered or confirmed), per currency. */
  ordered: Amount[];
  /** Requests whose price was not known (not in any total). */
  unpriced: number;
}

export function auditTotals(records: readonly AuditRecord[]): AuditTotals {
  const priced = records
    .map((rec) => rec.request)
    .flatMap((r) => {
      const total = totalPrice(r);
      return total !== undefined && r.price.known
        ? [{ amount: total, currency: r.price.currency, ordered: ORDERED.has(r.status) }]
        : [];
    });
  return {
    requested: sumsByCurrency(priced),
    ordered: sumsByCurrency(priced.filter((p) => p.ordered)),
    unpriced: records.length - priced.length,
  };
}

/**
 * One row per request, oldest first, then the totals per currency under the `total` and `currency`
 * columns (requested, then ordered). Every cell goes through the formula-safe `toCsv`: a
 * justification that starts with `=` stays text.
 */
export function auditCsv(records: readonly AuditRecord[]): string {
  const totals = auditTotals(records);
  const totalRow = (label: string, a: Amount): unknown[] =>
    COLUMNS.map((c) =>
      c === 'requestId' ? label : c === 'total' ? a.amount : c === 'currency' ? a.currency : '',
    );
  return toCsv(COLUMNS, [
    ...records.map(row),
    ...totals.requested.map((a) => totalRow('Total requested', a)),
    ...totals.ordered.map((a) => totalRow('Total ordered', a)),
  ]);
}

export function auditFilename(from: number, to: number): string {
  return `purchase-audit-${isoDay(from)}-to-${isoDay(to)}.csv`;
}

export function auditAnswer(input: {
  from: number;
  to: number;
  records: readonly AuditRecord[];
  delivered: { ok: true } | { ok: false; slackError: string };
}): { text: string } {
  const period = `${isoDay(input.from)} to ${isoDay(input.to)}`;
  if (input.records.length === 0) return { text: `No purchase requests were made from ${period}.` };
  const totals = auditTotals(input.records);
  const byState = new Map<string, number>();
  for (const { request } of input.records)
    byState.set(request.status, (byState.get(request.status) ?? 0) + 1);
  const states = [...byState.entries()].map(([s, n]) => `${n} ${s.replace(/_/g, ' ')}`).join(', ');
  const unpriced =
    totals.unpriced > 0 ? ` (${plural(totals.unpriced, 'request')} without a known price)` : '';
  const where = input.delivered.ok
    ? 'The CSV, with every decision, order and invoice, was sent to you in a direct message.'
    : `The CSV could not be sent (Slack said ${escapeMrkdwn(input.delivered.slackError)}); please try again.`;
  return {
    text: truncate(
      `*Purchase audit, ${period}*: ${plural(input.records.length, 'request')} (${states}).\nRequested: ${amountsText(totals.requested)}${unpriced}. Ordered: ${amountsText(totals.ordered)}.\n${where}`,
      3000,
    ),
  };
}

export const AUDIT_REFUSAL_TEXT =
  '`/purchase audit` is only for approvers and the finance team. Ask one of them for the report.';

export function auditUsageText(problem: PeriodProblem, word?: string): string {
  const why =
    problem === 'bad_date'
      ? `“${escapeMrkdwn(truncate(word ?? '', 40))}” is not a date: write it as YYYY-MM-DD, like 2026-01-31.`
      : problem === 'reversed'
        ? 'The first date must not be after the second.'
        : 'Give at most two dates: from and to.';
  return `${why}\nUsage: \`${AUDIT_USAGE}\` (without dates: the last 30 days).`;
}

export const AUDIT_UNKNOWN_TEXT =
  'I could not check whether you are an approver or in the finance team (Slack did not answer). Please try again in a minute.';
