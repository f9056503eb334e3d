import { CANCELLATION } from '../purchases/lifecycle';
import {
  totalPrice,
  type ApprovalRuleReason,
  type Attention,
  type Failure,
  type Kind,
  type OrderLine,
  type OrderSummary,
  type PriceFacts,
  type PurchaseDraft,
  type PurchaseRequest,
  type RegistrationState,
} from '../purchases/model';
import type { Notice } from '../purchases/notices';
import type { Field, Problem } from '../purchases/policy';
import type { RefusalCode } from '../purchases/state-machine';
import {
  amount,
  escapeMrkdwn,
  humanBillingCycle,
  humanTerm,
  money,
  plural,
  quote,
  slackDate,
  slackDay,
  truncate,
  user,
} from './text';

/**
 * Every word a person reads from the bot, built here from facts: escaped, within Slack's limits,
 * with Slack date tokens and currency-aware amounts, readable terms, and never an environment
 * variable name or an internal state (operator hints go to the logs and /readyz).
 */

export const KIND_LABELS: Record<Kind, string> = {
  software_subscription: 'Software subscription',
  perpetual_software: 'Perpetual software',
  azure_reservation: 'Azure reservation',
};

const KIND_PLURAL: Record<Kind, string> = {
  software_subscription: 'Software subscriptions',
  perpetual_software: 'Perpetual software licences',
  azure_reservation: 'Azure reservations',
};

// ---------------------------------------------------------------------------------------------------
// A request, in words

export const STATUS_LABEL: Record<PurchaseRequest['status'], string> = {
  pending_approval: ':hourglass_flowing_sand: Waiting for approval',
  approved: ':white_check_mark: Approved, ordering now',
  rejected: ':no_entry: Rejected',
  expired: ':alarm_clock: Expired without a decision',
  cancelled: ':wastebasket: Withdrawn by the requester',
  ordering: ':gear: Approved, ordering from Partner Center',
  attention: ':rotating_light: Needs attention',
  ordered: ':package: Ordered, waiting for Microsoft to list the order',
  confirmed: ':tada: Ordered and confirmed',
  failed: ':x: Purchase failed',
  order_cancelled: ':leftwards_arrow_with_hook: Order cancelled',
};

export function statusLabel(r: PurchaseRequest): string {
  if (r.status === 'pending_approval' && r.approvals.length > 0 && r.requiredApprovals > r.approvals.length) {
    return ':hourglass_flowing_sand: Waiting for a second approver';
  }
  return STATUS_LABEL[r.status];
}

/** The status without its emoji, for notification text. */
export function statusWords(r: PurchaseRequest): string {
  return statusLabel(r).replace(/^:[a-z_]+: /, '');
}

export function termText(r: Pick<PurchaseDraft, 'termDuration' | 'billingCycle'>): string {
  return `${humanTerm(r.termDuration)}, ${humanBillingCycle(r.billingCycle)}`;
}

const PRICE_UNKNOWN: Record<Extract<PriceFacts, { known: false }>['reason'], string> = {
  no_user_credentials: "Price unknown: the bot is not signed in to Microsoft's price sheets",
  not_in_price_sheet: "Price unknown: this item is not in Microsoft's price sheet",
  price_sheet_unavailable: "Price unknown: Microsoft's price sheet could not be read",
};

/** "$700.00 × 2 = *$1,400.00* (partner price …)" or why the price is unknown. */
export function priceText(r: Pick<PurchaseDraft, 'price' | 'quantity'>): string {
  const p = r.price;
  if (!p.known) return PRICE_UNKNOWN[p.reason];
  const total = totalPrice(r) ?? 0;
  const converted = p.converted ? ` (≈ ${money(p.converted.amount, p.converted.currency)})` : '';
  return `${money(p.unit, p.currency)} × ${r.quantity} = *${money(total, p.currency)}*${converted}\n_Partner price from Microsoft's price sheet (${escapeMrkdwn(sheetName(p.source))})_`;
}

/** "azure_reservations price sheet" (the sheet's view, as pricing records it) in words: "Azure reservations". */
function sheetName(source: string): string {
  const view = source.replace(/ price sheet$/, '');
  return view === 'azure_reservations' ? 'Azure reservations' : view.replace(/_/g, ' ');
}

/** One line: the total, or "price unknown". */
export function totalText(r: Pick<PurchaseDraft, 'price' | 'quantity'>): string {
  const total = totalPrice(r);
  return total === undefined || !r.price.known ? 'price unknown' : money(total, r.price.currency);
}

