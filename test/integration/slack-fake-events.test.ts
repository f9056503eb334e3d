import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { App, LogLevel } from '@slack/bolt';
import { startSlackFake, type SlackFake } from '../../fakes/slack';
import { eventCallback, SlackInbound } from '../../fakes/slack/inbound';
import { ENTERPRISE } from '../../fakes/slack/seed';
import { freePort } from '../../harness/redis-server';

/**
 * The Events API as docs.slack.dev "The Events API" and "Using HTTP request URLs" describe it:
 * signed JSON event_callback deliveries, url_verification, ssl_check, and Slack's retries.
 */

const SECRET = 'events-signing-secret';
const FIXTURES = join(__dirname, '..', 'fixtures', 'slack');
const fixture = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Record<string, unknown>;
const keys = (o: unknown): string[] => Object.keys(o as object).sort();

interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A plain HTTP endpoint that answers as told, to see exactly what Slack's side sends. */
async function endpoint(
  answer: (n: number, req: Seen, res: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(s);
      answer(seen.length, s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/slack/events`, seen, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0))
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
});

function verify(s: Seen): boolean {
  const ts = String(s.headers['x-slack-request-timestamp']);
  const mac = createHmac('sha256', SECRET).update(`v0:${ts}:${s.body}`).digest('hex');
  return s.headers['x-slack-signature'] === `v0=${mac}`;
}

describe('event_callback deliveries', () => {
  it('are signed JSON with the outer-event fields the docs list', async () => {
    const bot = await endpoint((_n, _s, res) => res.writeHead(200).end());
    servers.push(bot.server);
    const slack = new SlackInbound(bot.url, SECRET);
    const res = await slack.event({ event: { type: 'app_home_opened', user: 'U0REQUEST1', tab: 'home' } });
    expect(res).toMatchObject({ status: 200, attempts: 1, mode: 'http' });
    const [req] = bot.seen;
    expect(req!.headers['content-type']).toBe('application/json');
    expect(verify(req!)).toBe(true);
    const body = JSON.parse(req!.body) as Record<string, unknown>;
    expect(keys(body)).toEqual(keys(fixture('events/event-callback.docs.json')));
    expect(body).toMatchObject({
      type: 'event_callback',
      team_id: 'T0TEAM0001',
      api_app_id: 'A0PCBOT001',
      event_id: expect.stringMatching(/^Ev[A-Z0-9]+$/),
      event_time: expect.any(Number),
      authorizations: [
        {
          enterprise_id: null,
          team_id: 'T0TEAM0001',
          user_id: 'U0PCBOT001',
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      event: { type: 'app_home_opened', event_ts: expect.stringMatching(/^\d{10}\.\d{6}$/) },
    });
  });

  it('come from another workspace or an Enterprise org install when asked', () => {
    const org = eventCallback({
      event: { type: 'app_home_opened' },
      team_id: 'T0OTHER001',
      enterprise: ENTERPRISE,
      is_enterprise_install: true,
    });
    expect(org).toMatchObject({
      team_id: 'T0OTHER001',
      enterprise_id: 'E0GRID0001',
      context_enterprise_id: 'E0GRID0001',
      authorizations: [{ enterprise_id: 'E0GRID0001', team_id: null, is_enterprise_install: true }],
    });
  });

  it('are retried up to three times with X-Slack-Retry-Num and X-Slack-Retry-Reason after non-2xx answers', async () => {
    const bot = await endpoint((n, _s, res) => res.writeHead(n < 3 ? 500 : 200).end());
    servers.push(bot.server);
    const slack = new SlackInbound(bot.url, SECRET, { retryDelaysMs: [0, 10, 10] });
    const res = await slack.event({ event: { type: 'app_mention' }, event_id: 'Ev0SAME001' });
    expect(res).toMatchObject({ status: 200, attempts: 3 });
    expect(bot.seen.map((s) => [s.headers['x-slack-retry-num'], s.headers['x-slack-retry-reason']])).toEqual([
      [undefined, undefined],
      ['1', 'http_error'],
      ['2', 'http_error'],
    ]);
    // The same event every time: the event_id is the key to drop duplicates on.
    expect(new Set(bot.seen.map((s) => (JSON.parse(s.body) as { event_id: string }).event_id))).toEqual(
      new Set(['Ev0SAME001']),
    );
  });

  it('are retried with http_timeout when the answer takes longer than Slack waits', async () => {
    const bot = await endpoint((n, _s, res) => {
      if (n === 1) setTimeout(() => res.writeHead(200).end(), 300);
      else res.writeHead(200).end();
    });
    servers.push(bot.server);
    const slack = new SlackInbound(bot.url, SECRET, { timeoutMs: 100, retryDelaysMs: [0, 0, 0] });
    const res = await slack.event({ event: { type: 'app_mention' } });
    expect(res.attempts).toBe(2);
    expect(bot.seen[1]!.headers).toMatchObject({
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
  });

  it('stop when a failed answer says x-slack-no-retry: 1, and give up after the third retry', async () => {
    const refusing = await endpoint((_n, _s, res) => res.writeHead(503, { 'x-slack-no-retry': '1' }).end());
    const failing = await endpoint((_n, _s, res) => res.writeHead(500).end());
    servers.push(refusing.server, failing.server);
    const opts = { retryDelaysMs: [0, 0, 0] };
    expect(await new SlackInbound(refusing.url, SECRET, opts).event({ event: { type: 'x' } })).toMatchObject({
      status: 503,
      attempts: 1,
    });
    expect(await new SlackInbound(failing.url, SECRET, opts).event({ event: { type: 'x' } })).toMatchObject({
      status: 500,
      attempts: 4,
    });
    expect(failing.seen.map((s) => s.headers['x-slack-retry-num'])).toEqual([undefined, '1', '2', '3']);
  });

  it('are retried with connection_failed when nothing listens, then reported', async () => {
    const port = await freePort();
    const slack = new SlackInbound(`http://127.0.0.1:${port}/slack/events`, SECRET, {
      retryDelaysMs: [0, 0, 0],
    });
    await expect(slack.event({ event: { type: 'x' } })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('can be sent once, marked as a retry, or without Slack retries', async () => {
    const bot = await endpoint((_n, _s, res) => res.writeHead(500).end());
    servers.push(bot.server);
    const slack = new SlackInbound(bot.url, SECRET);
    expect(await slack.event({ event: { type: 'x' } }, { retries: 'none' })).toMatchObject({ attempts: 1 });
    await slack.event({ event: { type: 'x' } }, { retryNum: 2, retryReason: 'http_timeout' });
    expect(bot.seen[1]!.headers).toMatchObject({
      'x-slack-retry-num': '2',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(bot.seen).toHaveLength(2);
  });
});

describe('url_verification and ssl_check', () => {
  it('sends the documented url_verification body and ssl_check as a signed form', async () => {
    const bot = await endpoint((n, s, res) => {
      if (n === 1)
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ challenge: (JSON.parse(s.body) as { challenge: string }).challenge }));
      else res.writeHead(200).end();
    });
    servers.push(bot.server);
    const slack = new SlackInbound(bot.url, SECRET);
    const verification = await slack.urlVerification('chal-123');
    expect(keys(verification.payload)).toEqual(keys(fixture('events/url-verification.docs.json')));
    expect(verification.json).toEqual({ challenge: 'chal-123' });
    const ssl = await slack.sslCheck();
    expect(ssl.status).toBe(200);
    expect(bot.seen[1]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(bot.seen[1]!.body))).toEqual({
      ssl_check: '1',
      token: 'fake-verification-token',
    });
    expect(verify(bot.seen[1]!)).toBe(true);
  });

  it('are refused in Socket Mode, which has no Request URL', async () => {
    const fake = await startSlackFake();
    try {
      const slack = SlackInbound.socket(fake);
      await expect(slack.urlVerification()).rejects.toThrow(/HTTP only/);
      await expect(slack.sslCheck()).rejects.toThrow(/HTTP only/);
    } finally {
      await fake.close();
    }
  });
});

