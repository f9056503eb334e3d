import { randomBytes, randomUUID } from 'node:crypto';
import { ApiError, canonicalBillingCycle, isPlainObject, mapValue } from './http';
import type {
  CartError,
  CartLineRecord,
  CartRecord,
  ChargeRecord,
  CustomerDef,
  OrderErrorRecord,
  OrderLineRecord,
  OrderRecord,
  SkuDef,
} from './model';
import { currencyFor, quote } from './prices';
import { LEGACY_OFFERS, MS_PER_DAY } from './seed';
import { currencySymbolOf, type SimulatorState } from './state';

/** Carts live 7 days (D cart-resources.md; the 2023 example shows +7 days). */
export const CART_LIFETIME_MS = 7 * MS_PER_DAY;

/** Software subscriptions can be cancelled within 7 days, perpetual software within 30 (portal doc). */
const CANCELLATION_WINDOW_DAYS: Record<string, number> = {
  softwareSubscription: 7,
  perpetual: 30,
  onlineServices: 7,
  saas: 7,
};

export function newOrderId(): string {
  // The documented one-time order ids are 33 url-safe characters ending in "1".
  return `${randomBytes(24).toString('base64url')}1`;
}

export function newAlternateId(): string {
  return randomBytes(6).toString('hex');
}

function durationOfContext(value: string): string | undefined {
  const key = value.replace(/\s/g, '').toLowerCase();
  if (key === '1year' || key === '1years' || key === 'p1y') return 'P1Y';
  if (key === '3year' || key === '3years' || key === 'p3y') return 'P3Y';
  if (key === '1month' || key === 'p1m') return 'P1M';
  return undefined;
}