const APPROVAL_REASON: Record<ApprovalRuleReason, string> = {
  quantity: 'the quantity is above the dual-approval threshold',
  amount: 'the total is above the dual-approval amount',
  price_unknown: 'the price is unknown, so the amount rule cannot be checked',
};

export function approvalReasonsText(reasons: readonly ApprovalRuleReason[]): string {
  return reasons.map((r) => APPROVAL_REASON[r]).join('; ');
}

export function cancellationText(kind: Kind): string {
  const rule = CANCELLATION[kind];
  return rule.kind === 'partner_center'
    ? `Cancellable here within ${plural(rule.days, 'day')} of purchase (refund prorated)`
    : 'Not cancellable here: cancel or exchange it in the Azure portal (an early-termination fee may apply)';
}

const REGISTRATION_WORDS: Record<RegistrationState, string> = {
  registered: 'registered for reservations',
  registering: 'being registered for reservations',
  not_registered: 'not registered yet (the bot registers it after approval)',
  unknown: 'registration not known yet',
};

export function azureText(r: PurchaseDraft): string {
  if (!r.azure) return '';
  if (r.azure.kind === 'new_plan') {
    return `New Azure plan for ${escapeMrkdwn(r.customerName)}\n_Two purchases follow one approval: the Azure plan, then the reservation on it._`;
  }
  const plan = r.azure.plan === 'azure_plan' ? 'Azure plan' : 'Azure subscription (MS-AZR-0145P)';
  return `${plan} \`${escapeMrkdwn(r.azure.subscriptionId)}\`\n${REGISTRATION_WORDS[r.azure.registration]}`;
}

export function orderLines(orders: readonly OrderSummary[]): string {
  return orders
    .flatMap((o) => [`*Order \`${escapeMrkdwn(o.id)}\`*`, ...o.lineItems.map((l) => `  • ${lineText(l)}`)])
    .join('\n');
}

function lineText(l: OrderLine): string {
  const name = escapeMrkdwn(truncate(l.friendlyName.replace(/^PR-[A-Z0-9]+ /, ''), 150));
  return `${l.quantity} × ${name}${l.termDuration ? ` (${humanTerm(l.termDuration)})` : ''}`;
}

// ---------------------------------------------------------------------------------------------------
// Problems with a form, on their field

export function problemText(p: Problem): string {
  switch (p.code) {
    case 'required':
      return REQUIRED[p.field];
    case 'customer_unknown':
      return 'Partner Center does not know this customer any more. Choose another.';
    case 'customer_no_country':
      return 'This customer has no billing country in Partner Center, so no market applies. Fix the billing profile in Partner Center first.';
    case 'agreement_missing':
      return 'This customer has not accepted the Microsoft Customer Agreement, which Microsoft requires for this purchase. Ask the customer to accept it in the Microsoft 365 admin center (or confirm their acceptance in Partner Center), then submit again.';
    case 'market_closed':
      return `${KIND_PLURAL[p.kind]} cannot be sold in ${escapeMrkdwn(p.market)} (${p.country}): Microsoft lists it as an unavailable market. Pick another kind, or a customer billed elsewhere.`;
    case 'perpetual_unqualified':
      return 'Perpetual software needs Microsoft to qualify the partner first, and this partner is not qualified yet. Ask your Partner Center administrator.';
    case 'kind_mismatch':
      return `This product is ${KIND_LABELS[p.product].toLowerCase()}, not ${KIND_LABELS[p.chosen].toLowerCase()}. Choose the kind again, or another product.`;
    case 'product_unknown':
      return "Partner Center does not sell this product in the customer's market. Choose another.";
    case 'sku_not_sold':
      return `This SKU is not sold in ${p.country}. Choose another.`;
    case 'availability_gone':
      return 'Partner Center no longer offers this term. Choose the term again.';
    case 'scope_mismatch':
      return 'This term belongs to the other kind of Azure subscription (Azure plan or Microsoft Azure). Choose the term again.';
    case 'segment_mismatch':
      return `This term is offered to ${escapeMrkdwn(p.offered)} customers, and this customer is ${p.segment}. Choose another term.`;
    case 'quantity_range':
      return `Enter a whole number from ${p.min} to ${p.max}.`;
    case 'subscription_foreign':
      return 'This Azure subscription does not belong to the chosen customer. Choose one of theirs.';
    case 'subscription_not_azure':
      return 'A reservation needs an Azure subscription (an Azure plan or a Microsoft Azure subscription); this one is not. Choose another.';
    case 'subscription_inactive':
      return 'This Azure subscription is not active. Choose an active one.';
    case 'out_of_stock':
      return `Out of stock${p.region ? ` in ${escapeMrkdwn(p.region)}` : ''}${p.detail ? `: ${escapeMrkdwn(truncate(p.detail, 200))}` : ''}. Choose another SKU or region.`;
    case 'attestation_required':
      return 'Microsoft requires you to accept the statement above for this product.';
    case 'justification_short':
      return `Say in a sentence why this is needed (${p.min} characters at least).`;
    case 'text_short':
      return `Write at least ${plural(p.min, 'character')}.`;
    case 'text_too_long':
      return `Keep it to ${p.max} characters or fewer (this is ${p.length}).`;
    case 'partner_center_unreachable':
      return 'Partner Center could not be reached to check this. Try again in a minute; nothing was sent.';
    default: {
      const unreachable: never = p;
      throw new Error(`Unhandled problem ${JSON.stringify(unreachable)}`);
    }
  }
}

