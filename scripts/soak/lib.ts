/**
 * The fault soak: request → approve → checkout → confirm cycles, several at a time, while faults are
 * injected at random (seeded): the worker process killed with SIGKILL and started again, Redis killed
 * and restarted on its AOF, Redis rolled back to a snapshot up to 2 s old (its last writes lost), Partner Center answering 429/5xx, timing out, dropping the connection or
 * cutting the body short (before or after doing the work), Slack answering 429, and approve clicks
 * delivered more than once.
 *
 * Used by `npm run soak` (scripts/soak.ts) and test/e2e/soak.test.ts. Everything runs on loopback:
 * our own redis-server, the simulator and the Slack fake in this process, the web half of the bot in
 * this process, the worker half in its own process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startBot, type Bot } from '../../src/main';
import { tagOf } from '../../src/purchases/matching';
import { Keys } from '../../src/store/redis';
import { isFinal, ordersOf, type PurchaseRequest } from '../../src/purchases/model';
import { SEED, startSimulator, type Simulator } from '../../fakes/partner-center';
import { startSlackFake } from '../../fakes/slack';
import { SlackInbound } from '../../fakes/slack/inbound';
import type { FakeMessage, FakeView, RecordedCall, SlackFake } from '../../fakes/slack/types';
import { baseEnv } from '../../harness/env';
import { formValues, RESERVATION, SOFTWARE, type FormChoice } from '../../harness/flows';
import { freePort, startRedisServer, type RedisServer } from '../../harness/redis-server';
import { simOrders, type SimOrder } from '../../harness/sim';

const ROOT = join(__dirname, '../..');
const WORKER_ENTRY = join(__dirname, 'worker.ts');
const SIGNING_SECRET = 'soak-signing-secret';
const APPROVERS = ['U0APPROVE1', 'U0APPROVE2'];
const REQUESTERS = ['U0REQUEST1', 'U0REQUEST2'];
/** Both halves of the bot give up on a Partner Center call after this; "timeout" faults wait longer. */
const PC_TIMEOUT_MS = 2000;

/** Short timings so a cycle takes seconds (the production defaults are minutes). */
const TIMINGS = {
  ORDER_CONFIRMATION_DELAY_MS: '500',
  ORDER_CONFIRMATION_ATTEMPTS: '6',
  SWEEP_INTERVAL_MS: '500',
  REGISTRATION_POLL_BASE_MS: '200',
  REGISTRATION_POLL_CAP_MS: '500',
  PURCHASE_RETRY_BASE_MS: '200',
  JOB_LOCK_MS: '1500',
  JOB_STALLED_INTERVAL_MS: '500',
  CATALOG_CACHE_TTL_MS: '60000',
  // Orders nobody approved: what raises the orders of requests a rollback erased.
  ORDER_RECONCILIATION_INTERVAL_MS: '2000',
};

