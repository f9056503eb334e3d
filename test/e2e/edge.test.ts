import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { sign } from '../../fakes/slack/inbound';
import { waitFor } from '../../harness/processes';
import { startWorld, SIGNING_SECRET, type World } from '../../harness/world';

/**
 * The bot's HTTP edge, end to end: what /slack/events refuses and when (before reading a body when
 * the headers already say no), the Events API deliveries Slack makes to a Request URL, and the
 * split between the public port (Slack, /healthz, /readyz) and the ops port (/metrics, Bull Board).
 */

interface Raw {
  status: number;
  text: string;
  /** the server closed the connection (we never do) */
  closed: boolean;
  ms: number;
}

/**
 * Writes `head` (request line and headers) and `body` on a bare socket and reads until the server
 * closes or `waitMs` passes. Whatever the headers declare, only `body` is ever sent.
 */
function raw(url: string, head: string, body = '', waitMs = 8000): Promise<Raw> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let text = '';
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, text, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => done(false), waitMs);
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('end', () => done(true));
    socket.on('error', () => done(true));
    socket.write(`${head}\r\n\r\n${body}`);
  });
}

const fresh = (): string => String(Math.floor(Date.now() / 1000));
const anySignature = (): string => `v0=${randomBytes(32).toString('hex')}`;

