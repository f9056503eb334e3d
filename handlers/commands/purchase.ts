import type { App } from '@slack/bolt';
import { OTHER_WORKSPACE_TEXT, HELP_TEXT, unknownCommandText } from '../../src/slack/messages';
import { fromAllowedWorkspace } from '../context';
import type { HandlerDeps } from '../deps';
import { openForm } from '../open-form';

/**
 * /purchase and its subcommands. The bare command opens the form right after the ack; everything
 * else answers privately (response_url), after the ack.
 */
export function registerPurchaseCommand(app: App, deps: HandlerDeps): void {
  app.command('/purchase', async ({ ack, command, respond, body }) => {
    if (!fromAllowedWorkspace(deps, body)) {
      await ack({ response_type: 'ephemeral', text: OTHER_WORKSPACE_TEXT });
      return;
    }
    const [sub = '', ...args] = command.text.trim().split(/\s+/).filter(Boolean);
    const verb = sub.toLowerCase();
    if (verb === 'help') {
      await ack({ response_type: 'ephemeral', text: HELP_TEXT });
      return;
    }
    await ack();
    if (verb === '' || verb === 'new') {
      await openForm(deps, command.trigger_id, command.user_id, { v: 2, channel: command.channel_id });
      return;
    }
    deps.background(`/purchase ${verb}`, async () => {
      const answer = await deps.commands.run(verb, args, {
        userId: command.user_id,
        channelId: command.channel_id,
      });
      await respond({
        response_type: 'ephemeral',
        text: answer.text,
        ...(answer.blocks ? { blocks: answer.blocks } : {}),
      });
    });
  });
}

export { unknownCommandText };