const REQUIRED: Record<Field, string> = {
  customer: 'Choose a customer.',
  kind: 'Choose what kind of purchase this is.',
  product: 'Choose a product.',
  sku: 'Choose a SKU.',
  availability: 'Choose a term.',
  quantity: 'Enter a quantity.',
  azure_subscription: 'A reservation needs the Azure subscription it applies to.',
  attestation: 'Tick the statement to go on.',
  justification: 'Say why this is needed.',
};

// ---------------------------------------------------------------------------------------------------
// Failures: what Partner Center said, and what to do next

const NEXT_STEP_BY_PC_CODE: Record<string, string> = {
  '800030': 'Register the Azure subscription for reservations, then submit the request again.',
  '10011': 'Register the Azure subscription for reservations, then submit the request again.',
  '800013': 'Register the Azure subscription for reservations, then submit the request again.',
  '400019': 'The term is no longer offered: submit a new request and choose the term again.',
  '800010': 'Choose another SKU or region; this one has no capacity.',
  '10003': 'Choose another SKU or region; this one has no capacity.',
  '800070': "This product cannot be sold in the customer's market.",
  '2030':
    "The partner is not set up to sell in the customer's country: ask your Partner Center administrator.",
  '800020':
    'This item cannot be bought by this partner (perpetual software needs Microsoft to qualify the partner): ask your Partner Center administrator.',
  '900121': "Ask Microsoft (Partner Center support) to raise the partner's credit limit, then submit again.",
  '800023': "Ask Microsoft (Partner Center support) to raise the partner's credit line, then submit again.",
  '800025': "Ask Microsoft (Partner Center support) to raise the partner's credit line, then submit again.",
  '800011': 'Choose an active Azure subscription of this customer and submit again.',
  '800012': 'Choose an active Azure subscription of this customer and submit again.',
  '10007': 'Choose an active Azure subscription of this customer and submit again.',
  '900315':
    'This reservation cannot be bought on that kind of Azure subscription: choose another subscription and submit again.',
  '13605':
    'The customer must accept the Microsoft Customer Agreement first (Microsoft 365 admin center), or the partner must confirm their acceptance in Partner Center; then submit again.',
  '900203': 'This product needs the attestation accepted: submit again and tick the statement.',
  '10012': 'This product needs the attestation accepted: submit again and tick the statement.',
  '800069': "The order failed Microsoft's risk check: contact Partner Center support.",
  '800073': 'The customer account is under review at Microsoft: contact Partner Center support.',
  '800074': 'The customer account is not approved at Microsoft: contact Partner Center support.',
  '800075': 'The customer account is not approved at Microsoft: contact Partner Center support.',
  '800086': 'The customer is not in the segment this product is sold to: choose another term or product.',
};

const FAILURE_WORDS: Record<Failure['code'], string> = {
  refused: 'Partner Center refused the purchase.',
  registration_timeout:
    'The Azure subscription was still not registered for reservations after an hour of checks.',
  availability_gone: 'Partner Center no longer offers the chosen term.',
  cart_missing: 'Partner Center no longer has the cart (carts expire after 7 days).',
  plan_refused: 'Partner Center refused the new Azure plan.',
  plan_timeout: 'The new Azure plan was ordered but Microsoft had not finished setting it up in time.',
  partner_center_down: 'Partner Center kept failing, so the purchase could not go through.',
  internal: 'The purchase stopped on an unexpected error on our side.',
};

