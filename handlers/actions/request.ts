import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { buildAnswerModal, openQuestion } from '../../src/slack/blocks';
import { requestIdOf } from '../../src/slack/codecs';
import { IDS } from '../../src/slack/ids';
import { refusalText } from '../../src/slack/messages';
import { fromAllowedWorkspace } from '../context';
import type { HandlerDeps } from '../deps';
import { openForm } from '../open-form';

/** The requester's buttons (Answer, Submit again, Cancel order) and App Home's New request. */
export function registerRequestActions(app: App, deps: HandlerDeps): void {
  const dm = async (userId: string, text: string): Promise<void> => {
    await deps.slack.postMessage({ channel: await deps.slack.openDm(userId), text });
  };

  app.action<BlockAction<ButtonAction>>(IDS.actions.answer, async ({ ack, action, body }) => {
    await ack();
    const id = requestIdOf(action.value);
    if (!id || !fromAllowedWorkspace(deps, body)) return;
    const r = await deps.requests.get(id);
    if (!r || r.requesterId !== body.user.id) {
      deps.background('answer', () => dm(body.user.id, refusalText('not_found', id)));
      return;
    }
    await deps.slack.openView(body.trigger_id, buildAnswerModal(id, openQuestion(r)));
  });

  app.action<BlockAction<ButtonAction>>(IDS.actions.submitAgain, async ({ ack, action, body }) => {
    await ack();
    const id = requestIdOf(action.value);
    if (!id || !fromAllowedWorkspace(deps, body)) return;
    const prefill = await deps.intake.prefill(id, body.user.id);
    if (!prefill) {
      deps.background('submit again', () => dm(body.user.id, refusalText('not_found', id)));
      return;
    }
    await openForm(deps, body.trigger_id, body.user.id, { v: 2, from: id }, prefill);
  });

  app.action<BlockAction<ButtonAction>>(IDS.actions.newRequest, async ({ ack, body }) => {
    await ack();
    if (!fromAllowedWorkspace(deps, body)) return;
    await openForm(deps, body.trigger_id, body.user.id, { v: 2 });
  });

  app.action<BlockAction<ButtonAction>>(IDS.actions.cancelOrder, async ({ ack, action, body }) => {
    await ack();
    const id = requestIdOf(action.value);
    if (!id || !fromAllowedWorkspace(deps, body)) return;
    deps.background('cancel order', async () => {
      const res = await deps.lifecycle.requestCancellation(id, body.user.id);
      if (!res.ok) {
        await dm(body.user.id, refusalText(res.code, id, undefined));
        return;
      }
      await deps.queues.enqueueCancellation(id);
    });
  });
}