export const FAULT_KINDS = [
  'worker_kill',
  'redis_restart',
  'redis_rollback',
  'pc_429',
  'pc_5xx',
  'pc_timeout',
  'pc_drop',
  'pc_malformed',
  'slack_429',
  'duplicate_approve',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** `--faults a,b,c` → the kinds, or an error that names the valid ones. Empty or absent: all kinds. */
export function parseFaultKinds(list: string | undefined): FaultKind[] {
  if (list === undefined || list.trim() === '') return [...FAULT_KINDS];
  const names = list
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const unknown = names.filter((n) => !(FAULT_KINDS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new Error(
      `unknown fault kind${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; valid kinds: ${FAULT_KINDS.join(', ')}`,
    );
  return [...new Set(names as FaultKind[])];
}

/** Relative odds of each scheduled fault, as cards per deck (duplicate approvals are decided per cycle instead). */
const FAULT_WEIGHTS: [Exclude<FaultKind, 'duplicate_approve'>, number][] = [
  ['worker_kill', 3],
  ['redis_restart', 2],
  ['redis_rollback', 2],
  ['pc_429', 2],
  ['pc_5xx', 2],
  ['pc_timeout', 1],
  ['pc_drop', 2],
  ['pc_malformed', 1],
  ['slack_429', 2],
];

/** Partner Center calls worth breaking: the money path first, the reads around it too. */
const PC_TARGETS: { method?: string; path: string }[] = [
  { method: 'POST', path: '/\\/carts$/' },
  { method: 'POST', path: '/checkout' },
  { method: 'GET', path: '/\\/carts\\/[^/]+$/' },
  { method: 'GET', path: '/\\/orders/' },
  { method: 'GET', path: '/availabilities' },
  { path: '/registration' },
  { path: '/v1/' },
];

/**
 * Partner Center's documented checkout answers (fakes/partner-center README, "Checkout"): a repeated
 * checkout answered 800065 or with the first result, and a first checkout answered with a bare Order
 * (new commerce) instead of a CartCheckoutResult. Not faults: the soak moves between them as it runs.
 */
export const CHECKOUT_MODES = ['800065', 'idempotent', 'bare-order'] as const;
export type CheckoutMode = (typeof CHECKOUT_MODES)[number];

/**
 * Order statuses other than completed (Partner Center order-resources, OrderStatus; the simulator's
 * `PATCH /_sim/orders/{id}`), held on a new order for a few seconds before it completes: an order in
 * review, suspended, waiting for a purchase order, or still pending. The bot sends the request to
 * `attention` (or keeps confirming) and must confirm it once the order completes.
 */
export const HELD_ORDER_STATUSES = [
  'pending review',
  'suspended',
  'pending po upload',
  'pending',
  'unknown',
] as const;
/** Share of cycles whose order is held in one of those statuses. */
const HELD_ORDER_SHARE = 0.15;

const SLACK_TARGETS = [
  'chat.postMessage',
  'chat.update',
  'conversations.open',
  'views.open',
  'views.update',
  'chat.postEphemeral',
];

export interface SoakOptions {
  cycles: number;
  seed: number;
  /** Cycles in flight at once (default 4). */
  concurrency?: number;
  /** The fault kinds to inject (default: all of FAULT_KINDS). */
  faults?: readonly FaultKind[];
  /** Pause between two scheduled faults, drawn uniformly from this range (default 400–1600 ms). */
  faultIntervalMs?: [number, number];
  /** A requester's pause before each cycle, drawn uniformly from this range (default 300–2500 ms). */
  thinkMs?: [number, number];
  /** After the last approval, faults go on for at most this long while purchases finish (default 15 s). */
  faultTailMs?: number;
  /** Share of cycles whose approve click is delivered 2–3 times at once (default 0.35). */
  duplicateApproveShare?: number;
  /** How long one cycle may wait for its request to reach a final state (default 120 s). */
  cycleTimeoutMs?: number;
  /** After the last cycle, with faults stopped: how long the rest may take to finish (default 120 s). */
  drainTimeoutMs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** A line a minute with the cycles finished, their rate and the duplicate orders so far (default: none). */
  progress?: (line: string) => void;
  /** Where logs and report.json go (default: a new temporary directory). */
  workDir?: string;
}

export interface TimelineEntry {
  /** ms since the soak started */
  t: number;
  event: string;
  detail?: string;
}

export interface ProblemRequest {
  id: string;
  problem:
    'duplicate_order' | 'lost' | 'unfinished' | 'failed_after_ordering' | 'confirmed_without_order' | 'slow';
  status: string | undefined;
  cycle: number | undefined;
  cartId: string | undefined;
  simOrders: string[];
  audit: { t: number; event: string; actor: string; status: string; detail?: string | undefined }[];
}

export interface SoakReport {
  seed: number;
  cycles: number;
  /** Cycles whose request was approved (the rest could not get a request in while faults raged). */
  cyclesApproved: number;
  durationMs: number;
  /** The kinds this run injected (--faults), and how many of each. */
  faultKinds: FaultKind[];
  faults: Record<FaultKind, number>;
  /** Orders held in a status other than completed, by status, and how many of their requests went to attention meanwhile. */
  heldOrders: Record<string, number>;
  heldOrdersAttention: number;
  /** How many times the simulator was switched to each checkout answer (CHECKOUT_MODES). */
  checkoutModes: Record<CheckoutMode, number>;
  /** Requests stored, by final (or not) status. */
  byStatus: Record<string, number>;
  requestsTotal: number;
  simOrdersTotal: number;
  /** Of those, new Azure plans bought before a stored request's reservation (its second order, by design). */
  planOrders: number;
  /** Requests with more than one simulator order (matched by cart id). */
  duplicateOrders: number;
  /** Simulator orders no stored request explains, except those of erased requests that were raised. */
  ordersWithoutRequest: number;
  /** Approved requests that vanished or never reached a final state. */
  lost: number;
  /** Requests (approved or not) not in a final state at the end. */
  unfinished: number;
  /** Requests marked failed ("nothing was bought") although the simulator holds an order for them. */
  failedAfterOrdering: number;
  /** Intake attempts that had to be repeated (the form refused or Slack/Redis failed under a fault). */
  intakeRetries: number;
  /** Approve clicks repeated because the request was still pending after one. */
  approveRetries: number;
  /** Approvals given again after a rollback took them away and the card asked again. */
  reapprovals: number;
  /** Worker exits the soak did not cause. */
  workerCrashes: number;
  problems: ProblemRequest[];
  /** Approval → final state, ms: median, 90th percentile, max. */
  finishMs: { p50: number; p90: number; max: number };
  /** Requests that took more than 20 s from approval to a final state (not a failure; shows where faults hurt). */
  slow: ProblemRequest[];
  orphanOrders: { id: string; cartId: string | undefined; line: string | undefined; erased: boolean }[];
  /** Each job scheduler's next run, relative to the end of the run (ms), and its queue's job counts. */
  schedulers: Record<string, string>;
  /**
   * Requests a redis_rollback erased: created after the snapshot Redis went back to (their
   * requesters submit again when it happens before approval), of which approved, and the orders
   * such requests had placed and the order reconciliation raised in the approvals channel (the
   * money moved once; the request that explained it is gone). Such an order not raised counts in
   * ordersWithoutRequest.
   */
  rollbackErased: number;
  rollbackErasedApproved: number;
  /**
   * Approved requests a rollback erased before anything was bought: nothing happens for them and
   * nobody is told (Slack still shows them approved). The bot cannot see them; reported, not failed.
   */
  rollbackErasedApprovedUnbought: number;
  rollbackErasedOrders: { id: string; request: string | undefined }[];
  /** Orders the reconciliation raised that a stored request explains by the end (approved again after a rollback). */
  alarmsLaterExplained: number;
  timeline: TimelineEntry[];
  workDir: string;
}

/** mulberry32: small, fast, good enough to pick faults, and the same sequence for the same seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function between(rng: () => number, lo: number, hi: number): number {
  return Math.floor(lo + rng() * (hi - lo + 1));
}

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

/**
 * Draws from a shuffled deck holding each item `weight` times, reshuffled when empty: the odds are
 * the weights, and every kind comes up at least once per deck, so even a short run meets them all.
 */
function deck<T>(rng: () => number, items: [T, number][]): () => T {
  let cards: T[] = [];
  return () => {
    if (cards.length === 0) {
      cards = items.flatMap(([item, w]) => Array.from({ length: w }, () => item));
      for (let i = cards.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [cards[i], cards[j]] = [cards[j]!, cards[i]!];
      }
    }
    return cards.pop()!;
  };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isOkResponse(call: RecordedCall): boolean {
  return (call.response as { ok?: boolean } | undefined)?.ok === true;
}

/** The worker half of the bot, in its own process, started and SIGKILLed at will. */
class WorkerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private killing = false;
  port = 0;
  starts = 0;
  crashes: string[] = [];

  constructor(
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    private readonly onCrash: (detail: string) => void,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.child) return;
    this.port = await freePort();
    const fd = openSync(this.logFile, 'a');
    // node --import tsx, not the tsx CLI: the CLI runs the program in a child process of its own,
    // and a SIGKILL to the CLI would leave that child (the real worker) running.
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...this.env,
        PORT: String(this.port),
      },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.starts++;
    this.child = child;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        if (!this.killing) {
          const detail = `worker pid ${child.pid ?? '?'} exited by itself (code ${String(code)}, signal ${String(signal)})`;
          this.crashes.push(detail);
          this.onCrash(detail);
        }
        resolve();
      });
    });
  }

  async waitReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.child) {
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/readyz`, {
          signal: AbortSignal.timeout(1000),
        });
        if (res.status === 200) return true;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    return false;
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.killing = true;
    child.kill('SIGKILL');
    await this.exited;
    this.killing = false;
  }
}

/** One redis_rollback: when the snapshot was taken, when Redis was killed, when the old process was gone. */
interface Rollback {
  snapshotAt: number;
  killedAt: number;
  downAt: number;
}

interface Ctx {
  opts: Required<Omit<SoakOptions, 'log' | 'workDir' | 'progress'>>;
  log: (line: string) => void;
  started: number;
  redis: RedisServer;
  sim: Simulator;
  slack: SlackFake;
  bot: Bot;
  inbound: SlackInbound;
  worker: WorkerProcess;
  faults: Record<FaultKind, number>;
  timeline: TimelineEntry[];
  /** request id → cycle */
  approved: Map<string, number>;
  cycleOf: Map<string, number>;
  intakeRetries: number;
  approveRetries: number;
  /** request id → ms from approval to a final state */
  finishMs: Map<string, number>;
  stopFaults: boolean;
  runTag: string;
  rollbacks: Rollback[];
  /** request id → the status its order was held in */
  heldOrders: Map<string, string>;
  /** How many times each checkout answer was switched on. */
  checkoutModes: Record<CheckoutMode, number>;
  /** Approvals a rollback took away, given again once the card asked for them. */
  reapprovals: number;
  /** Requests a rollback erased (created after its snapshot, never seen after it). */
  erased: Set<string>;
  /** request id → when it was created (its own createdAt) and last seen stored, by the soak's reads */
  seen: Map<string, { createdAt: number; lastSeenAt: number }>;
}

/** A read of a request that remembers when it was last seen stored (to tell a rollback's erasure from a loss). */
async function getRequest(ctx: Ctx, id: string): Promise<PurchaseRequest | undefined> {
  const r = await ctx.bot.repo.get(id);
  if (r) ctx.seen.set(id, { createdAt: r.createdAt, lastSeenAt: Date.now() });
  return r;
}

/**
 * Whether a rollback can have erased this request: it was created after (or just before, while
 * the SAVE ran) a snapshot that Redis was later rolled back to, and the soak never saw it stored
 * after that rollback. A request that was in the snapshot, or was seen after the rollback, and
 * vanished anyway, is lost.
 */
function erasedByRollback(ctx: Ctx, id: string): Rollback | undefined {
  const seen = ctx.seen.get(id);
  if (!seen) return undefined;
  return ctx.rollbacks.find(
    (rb) =>
      seen.createdAt >= rb.snapshotAt - 250 && seen.createdAt <= rb.killedAt && seen.lastSeenAt < rb.downAt,
  );
}

function note(ctx: Ctx, event: string, detail?: string): void {
  const entry: TimelineEntry = { t: Date.now() - ctx.started, event, ...(detail ? { detail } : {}) };
  ctx.timeline.push(entry);
}

/** Retries a Redis read through a Redis restart. */
async function tolerant<T>(fn: () => Promise<T>, tries = 20): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await sleep(250);
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

// ------------------------------------------------------------------ faults

async function injectPc(
  ctx: Ctx,
  rng: () => number,
  kind: 'pc_429' | 'pc_5xx' | 'pc_timeout' | 'pc_drop' | 'pc_malformed',
): Promise<string> {
  const target = pick(rng, PC_TARGETS);
  const when = rng() < 0.5 ? 'after' : 'before';
  const count = between(rng, 1, 3);
  const rule: Record<string, unknown> = { path: target.path, count };
  if (target.method) rule.method = target.method;
  switch (kind) {
    case 'pc_429':
      // Throttling happens before the work, never after it.
      Object.assign(rule, { status: 429, retryAfter: 1, when: 'before' });
      break;
    case 'pc_5xx':
      Object.assign(rule, { status: pick(rng, [500, 502, 503, 504]), when });
      break;
    case 'pc_timeout':
      Object.assign(rule, { latencyMs: PC_TIMEOUT_MS + 700, when });
      break;
    case 'pc_drop':
      Object.assign(rule, { drop: true, when });
      break;
    case 'pc_malformed':
      Object.assign(rule, { malformed: true, when: 'after' });
      break;
  }
  const res = await fetch(`${ctx.sim.url}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rule),
  });
  if (res.status >= 400) throw new Error(`/_sim/faults answered ${res.status}: ${await res.text()}`);
  return JSON.stringify(rule);
}

