import type { View } from '@slack/types';
import type { Logger } from 'pino';
import { FIELDS, type Field, type FieldProblems } from '../purchases/policy';
import { buildNoticeModal, buildRequestModal } from '../slack/blocks';
import type { FormValues, ModalMetadata } from '../slack/codecs';
import {
  FORM_UNAVAILABLE_TEXT,
  GUEST_TEXT,
  NOT_REQUESTER_TEXT,
  OPENING_FORM_TEXT,
  problemText,
  submittedText,
  FORM_CHECKING_TEXT,
  FORM_NEEDS_CHANGES_TEXT,
  FORM_SENDING_TEXT,
} from '../slack/messages';
import type { SlackPort } from '../slack/port';
import { slackErrorCode } from '../slack/port';
import type { AccessService, RequestRight } from './access';
import type { CatalogService } from './catalog';
import type { Evaluation, IntakeService } from './intake';
import type { OptionsService } from './options';
import type { RequestNotifier } from './notifier';

/** How Slack should be answered when the form is submitted, and what to do after. */
export type SubmitAck =
  | { kind: 'errors'; errors: Record<string, string> }
  | { kind: 'update'; view: View; after?: (() => Promise<void>) | undefined };

export interface OpenedForm {
  view: View;
  /**
   * Work to run once the modal is open, given its id: the requester's right to request when it was
   * not known yet (the form replaces the placeholder, or the refusal does), then warming the caches
   * the option lists read.
   */
  after?: ((opened: { id: string; hash: string }) => Promise<void>) | undefined;
}

function refusal(right: Exclude<RequestRight, { ok: true }>): View {
  return buildNoticeModal('Purchase request', right.reason === 'guest' ? GUEST_TEXT : NOT_REQUESTER_TEXT);
}

/**
 * The request form from opening to submission. While Slack waits only Redis is read: the checks
 * that need Partner Center run as the requester fills the form (after each choice's ack), and the
 * submission answers from what they found, or says it is checking and finishes after the ack,
 * keeping every value typed.
 */
export class FormService {
  constructor(
    private readonly deps: {
      intake: IntakeService;
      access: AccessService;
      catalog: CatalogService;
      options: Pick<OptionsService, 'warm'>;
      notifier: RequestNotifier;
      slack: Pick<SlackPort, 'updateView'>;
      maxQuantity: number;
      log: Logger;
    },
  ) {}

  /**
   * The form for a requester, prefilled when sent again, or why they cannot request. Slack's
   * trigger lasts 3 seconds, so nothing is asked of Slack before the modal opens: when the
   * requester's profile is not in memory a placeholder opens at once and the form (or the refusal)
   * replaces it once Slack has said who they are.
   */
  open(userId: string, metadata: ModalMetadata, prefill?: FormValues): OpenedForm {
    const values = prefill ?? {};
    const form = (): View => this.render(values, { ...metadata, kind: values.kind }, {});
    const warm = async () => {
      // The customer list is what the first keystroke asks for: have it ready.
      await this.deps.catalog.customers();
      if (prefill) await this.deps.intake.prefetch(prefill);
    };
    const known = this.deps.access.knownRight(userId);
    if (known && !known.ok) return { view: refusal(known) };
    if (known) return { view: form(), after: warm };
    return {
      view: buildNoticeModal('Purchase request', OPENING_FORM_TEXT),
      after: async (opened) => {
        let right: RequestRight;
        try {
          right = await this.deps.access.canRequest(userId);
        } catch (err) {
          this.deps.log.warn({ err }, 'could not read the requester profile');
          await this.deps.slack.updateView(
            opened.id,
            buildNoticeModal('Purchase request', FORM_UNAVAILABLE_TEXT),
          );
          return;
        }
        await this.deps.slack.updateView(opened.id, right.ok ? form() : refusal(right), opened.hash);
        if (right.ok) await warm();
      },
    };
  }

  /**
   * After a choice in the form (dispatch_action): forget the choices that no longer fit, gather the
   * facts the next fields and the submission need, and show early verdicts on their fields.
   */
  async choiceMade(
    view: { id: string; hash: string; values: FormValues; metadata: ModalMetadata },
    changed: string,
    userId: string,
  ): Promise<void> {
    const values = fitting(view.values, view.metadata, changed);
    // The next fields' lists and this choice's checks, at the same time.
    const [evaluation] = await Promise.all([
      this.deps.intake.prefetch(values).catch((err: unknown) => {
        this.deps.log.warn({ err }, 'form checks failed');
        return undefined;
      }),
      this.deps.options.warm(values, userId),
    ]);
    const problems = evaluation ? earlyProblems(evaluation.problems, values) : {};
    const next = this.render(values, { ...view.metadata, kind: values.kind }, problems, evaluation);
    try {
      await this.deps.slack.updateView(view.id, next, view.hash);
    } catch (err) {
      // The requester acted again meanwhile (hash_conflict): that action's own update wins.
      if (slackErrorCode(err) !== 'hash_conflict') throw err;
    }
  }

