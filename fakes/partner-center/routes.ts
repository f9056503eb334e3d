import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { renderAvailability, renderProduct, renderSku, type CatalogScope } from './catalog';
import {
  CART_LIFETIME_MS,
  cancelOrderLines,
  checkoutCart,
  isAzureSubscription,
  parseLines,
  requireMca,
} from './commerce';
import {
  ApiError,
  collection,
  empty,
  enumKey,
  isPlainObject,
  json,
  link,
  mapValue,
  queryParam,
  setBounded,
  type Json,
  type SimResponse,
} from './http';
import type { CartRecord, CustomerDef, InvoiceRecord, OrderRecord, SkuDef } from './model';
import { buildStatementPdf } from './pdf';
import {
  findReservation,
  renderCart,
  renderCustomer,
  renderEntitlements,
  renderInvoice,
  renderInvoiceSummary,
  renderOneTimeLine,
  renderOrder,
  renderProvisioningStatus,
  renderRecurringLine,
  renderReservationArtifact,
  renderSubscription,
  type EntitlementFilter,
} from './render';
import type { AgreementRecord, SimulatorState } from './state';
import { currencySymbolOf, MCA_TEMPLATE_ID } from './state';

export interface Ctx {
  method: string;
  url: URL;
  params: Record<string, string>;
  /** The JSON body with PascalCase keys read as camelCase; undefined when there is none. */
  body: unknown;
  headers: IncomingHttpHeaders;
  state: SimulatorState;
}

export type Handler = (ctx: Ctx) => SimResponse | Promise<SimResponse>;

export interface Route {
  method: string;
  segments: string[];
  handler: Handler;
  /** D: these refuse app-only tokens (403/900329). */
  appUserOnly: boolean;
}

function route(method: string, path: string, handler: Handler, appUserOnly = false): Route {
  return { method, segments: path.split('/').filter(Boolean), handler, appUserOnly };
}

