/**
 * The purchase request: what a requester asked for, and where it stands. Pure data and pure
 * functions only: no I/O is imported here (lint enforces it).
 *
 * A request's states are a discriminated union on `status`: each state carries exactly the facts
 * that exist in it (an `ordered` request has orders, a `rejected` one a rejection), so the compiler,
 * not a reviewer, keeps a checkout from running without a saved cart id.
 */

export const KINDS = ['software_subscription', 'perpetual_software', 'azure_reservation'] as const;
export type Kind = (typeof KINDS)[number];

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}

/** Partner Center catalog view for each kind (GET /v1/products?targetView=…). */
export const KIND_TARGET_VIEW: Record<Kind, string> = {
  software_subscription: 'SoftwareSubscriptions',
  perpetual_software: 'SoftwarePerpetual',
  azure_reservation: 'AzureReservations',
};

/** The customer segments Partner Center sells in (availabilities carry one). */
export type Segment = 'commercial' | 'education' | 'government' | 'nonprofit';

/**
 * What a price is known to be. Prices come from Microsoft's price sheets (availabilities carry
 * none); when the sheet cannot say, the reason is kept so approvers are told why.
 */
export type PriceFacts =
  | {
      known: true;
      /** Per unit, in `currency`, as the price sheet states it for this product, SKU, term and plan. */
      unit: number;
      currency: string;
      /** Which price-sheet view and column it came from, e.g. azure_reservations / UnitPrice. */
      source: string;
      /** The total converted into the dual-approval currency, where a usable rate exists. */
      converted?: { amount: number; currency: string } | undefined;
    }
  | { known: false; reason: PriceUnknownReason };

export type PriceUnknownReason = 'no_user_credentials' | 'not_in_price_sheet' | 'price_sheet_unavailable';

/** One row of a price sheet, as the lookup needs it. Keys are normalised (upper case, terms as ISO durations). */
export interface PriceRow {
  productId: string;
  skuId: string;
  /** P1Y, P3Y, P1M, or ONETIME for perpetual software. */
  term: string;
  /** MONTHLY, ANNUAL, … or '' where the sheet has no billing plan. */
  plan: string;
  /** COMMERCIAL, EDUCATION, CHARITY, or '' where the sheet has no segment. */
  segment: string;
  currency: string;
  unitPrice: number;
}

/** Why a request needs more than one approver; shown on the card. */
export type ApprovalRuleReason = 'quantity' | 'amount' | 'price_unknown';

export type RegistrationState = 'registered' | 'registering' | 'not_registered' | 'unknown';

/**
 * The Azure subscription a reservation applies to. Reservations accept only Azure subscriptions: an
 * Azure plan, or a legacy MS-AZR-0145P subscription (whose catalog is read without
 * reservationScope=AzurePlan). A customer without one gets a new Azure plan bought first.
 */
export type AzureTarget =
  | {
      kind: 'existing';
      subscriptionId: string;
      plan: 'azure_plan' | 'legacy';
      registration: RegistrationState;
    }
  | { kind: 'new_plan' };

/** What the requester filled in, with the catalog facts resolved when it was checked. */
export interface PurchaseDraft {
  customerId: string;
  customerName: string;
  /** ISO 3166-1 alpha-2, from the customer's billing profile. */
  country: string;
  segment: Segment;
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
  /** Reservations only. */
  azure: AzureTarget | undefined;
  justification: string;
  price: PriceFacts;
  /** For SKUs that enforce attestation: the text the requester accepted. */
  attestation?: { text: string } | undefined;
}

export interface Decision {
  by: string;
  at: number;
}

export interface OrderLine {
  lineItemNumber?: number | undefined;
  offerId: string;
  friendlyName: string;
  quantity: number;
  termDuration?: string | undefined;
}

export interface OrderSummary {
  id: string;
  /** Partner Center's order status (completed, pending, error, …), lower case. */
  status: string;
  lineItems: OrderLine[];
  creationDate?: string | undefined;
}

/** Codes of failures the pipeline itself decides (Partner Center's own codes travel in `pcCode`). */
export type FailureCode =
  | 'refused'
  | 'registration_timeout'
  | 'availability_gone'
  | 'cart_missing'
  | 'plan_refused'
  | 'plan_timeout'
  | 'partner_center_down'
  | 'internal';

