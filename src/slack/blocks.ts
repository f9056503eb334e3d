import type { Button, KnownBlock, PlainTextOption as Option, View } from '@slack/types';
import type { AuditEntry } from '../purchases/audit';
import { canCancelOrder, cancellableUntil } from '../purchases/lifecycle';
import { KINDS, ordersOf, type Kind, type PurchaseRequest } from '../purchases/model';
import { JUSTIFICATION, TEXT_BOUNDS, type Field, type FieldProblems } from '../purchases/policy';
import { encodeMetadata, encodeRequestRef, type FormValues, type ModalMetadata } from './codecs';
import { ATTESTATION_ACCEPTED, IDS } from './ids';
import {
  KIND_LABELS,
  approvalReasonsText,
  attentionText,
  azureText,
  cancellationText,
  failureText,
  nextStepText,
  orderLines,
  priceText,
  problemText,
  statusLabel,
  statusWords,
  termText,
  totalText,
  windowText,
} from './messages';
import { escapeMrkdwn, mrkdwn, plain, quote, slackDate, truncate, user } from './text';

/**
 * Block Kit as pure functions of state. Slack's limits (characters): option text 75, option value
 * 150, section text 3000, field 2000, header 150, button text 75, confirm text 300, modal title 24,
 * blocks per message 50, per modal or home tab 100, options per list 100, private_metadata 3000.
 */
export const LIMITS = {
  optionText: 75,
  optionValue: 150,
  sectionText: 3000,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  confirmText: 300,
  modalTitle: 24,
  messageBlocks: 50,
  modalBlocks: 100,
  homeBlocks: 100,
  options: 100,
  privateMetadata: 3000,
  /** Fallback `text` of a message: chat.update refuses more than 4000. */
  fallbackText: 3000,
} as const;

export interface Message {
  text: string;
  blocks: KnownBlock[];
}

export function option(text: string, value: string, description?: string): Option {
  if (value.length > LIMITS.optionValue)
    throw new Error(`Option value over ${LIMITS.optionValue} characters`);
  const o: Option = { text: plain(text, LIMITS.optionText), value };
  if (description) o.description = plain(description, LIMITS.optionText);
  return o;
}

export const kindOptions: Option[] = KINDS.map((k) => option(KIND_LABELS[k], k));

// ---------------------------------------------------------------------------------------------------
// The request form

export interface ModalState {
  values: FormValues;
  maxQuantity: number;
  metadata: ModalMetadata;
  /** Shown at the top: a check under way, or what to fix. */
  notice?: string | undefined;
  /** Verdicts of the checks made while the form is filled, under their field. */
  problems?: FieldProblems | undefined;
  /** The SKU's attestation statement, when it enforces one. */
  attestationText?: string | undefined;
  /** Offer "New Azure plan" (the customer has no Azure subscription that can hold a reservation). */
  newPlanFor?: string | undefined;
}

function externalSelect(
  blockId: string,
  label: string,
  placeholder: string,
  initial: { value: string; label: string } | undefined,
  hint?: string,
): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    dispatch_action: true,
    label: plain(label, 2000),
    ...(hint ? { hint: plain(hint, 2000) } : {}),
    element: {
      type: 'external_select',
      action_id: blockId,
      placeholder: plain(placeholder, 150),
      min_query_length: 0,
      // A re-render keeps what was chosen: Slack shows initial_option of an external select as given.
      ...(initial ? { initial_option: option(initial.label, initial.value) } : {}),
    },
  };
}

