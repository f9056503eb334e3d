import { App, LogLevel, type BlockAction, type ButtonAction } from '@slack/bolt';
import { startSlackFake, type SlackFake } from '../../fakes/slack';
import { inputValues, SlackInbound, stateValue } from '../../fakes/slack/inbound';
import { freePort } from '../../harness/redis-server';

/**
 * One journey, two transports: the same Bolt listeners and the same SlackInbound calls, once over HTTP
 * (signed POSTs) and once over Socket Mode (envelopes on the fake's WebSocket). The outcomes in the fake
 * must be the same, so the lead can run every end-to-end test in both modes.
 */

const SECRET = 'modes-signing-secret';

const form = {
  type: 'modal' as const,
  callback_id: 'purchase_request',
  title: { type: 'plain_text' as const, text: 'New purchase' },
  submit: { type: 'plain_text' as const, text: 'Submit' },
  blocks: [
    {
      type: 'input' as const,
      block_id: 'customer',
      label: { type: 'plain_text' as const, text: 'Customer' },
      element: { type: 'external_select' as const, action_id: 'customer', min_query_length: 2 },
    },
    {
      type: 'input' as const,
      block_id: 'quantity',
      label: { type: 'plain_text' as const, text: 'Quantity' },
      element: { type: 'number_input' as const, action_id: 'quantity', is_decimal_allowed: false },
    },
  ],
};

const retries: Array<[unknown, unknown]> = [];

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function listen(app: App): void {
  app.command('/purchase', async ({ ack, command, client }) => {
    if (command.text === 'help') return ack({ response_type: 'ephemeral', text: 'Usage: /purchase' });
    await ack();
    await client.views.open({ trigger_id: command.trigger_id, view: form });
  });
  app.shortcut('new_purchase', async ({ ack, shortcut, client }) => {
    await ack();
    await client.views.open({ trigger_id: shortcut.trigger_id, view: form });
  });
  app.shortcut('report_message', async ({ ack, respond }) => {
    await ack();
    await respond({ response_type: 'ephemeral', text: 'Reported' });
  });
  app.options('customer', async ({ ack, payload }) =>
    ack({ options: [{ text: { type: 'plain_text', text: `Contoso ${payload.value}` }, value: 'cust-1' }] }),
  );
  app.view('purchase_request', async ({ ack, view, body, client }) => {
    const quantity = view.state.values.quantity?.quantity?.value;
    if (quantity === '0') return ack({ response_action: 'errors', errors: { quantity: 'At least 1' } });
    await ack();
    await client.chat.postMessage({
      channel: 'C0APPROVALS',
      text: `REQ-1: ${quantity} licences for <@${body.user.id}>`,
      blocks: [
        {
          type: 'actions',
          block_id: 'decision',
          elements: [
            {
              type: 'button',
              action_id: 'approve_request',
              text: { type: 'plain_text', text: 'Approve' },
              value: 'REQ-1',
              style: 'primary',
              confirm: {
                title: { type: 'plain_text', text: 'Approve REQ-1?' },
                text: { type: 'mrkdwn', text: 'This places the order.' },
                confirm: { type: 'plain_text', text: 'Approve' },
                deny: { type: 'plain_text', text: 'Not yet' },
              },
            },
          ],
        },
      ],
    });
    await client.chat.postMessage({ channel: body.user.id, text: 'Your request REQ-1 awaits approval' });
  });
  app.action<BlockAction<ButtonAction>>('approve_request', async ({ ack, body, respond, client }) => {
    await ack();
    await respond({ replace_original: true, text: `REQ-1 approved by <@${body.user.id}>` });
    await client.chat.postMessage({
      channel: body.channel!.id,
      thread_ts: body.message!.ts,
      text: 'Ordered',
      reply_broadcast: true,
    });
  });
  app.event('app_home_opened', async ({ event, client, context }) => {
    retries.push([context.retryNum, context.retryReason]);
    await client.views.publish({
      user_id: event.user,
      view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Your requests' } }] },
    });
  });
}

