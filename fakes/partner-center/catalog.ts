import { createHash } from 'node:crypto';
import { generatedCatalog, ID_ALPHABET, type GeneratedCatalog } from './generated';
import { ApiError, enumKey, link, type Json } from './http';
import { CLOSED_TO_AZURE_RESERVATIONS, CLOSED_TO_SOFTWARE_SUBSCRIPTIONS } from './markets';
import type { AvailabilityScope, ProductDef, ProductKind, SkuDef, TermDef } from './model';
import { pricingCurrency } from './prices';
import { extraSoftwareSkus, SEED, SEED_PRODUCTS } from './seed';

export { convertPrice, currencyFor, type CurrencyInfo } from './prices';

/** `public`: Partner Center; `usgov`: Partner Center for Microsoft Cloud for US Government. */
export type Cloud = 'public' | 'usgov';

export interface AvailabilityRef {
  id: string;
  productId: string;
  skuId: string;
  country: string;
  segment: string;
  scope: AvailabilityScope;
  generation: number;
}

export interface ResolvedCatalogItem {
  product: ProductDef;
  sku: SkuDef;
  availability: AvailabilityRef;
  /** The availability existed once but the catalog has moved on (Partner Center: 404/400019 at checkout). */
  stale: boolean;
}

/** Which product kinds a `targetView` lists (D get-a-list-of-products.md). */
const TARGET_VIEWS: Record<string, (p: ProductDef) => boolean> = {
  // "Azure, which includes all Azure items"; "MicrosoftAzure, which includes items for Microsoft Azure
  // subscriptions (MS-AZR-0145P) and Azure plans" (the Azure plan is found there, create-azure-plan.md).
  azure: (p) => p.kind === 'reservation' || p.kind === 'azurePlan',
  microsoftazure: (p) => p.kind === 'azurePlan',
  azurereservations: (p) => p.kind === 'reservation',
  azurereservationsvm: (p) => p.kind === 'reservation' && p.reservationType === 'virtualmachines',
  azurereservationssql: (p) => p.kind === 'reservation' && p.reservationType === 'sqldatabases',
  azurereservationscosmosdb: (p) => p.kind === 'reservation' && p.reservationType === 'cosmosdb',
  software: (p) => p.kind === 'softwareSubscription' || p.kind === 'perpetual',
  softwaresubscriptions: (p) => p.kind === 'softwareSubscription',
  softwareperpetual: (p) => p.kind === 'perpetual',
  softwaresuselinux: () => false,
  onlineservices: (p) => p.kind === 'onlineServices',
  specializedoffers: () => false,
  marketplacesaas: (p) => p.kind === 'saas',
};

export const SEGMENTS: ReadonlySet<string> = new Set(['commercial', 'education', 'government', 'nonprofit']);

export interface CatalogOptions {
  extraSkus?: number;
  reservationSkus?: number;
  cloud?: Cloud;
}

function upper(s: string): string {
  return s.toUpperCase();
}

/** A known targetSegment, lower case; otherwise 403/400030 (D get-a-list-of-products.md). */
export function checkSegment(segment: string): string {
  const wanted = segment.toLowerCase();
  if (!SEGMENTS.has(wanted)) {
    throw new ApiError(403, 400030, `Access to the requested targetSegment '${segment}' is not allowed.`);
  }
  return wanted;
}

/** Products, SKUs and availabilities; availabilities are generated per country on demand. */
export class Catalog {
  readonly products: ProductDef[];
  readonly cloud: Cloud;
  private readonly generated: GeneratedCatalog;
  private readonly byId = new Map<string, ProductDef>();
  private readonly generations = new Map<string, number>();
  /** Every availability ever handed out, so a stale id can be told apart from one that never existed. */
  private readonly index = new Map<string, AvailabilityRef>();
  /** productId → ARM regions with no stock. */
  private readonly noStock = new Map<string, Set<string>>();
  /** `PRODUCT:SKU` → attestation properties set by the test control (POST /_sim/catalog/attestation). */
  private readonly attestations = new Map<string, NonNullable<SkuDef['attestationProperties']>>();

