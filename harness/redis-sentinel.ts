import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './processes';
import { freePort, killAndWait, waitForPort } from './redis-server';

/**
 * A real replicated Redis on loopback: a primary, a replica (`--replicaof`) and one Sentinel
 * (`redis-server <conf> --sentinel`) watching them, each in its own temporary directory. What a
 * production deployment runs, shrunk to one machine, so failovers are real ones.
 */
export interface RedisNode {
  port: number;
  dir: string;
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ReplicatedRedis {
  name: string;
  primary: RedisNode;
  replica: RedisNode;
  sentinel: RedisNode;
  /** `127.0.0.1:<port>` of the Sentinel, for REDIS_SENTINELS. */
  sentinels: string;
  /** The port Sentinel names as the primary now. */
  primaryPort(): Promise<number>;
  /**
   * SENTINEL FAILOVER, then waits until Sentinel names the replica as the primary; returns its port.
   * (Sentinel turns the old primary into a replica of the new one some 10-20 s later, on its own.)
   */
  failover(timeoutMs?: number): Promise<number>;
  /** SIGKILL the current primary and wait until Sentinel has promoted the replica; returns its port. */
  killPrimary(timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/** TLS on every port (clients, replication, Sentinel), clear text nowhere; clients are not asked for certificates. */
export interface RedisTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

function portArgs(port: number, tls: RedisTls | undefined): string[] {
  if (!tls) return ['--port', String(port)];
  return [
    '--port',
    '0',
    '--tls-port',
    String(port),
    '--tls-replication',
    'yes',
    '--tls-cert-file',
    tls.certFile,
    '--tls-key-file',
    tls.keyFile,
    '--tls-ca-cert-file',
    tls.caFile,
    '--tls-auth-clients',
    'no',
  ];
}

function launch(args: string[], dir: string, log: string): ChildProcess {
  return spawn(
    process.env.REDIS_SERVER_BIN ?? 'redis-server',
    [...args, '--dir', dir, '--logfile', join(dir, log), '--daemonize', 'no'],
    { stdio: 'ignore', detached: false },
  );
}

/** One redis-server with AOF on (`appendfsync` everysec unless told), optionally a replica of `replicaOf`. */
export async function startRedisNode(opts: {
  replicaOf?: number;
  appendfsync?: 'everysec' | 'always';
  /** Where its data directory is made (the system's temporary directory unless told). */
  parentDir?: string;
  tls?: RedisTls;
}): Promise<RedisNode> {
  const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'pcbot-redis-node-'));
  const port = await freePort();
  const child = launch(
    [
      ...portArgs(port, opts.tls),
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--appendfsync',
      opts.appendfsync ?? 'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      // A replica that lost its link keeps answering reads, as in production.
      '--replica-serve-stale-data',
      'yes',
      ...(opts.replicaOf ? ['--replicaof', '127.0.0.1', String(opts.replicaOf)] : []),
    ],
    dir,
    'redis.log',
  );
  await waitForPort(port, 10_000);
  return nodeOf(port, dir, child);
}

function nodeOf(port: number, dir: string, child: ChildProcess): RedisNode {
  return {
    port,
    dir,
    process: child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      await killAndWait(child, signal);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function withClient<T>(
  port: number,
  tls: RedisTls | undefined,
  fn: (r: Redis) => Promise<T>,
): Promise<T> {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    ...(tls ? { tls: { ca: readFileSync(tls.caFile) } } : {}),
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/** The replica at `port` follows `primaryPort` with its link up. */
async function linked(port: number, primaryPort: number, tls: RedisTls | undefined): Promise<boolean> {
  return withClient(port, tls, async (r) => {
    const info = await r.info('replication');
    return (
      field(info, 'role') === 'slave' &&
      field(info, 'master_port') === String(primaryPort) &&
      field(info, 'master_link_status') === 'up'
    );
  });
}

export async function startReplicatedRedis(
  opts: { name?: string; downAfterMs?: number; failoverTimeoutMs?: number; tls?: RedisTls } = {},
): Promise<ReplicatedRedis> {
  const name = opts.name ?? 'mymaster';
  const tls = opts.tls;
  const primary = await startRedisNode({ ...(tls ? { tls } : {}) });
  const replica = await startRedisNode({ replicaOf: primary.port, ...(tls ? { tls } : {}) });
  await waitFor(() => linked(replica.port, primary.port, tls), 20_000, 100);

  const sdir = mkdtempSync(join(tmpdir(), 'pcbot-sentinel-'));
  const sport = await freePort();
  // Sentinel rewrites its configuration file, so it gets one of its own in its directory.
  const conf = join(sdir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      ...(tls
        ? [
            'port 0',
            `tls-port ${sport}`,
            'tls-replication yes',
            `tls-cert-file ${tls.certFile}`,
            `tls-key-file ${tls.keyFile}`,
            `tls-ca-cert-file ${tls.caFile}`,
            'tls-auth-clients no',
          ]
        : [`port ${sport}`]),
      'bind 127.0.0.1',
      `dir ${sdir}`,
      `sentinel monitor ${name} 127.0.0.1 ${primary.port} 1`,
      `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${name} ${opts.failoverTimeoutMs ?? 5000}`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n'),
  );
  const schild = launch([conf, '--sentinel'], sdir, 'sentinel.log');
  await waitForPort(sport, 10_000);
  const sentinel = nodeOf(sport, sdir, schild);

  const sentinelSays = <T>(fn: (r: Redis) => Promise<T>): Promise<T> => withClient(sport, tls, fn);
  const primaryPort = async (): Promise<number> => {
    const addr = (await sentinelSays((r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name))) as
      [string, string] | null;
    return Number(addr?.[1]);
  };
  /** Sentinel knows a healthy replica of the current primary: a failover can pick it. */
  const replicaKnown = async (): Promise<boolean> => {
    const rows = (await sentinelSays((r) => r.call('SENTINEL', 'REPLICAS', name))) as string[][];
    return rows.some((row) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < row.length; i += 2) f[row[i]!] = row[i + 1]!;
      return f.flags === 'slave' && f['master-link-status'] === 'ok';
    });
  };
  await waitFor(replicaKnown, 30_000, 100);

  return {
    name,
    primary,
    replica,
    sentinel,
    sentinels: `127.0.0.1:${sport}`,
    primaryPort,
    async failover(timeoutMs = 30_000) {
      const before = await primaryPort();
      const other = before === primary.port ? replica.port : primary.port;
      await sentinelSays((r) => r.call('SENTINEL', 'FAILOVER', name));
      await waitFor(async () => (await primaryPort()) === other, timeoutMs, 100);
      return other;
    },
    async killPrimary(timeoutMs = 30_000) {
      const before = await primaryPort();
      const [victim, other] = before === primary.port ? [primary, replica] : [replica, primary];
      await killAndWait(victim.process, 'SIGKILL');
      await waitFor(async () => (await primaryPort()) === other.port, timeoutMs, 100);
      return other.port;
    },
    async stop() {
      await sentinel.stop();
      await Promise.all([primary.stop(), replica.stop()]);
    },
  };
}
