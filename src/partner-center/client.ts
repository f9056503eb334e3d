import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import pino from 'pino';
import { request, type Dispatcher } from 'undici';
import type { ZodType, ZodTypeDef } from 'zod';
import type { Logger } from '../logger';
import type { TokenKind, TokenProvider } from './auth';
import { errorFromResponse, header, invalidResponseError, PartnerCenterError } from './errors';
import { csvBytes, parsePriceSheet, type PriceRow, type PriceSheetView } from './price-sheet';
import {
  AgreementCollectionSchema,
  CheckoutAnswerSchema,
  QualificationsSchema,
  type AgreementCollection,
  type CheckoutAnswer,
  type Qualifications,
} from './schemas-more';
import {
  AvailabilityCollectionSchema,
  AvailabilitySchema,
  CartCheckoutResultSchema,
  CartSchema,
  CustomerCollectionSchema,
  CustomerSchema,
  EntitlementCollectionSchema,
  InventoryCheckResultSchema,
  InvoiceCollectionSchema,
  InvoiceSchema,
  InvoiceSummariesSchema,
  InvoiceSummarySchema,
  OneTimeInvoiceLineItemCollectionSchema,
  OrderCollectionSchema,
  OrderSchema,
  ProductCollectionSchema,
  ProductSchema,
  ProvisioningStatusCollectionSchema,
  RegistrationStatusSchema,
  ReservationArtifactSchema,
  SkuCollectionSchema,
  SkuSchema,
  SubscriptionCollectionSchema,
  normalizeBillingCycle,
  type Availability,
  type Cart,
  type CartCheckoutResult,
  type CartInput,
  type CartLineItemInput,
  type Customer,
  type Invoice,
  type InvoiceSummaries,
  type InvoiceSummary,
  type InventoryCheckRequest,
  type InventoryCheckResult,
  type Link,
  type OneTimeInvoiceLineItem,
  type OneTimeInvoiceLineItemCollection,
  type Order,
  type Product,
  type RegistrationStatus,
  type ReservationArtifact,
  type Sku,
} from './schemas';

export interface PartnerCenterClientOptions {
  /** e.g. https://api.partnercenter.microsoft.com (paths add /v1) or the simulator's url. */
  baseUrl: string;
  /** The pricing API's base (price sheets): https://api.partner.microsoft.com, or the simulator's url. */
  pricingUrl?: string;
  tokens: TokenProvider;
  /** undici dispatcher (connection pool, proxy, trusted CAs); the global one when omitted. */
  dispatcher?: Dispatcher;
  /** X-Locale: the language of returned text. */
  locale?: string;
  logger?: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): the backoff jitter. */
  random?: () => number;
  /** MS-RequestId / MS-CorrelationId generator. */
  newId?: () => string;
  /** Per attempt, headers and body included. */
  timeoutMs?: number;
  /** Retries of a read after a 5xx, a 429, a network failure or a timeout. */
  maxReadRetries?: number;
  /** First backoff step; doubles each retry, with jitter, up to retryMaxDelayMs. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /**
   * A read told to wait longer than this (Retry-After) fails with pc_throttled instead of blocking
   * the caller; a job then waits as told without holding a worker.
   */
  maxThrottleWaitMs?: number;
  /** Sent as MS-PartnerCenter-Application. */
  applicationName?: string;
  /** Waits for a shared call budget before each request (see store/rate-limiter.ts). */
  throttle?: { acquire(): Promise<void> };
}

/** A write's idempotency key. Persist it before the call and pass the same one when retrying. */
export interface WriteOptions {
  requestId?: string;
}

export interface ListProductsQuery {
  country: string;
  targetView: string;
  targetSegment?: string;
  /** `AzurePlan`: reservations for Azure plans rather than legacy MS-AZR-0145P subscriptions. */
  reservationScope?: string;
}

export interface CatalogOptions {
  targetSegment?: string;
  reservationScope?: string;
}

/**
 * One line of a purchase, in the domain's words; the client turns it into the cart body Partner
 * Center documents ("Create a cart", "Purchase Azure reservations").
 */
