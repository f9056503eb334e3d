import { isAppError } from '../errors';
import type { Availability, Customer, Product, Sku, Subscription } from '../partner-center/schemas';
import { KIND_TARGET_VIEW, type Kind, type RegistrationState, type Segment } from '../purchases/model';
import type { SubscriptionFact } from '../purchases/policy';
import type { SharedCache } from '../store/cache';
import type { PartnerCenterApi } from './partner-center-api';

/**
 * Catalog and customer facts behind the shared cache, so option loads and the form's checks answer
 * from memory instead of from Partner Center while Slack waits. Keys name everything an answer
 * depends on: catalog answers by country, segment and scope; a customer's subscriptions by that
 * customer's id, so one customer's data is never served for another.
 */

/** What the customer picker needs of a customer: the cache stays small with thousands of them. */
export interface CustomerEntry {
  id: string;
  name: string;
  domain?: string | undefined;
}

export interface CustomerInfo extends CustomerEntry {
  /** ISO 3166-1 alpha-2 billing country: the market. */
  country: string | undefined;
}

export interface SubscriptionInfo extends SubscriptionFact {
  name: string;
  offerId: string | undefined;
}

/** What an option list needs of a product or SKU; caching only this keeps big catalogs cheap to read. */
export interface CatalogEntry {
  id: string;
  title: string;
  description?: string | undefined;
  /** The kind Partner Center's product type says it is. */
  kind?: Kind | undefined;
}

export interface SkuInfo extends CatalogEntry {
  productId: string;
  minimumQuantity?: number | undefined;
  maximumQuantity?: number | undefined;
  needsInventoryCheck: boolean;
  region?: string | undefined;
  /** The SKU's attestation type (e.g. Windows365) when it enforces attestation. */
  attestation?: string | undefined;
  billingCycles: string[];
}

export interface AvailabilityInfo {
  id: string;
  catalogItemId: string;
  segment?: string | undefined;
  termDuration?: string | undefined;
  billingCycle: string;
  description?: string | undefined;
  purchasable: boolean;
  currency?: string | undefined;
}

/**
 * Azure plan subscriptions carry the Azure plan's offer (DZH318Z0BPS6:0001); legacy Azure ones the
 * MS-AZR-0145P offer ("Create an Azure plan", "Purchase Azure reservations"). Anything else (Microsoft
 * 365, Dynamics…) cannot hold a reservation.
 */
export const AZURE_PLAN_PRODUCT = 'DZH318Z0BPS6';
export const AZURE_PLAN_SKU = '0001';
export const LEGACY_AZURE_OFFER = 'MS-AZR-0145P';

export function subscriptionType(offerId: string | undefined): SubscriptionFact['type'] {
  const offer = (offerId ?? '').toUpperCase();
  if (offer.startsWith(AZURE_PLAN_PRODUCT)) return 'azure_plan';
  if (offer.startsWith(LEGACY_AZURE_OFFER)) return 'legacy';
  return 'other';
}

/**
 * The kind a product is, from its product type (Partner Center: `Azure` with subtype `ReservedInstance`
 * or a VM family for reservations; `Software` with subtype `Perpetual` or `Subscription`/`Subscriptions`).
 */
export function kindOfProduct(p: Pick<Product, 'productType'>): Kind | undefined {
  const type = (p.productType?.id ?? '').toLowerCase();
  const sub = (p.productType?.subType?.id ?? '').toLowerCase();
  if (type === 'azure') return 'azure_reservation';
  if (type === 'software') {
    if (sub.includes('perpetual')) return 'perpetual_software';
    if (sub.includes('subscription')) return 'software_subscription';
  }
  return undefined;
}

/**
 * The customer's segment, from its qualifications ("Get a customer's qualifications"): an approved
 * Education qualification → education, GovernmentCommunityCloud → government, none → commercial.
 */
export function segmentOf(
  qualifications: readonly { qualification?: string; vettingStatus?: string }[],
): Segment {
  const approved = qualifications.filter(
    (q) => !q.vettingStatus || q.vettingStatus.toLowerCase() === 'approved',
  );
  const names = approved.map((q) => (q.qualification ?? '').toLowerCase());
  if (names.includes('education')) return 'education';
  if (names.some((n) => n.startsWith('government') || n === 'stateownedentity')) return 'government';
  return 'commercial';
}

