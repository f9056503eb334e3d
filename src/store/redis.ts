import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config';
import { ConfigError } from '../errors';

/** What a connection needs to know of the configuration (a URL alone means: direct, TLS from its scheme). */
export type RedisEndpoint = Pick<
  RedisConfig,
  'url' | 'tls' | 'tlsCaFile' | 'sentinels' | 'sentinelName' | 'sentinelPassword'
>;

export type RedisPurpose = 'commands' | 'bullmq';

export function endpointOf(url: string): RedisEndpoint {
  return {
    url,
    tls: url.startsWith('rediss://'),
    tlsCaFile: undefined,
    sentinels: [],
    sentinelName: 'mymaster',
    sentinelPassword: undefined,
  };
}

/**
 * The ioredis options for one connection, Sentinel or direct, TLS or not. Every connection the bot
 * opens (its commands, BullMQ's queues and workers) is built from these, so a deployment switches
 * to Sentinel or TLS in one place.
 *
 * - BullMQ needs `maxRetriesPerRequest: null` on the connections its workers block on; our
 *   repositories want commands to fail fast instead of queueing forever while Redis is down, so
 *   /readyz reports the outage.
 * - Through Sentinel, the primary's address comes from the Sentinels; REDIS_URL gives only the
 *   scheme, credentials and database. `failoverDetector` listens for Sentinel's +switch-master so
 *   a failover is followed at once, and a READONLY answer (a primary demoted under us) reconnects
 *   and asks the Sentinels again instead of failing every write until the next reconnect.
 * - rediss:// encrypts to the data nodes and, through Sentinel, to the Sentinels too: a deployment
 *   that wants TLS wants it on every hop, and Sentinel serves TLS on its own port (tls-port).
 */
export function redisOptions(
  endpoint: RedisEndpoint,
  purpose: RedisPurpose,
  readCa: (file: string) => Buffer = readFileSync,
): RedisOptions {
  const parsed = new URL(endpoint.url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  const tls: TlsOptions | undefined = endpoint.tls ? tlsOptions(endpoint.tlsCaFile, readCa) : undefined;
  const common: RedisOptions = {
    lazyConnect: false,
    enableReadyCheck: true,
    connectionName: `pcbot-${purpose}`,
    maxRetriesPerRequest: purpose === 'bullmq' ? null : 3,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
  };
  if (endpoint.sentinels.length === 0) {
    return {
      ...common,
      host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
      port: parsed.port ? Number(parsed.port) : 6379,
      ...(tls ? { tls } : {}),
    };
  }
  return {
    ...common,
    sentinels: endpoint.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: endpoint.sentinelName,
    ...(endpoint.sentinelPassword ? { sentinelPassword: endpoint.sentinelPassword } : {}),
    ...(tls ? { tls, enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
    failoverDetector: true,
    sentinelRetryStrategy: (times) => Math.min(times * 200, 2000),
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
}

function tlsOptions(caFile: string | undefined, readCa: (file: string) => Buffer): TlsOptions {
  if (!caFile) return {};
  try {
    return { ca: readCa(caFile) };
  } catch (err) {
    throw new ConfigError([
      `REDIS_TLS_CA_FILE cannot be read (${err instanceof Error ? err.message : String(err)})`,
    ]);
  }
}

/** One place that builds ioredis connections (see redisOptions). */
export function createRedis(
  endpoint: RedisEndpoint | string,
  purpose: RedisPurpose,
  extra: RedisOptions = {},
): Redis {
  const e = typeof endpoint === 'string' ? endpointOf(endpoint) : endpoint;
  return new Redis({ ...redisOptions(e, purpose), ...extra });
}

export class Keys {
  constructor(readonly prefix: string) {}
  request(id: string): string {
    return `${this.prefix}:req:${id}`;
  }
  audit(id: string): string {
    return `${this.prefix}:audit:${id}`;
  }
  auditAll(): string {
    return `${this.prefix}:audit`;
  }
  openByUser(userId: string): string {
    return `${this.prefix}:req:open:${userId}`;
  }
  pending(): string {
    return `${this.prefix}:req:pending`;
  }
  inflight(): string {
    return `${this.prefix}:req:inflight`;
  }
  allRequests(): string {
    return `${this.prefix}:req:all`;
  }
  byUser(userId: string): string {
    return `${this.prefix}:req:user:${userId}`;
  }
  byOrder(orderId: string): string {
    return `${this.prefix}:req:by-order:${orderId}`;
  }
  once(scope: string, id: string): string {
    return `${this.prefix}:once:${scope}:${id}`;
  }
  lock(scope: string, id: string): string {
    return `${this.prefix}:lock:${scope}:${id}`;
  }
  cache(scope: string, id: string): string {
    return `${this.prefix}:cache:${scope}:${id}`;
  }
  /** The run id of the Redis server the sweep last saw (src/store/redis-runs.ts). */
  redisRun(): string {
    return `${this.prefix}:redis-run-id`;
  }
}