  /** The submission, answered from the cache; see the class comment. */
  async submitted(
    view: { id: string; values: FormValues; metadata: ModalMetadata; blockIds: readonly string[] },
    userId: string,
  ): Promise<SubmitAck> {
    const quick = await this.deps.intake.evaluate(view.values, 'cached');
    if (quick.complete) return this.decide(view, userId, quick, true);
    const checking = this.render(view.values, view.metadata, {}, undefined, FORM_CHECKING_TEXT);
    return {
      kind: 'update',
      view: checking,
      after: async () => {
        let full: Evaluation;
        try {
          full = await this.deps.intake.evaluate(view.values, 'live');
        } catch (err) {
          this.deps.log.error({ err }, 'request checks failed');
          await this.deps.slack.updateView(
            view.id,
            this.render(
              view.values,
              view.metadata,
              { customer: { code: 'partner_center_unreachable' } },
              undefined,
            ),
          );
          return;
        }
        const ack = this.decide(view, userId, full, false);
        if (ack.kind === 'update') {
          await this.deps.slack.updateView(view.id, ack.view);
          await ack.after?.();
        } else {
          await this.deps.slack.updateView(
            view.id,
            this.render(view.values, view.metadata, full.problems, full, FORM_NEEDS_CHANGES_TEXT),
          );
        }
      },
    };
  }

  private decide(
    view: { id: string; values: FormValues; metadata: ModalMetadata; blockIds: readonly string[] },
    userId: string,
    evaluation: Evaluation,
    inline: boolean,
  ): SubmitAck {
    const problems = evaluation.problems;
    if (Object.keys(problems).length > 0 || !evaluation.draft) {
      const errors: Record<string, string> = {};
      let placeable = true;
      for (const field of FIELDS) {
        const p = problems[field];
        if (!p) continue;
        if (view.blockIds.includes(field)) errors[field] = problemText(p);
        else placeable = false;
      }
      // Slack shows errors only on input blocks the view has: otherwise re-render with the new block.
      if (inline && placeable && Object.keys(errors).length > 0) return { kind: 'errors', errors };
      return {
        kind: 'update',
        view: this.render(view.values, view.metadata, problems, evaluation, FORM_NEEDS_CHANGES_TEXT),
      };
    }
    const draft = evaluation.draft;
    return {
      kind: 'update',
      view: buildNoticeModal('Request submitted', FORM_SENDING_TEXT),
      after: async () => {
        // The right to request is read again (cached, so usually without asking Slack): someone made a
        // guest or taken out of the requesters group while the form was open records nothing.
        const right = await this.deps.access.canRequest(userId).catch((err: unknown) => {
          this.deps.log.warn({ err }, 'could not read the requester profile at submission');
          return undefined;
        });
        if (right && !right.ok) {
          await this.deps.slack.updateView(view.id, refusal(right)).catch((err: unknown) => {
            this.deps.log.debug({ err }, 'could not update the submitted view (closed already)');
          });
          return;
        }
        const outcome = await this.deps.intake.submit(view.id, userId, draft);
        // A repeated submission of the same view: the first one announces.
        if (!outcome.ok || outcome.duplicate) return;
        const r = await this.deps.notifier.announce(outcome.request);
        await this.deps.slack
          .updateView(view.id, buildNoticeModal('Request submitted', submittedText(r)))
          .catch((err: unknown) =>
            this.deps.log.debug({ err }, 'could not update the submitted view (closed already)'),
          );
      },
    };
  }

  private render(
    values: FormValues,
    metadata: ModalMetadata,
    problems: FieldProblems,
    evaluation?: Evaluation,
    notice?: string,
  ): View {
    return buildRequestModal({
      values,
      maxQuantity: this.deps.maxQuantity,
      metadata,
      problems,
      notice,
      attestationText: evaluation?.attestationText,
      newPlanFor: evaluation?.newPlanFor,
    });
  }
}

/** Choices that depend on the kind go when the kind changes; the customer's subscription when the customer does. */
function fitting(values: FormValues, metadata: ModalMetadata, changed: string): FormValues {
  const next = { ...values };
  if (changed === 'kind' && metadata.kind !== undefined && metadata.kind !== values.kind) {
    delete next.product;
    delete next.sku;
    delete next.availability;
    delete next.attestation;
    if (values.kind !== 'azure_reservation') delete next.azureSubscription;
  }
  if (changed === 'customer') delete next.azureSubscription;
  if (changed === 'product') {
    delete next.sku;
    delete next.availability;
  }
  if (changed === 'sku') delete next.availability;
  return next;
}

/** While the form is filled, show a verdict only on fields already filled (not "choose a SKU" yet). */
function earlyProblems(problems: FieldProblems, values: FormValues): FieldProblems {
  const out: FieldProblems = {};
  for (const [field, problem] of Object.entries(problems) as [Field, NonNullable<FieldProblems[Field]>][]) {
    if (problem.code === 'required' || problem.code === 'justification_short') continue;
    if (problem.code === 'attestation_required' && values.attestation === undefined) continue;
    out[field] = problem;
  }
  return out;
}
