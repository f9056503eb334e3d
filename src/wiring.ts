import { readFileSync } from 'node:fs';
import { WebClient, LogLevel } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { Config } from './config';
import { ConfigError } from './errors';
import { createLogger, type Logger } from './logger';
import {
  MsalTokenProvider,
  NoAuthTokenProvider,
  PartnerCenterClient,
  type TokenProvider,
} from './partner-center';
import { DEFAULT_MARKETS, marketRules, type MarketRules } from './purchases/policy';
import { Producers } from './queues';
import { AccessService } from './services/access';
import { ApprovalService } from './services/approvals';
import { CatalogService } from './services/catalog';
import { ConfirmationService } from './services/confirmation';
import { factSource } from './services/facts';
import { AuditService } from './services/audit';
import { BillingReader } from './services/billing';
import { FinanceCommandService } from './services/finance';
import { InvoiceAnnouncer, InvoicePoller } from './services/invoices';
import { OrderReconciliation } from './services/orphan-orders';
import { ChannelHealth } from './services/channel-health';
import { CommandService } from './services/commands';
import { FormService } from './services/forms';
import { HomeService } from './services/home';
import { OptionsService } from './services/options';
import { IntakeService } from './services/intake';
import { LifecycleService } from './services/lifecycle';
import { Notifier } from './services/notifier';
import { OrderingService } from './services/ordering';
import { PricingService } from './services/pricing';
import { RegistrationService } from './services/registration';
import { WebClientSlackPort } from './slack/adapter';
import type { SlackPort } from './slack/port';
import { cachedOnly, RedisCache } from './store/cache';
import { RedisInvoiceLedger, RedisOrderLedger } from './store/finance';
import { RedisLocks } from './store/lock';
import { RedisOnceRecords } from './store/once';
import { RedisRuns } from './store/redis-runs';
import { RedisPriceSheets } from './store/price-sheets';
import { parseRateLimit, RedisRateLimiter } from './store/rate-limiter';
import { createRedis, Keys } from './store/redis';
import { ReplicaWait } from './store/replication';
import { RequestRepository } from './store/requests';

/** Adapters and services, built from the Config (see main.ts for the roles). */
export interface BotOverrides {
  logger?: Logger;
  /** undici dispatcher for Partner Center (tests trust the simulator's certificate with it). */
  dispatcher?: Dispatcher;
  tokens?: TokenProvider;
  now?: () => number;
  /** Partner Center client timeouts (tests shorten them). */
  partnerCenterTimeoutMs?: number;
}

export interface Adapters {
  config: Config;
  log: Logger;
  now: () => number;
  redis: Redis;
  bullConnection: Redis;
  /** WAIT for a replica after money-path writes; main.ts counts its outcomes. */
  replicaWait: ReplicaWait;
  keys: Keys;
  pc: PartnerCenterClient;
  /** Set when App+User credentials exist: the pricing API refuses app-only tokens. */
  pricingApi: PartnerCenterClient | undefined;
  webClient: WebClient;
  slack: SlackPort;
  requests: RequestRepository;
  once: RedisOnceRecords;
  locks: RedisLocks;
  /** Tells the sweep that Redis restarted (and may have lost its last writes). */
  redisRuns: RedisRuns;
  /** Finance ledgers: settled invoices and their baseline, requesters told; the orders' baseline and alarms. */
  invoiceLedger: RedisInvoiceLedger;
  orderLedger: RedisOrderLedger;
  cache: RedisCache;
  producers: Producers;
  markets: MarketRules;
  close(): Promise<void>;
}