  constructor(opts: CatalogOptions = {}) {
    const extraSkus = opts.extraSkus ?? 0;
    this.cloud = opts.cloud ?? 'public';
    this.generated = generatedCatalog(opts.reservationSkus ?? 0);
    this.products = [...SEED_PRODUCTS.map((p) => ({ ...p, skus: [...p.skus] })), ...this.generated.products];
    if (extraSkus > 0) {
      const target = this.products.find((p) => p.id === SEED.products.softwareSubscription.productId);
      target?.skus.push(...extraSoftwareSkus(extraSkus));
    }
    for (const p of this.products) {
      this.byId.set(upper(p.id), p);
      // The documented ids resolve even before anyone lists them (a client may have them from the docs).
      for (const s of p.skus) {
        for (const f of s.fixedAvailabilities ?? []) {
          this.index.set(f.id, { ...f, productId: p.id, skuId: s.id, generation: 0 });
        }
      }
    }
    this.reset();
  }

  reset(): void {
    this.generations.clear();
    this.noStock.clear();
    this.attestations.clear();
    // The seeded out-of-stock region: the inventory-check product and the documented check-inventory example.
    this.setStock(SEED.inventoryCheck.productId, SEED.inventoryCheck.outOfStockRegion, false);
    this.setStock('DZH318Z0BQ3P', 'japanwest', false);
  }

  product(id: string): ProductDef | undefined {
    return this.byId.get(upper(id));
  }

  sku(product: ProductDef, skuId: string): SkuDef | undefined {
    if (this.generated.isGenerated(product)) return this.generated.sku(product, skuId);
    const wanted = upper(skuId);
    const found = product.skus.find((s) => upper(s.id) === wanted);
    return found ? this.withAttestation(product, found) : undefined;
  }

  /**
   * A test control: make a SKU enforce attestation (or stop), as Windows 365 does (D
   * product-resources.md AttestationProperties). The bot's three kinds have no documented SKU that
   * enforces attestation, so tests turn it on for one of theirs.
   */
  setAttestation(
    productId: string,
    skuId: string,
    props: NonNullable<SkuDef['attestationProperties']> | undefined,
  ): void {
    const key = `${upper(productId)}:${upper(skuId)}`;
    if (props) this.attestations.set(key, props);
    else this.attestations.delete(key);
  }

  private withAttestation(product: ProductDef, s: SkuDef): SkuDef {
    const props = this.attestations.get(`${upper(product.id)}:${upper(s.id)}`);
    return props ? { ...s, attestationProperties: props } : s;
  }

  /** A product's SKUs (generated ones are made on each call, never kept). */
  skusOf(product: ProductDef): SkuDef[] {
    if (this.generated.isGenerated(product)) return this.generated.skus(product);
    return product.skus.map((s) => this.withAttestation(product, s));
  }

  /**
   * The segments a SKU is sold in. Partner Center for US Government sells to government customers
   * only, so its catalog is the government segment's.
   */
  segmentsOf(sku: SkuDef): string[] {
    if (this.cloud === 'usgov') return ['government'];
    return ['commercial', ...(sku.extraSegments ?? [])];
  }

  /** Reservations have one set of availabilities for MS-AZR-0145P subscriptions and one for Azure plans. */
  scopesOf(product: ProductDef, sku: SkuDef): AvailabilityScope[] {
    if (product.kind !== 'reservation') return ['default'];
    return sku.onlyScope ? [sku.onlyScope] : ['default', 'azureplan'];
  }

  /** Whether the market sells this kind (the two seed documents' lists; perpetual has no list). */
  isOpen(kind: ProductKind | 'legacyAzure', country: string): boolean {
    const c = upper(country);
    if (kind === 'reservation') return !CLOSED_TO_AZURE_RESERVATIONS.has(c);
    if (kind === 'softwareSubscription') return !CLOSED_TO_SOFTWARE_SUBSCRIPTIONS.has(c);
    return true;
  }

