import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, LogLevel } from '@slack/bolt';
import { LogLevel as WebLogLevel, WebClient, type Logger, type WebAPICallResult } from '@slack/web-api';
import { startSlackFake, type SlackFake, type SlackFakeOptions } from '../../fakes/slack';
import {
  blockActions,
  checkOptionsAnswer,
  globalShortcut,
  messageShortcut,
  SlackInbound,
  slashCommand,
  viewSubmission,
} from '../../fakes/slack/inbound';
import { ENTERPRISE } from '../../fakes/slack/seed';
import { freePort } from '../../harness/redis-server';

/**
 * The workspace the bot lives in: Home tabs, who is in which channel, who is a guest or from elsewhere,
 * threads and DMs, the Block Kit rules, and how far away Slack is.
 */

/** WebClient logs Slack's response_metadata.messages as errors; the tests read them from the error instead. */
const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => WebLogLevel.ERROR,
  setName: () => undefined,
};

const FIXTURES = join(__dirname, '..', 'fixtures', 'slack');
const fixture = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Record<string, unknown>;
const keys = (o: unknown): string[] => Object.keys(o as object).sort();

const fakes: SlackFake[] = [];
async function fakeWith(opts: SlackFakeOptions = {}): Promise<SlackFake> {
  const fake = await startSlackFake(opts);
  fakes.push(fake);
  return fake;
}
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
});

const web = (fake: SlackFake) =>
  new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 }, logger: quiet });

async function platformError(p: Promise<WebAPICallResult>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return (err as { data: Record<string, unknown> }).data;
  }
  throw new Error('expected a platform error');
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const home = (blocks: unknown[], extra: Record<string, unknown> = {}) =>
  ({ type: 'home', blocks, ...extra }) as never;

describe('views.publish (the Home tab)', () => {
  it('answers not_enabled when the app has no Home tab', async () => {
    const fake = await fakeWith({ homeTabEnabled: false });
    expect(
      await platformError(web(fake).views.publish({ user_id: 'U0REQUEST1', view: home([section('x')]) })),
    ).toMatchObject({ ok: false, error: 'not_enabled' });
  });

  it('publishes a home view per user in the documented shape, and keeps its id with a new hash each time', async () => {
    const fake = await fakeWith({ homeTabEnabled: true });
    const first = await web(fake).views.publish({
      user_id: 'U0REQUEST1',
      view: home([section('one')], { callback_id: 'home', private_metadata: 'p' }),
    });
    expect(keys(first.view).filter((k) => k !== 'title' && k !== 'app_installed_team_id')).toEqual(
      keys((fixture('webapi/views.publish.response.json') as { view: object }).view),
    );
    expect(first.view).toMatchObject({
      type: 'home',
      callback_id: 'home',
      private_metadata: 'p',
      close: null,
      submit: null,
    });
    const second = await web(fake).views.publish({
      user_id: 'U0REQUEST1',
      view: home([section('two')]),
      hash: first.view!.hash,
    });
    expect(second.view!.id).toBe(first.view!.id);
    expect(second.view!.hash).not.toBe(first.view!.hash);
    expect(fake.homeView('U0REQUEST1')?.blocks[0]).toMatchObject({ text: { text: 'two' } });
    expect(fake.homeView('U0REQUEST2')).toBeUndefined();
  });

  it('answers hash_conflict for a stale hash, and invalid_arguments for a modal or an unknown user', async () => {
    const fake = await fakeWith({ homeTabEnabled: true });
    const first = await web(fake).views.publish({ user_id: 'U0REQUEST1', view: home([section('one')]) });
    await web(fake).views.publish({ user_id: 'U0REQUEST1', view: home([section('two')]) });
    expect(
      await platformError(
        web(fake).views.publish({
          user_id: 'U0REQUEST1',
          view: home([section('3')]),
          hash: first.view!.hash,
        }),
      ),
    ).toMatchObject({ error: 'hash_conflict' });
    expect(
      await platformError(
        web(fake).views.publish({
          user_id: 'U0REQUEST1',
          view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] } as never,
        }),
      ),
    ).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: [expect.stringContaining('/view/type')] },
    });
    expect(
      await platformError(web(fake).views.publish({ user_id: 'U0NOBODY1', view: home([]) })),
    ).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['invalid `user_id`'] },
    });
  });

  it('takes 100 blocks on a Home tab and refuses 101', async () => {
    const fake = await fakeWith({ homeTabEnabled: true });
    const blocks = (n: number) => Array.from({ length: n }, (_, i) => section(`b${i}`));
    await web(fake).views.publish({ user_id: 'U0REQUEST1', view: home(blocks(100)) });
    expect(
      await platformError(web(fake).views.publish({ user_id: 'U0REQUEST1', view: home(blocks(101)) })),
    ).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: { messages: ['[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]'] },
    });
  });

  it('lets views.update change a published Home tab, and refuses to turn it into a modal', async () => {
    const fake = await fakeWith({ homeTabEnabled: true });
    const { view } = await web(fake).views.publish({ user_id: 'U0REQUEST1', view: home([section('one')]) });
    await web(fake).views.update({ view_id: view!.id!, view: home([section('updated')]) });
    expect(fake.homeView('U0REQUEST1')?.blocks[0]).toMatchObject({ text: { text: 'updated' } });
    expect(
      await platformError(
        web(fake).views.update({
          view_id: view!.id!,
          view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
        }),
      ),
    ).toMatchObject({ error: 'invalid_arguments' });
  });

  it('refuses a home view in views.open, which opens modals only', async () => {
    const fake = await fakeWith();
    expect(
      await platformError(
        web(fake).views.open({ trigger_id: fake.issueTriggerId(), view: home([section('x')]) }),
      ),
    ).toMatchObject({ error: 'invalid_arguments' });
  });
});

