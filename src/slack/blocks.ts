import type { KnownBlock, View, PlainTextOption as Option } from '@slack/types';
import {
  CANCELLATION_WINDOW,
  KIND_LABELS,
  KINDS,
  type Kind,
  type PurchaseRequest,
  totalPrice,
} from '../purchases/model';
import type { AuditEntry } from '../store/requests';
import { IDS } from './ids';
import { escapeMrkdwn, money, mrkdwn, plain, slackDate, truncate } from './text';

/**
 * Block Kit as pure functions of state. Limits (Slack's, in characters): option text 75, option
 * value 75, section text 3000, field 2000, header 150, button text 75, modal title 24, blocks per
 * message 50, per modal 100, options per list 100, private_metadata 3000.
 */
export const LIMITS = {
  optionText: 75,
  optionValue: 75,
  sectionText: 3000,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  modalTitle: 24,
  messageBlocks: 50,
  modalBlocks: 100,
  options: 100,
  privateMetadata: 3000,
} as const;

export function option(text: string, value: string, description?: string): Option {
  if (value.length > LIMITS.optionValue)
    throw new Error(`Option value over ${LIMITS.optionValue} characters`);
  const o: Option = { text: plain(text, LIMITS.optionText), value };
  if (description) o.description = plain(description, LIMITS.optionText);
  return o;
}

/** What the request modal carries between renders. */
export interface ModalMetadata {
  v: 1;
  /** Where /purchase was typed, for replies. */
  channel?: string | undefined;
}

export function encodeMetadata(m: ModalMetadata): string {
  const s = JSON.stringify(m);
  if (s.length > LIMITS.privateMetadata) throw new Error('private_metadata too large');
  return s;
}

export function decodeMetadata(s: string | undefined): ModalMetadata {
  try {
    const parsed = JSON.parse(s ?? '') as Partial<ModalMetadata>;
    return { v: 1, channel: typeof parsed.channel === 'string' ? parsed.channel : undefined };
  } catch {
    return { v: 1 };
  }
}

export const kindOptions: Option[] = KINDS.map((k) => option(KIND_LABELS[k], k));

export interface ModalState {
  kind?: Kind | undefined;
  maxQuantity: number;
  metadata: ModalMetadata;
  /** Shown at the top when a slow check sent the requester back to the form. */
  notice?: string | undefined;
  /** Per-field errors shown as context lines after an asynchronous check. */
  errors?: Partial<Record<string, string>> | undefined;
}

function externalSelectInput(blockId: string, label: string, placeholder: string, hint?: string): KnownBlock {
  return {
    type: 'input',
    block_id: blockId,
    label: plain(label, 2000),
    ...(hint ? { hint: plain(hint, 2000) } : {}),
    element: {
      type: 'external_select',
      action_id: blockId,
      placeholder: plain(placeholder, 150),
      min_query_length: 0,
    },
  };
}

/** The /purchase request modal. The Azure subscription field exists only for reservations. */
export function buildRequestModal(state: ModalState): View {
  const blocks: KnownBlock[] = [];
  if (state.notice) blocks.push({ type: 'section', text: mrkdwn(`:warning: ${escapeMrkdwn(state.notice)}`) });
  const errorLine = (field: string): void => {
    const msg = state.errors?.[field];
    if (msg) blocks.push({ type: 'context', elements: [mrkdwn(`:x: ${escapeMrkdwn(msg)}`)] });
  };
  blocks.push(externalSelectInput(IDS.blocks.customer, 'Customer', 'Search customers by name'));
  errorLine('customer');
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
      ...(state.kind ? { initial_option: kindOptions.find((o) => o.value === state.kind) } : {}),
    },
  });
  errorLine('kind');
  blocks.push(
    externalSelectInput(
      IDS.blocks.product,
      'Product',
      'Search the catalog',
      "Filtered by the customer's market and the kind",
    ),
  );
  errorLine('product');
  blocks.push(externalSelectInput(IDS.blocks.sku, 'SKU', 'Choose a SKU of the product'));
  errorLine('sku');
  blocks.push(externalSelectInput(IDS.blocks.availability, 'Term and billing', 'Choose a term'));
  errorLine('availability');
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
      initial_value: '1',
    },
  });
  errorLine('quantity');
  if (state.kind === 'azure_reservation') {
    blocks.push(
      externalSelectInput(
        IDS.blocks.azureSubscription,
        'Azure subscription',
        "Choose one of the customer's subscriptions",
        'It will be registered for reservations if it is not yet',
      ),
    );
    errorLine('azure_subscription');
  }
  blocks.push({
    type: 'input',
    block_id: IDS.blocks.justification,
    label: plain('Justification'),
    element: {
      type: 'plain_text_input',
      action_id: IDS.blocks.justification,
      multiline: true,
      min_length: 10,
      max_length: 2000,
      placeholder: plain('Why is this needed? Approvers read this.'),
    },
  });
  errorLine('justification');
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