/**
 * A purchase that stopped. Facts, not sentences (src/slack/messages.ts words them). `nothingBought`
 * is true only when Partner Center refused before any order could exist.
 */
export interface Failure {
  code: FailureCode;
  /** Partner Center's error code and words, when it gave them. */
  pcCode?: string | undefined;
  pcMessage?: string | undefined;
  nothingBought: boolean;
  /** What failed, when the request buys two things (the Azure plan, then the reservation). */
  stage?: 'plan' | 'purchase' | undefined;
}

/**
 * The exactly-once records of a purchase, each written BEFORE the Partner Center call it protects.
 *
 * MS-RequestIds are not stored: each write's id is derived from the request id, the step and the
 * attempt (src/purchases/idempotency.ts), so a Redis that lost its last writes still sends the id
 * Partner Center has already seen. `attempt` moves on only after Partner Center answered (its header
 * rule: the same id after a timeout or a dropped connection, a fresh one after any response).
 */
export type CartProgress =
  /** No cart is known. Protects against: a timeout at cart creation (same id next time). */
  | { stage: 'none'; attempt: number }
  /**
   * The cart exists and its id is saved. Protects against: a crash between cart creation and
   * checkout making a second cart that would be checked out too.
   */
  | { stage: 'cart'; cartId: string; attempt: number }
  /**
   * A checkout of this cart may have reached Partner Center. Protects against: a crash or a lost
   * answer at checkout being retried as a new purchase; on resume the cart is read first.
   */
  | { stage: 'checkout'; cartId: string; attempt: number };

/** A new Azure plan bought before a reservation on it. */
export type PlanProgress =
  | { stage: 'cart'; cart: CartProgress }
  /** The plan's order exists: wait for its fulfilment and its subscription. */
  | { stage: 'ordered'; orderId: string; cartId: string; since: number }
  /** The plan's subscription exists: the reservation is bought on it. */
  | { stage: 'ready'; orderId: string; subscriptionId: string };

export interface OrderingProgress {
  plan?: PlanProgress | undefined;
  cart: CartProgress;
}

/** Why a request needs people: the bot cannot finish it alone. */
export type Attention =
  /**
   * Partner Center's answer left open whether an order exists (800065 on a retried checkout, a 2xx
   * with neither orders nor errors, a resumed cart already `Ordered`). The bot looks for the order;
   * nobody may buy again meanwhile.
   */
  | {
      reason: 'outcome_unknown';
      since: number;
      cartId: string;
      pcCode?: string | undefined;
      pcMessage?: string | undefined;
      /** Order-list searches so far (the list lags up to 15 minutes). */
      searches: number;
    }
  /** An order ended in a status other than completed. */
  | { reason: 'order_status'; orderId: string; orderStatus: string; lines: OrderLine[] }
  /** Orders Partner Center accepted that the customer's order list still does not show. */
  | { reason: 'order_missing'; orderIds: string[]; checks: number };

/** A question from an approver and the requester's answers, in order. */
export interface ConversationEntry {
  by: string;
  role: 'approver' | 'requester';
  text: string;
  at: number;
}

export interface SlackRefs {
  /** The approval card. */
  cardChannel?: string | undefined;
  cardTs?: string | undefined;
  /** The requester's message; its thread carries every later update. */
  threadChannel?: string | undefined;
  threadTs?: string | undefined;
  /** Approvers told by DM (one DM per approver per request). */
  approverDms?: Record<string, { channel: string; ts: string }> | undefined;
  /** Set when the card could not be posted (e.g. the bot is not in the approvals channel). */
  cardUndeliverable?: boolean | undefined;
  /** The thread message about a software order, carrying Cancel order while the window is open. */
  orderMessageTs?: string | undefined;
}

/** A software order's cancellation through Partner Center, inside Microsoft's window. */
export interface OrderCancellation {
  by: string;
  at: number;
  /** Attempt of the PATCH; its MS-RequestId is derived like a cart's. */
  attempt: number;
}

interface RequestCommon extends PurchaseDraft {
  id: string;
  requesterId: string;
  createdAt: number;
  expiresAt: number;
  /** Compare-and-set version: bumped by every persisted change. */
  version: number;
  requiredApprovals: 1 | 2;
  approvalReasons?: ApprovalRuleReason[] | undefined;
  approvals: Decision[];
  reminded?: boolean | undefined;
  escalated?: boolean | undefined;
  conversation?: ConversationEntry[] | undefined;
  invoices?: string[] | undefined;
  slack: SlackRefs;
}

