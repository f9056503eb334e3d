import { randomUUID } from 'node:crypto';
import { Catalog } from './catalog';
import { createOrder, orderCharges } from './commerce';
import type { SimResponse } from './http';
import type {
  CartRecord,
  ChargeRecord,
  CustomerDef,
  InvoiceRecord,
  OrderRecord,
  RecurringLineRecord,
  RegistrationRecord,
  RegistrationStatusValue,
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
  now: () => number;
}

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
  openPeriodStart = 0;
  nextInvoiceNumber = 24136;
  /** The signed-in partner user that carts name as `lastModifiedUser`. */
  readonly partnerUserId = randomUUID();

  constructor(readonly options: StateOptions) {
    this.catalog = new Catalog(options.extraSkus);
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
    this.nextInvoiceNumber = 24136;

    for (const c of SEED_CUSTOMERS) this.customers.set(c.id.toLowerCase(), { ...c });
    for (const s of SEED_SUBSCRIPTIONS) {
      const id = s.id.toLowerCase();
      this.subscriptions.set(id, { ...s, createdAt: now - 400 * MS_PER_DAY });
      if (s.type === 'azurePlan') {
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

  orderStatus(order: OrderRecord): 'pending' | 'completed' | 'cancelled' {
    if (order.lines.length > 0 && order.lines.every((l) => l.cancelled)) return 'cancelled';
    if (order.legacy) return 'completed';
    return this.now() - order.createdAt >= this.options.fulfillmentDelayMs ? 'completed' : 'pending';
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
