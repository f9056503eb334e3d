import { randomUUID } from 'node:crypto';
import { Catalog, type Cloud } from './catalog';
import { createOrder, orderCharges } from './commerce';
import type { SimResponse } from './http';
import { generatedCustomer } from './generated';
import { enumKey } from './http';
import type {
  CartRecord,
  ChargeRecord,
  CustomerDef,
  InvoiceRecord,
  OrderRecord,
  RecurringLineRecord,
  RegistrationRecord,
  RegistrationStatusValue,
  QualificationDef,
  SubscriptionDef,
} from './model';
import {
  MS_PER_DAY,
  OPEN_PERIOD_STARTED_DAYS_AGO,
  SEED,
  SEED_CUSTOMERS,
  SEED_INVOICES,
  SEED_ORDERS,
  SEED_SUBSCRIPTIONS,
} from './seed';

export interface StateOptions {
  registrationDelayMs: number;
  orderListDelayMs: number;
  fulfillmentDelayMs: number;
  perpetualQualified: boolean;
  extraSkus: number;
  /** Generated reservation SKUs (generated.ts), made lazily. */
  reservationSkus: number;
  /** More customers than the seed names (generated.ts). */
  extraCustomers: number;
  /** Time until an Azure plan order's subscription exists (and the order completes). */
  planProvisioningDelayMs: number;
  /** How a repeated or new-commerce checkout is answered, until `POST /_sim/checkout-mode` changes it. */
  checkoutMode: CheckoutMode;
  cloud: Cloud;
  now: () => number;
}

/**
 * D checkout-a-cart.md says a repeated checkout "will re-iterate the information returned after initial
 * checkout" (`idempotent`); D error-codes.md lists 400/800065 "can't check out an already submitted cart"
 * (`800065`, the default: the stricter of the two); the new-commerce example answers with a bare Order
 * (`bare-order`: a successful checkout that made one order answers with that Order; repeats as 800065).
 */
export type CheckoutMode = 'idempotent' | '800065' | 'bare-order';
export const CHECKOUT_MODES: readonly CheckoutMode[] = ['idempotent', '800065', 'bare-order'];

/** D get-confirmation-of-customer-agreement.md: an Agreement as the agreements collection lists it. */
export interface AgreementRecord {
  userId: string;
  primaryContact: { firstName: string; lastName: string; email: string; phoneNumber?: string };
  templateId: string;
  dateAgreed: string;
  type: string;
  agreementLink: string;
}

/** The Microsoft Customer Agreement's template (D get-customer-agreement-metadata.md example). */
export const MCA_TEMPLATE_ID = '117a77b0-9360-443b-8795-c6dedc750cf9';

/** D order-resources.md OrderStatus values, compared by enumKey. */
export const ORDER_STATUSES = [
  'unknown',
  'completed',
  'pending',
  'cancelled',
  'suspended',
  'pending review',
  'pending po upload',
  'po upload complete',
  'po review rejected',
  'partial success',
  'error',
] as const;

/** D order-resources.md OrderLineItemProvisioningStatus values, compared by enumKey. */
export const PROVISIONING_STATUSES = ['fulfilled', 'unfulfilled', 'prefulfillment_pending'] as const;

export interface SubscriptionRecord extends SubscriptionDef {
  createdAt: number;
  orderId?: string;
}

export interface ContinuationRecord {
  invoiceId: string;
  provider: string;
  offset: number;
  size: number;
}

/**
 * Everything the simulator knows. Maps are replaced in place on reset, so a reference held by a test
 * (`sim.state.orders`) stays live. Ids of GUID-keyed maps are stored lower case.
 */
export class SimulatorState {
  readonly catalog: Catalog;
  readonly customers = new Map<string, CustomerDef>();
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  readonly registrations = new Map<string, RegistrationRecord>();
  readonly carts = new Map<string, CartRecord>();
  readonly orders = new Map<string, OrderRecord>();
  readonly invoices = new Map<string, InvoiceRecord>();
  /** One-time charges of the open billing period, waiting for `POST /_sim/invoices/close`. */
  readonly openCharges: ChargeRecord[] = [];
  readonly continuations = new Map<string, ContinuationRecord>();
  /** MS-RequestId idempotency: `${method} ${path}|${requestId}` → the first response. */
  readonly idempotency = new Map<string, SimResponse>();
  /** customerId (lower case) → confirmed agreements (MCA acceptance). */
  readonly agreements = new Map<string, AgreementRecord[]>();
  checkoutMode: CheckoutMode = '800065';
  openPeriodStart = 0;
  nextInvoiceNumber = 24136;
  /** The signed-in partner user that carts name as `lastModifiedUser`. */
  readonly partnerUserId = randomUUID();

