import { createHash } from 'node:crypto';
import { iso, link, round2, type Json } from './http';
import type {
  CartRecord,
  ChargeRecord,
  CustomerDef,
  InvoiceRecord,
  OrderLineRecord,
  OrderRecord,
  RecurringLineRecord,
} from './model';
import { MS_PER_DAY } from './seed';
import {
  chargeSubtotal,
  invoiceTotal,
  recurringSubtotal,
  type SimulatorState,
  type SubscriptionRecord,
} from './state';

/** A stable GUID derived from a string (for ids the seed does not name: commerceId, billing profile id). */
export function derivedGuid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// ---------------------------------------------------------------------------------------------------
// Customers and subscriptions

export function renderCustomer(c: CustomerDef, withBillingProfile: boolean): Json {
  const out: Json = {
    id: c.id,
    commerceId: derivedGuid(`commerce:${c.id}`),
    companyProfile: {
      tenantId: c.id,
      domain: c.domain,
      companyName: c.companyName,
      links: { self: link(`/customers/${c.id}/profiles/company`) },
      attributes: { objectType: 'CustomerCompanyProfile' },
    },
  };
  // Only get-by-id carries the billing profile (and so the country); list results leave it out.
  if (withBillingProfile) {
    out.billingProfile = {
      id: derivedGuid(`billing:${c.id}`),
      firstName: c.firstName,
      lastName: c.lastName,
      email: c.email,
      culture: c.culture,
      language: c.culture.slice(0, 2),
      companyName: c.companyName,
      defaultAddress: {
        country: c.country,
        city: c.city,
        state: c.state,
        addressLine1: c.addressLine1,
        postalCode: c.postalCode,
        firstName: c.firstName,
        lastName: c.lastName,
        phoneNumber: '4255550101',
      },
      links: { self: link(`/customers/${c.id}/profiles/billing`) },
      attributes: { etag: derivedGuid(`etag:${c.id}`), objectType: 'CustomerBillingProfile' },
    };
  }
  out.relationshipToPartner = 'reseller';
  out.allowDelegatedAccess = true;
  out.customDomains = [c.domain];
  out.links = { self: link(`/customers/${c.id}`) };
  out.attributes = { objectType: 'Customer' };
  return out;
}