export interface PurchaseLine {
  catalogItemId: string;
  quantity: number;
  billingCycle: string;
  termDuration?: string | undefined;
  /** Copied onto the order line: the bot puts the request id first, to find its orders again. */
  friendlyName: string;
  /** Reservations: the Azure subscription (Azure plan or MS-AZR-0145P) and the reservation scope. */
  reservation?:
    { subscriptionId: string; scope: 'shared' | 'single'; termDuration: string | undefined } | undefined;
  /** Only for SKUs whose attestationProperties.enforceAttestation is true, once the requester accepted. */
  attestationAccepted?: boolean | undefined;
}

export type { CheckoutAnswer } from './schemas-more';

/** The provisioningContext duration of a reservation: `1Year` / `3Year` as the documented cart shows. */
function reservationDuration(term: string | undefined): string {
  const m = /^P(\d+)Y$/i.exec(term ?? '');
  return `${m?.[1] ?? '1'}Year`;
}

export function cartBody(line: PurchaseLine): CartInput {
  const item: CartLineItemInput = {
    id: 0,
    catalogItemId: line.catalogItemId,
    quantity: line.quantity,
    billingCycle: normalizeBillingCycle(line.billingCycle),
    friendlyName: line.friendlyName.slice(0, 100),
  };
  if (line.termDuration) item.termDuration = line.termDuration;
  if (line.reservation) {
    item.provisioningContext = {
      subscriptionId: line.reservation.subscriptionId,
      scope: line.reservation.scope,
      duration: reservationDuration(line.reservation.termDuration ?? line.termDuration),
    };
  }
  if (line.attestationAccepted) item.attestationAccepted = true;
  return { lineItems: [item] };
}

type Query = Record<string, string | number | boolean | undefined>;
interface Paged<I> {
  items: I[];
  links?: Record<string, Link | null>;
}
type Schema<T> = ZodType<T, ZodTypeDef, unknown>;

interface RequestSpec<T> {
  operation: string;
  auth: TokenKind;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  /** Path under the base URL, query string included or not. */
  path: string;
  query?: Query;
  body?: unknown;
  /** JSON bodies are parsed with it; `'none'` ignores the body; `'pdf'` returns the bytes. */
  expect: Schema<T> | 'none' | 'pdf';
  requestId?: string;
  headers?: Record<string, string>;
}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Result<T> {
  data: T;
  status: number;
  headers: IncomingHttpHeaders;
}