async function injectOne(
  ctx: Ctx,
  rng: () => number,
  kind: Exclude<FaultKind, 'duplicate_approve'>,
): Promise<void> {
  let detail = '';
  switch (kind) {
    case 'worker_kill': {
      const downMs = between(rng, 0, 1000);
      ctx.faults.worker_kill++;
      note(ctx, 'worker_kill', `down ${downMs} ms`);
      await ctx.worker.kill();
      await sleep(downMs);
      await ctx.worker.start();
      note(ctx, 'worker_started');
      return;
    }
    case 'redis_restart': {
      ctx.faults.redis_restart++;
      note(ctx, 'redis_restart');
      await ctx.redis.restart();
      note(ctx, 'redis_up');
      return;
    }
    case 'redis_rollback': {
      // Snapshot, let the pipeline run on (its writes meanwhile are the ones lost), kill, restore.
      const runMs = between(rng, 0, 2000);
      const snapshotAt = Date.now();
      await ctx.redis.snapshot();
      note(ctx, 'redis_snapshot', `rolling back in ${runMs} ms`);
      await sleep(runMs);
      ctx.faults.redis_rollback++;
      const killedAt = Date.now();
      note(ctx, 'redis_rollback', `${killedAt - snapshotAt} ms of writes lost`);
      // Recorded before the restore, so a read that meets the restored data knows why.
      const rollback: Rollback = { snapshotAt, killedAt, downAt: Number.POSITIVE_INFINITY };
      ctx.rollbacks.push(rollback);
      await ctx.redis.rollback(() => (rollback.downAt = Date.now()));
      note(ctx, 'redis_up');
      return;
    }
    case 'slack_429': {
      const method = pick(rng, SLACK_TARGETS);
      const count = between(rng, 1, 2);
      ctx.slack.failNext(method, { error: 'ratelimited', retryAfterSeconds: 1 }, count);
      detail = `${method} ×${count}`;
      break;
    }
    case 'pc_429':
    case 'pc_5xx':
    case 'pc_timeout':
    case 'pc_drop':
    case 'pc_malformed':
      detail = await injectPc(ctx, rng, kind);
      break;
  }
  ctx.faults[kind]++;
  note(ctx, kind, detail);
}

