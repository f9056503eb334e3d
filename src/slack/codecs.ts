import { z } from 'zod';
import { isKind, KINDS, type Kind } from '../purchases/model';
import { ATTESTATION_ACCEPTED, IDS, NONE } from './ids';

/**
 * Slack's view state, private_metadata and button values, parsed with zod: listeners get typed
 * values or a clear refusal, never a property access on whatever Slack (or an attacker) sent.
 */

/** A chosen option: its value, and the label the user saw (labels are shown, never trusted). */
export interface Choice {
  value: string;
  label: string;
}

/** What the request form holds right now. Every field optional: the form may be half filled. */
export interface FormValues {
  customer?: Choice | undefined;
  kind?: Kind | undefined;
  product?: Choice | undefined;
  sku?: Choice | undefined;
  availability?: Choice | undefined;
  quantity?: string | undefined;
  azureSubscription?: Choice | undefined;
  attestation?: boolean | undefined;
  justification?: string | undefined;
}

const optionSchema = z
  .object({ value: z.string().max(150), text: z.object({ text: z.string() }).partial().optional() })
  .nullish();

const elementSchema = z
  .object({
    type: z.string().optional(),
    value: z.string().nullish(),
    selected_option: optionSchema,
    selected_options: z.array(z.object({ value: z.string() })).nullish(),
  })
  .passthrough();

/** view.state.values: block_id → action_id → element state. */
export const viewStateSchema = z.record(z.string(), z.record(z.string(), elementSchema));
export type ViewStateValues = z.infer<typeof viewStateSchema>;

function choice(values: ViewStateValues, id: string): Choice | undefined {
  const opt = values[id]?.[id]?.selected_option;
  if (!opt || opt.value === NONE) return undefined;
  return { value: opt.value, label: opt.text?.text ?? opt.value };
}

function text(values: ViewStateValues, id: string): string | undefined {
  const v = values[id]?.[id]?.value;
  return v === null || v === undefined ? undefined : v;
}

/** The request form's values from view.state.values (anything malformed reads as not filled). */
export function readForm(raw: unknown): FormValues {
  const parsed = viewStateSchema.safeParse(raw ?? {});
  const values = parsed.success ? parsed.data : {};
  const kind = choice(values, IDS.blocks.kind)?.value;
  const ticked = values[IDS.blocks.attestation]?.[IDS.blocks.attestation]?.selected_options ?? [];
  return {
    customer: choice(values, IDS.blocks.customer),
    kind: isKind(kind) ? kind : undefined,
    product: choice(values, IDS.blocks.product),
    sku: choice(values, IDS.blocks.sku),
    availability: choice(values, IDS.blocks.availability),
    quantity: text(values, IDS.blocks.quantity),
    azureSubscription: choice(values, IDS.blocks.azureSubscription),
    attestation: ticked.some((o) => o.value === ATTESTATION_ACCEPTED),
    justification: text(values, IDS.blocks.justification),
  };
}

/** What the request modal carries between renders (Slack allows 3000 characters). */
export const modalMetadataSchema = z.object({
  v: z.literal(2).default(2),
  /** Where /purchase was typed, for replies. */
  channel: z.string().max(40).optional(),
  /** The request this form resubmits ("Submit again"), for the audit trail. */
  from: z.string().max(40).optional(),
  /** The kind the form was last rendered for: a change clears the choices that no longer fit. */
  kind: z.enum(KINDS).optional(),
});
export type ModalMetadata = z.infer<typeof modalMetadataSchema>;

export function encodeMetadata(m: ModalMetadata): string {
  const s = JSON.stringify(m);
  if (s.length > 3000) throw new Error('private_metadata too large');
  return s;
}

export function decodeMetadata(s: string | undefined): ModalMetadata {
  try {
    const parsed = modalMetadataSchema.safeParse(JSON.parse(s ?? ''));
    return parsed.success ? parsed.data : { v: 2 };
  } catch {
    return { v: 2 };
  }
}

/** Metadata of the small modals about one request (reject, ask, answer). */
const requestRefSchema = z.object({ requestId: z.string().regex(/^PR-[A-Z0-9]{4,16}$/) });

export function encodeRequestRef(requestId: string): string {
  return JSON.stringify({ requestId });
}

export function decodeRequestRef(s: string | undefined): string | undefined {
  try {
    const parsed = requestRefSchema.safeParse(JSON.parse(s ?? ''));
    return parsed.success ? parsed.data.requestId : undefined;
  } catch {
    return undefined;
  }
}

/** A button's value is the request id and nothing else; anything longer is not ours. */
export function requestIdOf(value: string | undefined): string | undefined {
  return value && /^PR-[A-Z0-9]{4,16}$/.test(value) ? value : undefined;
}

/** The text of a one-field modal (reject reason, question, answer). */
export function modalText(raw: unknown, blockId: string): string {
  const parsed = viewStateSchema.safeParse(raw ?? {});
  return ((parsed.success ? parsed.data[blockId]?.[blockId]?.value : undefined) ?? '').trim();
}