const FAILURE_NEXT: Record<Failure['code'], string> = {
  refused: 'Check the details with an approver and submit a new request.',
  registration_timeout: 'Check the subscription in Partner Center, then submit the request again.',
  availability_gone: 'Submit a new request with a term that is offered now.',
  cart_missing: 'Submit the request again.',
  plan_refused: 'Check the customer in Partner Center, then submit the request again.',
  plan_timeout:
    'An approver should check the Azure plan order in Partner Center before anything is bought again.',
  partner_center_down:
    'Submit the request again later, or ask an approver to check the Partner Center status page.',
  internal: 'An approver should look at the request (`/purchase status`) before anything is bought again.',
};

/** What went wrong, in Partner Center's words where it gave some. */
export function failureText(f: Failure): string {
  const said = f.pcMessage
    ? ` Partner Center said: “${escapeMrkdwn(truncate(f.pcMessage, 600))}”${f.pcCode ? ` (code ${escapeMrkdwn(f.pcCode)})` : ''}.`
    : f.pcCode
      ? ` (Partner Center code ${escapeMrkdwn(f.pcCode)})`
      : '';
  return `${FAILURE_WORDS[f.code]}${said}`;
}

/** What to do next; "Nothing was bought" only when Partner Center said so before any order could exist. */
export function nextStepText(f: Failure): string {
  const step = (f.pcCode ? NEXT_STEP_BY_PC_CODE[f.pcCode] : undefined) ?? FAILURE_NEXT[f.code];
  if (f.nothingBought) return `${step} Nothing was bought.`;
  if (f.stage === 'purchase' || f.stage === undefined) {
    return `${step} Something may have been bought: an approver must check the customer's orders in Partner Center before anyone buys again.`;
  }
  return `${step} The new Azure plan exists; the reservation was not bought.`;
}

// ---------------------------------------------------------------------------------------------------
// Attention

const ORDER_STATUS_ADVICE: Record<string, string> = {
  error:
    'Microsoft could not fulfil the order. Microsoft says to buy the unfulfilled items again: submit a new request once an approver has checked the order in Partner Center.',
  partial_success:
    'Microsoft fulfilled only part of the order. Microsoft says to buy the unfulfilled items again: check which in Partner Center, then submit a new request for them.',
  pending_review:
    'Microsoft is reviewing the order and may ask the partner for documents. Watch Partner Center for the request; nothing else to do here yet.',
  pending_po_upload:
    "Microsoft needs the customer's purchase order: upload it for this order in Partner Center.",
  po_review_rejected:
    "Microsoft rejected the purchase order, so the order won't be processed. Fix the purchase order in Partner Center or submit a new request.",
  cancelled: 'The order was cancelled.',
  suspended: 'Microsoft suspended the order: contact Partner Center support.',
};

export function orderStatusWords(status: string): string {
  return status.replace(/_/g, ' ');
}

