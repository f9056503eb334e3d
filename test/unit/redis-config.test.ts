import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors';
import { endpointOf, redisOptions } from '../../src/store/redis';
import { connectedReplicas } from '../../src/store/replication';
import { testConfig } from '../../harness/env';

function problems(overrides: Record<string, string | undefined>): string[] {
  try {
    testConfig(overrides);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('Redis configuration', () => {
  it('connects directly without TLS by default, and waits half a second for a replica', () => {
    const c = testConfig({ REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(c.redis).toMatchObject({
      tls: false,
      sentinels: [],
      sentinelName: 'mymaster',
      sentinelPassword: undefined,
      waitTimeoutMs: 500,
    });
  });

  it('turns TLS on for rediss:// and reads the Sentinel list, name and password', () => {
    const c = testConfig({
      REDIS_URL: 'rediss://:pw@ignored:6380/2',
      REDIS_SENTINELS: ' 10.0.0.1:26379, sentinel-b:26380,[::1]:26381,sentinel-c ',
      REDIS_SENTINEL_NAME: 'pcbot-primary',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_WAIT_TIMEOUT_MS: '250',
    });
    expect(c.redis.tls).toBe(true);
    expect(c.redis.sentinels).toEqual([
      { host: '10.0.0.1', port: 26379 },
      { host: 'sentinel-b', port: 26380 },
      { host: '::1', port: 26381 },
      { host: 'sentinel-c', port: 26379 },
    ]);
    expect(c.redis.sentinelName).toBe('pcbot-primary');
    expect(c.redis.sentinelPassword).toBe('sentinel-secret');
    expect(c.redis.waitTimeoutMs).toBe(250);
  });

  it('names bad Sentinel lists, names, timeouts and schemes without echoing the password', () => {
    const found = problems({
      REDIS_URL: 'http://secret@redis:6379',
      REDIS_SENTINELS: 'a:1,b:notaport,c:70000',
      REDIS_SENTINEL_NAME: 'my master',
      REDIS_WAIT_TIMEOUT_MS: '0',
    }).join('\n');
    expect(found).toMatch(/REDIS_URL must start with redis:\/\/ or rediss:\/\//);
    expect(found).toMatch(/REDIS_SENTINELS must be host:port pairs/);
    expect(found).toMatch(/REDIS_SENTINEL_NAME/);
    expect(found).toMatch(/REDIS_WAIT_TIMEOUT_MS/);
    expect(found).not.toContain('secret');
  });

  it('refuses a CA file without TLS', () => {
    expect(problems({ REDIS_URL: 'redis://r:6379', REDIS_TLS_CA_FILE: '/etc/ca.pem' }).join('\n')).toMatch(
      /REDIS_TLS_CA_FILE is only used with TLS/,
    );
  });
});

describe('the Redis connection factory', () => {
  it('connects directly to REDIS_URL, failing commands fast but never for BullMQ', () => {
    const c = testConfig({ REDIS_URL: 'redis://user:p%40ss@redis.internal:6390/3' });
    const commands = redisOptions(c.redis, 'commands');
    expect(commands).toMatchObject({
      host: 'redis.internal',
      port: 6390,
      username: 'user',
      password: 'p@ss',
      db: 3,
      maxRetriesPerRequest: 3,
      connectionName: 'pcbot-commands',
    });
    expect(commands.tls).toBeUndefined();
    expect(commands.sentinels).toBeUndefined();
    expect(redisOptions(c.redis, 'bullmq').maxRetriesPerRequest).toBeNull();
  });

  it('uses TLS for rediss://, with the CA file when one is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcbot-ca-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n');
    expect(redisOptions(endpointOf('rediss://redis:6380'), 'commands')).toMatchObject({
      host: 'redis',
      port: 6380,
      tls: {},
    });
    const withCa = redisOptions(
      testConfig({ REDIS_URL: 'rediss://redis:6380', REDIS_TLS_CA_FILE: ca }).redis,
      'commands',
    );
    expect(String(withCa.tls?.ca)).toContain('BEGIN CERTIFICATE');
    expect(() =>
      redisOptions(
        testConfig({ REDIS_URL: 'rediss://redis:6380', REDIS_TLS_CA_FILE: join(dir, 'missing.pem') }).redis,
        'commands',
      ),
    ).toThrow(/REDIS_TLS_CA_FILE cannot be read/);
  });

  it('asks the Sentinels for the primary, with the credentials of REDIS_URL for the data nodes', () => {
    const c = testConfig({
      REDIS_URL: 'redis://:data-pw@unused:1/1',
      REDIS_SENTINELS: 's1:26379,s2:26380',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
    });
    for (const purpose of ['commands', 'bullmq'] as const) {
      const o = redisOptions(c.redis, purpose);
      expect(o).toMatchObject({
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
        ],
        name: 'mymaster',
        sentinelPassword: 'sentinel-pw',
        password: 'data-pw',
        db: 1,
        failoverDetector: true,
        maxRetriesPerRequest: purpose === 'bullmq' ? null : 3,
      });
      expect(o.host).toBeUndefined();
      expect(o.tls).toBeUndefined();
      // A primary demoted under a connection answers READONLY: reconnect through the Sentinels and resend.
      const reconnect = o.reconnectOnError as (err: Error) => boolean | 1 | 2;
      expect(reconnect(new Error("READONLY You can't write against a read only replica."))).toBe(2);
      expect(reconnect(new Error('ERR something else'))).toBe(false);
    }
  });

  it('encrypts to the Sentinels and to the data nodes for rediss:// through Sentinel', () => {
    const c = testConfig({ REDIS_URL: 'rediss://unused', REDIS_SENTINELS: 's1:26379' });
    expect(redisOptions(c.redis, 'commands')).toMatchObject({
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
    });
  });

  it('reads the replica count from INFO replication', () => {
    expect(connectedReplicas('# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=…\r\n')).toBe(
      2,
    );
    expect(connectedReplicas('# Replication\r\nrole:master\r\nconnected_slaves:0\r\n')).toBe(0);
    expect(connectedReplicas('')).toBe(0);
  });
});
