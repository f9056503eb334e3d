import type { App } from '@slack/bolt';
import type { FieldErrors } from '../../src/purchases/policy';
import { buildLoadingModal, buildRequestModal, decodeMetadata } from '../../src/slack/blocks';
import { IDS } from '../../src/slack/ids';
import { escapeMrkdwn } from '../../src/slack/text';
import { readForm, type RawForm } from '../../src/services/intake';
import type { HandlerDeps } from '../deps';

/** How long checks may run before we must answer Slack (3 s, less network and our own margin). */
const CHECK_BUDGET_MS = 2000;

/** Only input blocks present in this view may carry an error, or Slack rejects the response. */
function errorsForView(errors: FieldErrors, form: RawForm): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(errors)) {
    if (!message) continue;
    if (field === 'azure_subscription' && form.kind !== 'azure_reservation') {
      out.kind = out.kind ?? message;
      continue;
    }
    out[field] = message;
  }
  return out;
}

export function registerRequestView(app: App, deps: HandlerDeps): void {
  app.view(IDS.requestModal, async ({ ack, body, view }) => {
    const form = readForm(view.state.values);
    const userId = body.user.id;
    const metadata = decodeMetadata(view.private_metadata);
    const started = Date.now();
    const checking = deps.intake.check(form);
    const timer = new Promise<'late'>((resolve) =>
      setTimeout(() => resolve('late'), CHECK_BUDGET_MS).unref(),
    );
    const first = await Promise.race([
      checking.then(
        (v) => ({ v }),
        (e: unknown) => ({ e }),
      ),
      timer,
    ]);

    if (first !== 'late' && 'v' in first) {
      const { errors, draft } = first.v;
      if (!draft || Object.keys(errors).length > 0) {
        await ack({ response_action: 'errors', errors: errorsForView(errors, form) });
        return;
      }
      await ack({
        response_action: 'update',
        view: buildLoadingModal(
          'Request submitted',
          ':hourglass_flowing_sand: Sending your request to the approvers…',
        ),
      });
      deps.background('submit request', () => submit(deps, view.id, userId, draft));
      return;
    }
    if (first !== 'late' && 'e' in first) {
      deps.log.error({ err: first.e, userId }, 'request checks failed');
      await ack({
        response_action: 'errors',
        errors: {
          customer: 'Partner Center could not be reached to check this request. Try again in a minute.',
        },
      });
      return;
    }
    // Checks are slow today: answer Slack now, finish the checks, then show the outcome.
    await ack({
      response_action: 'update',
      view: buildLoadingModal('Checking request', ':mag: Checking your request with Partner Center…'),
    });
    deps.background('slow request checks', async () => {
      try {
        const { errors, draft } = await checking;
        deps.log.info({ ms: Date.now() - started }, 'slow request checks finished');
        if (!draft || Object.keys(errors).length > 0) {
          await deps.slack.updateView(
            view.id,
            buildRequestModal({
              kind: form.kind,
              maxQuantity: deps.config.policy.maxQuantity,
              metadata,
              notice: 'Some choices need changing. Fill the form again with the fixes below.',
              errors,
            }),
          );
          return;
        }
        await deps.slack.updateView(
          view.id,
          buildLoadingModal(
            'Request submitted',
            ':hourglass_flowing_sand: Sending your request to the approvers…',
          ),
        );
        await submit(deps, view.id, userId, draft);
      } catch (err) {
        deps.log.error({ err }, 'slow request checks failed');
        await deps.slack.updateView(
          view.id,
          buildLoadingModal(
            'Request not sent',
            ':x: Partner Center could not be reached to check this request. Nothing was sent; try `/purchase` again in a minute.',
          ),
        );
      }
    });
  });

  app.view(IDS.rejectModal, async ({ ack, body, view }) => {
    const reason = (
      view.state.values[IDS.blocks.rejectReason]?.[IDS.blocks.rejectReason]?.value ?? ''
    ).trim();
    if (reason.length < 3) {
      await ack({
        response_action: 'errors',
        errors: { [IDS.blocks.rejectReason]: 'Give the requester a reason (3 characters at least).' },
      });
      return;
    }
    let requestId = '';
    try {
      const parsed = (JSON.parse(view.private_metadata) as { requestId?: unknown }).requestId;
      requestId = typeof parsed === 'string' ? parsed : '';
    } catch {
      requestId = '';
    }
    await ack();
    deps.background('reject', async () => {
      const res = await deps.approvals.reject(requestId, body.user.id, reason);
      const dm = await deps.slack.openDm(body.user.id);
      await deps.slack.postMessage({ channel: dm, text: res.message });
    });
  });
}

async function submit(
  deps: HandlerDeps,
  viewId: string,
  userId: string,
  draft: NonNullable<Awaited<ReturnType<HandlerDeps['intake']['check']>>['draft']>,
): Promise<void> {
  const outcome = await deps.intake.submit(viewId, userId, draft);
  // A repeated submission of the same view: the first one announces.
  if (!outcome.ok || outcome.duplicate) return;
  const r = await deps.notifier.announce(outcome.request);
  await deps.slack
    .updateView(
      viewId,
      buildLoadingModal(
        'Request submitted',
        `:white_check_mark: Request *${r.id}* (${r.quantity} × ${escapeMrkdwn(r.skuTitle)} for ${escapeMrkdwn(r.customerName)}) is waiting for approval.\nFollow it in your DM thread with me, or with \`/purchase status ${r.id}\`.`,
      ),
    )
    .catch((err: unknown) => deps.log.debug({ err }, 'could not update the submitted view (closed already)'));
}
