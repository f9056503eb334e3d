import type { App } from '@slack/bolt';
import { TEXT_BOUNDS, textProblem } from '../../src/purchases/policy';
import { decodeRequestRef, modalText } from '../../src/slack/codecs';
import { IDS } from '../../src/slack/ids';
import { buildNoticeModal } from '../../src/slack/blocks';
import { OTHER_WORKSPACE_TEXT, problemText, refusalText, textSentText } from '../../src/slack/messages';
import { fromAllowedWorkspace } from '../context';
import type { DecisionOutcome } from '../../src/services/approvals';
import type { HandlerDeps } from '../deps';

/**
 * The one-field modals about a request (reject reason, question, answer). Lengths are checked here,
 * before anything is saved or posted, and refused inline on the field (`response_action: errors`):
 * the modal's min_length/max_length are Slack's client-side check, which a crafted payload
 * bypasses, and nothing we post may exceed Slack's limits.
 */
export function registerTextViews(app: App, deps: HandlerDeps): void {
  const textView = (
    callbackId: string,
    blockId: string,
    bounds: { min: number; max: number },
    run: (requestId: string, userId: string, text: string) => Promise<DecisionOutcome>,
    sent: Parameters<typeof textSentText>[0],
  ): void => {
    app.view(callbackId, async ({ ack, body, view }) => {
      // These modals never open for another workspace; a submission from one changes nothing.
      if (!fromAllowedWorkspace(deps, body)) {
        await ack({
          response_action: 'update',
          view: buildNoticeModal('Purchase request', OTHER_WORKSPACE_TEXT),
        });
        return;
      }
      const text = modalText(view.state.values, blockId);
      const problem = textProblem(text, bounds);
      if (problem) {
        await ack({ response_action: 'errors', errors: { [blockId]: problemText(problem) } });
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
          text: res.ok ? textSentText(sent, requestId) : refusalText(res.code, requestId, res.status),
        });
      });
    });
  };
  textView(
    IDS.rejectModal,
    IDS.blocks.rejectReason,
    TEXT_BOUNDS.rejectReason,
    (id, u, t) => deps.approvals.reject(id, u, t),
    'reject',
  );
  textView(
    IDS.askModal,
    IDS.blocks.question,
    TEXT_BOUNDS.question,
    (id, u, t) => deps.approvals.ask(id, u, t),
    'question',
  );
  textView(
    IDS.answerModal,
    IDS.blocks.answer,
    TEXT_BOUNDS.answer,
    (id, u, t) => deps.approvals.answer(id, u, t),
    'answer',
  );
}
