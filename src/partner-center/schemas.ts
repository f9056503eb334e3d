import { z } from 'zod';

/**
 * One zod schema per Partner Center resource; every type is inferred from its schema.
 *
 * The documented examples disagree with themselves (see test/fixtures/partner-center/README.md), so the
 * schemas are lenient where the documents are: unknown fields are kept (`loose`), PascalCase keys
 * are read as camelCase (`ProvisioningContext` in the update-cart example), numbers that arrive as
 * strings become numbers, ids that arrive as numbers become strings, and enum spellings are folded into
 * one value (`OneTime`, `onetime` and `one_time` all become `one_time`). Fields the bot depends on are
 * required; everything else is optional, because the service adds and drops fields over time.
 */

// ---------------------------------------------------------------------------------------------------
// Building blocks

type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads `PascalCase` keys as `camelCase` (one level), unless the camelCase key is also present.
 * Doc examples send `LineItems`, `CatalogItemId`, `ProvisioningContext`; the SDK reads keys
 * case-insensitively and so do we.
 */
export function camelizeKeys(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    const camel = /^[A-Z][A-Za-z0-9]*$/.test(key) ? key.charAt(0).toLowerCase() + key.slice(1) : key;
    if (camel !== key && Object.prototype.hasOwnProperty.call(value, camel)) out[key] = v;
    else out[camel] = v;
  }
  return out;
}

/** An object resource: keys camelized, unknown fields kept. */
function resource<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess(camelizeKeys, z.object(shape).loose());
}

/** A string→string map whose keys we also camelize (provisioningContext, inventoryContext). */
const stringMap = z.preprocess(
  camelizeKeys,
  z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)),
);

/** Ids that the examples show as `"0"` in one place and `0` in another: always a string. */
export const idString = z.union([z.string(), z.number()]).transform(String);

/** Codes (error codes, cart error codes): kept as given, number or string. */
export const code = z.union([z.number(), z.string()]);

/**
 * Amounts and quantities that arrive as `16` or `"16"`: always a number. The string is checked after
 * the union, not inside it: zod 4 reports a union whose members all failed as a bare "Invalid input".
 */
export const numeric = z.union([z.number(), z.string()]).transform((s, ctx) => {
  if (typeof s === 'number') return s;
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `expected a number, got "${s.slice(0, 40)}"` });
    return z.NEVER;
  }
  return n;
});

/** Booleans that might arrive as "true"/"false". */
const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', 'True', 'False']).transform((s) => s.toLowerCase() === 'true'),
]);

function enumKey(value: string): string {
  return value.replace(/[\s_-]/g, '').toLowerCase();
}

