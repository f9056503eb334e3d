import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, LogLevel } from '@slack/bolt';
import { LogLevel as SocketLogLevel, SocketModeClient } from '@slack/socket-mode';
import { LogLevel as WebLogLevel, WebClient, type Logger, type WebAPICallResult } from '@slack/web-api';
import WebSocket from 'ws';
import { startSlackFake, type SlackFake, type SlackFakeOptions } from '../../fakes/slack';
import { inputValues, SlackInbound, stateValue } from '../../fakes/slack/inbound';

/**
 * Socket Mode as docs.slack.dev "Using Socket Mode" describes it, played by the fake and driven by the
 * real @slack/socket-mode client (the one Bolt's SocketModeReceiver uses) and by a real Bolt App.
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
const clients: SocketModeClient[] = [];
const sockets: WebSocket[] = [];

async function fakeWith(opts: SlackFakeOptions = {}): Promise<SlackFake> {
  const fake = await startSlackFake(opts);
  fakes.push(fake);
  return fake;
}

/**
 * The SDK client. `quickReconnect` sets a 1 s ping timeout, so a reconnect waits 1 s instead of the
 * default 5 s; the other tests keep the default, which a busy machine cannot trip.
 */
function socketClient(fake: SlackFake, opts: { quickReconnect?: boolean } = {}): SocketModeClient {
  const client = new SocketModeClient({
    appToken: fake.appToken,
    logLevel: SocketLogLevel.ERROR,
    clientPingTimeout: opts.quickReconnect ? 1000 : 5000,
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
  });
  clients.push(client);
  return client;
}

/** A bare WebSocket, to see exactly what the fake sends. */
async function rawSocket(url: string): Promise<{ ws: WebSocket; frames: Record<string, unknown>[] }> {
  const ws = new WebSocket(url);
  sockets.push(ws);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (data: Buffer) =>
    frames.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake refused: ${res.statusCode}`)));
  });
  return { ws, frames };
}

async function openUrl(fake: SlackFake): Promise<string> {
  const res = await new WebClient(fake.appToken, {
    slackApiUrl: fake.apiUrl,
    logger: quiet,
  }).apps.connections.open();
  return res.url!;
}

async function until(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function platformError(p: Promise<WebAPICallResult>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return (err as { data?: unknown }).data;
  }
  throw new Error('expected a platform error');
}

afterEach(async () => {
  for (const c of clients.splice(0)) await c.disconnect().catch(() => undefined);
  for (const s of sockets.splice(0)) s.terminate();
  for (const f of fakes.splice(0)) await f.close();
});

describe('apps.connections.open', () => {
  it('gives the app-level token a WebSocket URL on the fake with a ticket and the app id', async () => {
    const fake = await fakeWith();
    const res = await new WebClient(fake.appToken, {
      slackApiUrl: fake.apiUrl,
      logger: quiet,
    }).apps.connections.open();
    expect(res).toMatchObject({ ok: true });
    expect(keys(res).filter((k) => k !== 'response_metadata')).toEqual(
      keys(fixture('webapi/apps.connections.open.response.json')),
    );
    expect(res.url).toMatch(
      new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/link/\\?ticket=[0-9a-f-]{36}&app_id=A0PCBOT001$`),
    );
    expect(res.response_metadata?.scopes).toEqual(['connections:write']);
  });

  it('refuses the bot token, a missing or unknown token, and an app token without connections:write', async () => {
    const fake = await fakeWith();
    const open = (token?: string) =>
      platformError(
        new WebClient(token, { slackApiUrl: fake.apiUrl, logger: quiet }).apps.connections.open(),
      );
    expect(await open(fake.botToken)).toMatchObject({ ok: false, error: 'not_allowed_token_type' });
    expect(await open(undefined)).toMatchObject({ ok: false, error: 'not_authed' });
    expect(await open('xapp-1-A0PCBOT001-1-other')).toMatchObject({ ok: false, error: 'invalid_auth' });
    const scopeless = await fakeWith({ appTokenScopes: [] });
    expect(
      await platformError(
        new WebClient(scopeless.appToken, {
          slackApiUrl: scopeless.apiUrl,
          logger: quiet,
        }).apps.connections.open(),
      ),
    ).toMatchObject({ error: 'missing_scope', needed: 'connections:write', provided: '' });
  });

  it('does not let the app-level token call Web API methods that need the bot token', async () => {
    const fake = await fakeWith();
    expect(
      await platformError(
        new WebClient(fake.appToken, { slackApiUrl: fake.apiUrl, logger: quiet }).chat.postMessage({
          channel: 'C0GENERAL',
          text: 'x',
        }),
      ),
    ).toMatchObject({ error: 'not_allowed_token_type' });
  });

  it('opens one connection per URL: a second handshake with the same ticket is refused', async () => {
    const fake = await fakeWith();
    const url = await openUrl(fake);
    await rawSocket(url);
    await expect(rawSocket(url)).rejects.toThrow(/handshake refused: 401/);
  });
});

