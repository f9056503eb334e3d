import { startSimulator, type Simulator } from '../../fakes/partner-center';
import { startSlackFake } from '../../fakes/slack';
import type { SlackFake } from '../../fakes/slack/types';
import { baseEnv } from '../../harness/env';
import { freePort } from '../../harness/redis-server';
import { runTs, waitFor } from '../../harness/processes';

describe('the bot process', () => {
  let sim: Simulator;
  let slack: SlackFake;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, openAuth: true });
    slack = await startSlackFake();
  });
  afterAll(async () => {
    await sim.close();
    await slack.close();
  });

  it('serves /healthz and /readyz, /metrics on the ops port, then exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const opsPort = await freePort();
    const bot = runTs(
      'src/main.ts',
      baseEnv({
        PORT: String(port),
        OPS_PORT: String(opsPort),
        PARTNER_CENTER_API_URL: sim.url,
        SLACK_API_URL: slack.apiUrl,
        LOG_LEVEL: 'info',
        SHUTDOWN_TIMEOUT_MS: '3000',
      }),
    );
    try {
      const health = await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return res.status === 200 ? res : undefined;
      }, 30_000);
      expect(await health.json()).toEqual({ ok: true });
      const ready = await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 200 ? res : undefined;
      });
      expect(await ready.json()).toEqual({
        ok: true,
        checks: { redis: true, workers: true, slack_channels: true },
      });
      const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
      expect(metrics).toContain('pcbot_queue_jobs');
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      bot.child.kill('SIGTERM');
      const exit = await bot.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(bot.output()).toContain('stopped');
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    } finally {
      if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
    }
  }, 60_000);

  it('reports not ready, saying why, when the bot was never invited to the approvals channel', async () => {
    const port = await freePort();
    const lonely = await startSlackFake({
      channels: [{ id: 'C0NOBOT01', name: 'approvals-new', botIsMember: false }],
    });
    const bot = runTs(
      'src/main.ts',
      baseEnv({
        PORT: String(port),
        ROLE: 'web',
        PARTNER_CENTER_API_URL: sim.url,
        SLACK_API_URL: lonely.apiUrl,
        // A channel the workspace has, without the bot in it.
        APPROVALS_CHANNEL_ID: 'C0NOBOT01',
        REDIS_KEY_PREFIX: `proc${Date.now()}`,
        LOG_LEVEL: 'info',
      }),
    );
    try {
      const ready = await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 503 ? res : undefined;
      }, 30_000);
      const body = (await ready.json()) as { checks: Record<string, boolean>; problems?: string[] };
      expect(body.checks.slack_channels).toBe(false);
      expect(body.problems?.join(' ')).toMatch(/not a member of the approvals channel C0NOBOT01: invite it/);
      expect(bot.output()).toMatch(/invite it there/);
    } finally {
      bot.child.kill('SIGKILL');
      await bot.exited;
      await lonely.close();
    }
  }, 60_000);

  it('reports not ready when Redis is unreachable', async () => {
    const port = await freePort();
    const deadRedis = await freePort();
    const bot = runTs(
      'src/main.ts',
      baseEnv({
        PORT: String(port),
        ROLE: 'web',
        PARTNER_CENTER_API_URL: sim.url,
        REDIS_URL: `redis://127.0.0.1:${deadRedis}`,
      }),
    );
    try {
      const ready = await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 503 ? res : undefined;
      }, 30_000);
      expect(await ready.json()).toMatchObject({ ok: false, checks: { redis: false } });
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      bot.child.kill('SIGKILL');
      await bot.exited;
    }
  }, 60_000);

  it('stops start-up with one message naming every bad variable and no stack trace', async () => {
    const bot = runTs(
      'src/main.ts',
      baseEnv({ SLACK_BOT_TOKEN: 'nope', APPROVALS_CHANNEL_ID: undefined, PORT: '-1' }),
    );
    const exit = await bot.exited;
    expect(exit.code).toBe(1);
    const out = bot.output();
    expect(out).toMatch(/^Invalid configuration:/);
    expect(out).toContain('SLACK_BOT_TOKEN');
    expect(out).toContain('APPROVALS_CHANNEL_ID');
    expect(out).toContain('PORT');
    expect(out).not.toMatch(/\n\s+at /);
  }, 30_000);
});
