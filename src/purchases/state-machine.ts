import {
  startProgress,
  type Attention,
  type AttentionRequest,
  type CartProgress,
  type ConversationEntry,
  type Failure,
  type OrderingProgress,
  type OrderLine,
  type OrderSummary,
  type PlanProgress,
  type PurchaseRequest,
  type SlackRefs,
} from './model';

/**
 * Every change to a request is an event applied by this pure function. Expected refusals
 * (self-approval, already decided, expired) are values the caller renders; nothing here throws for
 * them.
 */

/** Which cart an event is about: the Azure plan bought first, or the purchase itself. */
export type CartScope = 'plan' | 'purchase';

export type PurchaseEvent =
  | { type: 'approve'; by: string }
  | { type: 'reject'; by: string; reason: string }
  | { type: 'withdraw'; by: string }
  | { type: 'expire' }
  | { type: 'remind' }
  | { type: 'escalate' }
  | { type: 'ask'; by: string; text: string }
  | { type: 'answer'; by: string; text: string }
  | { type: 'start_ordering' }
  /** Partner Center answered a cart or checkout call: the next call of that step gets a fresh MS-RequestId. */
  | { type: 'cart_answered'; scope: CartScope }
  | { type: 'cart_created'; scope: CartScope; cartId: string }
  /** Written before a checkout is sent: from here on an order may exist. */
  | { type: 'checkout_sent'; scope: CartScope }
  | { type: 'plan_ordered'; orderId: string; cartId: string }
  | { type: 'plan_ready'; subscriptionId: string }
  | { type: 'ordered'; orders: OrderSummary[] }
  | { type: 'outcome_unknown'; cartId: string; pcCode?: string | undefined; pcMessage?: string | undefined }
  | { type: 'searched' }
  | { type: 'order_status'; orderId: string; orderStatus: string; lines: OrderLine[] }
  | { type: 'checked' }
  | { type: 'confirm' }
  | { type: 'order_missing'; orderIds: string[] }
  /** `checkoutRefused`: Partner Center's answer to the checkout itself said no order was made. */
  | { type: 'fail'; failure: Failure; checkoutRefused?: boolean }
  | { type: 'invoiced'; invoiceId: string }
  | { type: 'slack_refs'; refs: Partial<SlackRefs> }
  | { type: 'cancel_order'; by: string }
  | { type: 'window_notice'; notice: 'reminded' | 'closed' }
  | { type: 'cancel_order_answered' }
  | { type: 'order_cancelled' };

export type EventType = PurchaseEvent['type'];

export type RefusalCode =
  | 'self_approval'
  | 'already_approved_by_you'
  | 'not_pending'
  | 'not_requester'
  | 'expired'
  | 'invalid_transition';

export type TransitionResult =
  | { ok: true; request: PurchaseRequest; changed: boolean }
  | { ok: false; code: RefusalCode; status: PurchaseRequest['status'] };

const refuse = (r: PurchaseRequest, code: RefusalCode): TransitionResult => ({
  ok: false,
  code,
  status: r.status,
});
const same = (r: PurchaseRequest): TransitionResult => ({ ok: true, request: r, changed: false });
const next = (request: PurchaseRequest): TransitionResult => ({ ok: true, request, changed: true });

/**
 * True when something may have been bought: a checkout of the purchase or of the Azure plan may
 * have reached Partner Center (unless its own answer refused it), or the plan's order exists.
 */
export function orderMayExist(progress: OrderingProgress | undefined, checkoutRefused = false): boolean {
  if (!progress) return false;
  const plan = progress.plan;
  if (plan && plan.stage !== 'cart') return true;
  if (plan?.stage === 'cart' && plan.cart.stage === 'checkout' && !checkoutRefused) return true;
  return progress.cart.stage === 'checkout' && !checkoutRefused;
}

function cartOf(progress: OrderingProgress, scope: CartScope): CartProgress | undefined {
  if (scope === 'purchase') return progress.cart;
  return progress.plan?.stage === 'cart' ? progress.plan.cart : undefined;
}

function withCart(progress: OrderingProgress, scope: CartScope, cart: CartProgress): OrderingProgress {
  if (scope === 'purchase') return { ...progress, cart };
  return { ...progress, plan: { stage: 'cart', cart } };
}

function withPlan(progress: OrderingProgress, plan: PlanProgress): OrderingProgress {
  return { ...progress, plan };
}

/** Moves the cart of `scope` on, for requests in `ordering` only. */
function cartStep(
  r: PurchaseRequest,
  scope: CartScope,
  step: (cart: CartProgress) => CartProgress | 'same' | 'refuse',
): TransitionResult {
  if (r.status !== 'ordering') return refuse(r, 'invalid_transition');
  const cart = cartOf(r.progress, scope);
  if (!cart) return refuse(r, 'invalid_transition');
  const moved = step(cart);
  if (moved === 'same') return same(r);
  if (moved === 'refuse') return refuse(r, 'invalid_transition');
  return next({ ...r, progress: withCart(r.progress, scope, moved) });
}