describe('the WebSocket', () => {
  it('greets each connection with hello, in the documented shape', async () => {
    const fake = await fakeWith();
    const { frames } = await rawSocket(await openUrl(fake));
    await until(() => frames.length > 0, 'hello');
    const hello = frames[0]!;
    expect(keys(hello)).toEqual(keys(fixture('socket-mode/envelope.hello.json')));
    expect(keys(hello.debug_info)).toEqual(keys(fixture('socket-mode/docs.hello.json').debug_info));
    expect(hello).toMatchObject({
      type: 'hello',
      num_connections: 1,
      connection_info: { app_id: 'A0PCBOT001' },
      debug_info: { approximate_connection_time: 3600 },
    });
  });

  it('counts the open connections in hello, up to ten, and turns away an eleventh', async () => {
    const fake = await fakeWith();
    const opened: Array<{ ws: WebSocket; frames: Record<string, unknown>[] }> = [];
    for (let i = 0; i < 10; i++) opened.push(await rawSocket(await openUrl(fake)));
    await until(() => opened[9]!.frames.length > 0, 'tenth hello');
    expect(opened.map((o) => o.frames[0]!.num_connections)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const eleventh = await rawSocket(await openUrl(fake));
    const closed = new Promise<void>((resolve) => eleventh.ws.once('close', () => resolve()));
    await until(() => eleventh.frames.length > 0, 'the answer to an eleventh');
    expect(eleventh.frames[0]).toMatchObject({ type: 'disconnect', reason: 'too_many_websockets' });
    await closed;
    expect(fake.socketMode.openConnections).toBe(10);
  });

  it('shortens the connection to 360 s with debug_reconnects=true', async () => {
    const fake = await fakeWith();
    const { frames } = await rawSocket(`${await openUrl(fake)}&debug_reconnects=true`);
    await until(() => frames.length > 0, 'hello');
    expect(frames[0]).toMatchObject({ type: 'hello', debug_info: { approximate_connection_time: 360 } });
  });

  it('pings its side of the socket, as the SDK expects of Slack', async () => {
    const fake = await fakeWith({ socketMode: { pingIntervalMs: 30 } });
    const { ws } = await rawSocket(await openUrl(fake));
    await new Promise<void>((resolve) => ws.once('ping', () => resolve()));
  });
});

describe('envelopes and acks (the SDK client)', () => {
  it('delivers envelopes shaped like the recorded ones, and returns the ack payload to the sender', async () => {
    const fake = await fakeWith();
    const client = socketClient(fake);
    const seen: Array<{ type: string; envelope_id: string }> = [];
    client.on('slack_event', async ({ ack, type, envelope_id, body }) => {
      seen.push({ type: type as string, envelope_id: envelope_id as string });
      if (type === 'slash_commands')
        await ack({ response_type: 'ephemeral', text: `hi ${(body as { text: string }).text}` });
      else await ack();
    });
    await client.start();
    const command = await fake.socketMode.deliver('slash_commands', { command: '/purchase', text: 'help' });
    expect(command).toMatchObject({
      acked: true,
      attempts: 1,
      payload: { response_type: 'ephemeral', text: 'hi help' },
    });
    await fake.socketMode.deliver('interactive', { type: 'block_actions', actions: [] });
    await fake.socketMode.deliver('events_api', { type: 'event_callback', event: { type: 'app_mention' } });
    const sent = fake.socketMode
      .frames()
      .filter(
        (f) => f.direction === 'sent' && (f.frame as { envelope_id?: string }).envelope_id !== undefined,
      )
      .map((f) => f.frame as Record<string, unknown>);
    expect(sent.map(keys)).toEqual([
      keys(fixture('socket-mode/envelope.slash_commands.json')),
      keys(fixture('socket-mode/envelope.interactive.json')),
      keys(fixture('socket-mode/envelope.events_api.json')),
    ]);
    expect(sent.map((f) => [f.type, f.accepts_response_payload])).toEqual([
      ['slash_commands', true],
      ['interactive', false],
      ['events_api', false],
    ]);
    expect(sent[2]).toMatchObject({ retry_attempt: 0, retry_reason: '' });
    expect(seen.map((s) => s.envelope_id)).toEqual(sent.map((f) => f.envelope_id));
    const acks = fake.socketMode.frames().filter((f) => f.direction === 'received');
    expect(acks.map((a) => keys(a.frame))).toEqual([
      ['envelope_id', 'payload'],
      ['envelope_id', 'payload'],
      ['envelope_id', 'payload'],
    ]);
  });

  it('retries an unacked event with retry_attempt and retry_reason, and stops at the first ack', async () => {
    const fake = await fakeWith({ socketMode: { ackTimeoutMs: 200, retryDelaysMs: [0, 20, 20] } });
    const client = socketClient(fake);
    const attempts: Array<[unknown, unknown]> = [];
    client.on('slack_event', async ({ ack, retry_num, retry_reason }) => {
      attempts.push([retry_num, retry_reason]);
      if ((retry_num as number) >= 2) await ack();
    });
    await client.start();
    const delivery = await fake.socketMode.deliver('events_api', {
      type: 'event_callback',
      event_id: 'Ev0RETRY01',
      event: { type: 'app_home_opened' },
    });
    expect(delivery).toMatchObject({ acked: true, attempts: 3 });
    expect(new Set(delivery.envelopeIds).size).toBe(3);
    expect(attempts).toEqual([
      [0, ''],
      [1, 'timeout'],
      [2, 'timeout'],
    ]);
  });

  it('gives up on an event after three retries, and never retries an interaction', async () => {
    const fake = await fakeWith({ socketMode: { ackTimeoutMs: 100, retryDelaysMs: [0, 10, 10] } });
    const client = socketClient(fake);
    const received: string[] = [];
    client.on('slack_event', ({ type }) => {
      received.push(type as string);
    });
    await client.start();
    expect(
      await fake.socketMode.deliver('events_api', { type: 'event_callback', event: { type: 'x' } }),
    ).toMatchObject({
      acked: false,
      attempts: 4,
    });
    expect(await fake.socketMode.deliver('interactive', { type: 'view_submission' })).toMatchObject({
      acked: false,
      attempts: 1,
    });
    expect(received).toEqual(['events_api', 'events_api', 'events_api', 'events_api', 'interactive']);
  });

  it('reports that nobody is connected instead of pretending to deliver', async () => {
    const fake = await fakeWith();
    expect(await fake.socketMode.deliver('interactive', { type: 'block_actions' })).toMatchObject({
      acked: false,
      attempts: 0,
      noConnection: true,
    });
    await expect(SlackInbound.socket(fake).command({ text: '' })).rejects.toThrow(
      /no Socket Mode connection/,
    );
  });
});

describe('disconnects and reconnects (the SDK client)', () => {
  it.each(['warning', 'refresh_requested'] as const)(
    'sends disconnect %s in the documented shape, and the client comes back on a new URL',
    async (reason) => {
      const fake = await fakeWith();
      const client = socketClient(fake, { quickReconnect: true });
      client.on('slack_event', ({ ack }) => ack());
      await client.start();
      fake.socketMode.disconnect(reason);
      const frame = fake.socketMode
        .frames()
        .find((f) => (f.frame as { type?: string }).type === 'disconnect')!;
      expect(frame.frame).toEqual({
        ...fixture(`socket-mode/docs.disconnect.${reason}.json`),
        debug_info: { host: 'applink-fake-1' },
      });
      await until(
        () => fake.count('apps.connections.open') >= 2 && fake.socketMode.openConnections === 1,
        'reconnect',
      );
      expect(fake.socketMode.connections()[0]).toMatchObject({
        id: 1,
        disconnectReason: reason,
        closedAt: expect.any(Number),
      });
      const delivery = await fake.socketMode.deliver('slash_commands', { command: '/purchase' });
      expect(delivery).toMatchObject({ acked: true });
      expect(delivery.connectionId).toBeGreaterThan(1);
    },
  );

  it('sends link_disabled and drops the link at once', async () => {
    const fake = await fakeWith();
    const { ws, frames } = await rawSocket(await openUrl(fake));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    fake.socketMode.disconnect('link_disabled');
    expect(await closed).toBe(1000);
    expect(frames[1]).toEqual({
      ...fixture('socket-mode/docs.disconnect.link_disabled.json'),
      debug_info: { host: 'applink-fake-1' },
    });
    expect(fake.socketMode.openConnections).toBe(0);
  });

  it('refreshes a connection when its time is up, and closes it if the client stays', async () => {
    // A raw socket: the SDK client would reconnect in a loop every 200 ms here.
    const fake = await fakeWith({ socketMode: { connectionLifetimeMs: 200, disconnectGraceMs: 100 } });
    const { ws, frames } = await rawSocket(await openUrl(fake));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    expect(await closed).toBe(1000);
    expect(frames.map((f) => [f.type, f.reason])).toEqual([
      ['hello', undefined],
      ['disconnect', 'refresh_requested'],
    ]);
    expect(fake.socketMode.connections()[0]).toMatchObject({ disconnectReason: 'refresh_requested' });
  });

  it('spreads envelopes over the open connections', async () => {
    const fake = await fakeWith();
    for (const name of ['a', 'b']) {
      const client = socketClient(fake);
      client.on('slack_event', ({ ack }) => ack({ text: name }));
      await client.start();
    }
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await fake.socketMode.deliver('slash_commands', {})).payload);
    expect(answers).toEqual([{ text: 'a' }, { text: 'b' }, { text: 'a' }, { text: 'b' }]);
  });
});

