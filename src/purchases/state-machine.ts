import type { Failure, OrderSummary, PurchaseRequest } from './model';

/**
 * Every change to a request is an event applied by this pure function. Expected refusals
 * (self-approval, already decided) are values the caller renders; nothing here throws for them.
 */
export type PurchaseEvent =
  | { type: 'approve'; by: string }
  | { type: 'reject'; by: string; reason: string }
  | { type: 'cancel'; by: string }
  | { type: 'expire' }
  | { type: 'remind' }
  | { type: 'start_ordering' }
  | { type: 'prepare_cart'; cartRequestId: string }
  | { type: 'cart_created'; cartId: string }
  | { type: 'prepare_checkout'; checkoutRequestId: string }
  | { type: 'ordered'; orders: OrderSummary[] }
  | { type: 'fail'; failure: Failure }
  | { type: 'confirm' }
  | { type: 'confirmation_missing' }
  | { type: 'invoiced'; invoiceId: string }
  | { type: 'slack_refs'; refs: PurchaseRequest['slack'] };

export type RefusalCode =
  'self_approval' | 'already_approved_by_you' | 'not_pending' | 'not_requester' | 'invalid_transition';

export type TransitionResult =
  | { ok: true; request: PurchaseRequest; changed: boolean }
  | { ok: false; code: RefusalCode; status: PurchaseRequest['status'] };

const refuse = (r: PurchaseRequest, code: RefusalCode): TransitionResult => ({
  ok: false,
  code,
  status: r.status,
});
const next = (r: PurchaseRequest, patch: Partial<PurchaseRequest>): TransitionResult => ({
  ok: true,
  request: { ...r, ...patch },
  changed: true,
});

export function transition(r: PurchaseRequest, event: PurchaseEvent, now: number): TransitionResult {
  switch (event.type) {
    case 'approve': {
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      if (event.by === r.requesterId) return refuse(r, 'self_approval');
      if (r.approvals.some((a) => a.by === event.by)) return refuse(r, 'already_approved_by_you');
      const approvals = [...r.approvals, { by: event.by, at: now }];
      return next(r, {
        approvals,
        status: approvals.length >= r.requiredApprovals ? 'approved' : 'pending_approval',
      });
    }
    case 'reject':
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      if (event.by === r.requesterId) return refuse(r, 'self_approval');
      return next(r, { status: 'rejected', rejection: { by: event.by, at: now, reason: event.reason } });
    case 'cancel':
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      if (event.by !== r.requesterId) return refuse(r, 'not_requester');
      return next(r, { status: 'cancelled', cancellation: { by: event.by, at: now } });
    case 'expire':
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      return next(r, { status: 'expired' });
    case 'remind':
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      return next(r, { reminded: true });
    case 'start_ordering':
      if (r.status === 'ordering') return { ok: true, request: r, changed: false };
      if (r.status !== 'approved') return refuse(r, 'invalid_transition');
      return next(r, { status: 'ordering' });
    case 'prepare_cart':
      if (r.status !== 'ordering') return refuse(r, 'invalid_transition');
      // Never replace an id that may already have reached Partner Center.
      if (r.cartRequestId) return { ok: true, request: r, changed: false };
      return next(r, { cartRequestId: event.cartRequestId });
    case 'cart_created':
      if (r.status !== 'ordering') return refuse(r, 'invalid_transition');
      if (r.cartId === event.cartId) return { ok: true, request: r, changed: false };
      if (r.cartId) return refuse(r, 'invalid_transition');
      return next(r, { cartId: event.cartId });
    case 'prepare_checkout':
      if (r.status !== 'ordering' || !r.cartId) return refuse(r, 'invalid_transition');
      if (r.checkoutRequestId) return { ok: true, request: r, changed: false };
      return next(r, { checkoutRequestId: event.checkoutRequestId });
    case 'ordered':
      if (r.status === 'ordered') return { ok: true, request: r, changed: false };
      if (r.status !== 'ordering') return refuse(r, 'invalid_transition');
      return next(r, { status: 'ordered', orders: event.orders });
    case 'fail':
      if (r.status !== 'approved' && r.status !== 'ordering') return refuse(r, 'invalid_transition');
      return next(r, { status: 'failed', failure: event.failure });
    case 'confirm':
      if (r.status === 'confirmed') return { ok: true, request: r, changed: false };
      if (r.status !== 'ordered') return refuse(r, 'invalid_transition');
      return next(r, { status: 'confirmed', confirmedAt: now, confirmationMissing: false });
    case 'confirmation_missing':
      if (r.status !== 'ordered') return refuse(r, 'invalid_transition');
      return next(r, { confirmationMissing: true });
    case 'invoiced': {
      const invoices = r.invoices ?? [];
      if (invoices.includes(event.invoiceId)) return { ok: true, request: r, changed: false };
      return next(r, { invoices: [...invoices, event.invoiceId] });
    }
    case 'slack_refs':
      return next(r, { slack: { ...r.slack, ...event.refs } });
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
    }
  }
}
