import pino from 'pino';
import { startBot, type Bot, type BotOverrides } from '../src/main';
import { startSimulator, type Simulator, type SimulatorOptions } from '../fakes/partner-center';
import { SlackInbound } from '../fakes/slack/inbound';
import { startSlackFake } from '../fakes/slack';
import type { SlackFake } from '../fakes/slack/types';
import { testConfig } from './env';

export const SIGNING_SECRET = 'e2e-signing-secret';

/** Everything a user meets, running for real on loopback: the bot, the Slack fake, the simulator, Redis. */
export interface World {
  sim: Simulator;
  slack: SlackFake;
  bot: Bot;
  inbound: SlackInbound;
  close(): Promise<void>;
}

export async function startWorld(
  opts: {
    env?: Record<string, string | undefined>;
    sim?: SimulatorOptions;
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
  const slack = await startSlackFake();
  const config = testConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
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
  const inbound = new SlackInbound(`${bot.url}/slack/events`, SIGNING_SECRET, { fake: slack });
  return {
    sim,
    slack,
    bot,
    inbound,
    async close() {
      await bot.stop();
      await slack.close();
      await sim.close();
    },
  };
}
