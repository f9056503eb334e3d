import type { Redis } from 'ioredis';
import type { Availability, Customer, Product, Sku, Subscription } from '../partner-center/schemas';
import { KIND_TARGET_VIEW, type Kind } from '../purchases/model';
import { Keys } from '../store/redis';
import type { PartnerCenterApi } from './partner-center-api';

export interface CustomerInfo {
  id: string;
  name: string;
  country: string | undefined;
  domain: string | undefined;
}

export interface SubscriptionInfo {
  id: string;
  name: string;
  offerId: string | undefined;
  status: string | undefined;
}

/**
 * Catalog and customer look-ups behind a Redis cache, so option loads answer inside Slack's
 * 3 seconds. Keys name everything the answer depends on: catalog answers by country, a customer's
 * subscriptions by that customer's id, so one customer's data is never served for another.
 */
export class CatalogService {
  private readonly keys: Keys;

  constructor(
    private readonly pc: PartnerCenterApi,
    private readonly redis: Redis,
    prefix: string,
    private readonly ttlMs: number,
  ) {
    this.keys = new Keys(prefix);
  }

  private async cached<T>(scope: string, id: string, load: () => Promise<T>): Promise<T> {
    const key = this.keys.cache(scope, id);
    const hit = await this.redis.get(key);
    if (hit !== null) return JSON.parse(hit) as T;
    const value = await load();
    await this.redis.set(key, JSON.stringify(value), 'PX', this.ttlMs);
    return value;
  }

  async invalidate(scope: string, id: string): Promise<void> {
    await this.redis.del(this.keys.cache(scope, id));
  }

  async customers(): Promise<CustomerInfo[]> {
    return this.cached('customers', 'all', async () => {
      const res = await this.pc.listCustomers({ size: 500 });
      return res.items.map(toCustomerInfo);
    });
  }

  async searchCustomers(query: string): Promise<CustomerInfo[]> {
    const q = query.trim().toLowerCase();
    const all = await this.customers();
    return all.filter((c) => !q || c.name.toLowerCase().includes(q) || (c.domain ?? '').toLowerCase().includes(q));
  }

  /** The customer with the billing country that decides the market. */
  async customer(customerId: string): Promise<CustomerInfo> {
    return this.cached('customer', customerId, async () => toCustomerInfo(await this.pc.getCustomer(customerId)));
  }

  async subscriptions(customerId: string): Promise<SubscriptionInfo[]> {
    return this.cached('subscriptions', customerId, async () => {
      const res = await this.pc.listSubscriptions(customerId);
      return res.items.map((s: Subscription) => ({
        id: s.id,
        name: s.friendlyName ?? s.offerName ?? s.id,
        offerId: s.offerId,
        status: s.status,
      }));
    });
  }

  async products(country: string, kind: Kind): Promise<Product[]> {
    return this.cached('products', `${country}:${kind}`, async () => {
      const res = await this.pc.listProducts({ country, targetView: KIND_TARGET_VIEW[kind], targetSegment: 'commercial' });
      return res.items;
    });
  }

  async skus(productId: string, country: string): Promise<Sku[]> {
    return this.cached('skus', `${country}:${productId}`, async () => (await this.pc.listSkus(productId, country)).items);
  }

  async availabilities(productId: string, skuId: string, country: string): Promise<Availability[]> {
    return this.cached(
      'availabilities',
      `${country}:${productId}:${skuId}`,
      async () => (await this.pc.listAvailabilities(productId, skuId, country)).items,
    );
  }
}

function toCustomerInfo(c: Customer): CustomerInfo {
  return {
    id: c.id,
    name: c.companyProfile?.companyName ?? c.billingProfile?.companyName ?? c.id,
    country: c.billingCountry,
    domain: c.companyProfile?.domain,
  };
}
