/**
 * The purchase request: what a requester asked for, and where it stands.
 * Pure data and pure functions only: no I/O is imported here.
 */

export const KINDS = ['software_subscription', 'perpetual_software', 'azure_reservation'] as const;
export type Kind = (typeof KINDS)[number];

export const KIND_LABELS: Record<Kind, string> = {
  software_subscription: 'Software subscription',
  perpetual_software: 'Perpetual software',
  azure_reservation: 'Azure reservation',
};

/** Partner Center catalog view for each kind (GET /v1/products?targetView=…). */
export const KIND_TARGET_VIEW: Record<Kind, string> = {
  software_subscription: 'SoftwareSubscriptions',
  perpetual_software: 'SoftwarePerpetual',
  azure_reservation: 'AzureReservations',
};

/**
 * How long after purchase the kind can still be cancelled, as shown to approvers. Software can be
 * cancelled within 30 days (cancel-software-purchases); reservations are cancelled through Azure,
 * with an early-termination fee, not through this bot.
 */
export const CANCELLATION_WINDOW: Record<Kind, string> = {
  software_subscription: 'Cancellable within 30 days of purchase',
  perpetual_software: 'Cancellable within 30 days of purchase',
  azure_reservation: 'Not cancellable here: exchanges and refunds go through Azure, fees may apply',
};

/** What the requester filled in, with the catalog facts resolved when it was checked. */
export interface PurchaseDraft {
  customerId: string;
  customerName: string;
  /** ISO 3166-1 alpha-2, from the customer's billing profile. */
  country: string;
  kind: Kind;
  productId: string;
  productTitle: string;
  skuId: string;
  skuTitle: string;
  availabilityId: string;
  catalogItemId: string;
  /** ISO 8601 duration such as P1Y, or undefined for perpetual software. */
  termDuration: string | undefined;
  billingCycle: string;
  quantity: number;
  azureSubscriptionId: string | undefined;
  justification: string;
  unitPrice: number | undefined;
  currency: string | undefined;
  /** Registration status of the Azure subscription when the request was made (reservations). */
  registrationStatus: string | undefined;
}

export type RequestStatus =
  | 'pending_approval'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'ordering'
  | 'ordered'
  | 'confirmed'
  | 'failed'
  | 'cancelled';

export const FINAL_STATUSES: ReadonlySet<RequestStatus> = new Set([
  'rejected',
  'expired',
  'confirmed',
  'failed',
  'cancelled',
]);

export interface Decision {
  by: string;
  at: number;
}

export interface OrderSummary {
  id: string;
  status: string;
  lineItems: { offerId: string; friendlyName: string; quantity: number; termDuration?: string | undefined }[];
  creationDate?: string | undefined;
}

export interface Failure {
  code: string;
  message: string;
  nextStep: string;
}

export interface SlackRefs {
  /** The approval card. */
  cardChannel?: string | undefined;
  cardTs?: string | undefined;
  /** The requester's message; its thread carries every later update. */
  threadChannel?: string | undefined;
  threadTs?: string | undefined;
}

export interface PurchaseRequest extends PurchaseDraft {
  id: string;
  requesterId: string;
  createdAt: number;
  expiresAt: number;
  status: RequestStatus;
  /** Compare-and-set version: bumped by every persisted change. */
  version: number;
  requiredApprovals: 1 | 2;
  approvals: Decision[];
  rejection?: (Decision & { reason: string }) | undefined;
  cancellation?: Decision | undefined;
  /** MS-RequestIds are chosen before each write so a retry after a timeout reuses them. */
  cartRequestId?: string | undefined;
  cartId?: string | undefined;
  checkoutRequestId?: string | undefined;
  orders?: OrderSummary[] | undefined;
  failure?: Failure | undefined;
  confirmedAt?: number | undefined;
  confirmationMissing?: boolean | undefined;
  reminded?: boolean | undefined;
  invoices?: string[] | undefined;
  slack: SlackRefs;
}

export function isFinal(status: RequestStatus): boolean {
  return FINAL_STATUSES.has(status);
}

export function totalPrice(r: Pick<PurchaseDraft, 'unitPrice' | 'quantity'>): number | undefined {
  return r.unitPrice === undefined ? undefined : Math.round(r.unitPrice * r.quantity * 100) / 100;
}
