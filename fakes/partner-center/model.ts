/** The simulator's internal records. The JSON the API answers with is rendered from these (render.ts). */

export type ProductKind =
  | 'reservation'
  | 'softwareSubscription'
  | 'perpetual'
  | 'onlineServices'
  | 'saas'
  /** The Azure plan itself (DZH318Z0BPS6:0001, create-azure-plan.md). */
  | 'azurePlan';

export interface TermDef {
  /** ISO-8601 duration: P1Y, P3Y, P1M. */
  duration: string;
  description: string;
  /**
   * The partner's price in USD for one unit and the whole term (prices.ts turns it into the market's
   * currency and billing period). Never rendered on an availability: the price sheet carries it.
   */
  listPriceUsd: number;
  /** NCE terms name their billing cycle (`Annual`); one-time terms leave it out. */
  billingCycle?: string;
}

export interface FixedAvailability {
  id: string;
  country: string;
  segment: string;
  scope: AvailabilityScope;
}

/** Reservations have one set of availabilities for legacy Azure subscriptions and one for Azure plans. */
export type AvailabilityScope = 'default' | 'azureplan';

export interface SkuDef {
  id: string;
  title: string;
  description: string;
  minimumQuantity: number;
  maximumQuantity: number;
  isTrial: boolean;
  supportedBillingCycles: string[];
  purchasePrerequisites: string[];
  inventoryVariables: string[];
  provisioningVariables: string[];
  dynamicAttributes: Record<string, unknown>;
  actions?: string[];
  /** Empty for perpetual software, which has no term. */
  terms: TermDef[];
  /** List price in USD when there is no term (perpetual software). */
  perpetualPriceUsd?: number;
  /** Documented availability ids (used for generation 0 of the catalog). */
  fixedAvailabilities?: FixedAvailability[];
  /** Extra segments beyond `commercial` this SKU is sold in. */
  extraSegments?: string[];
  /** D product-resources.md AttestationProperties: when enforced, cart lines need `attestationAccepted: true`. */
  attestationProperties?: { attestationType: string; enforceAttestation: boolean };
  /** Reservations sold only under one scope (default: both, each with its own availabilities). */
  onlyScope?: AvailabilityScope;
}

export interface ProductDef {
  id: string;
  title: string;
  description: string;
  kind: ProductKind;
  productType: { id: string; displayName: string; subType?: { id: string; displayName: string } };
  publisherName: string;
  isMicrosoftProduct: boolean;
  /** For reservations: `virtualmachines`, `sqldatabases`, ... (entitlement dynamicAttributes). */
  reservationType?: string;
  skus: SkuDef[];
}

/** D get-customer-qualification-asynchronous.md: one item of `GET /customers/{id}/qualifications`. */
export interface QualificationDef {
  qualification: string;
  vettingStatus?: 'Approved' | 'InReview' | 'Denied';
  vettingReason?: string;
  vettingCreatedDate?: string;
  /** The GovernmentCommunityCloud example spells the date this way (get-customer-qualification-asynchronous.md). */
  vettingCreateDate?: string;
}

export interface CustomerDef {
  id: string;
  companyName: string;
  domain: string;
  country: string;
  city: string;
  state: string;
  addressLine1: string;
  postalCode: string;
  firstName: string;
  lastName: string;
  email: string;
  culture: string;
  /** Empty or absent: a commercial customer. */
  qualifications?: QualificationDef[];
  /** Whether the partner has confirmed the customer's acceptance of the Microsoft Customer Agreement (default true). */
  mcaAccepted?: boolean;
}

export type RegistrationStatusValue = 'NotRegistered' | 'Registering' | 'Registered';

export interface SubscriptionDef {
  id: string;
  customerId: string;
  friendlyName: string;
  /**
   * `azurePlan`: an Azure plan whose id is also its Azure subscription's id; `legacyAzure`: a Microsoft Azure
   * (MS-AZR-0145P) subscription; `license`: a seat-based subscription.
   */
  type: 'azurePlan' | 'legacyAzure' | 'license';
  offerId: string;
  offerName: string;
  quantity: number;
  registration: RegistrationStatusValue;
}

export interface RegistrationRecord {
  subscriptionId: string;
  customerId: string;
  /** The stored state; `Registering` turns into `Registered` once `requestedAt + registrationDelayMs` has passed. */
  status: RegistrationStatusValue;
  requestedAt?: number;
}