/** The /purchase request form. Re-rendering it never loses what was typed. */
export function buildRequestModal(state: ModalState): View {
  const v = state.values;
  const blocks: KnownBlock[] = [];
  if (state.notice) blocks.push({ type: 'section', text: mrkdwn(state.notice) });
  const verdict = (field: Field): void => {
    const p = state.problems?.[field];
    if (p) blocks.push({ type: 'context', elements: [mrkdwn(`:x: ${problemText(p)}`)] });
  };
  blocks.push(
    externalSelect(IDS.blocks.customer, 'Customer', 'Search customers by name or domain', v.customer),
  );
  verdict('customer');
  blocks.push({
    type: 'input',
    block_id: IDS.blocks.kind,
    dispatch_action: true,
    label: plain('Kind of purchase'),
    element: {
      type: 'static_select',
      action_id: IDS.blocks.kind,
      placeholder: plain('Choose a kind'),
      options: kindOptions,
      ...(v.kind ? { initial_option: kindOptions.find((o) => o.value === v.kind) } : {}),
    },
  });
  verdict('kind');
  // The subscription decides the reservation catalog (Azure plan or MS-AZR-0145P): asked before the product.
  if (v.kind === 'azure_reservation') {
    blocks.push(
      externalSelect(
        IDS.blocks.azureSubscription,
        'Azure subscription',
        "Choose one of the customer's Azure subscriptions",
        v.azureSubscription,
        state.newPlanFor
          ? `${state.newPlanFor} has no Azure subscription: choose "New Azure plan" to buy one first`
          : 'It is registered for reservations after approval if it is not yet',
      ),
    );
    verdict('azure_subscription');
  }
  blocks.push(
    externalSelect(
      IDS.blocks.product,
      'Product',
      'Search the catalog',
      v.product,
      "Filtered by the customer's market and the kind",
    ),
  );
  verdict('product');
  blocks.push(externalSelect(IDS.blocks.sku, 'SKU', 'Choose a SKU of the product', v.sku));
  verdict('sku');
  blocks.push(externalSelect(IDS.blocks.availability, 'Term and billing', 'Choose a term', v.availability));
  verdict('availability');
  blocks.push({
    type: 'input',
    block_id: IDS.blocks.quantity,
    label: plain('Quantity'),
    element: {
      type: 'number_input',
      action_id: IDS.blocks.quantity,
      is_decimal_allowed: false,
      min_value: '1',
      max_value: String(state.maxQuantity),
      initial_value: v.quantity && /^\d+$/.test(v.quantity) ? v.quantity : '1',
    },
  });
  verdict('quantity');
  if (state.attestationText) {
    // The statement is longer than a checkbox label may be (75 characters): shown above the box.
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*Microsoft requires this statement for this product:*\n${quote(state.attestationText, 1500)}`,
      ),
    });
    const accept = {
      text: plain('I accept the statement above', LIMITS.optionText),
      value: ATTESTATION_ACCEPTED,
    };
    blocks.push({
      type: 'input',
      block_id: IDS.blocks.attestation,
      label: plain('Attestation'),
      element: {
        type: 'checkboxes',
        action_id: IDS.blocks.attestation,
        options: [accept],
        ...(v.attestation ? { initial_options: [accept] } : {}),
      },
    });
    verdict('attestation');
  }
  blocks.push({
    type: 'input',
    block_id: IDS.blocks.justification,
    label: plain('Justification'),
    element: {
      type: 'plain_text_input',
      action_id: IDS.blocks.justification,
      multiline: true,
      min_length: JUSTIFICATION.min,
      max_length: JUSTIFICATION.max,
      placeholder: plain('Why is this needed? Approvers read this.'),
      ...(v.justification ? { initial_value: truncate(v.justification, JUSTIFICATION.max) } : {}),
    },
  });
  verdict('justification');
  return {
    type: 'modal',
    callback_id: IDS.requestModal,
    title: plain('Purchase request', LIMITS.modalTitle),
    submit: plain('Submit', LIMITS.modalTitle),
    close: plain('Cancel', LIMITS.modalTitle),
    private_metadata: encodeMetadata(state.metadata),
    blocks,
  };
}

/** A modal with one message and a Close button (after submitting). */
export function buildNoticeModal(title: string, text: string): View {
  return {
    type: 'modal',
    title: plain(title, LIMITS.modalTitle),
    close: plain('Close', LIMITS.modalTitle),
    blocks: [{ type: 'section', text: mrkdwn(text) }],
  };
}

function textModal(
  callbackId: string,
  requestId: string,
  title: string,
  submit: string,
  intro: string,
  blockId: string,
  label: string,
  bounds: { min: number; max: number },
): View {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(title, LIMITS.modalTitle),
    submit: plain(submit, LIMITS.modalTitle),
    close: plain('Cancel', LIMITS.modalTitle),
    private_metadata: encodeRequestRef(requestId),
    blocks: [
      { type: 'section', text: mrkdwn(intro) },
      {
        type: 'input',
        block_id: blockId,
        label: plain(label),
        element: {
          type: 'plain_text_input',
          action_id: blockId,
          multiline: true,
          min_length: bounds.min,
          max_length: bounds.max,
        },
      },
    ],
  };
}

export function buildRejectModal(requestId: string): View {
  return textModal(
    IDS.rejectModal,
    requestId,
    'Reject request',
    'Reject',
    `Rejecting request *${escapeMrkdwn(requestId)}*. The requester sees your reason.`,
    IDS.blocks.rejectReason,
    'Reason',
    TEXT_BOUNDS.rejectReason,
  );
}

export function buildAskModal(requestId: string): View {
  return textModal(
    IDS.askModal,
    requestId,
    'Ask a question',
    'Ask',
    `Your question about *${escapeMrkdwn(requestId)}* goes to the requester; their answer comes back to the approvers.`,
    IDS.blocks.question,
    'Question',
    TEXT_BOUNDS.question,
  );
}

export function buildAnswerModal(requestId: string, question: string | undefined): View {
  return textModal(
    IDS.answerModal,
    requestId,
    'Answer',
    'Send',
    `${question ? `The question:\n${quote(question, 1000)}\n` : ''}Your answer goes to the approvers of *${escapeMrkdwn(requestId)}*.`,
    IDS.blocks.answer,
    'Answer',
    TEXT_BOUNDS.answer,
  );
}

// ---------------------------------------------------------------------------------------------------
// The approval card

function decisionLines(r: PurchaseRequest): string[] {
  const lines: string[] = [];
  for (const a of r.approvals) lines.push(`:white_check_mark: Approved by ${user(a.by)} ${slackDate(a.at)}`);
  if (r.status === 'pending_approval' && r.requiredApprovals > r.approvals.length) {
    const left = r.requiredApprovals - r.approvals.length;
    if (r.requiredApprovals > 1) {
      lines.push(
        `:busts_in_silhouette: Needs ${left} more approval${left === 1 ? '' : 's'} from a different approver (${approvalReasonsText(r.approvalReasons ?? [])})`,
      );
    }
  }
  if (r.status === 'rejected') {
    lines.push(
      `:no_entry: Rejected by ${user(r.rejection.by)} ${slackDate(r.rejection.at)}: ${escapeMrkdwn(truncate(r.rejection.reason, 1000))}`,
    );
  }
  if (r.status === 'cancelled')
    lines.push(`:wastebasket: Withdrawn by the requester ${slackDate(r.cancellation.at)}`);
  if (r.status === 'expired')
    lines.push(':alarm_clock: Expired: nobody decided in time. The requester can submit it again.');
  const orders = ordersOf(r);
  if (orders.length) lines.push(orderLines(orders));
  if (r.status === 'attention') lines.push(`:rotating_light: ${attentionText(r.attention)}`);
  if (r.status === 'failed') lines.push(`:x: ${failureText(r.failure)}\n*Next:* ${nextStepText(r.failure)}`);
  if (r.status === 'confirmed') lines.push(":tada: Confirmed in the customer's order list");
  if (r.status === 'order_cancelled')
    lines.push(
      `:leftwards_arrow_with_hook: Order cancelled by ${user(r.orderCancellation.by)} ${slackDate(r.orderCancellation.doneAt)}`,
    );
  for (const c of r.conversation ?? []) {
    lines.push(
      `:speech_balloon: ${user(c.by)} (${c.role}) ${slackDate(c.at)}: ${escapeMrkdwn(truncate(c.text, 500))}`,
    );
  }
  return lines;
}

/** The Approve button asks Slack to confirm, repeating what will be bought (Slack: 300 characters). */
function approveButton(r: PurchaseRequest): Button {
  const what = `${r.quantity} × ${truncate(r.skuTitle, 90)}`;
  const text = truncate(
    `Buy ${what} for ${truncate(r.customerName, 60)}, ${totalText(r)}? Approving orders it from Partner Center.`,
    LIMITS.confirmText,
  );
  return {
    type: 'button',
    action_id: IDS.actions.approve,
    text: plain('Approve', LIMITS.buttonText),
    style: 'primary',
    value: r.id,
    confirm: {
      title: plain('Approve and buy?', 100),
      text: plain(text, LIMITS.confirmText),
      confirm: plain('Approve and buy', 30),
      deny: plain('Not yet', 30),
    },
  };
}

function cancelOrderButton(r: PurchaseRequest): Button {
  return {
    type: 'button',
    action_id: IDS.actions.cancelOrder,
    text: plain('Cancel order', LIMITS.buttonText),
    style: 'danger',
    value: r.id,
    confirm: {
      title: plain('Cancel the order?', 100),
      text: plain(
        truncate(
          `Cancel ${r.quantity} × ${truncate(r.skuTitle, 100)} for ${truncate(r.customerName, 60)} in Partner Center? Microsoft refunds it prorated.`,
          LIMITS.confirmText,
        ),
        LIMITS.confirmText,
      ),
      confirm: plain('Cancel the order', 30),
      deny: plain('Keep it', 30),
    },
  };
}

/** The approval card. Decision buttons exist only while the request is pending; values are the id alone. */
export function buildApprovalCard(r: PurchaseRequest, now: number = Date.now()): Message {
  const fields = [
    `*Requester*\n${user(r.requesterId)}`,
    `*Customer*\n${escapeMrkdwn(r.customerName)} (${escapeMrkdwn(r.country)})`,
    `*Kind*\n${KIND_LABELS[r.kind]}`,
    `*Product*\n${escapeMrkdwn(r.productTitle)}`,
    `*SKU*\n${escapeMrkdwn(r.skuTitle)}`,
    `*Term*\n${termText(r)}`,
    `*Quantity*\n${r.quantity}`,
    `*Price*\n${priceText(r)}`,
  ];
  if (r.kind === 'azure_reservation') fields.push(`*Azure subscription*\n${azureText(r)}`);
  fields.push(`*Cancellation*\n${cancellationText(r.kind)}`);
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`Purchase request ${r.id}`, LIMITS.headerText) },
    { type: 'section', fields: fields.slice(0, 10).map((f) => mrkdwn(f, LIMITS.fieldText)) },
  ];
  if (fields.length > 10)
    blocks.push({ type: 'section', fields: fields.slice(10).map((f) => mrkdwn(f, LIMITS.fieldText)) });
  if (r.attestation)
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`:memo: The requester accepted: ${escapeMrkdwn(truncate(r.attestation.text, 500))}`)],
    });
  blocks.push({
    type: 'section',
    text: mrkdwn(`*Justification*\n${escapeMrkdwn(truncate(r.justification, 2800))}`),
  });
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `${statusLabel(r)} · Request \`${r.id}\` · ${r.status === 'pending_approval' ? `Expires ${slackDate(r.expiresAt)}` : `Requested ${slackDate(r.createdAt)}`}`,
      ),
    ],
  });
  const lines = decisionLines(r);
  if (lines.length) blocks.push({ type: 'section', text: mrkdwn(lines.join('\n'), LIMITS.sectionText) });
  if (r.status === 'pending_approval') {
    blocks.push({
      type: 'actions',
      block_id: 'decision',
      elements: [
        approveButton(r),
        {
          type: 'button',
          action_id: IDS.actions.reject,
          text: plain('Reject', LIMITS.buttonText),
          style: 'danger',
          value: r.id,
        },
        {
          type: 'button',
          action_id: IDS.actions.ask,
          text: plain('Ask a question', LIMITS.buttonText),
          value: r.id,
        },
      ],
    });
  } else if (canCancelOrder(r, now)) {
    blocks.push({ type: 'actions', block_id: 'order', elements: [cancelOrderButton(r)] });
    blocks.push({ type: 'context', elements: [mrkdwn(windowText(cancellableUntil(r) ?? now))] });
  }
  const text = truncate(
    `Purchase request ${r.id}: ${r.quantity} × ${r.skuTitle} for ${r.customerName}, ${totalText(r)} — ${statusWords(r)}`,
    LIMITS.fallbackText,
  );
  return { text, blocks };
}

