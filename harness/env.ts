import { loadConfig, type Config } from '../src/config';

/** A complete, valid environment for the bot; tests override what they exercise. */
export function baseEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: 'test-signing-secret',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: process.env.TEST_KEY_PREFIX ?? 'test',
    PARTNER_CENTER_API_URL: 'http://127.0.0.1:4010',
    PARTNER_CENTER_AUTH: 'none',
    APPROVALS_CHANNEL_ID: 'C0APPROVALS',
    FINANCE_CHANNEL_ID: 'C0FINANCE',
    APPROVER_USER_IDS: 'U0APPROVE1',
    APPROVER_USERGROUP_ID: 'S0APPROVERS',
    FINANCE_USER_IDS: 'U0FINANCE1',
    LOG_LEVEL: 'silent',
    // The Slack fake's bot (fakes/slack/seed.ts): known, so Bolt never needs to ask who it is.
    SLACK_BOT_USER_ID: 'U0PCBOT001',
    SLACK_BOT_ID: 'B0PCBOT001',
    PORT: '0',
    // Any free port: bots started side by side must not fight over the ops port's default.
    OPS_PORT: '0',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig(baseEnv(overrides));
}
