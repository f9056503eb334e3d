import type { Logger } from 'pino';
import { explainOrder, readyToJudge, taggedRequestIds, type OrderFacts } from '../purchases/billing';
import type { PurchaseRequest } from '../purchases/model';
import { buildOrphanOrderAlarm, type OrphanOrder } from '../slack/finance-blocks';
import type { SlackPort } from '../slack/port';
import type { OrderLedger } from '../store/finance';
import type { Locks } from '../store/lock';
import type { RequestStore } from '../store/requests';
import type { BillingApi } from './billing';

export interface OrderReconciliationSettings {
  approvalsChannel: string;
  /** Mentioned on the alarm, so its members are notified. */
  approverGroupId: string | undefined;
  /**
   * The order-list delay (ORDER_CONFIRMATION_DELAY_MS): an order younger than this is not judged
   * yet, since the request that placed it may not have recorded it.
   */
  settleMs: number;
  /** How long one run may hold the reconciliation without renewing (a dead worker frees it then). */
  lockMs: number;
}

export interface OrderReconciliationReport {
  /** Orders recorded as the baseline by this run (the first one); none are raised then. */
  baseline?: number | undefined;
  customers: number;
  orders: number;
  /** Orders raised in the approvals channel by this run. */
  raised: OrphanOrder[];
  /** Customers whose orders could not be listed, and orders that could not be judged or raised. */
  failed: number;
  /** Another worker was running the reconciliation. */
  busy?: boolean | undefined;
}

/**
 * Orders nobody approved: lists each customer's one-time orders and matches them to requests (the
 * by-order index, then the request id every cart line the bot makes starts its friendly name with).
 * An order that no approved request explains (bought in the portal, by another tool, or after a
 * Redis rollback lost its request) is raised once in the approvals channel.
 *
 * Records, and the fault each protects against:
 * - the baseline (order ledger): the partner's history would otherwise be raised on the first run;
 *   the first run records the orders that exist, and the time, and raises none. Orders created
 *   before that time that Partner Center lists late (up to 15 minutes) are baseline too.
 * - raised (order ledger, written right after the alarm): raising the same order on every run.
 * - the run's lock (Locks): two workers running it at once, both raising the same order.
 */
export class OrderReconciliation {
  constructor(
    private readonly deps: {
      pc: Pick<BillingApi, 'listOrdersByBillingType'>;
      /** The partner's customers (the shared catalog cache's list). */
      customers(): Promise<{ id: string; name: string }[]>;
      requests: Pick<RequestStore, 'byOrderId' | 'get'>;
      ledger: OrderLedger;
      locks: Locks;
      slack: Pick<SlackPort, 'postMessage'>;
      settings: OrderReconciliationSettings;
      log: Logger;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async run(): Promise<OrderReconciliationReport> {
    const locked = await this.deps.locks.withLock(
      'order-reconciliation',
      'one-time',
      this.deps.settings.lockMs,
      () => this.runLocked(),
    );
    return locked.acquired ? locked.value : { customers: 0, orders: 0, raised: [], failed: 0, busy: true };
  }

  private async runLocked(): Promise<OrderReconciliationReport> {
    const { log, ledger } = this.deps;
    const customers = await this.deps.customers();
    const seen: { customer: { id: string; name: string }; order: OrderFacts }[] = [];
    let failed = 0;
    for (const customer of customers) {
      try {
        const page = await this.deps.pc.listOrdersByBillingType(customer.id, 'one_time');
        for (const order of page.items) seen.push({ customer, order });
      } catch (err) {
        // One customer's failure (a 404 for a customer removed since, a 5xx) never stops the others.
        failed++;
        log.warn(
          { err, customerId: customer.id },
          'could not list a customer’s one-time orders; next run retries',
        );
      }
    }
    const report: OrderReconciliationReport = {
      customers: customers.length,
      orders: seen.length,
      raised: [],
      failed,
    };

    const baseline = await ledger.baseline();
    if (!baseline) {
      const took = await ledger.takeBaseline(
        seen.map((s) => s.order.id),
        this.now(),
      );
      if (took)
        log.info(
          { orders: seen.length, customers: customers.length },
          'first order reconciliation: existing one-time orders recorded as the baseline, none raised',
        );
      return { ...report, baseline: took ? seen.length : 0 };
    }

    const now = this.now();
    const candidates = seen.filter(
      ({ order }) => readyToJudge(order, now, this.deps.settings.settleMs) && !before(order, baseline.at),
    );
    const ids = candidates.map((c) => c.order.id);
    const [inBaseline, raised] = await Promise.all([ledger.inBaseline(ids), ledger.raised(ids)]);
    for (const [i, { customer, order }] of candidates.entries()) {
      if (inBaseline[i] || raised[i]) continue;
      try {
        const orphan = await this.judge(customer, order);
        if (!orphan) continue;
        const alarm = buildOrphanOrderAlarm(orphan, this.deps.settings.approverGroupId);
        await this.deps.slack.postMessage({
          channel: this.deps.settings.approvalsChannel,
          text: alarm.text,
          blocks: alarm.blocks,
        });
        // Written right after the alarm: a crash in between raises it once more, never not at all.
        await ledger.markRaised(order.id, this.now());
        report.raised.push(orphan);
        log.warn(
          { orderId: order.id, customerId: customer.id, namedRequestId: orphan.namedRequestId },
          'an order no approved request explains was raised in the approvals channel',
        );
      } catch (err) {
        report.failed++;
        log.warn({ err, orderId: order.id }, 'could not judge or raise an order; next run retries');
      }
    }
    return report;
  }

  /** The order as an orphan, or undefined when an approved request explains it. */
  private async judge(
    customer: { id: string; name: string },
    order: OrderFacts,
  ): Promise<OrphanOrder | undefined> {
    const indexedId = await this.deps.requests.byOrderId(order.id);
    const indexed = indexedId ? await this.deps.requests.get(indexedId) : undefined;
    const tagged = new Map<string, PurchaseRequest | undefined>();
    for (const id of taggedRequestIds(order)) tagged.set(id, await this.deps.requests.get(id));
    const explanation = explainOrder(order, { indexed, tagged });
    if (explanation.kind !== 'orphan') return undefined;
    return { customer, order, namedRequestId: explanation.namedRequestId };
  }
}

/** Created before the baseline was taken: part of the history, listed late. */
function before(order: OrderFacts, at: number): boolean {
  const created = order.creationDate ? Date.parse(order.creationDate) : NaN;
  return !Number.isNaN(created) && created < at;
}