function monthsOf(duration: string | undefined): number {
  if (!duration) return 1;
  const m = /^P(\d+)([YM])$/i.exec(duration);
  if (!m) return 1;
  const n = Number(m[1]);
  return m[2]?.toUpperCase() === 'Y' ? n * 12 : n;
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

function positiveInteger(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : undefined;
}

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (!isPlainObject(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

/**
 * Validates one cart line the way the service does before it accepts a cart: a missing or unknown
 * catalog item, a billing cycle the SKU does not support, a term it does not have, a quantity out of
 * range or a missing provisioning variable is a 4xx and no cart is created. Business checks that
 * depend on the customer's state (registration, stock, market) are reported on the line (`error`)
 * and decided at checkout.
 */
export function validateLine(
  state: SimulatorState,
  customer: CustomerDef,
  raw: unknown,
  index: number,
): CartLineRecord {
  if (!isPlainObject(raw)) throw new ApiError(400, 800002, `Line item ${index} is not an object.`);
  const catalogItemId = typeof raw.catalogItemId === 'string' ? raw.catalogItemId.trim() : '';
  if (!catalogItemId) throw new ApiError(400, 900142, `Catalog item ID isn't present on line item ${index}.`);
  const quantity = positiveInteger(raw.quantity);
  if (quantity === undefined) {
    throw new ApiError(400, 800002, `Line item ${index}: quantity must be a whole number of at least 1.`);
  }
  const billingCycle = canonicalBillingCycle(raw.billingCycle);
  if (!billingCycle) {
    throw new ApiError(
      400,
      800002,
      `Line item ${index}: billingCycle is missing or not a known billing cycle.`,
    );
  }
  const id = raw.id === undefined || raw.id === null ? index : Number(raw.id);
  if (!Number.isInteger(id)) throw new ApiError(400, 800002, `Line item ${index}: id must be an integer.`);
  const provisioningContext = stringRecord(raw.provisioningContext);
  let termDuration =
    typeof raw.termDuration === 'string' && raw.termDuration ? raw.termDuration.toUpperCase() : undefined;
  const currency = currencyFor(customer.country);

  const line: CartLineRecord = {
    id,
    catalogItemId,
    quantity,
    billingCycle,
    orderGroup: '0',
    currencyCode: currency.code,
    unitPrice: 0,
    listPrice: 0,
    resolved: { kind: 'legacyAzure', title: '', productTitle: '' },
  };
  if (typeof raw.friendlyName === 'string') line.friendlyName = raw.friendlyName;
  if (provisioningContext) line.provisioningContext = provisioningContext;
  if (Array.isArray(raw.participants)) {
    line.participants = raw.participants
      .filter(isPlainObject)
      .map((p) => ({ key: String(p.key), value: String(p.value) }));
  }
  if (raw.renewsTo === null) line.renewsTo = null;
  else if (isPlainObject(raw.renewsTo)) {
    line.renewsTo =
      typeof raw.renewsTo.termDuration === 'string' ? { termDuration: raw.renewsTo.termDuration } : {};
  }
  if (typeof raw.attestationAccepted === 'boolean') line.attestationAccepted = raw.attestationAccepted;
  if (typeof raw.customTermEndDate === 'string') line.customTermEndDate = raw.customTermEndDate;
  if (typeof raw.promotionId === 'string') line.promotionId = raw.promotionId;

  const legacy = LEGACY_OFFERS[catalogItemId.toUpperCase()];
  if (!catalogItemId.includes(':')) {
    if (!legacy) throw new ApiError(400, 800004, `Invalid offer ID ${catalogItemId}.`);
    line.resolved = { kind: 'legacyAzure', title: legacy.title, productTitle: legacy.title };
    if (termDuration) line.termDuration = termDuration;
    return line;
  }

  const resolved = state.catalog.resolve(catalogItemId, customer.country);
  if (!resolved || resolved.stale) {
    throw new ApiError(
      404,
      400019,
      `Availability not found for catalog item ${catalogItemId}. Get the SKU's availabilities again and use a current catalogItemId.`,
    );
  }
  const { product, sku, availability } = resolved;
  if (!sku.supportedBillingCycles.includes(billingCycle)) {
    throw new ApiError(
      400,
      800002,
      `Line item ${index}: billing cycle ${billingCycle} is not supported by ${catalogItemId} (supported: ${sku.supportedBillingCycles.join(', ')}).`,
    );
  }
  if (quantity < sku.minimumQuantity || quantity > sku.maximumQuantity) {
    throw new ApiError(
      400,
      800017,
      `Quantity ${quantity} isn't available for catalog item ${catalogItemId} (allowed ${sku.minimumQuantity} to ${sku.maximumQuantity}).`,
    );
  }
  const contextDuration = mapValue(provisioningContext, 'duration');
  if (sku.terms.length > 0) {
    if (!termDuration && contextDuration) termDuration = durationOfContext(contextDuration);
    if (!termDuration && sku.terms.length === 1) termDuration = sku.terms[0]?.duration;
    if (!termDuration) {
      throw new ApiError(
        400,
        800002,
        `Line item ${index}: termDuration is required for ${catalogItemId} (one of ${sku.terms.map((t) => t.duration).join(', ')}).`,
      );
    }
    if (!sku.terms.some((t) => t.duration === termDuration)) {
      throw new ApiError(
        400,
        800002,
        `Line item ${index}: term ${termDuration} is not available for ${catalogItemId} (available: ${sku.terms.map((t) => t.duration).join(', ')}).`,
      );
    }
    if (contextDuration && durationOfContext(contextDuration) !== termDuration) {
      throw new ApiError(
        400,
        800002,
        `Line item ${index}: provisioningContext.duration ${contextDuration} does not match termDuration ${termDuration}.`,
      );
    }
  }
  for (const variable of sku.provisioningVariables) {
    const value = mapValue(provisioningContext, variable);
    if (!value) {
      const key = variable.charAt(0).toLowerCase() + variable.slice(1);
      throw new ApiError(
        400,
        800002,
        `Line item ${index}: provisioningContext.${key} is required for ${catalogItemId}.`,
      );
    }
    if (variable.toLowerCase() === 'scope' && !['shared', 'single'].includes(value.toLowerCase())) {
      throw new ApiError(
        400,
        800002,
        `Line item ${index}: provisioningContext.scope must be shared or single.`,
      );
    }
  }
  if (termDuration) line.termDuration = termDuration;
  const term = sku.terms.find((t) => t.duration === termDuration);
  // The price table the price sheet is written from (prices.ts).
  const q = quote(product, sku, term, billingCycle, availability);
  line.currencyCode = q.currency.code;
  line.listPrice = q.termPrice;
  line.unitPrice = q.unitPrice;
  line.resolved = {
    kind: product.kind,
    productId: product.id,
    skuId: sku.id,
    availabilityId: availability.id,
    country: availability.country,
    segment: availability.segment,
    scope: availability.scope,
    title: sku.title,
    productTitle: product.title,
  };
  return line;
}

/**
 * Lines that are bought together: by purchase system and billing cycle (the create-cart example), and
 * by currency (an order has one currency; Azure plan reservations are priced in USD everywhere). The
 * Azure plan itself is an order of its own.
 */
export function assignOrderGroups(lines: CartLineRecord[]): void {
  const groups = new Map<string, string>();
  let next = 0;
  let nextLegacy = 0;
  for (const line of lines) {
    const legacy = line.resolved.kind === 'legacyAzure';
    const system = legacy ? 'legacy' : line.resolved.kind === 'azurePlan' ? 'azureplan' : 'modern';
    const key = `${system}:${line.billingCycle}:${line.currencyCode}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = legacy ? `OMS-${nextLegacy++}` : String(next++);
      groups.set(key, group);
    }
    line.orderGroup = group;
  }
}

export function parseLines(state: SimulatorState, customer: CustomerDef, body: unknown): CartLineRecord[] {
  if (!isPlainObject(body) || !Array.isArray(body.lineItems) || body.lineItems.length === 0) {
    throw new ApiError(400, 800002, 'The cart must have a lineItems array with at least one line item.');
  }
  const lines = body.lineItems.map((raw, i) => validateLine(state, customer, raw, i));
  const ids = new Set<number>();
  for (const line of lines) {
    if (ids.has(line.id)) throw new ApiError(400, 800002, `Line item id ${line.id} is used twice.`);
    ids.add(line.id);
  }
  assignOrderGroups(lines);
  for (const line of lines) {
    const error = lineCartError(state, customer, line);
    if (error) line.error = error;
    else delete line.error;
  }
  return lines;
}

/** Azure subscriptions a reservation can be bought for: an Azure plan or a legacy MS-AZR-0145P one. */
export function isAzureSubscription(type: string): boolean {
  return type === 'azurePlan' || type === 'legacyAzure';
}

function azureSubscriptionProblem(
  state: SimulatorState,
  customer: CustomerDef,
  line: CartLineRecord,
): { cart: CartError; order: OrderErrorCode } | undefined {
  const subscriptionId = mapValue(line.provisioningContext, 'subscriptionId') ?? '';
  const subscription = state.subscriptions.get(subscriptionId.toLowerCase());
  if (
    !subscription ||
    subscription.customerId.toLowerCase() !== customer.id.toLowerCase() ||
    !isAzureSubscription(subscription.type)
  ) {
    return {
      cart: {
        errorCode: 10007,
        errorDescription: `Subscription ${subscriptionId} is not a valid Azure subscription of this customer.`,
      },
      order: {
        code: 800011,
        description: `This subscription isn't a valid Azure subscription: ${subscriptionId}.`,
      },
    };
  }
  // "Each Microsoft Azure reservation product has different availabilities for Microsoft Azure
  // (MS-AZR-0145P) subscription and Azure plan" (D purchase-azure-reservations.md): an availability read
  // with reservationScope=AzurePlan is for Azure plans only, one read without it for MS-AZR-0145P only.
  const wanted = line.resolved.scope === 'azureplan' ? 'azurePlan' : 'legacyAzure';
  if (subscription.type !== wanted) {
    const fits =
      wanted === 'azurePlan'
        ? 'an Azure plan (it was read with reservationScope=AzurePlan)'
        : 'a Microsoft Azure (MS-AZR-0145P) subscription (read it with reservationScope=AzurePlan for an Azure plan)';
    return {
      cart: {
        errorCode: 10007,
        errorDescription: `Subscription ${subscriptionId} can't be used for ${line.catalogItemId}: the availability is for ${fits}.`,
      },
      order: {
        code: 900315,
        description: `This product is not eligible for purchase using the provided Azure subscription: ${line.catalogItemId} is for ${fits}.`,
      },
    };
  }
  if (state.registrationStatus(subscription.id) !== 'Registered') {
    return {
      cart: {
        errorCode: 10011,
        errorDescription: `Subscription ${subscriptionId} is not registered for Azure reservations.`,
      },
      order: { code: 800030, description: `This subscription isn't registered: ${subscriptionId}.` },
    };
  }
  return undefined;
}

/** Whether a line's SKU enforces attestation and the line has not accepted it (D cart-resources.md). */
function attestationMissing(state: SimulatorState, line: CartLineRecord): boolean {
  const { productId, skuId } = line.resolved;
  if (!productId || !skuId) return false;
  const product = state.catalog.product(productId);
  const sku = product ? state.catalog.sku(product, skuId) : undefined;
  return sku?.attestationProperties?.enforceAttestation === true && line.attestationAccepted !== true;
}

/** 403/13605 unless the partner confirmed the customer's MCA acceptance (D error-codes.md). */
export function requireMca(state: SimulatorState, customer: CustomerDef): void {
  if (state.hasAcceptedMca(customer)) return;
  throw new ApiError(
    403,
    13605,
    'Either a partner confirmation of the customer acceptance of the Microsoft Customer Agreement must be provided or the customer must accept the Microsoft Customer Agreement in the Microsoft Admin Center before you can complete this purchase.',
  );
}

function skuRegion(sku: SkuDef): string | undefined {
  const region = sku.dynamicAttributes.armRegionName;
  return typeof region === 'string' ? region : undefined;
}

function inventoryProblem(state: SimulatorState, line: CartLineRecord): boolean {
  const { productId, skuId } = line.resolved;
  if (!productId || !skuId) return false;
  const product = state.catalog.product(productId);
  const sku = product ? state.catalog.sku(product, skuId) : undefined;
  if (!sku?.purchasePrerequisites.includes('InventoryCheck')) return false;
  const region = skuRegion(sku);
  return region !== undefined && !state.catalog.hasStock(productId, region);
}

/** What the service reports on a cart line (CartError) for problems it can already see. */
function lineCartError(
  state: SimulatorState,
  customer: CustomerDef,
  line: CartLineRecord,
): CartError | undefined {
  if (attestationMissing(state, line)) {
    return { errorCode: 10012, errorDescription: "Attestation hasn't been accepted." };
  }
  if (line.resolved.kind !== 'reservation') return undefined;
  const sub = azureSubscriptionProblem(state, customer, line);
  if (sub) return sub.cart;
  if (inventoryProblem(state, line)) {
    return {
      errorCode: 10003,
      errorDescription: `Inventory isn't available for catalog item ${line.catalogItemId}.`,
    };
  }
  return undefined;
}

interface OrderErrorCode {
  code: number;
  description: string;
}

/** Why a line cannot be bought now, as an order error (code + description), or undefined. */
function checkoutProblem(
  state: SimulatorState,
  customer: CustomerDef,
  line: CartLineRecord,
): OrderErrorCode | undefined {
  const kind = line.resolved.kind;
  const country = customer.country.toUpperCase();
  if (!state.catalog.isOpen(kind, country)) {
    const what = kind === 'reservation' ? 'Azure reservations are' : 'Software subscriptions are';
    return {
      code: 800070,
      description: `Offer isn't available in the specified country/region: ${what} not sold in ${country}.`,
    };
  }
  if (line.resolved.country && line.resolved.country !== country) {
    return {
      code: 800070,
      description: `Offer isn't available in the specified country/region: catalog item ${line.catalogItemId} is for ${line.resolved.country}, the customer is in ${country}.`,
    };
  }
  const segment = line.resolved.segment;
  if (segment && !state.segmentsOf(customer).has(segment)) {
    // No page names the error for a segment the customer does not qualify for; 403/800086 "Customer
    // tenant doesn't have required tags for the offer" is the closest documented one (D error-codes.md).
    return {
      code: 800086,
      description: `Customer tenant doesn't have required tags for the offer: ${line.catalogItemId} is a ${segment} availability and the customer has no approved ${segment} qualification.`,
    };
  }
  if (kind === 'azurePlan') {
    const subs = [...state.subscriptions.values()].filter(
      (s) => s.customerId.toLowerCase() === customer.id.toLowerCase(),
    );
    if (subs.some((s) => s.type === 'legacyAzure')) {
      // "You can't create an Azure plan for an existing customer with a Microsoft Azure (MS-AZR-0145P)
      // subscription" (D create-azure-plan.md); the code is our choice.
      return {
        code: 800020,
        description: `The catalog item isn't eligible for purchase: customer ${customer.id} has a Microsoft Azure (MS-AZR-0145P) subscription; transition it to an Azure plan instead.`,
      };
    }
    const pendingPlan = [...state.orders.values()].some(
      (o) =>
        o.customerId.toLowerCase() === customer.id.toLowerCase() &&
        o.azurePlan &&
        !o.azurePlan.subscriptionId,
    );
    if (pendingPlan || subs.some((s) => s.type === 'azurePlan')) {
      return {
        code: 800020,
        description: `The catalog item isn't eligible for purchase: customer ${customer.id} already has an Azure plan.`,
      };
    }
  }
  if (kind === 'perpetual' && !state.options.perpetualQualified) {
    return {
      code: 800020,
      description: `Catalog item isn't eligible for purchase: the partner is not qualified to sell perpetual software (${line.catalogItemId}).`,
    };
  }
  if (kind === 'reservation') {
    const sub = azureSubscriptionProblem(state, customer, line);
    if (sub) return sub.order;
    if (inventoryProblem(state, line)) {
      return {
        code: 800010,
        description: `Inventory isn't available for this catalog item: ${line.catalogItemId}.`,
      };
    }
  }
  return undefined;
}

export interface CheckoutOutcome {
  orders: OrderRecord[];
  errors: OrderErrorRecord[];
}

/**
 * Checks a cart out: one order per order group; a group with a problem becomes an order error instead
 * (partial success is possible). A stale availability fails the whole call with 404/400019 (D).
 */
export function checkoutCart(
  state: SimulatorState,
  customer: CustomerDef,
  cart: CartRecord,
): CheckoutOutcome {
  requireMca(state, customer);
  for (const line of cart.lines) {
    if (attestationMissing(state, line)) {
      throw new ApiError(
        400,
        900203,
        `CatalogItemId: ${line.catalogItemId} requires attestation acceptance.`,
      );
    }
  }
  for (const line of cart.lines) {
    if (line.resolved.kind === 'legacyAzure') continue;
    const current = state.catalog.resolve(line.catalogItemId, customer.country);
    if (!current || current.stale) {
      throw new ApiError(
        404,
        400019,
        `Availability not found for catalog item ${line.catalogItemId}. Get the SKU's availabilities again, update the cart and check out again.`,
      );
    }
  }
  const groups = new Map<string, CartLineRecord[]>();
  for (const line of cart.lines) groups.set(line.orderGroup, [...(groups.get(line.orderGroup) ?? []), line]);
  const orders: OrderRecord[] = [];
  const errors: OrderErrorRecord[] = [];
  const now = state.now();
  for (const [groupId, lines] of groups) {
    const problem = lines.map((l) => checkoutProblem(state, customer, l)).find((p) => p !== undefined);
    if (problem) {
      errors.push({ orderGroupId: groupId, code: problem.code, description: problem.description });
      continue;
    }
    const order = createOrder(state, customer, { lines }, now, cart.id);
    if (lines.some((l) => l.resolved.kind === 'azurePlan')) {
      order.azurePlan = { readyAt: now + state.options.planProvisioningDelayMs };
    }
    orders.push(order);
    state.openCharges.push(...orderCharges(state, order));
  }
  return { orders, errors };
}

interface OrderSpec {
  id?: string;
  alternateId?: string;
  lines: (
    | CartLineRecord
    | {
        catalogItemId: string;
        quantity: number;
        billingCycle: string;
        termDuration?: string;
        provisioningContext?: Record<string, string>;
        subscriptionId?: string;
      }
  )[];
}

function isCartLine(line: OrderSpec['lines'][number]): line is CartLineRecord {
  return 'resolved' in line;
}

/** Creates an order (and the subscriptions seat-based lines produce) and stores it. */
export function createOrder(
  state: SimulatorState,
  customer: CustomerDef,
  spec: OrderSpec,
  createdAt: number,
  cartId?: string,
): OrderRecord {
  const lines: CartLineRecord[] = spec.lines.map((l, i) => {
    if (isCartLine(l)) return l;
    // Seed specs may name "the current availability" with "*".
    let catalogItemId = l.catalogItemId;
    if (catalogItemId.endsWith(':*')) {
      const [pid = '', sid = ''] = catalogItemId.split(':');
      const product = state.catalog.productIn(pid, customer.country);
      const sku = state.catalog.skuIn(product, sid);
      const availability = state.catalog.availabilities(product, sku, customer.country)[0];
      catalogItemId = `${pid}:${sid}:${availability?.id ?? ''}`;
    }
    return validateLine(state, customer, { ...l, catalogItemId, id: i }, i);
  });
  const first = lines[0];
  const legacy = first?.resolved.kind === 'legacyAzure';
  // An order is in one currency: its lines were grouped by currency (assignOrderGroups).
  const currencyCode = first?.currencyCode ?? currencyFor(customer.country).code;
  const orderId = spec.id ?? (legacy ? randomUUID() : newOrderId());
  const order: OrderRecord = {
    id: orderId,
    alternateId: spec.alternateId ?? (legacy ? orderId : newAlternateId()),
    customerId: customer.id,
    billingCycle: first?.billingCycle ?? 'one_time',
    currencyCode,
    currencySymbol: currencySymbolOf(currencyCode),
    country: customer.country,
    createdAt,
    legacy,
    lines: [],
    ...(cartId ? { cartId } : {}),
  };
  order.lines = lines.map((line, n): OrderLineRecord => {
    const record: OrderLineRecord = {
      lineItemNumber: n,
      offerId: line.catalogItemId,
      resolved: line.resolved,
      friendlyName: line.friendlyName ?? line.resolved.title,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      listPrice: line.listPrice,
      cancelled: false,
    };
    if (line.termDuration) record.termDuration = line.termDuration;
    if (line.provisioningContext) record.provisioningContext = line.provisioningContext;
    if (line.participants) record.participants = line.participants;
    if (line.renewsTo !== undefined) record.renewsTo = line.renewsTo;
    if (line.customTermEndDate) record.customTermEndDate = line.customTermEndDate;
    const kind = line.resolved.kind;
    if (kind === 'reservation') {
      record.reservationOrderId = randomUUID();
      record.reservationId = randomUUID();
      record.reservationGroupId = randomBytes(16).toString('hex');
      record.reservationLineId = randomUUID();
    }
    const preset = spec.lines[n];
    const presetSubscription = preset && !isCartLine(preset) ? preset.subscriptionId : undefined;
    if (presetSubscription) {
      record.subscriptionId = presetSubscription;
    } else if (kind === 'onlineServices' || kind === 'saas' || kind === 'legacyAzure') {
      record.subscriptionId = randomUUID();
      state.subscriptions.set(record.subscriptionId, {
        id: record.subscriptionId,
        customerId: customer.id,
        friendlyName: record.friendlyName,
        type: kind === 'legacyAzure' ? 'legacyAzure' : 'license',
        offerId:
          kind === 'legacyAzure' ? line.catalogItemId : line.catalogItemId.split(':').slice(0, 2).join(':'),
        offerName: line.resolved.productTitle,
        quantity: line.quantity,
        registration: 'NotRegistered',
        createdAt,
        orderId,
      });
      if (kind === 'legacyAzure') {
        state.registrations.set(record.subscriptionId, {
          subscriptionId: record.subscriptionId,
          customerId: customer.id,
          status: 'NotRegistered',
        });
      }
    }
    return record;
  });
  state.orders.set(order.id, order);
  return order;
}

/** The one-time charges an order puts on the open billing period (none for legacy Azure usage). */
export function orderCharges(
  state: SimulatorState,
  order: OrderRecord,
  chargeType: 'new' | 'cancel' = 'new',
  only?: OrderLineRecord[],
): ChargeRecord[] {
  // Azure usage (legacy subscriptions and Azure plans) is billed on consumption, not as a one-time charge.
  if (order.legacy || order.azurePlan) return [];
  const lines = only ?? order.lines;
  return lines.map((line): ChargeRecord => {
    const months = order.billingCycle === 'monthly' ? 1 : monthsOf(line.termDuration);
    const product = line.resolved.productId ? state.catalog.product(line.resolved.productId) : undefined;
    const charge: ChargeRecord = {
      orderId: order.id,
      orderAlternateId: order.alternateId,
      customerId: order.customerId,
      lineItemNumber: line.lineItemNumber,
      orderDate: order.createdAt,
      productId: line.resolved.productId ?? '',
      skuId: line.resolved.skuId ?? '',
      availabilityId: line.resolved.availabilityId ?? '',
      productName: line.resolved.productTitle,
      skuName: line.resolved.title,
      chargeType,
      unitPrice: line.unitPrice,
      quantity: line.quantity,
      currency: order.currencyCode,
      billingFrequency: order.billingCycle === 'monthly' ? 'Monthly' : '',
      chargeStart: order.createdAt,
      chargeEnd: line.resolved.kind === 'perpetual' ? order.createdAt : addMonths(order.createdAt, months),
      publisherName: product?.publisherName ?? 'Microsoft Corporation',
      referenceId: randomUUID(),
    };
    if (line.termDuration) charge.termDuration = line.termDuration;
    if (line.subscriptionId) charge.subscriptionId = line.subscriptionId;
    if (line.reservationOrderId) charge.reservationOrderId = line.reservationOrderId;
    return charge;
  });
}

/**
 * PATCH an order to cancel software lines (D cancel-software-purchases.md): reservations cannot be
 * cancelled this way (403/800019) and the window is 7 days for software subscriptions, 30 for perpetual.
 */
export function cancelOrderLines(state: SimulatorState, order: OrderRecord, body: unknown): void {
  if (!isPlainObject(body)) throw new ApiError(400, 800002, 'The request body must be an order.');
  const status = typeof body.status === 'string' ? body.status.toLowerCase() : '';
  if (status !== 'cancelled')
    throw new ApiError(400, 800002, 'Only status "cancelled" can be set on an order.');
  const requested = Array.isArray(body.lineItems) ? body.lineItems.filter(isPlainObject) : [];
  if (requested.length === 0)
    throw new ApiError(400, 800002, 'lineItems must name the line items to cancel.');
  const targets: OrderLineRecord[] = [];
  for (const item of requested) {
    const n = Number(item.lineItemNumber);
    const line = order.lines.find((l) => l.lineItemNumber === n);
    if (!line)
      throw new ApiError(400, 800002, `Order ${order.id} has no line item ${String(item.lineItemNumber)}.`);
    if (typeof item.offerId === 'string' && item.offerId.toUpperCase() !== line.offerId.toUpperCase()) {
      throw new ApiError(
        400,
        800002,
        `Line item ${n} of order ${order.id} is ${line.offerId}, not ${item.offerId}.`,
      );
    }
    if (
      line.resolved.kind === 'reservation' ||
      line.resolved.kind === 'legacyAzure' ||
      line.resolved.kind === 'azurePlan'
    ) {
      throw new ApiError(
        403,
        800019,
        'Non-sandbox tenants can cancel only software subscriptions and perpetual software.',
      );
    }
    const windowDays = CANCELLATION_WINDOW_DAYS[line.resolved.kind] ?? 7;
    if (state.now() - order.createdAt > windowDays * MS_PER_DAY) {
      throw new ApiError(400, 900117, `Past the ${windowDays}-day cancellation window for line item ${n}.`);
    }
    if (!line.cancelled) targets.push(line);
  }
  for (const line of targets) line.cancelled = true;
  state.openCharges.push(...orderCharges(state, order, 'cancel', targets));
}
