import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ErrorCode,
  LogLevel,
  WebClient,
  WebClientEvent,
  type Logger,
  type View,
  type WebAPIPlatformError,
} from '@slack/web-api';
import { startSlackFake, type SlackFake } from '../../fakes/slack';
import { sign } from '../../fakes/slack/inbound';

const FIXTURES = join(__dirname, '..', 'fixtures', 'slack');
const fixture = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Record<string, unknown>;
const keysOf = (o: unknown): string[] => Object.keys(o as Record<string, unknown>);

const TOKEN = 'xoxb-test-token';

/** WebClient logs Slack's response_metadata.messages as errors; the tests read them from the error instead. */
const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

function client(
  fake: SlackFake,
  opts: ConstructorParameters<typeof WebClient>[1] = {},
  token = TOKEN,
): WebClient {
  return new WebClient(token, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    logger: quiet,
    ...opts,
  });
}

/** The `{ ok:false, error, … }` body of a call that fails with a Slack platform error. */
async function platformError(call: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await call;
  } catch (err) {
    const e = err as WebAPIPlatformError;
    if (e.code !== ErrorCode.PlatformError) throw err;
    return e.data as unknown as Record<string, unknown>;
  }
  throw new Error('expected the call to fail');
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
/** A modal view; deliberately untyped inside, since some tests send views Slack must refuse. */
const modal = (blocks: unknown[], extra: Record<string, unknown> = {}): View =>
  ({
    type: 'modal',
    callback_id: 'purchase_request',
    title: { type: 'plain_text', text: 'New purchase' },
    submit: { type: 'plain_text', text: 'Submit' },
    blocks,
    ...extra,
  }) as View;

let fake: SlackFake;
let slack: WebClient;

