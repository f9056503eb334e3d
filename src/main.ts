import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import type { Redis } from 'ioredis';
import { registerHandlers } from '../handlers';
import { startWorkers, type WorkerSet } from '../jobs';
import { loadConfig, type Config } from './config';
import { ConfigError } from './errors';
import { closeServer, createHttpApp, createOpsApp, listen, urlOf } from './http/server';
import { createLogger } from './logger';
import { Metrics } from './metrics';
import type { Producers } from './queues';
import type { RequestRepository } from './store/requests';
import { RedisSweepRetries } from './store/sweep-retries';
import { startWeb, type Web } from './web';
import { createAdapters, createServices, loadMarketRules, type BotOverrides } from './wiring';

export type { BotOverrides } from './wiring';

/**
 * Composition root: config → adapters → services → the web half and/or the workers (ROLE). Nothing
 * else wires adapters together. Each role's factory takes an options object, so a test or the demo
 * can build exactly the part it needs.
 */
export interface Bot {
  config: Config;
  url: string | undefined;
  server: Server | undefined;
  /** /metrics and Bull Board (OPS_PORT on OPS_HOST) */
  opsUrl: string | undefined;
  redis: Redis;
  repo: RequestRepository;
  producers: Producers;
  workers: WorkerSet | undefined;
  bolt: App | undefined;
  stop(): Promise<void>;
}

export async function startBot(config: Config, overrides: BotOverrides = {}): Promise<Bot> {
  const a = createAdapters(config, overrides);
  const s = createServices(a);
  const metrics = new Metrics(a.producers.all(), a.requests);
  a.replicaWait.observe((outcome) => metrics.replicaWaits.inc({ outcome }));
  const runsWeb = config.role !== 'worker';
  const runsWorkers = config.role !== 'web';

  const workers = runsWorkers
    ? await startWorkers({
        config,
        connection: a.bullConnection,
        producers: a.producers,
        services: s,
        requests: a.requests,
        redisRuns: a.redisRuns,
        metrics,
        sweepRetries: new RedisSweepRetries(a.redis, a.keys, {
          baseMs: config.timings.sweepIntervalMs,
          capMs: 3_600_000,
        }),
        log: a.log,
        now: a.now,
      })
    : undefined;
  const http = createHttpApp({
    readiness: [
      { name: 'redis', check: async () => (await a.redis.ping()) === 'PONG' },
      ...(workers ? [{ name: 'workers', check: () => Promise.resolve(workers.running()) }] : []),
      {
        name: 'slack_channels',
        check: async () => {
          const report = await s.channelHealth.status();
          return {
            ok: report.ok,
            detail:
              report.missing
                .map((m) => `the bot is not a member of the ${m.name} channel ${m.channel}: invite it there`)
                .join('; ') || undefined,
          };
        },
      },
    ],
  });
  const ops = createOpsApp({
    metrics: metrics.registry,
    queues: a.producers.all(),
    bullBoard: config.bullBoard,
  });
  let web: Web | undefined;
  if (runsWeb) web = await startWeb({ adapters: a, services: s, http, register: registerHandlers });
  // Known at start-up, not 72 hours later: a bot missing from its channels says so at once.
  s.channelHealth.check().catch((err: unknown) => a.log.warn({ err }, 'could not check channel membership'));

  const limits = { maxConnections: config.http.maxConnections };
  const server = await listen(http, config.port, '0.0.0.0', limits);
  const opsServer = await listen(ops, config.ops.port, config.ops.host, limits);
  const url = urlOf(server);
  const opsUrl = urlOf(opsServer);
  a.log.info({ role: config.role, url, opsUrl, socketMode: config.slack.socketMode }, 'bot started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      a.log.info('shutting down');
      await Promise.all([closeServer(server), closeServer(opsServer)]);
      if (web) await web.stop();
      if (workers) await workers.close(config.timings.shutdownTimeoutMs);
      await a.close();
      a.log.info('stopped');
    })();
    return stopping;
  };

  return {
    config,
    url,
    server,
    opsUrl,
    redis: a.redis,
    repo: a.requests,
    producers: a.producers,
    workers,
    bolt: web?.bolt,
    stop,
  };
}

/** `npm start`: read the environment once, start, and stop cleanly on SIGTERM/SIGINT. */
export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
    loadMarketRules(config.marketRulesFile);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger({ level: config.logLevel, pretty: process.stdout.isTTY });
  const bot = await startBot(config, { logger: log });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'signal received');
    bot.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`Start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