describe("what the app's configuration declares", () => {
  it('is all Slack sends: an undeclared command, shortcut or event is refused before it leaves', async () => {
    const bot = await endpoint((_n, _s, res) => res.writeHead(200).end());
    servers.push(bot.server);
    const fake = await startSlackFake({
      declared: {
        shortcuts: [{ callback_id: 'new_purchase', type: 'global' }],
        botEvents: ['app_home_opened'],
      },
    });
    try {
      const slack = new SlackInbound(bot.url, SECRET, { fake });
      // From manifest.yml: /purchase is declared.
      expect((await slack.command({ text: 'help' })).status).toBe(200);
      await expect(slack.command({ command: '/other' })).rejects.toThrow(
        /command \/other.*features\.slash_commands/,
      );
      expect((await slack.shortcut({ callback_id: 'new_purchase' })).status).toBe(200);
      await expect(slack.shortcut({ callback_id: 'something_else' })).rejects.toThrow(
        /global shortcut something_else/,
      );
      await expect(
        slack.messageShortcut({
          callback_id: 'new_purchase',
          message: { ts: '1.000001', channel: 'C0GENERAL' },
        }),
      ).rejects.toThrow(/message shortcut new_purchase/);
      expect((await slack.appHomeOpened({ user: 'U0REQUEST1' })).status).toBe(200);
      await expect(slack.event({ event: { type: 'app_mention' } })).rejects.toThrow(
        /event app_mention.*settings\.event_subscriptions\.bot_events/,
      );
      expect(bot.seen).toHaveLength(3);
    } finally {
      await fake.close();
    }
  });

  it('is read from manifest.yml by default, and checks can be switched off', async () => {
    const fake = await startSlackFake();
    const open = await startSlackFake({ declared: false });
    try {
      expect(fake.declared?.commands).toContain('/purchase');
      expect(open.declared).toBeUndefined();
    } finally {
      await fake.close();
      await open.close();
    }
  });
});