  constructor(readonly options: StateOptions) {
    this.catalog = new Catalog({
      extraSkus: options.extraSkus,
      reservationSkus: options.reservationSkus,
      cloud: options.cloud,
    });
    this.reset();
  }

  now(): number {
    return this.options.now();
  }

  reset(): void {
    const now = this.now();
    this.catalog.reset();
    this.customers.clear();
    this.subscriptions.clear();
    this.registrations.clear();
    this.carts.clear();
    this.orders.clear();
    this.invoices.clear();
    this.openCharges.length = 0;
    this.continuations.clear();
    this.idempotency.clear();
    this.agreements.clear();
    this.checkoutMode = this.options.checkoutMode;
    this.nextInvoiceNumber = 24136;

    for (const c of SEED_CUSTOMERS) this.customers.set(c.id.toLowerCase(), { ...c });
    for (let i = 0; i < this.options.extraCustomers; i++) {
      const c = generatedCustomer(i);
      this.customers.set(c.id.toLowerCase(), c);
    }
    for (const c of this.customers.values()) {
      if (c.mcaAccepted === false) continue;
      this.agreements.set(c.id.toLowerCase(), [
        {
          userId: derivedUserId(c.id),
          primaryContact: {
            firstName: c.firstName,
            lastName: c.lastName,
            email: c.email,
            phoneNumber: '4255550101',
          },
          templateId: MCA_TEMPLATE_ID,
          dateAgreed: new Date(now - 200 * MS_PER_DAY).toISOString().slice(0, 10) + 'T00:00:00',
          type: 'MicrosoftCustomerAgreement',
          agreementLink: 'https://aka.ms/customeragreement',
        },
      ]);
    }
    for (const s of SEED_SUBSCRIPTIONS) {
      const id = s.id.toLowerCase();
      this.subscriptions.set(id, { ...s, createdAt: now - 400 * MS_PER_DAY });
      if (s.type === 'azurePlan' || s.type === 'legacyAzure') {
        this.registrations.set(id, { subscriptionId: id, customerId: s.customerId, status: s.registration });
      }
    }

    const charges = new Map<string, ChargeRecord[]>();
    for (const spec of SEED_ORDERS) {
      const customer = this.customers.get(spec.customerId);
      if (!customer) continue;
      const order = createOrder(this, customer, spec, now - spec.daysAgo * MS_PER_DAY);
      this.orders.set(order.id, order);
      // Seat-based orders are billed by the recurring invoice, not as one-time charges.
      if (spec.invoiceId === SEED.invoices.recurring) continue;
      const lines = orderCharges(this, order);
      if (spec.invoiceId) charges.set(spec.invoiceId, [...(charges.get(spec.invoiceId) ?? []), ...lines]);
      else this.openCharges.push(...lines);
    }

    for (const spec of SEED_INVOICES) {
      const invoiceDate = now - spec.daysAgo * MS_PER_DAY;
      const invoice: InvoiceRecord = {
        id: spec.id,
        invoiceType: spec.invoiceType,
        invoiceDate,
        periodStart: invoiceDate - spec.periodDays * MS_PER_DAY,
        periodEnd: invoiceDate,
        currencyCode: 'USD',
        currencySymbol: '$',
        paidAmount: 0,
        oneTimeLines: charges.get(spec.id) ?? [],
        recurringLines:
          spec.invoiceType === 'Recurring' ? seedRecurringLines(invoiceDate, spec.periodDays) : [],
      };
      if (spec.paid) invoice.paidAmount = invoiceTotal(invoice);
      this.invoices.set(invoice.id, invoice);
    }
    this.openPeriodStart = now - OPEN_PERIOD_STARTED_DAYS_AGO * MS_PER_DAY;
  }

  customer(id: string): CustomerDef | undefined {
    return this.customers.get(id.toLowerCase());
  }

  /**
   * A customer's qualifications (D get-customer-qualification-asynchronous.md). In Partner Center for
   * US Government every customer is a government customer.
   */
  qualificationsOf(customer: CustomerDef): QualificationDef[] {
    if (this.options.cloud === 'usgov') {
      return [{ qualification: 'GovernmentCommunityCloud', vettingStatus: 'Approved' }];
    }
    return customer.qualifications ?? [];
  }