/** Moves the simulator to another checkout answer every 4–12 s (seeded), until the faults stop. */
async function checkoutModeLoop(ctx: Ctx): Promise<void> {
  const rng = prng(ctx.opts.seed ^ 0x5eed);
  let mode: CheckoutMode = pick(rng, CHECKOUT_MODES);
  while (!ctx.stopFaults) {
    try {
      await fetch(`${ctx.sim.url}/_sim/checkout-mode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mode }),
      });
      ctx.checkoutModes[mode]++;
      note(ctx, 'checkout_mode', mode);
    } catch (err) {
      note(ctx, 'checkout_mode_error', errText(err));
    }
    const until = Date.now() + between(rng, 4000, 12_000);
    while (!ctx.stopFaults && Date.now() < until) await sleep(200);
    mode = pick(
      rng,
      CHECKOUT_MODES.filter((m) => m !== mode),
    );
  }
}

/** Requests with more than one order of the same part, from the simulator's orders (the verdict's rule). */
async function duplicatesSoFar(ctx: Ctx): Promise<number> {
  const count = new Map<string, number>();
  for (const o of await simOrders(ctx.sim.url)) {
    const tag = tagOf(o.lineItems[0]?.friendlyName);
    if (tag) count.set(`${tag.requestId}/${tag.part}`, (count.get(`${tag.requestId}/${tag.part}`) ?? 0) + 1);
  }
  return [...count.values()].filter((n) => n > 1).length;
}

async function progressLoop(ctx: Ctx, progress: (line: string) => void, done: () => boolean): Promise<void> {
  let next = Date.now() + 60_000;
  while (!done()) {
    await sleep(500);
    if (Date.now() < next) continue;
    next += 60_000;
    const minutes = (Date.now() - ctx.started) / 60_000;
    const finished = ctx.finishMs.size;
    const dups = await duplicatesSoFar(ctx).catch(() => NaN);
    const faults = Object.values(ctx.faults).reduce((a, b) => a + b, 0);
    progress(
      `progress: ${finished}/${ctx.opts.cycles} cycles finished in ${minutes.toFixed(1)} min (${(finished / minutes).toFixed(1)} a minute), ${faults} faults, duplicate orders so far ${dups}`,
    );
  }
}

async function faultLoop(ctx: Ctx): Promise<void> {
  const rng = prng(ctx.opts.seed);
  const weights = FAULT_WEIGHTS.filter(([kind]) => ctx.opts.faults.includes(kind));
  if (weights.length === 0) return;
  const nextKind = deck(rng, weights);
  const [lo, hi] = ctx.opts.faultIntervalMs;
  while (!ctx.stopFaults) {
    await sleep(between(rng, lo, hi));
    if (ctx.stopFaults) break;
    try {
      await injectOne(ctx, rng, nextKind());
    } catch (err) {
      note(ctx, 'fault_injection_error', errText(err));
    }
  }
}

// ------------------------------------------------------------------ a cycle

async function findRequest(
  ctx: Ctx,
  user: string,
  justification: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const open = await ctx.bot.repo.openForUser(user);
      const hit = open.find((r) => r.justification === justification);
      if (hit) {
        ctx.seen.set(hit.id, { createdAt: hit.createdAt, lastSeenAt: Date.now() });
        return hit.id;
      }
    } catch {
      // Redis restarting
    }
    await sleep(150);
  }
  return undefined;
}

/** /purchase → modal → kind → submit, as a user would; correlated by trigger and view ids so cycles can overlap. */
async function intake(
  ctx: Ctx,
  cycle: number,
  choice: FormChoice,
  user: string,
  round: number,
): Promise<string | undefined> {
  for (let attempt = 1; attempt <= 6; attempt++) {
    if (attempt > 1) {
      ctx.intakeRetries++;
      await sleep(300 * attempt);
    }
    const justification = `${ctx.runTag} cycle ${cycle}${round > 1 ? ` round ${round}` : ''} attempt ${attempt}: capacity for the soak`;
    try {
      const cmd = await ctx.inbound.command({ text: '', user_id: user });
      if (cmd.status !== 200) continue;
      const trigger = cmd.payload.trigger_id;
      const opened = await ctx.slack.waitFor(
        'views.open',
        (c) => c.args.trigger_id === trigger && isOkResponse(c),
        8000,
      );
      const viewId = (opened.response as { view?: { id?: string } }).view?.id;
      let view: FakeView | undefined = viewId ? ctx.slack.views.get(viewId) : undefined;
      if (!view) continue;
      const since = Date.now();
      const picked = await ctx.inbound.action({
        action_id: 'kind',
        view,
        selected_option: { value: choice.kind },
        user,
        state: formValues({ kind: choice.kind }),
      });
      if (picked.status !== 200) continue;
      const vid = view.id;
      await ctx.slack.waitFor(
        'views.update',
        (c) => c.args.view_id === vid && c.at >= since && isOkResponse(c),
        8000,
      );
      view = ctx.slack.views.get(vid) ?? view;
      const res = await ctx.inbound.submit({ view, values: formValues({ ...choice, justification }), user });
      if (res.status !== 200) continue;
      const ack = res.json as { response_action?: string; errors?: Record<string, string> } | undefined;
      if (ack?.response_action === 'errors') {
        note(ctx, 'intake_refused', `cycle ${cycle}: ${JSON.stringify(ack.errors)}`);
        continue;
      }
      const id = await findRequest(ctx, user, justification, 12_000);
      if (id) {
        ctx.cycleOf.set(id, cycle);
        return id;
      }
      note(ctx, 'intake_lost', `cycle ${cycle} attempt ${attempt}: submitted, but no request appeared`);
    } catch (err) {
      note(ctx, 'intake_error', `cycle ${cycle} attempt ${attempt}: ${errText(err)}`);
    }
  }
  return undefined;
}

/**
 * The request's newest approval card (its header names the request). The newest: a rollback can
 * take away the card's record, and the bot then posts the card again. Not any message naming the
 * request: an orphan-order alarm names it too.
 */
function cardOf(ctx: Ctx, id: string): FakeMessage | undefined {
  const header = JSON.stringify(`Purchase request ${id}`);
  return ctx.slack
    .messages('C0APPROVALS')
    .findLast((m) => !m.thread_ts && JSON.stringify(m.blocks ?? []).includes(header));
}

async function clickApprove(ctx: Ctx, id: string, user: string, retryNum?: number): Promise<void> {
  const card: FakeMessage | Record<string, unknown> = cardOf(ctx, id) ?? {
    ts: '1700000000.000100',
    text: '',
    blocks: [],
  };
  try {
    await ctx.inbound.action(
      { action_id: 'approve_request', message: card, channel_id: 'C0APPROVALS', user, value: id },
      retryNum === undefined ? {} : { retryNum, retryReason: 'http_timeout' },
    );
  } catch {
    // the bot did not answer in time: like Slack, try again below
  }
}

/**
 * Clicks Approve until the request leaves pending_approval: 'approved'; 'erased' when a rollback
 * took the request away (its requester would submit again); 'stuck' when it never moved.
 */
async function approve(
  ctx: Ctx,
  cycle: number,
  id: string,
  rng: () => number,
): Promise<'approved' | 'erased' | 'stuck'> {
  // Give the card a moment to appear, as an approver would need it to.
  const cardDeadline = Date.now() + 5000;
  while (Date.now() < cardDeadline && !cardOf(ctx, id)) await sleep(100);
  for (let attempt = 1; attempt <= 8; attempt++) {
    if (attempt > 1) ctx.approveRetries++;
    const approver = pick(rng, APPROVERS);
    if (attempt === 1 && rng() < ctx.opts.duplicateApproveShare) {
      // The same click delivered again (Slack retries), and a second approver clicking at once.
      const copies = between(rng, 2, 3);
      ctx.faults.duplicate_approve++;
      note(ctx, 'duplicate_approve', `${id} ×${copies}`);
      await Promise.all(
        Array.from({ length: copies }, (_, i) =>
          clickApprove(
            ctx,
            id,
            i === 2 ? APPROVERS.find((a) => a !== approver)! : approver,
            i === 1 ? 1 : undefined,
          ),
        ),
      );
    } else {
      await clickApprove(ctx, id, approver);
    }
    const deadline = Date.now() + 6000;
    while (Date.now() < deadline) {
      try {
        const r = await getRequest(ctx, id);
        if (r && r.status !== 'pending_approval') {
          ctx.approved.set(id, cycle);
          return 'approved';
        }
        if (!r && erasedByRollback(ctx, id)) {
          ctx.erased.add(id);
          return 'erased';
        }
      } catch {
        // Redis restarting
      }
      await sleep(150);
    }
  }
  return 'stuck';
}

/** The request's newest approval card offers Approve (again): what an approver acts on. */
function cardAsksForDecision(ctx: Ctx, id: string): boolean {
  const card = cardOf(ctx, id);
  return card !== undefined && JSON.stringify(card.blocks ?? []).includes('"approve_request"');
}

/**
 * An approved request back in pending_approval lost its approval to a rollback. Its approver clicks
 * again only when the bot shows the card asking for a decision again (the card they clicked showed
 * the approval, which Slack kept).
 */
async function approveAgainIfAsked(ctx: Ctx, r: PurchaseRequest): Promise<void> {
  if (r.status !== 'pending_approval' || !cardAsksForDecision(ctx, r.id)) return;
  ctx.reapprovals++;
  note(ctx, 'approve_again', r.id);
  await clickApprove(ctx, r.id, APPROVERS[ctx.reapprovals % APPROVERS.length]!);
}

/** Holds the order in `status` for `ms`, then lets it complete (the simulator answers the status as set). */
async function holdOrder(ctx: Ctx, id: string, orderId: string, status: string, ms: number): Promise<void> {
  const patch = (to: string): Promise<Response> =>
    fetch(`${ctx.sim.url}/_sim/orders/${encodeURIComponent(orderId)}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: to }),
    });
  try {
    await patch(status);
    ctx.heldOrders.set(id, status);
    note(ctx, 'order_status_held', `${id} ${orderId} ${status} for ${ms} ms`);
    await sleep(ms);
  } finally {
    await patch('completed').catch(() => undefined);
  }
}

