import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { generate } from 'selfsigned';
import { testConfig } from '../../harness/env';
import { startReplicatedRedis } from '../../harness/redis-sentinel';
import { freePort, killAndWait, waitForPort } from '../../harness/redis-server';
import { createRedis } from '../../src/store/redis';

/** rediss:// against a real redis-server that speaks only TLS, with a private CA. */
describe('Redis over TLS', () => {
  let dir: string;
  let port: number;
  let server: ChildProcess;
  let caFile: string;
  const opened: Redis[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pcbot-redis-tls-'));
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const pems = generate([{ name: 'commonName', value: '127.0.0.1' }], {
      days: 1,
      algorithm: 'sha256',
      keyPair: { privateKey, publicKey },
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
      ],
    } as Parameters<typeof generate>[1]);
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, pems.cert);
    writeFileSync(join(dir, 'key.pem'), pems.private);
    port = await freePort();
    server = spawn(
      process.env.REDIS_SERVER_BIN ?? 'redis-server',
      [
        // No clear-text port at all: a client that does not speak TLS cannot get in.
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--tls-cert-file',
        caFile,
        '--tls-key-file',
        join(dir, 'key.pem'),
        '--tls-ca-cert-file',
        caFile,
        '--tls-auth-clients',
        'no',
        '--save',
        '',
        '--dir',
        dir,
        '--logfile',
        join(dir, 'redis.log'),
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(port, 10_000);
  });

  afterAll(async () => {
    // The refused ones are closed already ('end').
    await Promise.allSettled(opened.filter((c) => c.status !== 'end').map((c) => c.quit()));
    await killAndWait(server, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  const open = (env: Record<string, string>, purpose: 'commands' | 'bullmq' = 'commands'): Redis => {
    const c = createRedis(testConfig(env).redis, purpose, { retryStrategy: () => null });
    c.on('error', () => undefined);
    opened.push(c);
    return c;
  };

  it('connects with rediss:// and the private CA, for commands and for BullMQ', async () => {
    const env = { REDIS_URL: `rediss://127.0.0.1:${port}`, REDIS_TLS_CA_FILE: caFile };
    const commands = open(env);
    expect(await commands.set('tls-probe', 'yes')).toBe('OK');
    expect(await commands.get('tls-probe')).toBe('yes');

    const connection = open(env, 'bullmq');
    const queue = new Queue('tls-check', { connection, prefix: 'tlsbull' });
    const seen: string[] = [];
    const worker = new Worker(
      'tls-check',
      async (job) => {
        seen.push(String((job.data as { n: number }).n));
        return Promise.resolve();
      },
      { connection, prefix: 'tlsbull' },
    );
    try {
      await queue.add('n', { n: 7 });
      const deadline = Date.now() + 15_000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual(['7']);
    } finally {
      await worker.close();
      await queue.close();
    }
  });

  it('refuses a server certificate it cannot verify, and clear text on a TLS port', async () => {
    const noCa = open({ REDIS_URL: `rediss://127.0.0.1:${port}` });
    await expect(noCa.ping()).rejects.toThrow();
    const clear = open({ REDIS_URL: `redis://127.0.0.1:${port}` });
    await expect(clear.ping()).rejects.toThrow();
  });

  it('finds the primary through Sentinels that, like the data nodes, speak only TLS', async () => {
    const set = await startReplicatedRedis({
      tls: { certFile: caFile, keyFile: join(dir, 'key.pem'), caFile },
    });
    try {
      const env = {
        REDIS_URL: 'rediss://unused',
        REDIS_TLS_CA_FILE: caFile,
        REDIS_SENTINELS: set.sentinels,
      };
      for (const purpose of ['commands', 'bullmq'] as const) {
        const c = open(env, purpose);
        expect(await c.set(`tls-sentinel-${purpose}`, '1')).toBe('OK');
        // The write landed on the primary Sentinel names, over TLS.
        const role = (await c.call('ROLE')) as [string];
        expect(role[0]).toBe('master');
        expect(c.stream.remotePort).toBe(set.primary.port);
        await c.quit();
        c.disconnect();
      }
    } finally {
      await set.stop();
    }
  }, 60_000);
});