beforeAll(async () => {
  fake = await startSlackFake();
  slack = client(fake);
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

describe('auth', () => {
  it('answers auth.test for the bot token with the documented fields and the seeded team', async () => {
    const res = await slack.auth.test();
    expect(keysOf(res)).toEqual(
      expect.arrayContaining(keysOf(fixture('webapi/auth.test.bot.response.json'))),
    );
    expect(res).toMatchObject({
      ok: true,
      team_id: 'T0TEAM0001',
      user_id: fake.botUserId,
      bot_id: fake.botId,
    });
  });

  it('rejects a wrong token with invalid_auth and a missing one with not_authed, like Slack', async () => {
    expect(await platformError(client(fake, {}, 'xoxb-wrong').auth.test())).toMatchObject(
      fixture('errors/auth.test.invalid_auth.json'),
    );
    const anonymous = new WebClient(undefined, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      logger: quiet,
    });
    expect(await platformError(anonymous.auth.test())).toMatchObject(
      fixture('errors/auth.test.not_authed.json'),
    );
  });

  it('accepts the token as a form field when there is no Authorization header', async () => {
    const res = await fetch(`${fake.apiUrl}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });
    expect(await res.json()).toMatchObject({ ok: true });
  });

  it('answers unknown_method for a method it does not implement', async () => {
    expect(await platformError(slack.apiCall('admin.teams.create'))).toMatchObject({
      error: 'unknown_method',
    });
  });

  it('refuses a method whose scope the token lacks with missing_scope, naming needed and provided', async () => {
    const narrow = await startSlackFake({ scopes: ['chat:write'] });
    try {
      const body = await platformError(client(narrow).users.info({ user: 'U0APPROVE1' }));
      expect(keysOf(body)).toEqual(
        expect.arrayContaining(keysOf(fixture('errors/missing_scope.files_read.json'))),
      );
      expect(body).toMatchObject({ error: 'missing_scope', needed: 'users:read', provided: 'chat:write' });
    } finally {
      await narrow.close();
    }
  });

  it("grants the token the manifest's bot scopes by default, which it reports in x-oauth-scopes", async () => {
    const res = await slack.auth.test();
    expect(res.response_metadata?.scopes).toEqual(
      expect.arrayContaining([
        'commands',
        'chat:write',
        'im:write',
        'files:write',
        'users:read',
        'usergroups:read',
      ]),
    );
  });
});

describe('messages', () => {
  it('posts a message with blocks and metadata, returning the documented shape and a Slack-style ts', async () => {
    const res = await slack.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'Request REQ-1 awaits approval',
      blocks: [
        section('*REQ-1*'),
        {
          type: 'actions',
          block_id: 'decision',
          elements: [
            {
              type: 'button',
              action_id: 'approve_request',
              text: { type: 'plain_text', text: 'Approve' },
              value: 'REQ-1',
            },
          ],
        },
      ],
      metadata: { event_type: 'purchase_request', event_payload: { id: 'REQ-1' } },
    });
    expect(keysOf(res)).toEqual(expect.arrayContaining(['ok', 'channel', 'ts', 'message']));
    expect(res.ts).toMatch(/^\d{10}\.\d{6}$/);
    const [stored] = fake.messages('C0APPROVALS');
    expect(stored).toMatchObject({
      channel: 'C0APPROVALS',
      ts: res.ts,
      text: 'Request REQ-1 awaits approval',
      metadata: { event_type: 'purchase_request' },
    });
    expect(stored?.blocks?.[1]).toMatchObject({ block_id: 'decision' });
    expect(typeof stored?.blocks?.[0]?.block_id).toBe('string');
  });

  it('gives every message a later ts than the one before', async () => {
    const a = await slack.chat.postMessage({ channel: 'C0GENERAL', text: 'one' });
    const b = await slack.chat.postMessage({ channel: 'C0GENERAL', text: 'two' });
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));
  });

  it('keeps thread replies with their parent and counts them', async () => {
    const parent = await slack.chat.postMessage({ channel: 'C0FINANCE', text: 'Invoice D0600001' });
    await slack.chat.postMessage({ channel: 'C0FINANCE', text: 'PDF follows', thread_ts: parent.ts! });
    await slack.chat.postMessage({ channel: 'C0FINANCE', text: 'unrelated' });
    const thread = fake.thread('C0FINANCE', parent.ts!);
    expect(thread.map((m) => m.text)).toEqual(['Invoice D0600001', 'PDF follows']);
    expect(thread[0]?.reply_count).toBe(1);
  });

  it('updates a stored message in place with chat.update and keeps the earlier version', async () => {
    const posted = await slack.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'pending',
      blocks: [section('pending')],
    });
    const res = await slack.chat.update({
      channel: 'C0APPROVALS',
      ts: posted.ts!,
      text: 'approved',
      blocks: [section('approved by <@U0APPROVE1>')],
    });
    expect(keysOf(res)).toEqual(expect.arrayContaining(keysOf(fixture('webapi/chat.update.response.json'))));
    const [msg] = fake.messages('C0APPROVALS');
    expect(msg).toMatchObject({ ts: posted.ts, text: 'approved', edited: { user: fake.botUserId } });
    expect(msg?.history.map((h) => h.text)).toEqual(['pending']);
    expect(fake.messages()).toHaveLength(1);
  });

  it('refuses chat.update of a message that does not exist, and text over 4000 characters', async () => {
    expect(
      await platformError(slack.chat.update({ channel: 'C0APPROVALS', ts: '1700000000.000001', text: 'x' })),
    ).toMatchObject({ error: 'message_not_found' });
    const posted = await slack.chat.postMessage({ channel: 'C0APPROVALS', text: 'short' });
    expect(
      await platformError(
        slack.chat.update({ channel: 'C0APPROVALS', ts: posted.ts!, text: 'x'.repeat(4001) }),
      ),
    ).toMatchObject({ error: 'msg_too_long' });
  });

  it('answers channel_not_found, no_text and not_in_channel for the argument errors Slack reports', async () => {
    expect(await platformError(slack.chat.postMessage({ channel: 'C0NOWHERE', text: 'hi' }))).toMatchObject(
      fixture('errors/conversations.info.channel_not_found.json'),
    );
    expect(await platformError(slack.apiCall('chat.postMessage', { text: 'no channel' }))).toMatchObject({
      error: 'channel_not_found',
    });
    expect(await platformError(slack.apiCall('chat.postMessage', { channel: 'C0GENERAL' }))).toMatchObject({
      error: 'no_text',
    });
    // A public channel the bot was not invited to: not_in_channel. A private one it is not in does not
    // exist as far as the bot can see: channel_not_found.
    const locked = await startSlackFake({
      channels: [
        { id: 'C0PUBLIC01', name: 'lobby', botIsMember: false },
        { id: 'C0PRIVATE1', name: 'board', isPrivate: true, botIsMember: false },
      ],
    });
    try {
      expect(
        await platformError(client(locked).chat.postMessage({ channel: 'C0PUBLIC01', text: 'hi' })),
      ).toMatchObject({ error: 'not_in_channel' });
      expect(
        await platformError(client(locked).chat.postMessage({ channel: 'C0PRIVATE1', text: 'hi' })),
      ).toMatchObject({ error: 'channel_not_found' });
    } finally {
      await locked.close();
    }
  });

  it('accepts a JSON body as well as the form encoding WebClient uses', async () => {
    const res = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0GENERAL', text: 'json', blocks: [section('json body')] }),
    });
    expect(await res.json()).toMatchObject({ ok: true, channel: 'C0GENERAL' });
    expect(fake.messages('C0GENERAL')[0]?.blocks?.[0]).toMatchObject({ type: 'section' });
  });

  it('answers invalid_blocks_format when blocks is not JSON', async () => {
    const res = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'channel=C0GENERAL&text=x&blocks=%5Bnot-json',
    });
    expect(await res.json()).toEqual({ ok: false, error: 'invalid_blocks_format' });
  });

  it('posts an ephemeral message only to a member of the channel', async () => {
    const res = await slack.chat.postEphemeral({
      channel: 'C0APPROVALS',
      user: 'U0OUTSIDER',
      text: 'Only approvers can approve',
    });
    expect(keysOf(res)).toEqual(
      expect.arrayContaining(keysOf(fixture('webapi/chat.postEphemeral.response.json'))),
    );
    expect(fake.ephemerals('C0APPROVALS', 'U0OUTSIDER')).toEqual([
      expect.objectContaining({ ts: res.message_ts, text: 'Only approvers can approve' }),
    ]);
    expect(fake.messages()).toHaveLength(0);
    const small = await startSlackFake({
      channels: [{ id: 'C0SMALL001', name: 'small', members: ['U0APPROVE1'] }],
    });
    try {
      expect(
        await platformError(
          client(small).chat.postEphemeral({ channel: 'C0SMALL001', user: 'U0OUTSIDER', text: 'x' }),
        ),
      ).toMatchObject(fixture('errors/chat.postEphemeral.user_not_in_channel.json'));
    } finally {
      await small.close();
    }
  });

  it('gives a permalink for a stored message', async () => {
    const posted = await slack.chat.postMessage({ channel: 'C0APPROVALS', text: 'card' });
    const res = await slack.chat.getPermalink({ channel: 'C0APPROVALS', message_ts: posted.ts! });
    expect(res.permalink).toBe(
      `https://contoso-partner.slack.com/archives/C0APPROVALS/p${posted.ts!.replace('.', '')}`,
    );
  });
});

describe('conversations, users and user groups', () => {
  it('opens the same DM channel for a user every time, and messages posted there are kept under it', async () => {
    const first = await slack.conversations.open({ users: 'U0REQUEST1' });
    const again = await slack.conversations.open({ users: 'U0REQUEST1' });
    expect(first.channel?.id).toMatch(/^D[A-Z0-9]+$/);
    expect(again).toMatchObject({ channel: { id: first.channel?.id }, already_open: true });
    expect(fake.dmChannelId('U0REQUEST1')).toBe(first.channel?.id);
    await slack.chat.postMessage({ channel: first.channel!.id!, text: 'Your request was approved' });
    expect(fake.messages(first.channel!.id).map((m) => m.text)).toEqual(['Your request was approved']);
  });

  it('refuses conversations.open without users and with an unknown user', async () => {
    expect(await platformError(slack.apiCall('conversations.open', {}))).toMatchObject({
      error: 'users_list_not_supplied',
    });
    expect(await platformError(slack.conversations.open({ users: 'U0NOBODY1' }))).toMatchObject({
      error: 'user_not_found',
    });
  });

  it('describes a seeded user in the users.info shape, without the email the token may not read', async () => {
    const res = await slack.users.info({ user: 'U0APPROVE1' });
    const documented = fixture('webapi/users.info.response.json').user as Record<string, unknown>;
    expect(keysOf(res.user)).toEqual(expect.arrayContaining(keysOf(documented)));
    expect(keysOf(res.user?.profile)).toEqual(
      expect.arrayContaining(keysOf(documented.profile).filter((k) => k !== 'email')),
    );
    expect(res.user).toMatchObject({
      id: 'U0APPROVE1',
      name: 'anna.approver',
      real_name: 'Anna Approver',
      is_bot: false,
    });
    expect(res.user?.profile?.email).toBeUndefined();
    expect(await platformError(slack.users.info({ user: 'U0NOBODY1' }))).toMatchObject(
      fixture('errors/users.info.user_not_found.json'),
    );
  });

  it('lists the members of the seeded approver and finance groups, and refuses an unknown group', async () => {
    const approvers = await slack.usergroups.users.list({ usergroup: 'S0APPROVERS' });
    expect(keysOf(approvers)).toEqual(
      expect.arrayContaining(keysOf(fixture('webapi/usergroups.users.list.response.json'))),
    );
    expect(approvers.users).toEqual(['U0APPROVE2']);
    expect((await slack.usergroups.users.list({ usergroup: 'S0FINANCE' })).users).toEqual(['U0FINANCE1']);
    expect(await platformError(slack.usergroups.users.list({ usergroup: 'S0NOTHING' }))).toMatchObject({
      error: 'no_such_subteam',
    });
  });

  it('describes a seeded channel with conversations.info in the documented shape', async () => {
    const res = await slack.conversations.info({ channel: 'C0FINANCE' });
    const documented = fixture('webapi/conversations.info.response.json').channel;
    expect(keysOf(res.channel)).toEqual(expect.arrayContaining(keysOf(documented)));
    expect(res.channel).toMatchObject({ id: 'C0FINANCE', name: 'finance', is_member: true });
  });

  it('takes custom users and user groups beside the seeded ones', async () => {
    const custom = await startSlackFake({
      users: [{ id: 'U0CUSTOM01', name: 'cust', realName: 'Cust Omer' }],
      usergroups: { S0CUSTOM: ['U0CUSTOM01'] },
    });
    try {
      const c = client(custom);
      expect((await c.users.info({ user: 'U0CUSTOM01' })).user?.real_name).toBe('Cust Omer');
      expect((await c.users.info({ user: 'U0REQUEST2' })).user?.id).toBe('U0REQUEST2');
      expect((await c.usergroups.users.list({ usergroup: 'S0CUSTOM' })).users).toEqual(['U0CUSTOM01']);
    } finally {
      await custom.close();
    }
  });
});

describe('views', () => {
  it('opens a modal for a fresh trigger id and returns the view with the fields Slack adds', async () => {
    const res = await slack.views.open({
      trigger_id: fake.issueTriggerId(),
      view: modal([section('hello')], { private_metadata: '{"r":1}' }),
    });
    const view = res.view!;
    expect(keysOf(view)).toEqual(
      expect.arrayContaining(keysOf(fixture('webapi/views.open.response.json').view)),
    );
    expect(view).toMatchObject({
      callback_id: 'purchase_request',
      private_metadata: '{"r":1}',
      root_view_id: view.id,
      team_id: 'T0TEAM0001',
    });
    expect(view.id).toMatch(/^V[A-Z0-9]+$/);
    expect(fake.views.get(view.id!)).toMatchObject({ hash: view.hash });
  });

  it('refuses a trigger id used twice, one it never issued, and one older than its lifetime', async () => {
    let now = Date.now();
    const timed = await startSlackFake({ now: () => now });
    try {
      const c = client(timed);
      const trigger = timed.issueTriggerId();
      await c.views.open({ trigger_id: trigger, view: modal([section('a')]) });
      expect(
        await platformError(c.views.open({ trigger_id: trigger, view: modal([section('a')]) })),
      ).toMatchObject({ error: 'exchanged_trigger_id' });
      expect(
        await platformError(c.views.open({ trigger_id: '12345.98765.abcdef', view: modal([section('a')]) })),
      ).toMatchObject({ error: 'invalid_trigger_id' });
      const late = timed.issueTriggerId();
      now += 3001;
      expect(
        await platformError(c.views.open({ trigger_id: late, view: modal([section('a')]) })),
      ).toMatchObject({ error: 'expired_trigger_id' });
    } finally {
      await timed.close();
    }
  });

  it('answers invalid_arguments with a message when views.open has no trigger or no view', async () => {
    const body = await platformError(slack.apiCall('views.open', { view: modal([section('a')]) }));
    expect(keysOf(body)).toEqual(keysOf(fixture('errors/views.open.invalid_arguments.json')));
    expect(body).toMatchObject({ error: 'invalid_arguments' });
    expect(
      await platformError(slack.apiCall('views.open', { trigger_id: fake.issueTriggerId() })),
    ).toMatchObject({ error: 'invalid_arguments' });
  });

  it('updates a view by id only with its current hash, and then gives it a new hash', async () => {
    const opened = (
      await slack.views.open({ trigger_id: fake.issueTriggerId(), view: modal([section('loading…')]) })
    ).view!;
    const updated = (
      await slack.views.update({ view_id: opened.id!, hash: opened.hash!, view: modal([section('ready')]) })
    ).view!;
    expect(keysOf(updated)).toEqual(
      expect.arrayContaining(keysOf(fixture('webapi/views.update.response.json').view)),
    );
    expect(updated.id).toBe(opened.id);
    expect(updated.hash).not.toBe(opened.hash);
    expect(fake.views.get(opened.id!)?.blocks[0]).toMatchObject({ text: { text: 'ready' } });
    expect(
      await platformError(
        slack.views.update({ view_id: opened.id!, hash: opened.hash!, view: modal([section('stale')]) }),
      ),
    ).toMatchObject({ error: 'hash_conflict' });
  });

  it('updates a view by external_id, and answers not_found for a view it does not know', async () => {
    await slack.views.open({
      trigger_id: fake.issueTriggerId(),
      view: modal([section('a')], { external_id: 'req-42' }),
    });
    const res = await slack.views.update({
      external_id: 'req-42',
      view: modal([section('b')], { external_id: 'req-42' }),
    });
    expect(res.view?.external_id).toBe('req-42');
    expect(
      await platformError(slack.views.update({ view_id: 'V0NOSUCH01', view: modal([section('x')]) })),
    ).toMatchObject(fixture('errors/views.update.not_found.json'));
    expect(
      await platformError(
        slack.views.open({
          trigger_id: fake.issueTriggerId(),
          view: modal([section('a')], { external_id: 'req-42' }),
        }),
      ),
    ).toMatchObject({
      error: 'duplicate_external_id',
    });
  });

  it('pushes views onto the stack of the view the trigger came from, at most two above the root', async () => {
    const root = (
      await slack.views.open({ trigger_id: fake.issueTriggerId(), view: modal([section('root')]) })
    ).view!;
    const pushed = (
      await slack.views.push({
        trigger_id: fake.issueTriggerId({ viewId: root.id! }),
        view: modal([section('second')]),
      })
    ).view!;
    expect(keysOf(pushed)).toEqual(
      expect.arrayContaining(keysOf(fixture('webapi/views.push.response.json').view)),
    );
    expect(pushed).toMatchObject({ root_view_id: root.id, previous_view_id: root.id });
    await slack.views.push({
      trigger_id: fake.issueTriggerId({ viewId: pushed.id! }),
      view: modal([section('third')]),
    });
    expect(
      await platformError(
        slack.views.push({
          trigger_id: fake.issueTriggerId({ viewId: pushed.id! }),
          view: modal([section('fourth')]),
        }),
      ),
    ).toMatchObject({
      error: 'push_limit_reached',
    });
  });
});

describe('view submission acks', () => {
  const open = async () =>
    (await slack.views.open({ trigger_id: fake.issueTriggerId(), view: modal([section('form')]) })).view!;

  it('closes the modal on an empty ack, after which views.update answers not_found as in Slack', async () => {
    const view = await open();
    fake.applyViewAck(view.id!, {});
    expect(fake.viewIsOpen(view.id!)).toBe(false);
    expect(
      await platformError(slack.views.update({ view_id: view.id!, view: modal([section('too late')]) })),
    ).toMatchObject({ error: 'not_found' });
  });

  it('replaces the view on response_action update, stacks one on push, and keeps it on errors', async () => {
    const quantity = {
      type: 'input',
      block_id: 'quantity',
      label: { type: 'plain_text', text: 'Quantity' },
      element: { type: 'number_input', action_id: 'quantity', is_decimal_allowed: false },
    };
    const view = (
      await slack.views.open({
        trigger_id: fake.issueTriggerId(),
        view: modal([quantity], { submit: { type: 'plain_text', text: 'Go' } }),
      })
    ).view!;
    fake.applyViewAck(view.id!, { response_action: 'errors', errors: { quantity: 'x' } });
    expect(fake.viewIsOpen(view.id!)).toBe(true);
    // Slack refuses errors keyed by anything but an input block of the view.
    expect(() => fake.applyViewAck(view.id!, { response_action: 'errors', errors: { nope: 'x' } })).toThrow(
      /not an input block/,
    );
    fake.applyViewAck(view.id!, { response_action: 'update', view: modal([section('step 2')]) });
    expect(fake.views.get(view.id!)?.blocks[0]).toMatchObject({ text: { text: 'step 2' } });
    expect(fake.views.get(view.id!)?.hash).not.toBe(view.hash);
    fake.applyViewAck(view.id!, { response_action: 'push', view: modal([section('confirm')]) });
    const pushed = [...fake.views.values()].find((v) => v.previous_view_id === view.id);
    expect(pushed).toMatchObject({ root_view_id: view.id });
    fake.applyViewAck(pushed!.id, { response_action: 'clear' });
    expect([fake.viewIsOpen(view.id!), fake.viewIsOpen(pushed!.id)]).toEqual([false, false]);
  });

  it('throws when an update ack carries a view Slack would refuse', async () => {
    const view = await open();
    expect(() =>
      fake.applyViewAck(view.id!, {
        response_action: 'update',
        view: modal([section('x')], { title: { type: 'plain_text', text: 't'.repeat(25) } }),
      }),
    ).toThrow(/\/view\/title\/text/);
  });
});

describe('Block Kit limits', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => section(`block ${i}`));
  const options = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ text: { type: 'plain_text', text: `o${i}` }, value: `v${i}` }));
  const input = (element: Record<string, unknown>) => ({
    type: 'input',
    block_id: 'b',
    label: { type: 'plain_text', text: 'Label' },
    element: { action_id: 'a', ...element },
  });

  it.each([
    ['more than 50 blocks', many(51), '/blocks'],
    ['a section text over 3000 characters', [section('x'.repeat(3001))], '/blocks/0/text/text'],
    [
      'a button value over 2000 characters',
      [
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'a',
              text: { type: 'plain_text', text: 'Go' },
              value: 'v'.repeat(2001),
            },
          ],
        },
      ],
      '/blocks/0/elements/0/value',
    ],
    [
      'button text over 75 characters',
      [
        {
          type: 'actions',
          elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(76) } }],
        },
      ],
      '/blocks/0/elements/0/text/text',
    ],
    [
      'a header over 150 characters',
      [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      '/blocks/0/text/text',
    ],
    [
      'more than 10 section fields',
      [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }],
      '/blocks/0/fields',
    ],
    [
      'two blocks with the same block_id',
      [
        { ...section('a'), block_id: 'same' },
        { ...section('b'), block_id: 'same' },
      ],
      '/blocks/1/block_id',
    ],
    ['an unknown block type', [{ type: 'carousel' }], '/blocks/0/type'],
  ])(
    'refuses a message with %s as invalid_blocks, pointing at the offending field',
    async (_what, blocks, pointer) => {
      const body = await platformError(
        slack.chat.postMessage({ channel: 'C0GENERAL', text: 'fallback', blocks: blocks as never }),
      );
      expect(body.error).toBe('invalid_blocks');
      expect((body.response_metadata as { messages: string[] }).messages).toEqual(
        expect.arrayContaining([expect.stringContaining(`[json-pointer:${pointer}]`)]),
      );
      expect(fake.messages()).toHaveLength(0);
    },
  );

  it('accepts a message of exactly 50 blocks', async () => {
    await expect(
      slack.chat.postMessage({ channel: 'C0GENERAL', text: 'fallback', blocks: many(50) }),
    ).resolves.toMatchObject({ ok: true });
  });

  it.each([
    ['more than 100 blocks', modal(many(101)), '/view/blocks'],
    [
      'a title over 24 characters',
      modal([section('a')], { title: { type: 'plain_text', text: 'A title that is far too long' } }),
      '/view/title/text',
    ],
    [
      'a select with more than 100 options',
      modal([input({ type: 'static_select', options: options(101) })]),
      '/view/blocks/0/element/options',
    ],
    [
      'an option value over 150 characters',
      modal([
        input({
          type: 'static_select',
          options: [{ text: { type: 'plain_text', text: 'o' }, value: 'v'.repeat(151) }],
        }),
      ]),
      '/view/blocks/0/element/options/0/value',
    ],
    [
      'private_metadata over 3000 characters',
      modal([section('a')], { private_metadata: 'm'.repeat(3001) }),
      '/view/private_metadata',
    ],
    [
      'an input block but no submit button',
      { ...modal([input({ type: 'plain_text_input' })]), submit: undefined },
      '/view/submit',
    ],
    [
      'a plain_text_input max_length over 3000',
      modal([input({ type: 'plain_text_input', max_length: 3001 })]),
      '/view/blocks/0/element/max_length',
    ],
    [
      'a number_input without is_decimal_allowed',
      modal([input({ type: 'number_input' })]),
      '/view/blocks/0/element/is_decimal_allowed',
    ],
  ])(
    'refuses a modal with %s as invalid_arguments, pointing at the offending field',
    async (_what, view, pointer) => {
      const body = await platformError(
        slack.views.open({ trigger_id: fake.issueTriggerId(), view: view as never }),
      );
      expect(body.error).toBe('invalid_arguments');
      expect((body.response_metadata as { messages: string[] }).messages).toEqual(
        expect.arrayContaining([expect.stringContaining(`[json-pointer:${pointer}]`)]),
      );
    },
  );

  it('accepts a modal of exactly 100 blocks and a select of exactly 100 options, without using up the trigger on a refusal', async () => {
    const trigger = fake.issueTriggerId();
    await platformError(slack.views.open({ trigger_id: trigger, view: modal(many(101)) }));
    await expect(
      slack.views.open({
        trigger_id: trigger,
        view: modal([...many(99), input({ type: 'static_select', options: options(100) })]),
      }),
    ).resolves.toMatchObject({ ok: true });
  });
});