export function renderSubscription(s: SubscriptionRecord): Json {
  const azure = s.type === 'azurePlan';
  const out: Json = {
    id: s.id,
    entitlementId: s.id,
    offerId: s.offerId,
    offerName: s.offerName,
    friendlyName: s.friendlyName,
    quantity: s.quantity,
    unitType: azure ? 'Usage-based' : 'Licenses',
    hasPurchasableAddons: false,
    creationDate: iso(s.createdAt),
    effectiveStartDate: iso(s.createdAt),
    commitmentEndDate: azure ? '9999-12-14T00:00:00Z' : iso(s.createdAt + 365 * MS_PER_DAY),
    status: 'active',
    autoRenewEnabled: !azure,
    isTrial: false,
    billingType: azure ? 'usage' : 'license',
    billingCycle: 'monthly',
    termDuration: azure ? undefined : 'P1Y',
    contractType: 'subscription',
    ...(s.orderId ? { orderId: s.orderId } : {}),
    links: {
      offer: link(`/offers/${s.offerId}`),
      self: link(`/customers/${s.customerId}/subscriptions/${s.id}`),
    },
    attributes: { objectType: 'Subscription' },
  };
  if (out.termDuration === undefined) delete out.termDuration;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Carts and orders

function pricing(unitPrice: number, listPrice: number, quantity: number): Json {
  return {
    listPrice: unitPrice,
    discountedPrice: unitPrice,
    proratedPrice: unitPrice,
    price: unitPrice,
    extendedPrice: round2(listPrice * quantity),
  };
}

export function renderCart(cart: CartRecord): Json {
  const out: Json = {
    id: cart.id,
    creationTimestamp: iso(cart.createdAt),
    lastModifiedTimestamp: iso(cart.lastModifiedAt),
    expirationTimestamp: iso(cart.expiresAt),
    lastModifiedUser: cart.lastModifiedUser,
    status: cart.status,
  };
  if (cart.partnerOnRecordAttestationAccepted !== undefined) {
    out.partnerOnRecordAttestationAccepted = cart.partnerOnRecordAttestationAccepted;
  }
  out.lineItems = cart.lines.map((l) => {
    const line: Json = { id: l.id, catalogItemId: l.catalogItemId };
    if (l.friendlyName !== undefined) line.friendlyName = l.friendlyName;
    line.quantity = l.quantity;
    line.currencyCode = l.currencyCode;
    line.billingCycle = l.billingCycle;
    if (l.termDuration) line.termDuration = l.termDuration;
    if (l.customTermEndDate) line.customTermEndDate = l.customTermEndDate;
    if (l.participants) line.participants = l.participants;
    if (l.resolved.kind !== 'legacyAzure') line.provisioningContext = l.provisioningContext ?? {};
    if (l.renewsTo) line.renewsTo = l.renewsTo;
    if (l.attestationAccepted !== undefined) line.attestationAccepted = l.attestationAccepted;
    if (l.promotionId) line.promotionId = l.promotionId;
    line.orderGroup = l.orderGroup;
    line.pricing = pricing(l.unitPrice, l.listPrice, l.quantity);
    if (l.error) line.error = l.error;
    return line;
  });
  out.links = { self: link(`/customers/${cart.customerId}/carts/${cart.id}`) };
  out.attributes = { objectType: 'Cart' };
  return out;
}

function lineProvisioningStatus(state: SimulatorState, order: OrderRecord, line: OrderLineRecord): string {
  if (line.cancelled) return 'unfulfilled';
  return state.orderStatus(order) === 'pending' ? 'prefulfillment_pending' : 'fulfilled';
}

function renderOrderLine(_state: SimulatorState, order: OrderRecord, l: OrderLineRecord): Json {
  const out: Json = { lineItemNumber: l.lineItemNumber, offerId: l.offerId };
  if (l.subscriptionId) out.subscriptionId = l.subscriptionId;
  if (l.termDuration) out.termDuration = l.termDuration;
  out.transactionType = 'New';
  out.friendlyName = l.friendlyName;
  // Cancelled lines keep their place with quantity 0 (D cancel-software-purchases.md).
  out.quantity = l.cancelled ? 0 : l.quantity;
  if (l.participants) {
    const por = l.participants.find((p) => p.key === 'transaction_reseller');
    if (por) out.partnerIdOnRecord = por.value;
    const more = l.participants
      .filter((p) => p.key === 'additional_transaction_reseller')
      .map((p) => p.value);
    if (more.length > 0) out.additionalPartnerIdsOnRecord = more;
  }
  if (l.provisioningContext) out.provisioningContext = l.provisioningContext;
  if (l.renewsTo) out.renewsTo = l.renewsTo;
  if (l.customTermEndDate) out.customTermEndDate = l.customTermEndDate;
  out.pricing = pricing(l.unitPrice, l.listPrice, l.cancelled ? 0 : l.quantity);
  const links: Json = {};
  const { productId, skuId, availabilityId } = l.resolved;
  const q = `?country=${order.country}`;
  if (productId && skuId && availabilityId) {
    links.product = link(`/products/${productId}${q}`);
    links.sku = link(`/products/${productId}/skus/${skuId}${q}`);
    links.availability = link(`/products/${productId}/skus/${skuId}/availabilities/${availabilityId}${q}`);
  }
  if (l.subscriptionId) {
    links.subscription = link(`/customers/${order.customerId}/subscriptions/${l.subscriptionId}`);
    links.provisioningStatus = link(`/subscriptions/${l.subscriptionId}/provisioningstatus`);
  }
  out.links = links;
  return out;
}

export function renderOrder(state: SimulatorState, order: OrderRecord): Json {
  const self = `/customers/${order.customerId}/orders/${order.id}`;
  const totalPrice = round2(
    order.lines.reduce((sum, l) => sum + (l.cancelled ? 0 : l.listPrice * l.quantity), 0),
  );
  return {
    id: order.id,
    alternateId: order.alternateId,
    referenceCustomerId: order.customerId,
    billingCycle: order.billingCycle,
    currencyCode: order.currencyCode,
    currencySymbol: order.currencySymbol,
    lineItems: order.lines.map((l) => renderOrderLine(state, order, l)),
    creationDate: iso(order.createdAt),
    status: state.orderStatus(order),
    transactionType: 'UserPurchase',
    totalPrice,
    client: {
      marketplaceCountry: order.country,
      deviceFamily: 'UniversalStore-PartnerCenter',
      name: 'Partner Center API',
    },
    links: {
      self: link(self),
      provisioningStatus: link(`${self}/provisioningstatus`),
      patchOperation: link(self, 'PATCH'),
    },
    attributes: {
      etag: Buffer.from(
        JSON.stringify({ id: order.id, version: 1 + order.lines.filter((l) => l.cancelled).length }),
      ).toString('base64'),
      objectType: 'Order',
    },
  };
}

export function renderProvisioningStatus(state: SimulatorState, order: OrderRecord): Json[] {
  return order.lines.map((l) => {
    const status = lineProvisioningStatus(state, order, l);
    return {
      orderLineItemId: l.lineItemNumber,
      lineItemNumber: l.lineItemNumber,
      status,
      quantityProvisioningInformation: [{ quantity: l.quantity, status }],
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// Entitlements

export type EntitlementFilter = 'all' | 'software' | 'reservedinstance' | 'virtualmachinereservedinstance';

function termEnd(order: OrderRecord, line: OrderLineRecord): number {
  const m = /^P(\d+)([YM])$/i.exec(line.termDuration ?? '');
  const months = m ? Number(m[1]) * (m[2]?.toUpperCase() === 'Y' ? 12 : 1) : 12;
  const d = new Date(order.createdAt);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

export function renderEntitlements(
  state: SimulatorState,
  customerId: string,
  filter: EntitlementFilter,
  showExpiry: boolean,
): Json[] {
  const out: Json[] = [];
  const orders = [...state.orders.values()]
    .filter((o) => o.customerId.toLowerCase() === customerId.toLowerCase() && !o.legacy)
    .sort((a, b) => a.createdAt - b.createdAt);
  for (const order of orders) {
    // Entitlements exist once the order is fulfilled.
    if (state.orderStatus(order) === 'pending') continue;
    for (const line of order.lines) {
      if (line.cancelled) continue;
      const kind = line.resolved.kind;
      const referenceOrder = {
        id: order.id,
        lineItemId: String(line.lineItemNumber),
        alternateId: order.alternateId,
      };
      if (kind === 'reservation' && line.reservationOrderId) {
        const product = line.resolved.productId ? state.catalog.product(line.resolved.productId) : undefined;
        const reservationType = product?.reservationType ?? 'virtualmachines';
        const legacyShape = filter === 'virtualmachinereservedinstance';
        if (filter === 'software' || (legacyShape && reservationType !== 'virtualmachines')) continue;
        const artifactType = legacyShape ? 'virtualmachinereservedinstance' : 'reservedinstance';
        const entitlement: Json = {
          includedEntitlements: [],
          referenceOrder,
          productId: line.resolved.productId,
          quantity: line.quantity,
          quantityDetails: [{ quantity: line.quantity, status: 'Active' }],
          entitledArtifacts: [
            {
              link: link(
                `/customers/${order.customerId}/artifacts/${artifactType}/groups/${line.reservationGroupId}/lineitems/${line.reservationLineId}/resource/${line.reservationOrderId}`,
              ),
              resourceId: line.reservationOrderId,
              artifactType,
              dynamicAttributes: { reservationType },
            },
          ],
          skuId: line.resolved.skuId,
          entitlementType: artifactType,
          fulfillmentState: 'Fulfilled',
          dynamicAttributes: { reservationType },
        };
        if (showExpiry) entitlement.expiryDate = iso(termEnd(order, line));
        out.push(entitlement);
      } else if (kind === 'softwareSubscription' || kind === 'perpetual') {
        if (filter === 'reservedinstance' || filter === 'virtualmachinereservedinstance') continue;
        const entitlement: Json = {
          includedEntitlements: [],
          referenceOrder,
          productId: line.resolved.productId,
          quantity: line.quantity,
          entitledArtifacts: [],
          skuId: line.resolved.skuId,
          entitlementType: 'software',
          fulfillmentState: 'Fulfilled',
        };
        // On-premises perpetual software never expires, so it never carries an expiry date (D).
        if (showExpiry && kind === 'softwareSubscription') entitlement.expiryDate = iso(termEnd(order, line));
        out.push(entitlement);
      }
    }
  }
  return out;
}

export function findReservation(
  state: SimulatorState,
  customerId: string,
  reservationOrderId: string,
): { order: OrderRecord; line: OrderLineRecord } | undefined {
  for (const order of state.orders.values()) {
    if (order.customerId.toLowerCase() !== customerId.toLowerCase()) continue;
    const line = order.lines.find(
      (l) => l.reservationOrderId?.toLowerCase() === reservationOrderId.toLowerCase(),
    );
    if (line) return { order, line };
  }
  return undefined;
}

export function renderReservationArtifact(
  order: OrderRecord,
  line: OrderLineRecord,
  artifactType: 'reservedinstance' | 'virtualmachinereservedinstance',
): Json {
  const scope = (line.provisioningContext ? Object.entries(line.provisioningContext) : []).find(
    ([k]) => k.toLowerCase() === 'scope',
  )?.[1];
  const single = scope?.toLowerCase() === 'single';
  const subscriptionId = (line.provisioningContext ? Object.entries(line.provisioningContext) : []).find(
    ([k]) => k.toLowerCase() === 'subscriptionid',
  )?.[1];
  const reservation: Json = {
    reservationId: line.reservationId,
    scopeType: single ? 'Single' : 'Shared',
    displayName: `${line.friendlyName} (${order.alternateId})`,
  };
  if (single && subscriptionId) reservation.appliedScopes = [`/subscriptions/${subscriptionId}`];
  reservation.quantity = line.quantity;
  reservation.expiryDateTime = iso(termEnd(order, line)).replace(/\.\d{3}Z$/, '');
  reservation.effectiveDateTime = iso(order.createdAt);
  reservation.provisioningState = 'Created';
  return {
    type: artifactType === 'reservedinstance' ? 'reservedinstance' : 'virtual_machine_reserved_instance',
    virtualMachineReservations: [reservation],
  };
}

// ---------------------------------------------------------------------------------------------------
// Invoices

export function invoicePrefix(invoice: InvoiceRecord): string {
  return `${invoice.invoiceType}-${invoice.id}`;
}

export function renderInvoice(invoice: InvoiceRecord): Json {
  const provider =
    invoice.invoiceType === 'OneTime'
      ? { wire: 'one_time', path: 'OneTime' }
      : { wire: 'office', path: 'Office' };
  return {
    id: invoice.id,
    invoiceDate: iso(invoice.invoiceDate),
    billingPeriodStartDate: iso(invoice.periodStart),
    billingPeriodEndDate: iso(invoice.periodEnd),
    totalCharges: invoiceTotal(invoice),
    paidAmount: invoice.paidAmount,
    currencyCode: invoice.currencyCode,
    currencySymbol: invoice.currencySymbol,
    pdfDownloadLink: `/invoices/${invoice.id}/documents/statement`,
    taxReceipts: [],
    invoiceDetails: [
      {
        invoiceLineItemType: 'billing_line_items',
        billingProvider: provider.wire,
        links: {
          self: link(`/invoices/${invoicePrefix(invoice)}/lineitems/${provider.path}/BillingLineItems`),
        },
        attributes: { objectType: 'InvoiceDetail' },
      },
    ],
    documentType: 'invoice',
    invoiceType: invoice.invoiceType,
    links: { self: link(`/invoices/${invoicePrefix(invoice)}`) },
    attributes: { objectType: 'Invoice' },
  };
}

/**
 * A OneTime line item. The documented payloads carry the amounts as strings in some items and numbers
 * in others, in the same response; so do we (even positions strings, odd positions numbers), so a
 * client that handles only one form fails here and not in production.
 */
export function renderOneTimeLine(
  state: SimulatorState,
  invoice: InvoiceRecord,
  c: ChargeRecord,
  position: number,
): Json {
  const asString = position % 2 === 0;
  const num = (n: number): string | number => (asString ? String(n) : n);
  const customer = state.customer(c.customerId);
  const subtotal = chargeSubtotal(c);
  const quantity = c.chargeType === 'cancel' ? -c.quantity : c.quantity;
  const out: Json = {
    partnerId: '934f3416-bc2f-47f3-b492-77e517d4e572',
    customerId: c.customerId,
    customerName: customer?.companyName ?? '',
    customerDomainName: customer?.domain ?? '',
    customerCountry: customer?.country ?? '',
    invoiceNumber: invoice.id,
    mpnId: '5357564',
    resellerMpnId: num(0),
    orderId: c.orderId,
    orderDate: iso(c.orderDate),
    productId: c.productId,
    skuId: c.skuId,
    availabilityId: c.availabilityId,
    productName: c.productName,
    skuName: c.skuName,
    productQualifiers: [],
    chargeType: c.chargeType,
    unitPrice: num(c.unitPrice),
    effectiveUnitPrice: num(c.unitPrice),
    unitType: '',
    quantity: num(quantity),
    subtotal: num(subtotal),
    taxTotal: num(0),
    totalForCustomer: num(subtotal),
    currency: c.currency,
    publisherName: c.publisherName,
    publisherId: '',
    subscriptionDescription: '',
    subscriptionId: c.subscriptionId ?? '',
    subscriptionStartDate: iso(c.chargeStart),
    subscriptionEndDate: iso(c.chargeEnd),
    chargeStartDate: iso(c.chargeStart),
    chargeEndDate: iso(c.chargeEnd),
    termAndBillingCycle: termText(c),
    alternateId: c.orderAlternateId,
    referenceId: c.referenceId,
    priceAdjustmentDescription: '',
    discountDetails: '',
    pricingCurrency: c.currency,
    pcToBCExchangeRate: num(1),
    pcToBCExchangeRateDate: iso(c.orderDate).slice(0, 8) + '01T00:00:00',
    billableQuantity: num(quantity),
    meterDescription: '',
    billingFrequency: c.billingFrequency,
    reservationOrderId: c.reservationOrderId ?? '',
    invoiceLineItemType: 'billing_line_items',
    billingProvider: 'one_time',
    promotionId: '',
    attributes: { objectType: 'OneTimeInvoiceLineItem' },
  };
  return out;
}

function termText(c: ChargeRecord): string {
  if (!c.termDuration) return 'One-Time Purchase';
  const years = /^P(\d+)Y$/i.exec(c.termDuration)?.[1];
  const base = years ? `${years} Year${years === '1' ? '' : 's'}` : c.termDuration;
  return c.billingFrequency === 'Monthly' ? `${base} Subscription, billed monthly` : `${base} Subscription`;
}

/** A license-based (Office provider) line item of a recurring invoice. */
export function renderRecurringLine(
  state: SimulatorState,
  invoice: InvoiceRecord,
  l: RecurringLineRecord,
): Json {
  const customer = state.customer(l.customerId);
  const subtotal = recurringSubtotal(l);
  return {
    partnerId: '934f3416-bc2f-47f3-b492-77e517d4e572',
    customerId: l.customerId,
    customerName: customer?.companyName ?? '',
    mpnId: 5357564,
    tier2MpnId: 0,
    orderId: l.orderId,
    subscriptionId: l.subscriptionId,
    syndicationPartnerSubscriptionNumber: '',
    offerId: l.offerId,
    durableOfferId: l.offerId,
    offerName: l.offerName,
    domainName: customer?.domain ?? '',
    billingCycleType: 'Monthly',
    subscriptionName: l.offerName,
    subscriptionDescription: l.offerName,
    chargeStartDate: iso(l.chargeStart),
    chargeEndDate: iso(l.chargeEnd),
    chargeType: 'Cycle fee',
    unitPrice: l.unitPrice,
    quantity: l.quantity,
    amount: subtotal,
    totalOtherDiscount: 0,
    subtotal,
    tax: 0,
    totalForCustomer: subtotal,
    currency: invoice.currencyCode,
    invoiceLineItemType: 'billing_line_items',
    billingProvider: 'office',
    attributes: { objectType: 'LicenseBasedLineItem' },
  };
}

const NEVER = '0001-01-01T00:00:00';

function summaryFor(invoices: InvoiceRecord[], currencyCode: string, currencySymbol: string): Json {
  const sorted = [...invoices].sort((a, b) => a.invoiceDate - b.invoiceDate);
  const balance = round2(sorted.reduce((sum, i) => sum + invoiceTotal(i) - i.paidAmount, 0));
  const paid = sorted.filter((i) => i.paidAmount > 0);
  const lastPaid = paid[paid.length - 1];
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  return {
    balanceAmount: balance,
    currencyCode,
    currencySymbol,
    accountingDate: last ? iso(last.invoiceDate) : NEVER,
    firstInvoiceCreationDate: first ? iso(first.invoiceDate) : NEVER,
    lastPaymentDate: lastPaid ? iso(lastPaid.invoiceDate + 10 * MS_PER_DAY) : NEVER,
    lastPaymentAmount: lastPaid ? lastPaid.paidAmount : 0,
    latestInvoiceDate: last ? iso(last.invoiceDate) : NEVER,
  };
}

export function renderInvoiceSummary(
  invoices: InvoiceRecord[],
  currencyCode: string,
  currencySymbol: string,
): Json {
  const mine = invoices.filter((i) => i.currencyCode === currencyCode);
  const details = (['Recurring', 'OneTime'] as const)
    .map((invoiceType) => ({ invoiceType, list: mine.filter((i) => i.invoiceType === invoiceType) }))
    .filter((d) => d.list.length > 0)
    .map((d) => ({
      invoiceType: d.invoiceType,
      summary: {
        ...summaryFor(d.list, currencyCode, currencySymbol),
        attributes: { objectType: 'InvoiceSummary' },
      },
    }));
  return {
    ...summaryFor(mine, currencyCode, currencySymbol),
    details,
    links: { self: link('/invoices/summary') },
    attributes: { objectType: 'InvoiceSummary' },
  };
}