/** Connections and ports: Redis, Partner Center, Slack's Web API, the queues. */
export function createAdapters(config: Config, overrides: BotOverrides = {}): Adapters {
  const log = overrides.logger ?? createLogger({ level: config.logLevel, pretty: process.stdout.isTTY });
  const now = overrides.now ?? Date.now;
  const keys = new Keys(config.redis.keyPrefix);
  const redis = createRedis(config.redis, 'commands');
  const bullConnection = createRedis(config.redis, 'bullmq');
  // Replica counts change when a replica joins or drops; a second is fresh enough and keeps INFO
  // off the write path.
  const replicaWait = new ReplicaWait(redis, { timeoutMs: config.redis.waitTimeoutMs, replicaCacheMs: 1000 });
  replicaWait.observe((outcome, acked) => {
    if (outcome !== 'acked') {
      log.warn(
        { outcome, acked, timeoutMs: config.redis.waitTimeoutMs },
        'a request write was not acknowledged by a Redis replica in time; going on (see README, Redis)',
      );
    }
  });
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
    pricingUrl: config.partnerCenter.pricingUrl,
    tokens,
    locale: config.partnerCenter.locale,
    logger: log.child({ module: 'partner-center' }),
    ...(overrides.dispatcher ? { dispatcher: overrides.dispatcher } : {}),
    ...(overrides.partnerCenterTimeoutMs ? { timeoutMs: overrides.partnerCenterTimeoutMs } : {}),
    ...(rateLimit
      ? { throttle: new RedisRateLimiter(redis, `${keys.prefix}:ratelimit:partner-center`, rateLimit) }
      : {}),
  });
  const userCredentials = config.partnerCenter.auth === 'none' || Boolean(config.partnerCenter.refreshToken);
  const webClient = new WebClient(config.slack.botToken, {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logLevel: LogLevel.ERROR,
  });
  const producers = new Producers(bullConnection, keys.prefix, config.purchaseRetryBaseMs);
  // A queue with no 'error' listener prints each connection error to the console (a failover
  // makes several): log them like the connections' own.
  for (const q of producers.all()) {
    q.on('error', (err: Error) => log.warn({ err: err.message, queue: q.name }, 'queue connection error'));
  }
  return {
    config,
    log,
    now,
    redis,
    bullConnection,
    replicaWait,
    keys,
    pc,
    pricingApi: userCredentials ? pc : undefined,
    webClient,
    slack: new WebClientSlackPort(webClient),
    requests: new RequestRepository(redis, keys, now, replicaWait),
    once: new RedisOnceRecords(redis, keys),
    redisRuns: new RedisRuns(redis, keys),
    locks: new RedisLocks(redis, keys, (err, key) => log.warn({ err, key }, 'could not renew a lock')),
    invoiceLedger: new RedisInvoiceLedger(redis, keys),
    orderLedger: new RedisOrderLedger(redis, keys),
    cache: new RedisCache(redis, keys, { ttlMs: config.timings.catalogCacheTtlMs, now }),
    producers,
    markets: loadMarketRules(config.marketRulesFile),
    async close() {
      await producers.close();
      if (overrides.dispatcher instanceof Agent) await overrides.dispatcher.close().catch(() => undefined);
      await Promise.allSettled([redis.quit(), bullConnection.quit()]);
      // QUIT leaves ioredis's Sentinel failover detector subscribed (it would keep the process
      // alive); disconnect() closes it too, and is a no-op on a connection already closed.
      redis.disconnect();
      bullConnection.disconnect();
    },
  };
}

export interface Services {
  catalog: CatalogService;
  pricing: PricingService;
  registrations: RegistrationService;
  access: AccessService;
  notifier: Notifier;
  intake: IntakeService;
  approvals: ApprovalService;
  ordering: OrderingService;
  confirmation: ConfirmationService;
  lifecycle: LifecycleService;
  finance: FinanceCommandService;
  invoicePoller: InvoicePoller;
  invoiceAnnouncer: InvoiceAnnouncer;
  orderReconciliation: OrderReconciliation;
  audit: AuditService;
  home: HomeService;
  forms: FormService;
  commands: CommandService;
  options: OptionsService;
  channelHealth: ChannelHealth;
}

