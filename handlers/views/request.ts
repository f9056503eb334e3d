import type { App } from '@slack/bolt';
import { decodeMetadata, readForm } from '../../src/slack/codecs';
import { buildNoticeModal } from '../../src/slack/blocks';
import { IDS } from '../../src/slack/ids';
import { OTHER_WORKSPACE_TEXT } from '../../src/slack/messages';
import { fromAllowedWorkspace } from '../context';
import type { HandlerDeps } from '../deps';

/**
 * The request form's submission. Answered from the cache: errors on their fields, "submitted", or
 * "checking" with the form kept; what needs Partner Center finishes after the ack.
 */
export function registerRequestView(app: App, deps: HandlerDeps): void {
  app.view(IDS.requestModal, async ({ ack, body, view }) => {
    // The form never opens for another workspace; a submission from one records nothing either.
    if (!fromAllowedWorkspace(deps, body)) {
      await ack({
        response_action: 'update',
        view: buildNoticeModal('Purchase request', OTHER_WORKSPACE_TEXT),
      });
      return;
    }
    const ackOf = await deps.forms.submitted(
      {
        id: view.id,
        values: readForm(view.state.values),
        metadata: decodeMetadata(view.private_metadata),
        blockIds: view.blocks.map((b) => b.block_id ?? ''),
      },
      body.user.id,
    );
    if (ackOf.kind === 'errors') {
      await ack({ response_action: 'errors', errors: ackOf.errors });
      return;
    }
    await ack({ response_action: 'update', view: ackOf.view });
    if (ackOf.after) deps.background('submit request', ackOf.after);
  });
}
