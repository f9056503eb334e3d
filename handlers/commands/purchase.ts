import type { App, RespondFn } from '@slack/bolt';
import { isFinal } from '../../src/purchases/model';
import { buildRequestModal, buildStatusBlocks, HELP_TEXT, statusLabel } from '../../src/slack/blocks';
import { escapeMrkdwn } from '../../src/slack/text';
import type { HandlerDeps } from '../deps';

const FINANCE = new Set(['balance', 'invoices', 'invoice', 'orders', 'entitlements']);

/**
 * /purchase and its subcommands. The bare command opens the modal straight away (it needs no data:
 * every list in it loads on demand), so views.open runs right after the ack.
 */
export function registerPurchaseCommand(app: App, deps: HandlerDeps): void {
  app.command('/purchase', async ({ ack, command, respond, client }) => {
    const [sub = '', ...args] = command.text.trim().split(/\s+/).filter(Boolean);
    const verb = sub.toLowerCase();
    if (verb === '' || verb === 'new') {
      await ack();
      await client.views.open({
        trigger_id: command.trigger_id,
        view: buildRequestModal({
          maxQuantity: deps.config.policy.maxQuantity,
          metadata: { v: 1, channel: command.channel_id },
        }),
      });
      return;
    }
    if (verb === 'help') {
      await ack({ response_type: 'ephemeral', text: HELP_TEXT });
      return;
    }
    await ack();
    deps.background(`/purchase ${verb}`, async () => {
      if (verb === 'status') return status(deps, respond, args[0]);
      if (verb === 'mine') return mine(deps, respond, command.user_id);
      if (verb === 'cancel') {
        if (!args[0])
          return void (await respond({
            response_type: 'ephemeral',
            text: 'Usage: `/purchase cancel <request id>`',
          }));
        const res = await deps.approvals.cancel(args[0].toUpperCase(), command.user_id);
        return void (await respond({ response_type: 'ephemeral', text: res.message }));
      }
      if (FINANCE.has(verb)) {
        const answer = await deps.finance.command(verb, args, {
          userId: command.user_id,
          channelId: command.channel_id,
        });
        return void (await respond({
          response_type: 'ephemeral',
          text: answer.text,
          ...(answer.blocks ? { blocks: answer.blocks } : {}),
        }));
      }
      await respond({
        response_type: 'ephemeral',
        text: `I don't know \`${escapeMrkdwn(sub)}\`.\n${HELP_TEXT}`,
      });
    });
  });
}

async function status(deps: HandlerDeps, respond: RespondFn, id: string | undefined): Promise<void> {
  if (!id) {
    await respond({ response_type: 'ephemeral', text: 'Usage: `/purchase status <request id>`' });
    return;
  }
  const r = await deps.repo.get(id.toUpperCase());
  if (!r) {
    await respond({
      response_type: 'ephemeral',
      text: `There is no request \`${escapeMrkdwn(id)}\`. \`/purchase mine\` lists yours.`,
    });
    return;
  }
  const audit = await deps.repo.audit(r.id);
  const view = buildStatusBlocks(r, audit);
  await respond({ response_type: 'ephemeral', text: view.text, blocks: view.blocks });
}

async function mine(deps: HandlerDeps, respond: RespondFn, userId: string): Promise<void> {
  const open = (await deps.repo.openForUser(userId)).filter((r) => !isFinal(r.status));
  if (open.length === 0) {
    await respond({
      response_type: 'ephemeral',
      text: 'You have no open purchase requests. `/purchase` starts one.',
    });
    return;
  }
  const lines = open
    .slice(0, 40)
    .map(
      (r) =>
        `• \`${r.id}\` ${r.quantity} × ${escapeMrkdwn(r.skuTitle)} for ${escapeMrkdwn(r.customerName)} — ${statusLabel(r)}`,
    );
  const more = open.length > 40 ? `\n…and ${open.length - 40} more.` : '';
  await respond({
    response_type: 'ephemeral',
    text: `*Your open requests (${open.length})*\n${lines.join('\n')}${more}`,
  });
}
