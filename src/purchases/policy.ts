import markets from './data/unavailable-markets.json';
import { KIND_LABELS, type Kind, type PurchaseDraft, totalPrice } from './model';

/**
 * Business rules checked before a request reaches an approver. Pure: callers pass the facts
 * (catalog answers, the customer's subscriptions) in.
 */

interface Market {
  name: string;
  iso2: string;
}

/** ISO code → market name(s); some codes cover several listed places (BQ: Bonaire, Saba, Sint Eustatius). */
function byCode(list: Market[]): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const m of list) map.set(m.iso2, map.has(m.iso2) ? `${map.get(m.iso2)}, ${m.name}` : m.name);
  return map;
}

const closed: Record<Kind, ReadonlyMap<string, string>> = {
  software_subscription: byCode(markets.softwareSubscriptions),
  azure_reservation: byCode(markets.azureReservations),
  // Perpetual software has no market list: it needs prior qualification instead (seed doc).
  perpetual_software: new Map(),
};

/** The market's name when the kind cannot be sold there, else undefined. */
export function closedMarket(kind: Kind, country: string): string | undefined {
  return closed[kind].get(country.toUpperCase());
}

export function marketClosedMessage(kind: Kind, country: string): string | undefined {
  const name = closedMarket(kind, country);
  if (!name) return undefined;
  return `${KIND_LABELS[kind]}s cannot be sold in ${name} (${country.toUpperCase()}): Microsoft lists it as an unavailable market. Pick another kind of purchase, or a customer billed elsewhere.`;
}

export type FieldErrors = Partial<
  Record<
    | 'customer'
    | 'kind'
    | 'product'
    | 'sku'
    | 'availability'
    | 'quantity'
    | 'azure_subscription'
    | 'justification',
    string
  >
>;

export interface CheckFacts {
  perpetualQualified: boolean;
  maxQuantity: number;
  /** Azure subscription ids that belong to the customer, when the kind needs one. */
  customerSubscriptionIds?: readonly string[] | undefined;
  /** false when Partner Center no longer offers the chosen availability. */
  availabilityOffered?: boolean | undefined;
  /** Inventory answer for SKUs with the InventoryCheck prerequisite. */
  inventory?: { required: boolean; available: boolean; detail?: string | undefined } | undefined;
}

/** Every rule that can refuse a request, each error on the field the requester must change. */
export function checkDraft(
  d: Pick<PurchaseDraft, 'kind' | 'country' | 'quantity' | 'azureSubscriptionId' | 'justification'>,
  facts: CheckFacts,
): FieldErrors {
  const errors: FieldErrors = {};
  const market = marketClosedMessage(d.kind, d.country);
  if (market) errors.kind = market;
  if (d.kind === 'perpetual_software' && !facts.perpetualQualified) {
    errors.kind =
      'Perpetual software needs the partner to be qualified by Microsoft first, and this partner is not (PARTNER_PERPETUAL_QUALIFIED). Contact Partner Center support to get qualified.';
  }
  if (!Number.isInteger(d.quantity) || d.quantity < 1 || d.quantity > facts.maxQuantity) {
    errors.quantity = `Enter a whole number from 1 to ${facts.maxQuantity}.`;
  }
  if (d.kind === 'azure_reservation') {
    if (!d.azureSubscriptionId)
      errors.azure_subscription = 'A reservation needs the Azure subscription it applies to.';
    else if (
      facts.customerSubscriptionIds &&
      !facts.customerSubscriptionIds.includes(d.azureSubscriptionId)
    ) {
      errors.azure_subscription = 'This Azure subscription does not belong to the selected customer.';
    }
  }
  if (facts.availabilityOffered === false) {
    errors.availability = 'Partner Center no longer offers this term. Pick the term again.';
  }
  if (facts.inventory?.required && !facts.inventory.available) {
    errors.sku = `Out of stock: ${facts.inventory.detail ?? 'Partner Center reports no inventory for this SKU'}. Pick another SKU or region.`;
  }
  if (d.justification.trim().length < 10)
    errors.justification = 'Say in a sentence why this is needed (10 characters at least).';
  return errors;
}

/** How many distinct approvers a request needs. 0 thresholds mean the rule is off. */
export function requiredApprovals(
  d: Pick<PurchaseDraft, 'quantity' | 'unitPrice'>,
  rule: { dualApprovalQuantity: number; dualApprovalAmount: number },
): 1 | 2 {
  if (rule.dualApprovalQuantity > 0 && d.quantity > rule.dualApprovalQuantity) return 2;
  const total = totalPrice(d);
  if (rule.dualApprovalAmount > 0 && total !== undefined && total > rule.dualApprovalAmount) return 2;
  return 1;
}

export function isApprover(
  userId: string,
  approvers: { userIds: readonly string[] },
  groupMembers: readonly string[],
): boolean {
  return approvers.userIds.includes(userId) || groupMembers.includes(userId);
}
