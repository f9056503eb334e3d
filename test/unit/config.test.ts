import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/errors';
import { baseEnv } from '../../harness/env';

describe('configuration', () => {
  it('parses a complete environment into a frozen config with documented defaults', () => {
    const config = loadConfig(baseEnv({ PORT: undefined }));
    expect(config.port).toBe(3000);
    expect(config.timings.orderConfirmationDelayMs).toBe(900_000);
    expect(config.timings.invoicePollIntervalMs).toBe(3_600_000);
    expect(config.timings.approvalTtlMs).toBe(259_200_000);
    expect(config.partnerCenter.apiUrl).toBe('http://127.0.0.1:4010');
    expect(config.approvers.userIds).toEqual(['U0APPROVE1']);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.slack)).toBe(true);
  });

  it('names every bad variable in one message and never echoes a secret', () => {
    const env = baseEnv({
      SLACK_BOT_TOKEN: 'not-a-token-super-secret-value',
      SLACK_SIGNING_SECRET: undefined,
      APPROVALS_CHANNEL_ID: undefined,
      PORT: 'eighty',
      REDIS_URL: 'not a url',
      APPROVER_USER_IDS: undefined,
      APPROVER_USERGROUP_ID: undefined,
    });
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'APPROVALS_CHANNEL_ID',
      'PORT',
      'REDIS_URL',
      'APPROVER_USER_IDS',
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('super-secret-value');
    expect(message.split('\n')[0]).toBe('Invalid configuration:');
  });

  it('refuses PARTNER_CENTER_AUTH=none unless Partner Center is on a loopback address', () => {
    expect(() =>
      loadConfig(baseEnv({ PARTNER_CENTER_API_URL: 'https://api.partnercenter.microsoft.com' })),
    ).toThrow(/PARTNER_CENTER_AUTH none is only allowed/);
  });

  it('requires app credentials when MSAL auth is used', () => {
    expect(() => loadConfig(baseEnv({ PARTNER_CENTER_AUTH: 'msal' }))).toThrow(
      /PARTNER_CENTER_TENANT_ID[\s\S]*PARTNER_CENTER_CLIENT_ID[\s\S]*PARTNER_CENTER_CLIENT_SECRET/,
    );
  });

  it("keeps the approval lifetime shorter than a cart's seven days", () => {
    expect(() => loadConfig(baseEnv({ APPROVAL_TTL_MS: String(7 * 24 * 3_600_000) }))).toThrow(
      /APPROVAL_TTL_MS/,
    );
  });

  it('uses Socket Mode when an app-level token is set, and then needs no signing secret', () => {
    const config = loadConfig(
      baseEnv({ SLACK_APP_TOKEN: 'xapp-1-A-1-abc', SLACK_SIGNING_SECRET: undefined }),
    );
    expect(config.slack.socketMode).toBe(true);
  });
});