async function waitFinal(
  ctx: Ctx,
  id: string,
  timeoutMs: number,
  hold?: { status: string; ms: number },
): Promise<PurchaseRequest | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: PurchaseRequest | undefined;
  let held: Promise<void> | undefined;
  while (Date.now() < deadline) {
    try {
      last = await getRequest(ctx, id);
      const order = last ? ordersOf(last)[0] : undefined;
      if (hold && !held && order) held = holdOrder(ctx, id, order.id, hold.status, hold.ms);
      if (last && isFinal(last.status)) {
        await held;
        return last;
      }
      if (last) await approveAgainIfAsked(ctx, last);
      if (!last && erasedByRollback(ctx, id)) {
        ctx.erased.add(id);
        return undefined;
      }
    } catch {
      // Redis restarting
    }
    await sleep(200);
  }
  return last;
}

function choiceFor(rng: () => number, cycle: number): FormChoice {
  // A few reservations on the subscription that still has to be registered (only the first one
  // actually registers it; the others find it registering or registered).
  if (cycle % 10 === 3) return { ...RESERVATION, azureSubscription: SEED.subscriptions.unregistered.id };
  // One reservation for the customer with no Azure plan: the plan is bought first, then the
  // reservation on it (two orders, one approval). A customer gets one plan, so only once a run.
  if (cycle === 5)
    return { ...RESERVATION, customer: SEED.customers.noAzure.id, azureSubscription: 'new-azure-plan' };
  return rng() < 0.7 ? SOFTWARE : RESERVATION;
}

/**
 * Intake and approval run in the cycle's slot; the wait for a final state does not hold the slot, so
 * a purchase that a fault slows down (see `slow` in the report) does not stall the cycles behind it.
 */
async function runCycle(ctx: Ctx, cycle: number): Promise<{ finished: Promise<void> } | undefined> {
  const rng = prng(ctx.opts.seed * 1_000_003 + cycle);
  const user = REQUESTERS[cycle % REQUESTERS.length]!;
  const choice = choiceFor(rng, cycle);
  await sleep(between(rng, ctx.opts.thinkMs[0], ctx.opts.thinkMs[1]));
  const started = Date.now();
  let id: string | undefined;
  // A request that a rollback erased before it was approved is submitted again, as its requester
  // would once the approver's click answers that there is no such request.
  for (let round = 1; ; round++) {
    id = await intake(ctx, cycle, choice, user, round);
    if (!id) {
      note(ctx, 'cycle_no_request', `cycle ${cycle}`);
      ctx.log(`cycle ${cycle}: could not get a request in`);
      return undefined;
    }
    const outcome = await approve(ctx, cycle, id, rng);
    if (outcome === 'approved') break;
    if (outcome === 'erased' && round < 3) {
      note(ctx, 'cycle_request_erased', `cycle ${cycle} ${id}`);
      ctx.log(`cycle ${cycle}: ${id} was erased by a rollback before approval; submitting again`);
      continue;
    }
    note(ctx, 'cycle_not_approved', `cycle ${cycle} ${id}`);
    ctx.log(`cycle ${cycle}: ${id} could not be approved`);
    return undefined;
  }
  const approvedAt = Date.now();
  // Wrapped: an async function would otherwise wait for the promise it returns.
  const holdRng = prng(ctx.opts.seed * 7919 + cycle);
  const hold =
    holdRng() < HELD_ORDER_SHARE
      ? { status: pick(holdRng, HELD_ORDER_STATUSES), ms: between(holdRng, 1500, 5000) }
      : undefined;
  const finished = waitFinal(ctx, id, ctx.opts.cycleTimeoutMs, hold).then((r) => {
    const ms = Date.now() - approvedAt;
    ctx.finishMs.set(id, ms);
    ctx.log(
      `cycle ${cycle}: ${id} ${choice.kind} → ${r?.status ?? (ctx.erased.has(id) ? 'erased by a rollback' : 'vanished')} ${ms} ms after approval (${approvedAt - started} ms to get it approved)`,
    );
  });
  return { finished };
}

// ------------------------------------------------------------------ the run

