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
/** What an option list needs of a product or SKU; caching only this keeps big catalogs cheap to read. */
export interface CatalogEntry {
  id: string;
  title: string;
  description?: string | undefined;
}

/** How long this process reuses a catalog answer it already parsed, before asking Redis again. */
const LOCAL_TTL_MS = 10_000;
const LOCAL_MAX_ENTRIES = 500;

export class CatalogService {
  private readonly keys: Keys;
  private readonly local = new Map<string, { value: unknown; until: number }>();

  constructor(
    private readonly pc: PartnerCenterApi,
    private readonly redis: Redis,
    prefix: string,
    private readonly ttlMs: number,
  ) {
    this.keys = new Keys(prefix);
  }

  /**
   * Redis is the shared cache (every web process sees one load); a few seconds of in-process memory
   * in front of it saves re-reading and re-parsing a 5,000-SKU list on every keystroke.
   */
  private async cached<T>(scope: string, id: string, load: () => Promise<T>): Promise<T> {
    const key = this.keys.cache(scope, id);
    const now = Date.now();
    const mem = this.local.get(key);
    if (mem && mem.until > now) return mem.value as T;
    const hit = await this.redis.get(key);
    const value = hit !== null ? (JSON.parse(hit) as T) : await load();
    if (hit === null) await this.redis.set(key, JSON.stringify(value), 'PX', this.ttlMs);
    if (this.local.size >= LOCAL_MAX_ENTRIES) this.local.delete(this.local.keys().next().value!);
    this.local.set(key, { value, until: now + Math.min(LOCAL_TTL_MS, this.ttlMs) });
    return value;
  }

  async invalidate(scope: string, id: string): Promise<void> {
    this.local.delete(this.keys.cache(scope, id));
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
    return all.filter(
      (c) => !q || c.name.toLowerCase().includes(q) || (c.domain ?? '').toLowerCase().includes(q),
    );
  }

  /** The customer with the billing country that decides the market. */
  async customer(customerId: string): Promise<CustomerInfo> {
    return this.cached('customer', customerId, async () =>
      toCustomerInfo(await this.pc.getCustomer(customerId)),
    );
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

  async products(country: string, kind: Kind): Promise<CatalogEntry[]> {
    return this.cached('products', `${country}:${kind}`, async () => {
      const res = await this.pc.listProducts({
        country,
        targetView: KIND_TARGET_VIEW[kind],
        targetSegment: 'commercial',
      });
      return res.items.map(entry);
    });
  }

  async skus(productId: string, country: string): Promise<CatalogEntry[]> {
    return this.cached('skus', `${country}:${productId}`, async () =>
      (await this.pc.listSkus(productId, country)).items.map(entry),
    );
  }

  async availabilities(productId: string, skuId: string, country: string): Promise<Availability[]> {
    return this.cached(
      'availabilities',
      `${country}:${productId}:${skuId}`,
      async () => (await this.pc.listAvailabilities(productId, skuId, country)).items,
    );
  }
}

function entry(p: Product | Sku): CatalogEntry {
  return { id: p.id, title: p.title, ...(p.description ? { description: p.description } : {}) };
}

function toCustomerInfo(c: Customer): CustomerInfo {
  return {
    id: c.id,
    name: c.companyProfile?.companyName ?? c.billingProfile?.companyName ?? c.id,
    country: c.billingCountry,
    domain: c.companyProfile?.domain,
  };
}