// ---------------------------------------------------------------------------------------------------
// The requester's own message, updated in place as the request moves

/** States after which the requester may send the same request again. */
export function canSubmitAgain(r: PurchaseRequest): boolean {
  return (
    r.status === 'rejected' || r.status === 'expired' || (r.status === 'failed' && r.failure.nothingBought)
  );
}

export function openQuestion(r: PurchaseRequest): string | undefined {
  const conversation = r.conversation ?? [];
  const last = conversation[conversation.length - 1];
  return last?.role === 'approver' ? last.text : undefined;
}

export function buildRequesterMessage(r: PurchaseRequest, cardLink?: string): Message {
  const link = cardLink ? ` (<${cardLink}|approval card>)` : '';
  const text = truncate(
    `Your purchase request ${r.id} — ${r.quantity} × ${r.skuTitle} for ${r.customerName}: ${statusWords(r)}`,
    LIMITS.fallbackText,
  );
  const detail: string[] = [
    `*Your purchase request \`${r.id}\`*${link}`,
    `${r.quantity} × ${escapeMrkdwn(truncate(r.skuTitle, 300))} (${escapeMrkdwn(truncate(r.productTitle, 300))}) for ${escapeMrkdwn(r.customerName)}`,
    `${termText(r)} · ${totalText(r)}`,
    `${statusLabel(r)}`,
  ];
  if (r.status === 'rejected') detail.push(`Reason: ${escapeMrkdwn(truncate(r.rejection.reason, 1000))}`);
  if (r.status === 'attention') detail.push(attentionText(r.attention));
  if (r.status === 'failed') detail.push(`${failureText(r.failure)}\n*Next:* ${nextStepText(r.failure)}`);
  const orders = ordersOf(r);
  if (orders.length) detail.push(orderLines(orders));
  detail.push('_Updates follow in this thread._');
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(detail.join('\n'), LIMITS.sectionText) }];
  const buttons: Button[] = [];
  if (r.status === 'pending_approval' && openQuestion(r) !== undefined) {
    buttons.push({
      type: 'button',
      action_id: IDS.actions.answer,
      text: plain('Answer the question'),
      style: 'primary',
      value: r.id,
    });
  }
  if (canSubmitAgain(r))
    buttons.push({
      type: 'button',
      action_id: IDS.actions.submitAgain,
      text: plain('Submit again'),
      value: r.id,
    });
  // Cancel order lives on the order's own message in this thread (buildOrderMessage) and on the card.
  if (buttons.length) blocks.push({ type: 'actions', block_id: 'requester', elements: buttons });
  return { text, blocks };
}