export function buildLoadingModal(title: string, text: string): View {
  return {
    type: 'modal',
    title: plain(title, LIMITS.modalTitle),
    close: plain('Close', LIMITS.modalTitle),
    blocks: [{ type: 'section', text: mrkdwn(text) }],
  };
}

export function buildRejectModal(requestId: string): View {
  return {
    type: 'modal',
    callback_id: IDS.rejectModal,
    title: plain('Reject request', LIMITS.modalTitle),
    submit: plain('Reject', LIMITS.modalTitle),
    close: plain('Cancel', LIMITS.modalTitle),
    private_metadata: JSON.stringify({ requestId }),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(`Rejecting request *${escapeMrkdwn(requestId)}*. The requester sees your reason.`),
      },
      {
        type: 'input',
        block_id: IDS.blocks.rejectReason,
        label: plain('Reason'),
        element: {
          type: 'plain_text_input',
          action_id: IDS.blocks.rejectReason,
          multiline: true,
          min_length: 3,
          max_length: 1000,
        },
      },
    ],
  };
}

const STATUS_LABEL: Record<PurchaseRequest['status'], string> = {
  pending_approval: ':hourglass_flowing_sand: Waiting for approval',
  approved: ':white_check_mark: Approved, ordering soon',
  rejected: ':no_entry: Rejected',
  expired: ':alarm_clock: Expired without a decision',
  ordering: ':gear: Approved, ordering from Partner Center',
  ordered: ':package: Ordered, waiting for Partner Center to list the order',
  confirmed: ':tada: Ordered and confirmed',
  failed: ':x: Purchase failed',
  cancelled: ':wastebasket: Cancelled by the requester',
};

export function statusLabel(r: PurchaseRequest): string {
  return STATUS_LABEL[r.status];
}

function termText(r: PurchaseRequest): string {
  const term = r.termDuration ? humanTerm(r.termDuration) : 'Perpetual';
  return `${term}, billed ${r.billingCycle.replace(/_/g, ' ')}`;
}

export function humanTerm(iso: string): string {
  const m = /^P(\d+)([YMD])$/i.exec(iso);
  if (!m) return iso;
  const n = Number(m[1]);
  const unit = { Y: 'year', M: 'month', D: 'day' }[m[2]!.toUpperCase() as 'Y' | 'M' | 'D'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

function priceText(r: PurchaseRequest): string {
  const total = totalPrice(r);
  if (total === undefined) return 'Not listed in the catalog';
  return `${money(r.unitPrice, r.currency)} × ${r.quantity} = *${money(total, r.currency)}*`;
}

function decisionLines(r: PurchaseRequest): string[] {
  const lines: string[] = [];
  for (const a of r.approvals) lines.push(`:white_check_mark: Approved by <@${a.by}> ${slackDate(a.at)}`);
  if (r.status === 'pending_approval' && r.requiredApprovals > r.approvals.length) {
    const left = r.requiredApprovals - r.approvals.length;
    if (r.requiredApprovals > 1)
      lines.push(
        `:busts_in_silhouette: Needs ${left} more approval${left === 1 ? '' : 's'} from a different approver`,
      );
  }
  if (r.rejection) {
    lines.push(
      `:no_entry: Rejected by <@${r.rejection.by}> ${slackDate(r.rejection.at)}: ${escapeMrkdwn(truncate(r.rejection.reason, 1000))}`,
    );
  }
  if (r.cancellation) lines.push(`:wastebasket: Cancelled by the requester ${slackDate(r.cancellation.at)}`);
  if (r.status === 'expired')
    lines.push(':alarm_clock: Expired: nobody decided in time. The requester can submit it again.');
  if (r.orders?.length)
    lines.push(
      `:package: Order${r.orders.length > 1 ? 's' : ''} ${r.orders.map((o) => `\`${o.id}\``).join(', ')}`,
    );
  if (r.failure) lines.push(`:x: ${escapeMrkdwn(truncate(r.failure.message, 1000))}`);
  if (r.status === 'confirmed') lines.push(":tada: Confirmed in the customer's order list");
  return lines;
}

/** The approval card. Buttons exist only while the request is pending; their value is the id alone. */
export function buildApprovalCard(r: PurchaseRequest): { text: string; blocks: KnownBlock[] } {
  const fields = [
    `*Requester*\n<@${r.requesterId}>`,
    `*Customer*\n${escapeMrkdwn(r.customerName)} (${r.country})`,
    `*Kind*\n${KIND_LABELS[r.kind]}`,
    `*Product*\n${escapeMrkdwn(r.productTitle)}`,
    `*SKU*\n${escapeMrkdwn(r.skuTitle)}`,
    `*Term*\n${termText(r)}`,
    `*Quantity*\n${r.quantity}`,
    `*Price*\n${priceText(r)}`,
  ];
  if (r.kind === 'azure_reservation') {
    fields.push(
      `*Azure subscription*\n\`${r.azureSubscriptionId ?? '?'}\`\nRegistration: ${r.registrationStatus ?? 'unknown'}`,
    );
  }
  fields.push(`*Cancellation*\n${CANCELLATION_WINDOW[r.kind]}`);
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`Purchase request ${r.id}`, LIMITS.headerText) },
    { type: 'section', fields: fields.slice(0, 10).map((f) => mrkdwn(f, LIMITS.fieldText)) },
  ];
  if (fields.length > 10)
    blocks.push({ type: 'section', fields: fields.slice(10).map((f) => mrkdwn(f, LIMITS.fieldText)) });
  blocks.push({
    type: 'section',
    text: mrkdwn(`*Justification*\n${escapeMrkdwn(truncate(r.justification, 2800))}`),
  });
  blocks.push({
    type: 'context',
    elements: [mrkdwn(`${statusLabel(r)} · Request \`${r.id}\` · Expires ${slackDate(r.expiresAt)}`)],
  });
  const lines = decisionLines(r);
  if (lines.length) blocks.push({ type: 'section', text: mrkdwn(lines.join('\n'), LIMITS.sectionText) });
  if (r.status === 'pending_approval') {
    blocks.push({
      type: 'actions',
      block_id: `decision`,
      elements: [
        {
          type: 'button',
          action_id: IDS.actions.approve,
          text: plain('Approve', LIMITS.buttonText),
          style: 'primary',
          value: r.id,
        },
        {
          type: 'button',
          action_id: IDS.actions.reject,
          text: plain('Reject', LIMITS.buttonText),
          style: 'danger',
          value: r.id,
        },
      ],
    });
  }
  const text = truncate(
    `Purchase request ${r.id}: ${r.quantity} × ${r.skuTitle} for ${r.customerName} — ${statusLabel(r).replace(/^:[a-z_]+: /, '')}`,
    3000,
  );
  return { text, blocks };
}