export interface CartError {
  errorCode: number;
  errorDescription: string;
}

export interface ResolvedItem {
  kind: ProductKind | 'legacyAzure';
  productId?: string;
  skuId?: string;
  availabilityId?: string;
  /** Country of the availability (carts for a customer elsewhere fail at checkout). */
  country?: string;
  /** Segment and (reservations) scope of the availability bought. */
  segment?: string;
  scope?: AvailabilityScope;
  title: string;
  productTitle: string;
}

export interface CartLineRecord {
  id: number;
  catalogItemId: string;
  friendlyName?: string;
  quantity: number;
  billingCycle: string;
  termDuration?: string;
  provisioningContext?: Record<string, string>;
  participants?: { key: string; value: string }[];
  renewsTo?: { termDuration?: string } | null;
  attestationAccepted?: boolean;
  customTermEndDate?: string;
  promotionId?: string;
  orderGroup: string;
  currencyCode: string;
  /** Price per unit for the chosen term and billing cycle, in the customer's currency. */
  unitPrice: number;
  listPrice: number;
  resolved: ResolvedItem;
  error?: CartError;
}

export interface OrderErrorRecord {
  orderGroupId: string;
  code: number;
  description: string;
}

export interface CartRecord {
  id: string;
  customerId: string;
  createdAt: number;
  lastModifiedAt: number;
  expiresAt: number;
  lastModifiedUser: string;
  status: 'Active' | 'Ordered';
  partnerOnRecordAttestationAccepted?: boolean;
  lines: CartLineRecord[];
  /** Order ids of a successful checkout: a repeated checkout answers with these again. */
  checkoutOrderIds?: string[];
  checkoutErrors?: OrderErrorRecord[];
}

export interface OrderLineRecord {
  lineItemNumber: number;
  offerId: string;
  resolved: ResolvedItem;
  friendlyName: string;
  quantity: number;
  termDuration?: string;
  provisioningContext?: Record<string, string>;
  participants?: { key: string; value: string }[];
  renewsTo?: { termDuration?: string } | null;
  customTermEndDate?: string;
  /** Set for seat-based and SaaS lines (the documented RI and perpetual lines have none). */
  subscriptionId?: string;
  unitPrice: number;
  listPrice: number;
  /** Reservations: the Azure reservation order id (entitlement resourceId, invoice reservationOrderId). */
  reservationOrderId?: string;
  reservationId?: string;
  reservationGroupId?: string;
  reservationLineId?: string;
  cancelled: boolean;
}

export interface OrderRecord {
  id: string;
  alternateId: string;
  customerId: string;
  billingCycle: string;
  currencyCode: string;
  currencySymbol: string;
  country: string;
  createdAt: number;
  /** Legacy Azure (MS-AZR-0145P) orders are complete at once and have a GUID id. */
  legacy: boolean;
  lines: OrderLineRecord[];
  cartId?: string;
  /** Set by `PATCH /_sim/orders/{id}`: the order's final status, as given (any documented spelling). */
  statusOverride?: string;
  provisioningOverride?: string;
  /** An Azure plan order: its subscription appears at `readyAt` (planProvisioningDelayMs). */
  azurePlan?: { readyAt: number; subscriptionId?: string };
}

export interface ChargeRecord {
  orderId: string;
  orderAlternateId: string;
  customerId: string;
  lineItemNumber: number;
  orderDate: number;
  productId: string;
  skuId: string;
  availabilityId: string;
  productName: string;
  skuName: string;
  chargeType: 'new' | 'cancel';
  unitPrice: number;
  quantity: number;
  currency: string;
  termDuration?: string;
  billingFrequency: string;
  subscriptionId?: string;
  reservationOrderId?: string;
  chargeStart: number;
  chargeEnd: number;
  publisherName: string;
  referenceId: string;
}

export interface RecurringLineRecord {
  customerId: string;
  subscriptionId: string;
  offerId: string;
  offerName: string;
  quantity: number;
  unitPrice: number;
  chargeStart: number;
  chargeEnd: number;
  orderId: string;
}

export interface InvoiceRecord {
  id: string;
  invoiceType: 'OneTime' | 'Recurring';
  invoiceDate: number;
  periodStart: number;
  periodEnd: number;
  currencyCode: string;
  currencySymbol: string;
  paidAmount: number;
  oneTimeLines: ChargeRecord[];
  recurringLines: RecurringLineRecord[];
}