describe('channel membership', () => {
  it('tells whether the bot is in a channel, lists members, and hides private channels it is not in', async () => {
    const fake = await fakeWith();
    const client = web(fake);
    expect((await client.conversations.info({ channel: 'C0APPROVALS' })).channel).toMatchObject({
      is_member: true,
    });
    const lobby = fake.createChannel({ name: 'lobby' });
    const secret = fake.createChannel({ name: 'secret', isPrivate: true, members: ['U0APPROVE1'] });
    expect((await client.conversations.info({ channel: lobby })).channel).toMatchObject({
      name: 'lobby',
      is_member: false,
    });
    expect((await client.conversations.members({ channel: lobby })).members).not.toContain('U0PCBOT001');
    expect(await platformError(client.chat.postMessage({ channel: lobby, text: 'hi' }))).toMatchObject({
      error: 'not_in_channel',
    });
    for (const call of [
      client.conversations.info({ channel: secret }),
      client.conversations.members({ channel: secret }),
      client.chat.postMessage({ channel: secret, text: 'hi' }),
    ])
      expect(await platformError(call)).toMatchObject({ error: 'channel_not_found' });
    fake.addBotToChannel(secret);
    expect((await client.conversations.members({ channel: secret })).members).toEqual([
      'U0APPROVE1',
      'U0PCBOT001',
    ]);
  });

  it('loses the approvals channel when the bot is removed from it', async () => {
    const fake = await fakeWith();
    fake.removeBotFromChannel('C0APPROVALS');
    expect((await web(fake).conversations.info({ channel: 'C0APPROVALS' })).channel).toMatchObject({
      is_member: false,
    });
    expect(
      await platformError(web(fake).chat.postMessage({ channel: 'C0APPROVALS', text: 'card' })),
    ).toMatchObject({
      error: 'not_in_channel',
    });
    fake.addBotToChannel('C0APPROVALS');
    await web(fake).chat.postMessage({ channel: 'C0APPROVALS', text: 'card' });
  });

  it('seats the guests only in their channels, and lets tests add and remove members', async () => {
    const fake = await fakeWith();
    const members = async (c: string) => (await web(fake).conversations.members({ channel: c })).members!;
    expect(await members('C0APPROVALS')).toEqual(expect.arrayContaining(['U0APPROVE1', 'U0GUESTMC1']));
    expect(await members('C0APPROVALS')).not.toContain('U0GUESTSC1');
    expect(await members('C0GENERAL')).toEqual(expect.arrayContaining(['U0GUESTMC1', 'U0GUESTSC1']));
    expect(await members('C0FINANCE')).not.toEqual(expect.arrayContaining(['U0GUESTMC1']));
    for (const outsider of ['U0FOREIGN1', 'U0DELETED1', 'U0OTHERBOT'])
      expect(await members('C0GENERAL')).not.toContain(outsider);
    fake.removeChannelMember('C0APPROVALS', 'U0APPROVE2');
    fake.addChannelMember('C0APPROVALS', 'U0FOREIGN1');
    expect(await members('C0APPROVALS')).toEqual(expect.arrayContaining(['U0FOREIGN1']));
    expect(await members('C0APPROVALS')).not.toContain('U0APPROVE2');
  });
});

