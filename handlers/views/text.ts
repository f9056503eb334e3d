import type { App } from '@slack/bolt';
import { buildNoticeModal, TEXT_BOUNDS } from '../../src/slack/blocks';
import { decodeRequestRef, modalText } from '../../src/slack/codecs';
import { IDS } from '../../src/slack/ids';
import { lengthProblemText, OTHER_WORKSPACE_TEXT, refusalText, sentText } from '../../src/slack/messages';
import { fromAllowedWorkspace } from '../context';
import type { DecisionOutcome } from '../../src/services/approvals';
import type { HandlerDeps } from '../deps';

type Bounds = { min: number; max: number };

function lengthError(text: string, bounds: Bounds): string | undefined {
  if (text.length < bounds.min) return lengthProblemText('short', bounds.min);
  if (text.length > bounds.max) return lengthProblemText('long', bounds.max);
  return undefined;
}

/**
 * The one-field modals about a request (reject reason, question, answer). Lengths are checked here
 * too: Slack's own min/max can be bypassed by a crafted payload, and nothing we post may exceed
 * Slack's limits.
 */
export function registerTextViews(app: App, deps: HandlerDeps): void {
  const textView = (
    callbackId: string,
    blockId: string,
    bounds: Bounds,
    run: (requestId: string, userId: string, text: string) => Promise<DecisionOutcome>,
    done: (requestId: string) => string,
  ): void => {
    app.view(callbackId, async ({ ack, body, view }) => {
      if (!fromAllowedWorkspace(deps, body)) {
        await ack({
          response_action: 'update',
          view: buildNoticeModal('Purchase request', OTHER_WORKSPACE_TEXT),
        });
        return;
      }
      const text = modalText(view.state.values, blockId);
      const problem = lengthError(text, bounds);
      if (problem) {
        await ack({ response_action: 'errors', errors: { [blockId]: problem } });
        return;
      }
      const requestId = decodeRequestRef(view.private_metadata);
      await ack();
      if (!requestId) return;
      deps.background(callbackId, async () => {
        const res = await run(requestId, body.user.id, text);
        const dm = await deps.slack.openDm(body.user.id);
        await deps.slack.postMessage({
          channel: dm,
          text: res.ok ? done(requestId) : refusalText(res.code, requestId, res.status),
        });
      });
    });
  };
  textView(
    IDS.rejectModal,
    IDS.blocks.rejectReason,
    TEXT_BOUNDS.rejectReason,
    (id, u, t) => deps.approvals.reject(id, u, t),
    (id) => sentText('rejected', id),
  );
  textView(
    IDS.askModal,
    IDS.blocks.question,
    TEXT_BOUNDS.question,
    (id, u, t) => deps.approvals.ask(id, u, t),
    (id) => sentText('asked', id),
  );
  textView(
    IDS.answerModal,
    IDS.blocks.answer,
    TEXT_BOUNDS.answer,
    (id, u, t) => deps.approvals.answer(id, u, t),
    (id) => sentText('answered', id),
  );
}