  /** The segments whose availabilities a customer may buy: commercial, plus what an approved qualification adds. */
  segmentsOf(customer: CustomerDef): Set<string> {
    const out = new Set<string>(this.options.cloud === 'usgov' ? [] : ['commercial']);
    for (const q of this.qualificationsOf(customer)) {
      if (q.vettingStatus !== undefined && q.vettingStatus !== 'Approved') continue;
      const key = enumKey(q.qualification);
      if (key === 'education') out.add('education');
      if (key === 'governmentcommunitycloud') out.add('government');
      if (key === 'nonprofit') out.add('nonprofit');
    }
    return out;
  }

  /** Whether the partner confirmed the customer's MCA acceptance (not asked in the US Government cloud). */
  hasAcceptedMca(customer: CustomerDef): boolean {
    if (this.options.cloud === 'usgov') return true;
    return (this.agreements.get(customer.id.toLowerCase()) ?? []).some(
      (a) => a.type === 'MicrosoftCustomerAgreement',
    );
  }

  /**
   * Moves time-driven state forward: an Azure plan order whose provisioning time has come gets its
   * subscription (D create-azure-plan.md: "After the order is successfully processed, a Partner Center
   * Subscription resource will be created"). Called before every request.
   */
  advance(): void {
    const now = this.now();
    for (const order of this.orders.values()) {
      const plan = order.azurePlan;
      if (!plan || plan.subscriptionId || now < plan.readyAt || order.statusOverride) continue;
      const line = order.lines[0];
      const subscriptionId = randomUUID();
      plan.subscriptionId = subscriptionId;
      if (line) line.subscriptionId = subscriptionId;
      this.subscriptions.set(subscriptionId, {
        id: subscriptionId,
        customerId: order.customerId,
        friendlyName: 'Microsoft Azure plan',
        type: 'azurePlan',
        offerId: line ? line.offerId.split(':').slice(0, 2).join(':') : 'DZH318Z0BPS6:0001',
        offerName: 'Azure plan',
        quantity: 1,
        registration: 'NotRegistered',
        createdAt: plan.readyAt,
        orderId: order.id,
      });
      this.registrations.set(subscriptionId, {
        subscriptionId,
        customerId: order.customerId,
        status: 'NotRegistered',
      });
    }
  }

  /** Registration status by the clock: `Registering` becomes `Registered` after registrationDelayMs. */
  registrationStatus(subscriptionId: string): RegistrationStatusValue {
    const record = this.registrations.get(subscriptionId.toLowerCase());
    if (!record) return 'NotRegistered';
    if (
      record.status === 'Registering' &&
      record.requestedAt !== undefined &&
      this.now() - record.requestedAt >= this.options.registrationDelayMs
    ) {
      record.status = 'Registered';
    }
    return record.status;
  }

  /** The order's status as the API spells it: `PATCH /_sim/orders/{id}` wins, then the clock. */
  orderStatus(order: OrderRecord): string {
    if (order.statusOverride !== undefined) return order.statusOverride;
    if (order.lines.length > 0 && order.lines.every((l) => l.cancelled)) return 'cancelled';
    if (order.legacy) return 'completed';
    if (order.azurePlan) return order.azurePlan.subscriptionId ? 'completed' : 'pending';
    return this.now() - order.createdAt >= this.options.fulfillmentDelayMs ? 'completed' : 'pending';
  }

  /** Whether the order's items were delivered (entitlements exist): completed or partial success. */
  isFulfilled(order: OrderRecord): boolean {
    const key = enumKey(this.orderStatus(order));
    return key === 'completed' || key === 'partialsuccess';
  }

  /** A line's provisioning status (D order-resources.md): the override, else from the order's state. */
  lineProvisioningStatus(order: OrderRecord, lineIndex: number): string {
    const line = order.lines[lineIndex];
    if (order.provisioningOverride !== undefined) return order.provisioningOverride;
    if (line?.cancelled) return 'unfulfilled';
    if (order.statusOverride !== undefined) {
      const key = enumKey(order.statusOverride);
      if (key === 'completed') return 'fulfilled';
      if (key === 'partialsuccess') return lineIndex % 2 === 0 ? 'fulfilled' : 'unfulfilled';
      if (['error', 'poreviewrejected', 'cancelled', 'suspended'].includes(key)) return 'unfulfilled';
      return 'prefulfillment_pending';
    }
    return this.orderStatus(order) === 'pending' ? 'prefulfillment_pending' : 'fulfilled';
  }