describe('users', () => {
  it('describes guests, bots, deactivated users and users of another team as users.info does', async () => {
    const fake = await fakeWith();
    const info = async (user: string) => (await web(fake).users.info({ user })).user!;
    expect(await info('U0APPROVE1')).toMatchObject({
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: false,
      deleted: false,
      team_id: 'T0TEAM0001',
    });
    expect(await info('U0GUESTMC1')).toMatchObject({ is_restricted: true, is_ultra_restricted: false });
    expect(await info('U0GUESTSC1')).toMatchObject({ is_restricted: true, is_ultra_restricted: true });
    expect(await info('U0OTHERBOT')).toMatchObject({ is_bot: true });
    expect(await info('U0DELETED1')).toMatchObject({ deleted: true });
    expect(await info('U0FOREIGN1')).toMatchObject({
      team_id: 'T0OTHER001',
      profile: { team: 'T0OTHER001' },
    });
  });
});

describe('messages', () => {
  it('keeps a broadcast thread reply in the thread and shows it in the channel', async () => {
    const fake = await fakeWith();
    const client = web(fake);
    const parent = await client.chat.postMessage({ channel: 'C0APPROVALS', text: 'Request REQ-1' });
    const threadTs = parent.ts!;
    const quiet = await client.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'note',
      thread_ts: threadTs,
    });
    const loud = await client.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'Approved',
      thread_ts: threadTs,
      reply_broadcast: true,
    });
    expect(loud.message).toMatchObject({ subtype: 'thread_broadcast', thread_ts: parent.ts });
    expect(fake.thread('C0APPROVALS', parent.ts!).map((m) => m.ts)).toEqual([parent.ts, quiet.ts, loud.ts]);
    expect(fake.channelMessages('C0APPROVALS').map((m) => m.text)).toEqual(['Request REQ-1', 'Approved']);
    expect(fake.messages('C0APPROVALS').find((m) => m.ts === parent.ts)?.reply_count).toBe(2);
  });

  it("posts to a user id in the app's DM with that user, and refuses users it cannot DM", async () => {
    const fake = await fakeWith();
    const client = web(fake);
    const res = await client.chat.postMessage({ channel: 'U0REQUEST1', text: 'Your request was approved' });
    expect(res.channel).toBe(fake.dmChannelId('U0REQUEST1'));
    expect(res.channel).toMatch(/^D/);
    expect(fake.messages(fake.dmChannelId('U0REQUEST1'))).toHaveLength(1);
    for (const user of ['U0DELETED1', 'U0FOREIGN1', 'U0OTHERBOT'])
      expect(await platformError(client.chat.postMessage({ channel: user, text: 'x' }))).toMatchObject({
        error: 'channel_not_found',
      });
    expect(await platformError(client.conversations.open({ users: 'U0DELETED1' }))).toMatchObject({
      error: 'user_disabled',
    });
  });

  it('answers messages_tab_disabled for DMs when the app has no Messages tab', async () => {
    const fake = await fakeWith({ messagesTabEnabled: false });
    expect(
      await platformError(web(fake).chat.postMessage({ channel: 'U0REQUEST1', text: 'x' })),
    ).toMatchObject({
      error: 'messages_tab_disabled',
    });
    await web(fake).chat.postMessage({ channel: 'C0GENERAL', text: 'channels still work' });
  });

  it('shows a command answer as an ephemeral, or in the channel with response_type in_channel', async () => {
    const fake = await fakeWith();
    fake.applyCommandAck({ channel: 'C0GENERAL', user: 'U0REQUEST1' }, 'plain text answer');
    fake.applyCommandAck(
      { channel: 'C0GENERAL', user: 'U0REQUEST1' },
      { response_type: 'in_channel', text: 'for all' },
    );
    expect(fake.ephemerals('C0GENERAL', 'U0REQUEST1').map((e) => e.text)).toEqual(['plain text answer']);
    expect(fake.channelMessages('C0GENERAL').map((m) => [m.text, m.source])).toEqual([
      ['for all', 'command_response'],
    ]);
  });
});

