import type { OrderReconciliation, OrderReconciliationReport } from '../src/services/orphan-orders';

/** Orders nobody approved (a job scheduler, every ORDER_RECONCILIATION_INTERVAL_MS). */
export function orderReconciliationProcessor(deps: {
  reconciliation: OrderReconciliation;
  /** Counts each order raised (pcbot_orphan_orders_total). */
  onOrphans?(count: number): void;
  /** Counts customers and orders this run could not check (the next run retries them). */
  onFailures?(count: number): void;
}) {
  return async (): Promise<OrderReconciliationReport> => {
    const report = await deps.reconciliation.run();
    if (report.raised.length > 0) deps.onOrphans?.(report.raised.length);
    if (report.failed > 0) deps.onFailures?.(report.failed);
    return report;
  };
}