describe('against a Bolt App over HTTP', () => {
  let fake: SlackFake;
  let app: App;
  let slack: SlackInbound;
  const retries: Array<[unknown, unknown]> = [];

  beforeAll(async () => {
    fake = await startSlackFake({ homeTabEnabled: true, declared: { botEvents: ['app_home_opened'] } });
    app = new App({
      token: fake.botToken,
      signingSecret: SECRET,
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    });
    app.event('app_home_opened', async ({ event, client, context }) => {
      retries.push([context.retryNum, context.retryReason]);
      if (event.tab !== 'home') return;
      await client.views.publish({
        user_id: event.user,
        view: {
          type: 'home',
          callback_id: 'home',
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Hello <@${event.user}>` } }],
        },
      });
    });
    const port = await freePort();
    await app.start(port);
    slack = new SlackInbound(`http://127.0.0.1:${port}/slack/events`, SECRET, { fake });
  });

  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('answers url_verification with the challenge and ssl_check with 200', async () => {
    expect((await slack.urlVerification('xyz')).json).toEqual({ challenge: 'xyz' });
    expect((await slack.sslCheck()).status).toBe(200);
  });

  it('publishes the Home tab on app_home_opened, and the next opening carries that view', async () => {
    const first = await slack.appHomeOpened({ user: 'U0FINANCE1' });
    expect(first.status).toBe(200);
    expect((first.payload.event as Record<string, unknown>).view).toBeUndefined();
    await fake.waitFor('views.publish', (c) => c.args.user_id === 'U0FINANCE1');
    const home = fake.homeView('U0FINANCE1')!;
    const second = await slack.appHomeOpened({ user: 'U0FINANCE1' });
    const event = second.payload.event as Record<string, unknown>;
    expect(keys(event)).toEqual(keys(fixture('events/app-home-opened.docs.json')));
    expect(event).toMatchObject({ tab: 'home', user: 'U0FINANCE1', channel: fake.dmChannelId('U0FINANCE1') });
    expect(event.view).toMatchObject({ id: home.id, type: 'home' });
  });

  it('passes X-Slack-Retry-Num and -Reason to the listener as context.retryNum and retryReason', async () => {
    retries.length = 0;
    await slack.appHomeOpened(
      { user: 'U0REQUEST2', tab: 'messages' },
      { retryNum: 1, retryReason: 'http_timeout' },
    );
    expect(retries).toEqual([[1, 'http_timeout']]);
  });

  it('refuses an event signed with the wrong secret (Bolt answers 401)', async () => {
    const res = await slack.event(
      { event: { type: 'app_home_opened' } },
      { signature: 'v0=bad', retries: 'none' },
    );
    expect(res.status).toBe(401);
  });
});
