import type { Failure, OrderLine, OrderSummary, RegistrationState } from './model';

/**
 * What happened to a request that people must hear about, as facts. Services hand these to the
 * notifier; src/slack/messages.ts turns each into words (one home per word).
 */
export type Notice =
  | { kind: 'approved'; by: string; complete: boolean }
  | { kind: 'rejected'; by: string; reason: string }
  | { kind: 'withdrawn'; by: string }
  | { kind: 'expired' }
  | { kind: 'reminder'; expiresAt: number }
  | { kind: 'escalation'; waitedMs: number }
  | { kind: 'question'; by: string; text: string }
  | { kind: 'answer'; by: string; text: string }
  | { kind: 'registration'; subscriptionId: string; status: RegistrationState }
  | { kind: 'plan_ordering' }
  | { kind: 'plan_ordered'; orderId: string }
  | { kind: 'plan_ready'; subscriptionId: string }
  | { kind: 'ordered'; orders: OrderSummary[]; refusedGroups: { code: string; description: string }[] }
  | { kind: 'confirmed'; orders: OrderSummary[] }
  | { kind: 'outcome_unknown'; pcCode?: string | undefined; pcMessage?: string | undefined }
  | { kind: 'order_found'; orders: OrderSummary[] }
  | { kind: 'order_not_found_yet'; searches: number; since: number }
  | { kind: 'order_status'; orderId: string; orderStatus: string; lines: OrderLine[] }
  | { kind: 'order_missing'; orderIds: string[]; checks: number }
  | { kind: 'failed'; failure: Failure }
  | { kind: 'card_undeliverable' }
  | { kind: 'cancel_window_closing'; until: number }
  | { kind: 'order_cancelled'; by: string }
  | { kind: 'cancel_refused'; by: string; windowClosed: boolean; pcMessage?: string | undefined }
  | {
      kind: 'invoiced';
      invoiceId: string;
      invoiceDate: string;
      amount: number;
      currency: string | undefined;
    };

export type NoticeKind = Notice['kind'];

/** Notices that must reach approvers as well as the requester (a DM or a channel message, never a thread reply alone). */
/**
 * What the requester must not miss: outcomes and anything asking them to act. Their DM thread's
 * replies notify only people following the thread, and a thread the bot started may not be followed
 * (Slack Help "Use threads to organise discussions": you follow threads you start, reply to or are
 * mentioned in), so these replies are also sent to the conversation (`reply_broadcast`, which
 * chat.postMessage documents as making the reply "visible to everyone in the channel or
 * conversation"). Steps along the way stay in the thread.
 */
export const REQUESTER_ALERTS: ReadonlySet<NoticeKind> = new Set<NoticeKind>([
  'rejected',
  'expired',
  'question',
  'confirmed',
  'failed',
  'outcome_unknown',
  'order_status',
  'order_missing',
  'card_undeliverable',
  'cancel_window_closing',
  'cancel_refused',
]);

export const APPROVER_ALARMS: ReadonlySet<NoticeKind> = new Set<NoticeKind>([
  'failed',
  'outcome_unknown',
  'order_not_found_yet',
  'order_status',
  'order_missing',
  'reminder',
  'escalation',
  'withdrawn',
  'cancel_window_closing',
  'order_cancelled',
  'cancel_refused',
]);

/** Who a notice is for: the requester in their thread, the approvers where Slack notifies them. */
export type Audience = 'requester' | 'approvers';

/**
 * Slack work still owed for a request whose state has already changed (a sweep expired it, then the
 * requester could not be sent a DM): the messages showing it to re-render, and each notice with the
 * audiences it has not reached yet. Kept until delivered, so a retry repeats nothing that landed.
 */
export interface Undelivered {
  refresh: boolean;
  notices: { notice: Notice; to: Audience[] }[];
}

export const nothingOwed = (u: Undelivered): boolean =>
  !u.refresh && u.notices.every((n) => n.to.length === 0);