export function attentionText(a: Attention): string {
  switch (a.reason) {
    case 'outcome_unknown':
      return `Partner Center did not say whether the order went through${a.pcCode ? ` (code ${escapeMrkdwn(a.pcCode)})` : ''}. The order may exist: *do not buy this again*. I am looking for it in the customer's orders (Microsoft lists new orders up to 15 minutes late).`;
    case 'order_status': {
      const key = a.orderStatus.replace(/[\s-]/g, '_').toLowerCase();
      const lines = a.lines.map((l) => `  • ${lineText(l)}`).join('\n');
      return `Order \`${escapeMrkdwn(a.orderId)}\` ended *${escapeMrkdwn(orderStatusWords(key))}*.\n${ORDER_STATUS_ADVICE[key] ?? 'Check the order in Partner Center.'}${lines ? `\nAffected items:\n${lines}` : ''}`;
    }
    case 'order_missing':
      return `Order ${a.orderIds.map((id) => `\`${escapeMrkdwn(id)}\``).join(', ')} still does not appear in the customer's order list after ${plural(a.checks, 'check')}. Partner Center accepted it at checkout: check the order in Partner Center before buying again.`;
    default: {
      const unreachable: never = a;
      throw new Error(`Unhandled attention ${JSON.stringify(unreachable)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Notices: what people are told as a request moves

export type Audience = 'requester' | 'approvers';

/** The words of a notice about request `r`, for its requester (in their thread) or its approvers. */
export function noticeText(n: Notice, r: PurchaseRequest, audience: Audience): string {
  const id = `*${r.id}*`;
  const what = `${r.quantity} × ${escapeMrkdwn(truncate(r.skuTitle, 120))} for ${escapeMrkdwn(r.customerName)}`;
  const yours = audience === 'requester' ? 'your request' : `request ${id} (${what})`;
  switch (n.kind) {
    case 'approved':
      return n.complete
        ? `:white_check_mark: ${user(n.by)} approved ${yours}. Ordering from Partner Center now.`
        : `:ballot_box_with_check: ${user(n.by)} approved ${yours}. It needs one more, different approver.`;
    case 'rejected':
      return `:no_entry: ${user(n.by)} rejected ${yours}:\n${quote(n.reason, 1000)}\nNothing was bought. You can send it again with *Submit again*.`;
    case 'withdrawn':
      return `:wastebasket: ${user(n.by)} withdrew request ${id} (${what}). Nothing to decide.`;
    case 'expired':
      return `:alarm_clock: ${audience === 'requester' ? 'Your request' : `Request ${id}`} expired: no approver decided in time. Nothing was bought${audience === 'requester' ? '; use *Submit again* if it is still needed' : ''}.`;
    case 'reminder':
      return `:bell: Reminder: request ${id} (${what}, ${totalText(r)}) expires ${slackDate(n.expiresAt)} unless an approver decides.`;
    case 'escalation':
      return `:mega: Request ${id} (${what}, ${totalText(r)}) has waited ${hours(n.waitedMs)} for an approver and expires ${slackDate(r.expiresAt)}.`;
    case 'question':
      return `:speech_balloon: ${user(n.by)} asks about ${audience === 'requester' ? 'your request' : `request ${id}`}:\n${quote(n.text)}${audience === 'requester' ? '\nAnswer with the *Answer* button on your request.' : ''}`;
    case 'answer':
      return `:speech_balloon: ${user(n.by)} answered about request ${id}:\n${quote(n.text)}`;
    case 'registration':
      return n.status === 'registered'
        ? `:white_check_mark: Azure subscription \`${escapeMrkdwn(n.subscriptionId)}\` is registered for reservations.`
        : `:hourglass_flowing_sand: Registering Azure subscription \`${escapeMrkdwn(n.subscriptionId)}\` for reservations. Microsoft takes a few minutes; the purchase goes on by itself.`;
    case 'plan_ordering':
      return `:gear: First purchase of two: ordering a new Azure plan for ${escapeMrkdwn(r.customerName)}.`;
    case 'plan_ordered':
      return `:package: Partner Center accepted the Azure plan order \`${escapeMrkdwn(n.orderId)}\`. Waiting for Microsoft to set it up.`;
    case 'plan_ready':
      return `:white_check_mark: The new Azure plan is ready (\`${escapeMrkdwn(n.subscriptionId)}\`). Second purchase: the reservation on it.`;
    case 'ordered': {
      const refused = n.refusedGroups.length
        ? `\n:warning: Part of the cart was refused: ${n.refusedGroups.map((g) => `${escapeMrkdwn(g.description)} (code ${escapeMrkdwn(g.code)})`).join('; ')}`
        : '';
      return `:package: Partner Center accepted the order for ${audience === 'requester' ? 'your request' : `request ${id}`}.\n${orderLines(n.orders)}${refused}\nI will confirm it in the customer's order list (Microsoft lists new orders up to 15 minutes late).`;
    }
    case 'confirmed':
      return `:tada: Confirmed: ${n.orders.map((o) => `\`${escapeMrkdwn(o.id)}\``).join(', ')} ${n.orders.length > 1 ? 'are' : 'is'} complete and in ${escapeMrkdwn(r.customerName)}'s order list. Request ${id} is done.`;
    case 'outcome_unknown':
      return `:rotating_light: Request ${id} (${what}): ${attentionText({ reason: 'outcome_unknown', since: 0, cartId: '', pcCode: n.pcCode, pcMessage: n.pcMessage, searches: 0 })}`;
    case 'order_found':
      return `:mag: Found the order for request ${id} in the customer's orders:\n${orderLines(n.orders)}\nNothing else was bought; confirming it now.`;
    case 'order_not_found_yet':
      return `:mag: Request ${id}: no order found yet in ${escapeMrkdwn(r.customerName)}'s orders (${plural(n.searches, 'search', 'searches')} since ${slackDate(n.since)}). It may still appear: *do not buy again* until an approver has checked Partner Center.`;
    case 'order_status':
      return `:rotating_light: Request ${id} (${what}): ${attentionText({ reason: 'order_status', orderId: n.orderId, orderStatus: n.orderStatus, lines: n.lines })}`;
    case 'order_missing':
      return `:warning: Request ${id}: ${attentionText({ reason: 'order_missing', orderIds: n.orderIds, checks: n.checks })}`;
    case 'failed':
      return `:x: The purchase for request ${id} (${what}) failed. ${failureText(n.failure)}\n*What to do next:* ${nextStepText(n.failure)}`;
    case 'card_undeliverable':
      return `:warning: ${audience === 'requester' ? 'Your request' : `Request ${id}`} could not be shown to the approvers: I cannot post in the approvals channel. An administrator must invite me there; until then, tell an approver yourself.`;
    case 'cancel_window_closing':
      return `:hourglass: Request ${id}: the order can be cancelled with a refund until ${slackDate(n.until)}. After that it cannot be cancelled here.`;
    case 'order_cancelled':
      return `:leftwards_arrow_with_hook: ${user(n.by)} cancelled the order of request ${id} (${what}) in Partner Center. Microsoft refunds it prorated.`;
    case 'cancel_refused':
      return `:no_entry: Partner Center refused to cancel the order of request ${id}${n.pcMessage ? `: “${escapeMrkdwn(truncate(n.pcMessage, 300))}”` : ''}. ${n.windowClosed ? 'The cancellation window has closed, so the order stays.' : 'This order cannot be cancelled here.'}`;
    case 'invoiced':
      return `:receipt: ${audience === 'requester' ? `Your request ${id}` : `Request ${id}`} (${what}) was charged on invoice \`${escapeMrkdwn(n.invoiceId)}\` dated ${escapeMrkdwn(n.invoiceDate)}: ${amount(n.amount, n.currency)}.`;
    default: {
      const unreachable: never = n;
      throw new Error(`Unhandled notice ${JSON.stringify(unreachable)}`);
    }
  }
}