describe('a Bolt App in Socket Mode against the fake', () => {
  const modal = {
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

  it('connects with the app-level token, takes every kind of payload, acks them, and reconnects after a warning', async () => {
    const fake = await fakeWith({
      homeTabEnabled: true,
      declared: {
        shortcuts: [{ callback_id: 'new_purchase', type: 'global' }],
        botEvents: ['app_home_opened'],
      },
    });
    // Exactly how the bot configures Socket Mode: appToken + socketMode, Web API at the fake.
    const app = new App({
      token: fake.botToken,
      appToken: fake.appToken,
      socketMode: true,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    app.command('/purchase', async ({ ack, command, client }) => {
      if (command.text === 'help') return ack('Usage: /purchase');
      await ack();
      await client.views.open({ trigger_id: command.trigger_id, view: modal });
    });
    app.options('customer', async ({ ack, payload }) =>
      ack({ options: [{ text: { type: 'plain_text', text: `Contoso ${payload.value}` }, value: 'cust-1' }] }),
    );
    app.view('purchase_request', async ({ ack, view }) => {
      if (view.state.values.quantity?.quantity?.value === '0')
        return ack({ response_action: 'errors', errors: { quantity: 'At least 1' } });
      await ack();
    });
    app.shortcut('new_purchase', async ({ ack, shortcut, client }) => {
      await ack();
      await client.views.open({ trigger_id: shortcut.trigger_id, view: modal });
    });
    app.event('app_home_opened', async ({ event, client }) => {
      await client.views.publish({
        user_id: event.user,
        view: {
          type: 'home',
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Your requests' } }],
        },
      });
    });
    await app.start();
    try {
      expect(fake.count('apps.connections.open')).toBe(1);
      const slack = SlackInbound.socket(fake);

      const help = await slack.command({ text: 'help', user_id: 'U0REQUEST1', channel_id: 'C0GENERAL' });
      expect(help).toMatchObject({ status: 200, mode: 'socket', json: { text: 'Usage: /purchase' } });
      expect(fake.ephemerals('C0GENERAL', 'U0REQUEST1')).toEqual([
        expect.objectContaining({ text: 'Usage: /purchase', source: 'command_response' }),
      ]);

      const opened = await slack.command({ user_id: 'U0REQUEST1' });
      const call = await fake.waitFor('views.open', (c) => c.args.trigger_id === opened.payload.trigger_id);
      const view = fake.views.get((call.response as { view: { id: string } }).view.id)!;
      const options = await slack.options({ action_id: 'customer', value: 'co', view });
      expect(options.options).toEqual([expect.objectContaining({ value: 'cust-1' })]);
      const refused = await slack.submit({ view, values: inputValues({ quantity: stateValue.number(0) }) });
      expect(refused.json).toEqual({ response_action: 'errors', errors: { quantity: 'At least 1' } });
      expect(fake.viewIsOpen(view.id)).toBe(true);
      await slack.submit({ view, values: inputValues({ quantity: stateValue.number(2) }) });
      expect(fake.viewIsOpen(view.id)).toBe(false);

      const shortcut = await slack.shortcut({ callback_id: 'new_purchase', user: 'U0APPROVE1' });
      await fake.waitFor('views.open', (c) => c.args.trigger_id === shortcut.payload.trigger_id);

      await slack.appHomeOpened({ user: 'U0APPROVE2' });
      await fake.waitFor('views.publish');
      expect(fake.homeView('U0APPROVE2')?.blocks[0]).toMatchObject({ text: { text: 'Your requests' } });

      // Slack recycles the connection; Bolt's client reconnects on its own (5 s: its default ping timeout).
      fake.socketMode.disconnect('warning');
      await until(
        () => fake.socketMode.openConnections === 1 && fake.count('apps.connections.open') >= 2,
        'Bolt reconnecting',
        15000,
      );
      expect((await slack.command({ text: 'help' })).json).toEqual({ text: 'Usage: /purchase' });

      // Bolt asked auth.test once, at start, however many payloads came in.
      expect(fake.count('auth.test')).toBe(1);
    } finally {
      await app.stop();
    }
  }, 30000);
});
