import type { OrderSummary } from '../purchases/model';
import type { Order } from './schemas';

/** Partner Center resources as the domain's facts. */

export function orderSummary(o: Order): OrderSummary {
  return {
    id: o.id,
    status: String(o.status ?? 'pending'),
    ...(o.creationDate ? { creationDate: o.creationDate } : {}),
    lineItems: o.lineItems.map((l) => ({
      lineItemNumber: l.lineItemNumber,
      offerId: l.offerId,
      friendlyName: l.friendlyName ?? l.offerId,
      quantity: l.quantity,
      ...(l.termDuration ? { termDuration: l.termDuration } : {}),
    })),
  };
}

/**
 * Order statuses ("Order resources"): `completed` confirms; `pending` (and `unknown`, `po upload
 * complete`: Microsoft is still working) keeps waiting; every other status needs people.
 */
export type OrderOutcome = 'completed' | 'waiting' | 'needs_action';

export function orderOutcome(status: string): OrderOutcome {
  switch (status.replace(/[\s-]/g, '_').toLowerCase()) {
    case 'completed':
      return 'completed';
    case 'pending':
    case 'unknown':
    case 'po_upload_complete':
      return 'waiting';
    default:
      return 'needs_action';
  }
}