/** The application services over the adapters. */
export function createServices(a: Adapters): Services {
  const { config, log, now } = a;
  const catalogSettings = {
    forcedSegment: config.partnerCenter.cloud === 'usgov' ? ('government' as const) : undefined,
    shortTtlMs: 60_000,
  };
  const catalog = new CatalogService(a.pc, a.cache, catalogSettings);
  const cachedCatalog = new CatalogService(a.pc, cachedOnly(a.cache), catalogSettings);
  const pricing = new PricingService({
    api: a.pricingApi,
    sheets: new RedisPriceSheets(a.redis, a.keys),
    locks: a.locks,
    settings: {
      refreshMs: config.timings.priceSheetRefreshMs,
      retryAfterFailureMs: 5 * 60_000,
      waitForLoadMs: 60_000,
    },
    log: log.child({ module: 'pricing' }),
    now,
  });
  const registrations = new RegistrationService(a.pc, a.cache, a.locks, a.once, now);
  const access = new AccessService(
    a.slack,
    {
      teamId: config.slack.teamId,
      enterpriseId: config.slack.enterpriseId,
      approvers: config.approvers,
      finance: config.finance,
      requesterGroupId: config.requesters.usergroupId,
      decisionGroupCacheMs: 5_000,
      profileCacheMs: 10 * 60_000,
    },
    log.child({ module: 'access' }),
    now,
  );
  const notifier = new Notifier({
    slack: a.slack,
    requests: a.requests,
    locks: a.locks,
    settings: {
      approvalsChannel: config.channels.approvals,
      approverIds: config.approvers.userIds,
      approverGroupId: config.approvers.usergroupId,
      escalationGroupId: config.escalation.usergroupId,
    },
    log: log.child({ module: 'notifier' }),
    now,
  });
  const intake = new IntakeService({
    live: factSource(catalog, pricing),
    cached: factSource(cachedCatalog, pricing.cachedOnly()),
    requests: a.requests,
    once: a.once,
    settings: {
      markets: a.markets,
      perpetualQualified: config.partnerCenter.perpetualQualified,
      maxQuantity: config.policy.maxQuantity,
      approvalTtlMs: config.timings.approvalTtlMs,
      rule: {
        dualApprovalQuantity: config.policy.dualApprovalQuantity,
        dualApprovalAmount: config.policy.dualApprovalAmount,
        currency: config.policy.dualApprovalCurrency,
      },
      // "Does not apply to … Partner Center for Microsoft Cloud for US Government" (MCA pages).
      agreementApplies: config.partnerCenter.cloud !== 'usgov',
    },
    log: log.child({ module: 'intake' }),
    now,
  });
  const approvals = new ApprovalService({
    requests: a.requests,
    access,
    notifier,
    enqueuePurchase: (id) => a.producers.enqueuePurchase(id),
  });
  const ordering = new OrderingService({
    pc: a.pc,
    requests: a.requests,
    locks: a.locks,
    registrations,
    notifier,
    scheduleConfirmation: (id, delayMs) => a.producers.enqueueConfirmation(id, delayMs),
    settings: {
      registrationPollBaseMs: config.timings.registrationPollBaseMs,
      registrationPollCapMs: config.timings.registrationPollCapMs,
      registrationMaxPolls: config.timings.registrationMaxPolls,
      orderListDelayMs: config.timings.orderConfirmationDelayMs,
      searchAttempts: config.timings.orderSearchAttempts,
      planMaxPolls: config.timings.registrationMaxPolls,
      lockMs: config.jobLockMs,
    },
    log: log.child({ module: 'ordering' }),
  });
  const confirmation = new ConfirmationService({
    pc: a.pc,
    requests: a.requests,
    notifier,
    log: log.child({ module: 'confirm' }),
    readProvisioning: a.pricingApi !== undefined,
  });
  const lifecycle = new LifecycleService({
    pc: a.pc,
    requests: a.requests,
    access,
    notifier,
    locks: a.locks,
    log: log.child({ module: 'lifecycle' }),
    now,
  });
  const billing = new BillingReader(a.pc, a.requests);
  const finance = new FinanceCommandService({
    pc: a.pc,
    reader: billing,
    access,
    catalog,
    slack: a.slack,
    financeGroupId: config.finance.usergroupId,
    log: log.child({ module: 'finance' }),
  });
  const invoicePoller = new InvoicePoller({
    reader: billing,
    ledger: a.invoiceLedger,
    enqueue: (work) => a.producers.enqueueInvoice(work),
    log: log.child({ module: 'invoice-poll' }),
    now,
  });
  const invoiceAnnouncer = new InvoiceAnnouncer({
    pc: a.pc,
    reader: billing,
    requests: a.requests,
    ledger: a.invoiceLedger,
    locks: a.locks,
    slack: a.slack,
    notifier,
    settings: {
      financeChannel: config.channels.finance,
      pdfRetryMs: config.timings.invoicePollIntervalMs,
      // Long enough for a PDF download, an upload and a walk of the line items; renewed meanwhile.
      lockMs: 5 * 60_000,
    },
    log: log.child({ module: 'invoices' }),
    now,
  });
  const orderReconciliation = new OrderReconciliation({
    pc: a.pc,
    customers: async () => (await catalog.customers()).map((c) => ({ id: c.id, name: c.name })),
    requests: a.requests,
    ledger: a.orderLedger,
    locks: a.locks,
    slack: a.slack,
    settings: {
      approvalsChannel: config.channels.approvals,
      approverGroupId: config.approvers.usergroupId,
      settleMs: config.timings.orderConfirmationDelayMs,
      // Renewed every third of it while a run lasts; all it decides is how long a worker that died
      // holding it keeps the others from looking (orders a rollback left unexplained wait that long).
      lockMs: 30_000,
    },
    log: log.child({ module: 'orphan-orders' }),
    now,
  });
  const audit = new AuditService({
    requests: a.requests,
    access,
    slack: a.slack,
    log: log.child({ module: 'audit' }),
    now,
  });
  const home = new HomeService({
    requests: a.requests,
    access,
    finance,
    slack: a.slack,
    log: log.child({ module: 'home' }),
  });
  const options = new OptionsService({ catalog, access, markets: a.markets });
  const forms = new FormService({
    intake,
    access,
    catalog,
    options,
    notifier,
    slack: a.slack,
    maxQuantity: config.policy.maxQuantity,
    log: log.child({ module: 'forms' }),
  });
  const commands = new CommandService({ requests: a.requests, access, approvals, finance, audit });
  const channelHealth = new ChannelHealth({
    slack: a.slack,
    channels: config.channels,
    cache: a.cache,
    log: log.child({ module: 'channel-health' }),
    now,
  });
  return {
    catalog,
    pricing,
    registrations,
    access,
    notifier,
    intake,
    approvals,
    ordering,
    confirmation,
    lifecycle,
    finance,
    invoicePoller,
    invoiceAnnouncer,
    orderReconciliation,
    audit,
    home,
    forms,
    commands,
    options,
    channelHealth,
  };
}

const marketFileSchema = z.object({
  softwareSubscriptions: z.array(z.object({ name: z.string(), iso2: z.string().regex(/^[A-Za-z]{2}$/) })),
  azureReservations: z.array(z.object({ name: z.string(), iso2: z.string().regex(/^[A-Za-z]{2}$/) })),
});

/** The bundled market lists, or an operator's file (MARKET_RULES_FILE) in the same shape. */
export function loadMarketRules(file: string | undefined): MarketRules {
  if (!file) return marketRules(DEFAULT_MARKETS);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([
      `MARKET_RULES_FILE cannot be read as JSON (${err instanceof Error ? err.message : String(err)})`,
    ]);
  }
  const parsed = marketFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError([
      `MARKET_RULES_FILE must hold {"softwareSubscriptions": [{"name", "iso2"}], "azureReservations": [...]} (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})`,
    ]);
  }
  return marketRules(parsed.data);
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
