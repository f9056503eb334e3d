import bundledMarkets from './data/unavailable-markets.json';
import { totalPrice, type ApprovalRuleReason, type Kind, type PurchaseDraft, type Segment } from './model';

/**
 * Business rules checked before a request reaches an approver. Pure: callers pass the facts
 * (catalog answers, the customer's subscriptions, the market lists) in, and get problems back as
 * values (src/slack/messages.ts words them).
 */

export interface Market {
  name: string;
  iso2: string;
}

/** The markets where a kind cannot be sold, as JSON (the seed documents' lists, or an operator's file). */
export interface MarketData {
  softwareSubscriptions: Market[];
  azureReservations: Market[];
}

export interface MarketRules {
  /** The market's name when the kind cannot be sold there, else undefined. */
  closed(kind: Kind, country: string): string | undefined;
}

/** ISO code → market name(s); some codes cover several listed places (BQ: Bonaire, Saba, Sint Eustatius). */
function byCode(list: readonly Market[]): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const m of list) {
    const code = m.iso2.toUpperCase();
    const known = map.get(code);
    map.set(code, known ? `${known}, ${m.name}` : m.name);
  }
  return map;
}

export function marketRules(data: MarketData): MarketRules {
  const closed: Record<Kind, ReadonlyMap<string, string>> = {
    software_subscription: byCode(data.softwareSubscriptions),
    azure_reservation: byCode(data.azureReservations),
    // Perpetual software has no market list: it needs prior qualification instead (seed doc).
    perpetual_software: new Map(),
  };
  return { closed: (kind, country) => closed[kind].get(country.toUpperCase()) };
}

/**
 * The lists of the seed documents ("Make a one-time purchase", "Purchase Azure reservations"). An
 * operator replaces them with MARKET_RULES_FILE when Microsoft changes a list.
 */
export const DEFAULT_MARKETS: MarketData = bundledMarkets;
export const defaultMarketRules = marketRules(DEFAULT_MARKETS);

/** The fields of the request form a problem can be shown on. */
export const FIELDS = [
  'customer',
  'kind',
  'product',
  'sku',
  'availability',
  'quantity',
  'azure_subscription',
  'attestation',
  'justification',
] as const;
export type Field = (typeof FIELDS)[number];

/** Everything that can keep a request from reaching an approver. A closed union: messages switch on it exhaustively. */
export type Problem =
  | { code: 'required'; field: Field }
  | { code: 'customer_unknown' }
  | { code: 'customer_no_country' }
  | { code: 'agreement_missing' }
  | { code: 'market_closed'; kind: Kind; country: string; market: string }
  | { code: 'perpetual_unqualified' }
  | { code: 'kind_mismatch'; chosen: Kind; product: Kind }
  | { code: 'product_unknown' }
  | { code: 'sku_not_sold'; country: string }
  | { code: 'availability_gone' }
  /** The term was chosen for the other kind of Azure subscription (Azure plan vs MS-AZR-0145P). */
  | { code: 'scope_mismatch' }
  | { code: 'segment_mismatch'; segment: Segment; offered: string }
  | { code: 'quantity_range'; min: number; max: number }
  | { code: 'subscription_foreign' }
  | { code: 'subscription_not_azure' }
  | { code: 'subscription_inactive' }
  | { code: 'out_of_stock'; region?: string | undefined; detail?: string | undefined }
  | { code: 'attestation_required' }
  | { code: 'justification_short'; min: number }
  | { code: 'text_short'; min: number }
  | { code: 'text_too_long'; max: number; length: number }
  | { code: 'partner_center_unreachable' };

export type ProblemCode = Problem['code'];
export type FieldProblems = Partial<Record<Field, Problem>>;

/**
 * Bounds of the free-text fields, checked by the server (handlers/views) and declared to Slack as
 * min_length/max_length on each plain_text_input (Slack's own check can be bypassed by a crafted
 * payload). Each maximum keeps what we post about the text within Slack's limits (section text
 * 3000 characters: https://docs.slack.dev/reference/block-kit/blocks/section-block).
 */
export const JUSTIFICATION = { min: 10, max: 2000 } as const;
export const TEXT_BOUNDS = {
  rejectReason: { min: 3, max: 1000 },
  question: { min: 3, max: 1000 },
  answer: { min: 1, max: 1000 },
} as const;

/** A free-text field's problem with its length (the text as Slack sends it, trimmed). */
export function textProblem(text: string, bounds: { min: number; max: number }): Problem | undefined {
  const t = text.trim();
  if (t.length < bounds.min) return { code: 'text_short', min: bounds.min };
  if (t.length > bounds.max) return { code: 'text_too_long', max: bounds.max, length: t.length };
  return undefined;
}

/** How an Azure subscription of the customer can serve a reservation. */
export interface SubscriptionFact {
  id: string;
  /** azure_plan and legacy (MS-AZR-0145P) can hold reservations; anything else (Microsoft 365…) cannot. */
  type: 'azure_plan' | 'legacy' | 'other';
  active: boolean;
}

export interface CheckFacts {
  markets: MarketRules;
  perpetualQualified: boolean;
  maxQuantity: number;
  minQuantity?: number | undefined;
  /** The kind Partner Center's catalog says the product is, when known. */
  productKind?: Kind | undefined;
  /** The customer's subscriptions, when the kind needs one. */
  subscriptions?: readonly SubscriptionFact[] | undefined;
  /** false when Partner Center no longer offers the chosen availability in the customer's country. */
  availabilityOffered?: boolean | undefined;
  /** The availability's segment, when Partner Center states one, against the customer's. */
  segment?: { customer: Segment; offered: string } | undefined;
  /** Inventory answer for SKUs with the InventoryCheck prerequisite. */
  inventory?: { available: boolean; region?: string | undefined; detail?: string | undefined } | undefined;
  /** SKUs that enforce attestation need the requester's tick. */
  attestation?: { required: boolean; accepted: boolean } | undefined;
  /** Whether the customer accepted the Microsoft Customer Agreement, when Partner Center says. */
  agreementAccepted?: boolean | undefined;
}