describe('Block Kit rules', () => {
  const post = (fake: SlackFake, blocks: unknown[]) =>
    platformError(web(fake).chat.postMessage({ channel: 'C0GENERAL', text: 'x', blocks: blocks as never }));
  const accepts = async (fake: SlackFake, blocks: unknown[]) =>
    web(fake).chat.postMessage({ channel: 'C0GENERAL', text: 'x', blocks: blocks as never });
  const txt = (text: string) => ({ type: 'plain_text', text });
  const option = (value: string, text = value) => ({ text: txt(text), value });
  const button = (extra: Record<string, unknown>) => ({
    type: 'actions',
    elements: [{ type: 'button', action_id: 'b', text: txt('Go'), ...extra }],
  });
  const confirm = {
    title: txt('Sure?'),
    text: { type: 'mrkdwn', text: 'This *cancels* the order' },
    confirm: txt('Cancel order'),
    deny: txt('Keep it'),
    style: 'danger',
  };

  it('accepts a confirm dialog with the documented fields and refuses missing parts, wrong styles and long texts', async () => {
    const fake = await fakeWith();
    await accepts(fake, [button({ confirm })]);
    const refused = async (c: Record<string, unknown>) =>
      ((await post(fake, [button({ confirm: c })])).response_metadata as { messages: string[] }).messages;
    expect(await refused({ ...confirm, title: undefined })).toEqual([
      '[ERROR] must provide an object [json-pointer:/blocks/0/elements/0/confirm/title]',
    ]);
    expect(await refused({ ...confirm, deny: undefined })).toEqual([
      '[ERROR] must provide an object [json-pointer:/blocks/0/elements/0/confirm/deny]',
    ]);
    expect(await refused({ ...confirm, style: 'warning' })).toEqual([
      '[ERROR] must be one of primary, danger [json-pointer:/blocks/0/elements/0/confirm/style]',
    ]);
    expect(await refused({ ...confirm, title: txt('t'.repeat(101)), confirm: txt('c'.repeat(31)) })).toEqual([
      '[ERROR] must be less than 101 characters [json-pointer:/blocks/0/elements/0/confirm/title/text]',
      '[ERROR] must be less than 31 characters [json-pointer:/blocks/0/elements/0/confirm/confirm/text]',
    ]);
    expect(await refused({ ...confirm, text: { type: 'mrkdwn', text: 'x'.repeat(301) } })).toEqual([
      '[ERROR] must be less than 301 characters [json-pointer:/blocks/0/elements/0/confirm/text/text]',
    ]);
    expect(await refused({ ...confirm, confirm: { type: 'mrkdwn', text: 'Go' } })).toEqual([
      '[ERROR] must be plain_text [json-pointer:/blocks/0/elements/0/confirm/confirm/type]',
    ]);
  });

  it('limits a button accessibility_label to 75 characters', async () => {
    const fake = await fakeWith();
    await accepts(fake, [button({ accessibility_label: 'a'.repeat(75) })]);
    expect(await post(fake, [button({ accessibility_label: 'a'.repeat(76) })])).toMatchObject({
      error: 'invalid_blocks',
    });
  });

  it('wants a static select initial_option among its options, and lets an external select start anywhere', async () => {
    const fake = await fakeWith();
    const select = (el: Record<string, unknown>) => ({
      type: 'input',
      block_id: 'kind',
      label: txt('Kind'),
      element: { action_id: 'kind', ...el },
    });
    const staticOptions = {
      type: 'static_select',
      options: [option('software'), option('azure', 'Azure reservation')],
    };
    const modal = (blocks: unknown[]) =>
      web(fake).views.open({
        trigger_id: fake.issueTriggerId(),
        view: { type: 'modal', title: txt('New'), submit: txt('Go'), blocks } as never,
      });
    await modal([select({ ...staticOptions, initial_option: option('azure', 'Azure reservation') })]);
    await modal([
      select({
        type: 'static_select',
        option_groups: [{ label: txt('Cloud'), options: [option('azure')] }],
        initial_option: option('azure'),
      }),
    ]);
    expect(
      await platformError(modal([select({ ...staticOptions, initial_option: option('azure', 'Azure') })])),
    ).toMatchObject({
      error: 'invalid_arguments',
      response_metadata: {
        messages: [
          '[ERROR] must exactly match one of the provided options [json-pointer:/view/blocks/0/element/initial_option]',
        ],
      },
    });
    await modal([select({ type: 'external_select', initial_option: option('cust-42', 'Contoso') })]);
    expect(
      await platformError(
        modal([select({ type: 'external_select', initial_option: { text: txt('no value') } })]),
      ),
    ).toMatchObject({ error: 'invalid_arguments' });
    await modal([
      select({
        type: 'multi_static_select',
        ...{ options: staticOptions.options },
        initial_options: [option('software')],
      }),
    ]);
    expect(
      await platformError(
        modal([
          select({
            type: 'multi_static_select',
            options: staticOptions.options,
            initial_options: [option('other')],
          }),
        ]),
      ),
    ).toMatchObject({ error: 'invalid_arguments' });
    const radio = { type: 'radio_buttons', options: [option('a'), option('b')] };
    await modal([select({ ...radio, initial_option: option('b') })]);
    expect(await platformError(modal([select({ ...radio, initial_option: option('c') })]))).toMatchObject({
      error: 'invalid_arguments',
    });
    const boxes = { type: 'checkboxes', options: [option('a'), option('b')] };
    await modal([select({ ...boxes, initial_options: [option('a'), option('b')] })]);
    expect(await platformError(modal([select({ ...boxes, initial_options: [option('z')] })]))).toMatchObject({
      error: 'invalid_arguments',
    });
  });

  it('checks initial values, dispatch_action and dispatch_action_config on inputs', async () => {
    const fake = await fakeWith();
    const input = (element: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      type: 'input',
      block_id: 'b',
      label: txt('L'),
      element: { action_id: 'a', ...element },
      ...extra,
    });
    const modal = (block: unknown) =>
      web(fake).views.open({
        trigger_id: fake.issueTriggerId(),
        view: { type: 'modal', title: txt('New'), submit: txt('Go'), blocks: [block] } as never,
      });
    await modal(
      input(
        {
          type: 'plain_text_input',
          initial_value: 'hello',
          dispatch_action_config: { trigger_actions_on: ['on_enter_pressed', 'on_character_entered'] },
        },
        { dispatch_action: true },
      ),
    );
    await modal(
      input({
        type: 'number_input',
        is_decimal_allowed: false,
        initial_value: '2',
        min_value: '1',
        max_value: '9',
      }),
    );
    await modal(input({ type: 'datepicker', initial_date: '2026-03-01' }));
    const refused = async (block: unknown) =>
      ((await platformError(modal(block))).response_metadata as { messages: string[] }).messages[0];
    expect(
      await refused(
        input({ type: 'plain_text_input', dispatch_action_config: { trigger_actions_on: ['on_blur'] } }),
      ),
    ).toBe(
      '[ERROR] must be one of on_enter_pressed, on_character_entered [json-pointer:/view/blocks/0/element/dispatch_action_config/trigger_actions_on/0]',
    );
    expect(await refused(input({ type: 'plain_text_input' }, { dispatch_action: 'yes' }))).toBe(
      '[ERROR] must be a boolean [json-pointer:/view/blocks/0/dispatch_action]',
    );
    expect(await refused(input({ type: 'file_input' }, { dispatch_action: true }))).toMatch(
      /unsupported type/,
    );
    expect(
      await refused(input({ type: 'plain_text_input', max_length: 5, initial_value: 'toolong' })),
    ).toMatch(/initial_value/);
    expect(
      await refused(
        input({ type: 'number_input', is_decimal_allowed: true, min_value: '10', max_value: '1' }),
      ),
    ).toMatch(/min_value/);
    expect(await refused(input({ type: 'datepicker', initial_date: '01/03/2026' }))).toMatch(/YYYY-MM-DD/);
  });
});