export interface InventoryQuery {
  country: string;
  customerId: string;
  productId: string;
  skuId: string;
  subscriptionId?: string | undefined;
  region?: string | undefined;
}

export interface CatalogSettings {
  /** Every customer's segment, when the cloud decides it (US Government: government). */
  forcedSegment?: Segment | undefined;
  /** Page size when walking every customer (Partner Center's list pages). */
  customerPageSize?: number;
  /** How long an inventory or registration answer is reused: they change within minutes. */
  shortTtlMs: number;
}

/** 404s are answers too ("no such product"): cached as null so the form need not ask again. */
async function orMissing<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (err) {
    if (isAppError(err, 'pc_not_found')) return null;
    throw err;
  }
}

export class CatalogService {
  constructor(
    private readonly pc: PartnerCenterApi,
    private readonly cache: SharedCache,
    private readonly settings: CatalogSettings,
  ) {}

  /** Every customer of the partner (all pages), slim. */
  async customers(): Promise<CustomerEntry[]> {
    return this.cache.get('customers', 'all', async () => {
      const out: CustomerEntry[] = [];
      let token: string | undefined;
      const seen = new Set<string>();
      for (;;) {
        const page = await this.pc.listCustomersPage({
          size: this.settings.customerPageSize ?? 500,
          continuationToken: token,
        });
        for (const c of page.items) out.push(entryOfCustomer(c));
        token = page.continuationToken;
        if (!token || page.items.length === 0 || seen.has(token)) break;
        seen.add(token);
      }
      return out;
    });
  }

  /** Customers whose name or domain contains the query (case-insensitive), across every page. */
  async searchCustomers(query: string): Promise<CustomerEntry[]> {
    const q = query.trim().toLowerCase();
    const all = await this.customers();
    if (!q) return all;
    return all.filter((c) => c.name.toLowerCase().includes(q) || (c.domain ?? '').toLowerCase().includes(q));
  }

  /** The customer with the billing country that decides the market; undefined when Partner Center knows none. */
  async customer(customerId: string): Promise<CustomerInfo | undefined> {
    const found = await this.cache.get('customer', customerId, () =>
      orMissing(async () => {
        const c = await this.pc.getCustomer(customerId);
        return { ...entryOfCustomer(c), country: c.billingCountry };
      }),
    );
    return found ?? undefined;
  }

  /**
   * Whether the customer accepted the Microsoft Customer Agreement ("Get confirmation of customer
   * acceptance": App+User only). Undefined when Partner Center cannot tell us (no App+User sign-in):
   * checkout then refuses with 403/13605 and the requester gets the same next step.
   */
  async agreementAccepted(customerId: string): Promise<boolean | undefined> {
    const known = await this.cache.get<{ accepted: boolean | null }>('agreement', customerId, async () => {
      try {
        const list = await this.pc.getCustomerAgreements(customerId, 'MicrosoftCustomerAgreement');
        return { accepted: list.items.length > 0 };
      } catch (err) {
        // Partner Center cannot tell us (no App+User sign-in, or the read is refused): checkout then
        // refuses with 403/13605 and the requester gets the same next step.
        if (isAppError(err, 'pc_credentials_missing') || isAppError(err, 'pc_auth')) {
          return { accepted: null };
        }
        throw err;
      }
    });
    return known.accepted ?? undefined;
  }

  /** Inventory of a SKU with the InventoryCheck prerequisite, in the context its variables name. */
  async inventory(q: InventoryQuery): Promise<{ available: boolean; detail?: string | undefined }> {
    const key = [
      q.country,
      q.customerId,
      q.productId,
      q.skuId,
      q.subscriptionId ?? '-',
      q.region ?? '-',
    ].join(':');
    return this.cache.get(
      'inventory',
      key,
      async () => {
        const context: Record<string, string> = { customerId: q.customerId };
        if (q.subscriptionId) context.azureSubscriptionId = q.subscriptionId;
        if (q.region) context.armRegionName = q.region;
        const result = await this.pc.checkInventory(q.country, {
          targetItems: [{ productId: q.productId, skuId: q.skuId }],
          inventoryContext: context,
        });
        const item = result.find((i) => String(i.skuId ?? '') === q.skuId) ?? result[0];
        const restriction = item?.restrictions[0];
        return {
          available: item !== undefined && !item.isRestricted && item.restrictions.length === 0,
          ...(restriction?.description ? { detail: restriction.description } : {}),
        };
      },
      this.settings.shortTtlMs,
    );
  }

