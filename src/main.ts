import type { Server } from 'node:http';
import { App, ExpressReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import express from 'express';
import type { Redis } from 'ioredis';
import { Agent, type Dispatcher } from 'undici';
import { loadConfig, type Config } from './config';
import { ConfigError } from './errors';
import { createLogger, type Logger } from './logger';
import { Metrics } from './metrics';
import {
  MsalTokenProvider,
  NoAuthTokenProvider,
  PartnerCenterClient,
  type TokenProvider,
} from './partner-center';
import { Producers } from './queues';
import { ApprovalService } from './services/approvals';
import { CatalogService } from './services/catalog';
import { FinanceService } from './services/finance-service';
import { IntakeService } from './services/intake';
import { Notifier } from './services/notifier';
import { OrderingService } from './services/ordering';
import { WebClientSlackPort, type SlackPort } from './slack/port';
import { createRedis } from './store/redis';
import { parseRateLimit, RedisRateLimiter } from './store/rate-limiter';
import { OnceStore, RequestRepository } from './store/requests';
import { closeServer, createHttpApp, listen } from './http/server';
import { slackGuard } from './http/slack-guard';
import { registerHandlers } from '../handlers';
import { startWorkers, type WorkerSet } from '../jobs';

/**
 * Composition root: config → adapters → Bolt app and/or workers (ROLE). Nothing else wires
 * adapters together.
 */
export interface BotOverrides {
  logger?: Logger;
  /** undici dispatcher for Partner Center (tests trust the simulator's certificate with it). */
  dispatcher?: Dispatcher;
  tokens?: TokenProvider;
  now?: () => number;
  /** Partner Center client timeouts (tests shorten them). */
  partnerCenterTimeoutMs?: number;
}

export interface Bot {
  config: Config;
  url: string | undefined;
  server: Server | undefined;
  redis: Redis;
  repo: RequestRepository;
  producers: Producers;
  workers: WorkerSet | undefined;
  stop(): Promise<void>;
}

export async function startBot(config: Config, overrides: BotOverrides = {}): Promise<Bot> {
  const log = overrides.logger ?? createLogger({ level: config.logLevel, pretty: process.stdout.isTTY });
  const now = overrides.now ?? Date.now;
  const prefix = config.redis.keyPrefix;
  const redis = createRedis(config.redis.url, 'commands');
  // Typed as the ioredis client it is: BullMQ 6's ConnectionOptions is an index-signature bag (any).
  const bullConnection: Redis = createRedis(config.redis.url, 'bullmq');
  // ioredis reconnects by itself; without a listener it would print every outage as unhandled.
  for (const conn of [redis, bullConnection]) {
    conn.on('error', (err: Error) => log.warn({ err: err.message }, 'Redis connection error; reconnecting'));
  }

  const tokens = overrides.tokens ?? tokenProvider(config, log, overrides.dispatcher);
  const rateLimit = config.partnerCenter.rateLimit
    ? parseRateLimit(config.partnerCenter.rateLimit)
    : undefined;
  const pc = new PartnerCenterClient({
    baseUrl: config.partnerCenter.apiUrl,
    tokens,
    locale: config.partnerCenter.locale,
    logger: log.child({ module: 'partner-center' }),
    ...(overrides.dispatcher ? { dispatcher: overrides.dispatcher } : {}),
    ...(overrides.partnerCenterTimeoutMs ? { timeoutMs: overrides.partnerCenterTimeoutMs } : {}),
    ...(rateLimit
      ? { throttle: new RedisRateLimiter(redis, `${prefix}:ratelimit:partner-center`, rateLimit) }
      : {}),
  });

  const webClient = new WebClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logLevel: LogLevel.ERROR,
  });
  const slack: SlackPort = new WebClientSlackPort(webClient);
  const repo = new RequestRepository(redis, prefix, now);
  const once = new OnceStore(redis, prefix);
  const producers = new Producers(bullConnection, prefix, config.purchaseRetryBaseMs);
  const notifier = new Notifier(slack, repo, config.channels.approvals, log.child({ module: 'notifier' }));
  const catalog = new CatalogService(pc, redis, prefix, config.timings.catalogCacheTtlMs);
  const intake = new IntakeService(
    pc,
    catalog,
    repo,
    once,
    {
      perpetualQualified: config.partnerCenter.perpetualQualified,
      maxQuantity: config.policy.maxQuantity,
      approvalTtlMs: config.timings.approvalTtlMs,
      dualApprovalQuantity: config.policy.dualApprovalQuantity,
      dualApprovalAmount: config.policy.dualApprovalAmount,
    },
    now,
  );
  const approvals = new ApprovalService(
    repo,
    slack,
    notifier,
    (id) => producers.enqueuePurchase(id),
    { approvers: config.approvers },
    log.child({ module: 'approvals' }),
    now,
  );
  const ordering = new OrderingService(
    pc,
    repo,
    redis,
    prefix,
    notifier,
    (id, delayMs) => producers.enqueueConfirmation(id, delayMs),
    {
      registrationPollBaseMs: config.timings.registrationPollBaseMs,
      registrationPollCapMs: config.timings.registrationPollCapMs,
      registrationMaxPolls: config.timings.registrationMaxPolls,
      orderConfirmationDelayMs: config.timings.orderConfirmationDelayMs,
      lockMs: config.jobLockMs,
    },
    log.child({ module: 'ordering' }),
  );
  const finance = new FinanceService({
    pc,
    slack,
    repo,
    redis,
    prefix,
    notifier,
    config,
    log: log.child({ module: 'finance' }),
  });
  const metrics = new Metrics(producers.all(), repo);

  const runsWeb = config.role !== 'worker';
  const runsWorkers = config.role !== 'web';

  let workers: WorkerSet | undefined;
  if (runsWorkers) {
    workers = await startWorkers({
      config,
      connection: bullConnection,
      producers,
      ordering,
      repo,
      notifier,
      finance,
      metrics,
      log,
      now,
    });
  }

  const http = createHttpApp({
    readiness: [
      { name: 'redis', check: async () => (await redis.ping()) === 'PONG' },
      ...(workers ? [{ name: 'workers', check: () => Promise.resolve(workers.running()) }] : []),
    ],
    metrics: metrics.registry,
    queues: producers.all(),
    bullBoard: config.bullBoard,
  });

  let bolt: App | undefined;
  if (runsWeb) {
    const background = (what: string, work: () => Promise<void>): void => {
      work().catch((err: unknown) => log.error({ err, what }, 'background work failed'));
    };
    const deps = { config, log, slack, repo, catalog, intake, approvals, notifier, finance, background };
    if (config.slack.socketMode) {
      bolt = new App({
        token: config.slack.botToken,
        receiver: new SocketModeReceiver({ appToken: config.slack.appToken!, logLevel: LogLevel.WARN }),
        clientOptions: config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {},
        logLevel: LogLevel.WARN,
      });
    } else {
      const router = express.Router();
      router.use('/slack/events', slackGuard({ signingSecret: config.slack.signingSecret!, now }));
      const receiver = new ExpressReceiver({
        signingSecret: config.slack.signingSecret!,
        endpoints: '/slack/events',
        app: http,
        router,
        // slackGuard, mounted on the same path first, has already verified the signature (and more
        // strictly: size, content type, future timestamps); verifying again would cost a second
        // HMAC and parse on every request.
        signatureVerification: false,
        logLevel: LogLevel.WARN,
        processEventErrorHandler: ({ error, request, response }) =>
          Promise.resolve(answerFailedEvent(log, error, (request as { body?: unknown }).body, response)),
      });
      bolt = new App({
        token: config.slack.botToken,
        receiver,
        clientOptions: config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {},
        logLevel: LogLevel.WARN,
        // Our guard already checked every request; no need to ask Slack who we are at start-up.
        tokenVerificationEnabled: false,
      });
    }
    bolt.error(async (err) => {
      log.error({ err: err.original ?? err, code: err.code }, 'unhandled error in a Slack listener');
      return Promise.resolve();
    });
    registerHandlers(bolt, deps);
    if (config.slack.socketMode) await bolt.start();
  }

  const server = await listen(http, config.port);
  const address = server.address();
  const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : undefined;
  log.info({ role: config.role, url, socketMode: config.slack.socketMode }, 'bot started');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log.info('shutting down');
      await closeServer(server);
      if (bolt && config.slack.socketMode) await bolt.stop();
      if (workers) await workers.close(config.timings.shutdownTimeoutMs);
      await producers.close();
      await pcClose(overrides.dispatcher);
      await Promise.allSettled([redis.quit(), bullConnection.quit()]);
      log.info('stopped');
    })();
    return stopping;
  };

  return { config, url, server, redis, repo, producers, workers, stop };
}