describe.each(['http', 'socket'] as const)('the same journey over %s', (mode) => {
  let fake: SlackFake;
  let app: App;
  let slack: SlackInbound;

  beforeAll(async () => {
    fake = await startSlackFake({
      homeTabEnabled: true,
      // What the manifest must declare for Slack to send these.
      declared: {
        shortcuts: [
          { callback_id: 'new_purchase', type: 'global' },
          { callback_id: 'report_message', type: 'message' },
        ],
        botEvents: ['app_home_opened'],
      },
    });
    const common = {
      token: fake.botToken,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    };
    if (mode === 'http') {
      app = new App({ ...common, signingSecret: SECRET });
      listen(app);
      const port = await freePort();
      await app.start(port);
      slack = SlackInbound.create({
        mode,
        botUrl: `http://127.0.0.1:${port}/slack/events`,
        signingSecret: SECRET,
        fake,
      });
    } else {
      app = new App({ ...common, appToken: fake.appToken, socketMode: true });
      listen(app);
      await app.start();
      slack = SlackInbound.create({ mode, fake });
    }
  });

  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('shows the answer to /purchase help as an ephemeral for the user who typed it', async () => {
    const res = await slack.command({ text: 'help', user_id: 'U0REQUEST2', channel_id: 'C0GENERAL' });
    expect(res).toMatchObject({
      status: 200,
      mode,
      json: { response_type: 'ephemeral', text: 'Usage: /purchase' },
    });
    expect(fake.ephemerals('C0GENERAL', 'U0REQUEST2').map((e) => e.text)).toEqual(['Usage: /purchase']);
  });

  it('opens the form, looks up customers, shows errors, and posts the approval card and a DM on submit', async () => {
    const opened = await slack.command({ user_id: 'U0REQUEST1' });
    const call = await fake.waitFor('views.open', (c) => c.args.trigger_id === opened.payload.trigger_id);
    const view = fake.views.get((call.response as { view: { id: string } }).view.id)!;
    expect((await slack.options({ action_id: 'customer', value: 'con', view })).options).toEqual([
      { text: { type: 'plain_text', text: 'Contoso con' }, value: 'cust-1' },
    ]);
    const refused = await slack.submit({ view, values: inputValues({ quantity: stateValue.number(0) }) });
    expect(refused.json).toEqual({ response_action: 'errors', errors: { quantity: 'At least 1' } });
    expect(fake.viewIsOpen(view.id)).toBe(true);
    await slack.submit({ view, user: 'U0REQUEST1', values: inputValues({ quantity: stateValue.number(3) }) });
    expect(fake.viewIsOpen(view.id)).toBe(false);
    await fake.waitFor('chat.postMessage', (c) => c.args.channel === 'U0REQUEST1');
    expect(fake.channelMessages('C0APPROVALS').map((m) => m.text)).toEqual([
      'REQ-1: 3 licences for <@U0REQUEST1>',
    ]);
    expect(fake.messages(fake.dmChannelId('U0REQUEST1')).map((m) => m.text)).toEqual([
      'Your request REQ-1 awaits approval',
    ]);
  });

  it('approves from the card: the card is replaced and the broadcast reply shows in the channel', async () => {
    const card = fake.channelMessages('C0APPROVALS')[0]!;
    const res = await slack.action({ action_id: 'approve_request', message: card, user: 'U0APPROVE1' });
    expect(res.status).toBe(200);
    await fake.waitFor('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    await fake.waitFor('response_url', (c) => c.url === res.payload.response_url);
    expect(fake.channelMessages('C0APPROVALS').map((m) => m.text)).toEqual([
      'REQ-1 approved by <@U0APPROVE1>',
      'Ordered',
    ]);
    expect(fake.thread('C0APPROVALS', card.ts).map((m) => m.text)).toEqual([
      'REQ-1 approved by <@U0APPROVE1>',
      'Ordered',
    ]);
  });

  it('opens the form from the global shortcut and answers a message shortcut through its response_url', async () => {
    const global = await slack.shortcut({ callback_id: 'new_purchase', user: 'U0APPROVE2' });
    await fake.waitFor('views.open', (c) => c.args.trigger_id === global.payload.trigger_id);
    const card = fake.channelMessages('C0APPROVALS')[0]!;
    const report = await slack.messageShortcut({
      callback_id: 'report_message',
      message: card,
      user: 'U0FINANCE1',
    });
    await fake.waitFor('response_url', (c) => c.url === report.payload.response_url);
    expect(fake.ephemerals('C0APPROVALS', 'U0FINANCE1').map((e) => e.text)).toEqual(['Reported']);
  });

  it('tells the listener when an event says it is a retry; a first delivery differs by transport', async () => {
    retries.length = 0;
    await slack.appHomeOpened({ user: 'U0REQUEST2' }, { retryNum: 2, retryReason: 'timeout' });
    await slack.appHomeOpened({ user: 'U0REQUEST2' });
    // Both listeners publish; wait for them so nothing is in flight when the next test starts.
    await until(
      () => fake.callsTo('views.publish').filter((c) => c.args.user_id === 'U0REQUEST2').length === 2,
    );
    // Over HTTP a first delivery has no X-Slack-Retry-* headers; over the socket it has retry_attempt 0
    // and retry_reason '' (fixture envelope.events_api.json), which Bolt passes on as they are. A bot
    // must test `context.retryNum` for a positive number, not for presence.
    expect(retries).toEqual([[2, 'timeout'], mode === 'http' ? [undefined, undefined] : [0, '']]);
  });

  it('publishes the Home tab when a user opens it', async () => {
    const res = await slack.appHomeOpened({ user: 'U0OUTSIDER' });
    expect(res.status).toBe(200);
    await fake.waitFor('views.publish', (c) => c.args.user_id === 'U0OUTSIDER');
    expect(fake.homeView('U0OUTSIDER')?.blocks[0]).toMatchObject({ text: { text: 'Your requests' } });
  });
});