describe('rate limits and injected failures', () => {
  it('answers 429 with Retry-After, which WebClient waits out and retries', async () => {
    fake.failNext('chat.postMessage', { error: 'ratelimited', retryAfterSeconds: 1 });
    const c = client(fake, { retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } });
    const limited: number[] = [];
    c.on(WebClientEvent.RATE_LIMITED, (seconds: number) => limited.push(seconds));
    const started = Date.now();
    const res = await c.chat.postMessage({ channel: 'C0GENERAL', text: 'eventually' });
    expect(res.ok).toBe(true);
    expect(limited).toEqual([1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([429, 200]);
    expect(fake.callsTo('chat.postMessage')[0]?.response).toEqual({ ok: false, error: 'ratelimited' });
    expect(fake.messages()).toHaveLength(1);
  });

  it('lets rejectRateLimitedCalls surface the 429 at once with its Retry-After', async () => {
    fake.failNext('users.info', { error: 'ratelimited', retryAfterSeconds: 30 });
    const c = client(fake, { rejectRateLimitedCalls: true });
    await expect(c.users.info({ user: 'U0APPROVE1' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 30,
    });
    expect(fake.callsTo('users.info')).toHaveLength(1);
  });

  it('answers an injected platform error with HTTP 200, and an injected 5xx that WebClient retries', async () => {
    fake.failNext('conversations.open', { error: 'fatal_error' });
    expect(await platformError(slack.conversations.open({ users: 'U0REQUEST1' }))).toEqual({
      ok: false,
      error: 'fatal_error',
      response_metadata: expect.any(Object),
    });
    fake.failNext('users.info', { error: 'service_unavailable', status: 503 });
    const c = client(fake, { retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } });
    await expect(c.users.info({ user: 'U0APPROVE1' })).resolves.toMatchObject({ ok: true });
    expect(fake.callsTo('users.info').map((x) => x.status)).toEqual([503, 200]);
  });

  it('fails only as many calls as asked, and records what each failed call carried', async () => {
    fake.failNext('chat.postMessage', { error: 'channel_not_found' }, 2);
    await platformError(slack.chat.postMessage({ channel: 'C0GENERAL', text: 'a' }));
    await platformError(slack.chat.postMessage({ channel: 'C0GENERAL', text: 'b' }));
    await slack.chat.postMessage({ channel: 'C0GENERAL', text: 'c' });
    expect(
      fake
        .callsTo('chat.postMessage')
        .map((c) => [c.args.text, c.status, (c.response as { ok: boolean }).ok]),
    ).toEqual([
      ['a', 200, false],
      ['b', 200, false],
      ['c', 200, true],
    ]);
    expect(fake.messages().map((m) => m.text)).toEqual(['c']);
  });
});

describe('file upload (filesUploadV2)', () => {
  it('takes the bytes through all three steps intact and shares the file into the thread', async () => {
    const parent = await slack.chat.postMessage({ channel: 'C0FINANCE', text: 'New invoice D0600001' });
    const pdf = Buffer.concat([
      Buffer.from('%PDF-1.7\n'),
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      Buffer.alloc(70_000, 0xab),
    ]);
    const res = await slack.filesUploadV2({
      channel_id: 'C0FINANCE',
      thread_ts: parent.ts!,
      file: pdf,
      filename: 'D0600001.pdf',
      title: 'Invoice D0600001',
      initial_comment: 'Invoice PDF',
    });
    const sdkShape = fixture('webapi/files.uploadV2.sdk-return-value.json');
    expect(keysOf(res)).toEqual(keysOf(sdkShape));
    const completed = (res.files as unknown as Array<{ files: Array<Record<string, unknown>> }>)[0]!
      .files[0]!;
    expect(keysOf(completed)).toEqual(
      expect.arrayContaining(
        keysOf(
          (fixture('webapi/files.completeUploadExternal.response.node-sdk-test.json').files as unknown[])[0],
        ),
      ),
    );
    expect(completed).toMatchObject({
      name: 'D0600001.pdf',
      title: 'Invoice D0600001',
      size: pdf.length,
      mimetype: 'application/pdf',
    });

    expect(fake.calls.map((c) => c.method)).toEqual([
      'chat.postMessage',
      'files.getUploadURLExternal',
      'upload',
      'files.completeUploadExternal',
    ]);
    expect(fake.callsTo('files.getUploadURLExternal')[0]?.args).toMatchObject({
      filename: 'D0600001.pdf',
      length: String(pdf.length),
    });
    const [file] = fake.files;
    expect(file).toMatchObject({
      id: completed.id,
      filename: 'D0600001.pdf',
      title: 'Invoice D0600001',
      channel: 'C0FINANCE',
      thread_ts: parent.ts,
    });
    expect(file!.bytes.equals(pdf)).toBe(true);

    const thread = fake.thread('C0FINANCE', parent.ts!);
    expect(thread.map((m) => m.text)).toEqual(['New invoice D0600001', 'Invoice PDF']);
    expect(thread[1]?.files).toEqual([{ id: completed.id, name: 'D0600001.pdf', title: 'Invoice D0600001' }]);

    const download = await fetch(file!.url_private, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true);
  });

  it('answers file_not_found when completing an upload whose bytes never arrived', async () => {
    const url = await slack.files.getUploadURLExternal({ filename: 'x.pdf', length: 10 });
    expect(keysOf(url)).toEqual(
      expect.arrayContaining(keysOf(fixture('webapi/files.getUploadURLExternal.response.json'))),
    );
    expect(url.upload_url).toMatch(new RegExp(`^${fake.url}/upload/v1/F`));
    expect(
      await platformError(
        slack.files.completeUploadExternal({ files: [{ id: url.file_id! }], channel_id: 'C0FINANCE' }),
      ),
    ).toMatchObject({ error: 'file_not_found' });
  });

  it('refuses bytes that do not match the declared length, so the upload fails in WebClient', async () => {
    const url = await slack.files.getUploadURLExternal({ filename: 'x.bin', length: 3 });
    const res = await fetch(url.upload_url!, { method: 'POST', body: Buffer.from('four') });
    expect(res.status).toBe(400);
    const ok = await fetch(url.upload_url!, { method: 'POST', body: Buffer.from('abc') });
    expect(ok.status).toBe(200);
  });

  it('keeps an upload without channel_id private: no message is posted', async () => {
    await slack.filesUploadV2({ file: Buffer.from('private'), filename: 'p.txt' });
    expect(fake.files[0]).toMatchObject({ filename: 'p.txt', channel: undefined });
    expect(fake.messages()).toHaveLength(0);
  });
});

describe('recording', () => {
  it('records every call with decoded arguments and without the token', async () => {
    await slack.chat.postMessage({ channel: 'C0GENERAL', text: 'hi', blocks: [section('hi')] });
    const [call] = fake.calls;
    expect(call).toMatchObject({
      method: 'chat.postMessage',
      args: { channel: 'C0GENERAL', text: 'hi', blocks: [{ type: 'section' }] },
      status: 200,
    });
    expect(call?.args.token).toBeUndefined();
    expect(typeof call?.at).toBe('number');
  });

  it('waits for a call that has not happened yet, and reports what did happen when it times out', async () => {
    const waiting = fake.waitFor('chat.postMessage', (c) => c.args.text === 'second');
    await slack.chat.postMessage({ channel: 'C0GENERAL', text: 'first' });
    await slack.chat.postMessage({ channel: 'C0GENERAL', text: 'second' });
    await expect(waiting).resolves.toMatchObject({ args: { text: 'second' } });
    await expect(fake.waitFor('views.open', undefined, 50)).rejects.toThrow(
      /no matching views\.open call within 50 ms \(calls so far: chat\.postMessage, chat\.postMessage\)/,
    );
  });

  it('tells onCall listeners about each call until they unsubscribe', async () => {
    const seen: string[] = [];
    const off = fake.onCall((c) => seen.push(c.method));
    await slack.auth.test();
    off();
    await slack.auth.test();
    expect(seen).toEqual(['auth.test']);
  });

  it('forgets calls, messages, views and files on reset but keeps its users', async () => {
    await slack.chat.postMessage({ channel: 'C0GENERAL', text: 'x' });
    await slack.views.open({ trigger_id: fake.issueTriggerId(), view: modal([section('a')]) });
    fake.reset();
    expect([fake.calls.length, fake.messages().length, fake.views.size, fake.files.length]).toEqual([
      0, 0, 0, 0,
    ]);
    await expect(slack.users.info({ user: 'U0FINANCE1' })).resolves.toMatchObject({ ok: true });
  });
});

describe('response_url', () => {
  it('records what is posted and replaces the message the URL belongs to', async () => {
    const card = await slack.chat.postMessage({
      channel: 'C0APPROVALS',
      text: 'pending',
      blocks: [section('pending')],
    });
    const url = fake.responseUrl({ channel: 'C0APPROVALS', messageTs: card.ts!, user: 'U0APPROVE1' });
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'approved', blocks: [section('approved')] }),
    });
    expect(res.status).toBe(200);
    expect(fake.responses(url)).toEqual([
      { replace_original: true, text: 'approved', blocks: [section('approved')] },
    ]);
    expect(fake.messages('C0APPROVALS')[0]).toMatchObject({ ts: card.ts, text: 'approved' });
    expect(fake.callsTo('response_url')[0]).toMatchObject({ url, args: { text: 'approved' } });
  });

  it('shows ephemeral responses to the user only and in_channel ones to everyone', async () => {
    const url = fake.responseUrl({ channel: 'C0GENERAL', user: 'U0REQUEST1' });
    const post = (body: unknown) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await post({ text: 'only you' });
    await post({ response_type: 'in_channel', text: 'everyone' });
    expect(fake.ephemerals('C0GENERAL', 'U0REQUEST1').map((e) => e.text)).toEqual(['only you']);
    expect(fake.messages('C0GENERAL').map((m) => m.text)).toEqual(['everyone']);
  });

  it('stops accepting posts after five uses', async () => {
    const url = fake.responseUrl({ channel: 'C0GENERAL', user: 'U0REQUEST1' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (
          await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"text":"x"}',
          })
        ).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
  });
});

describe('request signing helper', () => {
  it("reproduces Slack's documented signature test vector", () => {
    const vector = fixture('inbound/signing-test-vector.slash-command.json') as {
      signing_secret: string;
      request: { body: string; headers: Record<string, string> };
      expected_signature: string;
    };
    const headers = sign(
      vector.signing_secret,
      vector.request.body,
      Number(vector.request.headers['X-Slack-Request-Timestamp']),
    );
    expect(headers).toEqual({
      'x-slack-signature': vector.expected_signature,
      'x-slack-request-timestamp': '1531420618',
    });
  });
});