/**
 * A listener (or Bolt, on a payload it cannot read) threw before answering Slack. Bolt would send
 * a 500; we answer what Slack can show instead: a private note for a command, an empty option list
 * for an options load, and 400 for anything else, which can only be a payload we do not understand.
 */
function answerFailedEvent(
  log: Logger,
  error: unknown,
  body: unknown,
  response: import('node:http').ServerResponse,
): boolean {
  log.error({ err: error }, 'a Slack request failed before it was answered');
  if (response.headersSent) return false;
  const b = (typeof body === 'object' && body !== null ? body : {}) as { command?: unknown; type?: unknown };
  const send = (status: number, payload?: unknown): void => {
    response.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json' });
    response.end(payload === undefined ? undefined : JSON.stringify(payload));
  };
  if (typeof b.command === 'string') {
    send(200, {
      response_type: 'ephemeral',
      text: 'Sorry, that failed on our side and nothing was changed. Try again in a minute.',
    });
  } else if (b.type === 'block_suggestion') {
    send(200, { options: [] });
  } else {
    send(400);
  }
  return true;
}

async function pcClose(dispatcher: Dispatcher | undefined): Promise<void> {
  if (dispatcher && dispatcher instanceof Agent) await dispatcher.close().catch(() => undefined);
}

function tokenProvider(config: Config, log: Logger, dispatcher: Dispatcher | undefined): TokenProvider {
  const pc = config.partnerCenter;
  if (pc.auth === 'none') return new NoAuthTokenProvider();
  return new MsalTokenProvider({
    tenantId: pc.tenantId!,
    clientId: pc.clientId!,
    clientSecret: pc.clientSecret!,
    ...(pc.refreshToken ? { refreshToken: pc.refreshToken } : {}),
    authorityUrl: pc.authorityUrl,
    ...(dispatcher ? { dispatcher } : {}),
    logger: log.child({ module: 'partner-center-auth' }),
  });
}

/** `npm start`: read the environment once, start, and stop cleanly on SIGTERM/SIGINT. */
export async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
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