function converse(r: PurchaseRequest, entry: ConversationEntry): PurchaseRequest {
  return { ...r, conversation: [...(r.conversation ?? []), entry] };
}

export function transition(r: PurchaseRequest, event: PurchaseEvent, now: number): TransitionResult {
  switch (event.type) {
    case 'approve': {
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      if (event.by === r.requesterId) return refuse(r, 'self_approval');
      // Decided at the click, not by the next sweep: an approval after expiry buys nothing.
      if (now >= r.expiresAt) return refuse(r, 'expired');
      if (r.approvals.some((a) => a.by === event.by)) return refuse(r, 'already_approved_by_you');
      const approvals = [...r.approvals, { by: event.by, at: now }];
      return next(
        approvals.length >= r.requiredApprovals
          ? { ...r, approvals, status: 'approved' }
          : { ...r, approvals, status: 'pending_approval' },
      );
    }
    case 'reject':
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      if (event.by === r.requesterId) return refuse(r, 'self_approval');
      if (now >= r.expiresAt) return refuse(r, 'expired');
      return next({ ...r, status: 'rejected', rejection: { by: event.by, at: now, reason: event.reason } });
    case 'withdraw':
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      if (event.by !== r.requesterId) return refuse(r, 'not_requester');
      return next({ ...r, status: 'cancelled', cancellation: { by: event.by, at: now } });
    case 'expire':
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      return next({ ...r, status: 'expired' });
    case 'remind':
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      return r.reminded ? same(r) : next({ ...r, reminded: true });
    case 'escalate':
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      return r.escalated ? same(r) : next({ ...r, escalated: true });
    case 'ask':
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      if (event.by === r.requesterId) return refuse(r, 'self_approval');
      return next(converse(r, { by: event.by, role: 'approver', text: event.text, at: now }));
    case 'answer':
      if (r.status !== 'pending_approval') return refuse(r, 'not_pending');
      if (event.by !== r.requesterId) return refuse(r, 'not_requester');
      return next(converse(r, { by: event.by, role: 'requester', text: event.text, at: now }));

    case 'start_ordering':
      if (r.status === 'ordering') return same(r);
      if (r.status !== 'approved') return refuse(r, 'invalid_transition');
      return next({ ...r, status: 'ordering', progress: startProgress(r) });
    case 'cart_answered':
      return cartStep(r, event.scope, (cart) => ({ ...cart, attempt: cart.attempt + 1 }));
    case 'cart_created':
      return cartStep(r, event.scope, (cart) => {
        if (cart.stage === 'none') return { stage: 'cart', cartId: event.cartId, attempt: 0 };
        // Never replace a saved cart id with another: the first cart may already be checked out.
        return cart.cartId === event.cartId ? 'same' : 'refuse';
      });
    case 'checkout_sent':
      return cartStep(r, event.scope, (cart) => {
        if (cart.stage === 'none') return 'refuse';
        if (cart.stage === 'checkout') return 'same';
        return { stage: 'checkout', cartId: cart.cartId, attempt: cart.attempt };
      });
    case 'plan_ordered': {
      // The plan's order found after its checkout's outcome was unknown: back to ordering, where
      // the pipeline waits for the plan and then buys the reservation (the purchase it was for).
      if (
        r.status === 'attention' &&
        r.attention.reason === 'outcome_unknown' &&
        r.progress.plan?.stage === 'cart'
      ) {
        return next({
          ...withoutAttention(r),
          status: 'ordering',
          progress: withPlan(r.progress, {
            stage: 'ordered',
            orderId: event.orderId,
            cartId: event.cartId,
            since: now,
          }),
        });
      }
      if (r.status !== 'ordering' || !r.progress.plan) return refuse(r, 'invalid_transition');
      const plan = r.progress.plan;
      if (plan.stage !== 'cart')
        return plan.orderId === event.orderId ? same(r) : refuse(r, 'invalid_transition');
      return next({
        ...r,
        progress: withPlan(r.progress, {
          stage: 'ordered',
          orderId: event.orderId,
          cartId: event.cartId,
          since: now,
        }),
      });
    }
    case 'plan_ready': {
      if (r.status !== 'ordering' || !r.progress.plan) return refuse(r, 'invalid_transition');
      const plan = r.progress.plan;
      if (plan.stage === 'ready')
        return plan.subscriptionId === event.subscriptionId ? same(r) : refuse(r, 'invalid_transition');
      if (plan.stage !== 'ordered') return refuse(r, 'invalid_transition');
      return next({
        ...r,
        progress: withPlan(r.progress, {
          stage: 'ready',
          orderId: plan.orderId,
          subscriptionId: event.subscriptionId,
        }),
      });
    }
    case 'ordered':
      if (r.status === 'ordered' || r.status === 'confirmed') return same(r);
      if (r.status !== 'ordering' && r.status !== 'attention') return refuse(r, 'invalid_transition');
      return next({
        ...withoutAttention(r),
        status: 'ordered',
        progress: r.progress,
        orders: event.orders,
        orderedAt: now,
      });
    case 'outcome_unknown':
      if (r.status === 'attention' && r.attention.reason === 'outcome_unknown') return same(r);
      if (r.status !== 'ordering') return refuse(r, 'invalid_transition');
      return next({
        ...r,
        status: 'attention',
        attention: {
          reason: 'outcome_unknown',
          since: now,
          cartId: event.cartId,
          pcCode: event.pcCode,
          pcMessage: event.pcMessage,
          searches: 0,
        },
      });
    case 'searched':
      if (r.status !== 'attention' || r.attention.reason !== 'outcome_unknown')
        return refuse(r, 'invalid_transition');
      return next({ ...r, attention: { ...r.attention, searches: r.attention.searches + 1 } });
    case 'order_status': {
      if (r.status === 'attention' && r.attention.reason === 'order_status') {
        return r.attention.orderStatus === event.orderStatus
          ? same(r)
          : next(attention(r, orderStatus(event)));
      }
      if (r.status !== 'ordered') return refuse(r, 'invalid_transition');
      return next(attention(r, orderStatus(event)));
    }
    case 'checked':
      if (r.status !== 'ordered') return refuse(r, 'invalid_transition');
      return next({ ...r, checks: (r.checks ?? 0) + 1 });
    case 'confirm':
      if (r.status === 'confirmed') return same(r);
      if (r.status !== 'ordered' && !(r.status === 'attention' && r.attention.reason !== 'outcome_unknown')) {
        return refuse(r, 'invalid_transition');
      }
      return next({
        ...withoutAttention(r),
        status: 'confirmed',
        orders: r.orders ?? [],
        orderedAt: r.status === 'ordered' ? r.orderedAt : now,
        confirmedAt: now,
        ...(r.status === 'ordered' && r.orderCancellation ? { orderCancellation: r.orderCancellation } : {}),
      });
    case 'order_missing':
      if (r.status === 'attention' && r.attention.reason === 'order_missing') return same(r);
      if (r.status !== 'ordered') return refuse(r, 'invalid_transition');
      return next(attention(r, { reason: 'order_missing', orderIds: event.orderIds, checks: r.checks ?? 0 }));
    case 'fail': {
      if (r.status !== 'approved' && r.status !== 'ordering') return refuse(r, 'invalid_transition');
      const progress = r.status === 'ordering' ? r.progress : undefined;
      // "Nothing was bought" only while no checkout can have reached Partner Center, whatever the caller says.
      const failure: Failure = {
        ...event.failure,
        nothingBought: event.failure.nothingBought && !orderMayExist(progress, event.checkoutRefused),
      };
      return next({ ...r, status: 'failed', failure, progress });
    }
    case 'invoiced': {
      const invoices = r.invoices ?? [];
      if (invoices.includes(event.invoiceId)) return same(r);
      return next({ ...r, invoices: [...invoices, event.invoiceId] });
    }
    case 'slack_refs':
      return next({ ...r, slack: { ...r.slack, ...event.refs } });
    case 'cancel_order':
      if (r.status !== 'ordered' && r.status !== 'confirmed') return refuse(r, 'invalid_transition');
      if (r.orderCancellation) return same(r);
      return next({ ...r, orderCancellation: { by: event.by, at: now, attempt: 0 } });
    case 'window_notice':
      if (r.status !== 'ordered' && r.status !== 'confirmed') return refuse(r, 'invalid_transition');
      if (r.window?.[event.notice]) return same(r);
      return next({ ...r, window: { ...r.window, [event.notice]: true } });
    case 'cancel_order_answered':
      if ((r.status !== 'ordered' && r.status !== 'confirmed') || !r.orderCancellation) {
        return refuse(r, 'invalid_transition');
      }
      return next({
        ...r,
        orderCancellation: { ...r.orderCancellation, attempt: r.orderCancellation.attempt + 1 },
      });
    case 'order_cancelled':
      if (r.status === 'order_cancelled') return same(r);
      if ((r.status !== 'ordered' && r.status !== 'confirmed') || !r.orderCancellation) {
        return refuse(r, 'invalid_transition');
      }
      return next({
        ...r,
        status: 'order_cancelled',
        orderCancellation: { ...r.orderCancellation, doneAt: now },
      });
    default: {
      const unreachable: never = event;
      throw new Error(`Unhandled event ${JSON.stringify(unreachable)}`);
    }
  }
}

function orderStatus(event: Extract<PurchaseEvent, { type: 'order_status' }>): Attention {
  return {
    reason: 'order_status',
    orderId: event.orderId,
    orderStatus: event.orderStatus,
    lines: event.lines,
  };
}

/** An ordered request that needs people. */
function attention(
  r: Extract<PurchaseRequest, { status: 'ordered' | 'attention' }>,
  facts: Attention,
): AttentionRequest {
  const { progress, orders } = r;
  const base = withoutAttention(r);
  return { ...base, status: 'attention', progress, attention: facts, orders };
}

/** The request's common fields, without the state-specific ones an attention or ordered state carries. */
function withoutAttention<T extends PurchaseRequest>(r: T): Omit<T, 'attention' | 'checks'> {
  const copy = { ...r } as T & { attention?: unknown; checks?: unknown };
  delete copy.attention;
  delete copy.checks;
  return copy;
}
