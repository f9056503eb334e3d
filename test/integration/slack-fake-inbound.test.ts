import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, LogLevel } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { startSlackFake, type SlackFake } from '../../fakes/slack';
import {
  blockActions,
  blockSuggestion,
  inputValues,
  SlackInbound,
  slashCommand,
  stateValue,
  viewSubmission,
} from '../../fakes/slack/inbound';
import { freePort } from '../../harness/redis-server';

/**
 * The inbound helper against a real Bolt App (HTTPReceiver) whose Web API client points at the fake:
 * Bolt must accept the signatures and payloads, and the fake must accept the trigger ids and
 * response_urls the helper hands out.
 */

const SECRET = 'test-signing-secret';
const TOKEN = 'xoxb-test-token';
const FIXTURES = join(__dirname, '..', 'fixtures', 'slack', 'inbound');
const fixtureKeys = (file: string): string[] =>
  Object.keys(JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as object);

const requestModal = {
  type: 'modal' as const,
  callback_id: 'purchase_request',
  notify_on_close: true,
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

let fake: SlackFake;
let app: App;
let slack: SlackInbound;
const submitted: unknown[] = [];
const closed: string[] = [];

beforeAll(async () => {
  fake = await startSlackFake();
  app = new App({
    token: TOKEN,
    signingSecret: SECRET,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command('/purchase', async ({ ack, command, client, respond }) => {
    await ack();
    if (command.text === 'help')
      await respond({ response_type: 'ephemeral', text: 'Usage: /purchase [help | status <id>]' });
    else await client.views.open({ trigger_id: command.trigger_id, view: requestModal });
  });
  app.action('approve_request', async ({ ack, respond, body }) => {
    await ack();
    const value =
      body.type === 'block_actions' && body.actions[0]?.type === 'button' ? body.actions[0].value : undefined;
    await respond({ replace_original: true, text: `Approved ${value ?? '?'} by <@${body.user.id}>` });
  });
  app.options('customer', async ({ ack, payload }) => {
    await ack({
      options: [{ text: { type: 'plain_text', text: `Contoso (${payload.value})` }, value: 'cust-1' }],
    });
  });
  app.view('purchase_request', async ({ ack, view }) => {
    const quantity = view.state.values.quantity?.quantity?.value;
    if (quantity === '0')
      return ack({ response_action: 'errors', errors: { quantity: 'Must be at least 1' } });
    submitted.push(view.state.values);
    await ack();
  });
  app.view({ callback_id: 'purchase_request', type: 'view_closed' }, async ({ ack, view }) => {
    closed.push(view.id);
    await ack();
  });
  const port = await freePort();
  await app.start(port);
  slack = new SlackInbound(`http://127.0.0.1:${port}/slack/events`, SECRET, { fake });
});

afterAll(async () => {
  await app.stop();
  await fake.close();
});

describe('payload builders', () => {
  it('build a slash command with every field of a real one, as strings', () => {
    const fields = slashCommand({ text: 'status REQ-1', user_id: 'U0REQUEST1', channel_id: 'C0GENERAL' });
    // enterprise_id/enterprise_name come only from Enterprise Grid workspaces; the seeded one is not.
    const real = fixtureKeys('slash-command.real-modified.parsed.json').filter(
      (k) => !k.startsWith('enterprise_'),
    );
    expect(Object.keys(fields)).toEqual(expect.arrayContaining(real));
    expect(fields).toMatchObject({
      command: '/purchase',
      text: 'status REQ-1',
      team_id: 'T0TEAM0001',
      user_name: 'rita.requester',
      channel_name: 'general',
    });
  });

  it('build block_actions, view_submission and block_suggestion payloads with the fields Slack sends', () => {
    expect(Object.keys(blockActions({ action_id: 'approve_request', value: 'REQ-1' }))).toEqual(
      expect.arrayContaining(fixtureKeys('block-actions.button.message.json')),
    );
    const submission = viewSubmission({
      callback_id: 'purchase_request',
      values: inputValues({ quantity: stateValue.number(2) }),
    });
    expect(Object.keys(submission)).toEqual(
      expect.arrayContaining(fixtureKeys('view-submission.plain_text_input.json')),
    );
    const fixtureView = (
      JSON.parse(readFileSync(join(FIXTURES, 'view-submission.plain_text_input.json'), 'utf8')) as {
        view: object;
      }
    ).view;
    expect(Object.keys(submission.view as object)).toEqual(expect.arrayContaining(Object.keys(fixtureView)));
    expect(Object.keys(blockSuggestion({ action_id: 'customer', value: 'con' }))).toEqual(
      expect.arrayContaining(fixtureKeys('block-suggestion.modal.json')),
    );
  });

  it('fill a button action from the message it was clicked in', () => {
    const message = {
      ts: '1700000000.000100',
      channel: 'C0APPROVALS',
      text: 'card',
      blocks: [
        {
          type: 'actions',
          block_id: 'decision',
          elements: [
            {
              type: 'button',
              action_id: 'approve_request',
              text: { type: 'plain_text', text: 'Approve' },
              value: 'REQ-7',
              style: 'primary',
            },
          ],
        },
      ],
    };
    const payload = blockActions({ action_id: 'approve_request', message, user: 'U0APPROVE2' });
    expect(payload).toMatchObject({
      container: { type: 'message', message_ts: message.ts, channel_id: 'C0APPROVALS' },
      channel: { id: 'C0APPROVALS', name: 'purchase-approvals' },
      user: { id: 'U0APPROVE2', username: 'arjun.approver' },
      actions: [
        {
          action_id: 'approve_request',
          block_id: 'decision',
          value: 'REQ-7',
          style: 'primary',
          type: 'button',
        },
      ],
    });
  });
});

describe('driving a Bolt app', () => {
  it('delivers a signed slash command that Bolt acks and whose trigger id opens the modal in the fake', async () => {
    const res = await slack.command({ text: '', user_id: 'U0REQUEST1' });
    expect(res.status).toBe(200);
    const open = await fake.waitFor('views.open');
    expect(open.args.trigger_id).toBe(res.payload.trigger_id);
    expect(open.response).toMatchObject({ ok: true, view: { callback_id: 'purchase_request' } });
  });

  it("records the bot's respond() through the response_url the command carried", async () => {
    const res = await slack.command({ text: 'help', user_id: 'U0REQUEST2', channel_id: 'C0GENERAL' });
    await fake.waitFor('response_url');
    expect(fake.responses(res.payload.response_url)).toEqual([
      expect.objectContaining({ text: expect.stringContaining('Usage') }),
    ]);
    expect(fake.ephemerals('C0GENERAL', 'U0REQUEST2')).toHaveLength(1);
  });

  it('clicks a button on a message in the fake, and the response_url replace updates that message', async () => {
    const posted = await new WebClient(TOKEN, { slackApiUrl: fake.apiUrl }).chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'REQ-9 awaits approval',
      blocks: [
        {
          type: 'actions',
          block_id: 'decision',
          elements: [
            {
              type: 'button',
              action_id: 'approve_request',
              text: { type: 'plain_text', text: 'Approve' },
              value: 'REQ-9',
            },
          ],
        },
      ],
    });
    const message = fake.messages('C0APPROVALS').find((m) => m.ts === posted.ts)!;
    const res = await slack.action({ action_id: 'approve_request', message, user: 'U0APPROVE1' });
    expect(res.status).toBe(200);
    await fake.waitFor('response_url', (c) => c.url === res.payload.response_url);
    expect(fake.messages('C0APPROVALS').find((m) => m.ts === posted.ts)?.text).toBe(
      'Approved REQ-9 by <@U0APPROVE1>',
    );
  });

  it('submits the modal the fake holds, and gets back the errors ack as JSON', async () => {
    const opened = await slack.command({ user_id: 'U0REQUEST1' });
    const call = await fake.waitFor('views.open', (c) => c.args.trigger_id === opened.payload.trigger_id);
    const viewId = (call.response as { view: { id: string } }).view.id;
    const view = fake.views.get(viewId)!;
    const bad = await slack.submit({
      view,
      user: 'U0REQUEST1',
      values: inputValues({
        customer: stateValue.externalSelect('cust-1', 'Contoso'),
        quantity: stateValue.number(0),
      }),
    });
    expect(bad.status).toBe(200);
    expect(bad.json).toEqual({ response_action: 'errors', errors: { quantity: 'Must be at least 1' } });
    expect(fake.viewIsOpen(viewId)).toBe(true);
    const good = await slack.submit({
      view,
      values: inputValues({
        customer: stateValue.externalSelect('cust-1', 'Contoso'),
        quantity: stateValue.number(3),
      }),
    });
    expect([good.status, good.body]).toEqual([200, '']);
    expect(submitted.at(-1)).toEqual({
      customer: {
        customer: expect.objectContaining({ selected_option: expect.objectContaining({ value: 'cust-1' }) }),
      },
      quantity: { quantity: { type: 'number_input', value: '3' } },
    });
    expect(fake.viewIsOpen(viewId)).toBe(false);
  });

  it('tells the bot when the user closes the modal, and the fake closes it', async () => {
    const opened = await slack.command({ user_id: 'U0REQUEST2' });
    const call = await fake.waitFor('views.open', (c) => c.args.trigger_id === opened.payload.trigger_id);
    const view = fake.views.get((call.response as { view: { id: string } }).view.id)!;
    const res = await slack.closed({ view, user: 'U0REQUEST2' });
    expect(res.status).toBe(200);
    expect(closed).toContain(view.id);
    expect(fake.viewIsOpen(view.id)).toBe(false);
  });

  it('asks for external select options and reads the options ack', async () => {
    const res = await slack.options({
      action_id: 'customer',
      value: 'con',
      view: { ...requestModal, id: 'V0TEST0001' },
    });
    expect(res.json).toEqual({
      options: [{ text: { type: 'plain_text', text: 'Contoso (con)' }, value: 'cust-1' }],
    });
  });

  it('is refused by Bolt with 401 for a wrong signature or a timestamp older than five minutes', async () => {
    expect((await slack.send('command', slashCommand(), { signature: 'v0=deadbeef' })).status).toBe(401);
    expect(
      (await slack.send('command', slashCommand(), { timestamp: Math.floor(Date.now() / 1000) - 301 }))
        .status,
    ).toBe(401);
  });

  it('shows why the content type must be exactly form-urlencoded: with a charset Bolt cannot parse the body', async () => {
    const res = await slack.send('command', slashCommand(), {
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    });
    expect(res.status).toBe(400);
  });
});