export type PendingRequest = RequestCommon & { status: 'pending_approval' };
export type ApprovedRequest = RequestCommon & { status: 'approved' };
export type RejectedRequest = RequestCommon & {
  status: 'rejected';
  rejection: Decision & { reason: string };
};
export type ExpiredRequest = RequestCommon & { status: 'expired' };
/** Withdrawn by the requester before anyone decided. */
export type CancelledRequest = RequestCommon & { status: 'cancelled'; cancellation: Decision };
export type OrderingRequest = RequestCommon & { status: 'ordering'; progress: OrderingProgress };
export type AttentionRequest = RequestCommon & {
  status: 'attention';
  progress: OrderingProgress;
  attention: Attention;
  orders?: OrderSummary[] | undefined;
};
/** What requester and approvers were told about a software order's cancellation window. */
export interface WindowNotices {
  /** Reminded a day before the window closes. */
  reminded?: boolean | undefined;
  /** Cards updated once the window closed (the Cancel order button is gone). */
  closed?: boolean | undefined;
}

export type OrderedRequest = RequestCommon & {
  status: 'ordered';
  progress: OrderingProgress;
  orders: OrderSummary[];
  orderedAt: number;
  /** Order-list checks made so far. */
  checks?: number | undefined;
  orderCancellation?: OrderCancellation | undefined;
  window?: WindowNotices | undefined;
};
export type ConfirmedRequest = RequestCommon & {
  status: 'confirmed';
  orders: OrderSummary[];
  orderedAt: number;
  confirmedAt: number;
  orderCancellation?: OrderCancellation | undefined;
  window?: WindowNotices | undefined;
};
export type FailedRequest = RequestCommon & {
  status: 'failed';
  failure: Failure;
  progress?: OrderingProgress | undefined;
  /** The Azure plan bought before the reservation failed, if any: it exists and is billed. */
  orders?: OrderSummary[] | undefined;
};
/** A software order cancelled through Partner Center inside its window. */
export type OrderCancelledRequest = RequestCommon & {
  status: 'order_cancelled';
  orders: OrderSummary[];
  orderedAt: number;
  orderCancellation: OrderCancellation & { doneAt: number };
};

export type PurchaseRequest =
  | PendingRequest
  | ApprovedRequest
  | RejectedRequest
  | ExpiredRequest
  | CancelledRequest
  | OrderingRequest
  | AttentionRequest
  | OrderedRequest
  | ConfirmedRequest
  | FailedRequest
  | OrderCancelledRequest;

export type RequestStatus = PurchaseRequest['status'];

export const FINAL_STATUSES: ReadonlySet<RequestStatus> = new Set<RequestStatus>([
  'rejected',
  'expired',
  'confirmed',
  'failed',
  'cancelled',
  'order_cancelled',
]);

/** States the pipeline still owes work to (the sweeper's safety net walks these). */
export const IN_FLIGHT_STATUSES: ReadonlySet<RequestStatus> = new Set<RequestStatus>([
  'approved',
  'ordering',
  'attention',
  'ordered',
]);

export function isFinal(status: RequestStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/** The request's orders, whatever its state (none before checkout). */
export function ordersOf(r: PurchaseRequest): OrderSummary[] {
  return 'orders' in r && r.orders ? r.orders : [];
}

export function totalPrice(r: Pick<PurchaseDraft, 'price' | 'quantity'>): number | undefined {
  return r.price.known ? Math.round(r.price.unit * r.quantity * 100) / 100 : undefined;
}

/** The subscription a reservation will be bought on, once it is known. */
export function subscriptionOf(r: PurchaseRequest): string | undefined {
  if (!r.azure) return undefined;
  if (r.azure.kind === 'existing') return r.azure.subscriptionId;
  if ('progress' in r && r.progress?.plan?.stage === 'ready') return r.progress.plan.subscriptionId;
  return undefined;
}

/** A fresh progress record for a request entering the pipeline. */
export function startProgress(r: Pick<PurchaseDraft, 'azure'>): OrderingProgress {
  return r.azure?.kind === 'new_plan'
    ? { plan: { stage: 'cart', cart: { stage: 'none', attempt: 0 } }, cart: { stage: 'none', attempt: 0 } }
    : { cart: { stage: 'none', attempt: 0 } };
}
