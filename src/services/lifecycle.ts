import type { Logger } from 'pino';
import { canCancelOrder, cancellableUntil, CANCELLATION } from '../purchases/lifecycle';
import { msRequestId } from '../purchases/idempotency';
import { ordersOf, type PurchaseRequest } from '../purchases/model';
import type { Undelivered } from '../purchases/notices';
import type { DecisionRefusal } from '../slack/messages';
import type { Locks } from '../store/lock';
import type { RequestStore } from '../store/requests';
import type { AccessService } from './access';
import type { RequestNotifier } from './notifier';
import type { PartnerCenterApi } from './partner-center-api';
import { decideRetry } from './retry';

export type CancelOutcome = { ok: true; request: PurchaseRequest } | { ok: false; code: DecisionRefusal };

/** Thrown when Partner Center's answer is worth retrying later; the cancel job retries it. */
export class CancelRetry extends Error {
  constructor(
    readonly failure: unknown,
    readonly delayMs: number | undefined,
  ) {
    super('cancellation to retry');
  }
}

/**
 * After the purchase: cancelling a software order inside Microsoft's window ("Cancel software
 * purchases": software subscriptions within 7 days, perpetual software within 30, refunds prorated;
 * reservations are cancelled or exchanged in Azure instead), and the reminders around that window.
 *
 * A click only records who asked (`cancel_order`) and queues one job per request; the job sends the
 * PATCH under the request's lock with an MS-RequestId derived from the request, so double clicks,
 * Slack's retries and a crash between the PATCH and its record cancel once.
 */
export class LifecycleService {
  private readonly now: () => number;

  constructor(
    private readonly deps: {
      pc: Pick<PartnerCenterApi, 'cancelOrderLines'>;
      requests: RequestStore;
      access: AccessService;
      notifier: RequestNotifier;
      locks: Locks;
      log: Logger;
      now?: () => number;
    },
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** The click: checks the rules, records the ask. The caller queues the cancel job when ok. */
  async requestCancellation(requestId: string, userId: string): Promise<CancelOutcome> {
    const r = await this.deps.requests.get(requestId);
    if (!r || !(r.requesterId === userId || (await this.deps.access.isApprover(userId)))) {
      return { ok: false, code: 'not_found' };
    }
    if (r.status === 'order_cancelled') return { ok: true, request: r };
    if (CANCELLATION[r.kind].kind !== 'partner_center') return { ok: false, code: 'not_cancellable' };
    if (r.status !== 'ordered' && r.status !== 'confirmed') return { ok: false, code: 'nothing_to_cancel' };
    if (r.orderCancellation) return { ok: true, request: r };
    if (!canCancelOrder(r, this.now())) return { ok: false, code: 'cancel_window_closed' };
    const res = await this.deps.requests.apply(r.id, { type: 'cancel_order', by: userId }, userId);
    if (!res.ok) return { ok: false, code: res.code === 'not_found' ? 'not_found' : 'nothing_to_cancel' };
    return { ok: true, request: res.request };
  }

  /** The job: sends the cancellation once; 'done', or 'refused' with the reason (window closed). */
  async cancel(requestId: string): Promise<'done' | DecisionRefusal> {
    const locked = await this.deps.locks.withLock('order', requestId, 30_000, () =>
      this.cancelLocked(requestId),
    );
    if (!locked.acquired) throw new CancelRetry(new Error('request busy'), 500);
    return locked.value;
  }

  private async cancelLocked(requestId: string): Promise<'done' | DecisionRefusal> {
    const r = await this.deps.requests.get(requestId);
    if (!r || r.status === 'order_cancelled') return 'done';
    if ((r.status !== 'ordered' && r.status !== 'confirmed') || !r.orderCancellation)
      return 'nothing_to_cancel';
    const attempt = r.orderCancellation.attempt;
    try {
      for (const order of ordersOf(r)) {
        await this.deps.pc.cancelOrderLines(
          r.customerId,
          order.id,
          order.lineItems.map((l, i) => ({
            lineItemNumber: l.lineItemNumber ?? i,
            offerId: l.offerId,
            quantity: l.quantity,
          })),
          { requestId: msRequestId(`${r.id}/${order.id}`, 'cancel-order', attempt) },
        );
      }
    } catch (err) {
      const decision = decideRetry(err);
      if (decision.kind === 'refused') {
        this.deps.log.warn({ requestId, pcCode: decision.pcCode }, 'Partner Center refused the cancellation');
        const windowClosed = decision.pcCode === '900117';
        // The window is over for this order either way: the Cancel order button goes.
        const closed = await this.deps.requests.apply(
          r.id,
          { type: 'window_notice', notice: 'closed' },
          'pipeline',
        );
        const current = closed.ok ? closed.request : r;
        await this.deps.notifier.refresh(current);
        await this.deps.notifier.notify(current, {
          kind: 'cancel_refused',
          by: r.orderCancellation.by,
          windowClosed,
          pcMessage: decision.pcMessage,
        });
        return windowClosed ? 'cancel_window_closed' : 'not_cancellable';
      }
      if (decision.kind === 'retry' && decision.answered)
        await this.deps.requests.apply(r.id, { type: 'cancel_order_answered' }, 'pipeline');
      if (decision.kind === 'wait')
        await this.deps.requests.apply(r.id, { type: 'cancel_order_answered' }, 'pipeline');
      throw new CancelRetry(err, decision.kind === 'wait' ? decision.delayMs : undefined);
    }
    const res = await this.deps.requests.apply(r.id, { type: 'order_cancelled' }, r.orderCancellation.by);
    if (res.ok && res.changed) {
      await this.deps.notifier.refresh(res.request);
      await this.deps.notifier.notify(res.request, { kind: 'order_cancelled', by: r.orderCancellation.by });
    }
    return 'done';
  }

  /**
   * The sweep's part: a day before a window closes, remind requester and approvers; once it closed,
   * re-render the messages so the Cancel order button goes. Returns what Slack did not take (the
   * sweep retries it).
   */
  async windows(r: PurchaseRequest): Promise<Undelivered> {
    const owed: Undelivered = { refresh: false, notices: [] };
    if (r.status !== 'ordered' && r.status !== 'confirmed') return owed;
    const until = cancellableUntil(r);
    if (until === undefined || r.orderCancellation) return owed;
    const now = this.now();
    if (now >= until) {
      if (r.window?.closed) return owed;
      const res = await this.deps.requests.apply(
        r.id,
        { type: 'window_notice', notice: 'closed' },
        'scheduler',
      );
      if (res.ok && res.changed) owed.refresh = !(await this.deps.notifier.refresh(res.request));
      return owed;
    }
    if (until - now <= 86_400_000 && !r.window?.reminded) {
      const res = await this.deps.requests.apply(
        r.id,
        { type: 'window_notice', notice: 'reminded' },
        'scheduler',
      );
      if (res.ok && res.changed) {
        const notice = { kind: 'cancel_window_closing', until } as const;
        const to = await this.deps.notifier.notify(res.request, notice);
        if (to.length > 0) owed.notices.push({ notice, to });
      }
    }
    return owed;
  }
}
