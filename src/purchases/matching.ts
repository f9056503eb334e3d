import type { OrderLine, OrderSummary, PurchaseDraft } from './model';

/**
 * Which of a customer's orders is a request's. Every cart line the bot makes carries the request id
 * at the start of its friendly name (Partner Center copies a cart line's friendlyName onto the order
 * line), so the first rule is exact; the second matches what Partner Center shows of any order
 * (offer, quantity, created after the cart), for orders whose friendly name was changed.
 */

const MAX_FRIENDLY_NAME = 100;

/** The friendly name of a cart line: the request id first, so it survives any truncation. */
export function taggedFriendlyName(requestId: string, title: string): string {
  const name = `${requestId} ${title}`;
  return name.length <= MAX_FRIENDLY_NAME ? name : name.slice(0, MAX_FRIENDLY_NAME);
}

export function requestIdInName(name: string | undefined): string | undefined {
  const m = /^(PR-[A-Z0-9]{4,16})\b/.exec(name ?? '');
  return m?.[1];
}

export interface MatchTarget extends Pick<PurchaseDraft, 'productId' | 'skuId' | 'quantity'> {
  id: string;
}

function sameOffer(line: OrderLine, t: MatchTarget): boolean {
  const [productId, skuId] = line.offerId.split(':');
  return (
    productId?.toUpperCase() === t.productId.toUpperCase() && skuId?.toUpperCase() === t.skuId.toUpperCase()
  );
}

/**
 * The request's order among `orders`: tagged with its id, or else the one order of the same
 * product, SKU and quantity created at or after `after` (ms). Two such untagged orders are not
 * guessed between: undefined.
 */
export function findRequestOrder(
  orders: readonly OrderSummary[],
  target: MatchTarget,
  after: number,
): OrderSummary | undefined {
  const tagged = orders.find((o) => o.lineItems.some((l) => requestIdInName(l.friendlyName) === target.id));
  if (tagged) return tagged;
  const candidates = orders.filter(
    (o) =>
      (o.creationDate === undefined || Date.parse(o.creationDate) >= after) &&
      o.lineItems.some((l) => sameOffer(l, target) && l.quantity === target.quantity) &&
      !o.lineItems.some((l) => requestIdInName(l.friendlyName) !== undefined),
  );
  return candidates.length === 1 ? candidates[0] : undefined;
}