  /** Whether a product is sold in a segment (some SKU has an availability there). */
  soldInSegment(product: ProductDef, segment: string): boolean {
    return this.skusOf(product).some((s) => this.segmentsOf(s).includes(segment));
  }

  productsFor(
    targetView: string,
    country: string,
    opts: { segment?: string; scope?: AvailabilityScope } = {},
  ): ProductDef[] {
    const filter = TARGET_VIEWS[enumKey(targetView)];
    if (!filter)
      throw new ApiError(403, 400036, `Access to the requested targetView '${targetView}' is not allowed.`);
    const segment = opts.segment === undefined ? undefined : checkSegment(opts.segment);
    return this.products.filter(
      (p) =>
        filter(p) &&
        this.isOpen(p.kind, country) &&
        (segment === undefined ? true : this.soldInSegment(p, segment)) &&
        (p.kind !== 'reservation' || opts.scope === undefined || this.hasScope(p, opts.scope)),
    );
  }

  /** Whether a reservation product has SKUs for a scope (generated products: every SKU has both). */
  private hasScope(product: ProductDef, scope: AvailabilityScope): boolean {
    if (this.generated.isGenerated(product)) return true;
    return product.skus.some((s) => this.scopesOf(product, s).includes(scope));
  }

  /** SKUs listed for a segment and (reservations) a scope. */
  skusFor(product: ProductDef, opts: { segment?: string; scope?: AvailabilityScope } = {}): SkuDef[] {
    const segment = opts.segment === undefined ? undefined : checkSegment(opts.segment);
    return this.skusOf(product).filter(
      (s) =>
        (segment === undefined || this.segmentsOf(s).includes(segment)) &&
        (product.kind !== 'reservation' ||
          opts.scope === undefined ||
          this.scopesOf(product, s).includes(opts.scope)),
    );
  }

  /** A product as seen from a market: closed markets do not list it, so it is not found there. */
  productIn(id: string, country: string): ProductDef {
    const product = this.product(id);
    if (!product || !this.isOpen(product.kind, country)) {
      throw new ApiError(404, 400013, `Product ${id} was not found in country ${upper(country)}.`);
    }
    return product;
  }

  skuIn(product: ProductDef, skuId: string): SkuDef {
    const sku = this.sku(product, skuId);
    if (!sku) throw new ApiError(404, 400018, `SKU ${skuId} was not found for product ${product.id}.`);
    return sku;
  }

  private generation(productId: string, skuId: string): number {
    return this.generations.get(`${upper(productId)}:${upper(skuId)}`) ?? 0;
  }

  /**
   * The availabilities of a SKU in a market. `scope` applies to reservations only (Azure plan vs legacy
   * subscription availabilities); without `segment` every segment except nonprofit is returned (D).
   */
  availabilities(
    product: ProductDef,
    sku: SkuDef,
    country: string,
    opts: { scope?: AvailabilityScope; segment?: string } = {},
  ): AvailabilityRef[] {
    const c = upper(country);
    if (!this.isOpen(product.kind, c)) return [];
    const scope: AvailabilityScope = product.kind === 'reservation' ? (opts.scope ?? 'default') : 'default';
    if (!this.scopesOf(product, sku).includes(scope)) return [];
    // "All segments except nonprofit will be returned if not included. Nonprofit needs to be passed
    // specifically" (D get-a-list-of-availabilities-for-a-sku.md).
    let segments = this.segmentsOf(sku).filter((s) => s !== 'nonprofit');
    if (opts.segment !== undefined) {
      const wanted = checkSegment(opts.segment);
      segments = this.segmentsOf(sku).filter((s) => s === wanted);
    }
    const generation = this.generation(product.id, sku.id);
    return segments.map((segment) => {
      const fixed =
        generation === 0
          ? sku.fixedAvailabilities?.find(
              (f) => f.country === c && f.segment === segment && f.scope === scope,
            )
          : undefined;
      const id = fixed?.id ?? this.derivedId(product.id, sku.id, c, segment, scope, generation);
      const ref: AvailabilityRef = {
        id,
        productId: product.id,
        skuId: sku.id,
        country: c,
        segment,
        scope,
        generation,
      };
      this.index.set(id, ref);
      return ref;
    });
  }