  /** Partner Center lists a new order only after a delay (up to 15 minutes); GET by id sees it at once. */
  isListed(order: OrderRecord): boolean {
    return this.now() - order.createdAt >= this.options.orderListDelayMs;
  }

  /** Cuts the open billing period into one invoice per currency; returns them (empty if nothing is open). */
  closeBillingPeriod(currencyCode?: string): InvoiceRecord[] {
    const now = this.now();
    const byCurrency = new Map<string, ChargeRecord[]>();
    const keep: ChargeRecord[] = [];
    for (const charge of this.openCharges) {
      if (currencyCode && charge.currency.toUpperCase() !== currencyCode.toUpperCase()) {
        keep.push(charge);
        continue;
      }
      byCurrency.set(charge.currency, [...(byCurrency.get(charge.currency) ?? []), charge]);
    }
    const created: InvoiceRecord[] = [];
    // USD first: the partner's home currency, so the control's single answer is the likely one.
    const currencies = [...byCurrency.keys()].sort((a, b) =>
      a === 'USD' ? -1 : b === 'USD' ? 1 : a.localeCompare(b),
    );
    for (const currency of currencies) {
      const lines = byCurrency.get(currency) ?? [];
      const id = `G${String(this.nextInvoiceNumber++).padStart(9, '0')}`;
      const invoice: InvoiceRecord = {
        id,
        invoiceType: 'OneTime',
        invoiceDate: now,
        periodStart: this.openPeriodStart,
        periodEnd: now,
        currencyCode: currency,
        currencySymbol: currencySymbolOf(currency),
        paidAmount: 0,
        oneTimeLines: lines,
        recurringLines: [],
      };
      this.invoices.set(id, invoice);
      created.push(invoice);
    }
    this.openCharges.length = 0;
    this.openCharges.push(...keep);
    if (keep.length === 0) this.openPeriodStart = now;
    return created;
  }
}

function derivedUserId(seed: string): string {
  const hex = Buffer.from(seed.replace(/-/g, '')).toString('hex').slice(0, 32).padEnd(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function currencySymbolOf(code: string): string {
  const symbols: Record<string, string> = {
    USD: '$',
    EUR: '€',
    GBP: '£',
    INR: '₹',
    JPY: '¥',
    CAD: 'CA$',
    AUD: 'A$',
    CHF: 'CHF',
  };
  return symbols[code] ?? code;
}

export function chargeSubtotal(c: ChargeRecord): number {
  const sign = c.chargeType === 'cancel' ? -1 : 1;
  return Math.round(sign * c.unitPrice * c.quantity * 100) / 100;
}

export function recurringSubtotal(l: RecurringLineRecord): number {
  return Math.round(l.unitPrice * l.quantity * 100) / 100;
}

export function invoiceTotal(invoice: InvoiceRecord): number {
  const oneTime = invoice.oneTimeLines.reduce((sum, c) => sum + chargeSubtotal(c), 0);
  const recurring = invoice.recurringLines.reduce((sum, l) => sum + recurringSubtotal(l), 0);
  return Math.round((oneTime + recurring) * 100) / 100;
}

function seedRecurringLines(invoiceDate: number, periodDays: number): RecurringLineRecord[] {
  const start = invoiceDate - periodDays * MS_PER_DAY;
  return [
    {
      customerId: SEED.customers.open.id,
      subscriptionId: SEED.subscriptions.nonAzure.id,
      offerId: 'CFQ7TTC0LH18:0001',
      offerName: 'Microsoft 365 Business Basic',
      quantity: 25,
      unitPrice: 6,
      chargeStart: start,
      chargeEnd: invoiceDate,
      orderId: 'eeba9d00-7b46-443a-917e-22887a8fc993',
    },
    {
      customerId: SEED.customers.openSecond.id,
      subscriptionId: '0c353b8e-da9d-4007-d0d4-bca8bd5b5ce1',
      offerId: 'CFQ7TTC0LF8S:0001',
      offerName: 'Office 365 E5 without Audio Conferencing',
      quantity: 10,
      unitPrice: 30.4,
      chargeStart: start,
      chargeEnd: invoiceDate,
      orderId: 'a68736758d9c',
    },
  ];
}
