import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { buildRejectModal, buildRequestModal, decodeMetadata } from '../../src/slack/blocks';
import { IDS } from '../../src/slack/ids';
import { isKind } from '../options/catalog';
import type { HandlerDeps } from '../deps';

/** The button value is the request id and nothing else; anything longer is not ours. */
function requestIdOf(action: ButtonAction): string | undefined {
  const v = action.value ?? '';
  return /^PR-[A-Z0-9]{4,16}$/.test(v) ? v : undefined;
}

export function registerDecisionActions(app: App, deps: HandlerDeps): void {
  app.action<BlockAction<ButtonAction>>(IDS.actions.approve, async ({ ack, action, body }) => {
    await ack();
    const id = requestIdOf(action);
    const channel = body.channel?.id ?? deps.config.channels.approvals;
    deps.background('approve', async () => {
      const res = id
        ? await deps.approvals.approve(id, body.user.id)
        : { ok: false as const, message: 'This button does not name a request.' };
      if (!res.ok) await deps.slack.postEphemeral({ channel, user: body.user.id, text: res.message });
    });
  });

  app.action<BlockAction<ButtonAction>>(IDS.actions.reject, async ({ ack, action, body, client }) => {
    await ack();
    const id = requestIdOf(action);
    const channel = body.channel?.id ?? deps.config.channels.approvals;
    if (!id) return;
    // Refuse early (privately) rather than ask a non-approver for a reason.
    const r = await deps.repo.get(id);
    const refusal = !r
      ? `There is no request ${id}.`
      : r.requesterId === body.user.id
        ? 'You cannot decide on your own request. Use `/purchase cancel` to withdraw it.'
        : r.status !== 'pending_approval'
          ? `Request ${id} is already decided.`
          : !(await deps.approvals.canApprove(body.user.id))
            ? 'Only configured approvers can reject purchase requests.'
            : undefined;
    if (refusal) {
      await deps.slack.postEphemeral({ channel, user: body.user.id, text: refusal });
      return;
    }
    await client.views.open({ trigger_id: body.trigger_id, view: buildRejectModal(id) });
  });

  // Choosing a kind re-renders the modal: only reservations ask for an Azure subscription.
  app.action<BlockAction>(IDS.blocks.kind, async ({ ack, body, action }) => {
    await ack();
    if (!body.view || action.type !== 'static_select') return;
    const kind = action.selected_option?.value;
    await deps.slack.updateView(
      body.view.id,
      buildRequestModal({
        kind: isKind(kind) ? kind : undefined,
        maxQuantity: deps.config.policy.maxQuantity,
        metadata: decodeMetadata(body.view.private_metadata),
      }),
      body.view.hash,
    );
  });
}