  /** Availabilities of every scope and segment in a market (what a lookup by id may match). */
  private allAvailabilities(product: ProductDef, sku: SkuDef, country: string): AvailabilityRef[] {
    const out: AvailabilityRef[] = [];
    for (const scope of this.scopesOf(product, sku)) {
      for (const segment of this.segmentsOf(sku)) {
        out.push(...this.availabilities(product, sku, country, { scope, segment }));
      }
    }
    return out;
  }

  availabilityIn(product: ProductDef, sku: SkuDef, availabilityId: string, country: string): AvailabilityRef {
    const wanted = upper(availabilityId);
    const found = this.allAvailabilities(product, sku, country).find((a) => a.id === wanted);
    if (!found) {
      throw new ApiError(
        404,
        400019,
        `Availability ${availabilityId} was not found for ${product.id}:${sku.id}.`,
      );
    }
    return found;
  }

  /**
   * Resolves `{productId}:{skuId}:{availabilityId}`. Undefined when it never existed; `stale` when it
   * existed but the SKU's availabilities have since changed.
   */
  resolve(catalogItemId: string, country: string): ResolvedCatalogItem | undefined {
    const parts = catalogItemId.split(':');
    if (parts.length !== 3) return undefined;
    const [pid, sid, aid] = parts.map(upper) as [string, string, string];
    const product = this.product(pid);
    const sku = product ? this.sku(product, sid) : undefined;
    if (!product || !sku) return undefined;
    let availability = this.index.get(aid);
    if (!availability) {
      availability = this.allAvailabilities(product, sku, country).find((a) => a.id === aid);
    }
    if (
      !availability ||
      availability.productId !== product.id ||
      upper(availability.skuId) !== upper(sku.id)
    ) {
      return undefined;
    }
    const stale = availability.generation !== this.generation(product.id, sku.id);
    return { product, sku, availability, stale };
  }

  /** Replaces a SKU's availability ids, as Partner Center does from time to time; old ids become stale. */
  rotate(productId: string, skuId: string): void {
    const product = this.product(productId);
    const sku = product ? this.sku(product, skuId) : undefined;
    if (!product || !sku) throw new ApiError(404, 400018, `SKU ${productId}:${skuId} was not found.`);
    const key = `${upper(product.id)}:${upper(sku.id)}`;
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
  }

  setStock(productId: string, region: string, inStock: boolean): void {
    const key = upper(productId);
    const regions = this.noStock.get(key) ?? new Set<string>();
    if (inStock) regions.delete(region.toLowerCase());
    else regions.add(region.toLowerCase());
    this.noStock.set(key, regions);
  }

  hasStock(productId: string, region: string): boolean {
    return !(this.noStock.get(upper(productId))?.has(region.toLowerCase()) ?? false);
  }

