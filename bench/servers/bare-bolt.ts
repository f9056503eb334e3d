/**
 * The baseline: a bare Bolt app with the same Bolt version and the same ExpressReceiver (signature
 * verification on) as the bot, whose listeners only ack, configured the way Slack recommends: a
 * single-workspace app built with `new App({ token, signingSecret / receiver })` and Bolt's defaults
 * (Bolt for JavaScript "Getting started", https://docs.slack.dev/tools/bolt-js/getting-started).
 * `tokenVerificationEnabled` stays at its default `true`: Bolt then calls `auth.test` once, when the
 * app is built, and every request reuses that answer (bolt-js src/App.ts `singleAuthorization`: "call
 * auth.test immediately" when verification is on; with it off and no `botId`/`botUserId`, Bolt calls
 * `auth.test` on every inbound request, the setting issue 13 found in the old baseline). `/purchase open` also opens a minimal modal,
 * the baseline for "slash command → views.open". Started by bench/run.ts as its own process; reports
 * its URL over IPC.
 */
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';

const option = (i: number) => ({
  text: { type: 'plain_text' as const, text: `Option ${i}` },
  value: `value-${i}`,
});
// The same number of options the bot answers with, so the response sizes are alike.
const CUSTOMERS = Array.from({ length: 6 }, (_, i) => option(i));
const SKUS = Array.from({ length: 100 }, (_, i) => option(i));

async function main(): Promise<void> {
  // Bolt asks auth.test who it is once, at start; without a fake that would go to slack.com.
  const slackApiUrl = process.env.SLACK_API_URL;
  if (!slackApiUrl) throw new Error('SLACK_API_URL must name the Slack fake');
  const receiver = new ExpressReceiver({
    signingSecret: process.env.BARE_SIGNING_SECRET ?? '',
    endpoints: '/slack/events',
    logLevel: LogLevel.ERROR,
  });
  const app = new App({
    token: process.env.BARE_BOT_TOKEN ?? 'xoxb-test-token',
    receiver,
    clientOptions: { slackApiUrl },
    logLevel: LogLevel.ERROR,
  });
  // (Built without deferInitialization, the App has already sent its one auth.test.)
  // Each listener makes the Slack call any app answering that request must make, and nothing else:
  // /purchase opens a (one-block) modal, a click on an already decided request gets an ephemeral
  // "already decided", an option load is answered in the ack.
  app.command('/purchase', async ({ ack, command, client }) => {
    await ack();
    {
      await client.views.open({
        trigger_id: command.trigger_id,
        view: {
          type: 'modal',
          callback_id: 'bare',
          title: { type: 'plain_text', text: 'Purchase' },
          close: { type: 'plain_text', text: 'Cancel' },
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'baseline' } }],
        },
      });
    }
  });
  app.action('approve_request', async ({ ack, body, client }) => {
    await ack();
    const b = body as { user: { id: string }; channel?: { id: string } };
    await client.chat.postEphemeral({
      channel: b.channel?.id ?? '',
      user: b.user.id,
      text: 'This request was already decided.',
    });
  });
  app.options('customer', async ({ ack }) => {
    await ack({ options: CUSTOMERS });
  });
  app.options('sku', async ({ ack }) => {
    await ack({ options: SKUS });
  });
  app.error(async () => Promise.resolve());
  receiver.app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  const server = await receiver.start(Number(process.env.PORT ?? '0'));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bare bolt failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