export type RouteMatch =
  { route: Route; params: Record<string, string> } | { methodNotAllowed: true } | undefined;

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** Literal segments match case-insensitively (the docs spell `checkInventory` and `checkinventory`). */
export function matchRoute(routes: Route[], method: string, pathname: string): RouteMatch {
  const parts = pathname.split('/').filter(Boolean);
  let pathMatched = false;
  for (const r of routes) {
    if (r.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length; i++) {
      const seg = r.segments[i] ?? '';
      const part = parts[i] ?? '';
      if (seg.startsWith(':')) params[seg.slice(1)] = safeDecode(part);
      else if (seg.toLowerCase() !== part.toLowerCase()) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    pathMatched = true;
    if (r.method === method) return { route: r, params };
  }
  return pathMatched ? { methodNotAllowed: true } : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Helpers

function param(ctx: Ctx, name: string): string {
  return ctx.params[name] ?? '';
}

function customerOf(ctx: Ctx): CustomerDef {
  const id = param(ctx, 'cid');
  const customer = ctx.state.customer(id);
  if (!customer) throw new ApiError(404, 3000, `Customer ${id} was not found.`);
  return customer;
}

function intParam(ctx: Ctx, name: string, fallback: number, max: number): number {
  const raw = queryParam(ctx.url, name);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new ApiError(400, 800002, `Query parameter ${name} must be a non-negative integer.`);
  return Math.min(n, max);
}

function continuationToken(ctx: Ctx): string | undefined {
  const header = ctx.headers['ms-continuationtoken'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  return fromHeader ?? queryParam(ctx.url, 'continuationToken');
}

/** Looks like the documented tokens: three comma-separated parts. Opaque to clients. */
function newContinuationToken(): string {
  return `${randomUUID()},${randomUUID()}_${Buffer.from(randomUUID()).toString('base64').slice(0, 28)},${randomUUID()}`;
}

function isSeekNext(ctx: Ctx): boolean {
  return (queryParam(ctx.url, 'seekOperation') ?? '').toLowerCase() === 'next';
}

// ---------------------------------------------------------------------------------------------------
// Customers and subscriptions

interface CustomerFilter {
  field: 'companyname' | 'domain';
  value: string;
}

function parseCustomerFilter(raw: string | undefined): CustomerFilter | undefined {
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ApiError(
      400,
      800002,
      'The filter must be URL-encoded JSON: {"Field":"CompanyName","Value":"...","Operator":"starts_with"}.',
    );
  }
  const f = isPlainObject(parsed) ? parsed : {};
  const field = String(mapValue(f, 'field') ?? '').toLowerCase();
  const operator = enumKey(String(mapValue(f, 'operator') ?? ''));
  const value = String(mapValue(f, 'value') ?? '');
  if (field !== 'companyname' && field !== 'domain') {
    throw new ApiError(400, 800002, `Customers can be filtered by CompanyName or Domain, not '${field}'.`);
  }
  if (operator !== 'startswith')
    throw new ApiError(400, 800002, 'The customer filter supports the starts_with operator only.');
  return { field, value };
}

interface CustomerPage {
  filter?: CustomerFilter;
  offset: number;
  size: number;
}

const customerPages = new WeakMap<SimulatorState, Map<string, CustomerPage>>();

function listCustomers(ctx: Ctx): SimResponse {
  let pages = customerPages.get(ctx.state);
  if (!pages) {
    pages = new Map();
    customerPages.set(ctx.state, pages);
  }
  let page: CustomerPage;
  if (isSeekNext(ctx)) {
    const token = continuationToken(ctx);
    const found = token ? pages.get(token) : undefined;
    if (!found) throw new ApiError(400, 800002, 'The continuation token is missing, unknown or expired.');
    page = found;
  } else {
    const filter = parseCustomerFilter(queryParam(ctx.url, 'filter'));
    page = { offset: 0, size: intParam(ctx, 'size', 200, 500) || 200, ...(filter ? { filter } : {}) };
  }
  const all = [...ctx.state.customers.values()]
    .filter((c) => {
      if (!page.filter) return true;
      const value = page.filter.field === 'domain' ? c.domain : c.companyName;
      return value.toLowerCase().startsWith(page.filter.value.toLowerCase());
    })
    .sort((a, b) => a.companyName.localeCompare(b.companyName));
  const items = all.slice(page.offset, page.offset + page.size).map((c) => renderCustomer(c, false));
  const body = collection(items, `/customers?size=${page.size}`);
  if (page.offset + page.size < all.length) {
    const token = newContinuationToken();
    setBounded(pages, token, { ...page, offset: page.offset + page.size }, 1_000);
    body.continuationToken = token;
    body.links = {
      ...(body.links as Json),
      next: link(`/customers?size=${page.size}&seekOperation=next`, 'GET', [
        { key: 'MS-ContinuationToken', value: token },
      ]),
    };
  }
  return json(200, body);
}

function subscriptionOf(ctx: Ctx, customer: CustomerDef) {
  const id = param(ctx, 'sid');
  const sub = ctx.state.subscriptions.get(id.toLowerCase());
  if (!sub || sub.customerId.toLowerCase() !== customer.id.toLowerCase()) {
    throw new ApiError(404, 800011, `Subscription ${id} was not found for customer ${customer.id}.`);
  }
  return sub;
}

function registerSubscription(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  const sub = subscriptionOf(ctx, customer);
  if (!isAzureSubscription(sub.type))
    throw new ApiError(400, 800011, `Not a valid Azure subscription: ${sub.id}.`);
  const record = ctx.state.registrations.get(sub.id.toLowerCase());
  if (record && ctx.state.registrationStatus(sub.id) === 'NotRegistered') {
    record.status = 'Registering';
    record.requestedAt = ctx.state.now();
  }
  return empty(202, { Location: `/customers/${customer.id}/subscriptions/${sub.id}/registrationstatus` });
}

function registrationStatus(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  const sub = subscriptionOf(ctx, customer);
  if (!isAzureSubscription(sub.type))
    throw new ApiError(400, 800011, `Not a valid Azure subscription: ${sub.id}.`);
  return json(200, {
    subscriptionId: sub.id,
    status: ctx.state.registrationStatus(sub.id),
    attributes: { objectType: 'SubscriptionRegistrationStatus' },
  });
}

// ---------------------------------------------------------------------------------------------------
// Catalog

function catalogScope(ctx: Ctx): CatalogScope {
  if (ctx.params.cid !== undefined) {
    const customer = customerOf(ctx);
    return { country: customer.country.toUpperCase(), customerId: customer.id };
  }
  const country = queryParam(ctx.url, 'country');
  if (!country) throw new ApiError(400, 800002, 'The country query parameter is required.');
  if (!/^[A-Za-z]{2}$/.test(country))
    throw new ApiError(400, 800002, `'${country}' is not an ISO 3166-1 alpha-2 country code.`);
  return { country: country.toUpperCase() };
}

function selfQuery(ctx: Ctx): string {
  return ctx.url.search;
}

function relativePath(ctx: Ctx): string {
  return ctx.url.pathname.replace(/^\/v1/i, '');
}

function listProducts(ctx: Ctx): SimResponse {
  const scope = catalogScope(ctx);
  const targetView = queryParam(ctx.url, 'targetView');
  if (!targetView) throw new ApiError(400, 800002, 'The targetView query parameter is required.');
  const segment = queryParam(ctx.url, 'targetSegment');
  const items = ctx.state.catalog
    .productsFor(targetView, scope.country, {
      scope: availabilityScope(ctx),
      ...(segment !== undefined ? { segment } : {}),
    })
    .map((p) => renderProduct(p, scope));
  return json(200, collection(items, `${relativePath(ctx)}${selfQuery(ctx)}`));
}

function getProduct(ctx: Ctx): SimResponse {
  const scope = catalogScope(ctx);
  const product = ctx.state.catalog.productIn(param(ctx, 'pid'), scope.country);
  return json(200, renderProduct(product, scope));
}

function listSkus(ctx: Ctx): SimResponse {
  const scope = catalogScope(ctx);
  const product = ctx.state.catalog.productIn(param(ctx, 'pid'), scope.country);
  const segment = queryParam(ctx.url, 'targetSegment');
  const items = ctx.state.catalog
    .skusFor(product, { scope: availabilityScope(ctx), ...(segment !== undefined ? { segment } : {}) })
    .map((s) => renderSku(product, s, scope));
  return json(200, collection(items, `${relativePath(ctx)}${selfQuery(ctx)}`));
}

function getSku(ctx: Ctx): SimResponse {
  const scope = catalogScope(ctx);
  const product = ctx.state.catalog.productIn(param(ctx, 'pid'), scope.country);
  return json(200, renderSku(product, ctx.state.catalog.skuIn(product, param(ctx, 'sid')), scope));
}

function availabilityScope(ctx: Ctx): 'azureplan' | 'default' {
  return (queryParam(ctx.url, 'reservationScope') ?? '').toLowerCase() === 'azureplan'
    ? 'azureplan'
    : 'default';
}

function listAvailabilities(ctx: Ctx): SimResponse {
  const scope = catalogScope(ctx);
  const catalog = ctx.state.catalog;
  const product = catalog.productIn(param(ctx, 'pid'), scope.country);
  const sku = catalog.skuIn(product, param(ctx, 'sid'));
  const segment = queryParam(ctx.url, 'targetSegment');
  const refs = catalog.availabilities(product, sku, scope.country, {
    scope: availabilityScope(ctx),
    ...(segment !== undefined ? { segment } : {}),
  });
  const items = refs.map((a) => renderAvailability(product, sku, a, scope));
  return json(200, collection(items, `${relativePath(ctx)}${selfQuery(ctx)}`));
}

function getAvailability(ctx: Ctx): SimResponse {
  const scope = catalogScope(ctx);
  const catalog = ctx.state.catalog;
  const product = catalog.productIn(param(ctx, 'pid'), scope.country);
  const sku = catalog.skuIn(product, param(ctx, 'sid'));
  const ref = catalog.availabilityIn(product, sku, param(ctx, 'aid'), scope.country);
  return json(200, renderAvailability(product, sku, ref, scope));
}

function checkInventory(ctx: Ctx): SimResponse {
  const country = queryParam(ctx.url, 'country');
  if (!country) throw new ApiError(400, 800002, 'The country query parameter is required.');
  const body = ctx.body;
  if (!isPlainObject(body) || !Array.isArray(body.targetItems) || body.targetItems.length === 0) {
    throw new ApiError(400, 800002, 'targetItems must list at least one { productId, skuId? }.');
  }
  const context = isPlainObject(body.inventoryContext) ? body.inventoryContext : {};
  const catalog = ctx.state.catalog;
  const results: Json[] = [];
  for (const item of body.targetItems) {
    if (!isPlainObject(item) || typeof item.productId !== 'string') {
      throw new ApiError(400, 800002, 'Each target item needs a productId.');
    }
    const product = catalog.product(item.productId);
    // Items not in the catalog are silently dropped (D check-inventory.md).
    if (!product || !catalog.isOpen(product.kind, country)) continue;
    let skus: SkuDef[] = catalog.skusOf(product);
    if (typeof item.skuId === 'string' && item.skuId) {
      const sku = catalog.sku(product, item.skuId);
      skus = sku ? [sku] : [];
    }
    for (const sku of skus) {
      if (!sku.purchasePrerequisites.includes('InventoryCheck')) {
        results.push({ productId: product.id, skuId: sku.id, isRestricted: false, restrictions: [] });
        continue;
      }
      for (const variable of sku.inventoryVariables) {
        if (!mapValue(context, variable)) {
          const key = variable.charAt(0).toLowerCase() + variable.slice(1);
          throw new ApiError(
            400,
            800002,
            `inventoryContext.${key} is required to check ${product.id}:${sku.id}.`,
          );
        }
      }
      const skuRegion =
        typeof sku.dynamicAttributes.armRegionName === 'string' ? sku.dynamicAttributes.armRegionName : '';
      const asked = mapValue(context, 'armRegionName');
      const blocked = [skuRegion, asked].filter((r): r is string => !!r && !catalog.hasStock(product.id, r));
      const region = blocked[0];
      results.push({
        productId: product.id,
        skuId: sku.id,
        isRestricted: region !== undefined,
        restrictions:
          region === undefined
            ? []
            : [
                {
                  reasonCode: 'NotAvailableForSubscription',
                  description: `Restriction identified of type 'Location' with values '${region.toLowerCase()}'.`,
                  properties: { type: 'Location', values: region.toLowerCase() },
                },
              ],
      });
    }
  }
  return json(200, results);
}

// ---------------------------------------------------------------------------------------------------
// Carts

function cartOf(ctx: Ctx, customer: CustomerDef): CartRecord {
  const id = param(ctx, 'cartId');
  const cart = ctx.state.carts.get(id.toLowerCase());
  // An expired cart is gone, as far as the caller can tell.
  if (
    !cart ||
    cart.customerId.toLowerCase() !== customer.id.toLowerCase() ||
    ctx.state.now() >= cart.expiresAt
  ) {
    throw new ApiError(404, 800008, `Unable to retrieve cart ID ${id}.`);
  }
  return cart;
}

function createCart(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  requireMca(ctx.state, customer);
  const lines = parseLines(ctx.state, customer, ctx.body);
  const now = ctx.state.now();
  const cart: CartRecord = {
    id: randomUUID(),
    customerId: customer.id,
    createdAt: now,
    lastModifiedAt: now,
    expiresAt: now + CART_LIFETIME_MS,
    lastModifiedUser: ctx.state.partnerUserId,
    status: 'Active',
    lines,
  };
  if (isPlainObject(ctx.body) && typeof ctx.body.partnerOnRecordAttestationAccepted === 'boolean') {
    cart.partnerOnRecordAttestationAccepted = ctx.body.partnerOnRecordAttestationAccepted;
  }
  ctx.state.carts.set(cart.id, cart);
  return json(201, renderCart(cart));
}

function updateCart(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  const cart = cartOf(ctx, customer);
  if (cart.status === 'Ordered') {
    throw new ApiError(400, 800065, `Can't update an already submitted cart ${cart.id}.`);
  }
  requireMca(ctx.state, customer);
  // The body's own id and timestamps are ignored: the path names the cart (the documented example's differ).
  cart.lines = parseLines(ctx.state, customer, ctx.body);
  cart.lastModifiedAt = ctx.state.now();
  if (isPlainObject(ctx.body) && typeof ctx.body.partnerOnRecordAttestationAccepted === 'boolean') {
    cart.partnerOnRecordAttestationAccepted = ctx.body.partnerOnRecordAttestationAccepted;
  }
  return json(201, renderCart(cart));
}

function checkoutResult(ctx: Ctx, cart: CartRecord): SimResponse {
  const orders = (cart.checkoutOrderIds ?? [])
    .map((id) => ctx.state.orders.get(id))
    .filter((o): o is OrderRecord => o !== undefined)
    .map((o) => renderOrder(ctx.state, o));
  const body: Json = { orders };
  if (cart.checkoutErrors && cart.checkoutErrors.length > 0) body.orderErrors = cart.checkoutErrors;
  return json(201, body);
}

/**
 * Checkout. D checkout-a-cart.md says checkout is idempotent ("the API response will re-iterate the
 * information returned after initial checkout"), while D error-codes.md lists 400/800065 "can't check
 * out an already submitted cart". Both are offered (`checkoutMode`); 800065 is the default because a
 * client that survives it (it must find its orders another way) also survives the replay. A retry with
 * the same MS-RequestId is answered from the idempotency store before this runs, in every mode.
 */
function checkout(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  const cart = cartOf(ctx, customer);
  const mode = ctx.state.checkoutMode;
  if (cart.status === 'Ordered') {
    if (mode === 'idempotent') return checkoutResult(ctx, cart);
    throw new ApiError(400, 800065, `Can't check out an already submitted cart ${cart.id}.`);
  }
  const outcome = checkoutCart(ctx.state, customer, cart);
  cart.checkoutErrors = outcome.errors;
  if (outcome.orders.length > 0) {
    cart.status = 'Ordered';
    cart.checkoutOrderIds = outcome.orders.map((o) => o.id);
    cart.lastModifiedAt = ctx.state.now();
  }
  const only = outcome.orders[0];
  // The new-commerce example ("Response example for a new commerce license-based subscription") is a
  // bare Order; it can only say that much when one order and no error came out.
  if (mode === 'bare-order' && only && outcome.orders.length === 1 && outcome.errors.length === 0) {
    return json(201, renderOrder(ctx.state, only));
  }
  const body: Json = { orders: outcome.orders.map((o) => renderOrder(ctx.state, o)) };
  if (outcome.errors.length > 0) body.orderErrors = outcome.errors;
  return json(201, body);
}

// ---------------------------------------------------------------------------------------------------
// Orders and entitlements

function orderOf(ctx: Ctx, customer: CustomerDef): OrderRecord {
  const id = param(ctx, 'oid');
  const order = ctx.state.orders.get(id);
  if (!order || order.customerId.toLowerCase() !== customer.id.toLowerCase()) {
    throw new ApiError(404, 20000, `Order ID ${id} not found.`);
  }
  return order;
}

const BILLING_TYPES: Record<string, string> = {
  onetime: 'one_time',
  monthly: 'monthly',
  annual: 'annual',
  none: 'none',
  triennial: 'triennial',
  biennial: 'biennial',
};

function listOrders(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  const billingType = queryParam(ctx.url, 'billingType');
  let cycle: string | undefined;
  if (billingType !== undefined) {
    cycle = BILLING_TYPES[enumKey(billingType)];
    if (!cycle) throw new ApiError(400, 800002, `Unknown billingType '${billingType}'.`);
  }
  const items = [...ctx.state.orders.values()]
    .filter((o) => o.customerId.toLowerCase() === customer.id.toLowerCase())
    .filter((o) => ctx.state.isListed(o))
    .filter((o) => cycle === undefined || o.billingCycle === cycle)
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((o) => renderOrder(ctx.state, o));
  return json(200, collection(items, `/customers/${customer.id}/orders${selfQuery(ctx)}`));
}

function getOrder(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  return json(200, renderOrder(ctx.state, orderOf(ctx, customer)));
}

function patchOrder(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  const order = orderOf(ctx, customer);
  cancelOrderLines(ctx.state, order, ctx.body);
  return json(200, renderOrder(ctx.state, order));
}

function provisioningStatus(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  const order = orderOf(ctx, customer);
  const body = collection(
    renderProvisioningStatus(ctx.state, order),
    `/customers/${customer.id}/orders/${order.id}/provisioningstatus`,
  );
  return json(200, body);
}

function entitlementFilter(raw: string | undefined): EntitlementFilter {
  if (raw === undefined || raw === '') return 'all';
  const key = enumKey(raw);
  if (key === 'software') return 'software';
  if (key === 'reservedinstance') return 'reservedinstance';
  if (key === 'virtualmachinereservedinstance') return 'virtualmachinereservedinstance';
  throw new ApiError(400, 800002, `Unknown entitlementType '${raw}': use software or reservedInstance.`);
}

function listEntitlements(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  const filter = entitlementFilter(queryParam(ctx.url, 'entitlementType'));
  const showExpiry = (queryParam(ctx.url, 'showExpiry') ?? '').toLowerCase() === 'true';
  const items = renderEntitlements(ctx.state, customer.id, filter, showExpiry);
  const body = collection(items, `/customers/${customer.id}/entitlements${selfQuery(ctx)}`);
  delete body.links;
  return json(200, body);
}

function getArtifact(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  const type = enumKey(param(ctx, 'type'));
  if (type !== 'reservedinstance' && type !== 'virtualmachinereservedinstance') {
    throw new ApiError(404, 800002, `Unknown artifact type ${param(ctx, 'type')}.`);
  }
  const found = findReservation(ctx.state, customer.id, param(ctx, 'rid'));
  if (!found)
    throw new ApiError(404, 800007, 'Unable to retrieve provisioning information for this reservation.');
  return json(200, renderReservationArtifact(found.order, found.line, type));
}

// ---------------------------------------------------------------------------------------------------
// Billing

function invoiceOf(ctx: Ctx): InvoiceRecord {
  const raw = param(ctx, 'iid');
  // Links in the documented invoices name them `OneTime-G000024135` / `Recurring-D02005YFHI`.
  const id = raw.replace(/^(onetime|recurring)-/i, '').toUpperCase();
  const invoice = ctx.state.invoices.get(id);
  if (!invoice) throw new ApiError(404, 3000, `Invoice ${raw} was not found.`);
  return invoice;
}

function allInvoices(ctx: Ctx): InvoiceRecord[] {
  return [...ctx.state.invoices.values()];
}

function invoiceSummary(ctx: Ctx): SimResponse {
  return json(200, renderInvoiceSummary(allInvoices(ctx), 'USD', '$'));
}

function invoiceSummaries(ctx: Ctx): SimResponse {
  const currencies = [...new Set(['USD', ...allInvoices(ctx).map((i) => i.currencyCode)])].sort();
  const items = currencies.map((c) => renderInvoiceSummary(allInvoices(ctx), c, currencySymbolOf(c)));
  return json(200, collection(items, '/invoices/summaries'));
}

type InvoiceFilter = (i: InvoiceRecord) => boolean;

function parseInvoiceFilter(raw: string | undefined): InvoiceFilter | undefined {
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ApiError(400, 800002, 'The filter must be URL-encoded JSON.');
  }
  const build = (node: unknown): InvoiceFilter => {
    if (!isPlainObject(node)) throw new ApiError(400, 800002, 'Each filter must be an object.');
    const filters = Object.entries(node).find(([k]) => k.toLowerCase() === 'filters')?.[1];
    const operator = enumKey(String(mapValue(node, 'operator') ?? ''));
    if (Array.isArray(filters)) {
      const parts = filters.map(build);
      if (operator === 'or') return (i) => parts.some((p) => p(i));
      return (i) => parts.every((p) => p(i));
    }
    const field = String(mapValue(node, 'field') ?? '').toLowerCase();
    if (field !== 'invoicedate')
      throw new ApiError(400, 800002, 'Invoices can be filtered by InvoiceDate only.');
    const value = Date.parse(String(mapValue(node, 'value') ?? ''));
    if (Number.isNaN(value)) throw new ApiError(400, 800002, 'The InvoiceDate filter value is not a date.');
    const compare: Record<string, (a: number) => boolean> = {
      equals: (a) => a === value,
      notequals: (a) => a !== value,
      greaterthan: (a) => a > value,
      greaterthanorequals: (a) => a >= value,
      lessthan: (a) => a < value,
      lessthanorequals: (a) => a <= value,
    };
    const fn = compare[operator];
    if (!fn) throw new ApiError(400, 800002, `Unknown filter operator '${operator}'.`);
    return (i) => fn(i.invoiceDate);
  };
  return build(parsed);
}

function listInvoices(ctx: Ctx): SimResponse {
  const size = intParam(ctx, 'size', 200, 1000) || 200;
  const offset = intParam(ctx, 'offset', 0, Number.MAX_SAFE_INTEGER);
  const filter = parseInvoiceFilter(queryParam(ctx.url, 'filter'));
  const all = allInvoices(ctx)
    .filter((i) => !filter || filter(i))
    .sort((a, b) => b.invoiceDate - a.invoiceDate);
  const items = all.slice(offset, offset + size).map(renderInvoice);
  const body = collection(items, `/invoices?size=${size}&offset=${offset}`);
  if (offset + size < all.length) {
    body.links = { ...(body.links as Json), next: link(`/invoices?size=${size}&offset=${offset + size}`) };
  }
  return json(200, body);
}

function getInvoice(ctx: Ctx): SimResponse {
  return json(200, renderInvoice(invoiceOf(ctx)));
}

function lineItems(ctx: Ctx): SimResponse {
  const invoice = invoiceOf(ctx);
  const style = ctx.params.provider !== undefined ? 'path' : 'query';
  const provider = enumKey(ctx.params.provider ?? queryParam(ctx.url, 'provider') ?? '');
  const type = enumKey(ctx.params.type ?? queryParam(ctx.url, 'invoiceLineItemType') ?? 'billinglineitems');
  if (!['onetime', 'office', 'azure', 'all', 'marketplace'].includes(provider)) {
    throw new ApiError(400, 800002, `Unknown billing provider '${provider}'.`);
  }
  if (type !== 'billinglineitems' && type !== 'usagelineitems') {
    throw new ApiError(400, 800002, `Unknown invoice line item type '${type}'.`);
  }
  const selfPath =
    style === 'path'
      ? `/invoices/${invoice.id}/lineitems/${ctx.params.provider ?? ''}/${ctx.params.type ?? ''}`
      : `/invoices/${invoice.id}/lineitems`;

  if (provider === 'onetime') {
    // Seek paging (D get-invoiceline-items.md): first page by size/offset, then seekOperation=Next with
    // the MS-ContinuationToken header (or a continuationToken query parameter).
    let offset: number;
    let size: number;
    if (isSeekNext(ctx)) {
      const token = continuationToken(ctx);
      const page = token ? ctx.state.continuations.get(token) : undefined;
      if (!page || page.invoiceId !== invoice.id) {
        throw new ApiError(
          400,
          800002,
          'The continuation token is missing, unknown or belongs to another invoice.',
        );
      }
      offset = page.offset;
      size = page.size;
    } else {
      size = intParam(ctx, 'size', 2000, 2000) || 2000;
      offset = intParam(ctx, 'offset', 0, Number.MAX_SAFE_INTEGER);
    }
    const all = type === 'billinglineitems' ? invoice.oneTimeLines : [];
    const items = all
      .slice(offset, offset + size)
      .map((c, i) => renderOneTimeLine(ctx.state, invoice, c, offset + i));
    const query =
      style === 'path'
        ? `?size=${size}`
        : `?provider=OneTime&invoiceLineItemType=BillingLineItems&size=${size}`;
    const body: Json = {};
    if (offset + size < all.length) {
      const token = newContinuationToken();
      setBounded(ctx.state.continuations, token, {
        invoiceId: invoice.id,
        provider,
        offset: offset + size,
        size,
      });
      body.continuationToken = token;
      Object.assign(body, collection(items, `${selfPath}${query}`));
      body.links = {
        ...(body.links as Json),
        next: link(`${selfPath}${query}&seekOperation=Next`, 'GET', [
          { key: 'MS-ContinuationToken', value: token },
        ]),
      };
    } else {
      Object.assign(body, collection(items, `${selfPath}${query}`));
    }
    return json(200, body);
  }

  // Office (license-based) and the rest: plain size/offset paging.
  const size = intParam(ctx, 'size', 2000, 2000) || 2000;
  const offset = intParam(ctx, 'offset', 0, Number.MAX_SAFE_INTEGER);
  const all = provider === 'office' && type === 'billinglineitems' ? invoice.recurringLines : [];
  const items = all.slice(offset, offset + size).map((l) => renderRecurringLine(ctx.state, invoice, l));
  const body = collection(items, `${selfPath}?size=${size}&offset=${offset}`);
  if (offset + size < all.length) {
    body.links = { ...(body.links as Json), next: link(`${selfPath}?size=${size}&offset=${offset + size}`) };
  }
  return json(200, body);
}

async function statement(ctx: Ctx): Promise<SimResponse> {
  const invoice = invoiceOf(ctx);
  const pdf = await buildStatementPdf(invoice, (id) => ctx.state.customer(id));
  return {
    status: 200,
    headers: {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename=Invoice_${invoice.id}.pdf`,
    },
    body: Buffer.from(pdf),
  };
}

// ---------------------------------------------------------------------------------------------------

function subscriptionsOfCustomer(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  // D get-a-list-of-subscriptions-by-order.md: `?order_id=` lists the subscriptions an order created.
  const orderId = queryParam(ctx.url, 'order_id');
  const items = [...ctx.state.subscriptions.values()]
    .filter((s) => s.customerId.toLowerCase() === customer.id.toLowerCase())
    .filter((s) => orderId === undefined || s.orderId === orderId)
    .sort((a, b) => a.createdAt - b.createdAt || a.friendlyName.localeCompare(b.friendlyName))
    .map(renderSubscription);
  return json(200, collection(items, `/customers/${customer.id}/subscriptions`));
}

function azureEntitlements(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  const sub = subscriptionOf(ctx, customer);
  if (!isAzureSubscription(sub.type))
    throw new ApiError(400, 800011, `Not a valid Azure subscription: ${sub.id}.`);
  // In this world an Azure plan's one Azure subscription has the plan's id.
  const items = [{ id: sub.id, friendlyName: sub.friendlyName, status: 'active', subscriptionId: sub.id }];
  return json(200, collection(items, `/customers/${customer.id}/subscriptions/${sub.id}/azureEntitlements`));
}

// ---------------------------------------------------------------------------------------------------
// Qualifications and agreements

/** D get-customer-qualification-asynchronous.md: a bare JSON array (empty: a commercial customer). */
function qualifications(ctx: Ctx): SimResponse {
  const customer = customerOf(ctx);
  return json(200, ctx.state.qualificationsOf(customer));
}

/** The Agreement resource "is currently supported by Partner Center only in the Microsoft public cloud". */
function publicCloudOnly(ctx: Ctx): void {
  if (ctx.state.options.cloud === 'usgov') {
    throw new ApiError(404, 800002, 'The Agreement resource is not supported in this cloud.');
  }
}

/** D get-confirmation-of-customer-agreement.md: without agreementType the query means MicrosoftCloudAgreement. */
function customerAgreements(ctx: Ctx): SimResponse {
  publicCloudOnly(ctx);
  const customer = customerOf(ctx);
  const wanted = queryParam(ctx.url, 'agreementType') ?? 'MicrosoftCloudAgreement';
  const all = ctx.state.agreements.get(customer.id.toLowerCase()) ?? [];
  const items = all
    .filter((a) => wanted === '*' || enumKey(a.type) === enumKey(wanted))
    .map((a) => ({
      primaryContact: a.primaryContact,
      templateId: a.templateId,
      dateAgreed: a.dateAgreed,
      type: a.type,
      agreementLink: a.agreementLink,
    }));
  return json(200, { totalCount: items.length, items, attributes: { objectType: 'Collection' } });
}

/** D confirm-customer-consent-customer-agreement.md: the partner confirms the customer's acceptance. */
function confirmAgreement(ctx: Ctx): SimResponse {
  publicCloudOnly(ctx);
  const customer = customerOf(ctx);
  const body = ctx.body;
  if (!isPlainObject(body)) throw new ApiError(400, 800002, 'The request body must be an Agreement.');
  const contact = isPlainObject(body.primaryContact) ? body.primaryContact : undefined;
  const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
  if (!contact || !text(contact.firstName) || !text(contact.lastName) || !text(contact.email)) {
    throw new ApiError(400, 800002, 'primaryContact needs firstName, lastName and email.');
  }
  if (text(body.type) !== 'MicrosoftCustomerAgreement') {
    throw new ApiError(400, 800002, 'type must be MicrosoftCustomerAgreement.');
  }
  if (text(body.templateId).toLowerCase() !== MCA_TEMPLATE_ID) {
    throw new ApiError(
      400,
      800002,
      `templateId must be the Microsoft Customer Agreement's (${MCA_TEMPLATE_ID}).`,
    );
  }
  if (Number.isNaN(Date.parse(text(body.dateAgreed)))) {
    throw new ApiError(400, 800002, 'dateAgreed must be a UTC date and time.');
  }
  const record: AgreementRecord = {
    userId: ctx.state.partnerUserId,
    primaryContact: {
      firstName: text(contact.firstName),
      lastName: text(contact.lastName),
      email: text(contact.email),
      ...(text(contact.phoneNumber) ? { phoneNumber: text(contact.phoneNumber) } : {}),
    },
    templateId: MCA_TEMPLATE_ID,
    dateAgreed: text(body.dateAgreed),
    type: 'MicrosoftCustomerAgreement',
    agreementLink: 'https://aka.ms/customeragreement',
  };
  const key = customer.id.toLowerCase();
  const existing = ctx.state.agreements.get(key) ?? [];
  const same = (a: AgreementRecord): boolean =>
    a.primaryContact.firstName === record.primaryContact.firstName &&
    a.primaryContact.lastName === record.primaryContact.lastName &&
    a.primaryContact.email === record.primaryContact.email &&
    (a.primaryContact.phoneNumber ?? '') === (record.primaryContact.phoneNumber ?? '');
  if (existing.some(same)) {
    // "If the following values change for a customer, Partner Center will allow for another agreement to
    // be created ... Otherwise partners will receive the following error code" (its own body shape; the
    // page gives no HTTP status: 400 is our choice).
    return json(400, {
      code: 600061,
      message: 'A partner confirmed agreement already exists for the customer.',
      description: 'A partner confirmed agreement already exists for the customer.',
      errorName: 'PartnerConfirmedAgreementAlreadyExists',
      isRetryable: false,
      parameters: {},
      errorMessageExtended: 'InternalErrorCode=600061',
    });
  }
  ctx.state.agreements.set(key, [...existing, record]);
  return json(201, {
    userId: record.userId,
    primaryContact: record.primaryContact,
    templateId: record.templateId,
    dateAgreed: record.dateAgreed,
    type: record.type,
  });
}

/** D get-customer-agreement-metadata.md. */
function agreementMetadata(ctx: Ctx): SimResponse {
  publicCloudOnly(ctx);
  const wanted = queryParam(ctx.url, 'agreementType') ?? 'MicrosoftCloudAgreement';
  const all = [
    {
      templateId: MCA_TEMPLATE_ID,
      agreementType: 'MicrosoftCustomerAgreement',
      agreementLink: 'https://aka.ms/customeragreement',
      versionRank: 0,
    },
  ];
  const items = all.filter((a) => wanted === '*' || enumKey(a.agreementType) === enumKey(wanted));
  return json(200, { totalCount: items.length, items, attributes: { objectType: 'Collection' } });
}

/** D get-direct-sign-status-of-customer-agreement.md: `{"isSigned": bool}`. */
function directSignStatus(ctx: Ctx): SimResponse {
  publicCloudOnly(ctx);
  const customer = customerOf(ctx);
  return json(200, { isSigned: ctx.state.hasAcceptedMca(customer) });
}

const CATALOG_ROUTES = (prefix: string): Route[] => [
  route('GET', `${prefix}/products`, listProducts),
  route('GET', `${prefix}/products/:pid`, getProduct),
  route('GET', `${prefix}/products/:pid/skus`, listSkus),
  route('GET', `${prefix}/products/:pid/skus/:sid`, getSku),
  route('GET', `${prefix}/products/:pid/skus/:sid/availabilities`, listAvailabilities),
  route('GET', `${prefix}/products/:pid/skus/:sid/availabilities/:aid`, getAvailability),
];

export const ROUTES: Route[] = [
  route('GET', '/v1/customers', listCustomers),
  route('GET', '/v1/customers/:cid', (ctx) => json(200, renderCustomer(customerOf(ctx), true))),
  route('GET', '/v1/customers/:cid/subscriptions', subscriptionsOfCustomer),
  route('GET', '/v1/customers/:cid/qualifications', qualifications),
  route('GET', '/v1/customers/:cid/agreements', customerAgreements, true),
  route('POST', '/v1/customers/:cid/agreements', confirmAgreement, true),
  route('GET', '/v1/customers/:cid/directSignedMicrosoftCustomerAgreementStatus', directSignStatus, true),
  route('GET', '/v1/agreements', agreementMetadata, true),
  route('GET', '/v1/customers/:cid/subscriptions/:sid', (ctx) =>
    json(200, renderSubscription(subscriptionOf(ctx, customerOf(ctx)))),
  ),
  route('GET', '/v1/customers/:cid/subscriptions/:sid/azureEntitlements', azureEntitlements),
  route('POST', '/v1/customers/:cid/subscriptions/:sid/registrations', registerSubscription),
  route('GET', '/v1/customers/:cid/subscriptions/:sid/registrationstatus', registrationStatus),
  ...CATALOG_ROUTES('/v1'),
  ...CATALOG_ROUTES('/v1/customers/:cid'),
  route('POST', '/v1/extensions/product/checkInventory', checkInventory),
  route('POST', '/v1/customers/:cid/carts', createCart),
  route('GET', '/v1/customers/:cid/carts/:cartId', (ctx) =>
    json(200, renderCart(cartOf(ctx, customerOf(ctx)))),
  ),
  route('PUT', '/v1/customers/:cid/carts/:cartId', updateCart),
  route('POST', '/v1/customers/:cid/carts/:cartId/checkout', checkout),
  route('GET', '/v1/customers/:cid/orders', listOrders),
  route('GET', '/v1/customers/:cid/orders/:oid', getOrder),
  route('PATCH', '/v1/customers/:cid/orders/:oid', patchOrder),
  route('GET', '/v1/customers/:cid/orders/:oid/provisioningstatus', provisioningStatus, true),
  route('GET', '/v1/customers/:cid/entitlements', listEntitlements, true),
  route(
    'GET',
    '/v1/customers/:cid/artifacts/:type/groups/:gid/lineitems/:lid/resource/:rid',
    getArtifact,
    true,
  ),
  route('GET', '/v1/invoices/summary', invoiceSummary),
  route('GET', '/v1/invoices/summaries', invoiceSummaries, true),
  route('GET', '/v1/invoices', listInvoices),
  route('GET', '/v1/invoices/:iid', getInvoice, true),
  route('GET', '/v1/invoices/:iid/lineitems', lineItems),
  route('GET', '/v1/invoices/:iid/lineitems/:provider/:type', lineItems),
  route('GET', '/v1/invoices/:iid/documents/statement', statement, true),
];
