import { request as httpRequest } from 'node:http';
import type { Server } from 'node:http';
import { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config';
import { closeServer, createOpsApp, listen, urlOf } from '../../src/http/server';
import { LoginThrottle } from '../../src/http/login-throttle';
import { baseEnv } from '../../harness/env';
import { testRedis } from '../support/redis';

/**
 * The operators' port on its own: Bull Board over real queues in Redis, behind basic authentication
 * that slows guessing down per client address. The bot's wiring of this port (OPS_PORT, OPS_HOST) is
 * covered in test/e2e/edge.test.ts.
 */

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  ms: number;
}

/** One request from a chosen loopback address (127.0.0.0/8 is all loopback on Linux). */
function ask(
  url: string,
  opts: { method?: string; authorization?: string; from?: string } = {},
): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: opts.method ?? 'GET',
        agent: false,
        localAddress: opts.from ?? '127.0.0.1',
        headers: opts.authorization ? { authorization: opts.authorization } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, ms: Date.now() - started }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the ops port', () => {
  const { redis, prefix } = testRedis();
  const queue = new Queue('ops-purchase', { connection: redis, prefix: `${prefix}:bull` });
  const servers: Server[] = [];

  async function start(opts: { readWrite: boolean; baseDelayMs?: number }): Promise<string> {
    const app = createOpsApp({
      metrics: new Registry(),
      queues: [queue],
      bullBoard: { user: 'admin', password: 'board-secret', readWrite: opts.readWrite },
      loginThrottle: { baseDelayMs: opts.baseDelayMs ?? 250 },
    });
    const server = await listen(app, 0, '127.0.0.1');
    servers.push(server);
    return urlOf(server)!;
  }

  afterEach(async () => {
    for (const s of servers.splice(0)) await closeServer(s);
    await queue.resume();
  });
  afterAll(async () => {
    await queue.close();
    redis.disconnect();
  });

  it('keeps Bull Board read-only by default: its write routes answer 405 and change nothing', async () => {
    const url = await start({ readWrite: false });
    const auth = basic('admin', 'board-secret');
    expect((await ask(`${url}/admin/queues/api/queues`, { authorization: auth })).status).toBe(200);
    const pause = await ask(`${url}/admin/queues/api/queues/ops-purchase/pause`, {
      method: 'PUT',
      authorization: auth,
    });
    expect(pause.status).toBe(405);
    expect(await queue.isPaused()).toBe(false);
  });

  it('lets Bull Board change queues when BULL_BOARD_READ_WRITE is set', async () => {
    const url = await start({ readWrite: true });
    const pause = await ask(`${url}/admin/queues/api/queues/ops-purchase/pause`, {
      method: 'PUT',
      authorization: basic('admin', 'board-secret'),
    });
    expect(pause.status).toBe(200);
    expect(await queue.isPaused()).toBe(true);
  });

  it('answers each wrong password later than the last, then locks the address out with 429', async () => {
    const url = await start({ readWrite: false, baseDelayMs: 200 });
    const board = `${url}/admin/queues`;
    // No credentials at all is how a browser asks: a challenge, not an attempt.
    expect((await ask(board)).status).toBe(401);
    const wrong = basic('admin', 'guess');
    const answers: Answer[] = [];
    for (let i = 0; i < 4; i++) answers.push(await ask(board, { authorization: wrong }));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    // 200, 400, 800 and 1600 ms at least; only lower bounds, which a busy machine cannot break.
    answers.forEach((a, i) => expect(a.ms).toBeGreaterThanOrEqual(200 * 2 ** i - 20));
    const fifth = await ask(board, { authorization: wrong });
    expect(fifth.status).toBe(429);
    expect(Number(fifth.headers['retry-after'])).toBeGreaterThan(800);
    // Locked: the right password from that address is refused too, or guessing would go on.
    expect((await ask(board, { authorization: basic('admin', 'board-secret') })).status).toBe(429);
    // Another address is not held back by it.
    const other = await ask(board, { authorization: basic('admin', 'board-secret'), from: '127.0.0.2' });
    expect(other.status).toBe(200);
  }, 20_000);

  it('counts guesses sent in parallel as they arrive', async () => {
    const url = await start({ readWrite: false, baseDelayMs: 50 });
    const wrong = basic('admin', 'guess');
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        ask(`${url}/admin/queues`, { authorization: wrong, from: '127.0.0.3' }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
  });
});

describe('the login throttle', () => {
  it('doubles the delay per wrong password, locks at the fifth for 15 minutes, and forgets after', () => {
    let now = 1_000_000;
    const t = new LoginThrottle({ now: () => now });
    const verdicts = Array.from({ length: 5 }, () => t.attempt('10.0.0.1', false));
    expect(verdicts).toEqual([
      { kind: 'deny', delayMs: 250 },
      { kind: 'deny', delayMs: 500 },
      { kind: 'deny', delayMs: 1000 },
      { kind: 'deny', delayMs: 2000 },
      { kind: 'locked', retryAfterSec: 900 },
    ]);
    now += 60_000;
    expect(t.attempt('10.0.0.1', true)).toEqual({ kind: 'locked', retryAfterSec: 840 });
    now += 840_000;
    expect(t.attempt('10.0.0.1', true)).toEqual({ kind: 'allow' });
  });

  it('forgets an address after a right password, and keeps others apart', () => {
    const t = new LoginThrottle({ now: () => 0 });
    t.attempt('a', false);
    t.attempt('a', false);
    t.attempt('b', false);
    expect(t.attempt('a', true)).toEqual({ kind: 'allow' });
    expect(t.attempt('a', false)).toEqual({ kind: 'deny', delayMs: 250 });
    expect(t.attempt('b', false)).toEqual({ kind: 'deny', delayMs: 500 });
  });

  it('remembers a bounded number of addresses, forgetting the oldest first', () => {
    const t = new LoginThrottle({ now: () => 0, maxTracked: 2 });
    t.attempt('a', false);
    t.attempt('b', false);
    t.attempt('c', false);
    expect(t.attempt('a', false)).toEqual({ kind: 'deny', delayMs: 250 });
    expect(t.attempt('c', false)).toEqual({ kind: 'deny', delayMs: 500 });
  });
});

describe('the ops settings', () => {
  it('default to port 9464 on loopback, Bull Board read-only, 256 connections', () => {
    const config = loadConfig(baseEnv({ OPS_PORT: undefined, PORT: undefined }));
    expect(config.ops).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(config.bullBoard.readWrite).toBe(false);
    expect(config.http.maxConnections).toBe(256);
    expect(loadConfig(baseEnv({ BULL_BOARD_READ_WRITE: 'true' })).bullBoard.readWrite).toBe(true);
  });

  it('refuse one port for both', () => {
    expect(() => loadConfig(baseEnv({ PORT: '8080', OPS_PORT: '8080' }))).toThrow(
      /OPS_PORT must differ from PORT/,
    );
  });
});