/**
 * The message in the requester's thread about a software order: the order, and Cancel order (with a
 * confirm dialog) while Microsoft's cancellation window is open; re-rendered as the request moves.
 */
export function buildOrderMessage(r: PurchaseRequest, intro: string, now: number = Date.now()): Message {
  const orders = ordersOf(r);
  const lines = [intro];
  if (r.status === 'order_cancelled')
    lines.push(':leftwards_arrow_with_hook: This order was cancelled in Partner Center.');
  else if (canCancelOrder(r, now)) lines.push(`${windowText(cancellableUntil(r) ?? now)}.`);
  else if (cancellableUntil(r) !== undefined && !('orderCancellation' in r && r.orderCancellation)) {
    lines.push('The cancellation window has closed.');
  }
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(lines.filter(Boolean).join('\n'), LIMITS.sectionText) },
  ];
  if (canCancelOrder(r, now))
    blocks.push({ type: 'actions', block_id: 'order_actions', elements: [cancelOrderButton(r)] });
  return { text: truncate(`${intro} ${orders.map((o) => o.id).join(', ')}`, LIMITS.fallbackText), blocks };
}

/** The DM an approver named by id gets: the request in short and a link to the card. */
export function buildApproverDm(r: PurchaseRequest, cardLink: string | undefined): Message {
  const what = `${r.quantity} × ${escapeMrkdwn(truncate(r.skuTitle, 200))} for ${escapeMrkdwn(r.customerName)}, ${totalText(r)}`;
  const where = cardLink ? `<${cardLink}|Open the approval card>` : 'The card is in the approvals channel.';
  const text = truncate(
    `<@${r.requesterId}> asks you to approve ${r.id}: ${r.quantity} × ${escapeMrkdwn(r.skuTitle)} for ${escapeMrkdwn(r.customerName)}`,
    LIMITS.fallbackText,
  );
  return {
    text,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `:inbox_tray: ${user(r.requesterId)} asks for approval of *${r.id}*: ${what}.\n${statusLabel(r)} · ${where}`,
        ),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// /purchase status

export function buildStatusBlocks(r: PurchaseRequest, audit: readonly AuditEntry[]): Message {
  const card = buildApprovalCard(r);
  const trail = audit
    .slice(-20)
    .map(
      (a) =>
        `• ${slackDate(a.at)} ${escapeMrkdwn(eventWords(a.event))} by ${actorText(a.actor)}${a.detail ? ` (${escapeMrkdwn(truncate(a.detail, 200))})` : ''}`,
    );
  const blocks = card.blocks.filter((b) => b.type !== 'actions');
  blocks.push({
    type: 'section',
    text: mrkdwn(
      `*History*${audit.length > 20 ? ` (last 20 of ${audit.length})` : ''}\n${trail.join('\n') || 'empty'}`,
    ),
  });
  return { text: card.text, blocks };
}

const EVENT_WORDS: Record<string, string> = {
  created: 'Requested',
  approve: 'Approved',
  reject: 'Rejected',
  withdraw: 'Withdrawn',
  expire: 'Expired',
  remind: 'Approvers reminded',
  escalate: 'Escalated',
  ask: 'Question asked',
  answer: 'Question answered',
  start_ordering: 'Ordering started',
  cart_answered: 'Partner Center answered a cart call',
  cart_created: 'Cart created',
  checkout_sent: 'Checkout sent',
  plan_ordered: 'Azure plan ordered',
  plan_ready: 'Azure plan ready',
  ordered: 'Ordered',
  outcome_unknown: 'Checkout outcome unknown',
  searched: 'Searched for the order',
  order_status: 'Order status needs attention',
  checked: 'Looked for the order in the list',
  confirm: 'Confirmed',
  order_missing: 'Order missing from the list',
  fail: 'Failed',
  invoiced: 'Invoiced',
  slack_refs: 'Slack messages posted',
  cancel_order: 'Order cancellation asked',
  cancel_order_answered: 'Partner Center answered the cancellation',
  order_cancelled: 'Order cancelled',
};

export function eventWords(event: string): string {
  return EVENT_WORDS[event] ?? event.replace(/_/g, ' ');
}

function actorText(actor: string): string {
  if (/^[UW][A-Z0-9]+$/.test(actor)) return user(actor);
  const words: Record<string, string> = {
    pipeline: 'the bot',
    bot: 'the bot',
    scheduler: 'the bot',
    finance: 'the bot',
  };
  return words[actor] ?? escapeMrkdwn(actor);
}

// ---------------------------------------------------------------------------------------------------
// App Home

export interface HomeInvoice {
  id: string;
  date: string;
  total: string;
}

export interface HomeState {
  userId: string;
  mine: readonly PurchaseRequest[];
  /** For approvers: requests waiting for a decision (their own excluded). */
  queue?: readonly PurchaseRequest[] | undefined;
  /** For finance: the latest invoices. */
  invoices?: readonly HomeInvoice[] | undefined;
  canRequest: boolean;
}

export function buildHome(state: HomeState): View {
  const blocks: KnownBlock[] = [{ type: 'header', text: plain('Purchases', LIMITS.headerText) }];
  if (state.canRequest) {
    blocks.push({
      type: 'actions',
      block_id: 'home_actions',
      elements: [
        {
          type: 'button',
          action_id: IDS.actions.newRequest,
          text: plain('New request'),
          style: 'primary',
          value: 'new',
        },
      ],
    });
  }
  blocks.push({ type: 'section', text: mrkdwn('*Your requests*') });
  if (state.mine.length === 0) blocks.push({ type: 'context', elements: [mrkdwn('None yet.')] });
  for (const r of state.mine.slice(0, 15)) {
    const section: KnownBlock = {
      type: 'section',
      text: mrkdwn(
        `\`${r.id}\` ${r.quantity} × ${escapeMrkdwn(truncate(r.skuTitle, 120))} for ${escapeMrkdwn(truncate(r.customerName, 80))}\n${statusLabel(r)} · ${totalText(r)}`,
      ),
    };
    if (canSubmitAgain(r)) {
      section.accessory = {
        type: 'button',
        action_id: IDS.actions.submitAgain,
        text: plain('Submit again'),
        value: r.id,
      };
    }
    blocks.push(section);
  }
  if (state.queue) {
    blocks.push(
      { type: 'divider' },
      { type: 'section', text: mrkdwn(`*Waiting for a decision (${state.queue.length})*`) },
    );
    if (state.queue.length === 0)
      blocks.push({ type: 'context', elements: [mrkdwn('Nothing waits for you.')] });
    for (const r of state.queue.slice(0, 15)) {
      blocks.push(
        {
          type: 'section',
          text: mrkdwn(
            `*${r.id}* from ${user(r.requesterId)}: ${r.quantity} × ${escapeMrkdwn(truncate(r.skuTitle, 120))} for ${escapeMrkdwn(truncate(r.customerName, 80))}, ${totalText(r)}\nExpires ${slackDate(r.expiresAt)}`,
          ),
        },
        {
          type: 'actions',
          block_id: `home_decision_${r.id}`,
          elements: [
            approveButton(r),
            {
              type: 'button',
              action_id: IDS.actions.reject,
              text: plain('Reject'),
              style: 'danger',
              value: r.id,
            },
          ],
        },
      );
    }
  }
  if (state.invoices) {
    blocks.push({ type: 'divider' }, { type: 'section', text: mrkdwn('*Latest invoices*') });
    if (state.invoices.length === 0) blocks.push({ type: 'context', elements: [mrkdwn('No invoices yet.')] });
    for (const i of state.invoices.slice(0, 10)) {
      blocks.push({
        type: 'section',
        text: mrkdwn(`\`${escapeMrkdwn(i.id)}\` ${escapeMrkdwn(i.date)} · ${escapeMrkdwn(i.total)}`),
      });
    }
  }
  return { type: 'home', blocks: blocks.slice(0, LIMITS.homeBlocks) };
}

export function isKindValue(v: string | undefined): v is Kind {
  return (KINDS as readonly string[]).includes(v ?? '');
}