async function drain(ctx: Ctx): Promise<void> {
  const deadline = Date.now() + ctx.opts.drainTimeoutMs;
  while (Date.now() < deadline) {
    let open: PurchaseRequest[] = [];
    try {
      const ids = await ctx.bot.repo.allIds();
      const all = await Promise.all(ids.map((id) => ctx.bot.repo.get(id)));
      open = all.filter((r): r is PurchaseRequest => r !== undefined && !isFinal(r.status));
    } catch {
      await sleep(500);
      continue;
    }
    if (open.length === 0) return;
    // A request whose intake attempt was given up on may still have been stored: approve it too,
    // so every request the soak made is driven to a final state. One the soak approved already
    // (and a rollback took the approval away) is approved again only if the bot asks for it.
    for (const r of open.filter((x) => x.status === 'pending_approval')) {
      if (ctx.approved.has(r.id)) {
        await approveAgainIfAsked(ctx, r);
        continue;
      }
      note(ctx, 'drain_approve', r.id);
      await clickApprove(ctx, r.id, APPROVERS[0]!);
      ctx.approved.set(r.id, ctx.cycleOf.get(r.id) ?? -1);
    }
    await sleep(1000);
  }
}

async function problemOf(
  ctx: Ctx,
  id: string,
  problem: ProblemRequest['problem'],
  r: PurchaseRequest | undefined,
  orders: SimOrder[],
): Promise<ProblemRequest> {
  const audit = await ctx.bot.repo.audit(id).catch(() => []);
  return {
    id,
    problem,
    status: r?.status,
    cycle: ctx.cycleOf.get(id),
    cartId:
      r && 'progress' in r && r.progress && r.progress.cart.stage !== 'none'
        ? r.progress.cart.cartId
        : undefined,
    simOrders: orders.map((o) => o.id),
    audit: audit.map((a) => ({
      t: a.at - ctx.started,
      event: a.event,
      actor: a.actor,
      status: a.status,
      detail: a.detail,
    })),
  };
}