function head(lines: Record<string, string>): string {
  return [
    'POST /slack/events HTTP/1.1',
    'Host: bot.example',
    ...Object.entries(lines).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
}

/** A signed POST of exact bytes with any headers; `chunked` streams without a Content-Length. */
function post(
  url: string,
  headers: Record<string, string>,
  body: string,
  chunked = false,
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: chunked
          ? { ...headers, 'transfer-encoding': 'chunked' }
          : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      },
    );
    // A server that answers early may close while we still write: wait for its answer.
    req.on('error', (err) => setTimeout(() => reject(err), 200));
    if (chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.slice(i, i + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

describe('the HTTP edge', () => {
  let w: World;
  let events: string;
  const retries: Array<[unknown, unknown]> = [];

  beforeAll(async () => {
    w = await startWorld({ env: { BULL_BOARD_PASSWORD: 'board-secret' } });
    events = `${w.bot.url}/slack/events`;
    // Test instrumentation on the real Bolt app: what reaches listeners as context.
    w.bot.bolt!.use(async ({ context, next }) => {
      retries.push([context.retryNum, context.retryReason]);
      await next();
    });
  });
  afterAll(async () => {
    await w.close();
  });

  describe('refusals on /slack/events', () => {
    it('answers a request without signature headers with 401 from its headers alone, and hangs up', async () => {
      // 500 kB declared, none sent: an answer at all means the body was not waited for.
      const out = await raw(
        events,
        head({ 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '500000' }),
      );
      expect(out).toMatchObject({ status: 401, closed: true });
      expect(out.text).toMatch(/connection: close/i);
    });

    it('answers malformed signatures the same way: another version, upper case, too short', async () => {
      for (const sig of ['v1=abc', `v0=${'A'.repeat(64)}`, 'v0=deadbeef', '']) {
        const out = await raw(
          events,
          head({
            'Content-Type': 'application/json',
            'Content-Length': '100000',
            'X-Slack-Request-Timestamp': fresh(),
            'X-Slack-Signature': sig,
          }),
        );
        expect(out).toMatchObject({ status: 401, closed: true });
      }
    });

    it('answers a timestamp more than 5 minutes old or ahead with 401, before reading the body', async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const ts of [now - 301, now + 301, now - 86_400]) {
        const out = await raw(
          events,
          head({
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': '100000',
            'X-Slack-Request-Timestamp': String(ts),
            'X-Slack-Signature': sign(SIGNING_SECRET, '', ts)['x-slack-signature'],
          }),
        );
        expect(out).toMatchObject({ status: 401, closed: true });
        expect(out.text).toContain('stale or future-dated');
      }
    });

    it('answers other content types and encoded bodies with 415, before reading the body', async () => {
      const variants: Record<string, string>[] = [
        { 'Content-Type': 'text/plain' },
        { 'Content-Type': 'multipart/form-data; boundary=x' },
        { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
        {},
      ];
      for (const extra of variants) {
        const out = await raw(
          events,
          head({
            ...extra,
            'Content-Length': '100000',
            'X-Slack-Request-Timestamp': fresh(),
            'X-Slack-Signature': anySignature(),
          }),
        );
        expect(out).toMatchObject({ status: 415, closed: true });
      }
    });

    it('answers a declared body over 1 MB with 413 before reading it, and a streamed one once it passes 1 MB', async () => {
      const declared = await raw(
        events,
        head({
          'Content-Type': 'application/json',
          'Content-Length': '1000001',
          'X-Slack-Request-Timestamp': fresh(),
          'X-Slack-Signature': anySignature(),
        }),
      );
      expect(declared).toMatchObject({ status: 413, closed: true });
      const body = `payload=${'a'.repeat(1_100_000)}`;
      const streamed = await post(
        events,
        { 'content-type': 'application/x-www-form-urlencoded', ...sign(SIGNING_SECRET, body) },
        body,
        true,
      );
      expect(streamed.status).toBe(413);
    });

    it('gives a body that has not arrived 3 seconds after its headers a 408, and hangs up', async () => {
      const out = await raw(
        events,
        head({
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': '1000',
          'X-Slack-Request-Timestamp': fresh(),
          'X-Slack-Signature': anySignature(),
        }),
        'command=%2Fpur',
        15_000,
      );
      expect(out).toMatchObject({ status: 408, closed: true });
      // The guard's own deadline, not Node's later requestTimeout (whose 408 has no text).
      expect(out.text).toContain('request body too slow');
      // It waited for the body (Slack sends it at once), and not for long.
      expect(out.ms).toBeGreaterThanOrEqual(2900);
      expect(out.ms).toBeLessThan(10_000);
    });

    it('answers signed JSON that is no Events API delivery with 400, before any listener', async () => {
      for (const payload of [
        { type: 'block_actions', actions: [] },
        { type: 'event_callback' },
        { type: 'event_callback', event: 'app_home_opened' },
        { type: 'url_verification' },
        [],
      ]) {
        const res = await w.inbound.send('event', payload, { retries: 'none' });
        expect(res.status).toBe(400);
      }
    });

    it('reads a form whose content type names a charset as the form it is', async () => {
      const res = await w.inbound.command(
        { text: 'help' },
        { contentType: 'application/x-www-form-urlencoded; charset=utf-8' },
      );
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.json)).toContain('status');
    });
  });

  describe('the Events API', () => {
    it('takes a signed app_home_opened delivery and publishes the Home tab', async () => {
      const res = await w.inbound.appHomeOpened({ user: 'U0REQUEST1' });
      expect(res).toMatchObject({ status: 200, attempts: 1 });
      await w.slack.waitFor('views.publish', (c) => c.args.user_id === 'U0REQUEST1');
    });

    it("hands Slack's X-Slack-Retry-Num and -Reason on to Bolt", async () => {
      retries.length = 0;
      const res = await w.inbound.appHomeOpened(
        { user: 'U0REQUEST1', tab: 'messages' },
        { retryNum: 2, retryReason: 'http_timeout' },
      );
      expect(res.status).toBe(200);
      await waitFor(() => retries.length > 0);
      expect(retries).toEqual([[2, 'http_timeout']]);
    });

    it('answers a signed url_verification with its challenge, and an unsigned one with 401', async () => {
      const res = await w.inbound.urlVerification('a-challenge-from-slack');
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ challenge: 'a-challenge-from-slack' });
      const unsigned = await post(
        events,
        { 'content-type': 'application/json' },
        JSON.stringify({ token: 'x', challenge: 'c', type: 'url_verification' }),
      );
      expect(unsigned.status).toBe(401);
    });

    it('answers a signed ssl_check with 200 and an empty body, and an unsigned one with 401', async () => {
      const res = await w.inbound.sslCheck();
      expect(res).toMatchObject({ status: 200, body: '' });
      const unsigned = await post(
        events,
        { 'content-type': 'application/x-www-form-urlencoded' },
        'ssl_check=1',
      );
      expect(unsigned.status).toBe(401);
    });

    it('acknowledges app_rate_limited, which Bolt has no route for', async () => {
      const res = await w.inbound.send(
        'event',
        {
          token: 'fake-verification-token',
          type: 'app_rate_limited',
          team_id: 'T0TEAM0001',
          minute_rate_limited: Math.floor(Date.now() / 60_000) * 60,
          api_app_id: 'A0PCBOT001',
        },
        { retries: 'none' },
      );
      expect(res).toMatchObject({ status: 200, body: '' });
    });
  });

  describe('the two ports', () => {
    it('serves /healthz and /readyz on PORT, and /metrics and Bull Board only on the ops port', async () => {
      expect((await fetch(`${w.bot.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${w.bot.url}/readyz`)).status).toBe(200);
      expect((await fetch(`${w.bot.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${w.bot.url}/admin/queues`)).status).toBe(404);
      const metrics = await fetch(`${w.bot.opsUrl}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('pcbot_queue_jobs');
      expect((await fetch(`${w.bot.opsUrl}/admin/queues`)).status).toBe(401);
      expect((await fetch(`${w.bot.opsUrl}/slack/events`, { method: 'POST' })).status).toBe(404);
    });

    it('binds the ops port to 127.0.0.1 by default, while PORT listens on every address', async () => {
      expect(w.bot.opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const opsPort = new URL(w.bot.opsUrl!).port;
      const port = new URL(w.bot.url!).port;
      // 127.0.0.2 is this machine too, but not the address the ops port is bound to.
      expect((await fetch(`http://127.0.0.2:${port}/healthz`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.2:${opsPort}/metrics`)).rejects.toThrow();
    });

    it('keeps Bull Board read-only unless BULL_BOARD_READ_WRITE is set', async () => {
      const auth = `Basic ${Buffer.from('admin:board-secret').toString('base64')}`;
      const res = await fetch(`${w.bot.opsUrl}/admin/queues/api/queues/purchase/pause`, {
        method: 'PUT',
        headers: { authorization: auth },
      });
      expect(res.status).toBe(405);
      expect(await w.bot.producers.purchase.isPaused()).toBe(false);
    });
  });
});