describe('options answers', () => {
  const opt = (value: string, text = value) => ({ text: { type: 'plain_text', text }, value });

  it('accepts up to 100 options or option groups, and refuses more, bad options and an answer with neither', () => {
    expect(checkOptionsAnswer({ options: Array.from({ length: 100 }, (_, i) => opt(`v${i}`)) }).ok).toBe(
      true,
    );
    expect(
      checkOptionsAnswer({
        option_groups: [{ label: { type: 'plain_text', text: 'G' }, options: [opt('a')] }],
      }).ok,
    ).toBe(true);
    expect(
      checkOptionsAnswer({ options: Array.from({ length: 101 }, (_, i) => opt(`v${i}`)) }).messages,
    ).toEqual(['[ERROR] no more than 100 items allowed [json-pointer:/options]']);
    expect(checkOptionsAnswer({ options: [opt('v'.repeat(151), 'long value')] }).messages).toEqual([
      '[ERROR] must be less than 151 characters [json-pointer:/options/0/value]',
    ]);
    expect(checkOptionsAnswer({ options: [{ text: { type: 'mrkdwn', text: '*x*' }, value: 'x' }] }).ok).toBe(
      false,
    );
    expect(checkOptionsAnswer({}).ok).toBe(false);
  });
});

describe('latency', () => {
  it('is zero unless asked for', async () => {
    const fake = await fakeWith();
    const started = Date.now();
    for (let i = 0; i < 5; i++) await web(fake).auth.test();
    // Five loopback calls: nowhere near the 100 ms a single distant call would take.
    expect(Date.now() - started).toBeLessThan(5 * 100);
  });

  it('holds every answer back by the fixed latency plus jitter, and per method', async () => {
    // random() = 1 → the top of the jitter band: 80 + 20.
    const fake = await fakeWith({
      latencyMs: 80,
      latencyJitterMs: 20,
      random: () => 0.999999,
      latencyByMethod: { 'users.info': 0 },
    });
    const time = async (call: () => Promise<unknown>) => {
      const started = Date.now();
      await call();
      return Date.now() - started;
    };
    expect(await time(() => web(fake).auth.test())).toBeGreaterThanOrEqual(99);
    expect(
      await time(() => web(fake).chat.postMessage({ channel: 'C0GENERAL', text: 'x' })),
    ).toBeGreaterThanOrEqual(99);
    fake.setLatency({ ms: 150 }, 'views.open');
    expect(
      await time(() =>
        web(fake).views.open({
          trigger_id: fake.issueTriggerId(),
          view: { type: 'modal', title: { type: 'plain_text', text: 't' }, blocks: [] },
        }),
      ),
    ).toBeGreaterThanOrEqual(150);
    expect(fake.count('users.info')).toBe(0);
    await web(fake).users.info({ user: 'U0APPROVE1' });
    expect(fake.count('users.info')).toBe(1);
  });

  it('applies to upload URLs and response_urls too, which are also Slack at a distance', async () => {
    const fake = await fakeWith({ latencyByMethod: { response_url: 120 } });
    const url = fake.responseUrl({ channel: 'C0GENERAL', user: 'U0REQUEST1' });
    const started = Date.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x' }),
    });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
  });
});