/** Order ids named by the order reconciliation's alarms in the approvals channel. */
function alarmedOrderIds(ctx: Ctx): Set<string> {
  const ids = new Set<string>();
  for (const m of ctx.slack.messages('C0APPROVALS')) {
    const hit = /Order `([^`]+)` for .* was not approved through the purchase bot/.exec(m.text);
    if (hit) ids.add(hit[1]!);
  }
  return ids;
}

/**
 * Waits (up to 60 s) until the reconciliation has raised every order that no stored request
 * explains, as it runs every ORDER_RECONCILIATION_INTERVAL_MS.
 */
async function raisedOrders(ctx: Ctx, seededOrders: Set<string>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const orders = (await simOrders(ctx.sim.url)).filter((o) => !seededOrders.has(o.id));
    const ids = new Set(await tolerant(() => ctx.bot.repo.allIds()));
    const alarmed = alarmedOrderIds(ctx);
    const waiting = orders.filter((o) => {
      const key = tagOf(o.lineItems[0]?.friendlyName)?.requestId;
      return !(key && ids.has(key)) && !alarmed.has(o.id);
    });
    if (waiting.length === 0) return;
    await sleep(500);
  }
  note(ctx, 'orders_not_raised');
}

async function schedulerHealth(ctx: Ctx): Promise<Record<string, string>> {
  const p = ctx.bot.producers;
  const out: Record<string, string> = {};
  for (const [queue, id] of [
    [p.maintenance, 'sweep'],
    [p.orderReconciliation, 'order-reconciliation'],
    [p.invoices, 'invoice-poll'],
  ] as const) {
    try {
      const s = await queue.getJobScheduler(id);
      const counts = await queue.getJobCounts('delayed', 'wait', 'active', 'failed');
      out[id] = `next ${s?.next === undefined ? 'none' : s.next - Date.now()} ms, ${JSON.stringify(counts)}`;
    } catch (err) {
      out[id] = errText(err);
    }
  }
  return out;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const opts: Ctx['opts'] = {
    cycles: options.cycles,
    seed: options.seed,
    concurrency: options.concurrency ?? 4,
    faults: options.faults ?? FAULT_KINDS,
    faultIntervalMs: options.faultIntervalMs ?? [300, 1200],
    thinkMs: options.thinkMs ?? [300, 2500],
    faultTailMs: options.faultTailMs ?? 15_000,
    duplicateApproveShare: (options.faults ?? FAULT_KINDS).includes('duplicate_approve')
      ? (options.duplicateApproveShare ?? 0.35)
      : 0,
    cycleTimeoutMs: options.cycleTimeoutMs ?? 120_000,
    drainTimeoutMs: options.drainTimeoutMs ?? 120_000,
  };
  const log = options.log ?? (() => undefined);
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'pcbot-soak-'));
  const started = Date.now();
  const prefix = `soak${opts.seed}x${started.toString(36)}`;

  // Started one by one; whatever started is stopped in the `finally` below, even if a later start fails.
  const timeline: TimelineEntry[] = [];
  let redis: RedisServer | undefined;
  let sim: Simulator | undefined;
  let slack: SlackFake | undefined;
  let bot: Bot | undefined;
  let worker: WorkerProcess | undefined;
  const webLog = pino({ level: 'info' }, pino.destination({ dest: join(workDir, 'web.log'), sync: false }));
  let stopFaults = (): void => undefined;
  try {
    redis = await startRedisServer();
    sim = await startSimulator({
      port: 0,
      openAuth: true,
      registrationDelayMs: 1500,
      orderListDelayMs: 300,
      fulfillmentDelayMs: 300,
      planProvisioningDelayMs: 1500,
    });
    slack = await startSlackFake();
    // The simulator is seeded with the documented example orders; only orders made during the soak count.
    const seededOrders = new Set((await simOrders(sim.url)).map((o) => o.id));
    const env = baseEnv({
      ...TIMINGS,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: prefix,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PARTNER_CENTER_API_URL: sim.url,
      LOG_LEVEL: 'info',
      SOAK_PC_TIMEOUT_MS: String(PC_TIMEOUT_MS),
    });
    bot = await startBot(loadConfig({ ...env, ROLE: 'web' }), {
      logger: webLog,
      partnerCenterTimeoutMs: PC_TIMEOUT_MS,
    });
    const inbound = new SlackInbound(`${bot.url}/slack/events`, SIGNING_SECRET, {
      fake: slack,
      timeoutMs: 10_000,
    });
    worker = new WorkerProcess({ ...env, ROLE: 'worker' }, join(workDir, 'worker.log'), (detail) => {
      timeline.push({ t: Date.now() - started, event: 'worker_crash', detail });
      log(`!! ${detail}`);
    });
    const ctx: Ctx = {
      opts,
      log,
      started,
      redis,
      sim,
      slack,
      bot,
      inbound,
      worker,
      faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
      timeline,
      approved: new Map(),
      cycleOf: new Map(),
      intakeRetries: 0,
      approveRetries: 0,
      finishMs: new Map(),
      stopFaults: false,
      runTag: `soak ${opts.seed}`,
      rollbacks: [],
      heldOrders: new Map(),
      checkoutModes: Object.fromEntries(CHECKOUT_MODES.map((m) => [m, 0])) as Record<CheckoutMode, number>,
      reapprovals: 0,
      erased: new Set(),
      seen: new Map(),
    };
    stopFaults = () => {
      ctx.stopFaults = true;
    };
    return await soak(ctx, seededOrders, workDir, options.progress);
  } finally {
    stopFaults();
    await worker?.kill().catch(() => undefined);
    await bot?.stop().catch(() => undefined);
    webLog.flush();
    await slack?.close().catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await redis?.stop().catch(() => undefined);
  }
}

async function soak(
  ctx: Ctx,
  seededOrders: Set<string>,
  workDir: string,
  progress: ((line: string) => void) | undefined,
): Promise<SoakReport> {
  const { opts, log, bot, sim, started } = ctx;
  await ctx.worker.start();
  if (!(await ctx.worker.waitReady(60_000)))
    throw new Error(`the worker did not become ready; see ${join(workDir, 'worker.log')}`);
  log(
    `soak: seed ${opts.seed}, ${opts.cycles} cycles, ${opts.concurrency} at a time, faults ${opts.faults.join(',')}; logs in ${workDir}`,
  );

  // The order reconciliation's first run records the orders that exist as its baseline and raises
  // none: a rollback to before that would let a later first run swallow orders it should raise.
  const baselineKey = new Keys(bot.config.redis.keyPrefix).once('orders-baseline', 'one-time');
  const baselineBy = Date.now() + 60_000;
  while ((await bot.redis.exists(baselineKey)) === 0) {
    if (Date.now() > baselineBy) throw new Error('the order reconciliation took no baseline within 60 s');
    await sleep(200);
  }

  const faults = faultLoop(ctx);
  const modes = checkoutModeLoop(ctx);
  let finishedAll = false;
  const progressing = progress ? progressLoop(ctx, progress, () => finishedAll) : undefined;
  // A crashed worker is restarted (and counted): the soak measures the pipeline, not the harness.
  const keeper = (async () => {
    while (!ctx.stopFaults) {
      await sleep(500);
      if (!ctx.worker.running && !ctx.stopFaults) await ctx.worker.start();
    }
  })();
  let next = 0;
  const waits: Promise<void>[] = [];
  const runners = Array.from({ length: Math.min(opts.concurrency, opts.cycles) }, async () => {
    while (next < opts.cycles) {
      const cycle = next++;
      try {
        const started = await runCycle(ctx, cycle);
        if (started) waits.push(started.finished);
      } catch (err) {
        note(ctx, 'cycle_error', `cycle ${cycle}: ${errText(err)}`);
        log(`cycle ${cycle}: error ${errText(err)}`);
      }
    }
  });
  await Promise.all(runners);
  note(ctx, 'all_cycles_approved');
  const allFinished = Promise.all(waits);
  await Promise.race([allFinished, sleep(opts.faultTailMs)]);
  ctx.stopFaults = true;
  await faults;
  await modes;
  await keeper;
  note(ctx, 'faults_stopped');
  await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
  if (!ctx.worker.running) await ctx.worker.start();
  await ctx.worker.waitReady(60_000);
  await allFinished;
  log('soak: cycles done, faults stopped; draining');
  await drain(ctx);
  note(ctx, 'drained');
  await raisedOrders(ctx, seededOrders);
  finishedAll = true;
  await progressing;

  // ---------------------------------------------------------------- the verdict
  const ids = await tolerant(() => bot.repo.allIds());
  const requests = new Map<string, PurchaseRequest>();
  for (const id of ids) {
    const r = await tolerant(() => bot.repo.get(id));
    if (r) requests.set(id, r);
  }
  const orders = (await simOrders(sim.url)).filter((o) => !seededOrders.has(o.id));
  // Every cart line the bot makes starts with its request id, so a request's orders are known even
  // when a rollback made the bot forget its cart.
  // The purchase's orders and a new Azure plan's orders are told apart by their tags.
  const problems: ProblemRequest[] = [];
  const ordersByRequest = new Map<string, SimOrder[]>();
  const planOrdersByRequest = new Map<string, SimOrder[]>();
  for (const o of orders) {
    const tag = tagOf(o.lineItems[0]?.friendlyName);
    const into = tag?.part === 'plan' ? planOrdersByRequest : ordersByRequest;
    const key = tag?.requestId ?? '';
    into.set(key, [...(into.get(key) ?? []), o]);
  }
  // A request a rollback erased is not lost by the pipeline (it was never durably stored); it is
  // counted apart, and so is any order it had already placed (the bot's order reconciliation is
  // what raises such an order to the approvers).
  let lost = 0;
  for (const id of ctx.approved.keys()) {
    const r = requests.get(id) ?? (await tolerant(() => bot.repo.get(id)));
    if (r) {
      if (!isFinal(r.status)) lost++;
    } else if (erasedByRollback(ctx, id)) {
      ctx.erased.add(id);
    } else {
      lost++;
      problems.push(await problemOf(ctx, id, 'lost', r, []));
    }
  }
  // An order of an erased request counts as explained only once the reconciliation raised it.
  const alarmed = alarmedOrderIds(ctx);
  const erasedOrders: SimOrder[] = [];
  const orphanOrders = orders.filter((o) => {
    const key = tagOf(o.lineItems[0]?.friendlyName)?.requestId;
    if (key && !requests.has(key) && ctx.erased.has(key) && alarmed.has(o.id)) {
      erasedOrders.push(o);
      return false;
    }
    return !key || !requests.has(key);
  });
  // An alarm about an order whose request is stored: raised while a rollback had taken the
  // request's approval away (true then), explained once it was approved again.
  const alarmsLaterExplained = orders.filter((o) => {
    const key = tagOf(o.lineItems[0]?.friendlyName)?.requestId;
    return alarmed.has(o.id) && key !== undefined && requests.has(key);
  }).length;

  const byStatus: Record<string, number> = {};
  let duplicateOrders = 0;
  let failedAfterOrdering = 0;
  let unfinished = 0;
  for (const r of requests.values()) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const mine = ordersByRequest.get(r.id) ?? [];
    if (mine.length > 1 || (planOrdersByRequest.get(r.id) ?? []).length > 1) {
      duplicateOrders++;
      problems.push(await problemOf(ctx, r.id, 'duplicate_order', r, mine));
    }
    if (r.status === 'failed' && mine.length > 0) {
      failedAfterOrdering++;
      problems.push(await problemOf(ctx, r.id, 'failed_after_ordering', r, mine));
    }
    if (r.status === 'confirmed' && mine.length === 0)
      problems.push(await problemOf(ctx, r.id, 'confirmed_without_order', r, mine));
    if (!isFinal(r.status)) {
      unfinished++;
      problems.push(await problemOf(ctx, r.id, 'unfinished', r, mine));
    }
  }

  let heldOrdersAttention = 0;
  for (const id of ctx.heldOrders.keys()) {
    const audit = await ctx.bot.repo.audit(id).catch(() => []);
    if (audit.some((a) => a.status === 'attention')) heldOrdersAttention++;
  }

  const slow: ProblemRequest[] = [];
  for (const [id, ms] of ctx.finishMs) {
    if (ms > 20_000)
      slow.push(await problemOf(ctx, id, 'slow', requests.get(id), ordersByRequest.get(id) ?? []));
  }
  const finish = [...ctx.finishMs.values()].sort((a, b) => a - b);
  const at = (q: number): number => finish[Math.min(finish.length - 1, Math.floor(q * finish.length))] ?? 0;

  const report: SoakReport = {
    seed: opts.seed,
    cycles: opts.cycles,
    cyclesApproved: [...ctx.approved.values()].filter((c) => c >= 0).length,
    durationMs: Date.now() - started,
    faultKinds: [...opts.faults],
    faults: ctx.faults,
    checkoutModes: ctx.checkoutModes,
    heldOrders: [...ctx.heldOrders.values()].reduce<Record<string, number>>(
      (acc, st) => ({ ...acc, [st]: (acc[st] ?? 0) + 1 }),
      {},
    ),
    heldOrdersAttention,
    byStatus,
    requestsTotal: requests.size,
    simOrdersTotal: orders.length,
    planOrders: [...planOrdersByRequest.entries()]
      .filter(([id]) => requests.has(id))
      .reduce((n, [, os]) => n + os.length, 0),
    duplicateOrders,
    ordersWithoutRequest: orphanOrders.length,
    lost,
    unfinished,
    failedAfterOrdering,
    intakeRetries: ctx.intakeRetries,
    approveRetries: ctx.approveRetries,
    reapprovals: ctx.reapprovals,
    workerCrashes: ctx.worker.crashes.length,
    problems,
    finishMs: { p50: at(0.5), p90: at(0.9), max: finish[finish.length - 1] ?? 0 },
    slow,
    orphanOrders: orphanOrders.map((o) => ({
      id: o.id,
      cartId: o._sim.cartId,
      line: o.lineItems[0]?.friendlyName,
      erased: ctx.erased.has(tagOf(o.lineItems[0]?.friendlyName)?.requestId ?? ''),
    })),
    schedulers: await schedulerHealth(ctx),
    rollbackErased: ctx.erased.size,
    rollbackErasedApproved: [...ctx.erased].filter((id) => ctx.approved.has(id)).length,
    rollbackErasedApprovedUnbought: [...ctx.erased].filter(
      (id) =>
        ctx.approved.has(id) && !orders.some((o) => tagOf(o.lineItems[0]?.friendlyName)?.requestId === id),
    ).length,
    alarmsLaterExplained,
    rollbackErasedOrders: erasedOrders.map((o) => ({
      id: o.id,
      request: tagOf(o.lineItems[0]?.friendlyName)?.requestId,
    })),
    timeline: ctx.timeline,
    workDir,
  };
  writeFileSync(join(workDir, 'report.json'), JSON.stringify(report, null, 2));
  return report;
}

/** What makes the soak fail: any duplicate or orphan order, any lost or unfinished request, any "failed" request that bought. */
export function soakFailed(r: SoakReport): boolean {
  return (
    r.duplicateOrders > 0 ||
    r.ordersWithoutRequest > 0 ||
    r.lost > 0 ||
    r.unfinished > 0 ||
    r.failedAfterOrdering > 0
  );
}

export function formatReport(r: SoakReport): string {
  const faults = r.faultKinds.map((k) => `${k} ${r.faults[k]}`).join(', ');
  const statuses = Object.entries(r.byStatus)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [
    `seed                      ${r.seed}`,
    `cycles                    ${r.cycles} (approved ${r.cyclesApproved})`,
    `duration                  ${(r.durationMs / 1000).toFixed(1)} s`,
    `faults injected           ${Object.values(r.faults).reduce((a, b) => a + b, 0)} (${faults})`,
    `checkout answers          ${CHECKOUT_MODES.map((m) => `${m} ${r.checkoutModes[m]}`).join(', ')} (switches)`,
    `orders held, not complete ${
      Object.entries(r.heldOrders)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    } (${r.heldOrdersAttention} of their requests in attention on the way)`,
    `worker crashes (unasked)  ${r.workerCrashes}`,
    `requests                  ${r.requestsTotal} (${statuses})`,
    `simulator orders          ${r.simOrdersTotal} (new Azure plans among them ${r.planOrders})`,
    `intake / approve retries  ${r.intakeRetries} / ${r.approveRetries} (approved again after a rollback ${r.reapprovals})`,
    `approval → final (ms)     p50 ${r.finishMs.p50}, p90 ${r.finishMs.p90}, max ${r.finishMs.max} (${r.slow.length} over 20 s)`,
    `duplicate orders          ${r.duplicateOrders}`,
    `orders with no request    ${r.ordersWithoutRequest}`,
    `failed after ordering     ${r.failedAfterOrdering}`,
    `lost requests             ${r.lost}`,
    `not in a final state      ${r.unfinished}`,
    `erased by a rollback      ${r.rollbackErased} (approved ${r.rollbackErasedApproved}, of which unbought ${r.rollbackErasedApprovedUnbought}; their orders, raised as orphans ${r.rollbackErasedOrders.length})`,
    `alarms later explained    ${r.alarmsLaterExplained}`,
    `report                    ${join(r.workDir, 'report.json')}`,
  ];
  for (const o of r.orphanOrders)
    lines.push(
      `  order with no request ${o.id}: ${String(o.line)}${o.erased ? ' (its request erased by a rollback, not raised)' : ''}`,
    );
  for (const p of r.problems.slice(0, 10)) {
    lines.push(
      `  ${p.problem} ${p.id} (cycle ${String(p.cycle)}, status ${String(p.status)}, cart ${String(p.cartId)}, orders [${p.simOrders.join(', ')}])`,
    );
    for (const a of p.audit)
      lines.push(`    +${a.t} ms ${a.event} by ${a.actor} → ${a.status}${a.detail ? ` (${a.detail})` : ''}`);
  }
  return lines.join('\n');
}

/** The tail of a log file, for a report. */
export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