  /** Registration status, read only (registering is the pipeline's job, after approval). */
  async registration(customerId: string, subscriptionId: string): Promise<RegistrationState> {
    return this.cache.get<RegistrationState>(
      'registration-status',
      subscriptionId.toLowerCase(),
      async (): Promise<RegistrationState> => {
        const s = (await this.pc.getRegistrationStatus(customerId, subscriptionId)).status;
        return s === 'registered' || s === 'registering' || s === 'not_registered'
          ? (s as RegistrationState)
          : 'unknown';
      },
      this.settings.shortTtlMs,
    );
  }

  async segment(customerId: string): Promise<Segment> {
    // Partner Center for Microsoft Cloud for US Government sells to government customers only.
    if (this.settings.forcedSegment) return this.settings.forcedSegment;
    return this.cache.get('segment', customerId, async () =>
      segmentOf(await this.pc.getCustomerQualifications(customerId)),
    );
  }

  async subscriptions(customerId: string): Promise<SubscriptionInfo[]> {
    return this.cache.get('subscriptions', customerId, async () => {
      const res = await this.pc.listSubscriptions(customerId);
      return res.items.map(subscriptionInfo);
    });
  }

  async invalidateSubscriptions(customerId: string): Promise<void> {
    await this.cache.invalidate('subscriptions', customerId);
  }

  /**
   * Products of a kind in a country. Reservations for Azure plans are read with
   * reservationScope=AzurePlan ("Get a list of products": without it, the items for MS-AZR-0145P).
   */
  async products(
    country: string,
    kind: Kind,
    opts: { segment: Segment; azurePlan: boolean },
  ): Promise<CatalogEntry[]> {
    const scope = scopeOf(kind, opts.azurePlan);
    return this.cache.get('products', `${country}:${kind}:${opts.segment}:${scope ?? '-'}`, async () => {
      const res = await this.pc.listProducts({
        country,
        targetView: KIND_TARGET_VIEW[kind],
        targetSegment: opts.segment,
        ...(scope ? { reservationScope: scope } : {}),
      });
      return res.items.map(productEntry);
    });
  }

  async product(
    productId: string,
    country: string,
    opts: { azurePlan: boolean; kind: Kind },
  ): Promise<CatalogEntry | undefined> {
    const scope = scopeOf(opts.kind, opts.azurePlan);
    const found = await this.cache.get('product', `${country}:${productId}:${scope ?? '-'}`, () =>
      orMissing(async () =>
        productEntry(await this.pc.getProduct(productId, country, scope ? { reservationScope: scope } : {})),
      ),
    );
    return found ?? undefined;
  }

  async skus(
    productId: string,
    country: string,
    opts: { segment: Segment; azurePlan: boolean; kind: Kind },
  ): Promise<SkuInfo[]> {
    const scope = scopeOf(opts.kind, opts.azurePlan);
    return this.cache.get('skus', `${country}:${productId}:${opts.segment}:${scope ?? '-'}`, async () => {
      const res = await this.pc.listSkus(productId, country, {
        targetSegment: opts.segment,
        ...(scope ? { reservationScope: scope } : {}),
      });
      return res.items.map(skuInfo);
    });
  }

  async sku(
    productId: string,
    skuId: string,
    country: string,
    opts: { azurePlan: boolean; kind: Kind },
  ): Promise<SkuInfo | undefined> {
    const scope = scopeOf(opts.kind, opts.azurePlan);
    const found = await this.cache.get('sku', `${country}:${productId}:${skuId}:${scope ?? '-'}`, () =>
      orMissing(async () =>
        skuInfo(await this.pc.getSku(productId, skuId, country, scope ? { reservationScope: scope } : {})),
      ),
    );
    return found ?? undefined;
  }

