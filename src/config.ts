import { z } from 'zod';
import { ConfigError } from './errors';

/**
 * The only module that reads process.env. Everything else receives the frozen Config.
 * Each default carries the reason it is what it is.
 */

const channelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel id (C…)');

const idList = (prefix: string) =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(z.string().regex(new RegExp(`^[${prefix}][A-Z0-9]{2,}$`), 'must be Slack user ids (U…/W…)')),
    );

const int = (def: number, min = 0) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number ≥ ${min}` });
        return z.NEVER;
      }
      return n;
    });

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? def : ['true', '1', 'yes'].includes(v)));

const url = (def: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? def : v.trim()))
    .pipe(z.url('must be a URL'));

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const envSchema = z.object({
  ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  NODE_ENV: z.string().default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SLACK_BOT_TOKEN: z.string().regex(/^xoxb-/, 'must be a bot token (xoxb-…)'),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xapp-/, 'must be an app-level token (xapp-…)')
      .optional(),
  ),
  // Slack's own API unless a fake is named; Bolt appends the method name to this.
  SLACK_API_URL: optionalString.pipe(z.url('must be a URL').optional()),
  // 3000 is Bolt's conventional port and what manifest.yml's example URL uses.
  PORT: int(3000, 0),
  // /metrics and Bull Board live on their own port, bound to loopback unless told otherwise: the
  // public port carries only what Slack and a load balancer need. 9464 and loopback are the
  // OpenTelemetry Prometheus exporter's defaults (OTEL_EXPORTER_PROMETHEUS_PORT/_HOST).
  OPS_PORT: int(9464, 0),
  OPS_HOST: z.string().trim().min(1, 'must be a host or address').default('127.0.0.1'),
  // Connections open at once on each port. Slack sends a handful at a time; when full, a new
  // connection displaces the oldest one that has not yet delivered a whole request (slow clients).
  HTTP_MAX_CONNECTIONS: int(256, 1),
  // rediss:// turns TLS on. With REDIS_SENTINELS set, only the scheme, credentials and database
  // number are used: the primary's address comes from the Sentinels.
  REDIS_URL: url('redis://127.0.0.1:6379').pipe(
    z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss:// (TLS)'),
  ),
  // A CA bundle (PEM) for rediss:// when the server's certificate is not signed by a public CA.
  REDIS_TLS_CA_FILE: optionalString,
  // Sentinels to ask for the current primary (host:port,…); unset: connect to REDIS_URL directly.
  REDIS_SENTINELS: optionalString.transform((v, ctx) => {
    if (v === undefined) return [];
    const parsed = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(parseHostPort);
    if (parsed.some((p) => p === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'must be host:port pairs separated by commas' });
      return z.NEVER;
    }
    return parsed.filter((p): p is HostPort => p !== undefined);
  }),
  // Sentinel's own example name for the monitored primary (sentinel.conf, "sentinel monitor mymaster").
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ and - only')
    .default('mymaster'),
  REDIS_SENTINEL_PASSWORD: optionalString,
  // How long a money-path write waits for one replica to acknowledge it (WAIT), when the primary has
  // one. Half a second: a healthy replica on the same network answers in about a millisecond, and
  // the wait holds the connection every other command shares.
  REDIS_WAIT_TIMEOUT_MS: int(500, 1),
  // One prefix for every key and queue, so two deployments can share a Redis.
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('pcbot'),
  // "REST endpoints for Partner Center for Microsoft Cloud for US Government are the same as for
  // Partner Center" (partner-center-rest-urls), so only the authority and the segment follow the cloud.
  PARTNER_CENTER_CLOUD: z.enum(['public', 'usgov']).default('public'),
  PARTNER_CENTER_API_URL: url('https://api.partnercenter.microsoft.com'),
  // Unset: the cloud's own authority (login.microsoftonline.com, or login.microsoftonline.us for US Government).
  PARTNER_CENTER_AUTHORITY_URL: optionalString.pipe(z.string().url('must be a URL').optional()),
  // The pricing API (price sheets) lives on its own host, the same in both clouds.
  PARTNER_PRICING_API_URL: url('https://api.partner.microsoft.com'),
  PARTNER_CENTER_TENANT_ID: optionalString,
  PARTNER_CENTER_CLIENT_ID: optionalString,
  PARTNER_CENTER_CLIENT_SECRET: optionalString,
  PARTNER_CENTER_REFRESH_TOKEN: optionalString,
  PARTNER_CENTER_AUTH: z.enum(['msal', 'none']).default('msal'),
  // Partner Center answers in this locale; en-US matches the documented examples.
  PARTNER_CENTER_LOCALE: z.string().default('en-US'),
  // Calls per window shared by every bot process, e.g. 50/1000. Unset: no client-side limit,
  // and 429s are waited out as Partner Center says. Set it a little under the tenant's limit.
  PARTNER_CENTER_RATE_LIMIT: optionalString.pipe(
    z
      .string()
      .regex(/^\d+\/\d+$/, 'must look like 50/1000 (calls per milliseconds)')
      .optional(),
  ),
  // Perpetual software needs prior qualification (seed doc); only the partner knows if it has it.
  PARTNER_PERPETUAL_QUALIFIED: bool(false),
  // The only workspace (and Enterprise org) served: requests from elsewhere are refused.
  SLACK_TEAM_ID: optionalString.pipe(
    z
      .string()
      .regex(/^T[A-Z0-9]+$/, 'must be a team id (T…)')
      .optional(),
  ),
  SLACK_ENTERPRISE_ID: optionalString.pipe(
    z
      .string()
      .regex(/^E[A-Z0-9]+$/, 'must be an Enterprise id (E…)')
      .optional(),
  ),
  // Who the bot is in Slack. Unset: asked once at start-up (auth.test), never per request.
  SLACK_BOT_USER_ID: optionalString.pipe(
    z
      .string()
      .regex(/^[UW][A-Z0-9]+$/, 'must be a user id (U…)')
      .optional(),
  ),
  SLACK_BOT_ID: optionalString.pipe(
    z
      .string()
      .regex(/^B[A-Z0-9]+$/, 'must be a bot id (B…)')
      .optional(),
  ),
  APPROVALS_CHANNEL_ID: channelId,
  FINANCE_CHANNEL_ID: channelId,
  APPROVER_USER_IDS: idList('UW'),
  APPROVER_USERGROUP_ID: optionalString.pipe(
    z
      .string()
      .regex(/^S[A-Z0-9]+$/, 'must be a user group id (S…)')
      .optional(),
  ),
  // Only its members may request (guests never may).
  REQUESTER_USERGROUP_ID: optionalString.pipe(
    z
      .string()
      .regex(/^S[A-Z0-9]+$/, 'must be a user group id (S…)')
      .optional(),
  ),
  // Told when a request has waited ESCALATE_AFTER_MS for a decision.
  ESCALATION_USERGROUP_ID: optionalString.pipe(
    z
      .string()
      .regex(/^S[A-Z0-9]+$/, 'must be a user group id (S…)')
      .optional(),
  ),
  // A day: long enough to decide, well before the 72-hour expiry. 0 = never escalate.
  ESCALATE_AFTER_MS: int(86_400_000),
  FINANCE_USER_IDS: idList('UW'),
  FINANCE_USERGROUP_ID: optionalString.pipe(
    z
      .string()
      .regex(/^S[A-Z0-9]+$/, 'must be a user group id (S…)')
      .optional(),
  ),
  // Partner Center lists a new order up to 15 minutes late (seed docs).
  ORDER_CONFIRMATION_DELAY_MS: int(900_000),
  // How many times the order-list confirmation looks again before it raises the alarm.
  ORDER_CONFIRMATION_ATTEMPTS: int(4, 1),
  // Invoices appear monthly; hourly is plenty and far inside any rate limit.
  INVOICE_POLL_INTERVAL_MS: int(3_600_000, 1000),
  // Orders nobody approved are looked for hourly: one order-list call per customer each time.
  ORDER_RECONCILIATION_INTERVAL_MS: int(3_600_000, 100),
  // 72 h: long enough for a weekend, well inside a cart's 7-day life.
  APPROVAL_TTL_MS: int(259_200_000, 1000),
  // Remind approvers a day before a request expires.
  APPROVAL_REMINDER_BEFORE_MS: int(86_400_000),
  // Above either threshold a second, distinct approver is needed. 0 = never.
  DUAL_APPROVAL_QUANTITY: int(0),
  DUAL_APPROVAL_AMOUNT: int(0),
  // The currency DUAL_APPROVAL_AMOUNT is in; prices in another currency need Microsoft's own conversion.
  DUAL_APPROVAL_CURRENCY: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'must be a three-letter currency code')
    .default('USD')
    .transform((c) => c.toUpperCase()),
  // A JSON file replacing the bundled lists of markets where a kind is not sold (Microsoft changes them).
  MARKET_RULES_FILE: optionalString,
  // Price sheets are monthly and change rarely inside a month: refresh daily.
  PRICE_SHEET_REFRESH_MS: int(86_400_000, 1000),
  // How many times the bot looks for an order whose checkout outcome was unknown.
  ORDER_SEARCH_ATTEMPTS: int(6, 1),
  // Largest quantity one request may ask for; a typo of 1000 instead of 10 should not reach an approver.
  MAX_QUANTITY: int(500, 1),
  // Catalog look-ups answer option loads; 10 minutes keeps them fresh without hammering Partner Center.
  CATALOG_CACHE_TTL_MS: int(600_000, 1000),
  // Expiry, reminders and the pipeline's safety net run this often.
  SWEEP_INTERVAL_MS: int(60_000, 100),
  // Registration takes minutes at Microsoft: poll at 5 s, doubling to at most a minute, for about an hour.
  REGISTRATION_POLL_BASE_MS: int(5_000, 1),
  REGISTRATION_POLL_CAP_MS: int(60_000, 1),
  REGISTRATION_MAX_POLLS: int(60, 1),
  // First retry of a purchase step after a 5xx or timeout; doubles each attempt (8 attempts ≈ 4 min).
  PURCHASE_RETRY_BASE_MS: int(2_000, 1),
  // A job whose worker died is retried once its lock lapses (BullMQ lockDuration), checked this often.
  JOB_LOCK_MS: int(30_000, 500),
  JOB_STALLED_INTERVAL_MS: int(15_000, 200),
  // Parallel purchases per worker process; Partner Center throttles per partner, so keep it modest.
  PURCHASE_CONCURRENCY: int(4, 1),
  // How long a running job may take to finish after SIGTERM.
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  // Bull Board at /admin/queues; off unless a password is set.
  BULL_BOARD_USER: z.string().default('admin'),
  BULL_BOARD_PASSWORD: optionalString,
  // Bull Board only looks unless told otherwise: retrying or removing a purchase job by hand is a
  // money decision, not a dashboard click.
  BULL_BOARD_READ_WRITE: bool(false),
});

export interface HostPort {
  host: string;
  port: number;
}

/** `host:port`, `[v6]:port`, or a bare host (Sentinel's default port, 26379). */
function parseHostPort(s: string): HostPort | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(s);
  if (!m) return undefined;
  const host = m[1] ?? m[2];
  const port = m[3] === undefined ? 26379 : Number(m[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

const blank = (v: string | undefined): boolean => v === undefined || v.trim() === '';

/**
 * Rules that involve several variables. They read the raw environment so they are reported even
 * when another variable failed to parse: one start-up gives the whole list.
 */
function crossChecks(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const role = env.ROLE ?? 'all';
  if (blank(env.SLACK_APP_TOKEN) && blank(env.SLACK_SIGNING_SECRET) && role !== 'worker') {
    problems.push('SLACK_SIGNING_SECRET is required in HTTP mode (no SLACK_APP_TOKEN)');
  }
  const port = Number(env.PORT ?? '3000');
  const opsPort = Number(env.OPS_PORT ?? '9464');
  if (port > 0 && port === opsPort) {
    problems.push('OPS_PORT must differ from PORT (metrics and Bull Board have a port of their own)');
  }
  if (blank(env.APPROVER_USER_IDS) && blank(env.APPROVER_USERGROUP_ID)) {
    problems.push('APPROVER_USER_IDS or APPROVER_USERGROUP_ID must be set (nobody could approve otherwise)');
  }
  const ttl = Number(env.APPROVAL_TTL_MS);
  if (!blank(env.APPROVAL_TTL_MS) && Number.isFinite(ttl) && ttl >= 7 * 24 * 3_600_000) {
    problems.push("APPROVAL_TTL_MS must be shorter than a cart's 7-day life");
  }
  if (!blank(env.REDIS_TLS_CA_FILE) && !(env.REDIS_URL ?? '').trim().startsWith('rediss://')) {
    problems.push('REDIS_TLS_CA_FILE is only used with TLS: REDIS_URL must start with rediss://');
  }
  if ((env.PARTNER_CENTER_AUTH ?? 'msal') === 'none') {
    let host = '';
    try {
      host = new URL(env.PARTNER_CENTER_API_URL ?? 'https://api.partnercenter.microsoft.com').hostname;
    } catch {
      host = '';
    }
    if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) {
      problems.push(
        'PARTNER_CENTER_AUTH none is only allowed when PARTNER_CENTER_API_URL is a loopback address (the simulator)',
      );
    }
  } else {
    for (const key of [
      'PARTNER_CENTER_TENANT_ID',
      'PARTNER_CENTER_CLIENT_ID',
      'PARTNER_CENTER_CLIENT_SECRET',
    ]) {
      if (blank(env[key])) problems.push(`${key} is required when PARTNER_CENTER_AUTH=msal`);
    }
  }
  return problems;
}

type Env = z.infer<typeof envSchema>;

export const CLOUD_AUTHORITY = {
  public: 'https://login.microsoftonline.com',
  usgov: 'https://login.microsoftonline.us',
} as const;

/** Where Redis is and how to reach it: directly or through Sentinel, in clear or over TLS. */
export interface RedisConfig {
  url: string;
  keyPrefix: string;
  /** From the rediss:// scheme. */
  tls: boolean;
  tlsCaFile: string | undefined;
  /** Empty: connect to `url` directly. */
  sentinels: readonly HostPort[];
  sentinelName: string;
  sentinelPassword: string | undefined;
  /** WAIT 1 <this> after a money-path write, when the primary has a replica. */
  waitTimeoutMs: number;
}

export interface Config {
  role: 'all' | 'web' | 'worker';
  logLevel: Env['LOG_LEVEL'];
  slack: {
    botToken: string;
    signingSecret: string | undefined;
    appToken: string | undefined;
    apiUrl: string | undefined;
    socketMode: boolean;
    teamId: string | undefined;
    enterpriseId: string | undefined;
    botUserId: string | undefined;
    botId: string | undefined;
  };
  port: number;
  ops: { port: number; host: string };
  http: { maxConnections: number };
  redis: RedisConfig;
  partnerCenter: {
    cloud: 'public' | 'usgov';
    apiUrl: string;
    pricingUrl: string;
    authorityUrl: string;
    auth: 'msal' | 'none';
    tenantId: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    refreshToken: string | undefined;
    locale: string;
    perpetualQualified: boolean;
    rateLimit: string | undefined;
  };
  channels: { approvals: string; finance: string };
  approvers: { userIds: readonly string[]; usergroupId: string | undefined };
  finance: { userIds: readonly string[]; usergroupId: string | undefined };
  requesters: { usergroupId: string | undefined };
  escalation: { usergroupId: string | undefined; afterMs: number };
  marketRulesFile: string | undefined;
  timings: {
    orderConfirmationDelayMs: number;
    orderConfirmationAttempts: number;
    invoicePollIntervalMs: number;
    orderReconciliationIntervalMs: number;
    approvalTtlMs: number;
    approvalReminderBeforeMs: number;
    catalogCacheTtlMs: number;
    shutdownTimeoutMs: number;
    sweepIntervalMs: number;
    registrationPollBaseMs: number;
    registrationPollCapMs: number;
    registrationMaxPolls: number;
    priceSheetRefreshMs: number;
    orderSearchAttempts: number;
  };
  purchaseConcurrency: number;
  purchaseRetryBaseMs: number;
  jobLockMs: number;
  jobStalledIntervalMs: number;
  policy: {
    dualApprovalQuantity: number;
    dualApprovalAmount: number;
    dualApprovalCurrency: string;
    maxQuantity: number;
  };
  bullBoard: { user: string; password: string | undefined; readWrite: boolean };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Parses the environment once. Throws one ConfigError naming every bad variable, never its value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = envSchema.safeParse(env, {
    // A variable that is not set at all; every other issue keeps its schema's own message.
    error: (issue) => (issue.input === undefined ? 'is required' : undefined),
  });
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        // zod messages never include the input value for these checks, so secrets stay out.
        return `${name} ${issue.message}`;
      });
  problems.push(...crossChecks(env));
  if (!result.success || problems.length > 0) throw new ConfigError([...new Set(problems)]);
  const e = result.data;
  return deepFreeze<Config>({
    role: e.ROLE,
    logLevel: e.LOG_LEVEL,
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      socketMode: Boolean(e.SLACK_APP_TOKEN),
      teamId: e.SLACK_TEAM_ID,
      enterpriseId: e.SLACK_ENTERPRISE_ID,
      botUserId: e.SLACK_BOT_USER_ID,
      botId: e.SLACK_BOT_ID,
    },
    port: e.PORT,
    ops: { port: e.OPS_PORT, host: e.OPS_HOST },
    http: { maxConnections: e.HTTP_MAX_CONNECTIONS },
    redis: {
      url: e.REDIS_URL,
      keyPrefix: e.REDIS_KEY_PREFIX,
      tls: e.REDIS_URL.startsWith('rediss://'),
      tlsCaFile: e.REDIS_TLS_CA_FILE,
      sentinels: e.REDIS_SENTINELS,
      sentinelName: e.REDIS_SENTINEL_NAME,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
      waitTimeoutMs: e.REDIS_WAIT_TIMEOUT_MS,
    },
    partnerCenter: {
      cloud: e.PARTNER_CENTER_CLOUD,
      apiUrl: e.PARTNER_CENTER_API_URL.replace(/\/+$/, ''),
      pricingUrl: e.PARTNER_PRICING_API_URL.replace(/\/+$/, ''),
      // Microsoft's PowerShell module uses https://login.microsoftonline.us/ for US Government.
      authorityUrl: (e.PARTNER_CENTER_AUTHORITY_URL ?? CLOUD_AUTHORITY[e.PARTNER_CENTER_CLOUD]).replace(
        /\/+$/,
        '',
      ),
      auth: e.PARTNER_CENTER_AUTH,
      tenantId: e.PARTNER_CENTER_TENANT_ID,
      clientId: e.PARTNER_CENTER_CLIENT_ID,
      clientSecret: e.PARTNER_CENTER_CLIENT_SECRET,
      refreshToken: e.PARTNER_CENTER_REFRESH_TOKEN,
      locale: e.PARTNER_CENTER_LOCALE,
      perpetualQualified: e.PARTNER_PERPETUAL_QUALIFIED,
      rateLimit: e.PARTNER_CENTER_RATE_LIMIT,
    },
    channels: { approvals: e.APPROVALS_CHANNEL_ID, finance: e.FINANCE_CHANNEL_ID },
    approvers: { userIds: e.APPROVER_USER_IDS, usergroupId: e.APPROVER_USERGROUP_ID },
    finance: { userIds: e.FINANCE_USER_IDS, usergroupId: e.FINANCE_USERGROUP_ID },
    requesters: { usergroupId: e.REQUESTER_USERGROUP_ID },
    escalation: { usergroupId: e.ESCALATION_USERGROUP_ID, afterMs: e.ESCALATE_AFTER_MS },
    marketRulesFile: e.MARKET_RULES_FILE,
    timings: {
      orderConfirmationDelayMs: e.ORDER_CONFIRMATION_DELAY_MS,
      orderConfirmationAttempts: e.ORDER_CONFIRMATION_ATTEMPTS,
      invoicePollIntervalMs: e.INVOICE_POLL_INTERVAL_MS,
      orderReconciliationIntervalMs: e.ORDER_RECONCILIATION_INTERVAL_MS,
      approvalTtlMs: e.APPROVAL_TTL_MS,
      approvalReminderBeforeMs: e.APPROVAL_REMINDER_BEFORE_MS,
      catalogCacheTtlMs: e.CATALOG_CACHE_TTL_MS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      sweepIntervalMs: e.SWEEP_INTERVAL_MS,
      registrationPollBaseMs: e.REGISTRATION_POLL_BASE_MS,
      registrationPollCapMs: e.REGISTRATION_POLL_CAP_MS,
      registrationMaxPolls: e.REGISTRATION_MAX_POLLS,
      priceSheetRefreshMs: e.PRICE_SHEET_REFRESH_MS,
      orderSearchAttempts: e.ORDER_SEARCH_ATTEMPTS,
    },
    purchaseConcurrency: e.PURCHASE_CONCURRENCY,
    purchaseRetryBaseMs: e.PURCHASE_RETRY_BASE_MS,
    jobLockMs: e.JOB_LOCK_MS,
    jobStalledIntervalMs: e.JOB_STALLED_INTERVAL_MS,
    policy: {
      dualApprovalQuantity: e.DUAL_APPROVAL_QUANTITY,
      dualApprovalAmount: e.DUAL_APPROVAL_AMOUNT,
      dualApprovalCurrency: e.DUAL_APPROVAL_CURRENCY,
      maxQuantity: e.MAX_QUANTITY,
    },
    bullBoard: {
      user: e.BULL_BOARD_USER,
      password: e.BULL_BOARD_PASSWORD,
      readWrite: e.BULL_BOARD_READ_WRITE,
    },
  });
}
