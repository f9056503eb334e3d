import type { OrderLine, OrderSummary, PurchaseDraft } from './model';

/**
 * Which of a customer's orders is a request's. Every cart line the bot makes carries a tag at the
 * start of its friendly name (Partner Center copies a cart line's friendlyName onto the order line):
 * the request id for the purchase itself, the request id and `-plan` for the Azure plan bought
 * first. The first rule is exact; the second matches what Partner Center shows of any order (offer,
 * quantity, created after the cart), for orders whose friendly name was changed.
 */

const MAX_FRIENDLY_NAME = 100;

/** The two orders a request can make: the purchase, and the Azure plan bought before a reservation. */
export type OrderPart = 'purchase' | 'plan';

export function orderTag(requestId: string, part: OrderPart = 'purchase'): string {
  return part === 'plan' ? `${requestId}-plan` : requestId;
}

/** The friendly name of a cart line: the tag first, so it survives any truncation. */
export function taggedFriendlyName(requestId: string, title: string, part: OrderPart = 'purchase'): string {
  const name = `${orderTag(requestId, part)} ${title}`;
  return name.length <= MAX_FRIENDLY_NAME ? name : name.slice(0, MAX_FRIENDLY_NAME);
}

/** The request (and which of its orders) a friendly name is tagged with, if any. */
export function tagOf(name: string | undefined): { requestId: string; part: OrderPart } | undefined {
  const m = /^(PR-[A-Z0-9]{4,16})(-plan)? /.exec(name ?? '');
  return m?.[1] ? { requestId: m[1], part: m[2] ? 'plan' : 'purchase' } : undefined;
}

export function requestIdInName(name: string | undefined): string | undefined {
  return tagOf(name)?.requestId;
}

export interface MatchTarget extends Pick<PurchaseDraft, 'productId' | 'skuId' | 'quantity'> {
  id: string;
  part: OrderPart;
}

function sameOffer(line: OrderLine, t: MatchTarget): boolean {
  const [productId, skuId] = line.offerId.split(':');
  return (
    productId?.toUpperCase() === t.productId.toUpperCase() && skuId?.toUpperCase() === t.skuId.toUpperCase()
  );
}

/** The order tagged with exactly this request and part. */
export function taggedOrder(
  orders: readonly OrderSummary[],
  id: string,
  part: OrderPart,
): OrderSummary | undefined {
  return orders.find((o) =>
    o.lineItems.some((l) => {
      const tag = tagOf(l.friendlyName);
      return tag?.requestId === id && tag.part === part;
    }),
  );
}

/**
 * The request's order among `orders`: tagged with its id and part, or else the one untagged order of
 * the same product, SKU and quantity created at or after `after` (ms). Two such untagged orders are
 * not guessed between: undefined.
 */
export function findRequestOrder(
  orders: readonly OrderSummary[],
  target: MatchTarget,
  after: number,
): OrderSummary | undefined {
  const tagged = taggedOrder(orders, target.id, target.part);
  if (tagged) return tagged;
  const candidates = orders.filter(
    (o) =>
      (o.creationDate === undefined || Date.parse(o.creationDate) >= after) &&
      o.lineItems.some((l) => sameOffer(l, target) && l.quantity === target.quantity) &&
      !o.lineItems.some((l) => tagOf(l.friendlyName) !== undefined),
  );
  return candidates.length === 1 ? candidates[0] : undefined;
}
