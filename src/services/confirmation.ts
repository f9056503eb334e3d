import type { Logger } from 'pino';
import { orderOutcome, orderSummary } from '../partner-center/facts';
import { ordersOf, type OrderSummary, type PurchaseRequest } from '../purchases/model';
import type { RequestStore } from '../store/requests';
import type { RequestNotifier } from './notifier';
import type { PartnerCenterApi } from './partner-center-api';

export type ConfirmOutcome = 'confirmed' | 'retry' | 'attention' | 'skip';

/**
 * The confirm step of Microsoft's flow: read each order by id (a GET by id has no list delay) for its
 * final status, then find it in the customer's order list, which lists new orders up to 15 minutes
 * late. `completed` and listed confirms; `pending` keeps confirming; any other status, or an order
 * still missing from the list after every look, needs people (the request goes to `attention`).
 */
export class ConfirmationService {
  constructor(
    private readonly deps: {
      pc: Pick<
        PartnerCenterApi,
        'getOrder' | 'listOrders' | 'listOrdersByBillingType' | 'getOrderProvisioningStatus'
      >;
      requests: RequestStore;
      notifier: RequestNotifier;
      log: Logger;
      /** Provisioning status is App+User only: read it (to name unfulfilled lines) when the bot may. */
      readProvisioning: boolean;
    },
  ) {}

  async confirm(requestId: string, attempt: number, maxAttempts: number): Promise<ConfirmOutcome> {
    const r = await this.deps.requests.get(requestId);
    if (!r || !isConfirmable(r)) return 'skip';
    const orders = ordersOf(r);
    if (orders.length === 0) return 'skip';

    const current = await Promise.all(orders.map((o) => this.deps.pc.getOrder(r.customerId, o.id)));
    const summaries = current.map(orderSummary);
    const problem = summaries.find((o) => orderOutcome(o.status) === 'needs_action');
    if (problem) return this.needsAction(r, problem);
    const waiting = summaries.some((o) => orderOutcome(o.status) === 'waiting');

    const listed =
      r.billingCycle === 'one_time'
        ? await this.deps.pc.listOrdersByBillingType(r.customerId, 'one_time')
        : await this.deps.pc.listOrders(r.customerId);
    const ids = new Set(listed.items.map((o) => o.id));
    const missing = orders.filter((o) => !ids.has(o.id)).map((o) => o.id);

    if (!waiting && missing.length === 0) {
      const res = await this.deps.requests.apply(r.id, { type: 'confirm' }, 'pipeline');
      if (res.ok && res.changed) {
        await this.deps.notifier.refresh(res.request);
        await this.deps.notifier.notify(res.request, { kind: 'confirmed', orders: summaries });
      }
      return 'confirmed';
    }
    if (r.status === 'ordered') await this.deps.requests.apply(r.id, { type: 'checked' }, 'pipeline');
    if (attempt < maxAttempts) return 'retry';
    if (missing.length === 0) return 'retry'; // listed but still pending at Microsoft: keep looking, quietly
    const res = await this.deps.requests.apply(
      r.id,
      { type: 'order_missing', orderIds: missing },
      'pipeline',
    );
    if (res.ok && res.changed) {
      await this.deps.notifier.refresh(res.request);
      await this.deps.notifier.notify(res.request, {
        kind: 'order_missing',
        orderIds: missing,
        checks: attempt,
      });
    }
    return 'attention';
  }

  private async needsAction(r: PurchaseRequest, order: OrderSummary): Promise<ConfirmOutcome> {
    const lines = await this.affectedLines(r, order);
    const res = await this.deps.requests.apply(
      r.id,
      { type: 'order_status', orderId: order.id, orderStatus: order.status, lines },
      'pipeline',
      order.status,
    );
    if (res.ok && res.changed) {
      this.deps.log.warn(
        { requestId: r.id, orderId: order.id, status: order.status },
        'order needs attention',
      );
      await this.deps.notifier.refresh(res.request);
      await this.deps.notifier.notify(res.request, {
        kind: 'order_status',
        orderId: order.id,
        orderStatus: order.status,
        lines,
      });
    }
    return 'attention';
  }

  /**
   * The line items Microsoft did not fulfil ("Get order provisioning status": Unfulfilled, or still
   * PrefulfillmentPending), when the bot may read it; otherwise every line of the order.
   */
  private async affectedLines(r: PurchaseRequest, order: OrderSummary): Promise<OrderSummary['lineItems']> {
    if (!this.deps.readProvisioning) return order.lineItems;
    try {
      const status = await this.deps.pc.getOrderProvisioningStatus(r.customerId, order.id);
      const unfulfilled = new Set(
        status.items.filter((s) => s.status !== 'fulfilled').map((s) => s.lineItemNumber),
      );
      const lines = order.lineItems.filter((l, i) => unfulfilled.has(l.lineItemNumber ?? i));
      return lines.length > 0 ? lines : order.lineItems;
    } catch (err) {
      this.deps.log.warn(
        { err, requestId: r.id, orderId: order.id },
        'could not read the provisioning status',
      );
      return order.lineItems;
    }
  }
}

/** Ordered requests, and those waiting on people about an order's status or listing (which may clear). */
function isConfirmable(r: PurchaseRequest): boolean {
  if (r.status === 'ordered') return true;
  return r.status === 'attention' && r.attention.reason !== 'outcome_unknown';
}