/** The part of a draft the rules look at. `azure` is the chosen subscription id or 'new-azure-plan'. */
export interface DraftInput {
  kind: Kind;
  country: string;
  quantity: number;
  azureChoice: string | undefined;
  justification: string;
}

export const NEW_AZURE_PLAN = 'new-azure-plan';

/** The market rule alone: it needs nothing but the country, so it runs before any catalog look-up. */
export function marketProblem(
  kind: Kind,
  country: string,
  markets: MarketRules,
  perpetualQualified: boolean,
): FieldProblems {
  const market = markets.closed(kind, country);
  if (market) return { kind: { code: 'market_closed', kind, country: country.toUpperCase(), market } };
  if (kind === 'perpetual_software' && !perpetualQualified)
    return { kind: { code: 'perpetual_unqualified' } };
  return {};
}

/** Every rule that can refuse a request, each problem on the field the requester must change. */
export function checkDraft(d: DraftInput, facts: CheckFacts): FieldProblems {
  const problems: FieldProblems = {
    ...marketProblem(d.kind, d.country, facts.markets, facts.perpetualQualified),
  };
  if (facts.agreementAccepted === false) problems.customer = { code: 'agreement_missing' };
  if (facts.productKind && facts.productKind !== d.kind && !problems.kind) {
    problems.product = { code: 'kind_mismatch', chosen: d.kind, product: facts.productKind };
  }
  const min = facts.minQuantity ?? 1;
  if (!Number.isInteger(d.quantity) || d.quantity < min || d.quantity > facts.maxQuantity) {
    problems.quantity = { code: 'quantity_range', min, max: facts.maxQuantity };
  }
  if (d.kind === 'azure_reservation') {
    const sub = subscriptionProblem(d.azureChoice, facts.subscriptions);
    if (sub) problems.azure_subscription = sub;
  }
  if (facts.availabilityOffered === false) problems.availability = { code: 'availability_gone' };
  if (facts.segment && facts.segment.offered.toLowerCase() !== facts.segment.customer) {
    problems.availability = {
      code: 'segment_mismatch',
      segment: facts.segment.customer,
      offered: facts.segment.offered,
    };
  }
  if (facts.inventory && !facts.inventory.available) {
    problems.sku = { code: 'out_of_stock', region: facts.inventory.region, detail: facts.inventory.detail };
  }
  if (facts.attestation?.required && !facts.attestation.accepted)
    problems.attestation = { code: 'attestation_required' };
  const justification = justificationProblem(d.justification);
  if (justification) problems.justification = justification;
  return problems;
}

export function justificationProblem(text: string): Problem | undefined {
  const t = text.trim();
  if (t.length < JUSTIFICATION.min) return { code: 'justification_short', min: JUSTIFICATION.min };
  if (t.length > JUSTIFICATION.max)
    return { code: 'text_too_long', max: JUSTIFICATION.max, length: t.length };
  return undefined;
}

function subscriptionProblem(
  choice: string | undefined,
  subs: readonly SubscriptionFact[] | undefined,
): Problem | undefined {
  if (!choice) return { code: 'required', field: 'azure_subscription' };
  if (!subs) return undefined;
  if (choice === NEW_AZURE_PLAN) {
    // Offered only to customers with no Azure subscription that can hold a reservation.
    return subs.some((s) => s.type !== 'other' && s.active) ? { code: 'subscription_foreign' } : undefined;
  }
  const sub = subs.find((s) => s.id.toLowerCase() === choice.toLowerCase());
  if (!sub) return { code: 'subscription_foreign' };
  if (sub.type === 'other') return { code: 'subscription_not_azure' };
  if (!sub.active) return { code: 'subscription_inactive' };
  return undefined;
}

export interface ApprovalRule {
  /** 0: off. */
  dualApprovalQuantity: number;
  /** 0: off. In `currency`. */
  dualApprovalAmount: number;
  currency: string;
}

/**
 * How many distinct approvers a request needs, and why. The amount rule never fails open: when it
 * is on and the price is unknown, or in another currency with no usable conversion, two are needed.
 */
export function requiredApprovals(
  d: Pick<PurchaseDraft, 'quantity' | 'price'>,
  rule: ApprovalRule,
): { count: 1 | 2; reasons: ApprovalRuleReason[] } {
  const reasons: ApprovalRuleReason[] = [];
  if (rule.dualApprovalQuantity > 0 && d.quantity > rule.dualApprovalQuantity) reasons.push('quantity');
  if (rule.dualApprovalAmount > 0) {
    const total = comparableTotal(d, rule.currency);
    if (total === undefined) reasons.push('price_unknown');
    else if (total > rule.dualApprovalAmount) reasons.push('amount');
  }
  return { count: reasons.length > 0 ? 2 : 1, reasons };
}

/** The total in the rule's currency, if it can be known. */
export function comparableTotal(
  d: Pick<PurchaseDraft, 'quantity' | 'price'>,
  currency: string,
): number | undefined {
  if (!d.price.known) return undefined;
  if (d.price.currency.toUpperCase() === currency.toUpperCase()) return totalPrice(d);
  const converted = d.price.converted;
  return converted && converted.currency.toUpperCase() === currency.toUpperCase()
    ? converted.amount
    : undefined;
}

export function isApprover(
  userId: string,
  approvers: { userIds: readonly string[] },
  groupMembers: readonly string[],
): boolean {
  return approvers.userIds.includes(userId) || groupMembers.includes(userId);
}
