import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { buildAskModal, buildRejectModal } from '../../src/slack/blocks';
import { requestIdOf } from '../../src/slack/codecs';
import { IDS } from '../../src/slack/ids';
import { refusalText } from '../../src/slack/messages';
import type { DecisionOutcome } from '../../src/services/approvals';
import { fromAllowedWorkspace } from '../context';
import type { HandlerDeps } from '../deps';

/** Approve, Reject and Ask on the card (and on the approvers' App Home). */
export function registerDecisionActions(app: App, deps: HandlerDeps): void {
  const tell = async (body: BlockAction, res: DecisionOutcome, requestId: string): Promise<void> => {
    if (res.ok) return;
    const text = refusalText(res.code, requestId, res.status);
    if (body.channel?.id)
      await deps.slack.postEphemeral({ channel: body.channel.id, user: body.user.id, text });
    else await deps.slack.postMessage({ channel: await deps.slack.openDm(body.user.id), text });
  };

  app.action<BlockAction<ButtonAction>>(IDS.actions.approve, async ({ ack, action, body }) => {
    await ack();
    const id = requestIdOf(action.value);
    if (!id || !fromAllowedWorkspace(deps, body)) return;
    deps.background('approve', async () => {
      await tell(body, await deps.approvals.approve(id, body.user.id), id);
      // Clicked on App Home: the tab shows the queue as it now stands (Slack keeps a Home tab until republished).
      if (body.view?.type === 'home') await deps.home.publish(body.user.id);
    });
  });

  // Reject and Ask open a modal, but not for someone who may not decide (refused privately instead).
  const withModal = (actionId: string, modal: (id: string) => ReturnType<typeof buildRejectModal>): void => {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, action, body }) => {
      await ack();
      const id = requestIdOf(action.value);
      if (!id || !fromAllowedWorkspace(deps, body)) return;
      const allowed = await deps.approvals.mayDecide(id, body.user.id);
      if (!allowed.ok) {
        deps.background(actionId, () => tell(body, allowed, id));
        return;
      }
      await deps.slack.openView(body.trigger_id, modal(id));
    });
  };
  withModal(IDS.actions.reject, buildRejectModal);
  withModal(IDS.actions.ask, buildAskModal);
}