  /** Availabilities of the customer's segment only ("all segments except nonprofit" otherwise). */
  async availabilities(
    productId: string,
    skuId: string,
    country: string,
    opts: { segment: Segment; azurePlan: boolean; kind: Kind },
  ): Promise<AvailabilityInfo[]> {
    const scope = scopeOf(opts.kind, opts.azurePlan);
    const found = await this.cache.get(
      'availabilities',
      `${country}:${productId}:${skuId}:${opts.segment}:${scope ?? '-'}`,
      () =>
        orMissing(async () => {
          const res = await this.pc.listAvailabilities(productId, skuId, country, {
            targetSegment: opts.segment,
            ...(scope ? { reservationScope: scope } : {}),
          });
          // Only the customer's segment: "All segments except nonprofit will be returned if not included".
          return res.items.filter((a) => !a.segment || a.segment === opts.segment).map(availabilityInfo);
        }),
    );
    return found ?? [];
  }

  /**
   * Every segment's availabilities (no targetSegment: "all segments except nonprofit"), to tell a
   * requester that a term is for another segment rather than gone.
   */
  async availabilitiesOfAnySegment(
    productId: string,
    skuId: string,
    country: string,
    opts: { azurePlan: boolean; kind: Kind },
  ): Promise<AvailabilityInfo[]> {
    const scope = scopeOf(opts.kind, opts.azurePlan);
    const found = await this.cache.get(
      'availabilities-any',
      `${country}:${productId}:${skuId}:${scope ?? '-'}`,
      () =>
        orMissing(async () => {
          const res = await this.pc.listAvailabilities(
            productId,
            skuId,
            country,
            scope ? { reservationScope: scope } : {},
          );
          return res.items.map(availabilityInfo);
        }),
    );
    return found ?? [];
  }
}

/** Reservations on an Azure plan are read with reservationScope=AzurePlan; nothing else takes a scope. */
export function scopeOf(kind: Kind, azurePlan: boolean): 'AzurePlan' | undefined {
  return kind === 'azure_reservation' && azurePlan ? 'AzurePlan' : undefined;
}

function entryOfCustomer(c: Customer): CustomerEntry {
  const domain = c.companyProfile?.domain;
  return {
    id: c.id,
    name: c.companyProfile?.companyName ?? c.billingProfile?.companyName ?? c.id,
    ...(domain ? { domain } : {}),
  };
}

function productEntry(p: Product): CatalogEntry {
  const kind = kindOfProduct(p);
  return {
    id: p.id,
    title: p.title,
    ...(p.description ? { description: p.description } : {}),
    ...(kind ? { kind } : {}),
  };
}

export function skuInfo(s: Sku): SkuInfo {
  const region = s.dynamicAttributes?.armRegionName;
  const enforce = s.attestationProperties?.enforceAttestation === true;
  return {
    id: s.id,
    productId: s.productId,
    title: s.title,
    ...(s.description ? { description: s.description } : {}),
    minimumQuantity: s.minimumQuantity,
    maximumQuantity: s.maximumQuantity,
    needsInventoryCheck: (s.purchasePrerequisites ?? []).some((p) => p.toLowerCase() === 'inventorycheck'),
    ...(typeof region === 'string' ? { region } : {}),
    ...(enforce ? { attestation: s.attestationProperties?.attestationType ?? 'unspecified' } : {}),
    billingCycles: s.supportedBillingCycles ?? [],
  };
}

export function availabilityInfo(a: Availability): AvailabilityInfo {
  const term = a.terms?.[0];
  return {
    id: a.id,
    catalogItemId: a.catalogItemId,
    ...(a.segment ? { segment: a.segment } : {}),
    ...(term?.duration ? { termDuration: term.duration } : {}),
    billingCycle: term?.billingCycle ?? 'one_time',
    ...(term?.description ? { description: term.description } : {}),
    purchasable: a.isPurchasable !== false,
    ...(a.defaultCurrency?.code ? { currency: a.defaultCurrency.code } : {}),
  };
}

function subscriptionInfo(s: Subscription): SubscriptionInfo {
  return {
    id: s.id,
    name: s.friendlyName ?? s.offerName ?? s.id,
    offerId: s.offerId,
    type: subscriptionType(s.offerId),
    active: (s.status ?? 'active') === 'active',
  };
}
