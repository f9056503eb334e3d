import type { Kind, PurchaseRequest } from './model';

/**
 * After the purchase: what Microsoft lets a partner undo, and until when.
 *
 * "Cancel software purchases" (Partner Center docs): software subscriptions can be cancelled within
 * 7 days of purchase and perpetual software within 30 days, through a PATCH of the order; refunds
 * are prorated. Reservations are not cancelled through this API: they are cancelled or exchanged
 * through Azure (with an early-termination fee), not here.
 */
export type CancellationRule = { kind: 'partner_center'; days: number } | { kind: 'azure' };

export const CANCELLATION: Record<Kind, CancellationRule> = {
  software_subscription: { kind: 'partner_center', days: 7 },
  perpetual_software: { kind: 'partner_center', days: 30 },
  azure_reservation: { kind: 'azure' },
};

const DAY_MS = 86_400_000;

/** When the cancellation window of a software order closes, or undefined when it cannot be cancelled here. */
export function cancellableUntil(r: PurchaseRequest): number | undefined {
  const rule = CANCELLATION[r.kind];
  if (rule.kind !== 'partner_center') return undefined;
  if (r.status !== 'ordered' && r.status !== 'confirmed') return undefined;
  return r.orderedAt + rule.days * DAY_MS;
}

export function canCancelOrder(r: PurchaseRequest, now: number): boolean {
  const until = cancellableUntil(r);
  return until !== undefined && now < until && !('orderCancellation' in r && r.orderCancellation);
}