describe('auth.test and rate limits', () => {
  it('counts every auth.test call, so a test can prove Bolt asks once however many requests arrive', async () => {
    const fake = await fakeWith();
    await web(fake).auth.test();
    await web(fake).auth.test();
    expect(fake.count('auth.test')).toBe(2);
    fake.reset();
    const app = new App({
      token: fake.botToken,
      signingSecret: 's',
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/purchase', async ({ ack }) => ack());
    const port = await freePort();
    await app.start(port);
    try {
      const slack = new SlackInbound(`http://127.0.0.1:${port}/slack/events`, 's', { fake });
      for (let i = 0; i < 3; i++) expect((await slack.command({ text: 'status' })).status).toBe(200);
      expect(fake.count('auth.test')).toBe(1);
    } finally {
      await app.stop();
    }
  });

  it('rate-limits auth.test like any method, with 429 and Retry-After, and records the refused call', async () => {
    const fake = await fakeWith();
    fake.failNext('auth.test', { error: 'ratelimited', retryAfterSeconds: 7 });
    const client = new WebClient(fake.botToken, {
      slackApiUrl: fake.apiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      logger: quiet,
    });
    await expect(client.auth.test()).rejects.toMatchObject({
      code: 'slack_webapi_rate_limited_error',
      retryAfter: 7,
    });
    expect(fake.callsTo('auth.test')).toEqual([expect.objectContaining({ status: 429 })]);
  });
});

describe('payloads from elsewhere', () => {
  it('come from the user’s own team: a user of another workspace brings its team id', () => {
    const payload = blockActions({ action_id: 'approve_request', user: 'U0FOREIGN1' });
    expect(payload).toMatchObject({
      user: { id: 'U0FOREIGN1', team_id: 'T0OTHER001' },
      team: { id: 'T0OTHER001', domain: 'fabrikam' },
    });
    expect(slashCommand({ user_id: 'U0FOREIGN1' })).toMatchObject({
      team_id: 'T0OTHER001',
      team_domain: 'fabrikam',
    });
  });

  it('carry an Enterprise org as the fixtures do, with team null for an org-wide install', () => {
    const grid = viewSubmission({ user: 'U0APPROVE1', enterprise: ENTERPRISE });
    const recorded = fixture('inbound/view-submission.slack-connect.json');
    expect(keys(grid.team)).toEqual(keys(recorded.team));
    expect(grid).toMatchObject({
      enterprise: ENTERPRISE,
      is_enterprise_install: false,
      team: { enterprise_id: 'E0GRID0001' },
    });
    const org = blockActions({
      action_id: 'x',
      user: 'U0APPROVE1',
      enterprise: ENTERPRISE,
      is_enterprise_install: true,
    });
    const orgRecorded = fixture('inbound/block-actions.org-install.json');
    expect(org).toMatchObject({
      team: orgRecorded.team,
      is_enterprise_install: true,
      enterprise: ENTERPRISE,
    });
    const command = slashCommand({ enterprise: ENTERPRISE, is_enterprise_install: true });
    const recordedCommand = Object.fromEntries(
      new URLSearchParams(
        readFileSync(join(FIXTURES, 'inbound/slash-command.org-install.form.txt'), 'utf8').trim(),
      ),
    );
    expect(Object.keys(command)).toEqual(Object.keys(recordedCommand));
    expect(command).toMatchObject({
      is_enterprise_install: 'true',
      enterprise_id: 'E0GRID0001',
      enterprise_name: 'Contoso Grid',
    });
  });

  it('build global and message shortcuts with the fields of the recorded ones', () => {
    const global = globalShortcut({
      callback_id: 'new_purchase',
      user: 'U0REQUEST1',
      enterprise: ENTERPRISE,
    });
    expect(keys(global).filter((k) => k !== 'is_enterprise_install' && k !== 'enterprise')).toEqual(
      keys(fixture('inbound/shortcut.global.bolt-python.json')),
    );
    expect(global).toMatchObject({
      type: 'shortcut',
      callback_id: 'new_purchase',
      user: { id: 'U0REQUEST1', team_id: 'T0TEAM0001' },
    });
    const message = { channel: 'C0APPROVALS', ts: '1700000000.000100', text: 'REQ-1', user: 'U0PCBOT001' };
    const action = messageShortcut({ callback_id: 'report', message });
    expect(keys(action).filter((k) => k !== 'is_enterprise_install' && k !== 'enterprise')).toEqual(
      keys(fixture('inbound/message-action.bolt-python.json')),
    );
    expect(action).toMatchObject({
      type: 'message_action',
      message_ts: message.ts,
      channel: { id: 'C0APPROVALS' },
    });
  });
});