  private derivedId(
    productId: string,
    skuId: string,
    country: string,
    segment: string,
    scope: string,
    generation: number,
  ): string {
    const digest = createHash('sha1')
      .update(`${productId}|${skuId}|${country}|${segment}|${scope}|${generation}`)
      .digest();
    let suffix = '';
    for (let i = 0; i < 6; i++) suffix += ID_ALPHABET[(digest[i] ?? 0) % ID_ALPHABET.length];
    return `${productId.slice(0, 6)}${suffix}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Rendering

/** Where catalog links point: the country-scoped paths, or the customer-scoped ones (no `country`). */
export interface CatalogScope {
  country: string;
  customerId?: string;
}

function productBase(scope: CatalogScope, productId: string): string {
  return scope.customerId ? `/customers/${scope.customerId}/products/${productId}` : `/products/${productId}`;
}

function countryQuery(scope: CatalogScope): string {
  return scope.customerId ? '' : `?country=${scope.country}`;
}

export function renderProduct(p: ProductDef, scope: CatalogScope): Json {
  const base = productBase(scope, p.id);
  const q = countryQuery(scope);
  return {
    id: p.id,
    title: p.title,
    description: p.description,
    productType: p.productType,
    isMicrosoftProduct: p.isMicrosoftProduct,
    publisherName: p.publisherName,
    links: { skus: link(`${base}/skus${q}`), self: link(`${base}${q}`) },
  };
}

export function renderSku(p: ProductDef, s: SkuDef, scope: CatalogScope): Json {
  const base = `${productBase(scope, p.id)}/skus/${s.id}`;
  const q = countryQuery(scope);
  const out: Json = {
    id: s.id,
    productId: p.id,
    title: s.title,
    description: s.description,
    minimumQuantity: s.minimumQuantity,
    maximumQuantity: s.maximumQuantity,
    isTrial: s.isTrial,
    supportedBillingCycles: s.supportedBillingCycles,
    purchasePrerequisites: s.purchasePrerequisites,
    inventoryVariables: s.inventoryVariables,
    provisioningVariables: s.provisioningVariables,
    dynamicAttributes: s.dynamicAttributes,
  };
  if (s.actions) out.actions = s.actions;
  if (s.attestationProperties) out.attestationProperties = s.attestationProperties;
  out.links = { availabilities: link(`${base}/availabilities${q}`), self: link(`${base}${q}`) };
  return out;
}

function termId(productId: string, skuId: string, duration: string): string {
  return createHash('sha1')
    .update(`${productId}:${skuId}:${duration}`)
    .digest('base64url')
    .slice(0, 12)
    .toLowerCase();
}

function renderTerm(p: ProductDef, s: SkuDef, t: TermDef): Json {
  const out: Json = {};
  if (p.kind === 'onlineServices') out.id = termId(p.id, s.id, t.duration);
  out.duration = t.duration;
  out.description = t.description;
  if (t.billingCycle) out.billingCycle = t.billingCycle;
  if (p.kind === 'onlineServices') {
    out.cancellationPolicies = [{ refundOptions: [{ sequenceId: 0, type: 'Full', expiresAfter: 'P7D' }] }];
  }
  return out;
}

export function renderAvailability(p: ProductDef, s: SkuDef, a: AvailabilityRef, scope: CatalogScope): Json {
  // Azure plan reservations are priced in USD in every market (azure-plan-price-list.md).
  const currency = pricingCurrency(p, a.country, a.scope);
  const out: Json = {
    id: a.id,
    productId: p.id,
    skuId: s.id,
    catalogItemId: `${p.id}:${s.id}:${a.id}`,
    defaultCurrency: { code: currency.code, symbol: currency.symbol },
    segment: a.segment,
    country: a.country,
    isPurchasable: true,
    isRenewable: p.kind === 'onlineServices',
  };
  if (p.kind === 'onlineServices') {
    out.renewalInstructions = [
      {
        applicableTermIds: s.terms.map((t) => termId(p.id, s.id, t.duration)),
        renewalOptions: [{ renewToId: `${p.id}:${s.id}`, isAutoRenewable: true }],
      },
    ];
  }
  // No price: the documented availabilities and terms carry none. Prices come from the price sheet
  // (pricesheet.ts), and a cart line's `pricing` says what a line will cost.
  out.terms = s.terms.map((t) => renderTerm(p, s, t));
  out.product = renderProduct(p, scope);
  out.sku = renderSku(p, s, scope);
  out.links = {
    self: link(`${productBase(scope, p.id)}/skus/${s.id}/availabilities/${a.id}${countryQuery(scope)}`),
  };
  return out;
}
