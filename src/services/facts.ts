import type { PriceFacts } from '../purchases/model';
import type { CatalogService } from './catalog';
import type { PriceLookup, PriceQuery } from './pricing';

export { NotCached } from '../store/cache';

/**
 * Everything the request form's checks need to know, from one place: the catalog and customer facts
 * and the price. Two of these exist: one that loads what is missing (after the ack), and one over
 * the same cache that only answers what it holds (while Slack waits).
 */
export interface FactSource extends Pick<
  CatalogService,
  | 'customer'
  | 'segment'
  | 'agreementAccepted'
  | 'subscriptions'
  | 'product'
  | 'sku'
  | 'availabilities'
  | 'availabilitiesOfAnySegment'
  | 'inventory'
  | 'registration'
> {
  price(q: PriceQuery, ruleCurrency: string): Promise<PriceFacts>;
}

export function factSource(catalog: CatalogService, pricing: PriceLookup): FactSource {
  return {
    customer: (id) => catalog.customer(id),
    segment: (id) => catalog.segment(id),
    agreementAccepted: (id) => catalog.agreementAccepted(id),
    subscriptions: (id) => catalog.subscriptions(id),
    product: (p, c, o) => catalog.product(p, c, o),
    sku: (p, s, c, o) => catalog.sku(p, s, c, o),
    availabilities: (p, s, c, o) => catalog.availabilities(p, s, c, o),
    availabilitiesOfAnySegment: (p, s, c, o) => catalog.availabilitiesOfAnySegment(p, s, c, o),
    inventory: (q) => catalog.inventory(q),
    registration: (c, s) => catalog.registration(c, s),
    price: (q, currency) => pricing.price(q, currency),
  };
}
