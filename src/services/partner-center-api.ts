import type {
  Availability,
  Cart,
  CartCheckoutResult,
  Customer,
  InventoryCheckResult,
  Order,
  Product,
  RegistrationStatus,
  Sku,
  Subscription,
} from '../partner-center/schemas';

/**
 * The Partner Center operations the application services use. PartnerCenterClient satisfies it;
 * naming the subset keeps each service's dependency visible.
 */
export interface PartnerCenterApi {
  listCustomers(opts?: { nameStartsWith?: string; size?: number }): Promise<{ items: Customer[] }>;
  getCustomer(customerId: string): Promise<Customer>;
  listSubscriptions(customerId: string): Promise<{ items: Subscription[] }>;
  registerSubscription(
    customerId: string,
    subscriptionId: string,
    opts?: { requestId?: string },
  ): Promise<unknown>;
  getRegistrationStatus(customerId: string, subscriptionId: string): Promise<RegistrationStatus>;
  listProducts(opts: {
    country: string;
    targetView: string;
    targetSegment?: string;
  }): Promise<{ items: Product[] }>;
  getProduct(productId: string, country: string): Promise<Product>;
  listSkus(productId: string, country: string): Promise<{ items: Sku[] }>;
  getSku(productId: string, skuId: string, country: string): Promise<Sku>;
  listAvailabilities(productId: string, skuId: string, country: string): Promise<{ items: Availability[] }>;
  getAvailability(
    productId: string,
    skuId: string,
    availabilityId: string,
    country: string,
  ): Promise<Availability>;
  checkInventory(country: string, body: unknown): Promise<InventoryCheckResult>;
  createCart(customerId: string, cart: unknown, opts?: { requestId?: string }): Promise<Cart>;
  getCart(customerId: string, cartId: string): Promise<Cart>;
  checkoutCart(
    customerId: string,
    cartId: string,
    opts?: { requestId?: string },
  ): Promise<CartCheckoutResult>;
  getOrder(customerId: string, orderId: string): Promise<Order>;
  listOrders(customerId: string): Promise<{ items: Order[] }>;
  listOrdersByBillingType(customerId: string, billingType: string): Promise<{ items: Order[] }>;
}

/** Unit price and currency of an availability, when the catalog states one. */
export function availabilityPrice(a: Availability): {
  unitPrice: number | undefined;
  currency: string | undefined;
} {
  const raw = a as Availability & {
    price?: unknown;
    listPrice?: unknown;
    pricing?: { listPrice?: unknown; price?: unknown };
    terms?: { price?: unknown; listPrice?: unknown }[];
  };
  const candidates = [
    raw.pricing?.listPrice,
    raw.pricing?.price,
    raw.listPrice,
    raw.price,
    raw.terms?.[0]?.price,
    raw.terms?.[0]?.listPrice,
  ];
  for (const c of candidates) {
    const n = typeof c === 'string' ? Number(c) : c;
    if (typeof n === 'number' && Number.isFinite(n))
      return { unitPrice: n, currency: a.defaultCurrency?.code };
  }
  return { unitPrice: undefined, currency: a.defaultCurrency?.code };
}