/** The requester's own message about the request; its thread carries every update. */
export function buildRequesterMessage(
  r: PurchaseRequest,
  cardLink?: string,
): { text: string; blocks: KnownBlock[] } {
  const link = cardLink ? ` (<${cardLink}|approval card>)` : '';
  const text = `Your purchase request ${r.id} — ${r.quantity} × ${r.skuTitle} for ${r.customerName}: ${statusLabel(r).replace(/^:[a-z_]+: /, '')}`;
  return {
    text: truncate(text, 3000),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `*Your purchase request \`${r.id}\`*${link}\n${r.quantity} × ${escapeMrkdwn(r.skuTitle)} (${escapeMrkdwn(r.productTitle)}) for ${escapeMrkdwn(r.customerName)}\n${statusLabel(r)}\nUpdates follow in this thread.`,
        ),
      },
    ],
  };
}

export function buildStatusBlocks(
  r: PurchaseRequest,
  audit: AuditEntry[],
): { text: string; blocks: KnownBlock[] } {
  const card = buildApprovalCard(r);
  const trail = audit
    .slice(-20)
    .map(
      (a) =>
        `• ${slackDate(a.at)} *${a.event}* by ${a.actor.startsWith('U') || a.actor.startsWith('W') ? `<@${a.actor}>` : a.actor} → ${a.status}${a.detail ? ` (${escapeMrkdwn(truncate(a.detail, 200))})` : ''}`,
    );
  const blocks = card.blocks.filter((b) => b.type !== 'actions');
  blocks.push({
    type: 'section',
    text: mrkdwn(
      `*Audit trail*${audit.length > 20 ? ` (last 20 of ${audit.length})` : ''}\n${trail.join('\n') || 'empty'}`,
    ),
  });
  return { text: card.text, blocks };
}

export const HELP_TEXT = [
  '*/purchase* — open the purchase request form',
  '*/purchase status <id>* — state and audit trail of a request',
  '*/purchase mine* — your open requests',
  '*/purchase cancel <id>* — withdraw your request while it waits for approval',
  '*/purchase balance* — account balance and invoice summaries (finance)',
  '*/purchase invoices [page]* — recent invoices (finance)',
  '*/purchase invoice <id>* — an invoice with its PDF and one-time line items (finance)',
  "*/purchase orders <customer> [billing type]* — a customer's orders (finance)",
  "*/purchase entitlements <customer>* — a customer's entitlements and reservations (finance)",
  '*/purchase help* — this list',
].join('\n');