function hours(ms: number): string {
  const h = Math.round(ms / 3_600_000);
  return h >= 1 ? plural(h, 'hour') : plural(Math.max(1, Math.round(ms / 60_000)), 'minute');
}

// ---------------------------------------------------------------------------------------------------
// Refusals of a click or a command

export type DecisionRefusal =
  | RefusalCode
  | 'not_found'
  | 'not_approver'
  | 'not_allowed'
  | 'cancel_window_closed'
  | 'not_cancellable'
  | 'nothing_to_cancel';

export function refusalText(
  code: DecisionRefusal,
  requestId: string,
  status?: PurchaseRequest['status'],
): string {
  const state = status ? STATUS_LABEL[status].replace(/^:[a-z_]+: /, '').toLowerCase() : '';
  switch (code) {
    case 'not_found':
    case 'not_allowed':
      return `There is no request ${escapeMrkdwn(requestId)} that you can see. \`/purchase mine\` lists yours.`;
    case 'self_approval':
      return 'You cannot decide on your own request: another approver has to. `/purchase cancel` withdraws it.';
    case 'already_approved_by_you':
      return `You already approved ${requestId}. A second, different approver is needed.`;
    case 'not_pending':
      return `Request ${requestId} is already decided (${state}). Nothing changed.`;
    case 'not_requester':
      return `Only the person who asked for ${requestId} can do that.`;
    case 'expired':
      return `Request ${requestId} expired before this click, so nothing was bought. The requester can use *Submit again*.`;
    case 'not_approver':
      return 'Only approvers can decide on purchase requests. Ask one of them.';
    case 'invalid_transition':
      return `Request ${requestId} cannot change now (${state}).`;
    case 'cancel_window_closed':
      return `The cancellation window of ${requestId} has closed: Microsoft no longer lets this order be cancelled.`;
    case 'not_cancellable':
      return `${requestId} cannot be cancelled here: reservations are cancelled or exchanged in the Azure portal.`;
    case 'nothing_to_cancel':
      return `${requestId} has no order to cancel.`;
    default: {
      const unreachable: never = code;
      throw new Error(`Unhandled refusal ${String(unreachable)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Commands

export const HELP_TEXT = [
  '*/purchase* — open the purchase request form',
  '*/purchase status PR-…* — where a request stands, with its history',
  '*/purchase mine* — your open requests',
  '*/purchase cancel PR-…* — withdraw your request while it waits for approval',
  '*/purchase balance* — account balance and invoice summaries (finance)',
  '*/purchase invoices [page]* — recent invoices (finance)',
  '*/purchase invoice INVOICE-ID* — an invoice with its PDF and one-time line items (finance)',
  "*/purchase orders CUSTOMER [OneTime|Recurring]* — a customer's orders (finance)",
  "*/purchase entitlements CUSTOMER* — a customer's entitlements and reservations (finance)",
  '*/purchase audit [FROM] [TO]* — every request with its decisions, orders and invoices, as a CSV (approvers and finance)',
  '*/purchase help* — this list',
].join('\n');

export function unknownCommandText(word: string): string {
  return `I don't know \`${escapeMrkdwn(truncate(word, 40))}\`.\n${HELP_TEXT}`;
}

export const OTHER_WORKSPACE_TEXT =
  'This purchase bot serves one workspace only, and this is not it. Nothing was opened or recorded.';
export const GUEST_TEXT =
  'Guests cannot request purchases. Ask a member of your organisation to request it for you.';
export const NOT_REQUESTER_TEXT =
  'Only members of the requesters group can request purchases. Ask your administrator to add you.';
/** An option list's one line when Partner Center is slow or not answering. */
export const PARTNER_CENTER_SLOW = 'Partner Center is slow: type again in a moment';
export const OPENING_FORM_TEXT = 'Opening the request form…';
export const FORM_UNAVAILABLE_TEXT =
  'Sorry, the form could not be opened: Slack did not answer in time. Close this and try again in a minute.';
export const SOMETHING_FAILED_TEXT =
  'Sorry, that failed on our side and nothing was changed. Try again in a minute.';

// The request form's own lines (services/forms.ts) and its option lists' hints (services/options.ts).
export const FORM_CHECKING_TEXT =
  ':mag: Checking your request with Partner Center… this takes a few seconds.';
export const FORM_NEEDS_CHANGES_TEXT = 'Some choices need changing: see below.';
export const FORM_SENDING_TEXT = ':hourglass_flowing_sand: Sending your request to the approvers…';

export type OptionHint =
  | { kind: 'customer_first' | 'kind_first' | 'product_first' | 'sku_first' }
  | { kind: 'unknown_customer' | 'no_country' }
  | { kind: 'not_offered'; country: string };

/** The one line an option list shows instead of options (plain text, ≤ 75 characters). */
export function optionHintText(h: OptionHint): string {
  switch (h.kind) {
    case 'customer_first':
      return 'Choose the customer first';
    case 'kind_first':
      return 'Choose the kind first';
    case 'product_first':
      return 'Choose the product first';
    case 'sku_first':
      return 'Choose the SKU first';
    case 'unknown_customer':
      return 'Partner Center does not know this customer';
    case 'no_country':
      return 'This customer has no billing country';
    case 'not_offered':
      return truncate(`Not offered to this customer in ${h.country}`, 75);
  }
}

export const NO_OPEN_REQUESTS_TEXT = 'You have no open purchase requests. `/purchase` starts one.';

export function usageText(usage: string): string {
  return `Usage: \`${usage}\``;
}

/** What the sender of a reject reason, question or answer is told once it went through. */
export function textSentText(what: 'reject' | 'question' | 'answer', requestId: string): string {
  switch (what) {
    case 'reject':
      return `Rejected ${requestId}. The requester has your reason.`;
    case 'question':
      return `Your question about ${requestId} went to the requester.`;
    case 'answer':
      return `Your answer about ${requestId} went to the approvers.`;
  }
}

export function submittedText(r: PurchaseRequest): string {
  return `:white_check_mark: Request *${r.id}* (${r.quantity} × ${escapeMrkdwn(r.skuTitle)} for ${escapeMrkdwn(r.customerName)}, ${totalText(r)}) is waiting for approval.\nFollow it in your direct messages with me, or with \`/purchase status ${r.id}\`.`;
}

export function windowText(until: number): string {
  return `Cancellable until ${slackDay(until)}`;
}