/** Encodes each interpolated value as one path segment. */
function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce(
    (out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i] ?? '') : ''),
    '',
  );
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const parts = Object.entries(query)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Link URIs are relative and mostly lack the /v1 prefix (the update-cart example has it). */
export function linkPath(uri: string): string {
  if (/^https?:\/\//i.test(uri)) {
    const url = new URL(uri);
    return linkPath(url.pathname + url.search);
  }
  const rooted = uri.startsWith('/') ? uri : `/${uri}`;
  return /^\/v1(\/|$|\?)/i.test(rooted) ? rooted : `/v1${rooted}`;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The Partner Center REST client. Every call goes through one `request()`, which sends the headers
 * Partner Center asks for (a fresh MS-CorrelationId per call, an MS-RequestId, X-Locale), parses the
 * answer with the resource's schema and maps failures with `errorFromResponse`.
 *
 * Reads retry 5xx, 429 (after Retry-After), network failures and timeouts with jittered exponential
 * backoff. Writes never retry on their own: a timeout or a dropped connection leaves us not knowing
 * whether Partner Center acted, so the caller (a job that persisted its request id) retries with the
 * same MS-RequestId, which Partner Center uses to recognise the repeat.
 */
export class PartnerCenterClient {
  private readonly baseUrl: string;
  private readonly pricingUrl: string;
  private readonly tokens: TokenProvider;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly locale: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly newId: () => string;
  private readonly timeoutMs: number;
  private readonly maxReadRetries: number;
  private readonly retryBaseDelayMs: number;
  private readonly retryMaxDelayMs: number;
  private readonly maxThrottleWaitMs: number;
  private readonly applicationName: string;
  private readonly throttle: { acquire(): Promise<void> } | undefined;

  constructor(options: PartnerCenterClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.pricingUrl = (options.pricingUrl ?? 'https://api.partner.microsoft.com').replace(/\/+$/, '');
    this.tokens = options.tokens;
    this.dispatcher = options.dispatcher;
    this.locale = options.locale ?? 'en-US';
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ module: 'partner-center' });
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.newId = options.newId ?? randomUUID;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxReadRetries = options.maxReadRetries ?? 3;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
    this.retryMaxDelayMs = options.retryMaxDelayMs ?? 10_000;
    this.maxThrottleWaitMs = options.maxThrottleWaitMs ?? 60_000;
    this.applicationName = options.applicationName ?? 'pc-purchase-bot';
    this.throttle = options.throttle;
  }

  // -------------------------------------------------------------------------------------------------
  // Customers and subscriptions

  async listCustomers(options: { nameStartsWith?: string; size?: number } = {}) {
    const filter = options.nameStartsWith
      ? JSON.stringify({ Field: 'CompanyName', Value: options.nameStartsWith, Operator: 'starts_with' })
      : undefined;
    return this.get('listCustomers', 'app', '/v1/customers', CustomerCollectionSchema, {
      size: options.size,
      filter,
    });
  }

  /** Every matching customer, following the continuation token of `links.next`. */
  iterateCustomers(
    options: { nameStartsWith?: string; size?: number } = {},
  ): AsyncGenerator<Customer, void, undefined> {
    return this.follow('listCustomers', 'app', () => this.listCustomers(options), CustomerCollectionSchema);
  }

  /** With the billing profile, so `billingCountry` (the customer's market) is set. */
  async getCustomer(customerId: string): Promise<Customer> {
    return this.get('getCustomer', 'app', path`/v1/customers/${customerId}`, CustomerSchema);
  }

  async listSubscriptions(customerId: string) {
    return this.get(
      'listSubscriptions',
      'app',
      path`/v1/customers/${customerId}/subscriptions`,
      SubscriptionCollectionSchema,
    );
  }

  /** Registers an Azure subscription/plan for reservation purchases (async: poll the status). */
  async registerSubscription(
    customerId: string,
    subscriptionId: string,
    options: WriteOptions = {},
  ): Promise<{ location: string | undefined }> {
    const res = await this.request({
      operation: 'registerSubscription',
      auth: 'app',
      method: 'POST',
      path: path`/v1/customers/${customerId}/subscriptions/${subscriptionId}/registrations`,
      expect: 'none',
      requestId: options.requestId,
    });
    return { location: header(res.headers, 'location') };
  }

  /** Compare `status` with 'registered' (normalised from Registered / registered). */
  async getRegistrationStatus(customerId: string, subscriptionId: string): Promise<RegistrationStatus> {
    return this.get(
      'getRegistrationStatus',
      'app',
      path`/v1/customers/${customerId}/subscriptions/${subscriptionId}/registrationstatus`,
      RegistrationStatusSchema,
    );
  }

  // -------------------------------------------------------------------------------------------------
  // Catalog

  async listProducts(query: ListProductsQuery) {
    return this.get('listProducts', 'app', '/v1/products', ProductCollectionSchema, { ...query });
  }

  async getProduct(productId: string, country: string, options: CatalogOptions = {}): Promise<Product> {
    return this.get('getProduct', 'app', path`/v1/products/${productId}`, ProductSchema, {
      country,
      reservationScope: options.reservationScope,
    });
  }

  async listSkus(productId: string, country: string, options: CatalogOptions = {}) {
    return this.get('listSkus', 'app', path`/v1/products/${productId}/skus`, SkuCollectionSchema, {
      country,
      ...options,
    });
  }

  async getSku(
    productId: string,
    skuId: string,
    country: string,
    options: CatalogOptions = {},
  ): Promise<Sku> {
    return this.get('getSku', 'app', path`/v1/products/${productId}/skus/${skuId}`, SkuSchema, {
      country,
      reservationScope: options.reservationScope,
    });
  }

  async listAvailabilities(productId: string, skuId: string, country: string, options: CatalogOptions = {}) {
    return this.get(
      'listAvailabilities',
      'app',
      path`/v1/products/${productId}/skus/${skuId}/availabilities`,
      AvailabilityCollectionSchema,
      {
        country,
        ...options,
      },
    );
  }

  async getAvailability(
    productId: string,
    skuId: string,
    availabilityId: string,
    country: string,
    options: CatalogOptions = {},
  ): Promise<Availability> {
    return this.get(
      'getAvailability',
      'app',
      path`/v1/products/${productId}/skus/${skuId}/availabilities/${availabilityId}`,
      AvailabilitySchema,
      { country, ...options },
    );
  }

  /**
   * For SKUs whose purchasePrerequisites include InventoryCheck. A read in effect (it changes nothing),
   * so it is retried like one although it is a POST.
   */
  async checkInventory(country: string, body: InventoryCheckRequest): Promise<InventoryCheckResult> {
    const res = await this.request({
      operation: 'checkInventory',
      auth: 'app',
      method: 'POST',
      path: '/v1/extensions/product/checkInventory',
      query: { country },
      body,
      expect: InventoryCheckResultSchema,
    });
    return res.data;
  }

  // -------------------------------------------------------------------------------------------------
  // Carts and checkout (writes: never retried here; pass the persisted requestId when retrying)

  async createCart(customerId: string, cart: CartInput, options: WriteOptions = {}): Promise<Cart> {
    return this.write(
      'createCart',
      'POST',
      path`/v1/customers/${customerId}/carts`,
      CartSchema,
      cart,
      options,
    );
  }

  async getCart(customerId: string, cartId: string): Promise<Cart> {
    return this.get('getCart', 'app', path`/v1/customers/${customerId}/carts/${cartId}`, CartSchema);
  }

  /** PUT of the whole cart: GET it, change it, send it back. */
  async updateCart(
    customerId: string,
    cartId: string,
    cart: CartInput | Cart,
    options: WriteOptions = {},
  ): Promise<Cart> {
    return this.write(
      'updateCart',
      'PUT',
      path`/v1/customers/${customerId}/carts/${cartId}`,
      CartSchema,
      cart,
      options,
    );
  }

  /** Partial success is possible: read both `orders` and `orderErrors`. */
  async checkoutCart(
    customerId: string,
    cartId: string,
    options: WriteOptions = {},
  ): Promise<CartCheckoutResult> {
    return this.write(
      'checkoutCart',
      'POST',
      path`/v1/customers/${customerId}/carts/${cartId}/checkout`,
      CartCheckoutResultSchema,
      undefined,
      options,
    );
  }

  // -------------------------------------------------------------------------------------------------
  // Orders

  async getOrder(customerId: string, orderId: string): Promise<Order> {
    return this.get('getOrder', 'app', path`/v1/customers/${customerId}/orders/${orderId}`, OrderSchema);
  }

  /** New orders can take up to 15 minutes to appear here; getOrder has no such delay. */
  async listOrders(customerId: string) {
    return this.get('listOrders', 'app', path`/v1/customers/${customerId}/orders`, OrderCollectionSchema);
  }

  /** `billingType` in any spelling (`one_time`, `OneTime`, `onetime`); sent as the REST docs show it. */
  async listOrdersByBillingType(customerId: string, billingType: string) {
    const wire = normalizeBillingCycle(billingType).replace(/_/g, '');
    return this.get(
      'listOrdersByBillingType',
      'app',
      path`/v1/customers/${customerId}/orders`,
      OrderCollectionSchema,
      { billingType: wire },
    );
  }

  /** App+User only. */
  async getOrderProvisioningStatus(customerId: string, orderId: string) {
    return this.get(
      'getOrderProvisioningStatus',
      'user',
      path`/v1/customers/${customerId}/orders/${orderId}/provisioningstatus`,
      ProvisioningStatusCollectionSchema,
    );
  }

  // -------------------------------------------------------------------------------------------------
  // Entitlements (App+User)

  async listEntitlements(
    customerId: string,
    options: { entitlementType?: string; showExpiry?: boolean } = {},
  ) {
    // The docs' spellings: `software`, `reservedInstance`.
    const type = options.entitlementType
      ? options.entitlementType.replace(/[\s_-]/g, '').toLowerCase() === 'reservedinstance'
        ? 'reservedInstance'
        : options.entitlementType
      : undefined;
    return this.get(
      'listEntitlements',
      'user',
      path`/v1/customers/${customerId}/entitlements`,
      EntitlementCollectionSchema,
      {
        entitlementType: type,
        showExpiry: options.showExpiry,
      },
    );
  }

  /** Reservation details behind an entitlement's `entitledArtifacts[].link`. */
  async getReservationDetails(artifactLink: Link | string): Promise<ReservationArtifact> {
    const uri = typeof artifactLink === 'string' ? artifactLink : artifactLink.uri;
    return this.get('getReservationDetails', 'user', linkPath(uri), ReservationArtifactSchema);
  }

  // -------------------------------------------------------------------------------------------------
  // Billing

  /** The partner's current account balance. */
  async getBalance(): Promise<InvoiceSummary> {
    return this.get('getBalance', 'app', '/v1/invoices/summary', InvoiceSummarySchema);
  }

  /** One summary per currency. App+User only. */
  async listInvoiceSummaries(): Promise<InvoiceSummaries> {
    return this.get('listInvoiceSummaries', 'user', '/v1/invoices/summaries', InvoiceSummariesSchema);
  }

  async listInvoices(options: { size?: number; offset?: number } = {}) {
    return this.get('listInvoices', 'app', '/v1/invoices', InvoiceCollectionSchema, {
      size: options.size,
      offset: options.offset,
    });
  }

  /** Every invoice, page by page, following `links.next`. */
  iterateInvoices(options: { size?: number } = {}): AsyncGenerator<Invoice, void, undefined> {
    return this.follow(
      'listInvoices',
      'app',
      () => this.listInvoices({ size: options.size, offset: 0 }),
      InvoiceCollectionSchema,
    );
  }

  /** App+User only. */
  async getInvoice(invoiceId: string): Promise<Invoice> {
    return this.get('getInvoice', 'user', path`/v1/invoices/${invoiceId}`, InvoiceSchema);
  }

  /**
   * One page of an invoice's OneTime billing line items (reservations, software, NCE). Pass the
   * previous page's `continuationToken` for the next (seek paging); a job can persist the token and
   * resume.
   */
  async getOneTimeLineItemsPage(
    invoiceId: string,
    options: { size?: number; continuationToken?: string } = {},
  ): Promise<OneTimeInvoiceLineItemCollection> {
    const query: Query = { provider: 'onetime', invoicelineitemtype: 'billinglineitems', size: options.size };
    if (options.continuationToken) query['seekOperation'] = 'Next';
    return this.get(
      'listOneTimeLineItems',
      'app',
      path`/v1/invoices/${invoiceId}/lineitems`,
      OneTimeInvoiceLineItemCollectionSchema,
      query,
      options.continuationToken ? { 'MS-ContinuationToken': options.continuationToken } : undefined,
    );
  }

  /** Every OneTime line item of an invoice, following continuation tokens. */
  async *listOneTimeLineItems(
    invoiceId: string,
    options: { size?: number } = {},
  ): AsyncGenerator<OneTimeInvoiceLineItem, void, undefined> {
    let continuationToken: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = await this.getOneTimeLineItemsPage(invoiceId, { size: options.size, continuationToken });
      yield* page.items;
      continuationToken = nextContinuationToken(page);
      if (!continuationToken || page.items.length === 0 || seen.has(continuationToken)) return;
      seen.add(continuationToken);
    }
  }

  /** The invoice PDF. App+User only. */
  async getInvoiceStatement(invoiceId: string): Promise<Buffer> {
    const res = await this.request({
      operation: 'getInvoiceStatement',
      auth: 'user',
      method: 'GET',
      path: path`/v1/invoices/${invoiceId}/documents/statement`,
      expect: 'pdf',
      headers: { Accept: 'application/pdf, application/json' },
    });
    return res.data;
  }

  // -------------------------------------------------------------------------------------------------
  // The purchase flow's newer calls

  /** One page of customers; pass the previous page's `continuationToken` for the next (seek paging). */
  async listCustomersPage(
    options: { size?: number; continuationToken?: string | undefined } = {},
  ): Promise<{ items: Customer[]; continuationToken: string | undefined }> {
    const page = options.continuationToken
      ? await this.get(
          'listCustomers',
          'app',
          '/v1/customers',
          CustomerCollectionSchema,
          { size: options.size, seekOperation: 'next' },
          { 'MS-ContinuationToken': options.continuationToken },
        )
      : await this.listCustomers({ size: options.size });
    const raw = page as { continuationToken?: unknown; links?: Record<string, Link | null> };
    const next = raw.links?.['next'];
    const token =
      typeof raw.continuationToken === 'string'
        ? raw.continuationToken
        : next?.headers?.find((h) => h.key.toLowerCase() === 'ms-continuationtoken')?.value;
    return {
      items: page.items,
      continuationToken: next || typeof raw.continuationToken === 'string' ? token : undefined,
    };
  }

  /** "Get a customer's qualifications" (Education, GovernmentCommunityCloud, …). */
  async getCustomerQualifications(customerId: string): Promise<Qualifications> {
    return this.get(
      'getCustomerQualifications',
      'app',
      path`/v1/customers/${customerId}/qualifications`,
      QualificationsSchema,
    );
  }

  /** Agreements the partner confirmed for the customer (App+User only). */
  async getCustomerAgreements(customerId: string, agreementType: string): Promise<AgreementCollection> {
    return this.get(
      'getCustomerAgreements',
      'user',
      path`/v1/customers/${customerId}/agreements`,
      AgreementCollectionSchema,
      {
        agreementType,
      },
    );
  }

  /** The subscriptions an order created ("Get a list of subscriptions by order"). */
  async listSubscriptionsByOrder(customerId: string, orderId: string) {
    return this.get(
      'listSubscriptionsByOrder',
      'app',
      path`/v1/customers/${customerId}/subscriptions`,
      SubscriptionCollectionSchema,
      {
        order_id: orderId,
      },
    );
  }

  /** A cart of one purchase line (the body is built here, from the domain's words). */
  async createPurchaseCart(
    customerId: string,
    line: PurchaseLine,
    options: WriteOptions = {},
  ): Promise<Cart> {
    return this.createCart(customerId, cartBody(line), options);
  }

  /**
   * Checks a cart out. Both documented answers (a CartCheckoutResult, or a bare Order as in the
   * new-commerce example) come back as one shape; the caller tells "no orders and no errors" apart.
   */
  async checkout(customerId: string, cartId: string, options: WriteOptions = {}): Promise<CheckoutAnswer> {
    return this.write(
      'checkoutCart',
      'POST',
      path`/v1/customers/${customerId}/carts/${cartId}/checkout`,
      CheckoutAnswerSchema,
      undefined,
      options,
    );
  }

  /** "Cancel software purchases": PATCH the order, setting the lines to cancel to `cancelled`. */
  async cancelOrderLines(
    customerId: string,
    orderId: string,
    lines: { lineItemNumber: number; offerId: string; quantity: number }[],
    options: WriteOptions = {},
  ): Promise<Order> {
    return this.write(
      'cancelOrder',
      'PATCH',
      path`/v1/customers/${customerId}/orders/${orderId}`,
      OrderSchema,
      {
        id: orderId,
        status: 'cancelled',
        lineItems: lines.map((l) => ({
          lineItemNumber: l.lineItemNumber,
          offerId: l.offerId,
          quantity: l.quantity,
          status: 'cancelled',
        })),
      },
      options,
    );
  }

  /**
   * A market's price sheet for a view ("Get a price sheet", App+User against the pricing API), asked
   * compressed (`Accept-Encoding: deflate`: a zip holding the CSV) and parsed as it streams in.
   */
  async downloadPriceSheet(
    market: string,
    view: PriceSheetView,
    at: number,
  ): Promise<AsyncIterable<PriceRow>> {
    const token = await this.tokens.getToken('pricing', { operation: 'downloadPriceSheet' });
    const url = `${this.pricingUrl}/v1.0/sales/pricesheets(Market='${encodeURIComponent(market)}',PricesheetView='${encodeURIComponent(view)}')/$value`;
    const requestId = this.newId();
    const correlationId = this.newId();
    const headers: Record<string, string> = {
      Accept: 'application/octet-stream, text/csv, application/json',
      'Accept-Encoding': 'deflate',
      'MS-RequestId': requestId,
      'MS-CorrelationId': correlationId,
      'MS-PartnerCenter-Application': this.applicationName,
    };
    if (token) headers['Authorization'] = `Bearer ${token}`;
    if (this.throttle) await this.throttle.acquire();
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers,
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
      });
    } catch (err) {
      throw this.transportError(err, { operation: 'downloadPriceSheet' }, { requestId, correlationId });
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const text = await res.body.text();
      throw errorFromResponse(res.statusCode, res.headers, text, {
        operation: 'downloadPriceSheet',
        requestId,
        correlationId,
      });
    }
    return parsePriceSheet(csvBytes(res.body), at);
  }

  // -------------------------------------------------------------------------------------------------
  // The one request path

  /** Yields the items of a first page and of every page its `links.next` leads to (uri + headers). */
  private async *follow<I>(
    operation: string,
    auth: TokenKind,
    first: () => Promise<Paged<I>>,
    schema: Schema<Paged<I>>,
  ): AsyncGenerator<I, void, undefined> {
    let page = await first();
    const seen = new Set<string>();
    for (;;) {
      yield* page.items;
      const next = page.links?.['next'];
      if (!next || page.items.length === 0) return;
      const headers = linkHeaders(next);
      const key = `${next.uri}|${JSON.stringify(headers ?? {})}`;
      if (seen.has(key)) return; // a server repeating its next link must not loop us forever
      seen.add(key);
      page = await this.get(operation, auth, linkPath(next.uri), schema, undefined, headers);
    }
  }

  private async get<T>(
    operation: string,
    auth: TokenKind,
    p: string,
    schema: Schema<T>,
    query?: Query,
    headers?: Record<string, string>,
  ): Promise<T> {
    return (await this.request({ operation, auth, method: 'GET', path: p, query, expect: schema, headers }))
      .data;
  }

  private async write<T>(
    operation: string,
    method: 'POST' | 'PUT' | 'PATCH',
    p: string,
    schema: Schema<T>,
    body: unknown,
    options: WriteOptions,
  ): Promise<T> {
    return (
      await this.request({
        operation,
        auth: 'app',
        method,
        path: p,
        body,
        expect: schema,
        requestId: options.requestId,
      })
    ).data;
  }

  private request(spec: RequestSpec<Buffer> & { expect: 'pdf' }): Promise<Result<Buffer>>;
  private request(spec: RequestSpec<undefined> & { expect: 'none' }): Promise<Result<undefined>>;
  private request<T>(spec: RequestSpec<T> & { expect: Schema<T> }): Promise<Result<T>>;
  private async request<T>(spec: RequestSpec<T>): Promise<Result<T | Buffer | undefined>> {
    // checkInventory is a POST that changes nothing: as safe to repeat as a GET.
    const retriable = spec.method === 'GET' || spec.operation === 'checkInventory';
    const correlationId = this.newId();
    let requestId = spec.requestId ?? this.newId();
    const url = `${this.baseUrl}${spec.path}${queryString(spec.query)}`;
    const log = this.logger.child({ operation: spec.operation, correlationId });
    let attempt = 0;
    let forceRefresh = false;
    let refreshedAfter401 = false;

    for (;;) {
      attempt += 1;
      const token = await this.tokens.getToken(spec.auth, { operation: spec.operation, forceRefresh });
      forceRefresh = false;
      const context = { operation: spec.operation, requestId, correlationId, now: this.now() };
      const started = this.now();
      let failure: PartnerCenterError;
      try {
        const res = await this.send(spec, url, token, requestId, correlationId);
        log.debug(
          {
            method: spec.method,
            path: spec.path,
            status: res.status,
            requestId,
            attempt,
            ms: this.now() - started,
          },
          'partner center call',
        );
        if (res.status >= 200 && res.status < 300) {
          return { data: this.parse(spec, res, context), status: res.status, headers: res.headers };
        }
        failure = errorFromResponse(res.status, res.headers, res.body.toString('utf8'), context);
        if (res.status === 401 && token !== '' && !refreshedAfter401) {
          // An expired or revoked token: nothing was done, so one more try with a fresh token is safe
          // for writes too (same MS-RequestId).
          refreshedAfter401 = true;
          forceRefresh = true;
          attempt -= 1;
          log.info({ requestId }, 'Partner Center refused the token; retrying once with a fresh one');
          continue;
        }
      } catch (err) {
        if (err instanceof PartnerCenterError && err.code === 'pc_invalid_response') throw err;
        failure = err instanceof PartnerCenterError ? err : this.transportError(err, spec, context);
      }

      const retriesLeft = retriable && failure.retryable && attempt <= this.maxReadRetries;
      if (!retriesLeft) throw failure;
      const throttleWait = failure.code === 'pc_throttled' ? failure.retryAfterMs : undefined;
      if (throttleWait !== undefined && throttleWait > this.maxThrottleWaitMs) throw failure;
      const delay = Math.max(throttleWait ?? failure.retryAfterMs ?? 0, this.backoff(attempt));
      log.warn(
        {
          requestId,
          attempt,
          status: failure.status,
          errorCode: failure.code,
          pcCode: failure.pcCode,
          delayMs: delay,
        },
        `Partner Center ${spec.operation} failed (${failure.code}); retrying`,
      );
      await this.sleep(delay);
      // Partner Center's rule: the same MS-RequestId after a timeout, a new one after any response.
      if (failure.status !== undefined && spec.requestId === undefined) requestId = this.newId();
    }
  }

  /** Equal jitter: half the exponential step, plus a random part of the other half. */
  private backoff(attempt: number): number {
    const step = Math.min(this.retryMaxDelayMs, this.retryBaseDelayMs * 2 ** (attempt - 1));
    return Math.round(step / 2 + (this.random() * step) / 2);
  }

  private async send<T>(
    spec: RequestSpec<T>,
    url: string,
    token: string,
    requestId: string,
    correlationId: string,
  ): Promise<RawResponse> {
    // Staying under Partner Center's limit costs a short wait; going over costs a 429 and a retry.
    if (this.throttle) await this.throttle.acquire();
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'MS-RequestId': requestId,
      'MS-CorrelationId': correlationId,
      'X-Locale': this.locale,
      'MS-PartnerCenter-Application': this.applicationName,
      ...spec.headers,
    };
    if (token) headers['Authorization'] = `Bearer ${token}`;
    let body: string | undefined;
    if (spec.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(spec.body);
    } else if (spec.method !== 'GET') {
      body = ''; // Content-Length: 0, as the docs show for register and checkout
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const res = await request(url, {
        method: spec.method,
        headers,
        body,
        dispatcher: this.dispatcher,
        signal: controller.signal,
      });
      const buffer = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: res.headers, body: buffer };
    } catch (err) {
      if (controller.signal.aborted) {
        throw new PartnerCenterError(
          'pc_timeout',
          `${spec.operation}: Partner Center did not answer within ${this.timeoutMs} ms`,
          {
            requestId,
            correlationId,
            operation: spec.operation,
            cause: err,
          },
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private transportError(
    err: unknown,
    spec: { operation: string },
    context: { requestId: string; correlationId: string },
  ): PartnerCenterError {
    const reason =
      err instanceof Error
        ? `${(err as Error & { code?: string }).code ?? err.name}: ${err.message}`
        : String(err);
    return new PartnerCenterError('pc_network', `${spec.operation}: Partner Center unreachable (${reason})`, {
      requestId: context.requestId,
      correlationId: context.correlationId,
      operation: spec.operation,
      cause: err,
    });
  }

  private parse<T>(
    spec: RequestSpec<T>,
    res: RawResponse,
    context: { operation: string; requestId: string; correlationId: string },
  ): T | Buffer | undefined {
    if (spec.expect === 'none') return undefined;
    if (spec.expect === 'pdf') {
      if (res.body.subarray(0, 5).toString('latin1') !== '%PDF-') {
        throw invalidResponseError(
          res.status,
          res.headers,
          [
            {
              code: 'custom',
              path: [],
              message: `expected a PDF, got ${res.body.length} bytes of ${header(res.headers, 'content-type') ?? 'unknown type'}`,
            },
          ],
          context,
        );
      }
      return res.body;
    }
    let json: unknown;
    try {
      json = JSON.parse(res.body.toString('utf8')) as unknown;
    } catch {
      throw invalidResponseError(
        res.status,
        res.headers,
        [{ code: 'custom', path: [], message: `body is not JSON (${res.body.length} bytes)` }],
        context,
      );
    }
    const parsed = spec.expect.safeParse(json);
    if (!parsed.success) throw invalidResponseError(res.status, res.headers, parsed.error.issues, context);
    return parsed.data;
  }
}

function linkHeaders(link: Link): Record<string, string> | undefined {
  if (!link.headers?.length) return undefined;
  return Object.fromEntries(link.headers.map((h) => [h.key, h.value]));
}

/** The next page's token: top-level `continuationToken`, else the `MS-ContinuationToken` of `links.next`. */
function nextContinuationToken(page: OneTimeInvoiceLineItemCollection): string | undefined {
  const next = page.links?.['next'];
  if (!next) return undefined;
  return (
    page.continuationToken ?? next.headers?.find((h) => h.key.toLowerCase() === 'ms-continuationtoken')?.value
  );
}
