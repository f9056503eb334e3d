import type { App } from '@slack/bolt';
import { buildNoticeModal } from '../../src/slack/blocks';
import { IDS } from '../../src/slack/ids';
import { OTHER_WORKSPACE_TEXT } from '../../src/slack/messages';
import { fromAllowedWorkspace } from '../context';
import type { HandlerDeps } from '../deps';
import { openForm } from '../open-form';

/** The global shortcut "New purchase request" opens the same form as /purchase. */
export function registerShortcuts(app: App, deps: HandlerDeps): void {
  app.shortcut(IDS.shortcut, async ({ ack, shortcut, body }) => {
    await ack();
    if (!fromAllowedWorkspace(deps, body)) {
      await deps.slack.openView(
        shortcut.trigger_id,
        buildNoticeModal('Purchase request', OTHER_WORKSPACE_TEXT),
      );
      return;
    }
    await openForm(deps, shortcut.trigger_id, shortcut.user.id, { v: 2 });
  });
}
