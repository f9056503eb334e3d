import pino from 'pino';
import { startBot, type Bot, type BotOverrides } from '../src/main';
import { startSimulator, type Simulator, type SimulatorOptions } from '../fakes/partner-center';
import { SlackInbound } from '../fakes/slack/inbound';
import { startSlackFake } from '../fakes/slack';
import type { SlackFake, SlackFakeOptions } from '../fakes/slack/types';
import { testConfig } from './env';

export const SIGNING_SECRET = 'e2e-signing-secret';

/** Everything a user meets, running for real on loopback: the bot, the Slack fake, the simulator, Redis. */
export interface World {
  sim: Simulator;
  slack: SlackFake;
  bot: Bot;
  inbound: SlackInbound;
  /** How Slack reaches the bot: signed HTTP to /slack/events, or Socket Mode. */
  mode: WorldMode;
  close(): Promise<void>;
}

/**
 * 'http': Slack POSTs signed requests to the bot's /slack/events (docs.slack.dev "Using HTTP request
 * URLs"). 'socket': the bot opens a WebSocket with its app-level token (apps.connections.open) and
 * Slack sends envelopes over it (docs.slack.dev "Using Socket Mode"); the bot then serves no
 * /slack/events at all.
 */
export type WorldMode = 'http' | 'socket';

export async function startWorld(
  opts: {
    /** Default 'http'. */
    mode?: WorldMode;
    env?: Record<string, string | undefined>;
    sim?: SimulatorOptions;
    /** The Slack fake's options (its latency, say). */
    slack?: SlackFakeOptions;
    prefix?: string;
    /** The bot's own overrides (its clock, a dispatcher trusting the simulator's authority…). */
    bot?: Omit<BotOverrides, 'logger'>;
    /** Environment computed from the running simulator (its authority URLs, say). */
    envFromSim?: (sim: Simulator) => Record<string, string | undefined>;
    /** Overrides that need the running simulator (a dispatcher trusting its authority's certificate). */
    botFromSim?: (sim: Simulator) => Omit<BotOverrides, 'logger'>;
  } = {},
): Promise<World> {
  const sim = await startSimulator({
    port: 0,
    openAuth: true,
    registrationDelayMs: 300,
    orderListDelayMs: 800,
    ...opts.sim,
  });
  const mode = opts.mode ?? 'http';
  const slack = await startSlackFake(opts.slack ?? {});
  const config = testConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    // An app-level token is what switches the bot to Socket Mode (config.ts).
    SLACK_APP_TOKEN: mode === 'socket' ? slack.appToken : undefined,
    SLACK_API_URL: slack.apiUrl,
    PARTNER_CENTER_API_URL: sim.url,
    PARTNER_PRICING_API_URL: sim.url,
    REDIS_KEY_PREFIX:
      opts.prefix ?? `${process.env.TEST_KEY_PREFIX ?? 't'}w${Math.random().toString(36).slice(2, 8)}`,
    ORDER_CONFIRMATION_DELAY_MS: '1000',
    SWEEP_INTERVAL_MS: '500',
    REGISTRATION_POLL_BASE_MS: '100',
    REGISTRATION_POLL_CAP_MS: '400',
    PURCHASE_RETRY_BASE_MS: '200',
    ...opts.env,
    ...opts.envFromSim?.(sim),
  });
  const bot = await startBot(config, {
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    partnerCenterTimeoutMs: 5000,
    ...opts.bot,
    ...opts.botFromSim?.(sim),
  });
  let inbound: SlackInbound;
  if (mode === 'socket') {
    // Bolt's start() resolves once its client connected; Slack's hello may still be on its way.
    await slack.socketMode.waitForConnection(10_000);
    inbound = SlackInbound.socket(slack);
  } else {
    inbound = new SlackInbound(`${bot.url}/slack/events`, SIGNING_SECRET, { fake: slack });
  }
  return {
    sim,
    slack,
    bot,
    inbound,
    mode,
    async close() {
      await bot.stop();
      await slack.close();
      await sim.close();
    },
  };
}