function snake(value: string): string {
  return value
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

/**
 * Folds every spelling of an enum value into one canonical value: the case, spaces, hyphens and
 * underscores are ignored when matching (`OneTime`, `onetime`, `one_time` → `one_time`). A value we do
 * not know is kept, in snake_case, so a new value from the service is not a parse failure.
 */
export function looseEnum<const T extends readonly [string, ...string[]]>(values: T) {
  const byKey = new Map<string, T[number]>(values.map((v) => [enumKey(v), v]));
  return z
    .string()
    .transform((v): T[number] | (string & Record<never, never>) => byKey.get(enumKey(v)) ?? snake(v));
}

export const BILLING_CYCLES = [
  'one_time',
  'monthly',
  'annual',
  'triennial',
  'biennial',
  'none',
  'unknown',
] as const;
export const billingCycle = looseEnum(BILLING_CYCLES);
export type BillingCycle = z.infer<typeof billingCycle>;

/** Normalises a billing cycle the way the schemas do (for callers comparing user input). */
export function normalizeBillingCycle(value: string): BillingCycle {
  return billingCycle.parse(value);
}

const attributes = z
  .object({ objectType: z.string().optional(), etag: z.string().optional() })
  .loose()
  .optional();

// ---------------------------------------------------------------------------------------------------
// Envelopes

export const LinkHeaderSchema = resource({ key: z.string(), value: z.string() });

export const LinkSchema = resource({
  uri: z.string(),
  method: z.string().optional(),
  headers: z.array(LinkHeaderSchema).optional(),
});
export type Link = z.infer<typeof LinkSchema>;

/** `links` objects: named links (`self`, `next`, `skus`, ...); the checkout example shows `{}`. */
export const LinksSchema = z
  .preprocess(camelizeKeys, z.record(z.string(), z.union([LinkSchema, z.null()])))
  .optional();

export function collectionOf<T extends z.ZodType>(item: T) {
  return resource({
    totalCount: numeric.optional(),
    items: z.array(item),
    links: LinksSchema,
    /** Seek paging (OneTime invoice line items): send back as `MS-ContinuationToken`. */
    continuationToken: z.string().optional(),
    attributes,
  });
}

// ---------------------------------------------------------------------------------------------------
// Errors

/** The standard error body of every 4xx/5xx except 429 (D error-codes.md; SDK ApiFault). */
export const ApiFaultSchema = resource({
  code,
  description: z.string().optional(),
  data: z.array(z.unknown()).optional(),
  source: z.string().optional(),
});
export type ApiFault = z.infer<typeof ApiFaultSchema>;

/** 429 has its own body: `{ statusCode: 429, message: "... Try again in 57 seconds." }`. */
export const ThrottledBodySchema = resource({
  statusCode: z.union([z.number(), z.string()]),
  message: z.string(),
});
export type ThrottledBody = z.infer<typeof ThrottledBodySchema>;

// ---------------------------------------------------------------------------------------------------
// Token endpoint (Entra ID, not Partner Center; MSAL parses it, kept here to pin the documented shape)

export const TokenResponseSchema = resource({
  token_type: z.string(),
  access_token: z.string(),
  expires_in: numeric,
  ext_expires_in: numeric.optional(),
  expires_on: numeric.optional(),
  not_before: numeric.optional(),
  resource: z.string().optional(),
  scope: z.string().optional(),
  refresh_token: z.string().optional(),
  id_token: z.string().optional(),
});
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

// ---------------------------------------------------------------------------------------------------
// Customers and subscriptions

const AddressSchema = resource({
  country: z.string().optional(),
  region: z.string().optional(),
  city: z.string().optional(),
  state: z.string().optional(),
  addressLine1: z.string().optional(),
  postalCode: z.string().optional(),
});

export const CustomerCompanyProfileSchema = resource({
  tenantId: z.string().optional(),
  domain: z.string().optional(),
  companyName: z.string().optional(),
  address: AddressSchema.optional(),
  links: LinksSchema,
  attributes,
});

export const CustomerBillingProfileSchema = resource({
  id: z.string().optional(),
  email: z.string().optional(),
  culture: z.string().optional(),
  language: z.string().optional(),
  companyName: z.string().optional(),
  defaultAddress: AddressSchema.optional(),
  links: LinksSchema,
  attributes,
});

/**
 * Customer. `billingCountry` is ours: the ISO-2 country of the billing address (upper case), which
 * decides the market (catalog `country`, unavailable-market rules). Only get-by-id carries the billing
 * profile; list results leave it undefined.
 */
export const CustomerSchema = resource({
  id: z.string(),
  commerceId: z.string().optional(),
  companyProfile: CustomerCompanyProfileSchema.optional(),
  billingProfile: CustomerBillingProfileSchema.optional(),
  relationshipToPartner: z.string().optional(),
  allowDelegatedAccess: bool.optional(),
  links: LinksSchema,
  attributes,
}).transform((c) => {
  const country = c.billingProfile?.defaultAddress?.country ?? c.companyProfile?.address?.country;
  return { ...c, billingCountry: country ? country.toUpperCase() : undefined };
});
export type Customer = z.infer<typeof CustomerSchema>;
export const CustomerCollectionSchema = collectionOf(CustomerSchema);
export type CustomerCollection = z.infer<typeof CustomerCollectionSchema>;

export const SubscriptionSchema = resource({
  id: z.string(),
  offerId: z.string().optional(),
  offerName: z.string().optional(),
  friendlyName: z.string().optional(),
  quantity: numeric.optional(),
  unitType: z.string().optional(),
  status: looseEnum(['active', 'suspended', 'deleted', 'expired', 'pending', 'disabled']).optional(),
  billingCycle: billingCycle.optional(),
  billingType: z.string().optional(),
  termDuration: z.string().optional(),
  creationDate: z.string().optional(),
  effectiveStartDate: z.string().optional(),
  commitmentEndDate: z.string().optional(),
  autoRenewEnabled: bool.optional(),
  isTrial: bool.optional(),
  orderId: z.string().optional(),
  entitlementId: z.string().optional(),
  links: LinksSchema,
  attributes,
});
export type Subscription = z.infer<typeof SubscriptionSchema>;
export const SubscriptionCollectionSchema = collectionOf(SubscriptionSchema);

export const REGISTRATION_STATES = ['registered', 'registering', 'not_registered'] as const;
/** `status` is `"NotRegistered"` in the example and `notregistered` in the resource table. */
export const RegistrationStatusSchema = resource({
  subscriptionId: z.string(),
  status: looseEnum(REGISTRATION_STATES),
  attributes,
});
export type RegistrationStatus = z.infer<typeof RegistrationStatusSchema>;

// ---------------------------------------------------------------------------------------------------
// Catalog

const ProductTypeBase = resource({ id: z.string(), displayName: z.string().optional() });
export const ProductSchema = resource({
  id: z.string(),
  title: z.string(),
  description: z.string().optional(),
  productType: resource({
    id: z.string(),
    displayName: z.string().optional(),
    subType: ProductTypeBase.optional(),
  }).optional(),
  isMicrosoftProduct: bool.optional(),
  publisherName: z.string().optional(),
  links: LinksSchema,
  attributes,
});
export type Product = z.infer<typeof ProductSchema>;
export const ProductCollectionSchema = collectionOf(ProductSchema);

export const SkuSchema = resource({
  id: idString,
  productId: z.string(),
  title: z.string(),
  description: z.string().optional(),
  minimumQuantity: numeric.optional(),
  maximumQuantity: numeric.optional(),
  isTrial: bool.optional(),
  supportedBillingCycles: z.array(billingCycle).optional(),
  /** `InventoryCheck`, `AzureSubscriptionRegistration`, `MicrosoftCloudAgreement`, ... (kept as sent). */
  purchasePrerequisites: z.array(z.string()).optional(),
  inventoryVariables: z.array(z.string()).optional(),
  provisioningVariables: z.array(z.string()).optional(),
  dynamicAttributes: z.record(z.string(), z.unknown()).optional(),
  actions: z.array(z.string()).optional(),
  attestationProperties: z
    .object({ attestationType: z.string().optional(), enforceAttestation: bool.optional() })
    .loose()
    .optional(),
  links: LinksSchema,
  attributes,
});
export type Sku = z.infer<typeof SkuSchema>;
export const SkuCollectionSchema = collectionOf(SkuSchema);

const TermSchema = resource({
  id: z.string().optional(),
  duration: z.string(),
  description: z.string().optional(),
  billingCycle: billingCycle.optional(),
  cancellationPolicies: z.array(z.unknown()).optional(),
});

export const AvailabilitySchema = resource({
  id: z.string(),
  productId: z.string(),
  skuId: idString,
  /** `{productId}:{skuId}:{availabilityId}`: what a cart line buys. Can change: fetch it just before buying. */
  catalogItemId: z.string(),
  defaultCurrency: resource({ code: z.string(), symbol: z.string().optional() }).optional(),
  segment: looseEnum(['commercial', 'education', 'government', 'nonprofit']).optional(),
  country: z.string().optional(),
  isPurchasable: bool.optional(),
  isRenewable: bool.optional(),
  renewalInstructions: z.array(z.unknown()).optional(),
  terms: z.array(TermSchema).optional(),
  /** Embedded product and SKU; the docs elide them (`{ ... }`), so both may be empty objects. */
  product: z.record(z.string(), z.unknown()).optional(),
  sku: z.record(z.string(), z.unknown()).optional(),
  links: LinksSchema,
  attributes,
});
export type Availability = z.infer<typeof AvailabilitySchema>;
export const AvailabilityCollectionSchema = collectionOf(AvailabilitySchema);

export const InventoryRestrictionSchema = resource({
  reasonCode: z.string(),
  description: z.string().optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});
export const InventoryItemSchema = resource({
  productId: z.string(),
  skuId: idString.optional(),
  isRestricted: bool,
  restrictions: z
    .array(InventoryRestrictionSchema)
    .nullish()
    .transform((r) => r ?? []),
});
export type InventoryItem = z.infer<typeof InventoryItemSchema>;
/** check-inventory answers with a bare array, one item per SKU; unknown items are silently dropped. */
export const InventoryCheckResultSchema = z.array(InventoryItemSchema);
export type InventoryCheckResult = z.infer<typeof InventoryCheckResultSchema>;

// ---------------------------------------------------------------------------------------------------
// Carts

/** Cart line error; `errorCode` arrives as an integer (10011) or the SDK's snake_case name. */
export const CartErrorSchema = resource({
  errorCode: code,
  errorDescription: z.string().optional(),
  additionalInformation: z.record(z.string(), z.unknown()).optional(),
});
export type CartError = z.infer<typeof CartErrorSchema>;

const PricingSchema = resource({
  listPrice: numeric.optional(),
  discountedPrice: numeric.optional(),
  proratedPrice: numeric.optional(),
  price: numeric.optional(),
  extendedPrice: numeric.optional(),
});

const ParticipantSchema = resource({ key: z.string(), value: idString });

export const CartLineItemSchema = resource({
  id: numeric,
  catalogItemId: z.string(),
  friendlyName: z.string().optional(),
  quantity: numeric,
  currencyCode: z.string().optional(),
  billingCycle,
  termDuration: z.string().optional(),
  provisioningContext: stringMap.optional(),
  /** Set by the server: lines with the same group become one order at checkout. */
  orderGroup: idString.optional(),
  participants: z.array(ParticipantSchema).optional(),
  renewsTo: resource({ termDuration: z.string().optional() }).nullish(),
  attestationAccepted: bool.optional(),
  customTermEndDate: z.string().optional(),
  promotionId: z.string().optional(),
  pricing: PricingSchema.optional(),
  error: CartErrorSchema.nullish(),
});
export type CartLineItem = z.infer<typeof CartLineItemSchema>;

export const CartSchema = resource({
  id: z.string(),
  creationTimestamp: z.string().optional(),
  lastModifiedTimestamp: z.string().optional(),
  expirationTimestamp: z.string().optional(),
  lastModifiedUser: z.string().optional(),
  status: looseEnum(['active', 'ordered']).optional(),
  partnerOnRecordAttestationAccepted: bool.optional(),
  lineItems: z.array(CartLineItemSchema),
  links: LinksSchema,
  attributes,
});
export type Cart = z.infer<typeof CartSchema>;

// ---------------------------------------------------------------------------------------------------
// Orders

export const ORDER_STATUSES = [
  'unknown',
  'completed',
  'pending',
  'cancelled',
  'suspended',
  'pending_review',
  'pending_po_upload',
  'po_upload_complete',
  'po_review_rejected',
  'partial_success',
  'error',
] as const;

export const OrderLineItemSchema = resource({
  lineItemNumber: numeric,
  offerId: z.string(),
  subscriptionId: z.string().optional(),
  parentSubscriptionId: z.string().optional(),
  termDuration: z.string().optional(),
  transactionType: looseEnum([
    'new',
    'renew',
    'add_quantity',
    'remove_quantity',
    'cancel',
    'convert',
    'customer_credit',
  ]).optional(),
  friendlyName: z.string().optional(),
  quantity: numeric,
  partnerIdOnRecord: idString.optional(),
  provisioningContext: stringMap.optional(),
  renewsTo: resource({ termDuration: z.string().optional() }).nullish(),
  pricing: PricingSchema.optional(),
  promotionId: z.string().optional(),
  links: LinksSchema,
});
export type OrderLineItem = z.infer<typeof OrderLineItemSchema>;

export const OrderSchema = resource({
  id: z.string(),
  alternateId: z.string().optional(),
  referenceCustomerId: z.string().optional(),
  billingCycle: billingCycle.optional(),
  transactionType: looseEnum(['user_purchase', 'system_purchase', 'system_billing']).optional(),
  currencyCode: z.string().optional(),
  currencySymbol: z.string().optional(),
  creationDate: z.string().optional(),
  status: looseEnum(ORDER_STATUSES).optional(),
  lineItems: z.array(OrderLineItemSchema),
  totalPrice: numeric.optional(),
  client: z.record(z.string(), z.unknown()).optional(),
  links: LinksSchema,
  attributes,
});
export type Order = z.infer<typeof OrderSchema>;
export const OrderCollectionSchema = collectionOf(OrderSchema);

export const OrderErrorSchema = resource({
  orderGroupId: idString.optional(),
  code,
  description: z.string().optional(),
});
export type OrderError = z.infer<typeof OrderErrorSchema>;

/** Partial success is possible: some order groups become orders, others order errors. */
export const CartCheckoutResultSchema = resource({
  orders: z
    .array(OrderSchema)
    .nullish()
    .transform((o) => o ?? []),
  orderErrors: z
    .array(OrderErrorSchema)
    .nullish()
    .transform((e) => e ?? []),
});
export type CartCheckoutResult = z.infer<typeof CartCheckoutResultSchema>;

export const ProvisioningStatusSchema = resource({
  orderLineItemId: idString.optional(),
  lineItemNumber: numeric,
  status: looseEnum(['fulfilled', 'unfulfilled', 'prefulfillment_pending']),
  quantityProvisioningInformation: z
    .array(
      resource({
        quantity: numeric,
        status: looseEnum(['fulfilled', 'unfulfilled', 'prefulfillment_pending']),
      }),
    )
    .optional(),
});
export type ProvisioningStatus = z.infer<typeof ProvisioningStatusSchema>;
export const ProvisioningStatusCollectionSchema = collectionOf(ProvisioningStatusSchema);

// ---------------------------------------------------------------------------------------------------
// Entitlements

export const ENTITLEMENT_TYPES = [
  'reserved_instance',
  'software',
  'virtual_machine_reserved_instance',
] as const;
const entitlementType = looseEnum(ENTITLEMENT_TYPES);

export const EntitledArtifactSchema = resource({
  artifactType: entitlementType.optional(),
  link: LinkSchema.optional(),
  /** For reservations: the Azure reservation order id (ties to the invoice line's reservationOrderId). */
  resourceId: z.string().optional(),
  dynamicAttributes: z.record(z.string(), z.unknown()).optional(),
});

const EntitlementBaseSchema = z
  .object({
    referenceOrder: resource({
      id: z.string(),
      lineItemId: idString.optional(),
      alternateId: z.string().optional(),
    }),
    productId: z.string(),
    skuId: idString,
    quantity: numeric,
    quantityDetails: z.array(resource({ quantity: numeric, status: z.string().optional() })).optional(),
    entitlementType,
    fulfillmentState: z.string().optional(),
    entitledArtifacts: z.array(EntitledArtifactSchema).optional(),
    dynamicAttributes: z.record(z.string(), z.unknown()).optional(),
    expiryDate: z.string().optional(),
  })
  .loose();

export type Entitlement = z.infer<typeof EntitlementBaseSchema> & { includedEntitlements?: Entitlement[] };

export const EntitlementSchema: z.ZodType<Entitlement, unknown> = z.preprocess(
  camelizeKeys,
  EntitlementBaseSchema.extend({
    includedEntitlements: z.lazy(() => z.array(EntitlementSchema)).optional(),
  }),
);
export const EntitlementCollectionSchema = collectionOf(EntitlementSchema);

export const ReservationSchema = resource({
  reservationId: z.string(),
  scopeType: looseEnum(['shared', 'single']).optional(),
  displayName: z.string().optional(),
  appliedScopes: z.array(z.string()).nullish(),
  quantity: numeric.optional(),
  expiryDateTime: z.string().optional(),
  effectiveDateTime: z.string().optional(),
  provisioningState: z.string().optional(),
});
export type Reservation = z.infer<typeof ReservationSchema>;

/**
 * Reservation artifact details (GET the entitlement's artifact link). The resource table calls the list
 * `reservations`, the example `virtualMachineReservations`: both are read, `reservations` is the union.
 */
export const ReservationArtifactSchema = resource({
  type: entitlementType,
  reservations: z.array(ReservationSchema).optional(),
  virtualMachineReservations: z.array(ReservationSchema).optional(),
}).transform((a) => ({
  ...a,
  reservations: [...(a.reservations ?? []), ...(a.virtualMachineReservations ?? [])],
}));
export type ReservationArtifact = z.infer<typeof ReservationArtifactSchema>;

// ---------------------------------------------------------------------------------------------------
// Billing

export const INVOICE_TYPES = ['recurring', 'one_time'] as const;
const invoiceType = looseEnum(INVOICE_TYPES);

const InvoiceSummaryFields = {
  balanceAmount: numeric,
  currencyCode: z.string(),
  currencySymbol: z.string().optional(),
  accountingDate: z.string().optional(),
  firstInvoiceCreationDate: z.string().optional(),
  lastPaymentDate: z.string().optional(),
  lastPaymentAmount: numeric.optional(),
  latestInvoiceDate: z.string().optional(),
  links: LinksSchema,
  attributes,
};

/** The account balance (`/invoices/summary`) and each per-currency summary. */
export const InvoiceSummarySchema = resource({
  ...InvoiceSummaryFields,
  details: z.array(resource({ invoiceType, summary: resource(InvoiceSummaryFields) })).optional(),
});
export type InvoiceSummary = z.infer<typeof InvoiceSummarySchema>;
export const InvoiceSummariesSchema = collectionOf(InvoiceSummarySchema);
export type InvoiceSummaries = z.infer<typeof InvoiceSummariesSchema>;

const InvoiceDetailSchema = resource({
  invoiceLineItemType: looseEnum(['billing_line_items', 'usage_line_items']).optional(),
  billingProvider: looseEnum(['one_time', 'office', 'azure', 'marketplace', 'all', 'none']).optional(),
  links: LinksSchema,
  attributes,
});

const InvoiceBaseSchema = z
  .object({
    id: z.string(),
    invoiceDate: z.string().optional(),
    billingPeriodStartDate: z.string().optional(),
    billingPeriodEndDate: z.string().optional(),
    totalCharges: numeric.optional(),
    paidAmount: numeric.optional(),
    currencyCode: z.string().optional(),
    currencySymbol: z.string().optional(),
    pdfDownloadLink: z.string().optional(),
    taxReceipts: z
      .array(resource({ id: idString, taxReceiptPdfDownloadLink: z.string().optional() }))
      .optional(),
    invoiceDetails: z.array(InvoiceDetailSchema).optional(),
    documentType: looseEnum(['invoice', 'void_note', 'adjustment_note', 'credit_note']).optional(),
    amendsOf: z.string().optional(),
    invoiceType: invoiceType.optional(),
    status: z.string().optional(),
    links: LinksSchema,
    attributes,
  })
  .loose();

export type Invoice = z.infer<typeof InvoiceBaseSchema> & { amendments?: Invoice[] };
export const InvoiceSchema: z.ZodType<Invoice, unknown> = z.preprocess(
  camelizeKeys,
  InvoiceBaseSchema.extend({ amendments: z.lazy(() => z.array(InvoiceSchema)).optional() }),
);
export const InvoiceCollectionSchema = collectionOf(InvoiceSchema);

/** OneTime invoice line item: numbers are strings in some items and numbers in others. */
export const OneTimeInvoiceLineItemSchema = resource({
  partnerId: z.string().optional(),
  customerId: z.string().optional(),
  customerName: z.string().optional(),
  customerDomainName: z.string().optional(),
  customerCountry: z.string().optional(),
  invoiceNumber: z.string(),
  mpnId: idString.optional(),
  resellerMpnId: idString.optional(),
  orderId: z.string().optional(),
  orderDate: z.string().optional(),
  productId: z.string().optional(),
  skuId: idString.optional(),
  availabilityId: z.string().optional(),
  productName: z.string().optional(),
  skuName: z.string().optional(),
  productQualifiers: z.array(z.string()).optional(),
  chargeType: looseEnum([
    'new',
    'cancel',
    'renew',
    'add_quantity',
    'remove_quantity',
    'cycle_charge',
  ]).optional(),
  unitPrice: numeric.optional(),
  effectiveUnitPrice: numeric.optional(),
  unitType: z.string().optional(),
  quantity: numeric.optional(),
  subtotal: numeric.optional(),
  taxTotal: numeric.optional(),
  totalForCustomer: numeric.optional(),
  currency: z.string().optional(),
  publisherName: z.string().optional(),
  publisherId: idString.optional(),
  subscriptionId: z.string().optional(),
  subscriptionStartDate: z.string().optional(),
  subscriptionEndDate: z.string().optional(),
  chargeStartDate: z.string().optional(),
  chargeEndDate: z.string().optional(),
  termAndBillingCycle: z.string().optional(),
  alternateId: z.string().optional(),
  referenceId: z.string().optional(),
  priceAdjustmentDescription: z.string().optional(),
  pricingCurrency: z.string().optional(),
  pcToBCExchangeRate: numeric.optional(),
  pcToBCExchangeRateDate: z.string().optional(),
  billableQuantity: numeric.optional(),
  billingFrequency: z.string().optional(),
  /** Ties the line to a reservation entitlement's `resourceId`. */
  reservationOrderId: z.string().optional(),
  promotionId: z.string().optional(),
  invoiceLineItemType: looseEnum(['billing_line_items', 'usage_line_items']).optional(),
  billingProvider: looseEnum(['one_time', 'office', 'azure', 'marketplace', 'all', 'none']).optional(),
  attributes,
});
export type OneTimeInvoiceLineItem = z.infer<typeof OneTimeInvoiceLineItemSchema>;
export const OneTimeInvoiceLineItemCollectionSchema = collectionOf(OneTimeInvoiceLineItemSchema);
export type OneTimeInvoiceLineItemCollection = z.infer<typeof OneTimeInvoiceLineItemCollectionSchema>;

// ---------------------------------------------------------------------------------------------------
// Request bodies (what we send: camelCase keys, snake_case enum values)

export interface CartLineItemInput {
  id?: number;
  catalogItemId: string;
  quantity: number;
  billingCycle: BillingCycle;
  termDuration?: string;
  friendlyName?: string;
  provisioningContext?: Record<string, string>;
  attestationAccepted?: boolean;
  participants?: { key: string; value: string }[];
  [k: string]: unknown;
}

export interface CartInput {
  lineItems: CartLineItemInput[];
  partnerOnRecordAttestationAccepted?: boolean;
  [k: string]: unknown;
}

export interface InventoryCheckRequest {
  targetItems: { productId: string; skuId?: string }[];
  /** Keys from the SKU's `inventoryVariables`, e.g. customerId, azureSubscriptionId, armRegionName. */
  inventoryContext: Record<string, string>;
}
