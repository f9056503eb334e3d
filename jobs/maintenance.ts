import type { Logger } from 'pino';
import type { PurchaseRequest } from '../src/purchases/model';
import { nothingOwed, type Undelivered } from '../src/purchases/notices';
import { jobIds, type Producers } from '../src/queues';
import type { LifecycleService } from '../src/services/lifecycle';
import type { RequestNotifier } from '../src/services/notifier';
import type { RequestStore } from '../src/store/requests';
import { MemorySweepRetries, type SweepRetries } from '../src/store/sweep-retries';

/** src/store/redis-runs.ts: the Redis server's run id when it changed since the last `record`. */
export interface RedisRestarts {
  changed(): Promise<string | undefined>;
  record(runId: string): Promise<void>;
}

export interface SweepDeps {
  requests: RequestStore;
  /** When set, a Redis restart redraws every pending request's messages from the store. */
  redisRuns?: RedisRestarts | undefined;
  notifier: RequestNotifier;
  producers: Producers;
  lifecycle: LifecycleService;
  /** Checked on each sweep (and at start-up): /readyz reports a bot missing from its channels. */
  channelHealth?: { check(): Promise<unknown> } | undefined;
  reminderBeforeMs: number;
  /** 0: no escalation. */
  escalateAfterMs: number;
  confirmationDelayMs: number;
  searchAttempts: number;
  /** Software orders are cancellable for at most this long (perpetual software: 30 days). */
  windowMs: number;
  log: Logger;
  /** Counts requests a sweep could not handle (they are retried later, with backoff). */
  onFailure?(step: string): void;
  now?: () => number;
}

export interface SweepReport {
  expired: number;
  reminded: number;
  escalated: number;
  announced: number;
  requeued: number;
  /** Messages owed by an earlier sweep (its Slack calls had failed) delivered by this one. */
  redelivered: number;
  failed: number;
}

/** Thrown inside a step when the request's state changed but Slack did not take every message. */
class Undeliverable extends Error {
  constructor(readonly owed: Undelivered) {
    super('Slack did not take every message about this request');
  }
}

/** Sends what is owed; returns what is still owed (nothing when every call landed). */
async function deliver(
  notifier: RequestNotifier,
  r: PurchaseRequest,
  owed: Undelivered,
): Promise<Undelivered> {
  const left: Undelivered = { refresh: owed.refresh && !(await notifier.refresh(r)), notices: [] };
  for (const { notice, to } of owed.notices) {
    const missed = to.length > 0 ? await notifier.notify(r, notice, to) : [];
    if (missed.length > 0) left.notices.push({ notice, to: missed });
  }
  return left;
}

/**
 * Runs on a BullMQ job scheduler. Expires pending requests, reminds and escalates, reminds about
 * closing cancellation windows, and is the pipeline's safety net: a request approved just before a
 * crash, whose job was never added, or whose job ran out of attempts, is picked up again here.
 *
 * Failures are isolated per request: one whose handling throws, or whose state changed but whose
 * messages Slack refused (a requester who cannot be sent a DM, a card that cannot be updated), is
 * logged, counted (`onFailure`, the `pcbot_sweep_failures_total` metric) and left for a later sweep
 * with backoff (`retries`, in Redis), while the sweep goes on with the others. What a changed state
 * still owes Slack is kept with the failure and sent once Slack takes it, without repeating what landed.
 */
export async function sweep(
  deps: SweepDeps,
  retries: SweepRetries = new MemorySweepRetries({ baseMs: 60_000, capMs: 3_600_000 }),
): Promise<SweepReport> {
  const now = (deps.now ?? Date.now)();
  const report: SweepReport = {
    expired: 0,
    reminded: 0,
    escalated: 0,
    announced: 0,
    requeued: 0,
    redelivered: 0,
    failed: 0,
  };
  const failing = new Map((await retries.all()).map((f) => [`${f.step}:${f.requestId}`, f]));
  /** Handled (or tried) in this sweep already: a debt retried first is not run again by its step. */
  const handled = new Set<string>();

  const attempt = async (
    step: string,
    id: string,
    work: () => Promise<Undelivered | undefined>,
  ): Promise<void> => {
    const key = `${step}:${id}`;
    if (handled.has(key)) return;
    const before = failing.get(key);
    if (before && before.until > now) return;
    handled.add(key);
    try {
      const owed = await work();
      if (owed && !nothingOwed(owed)) throw new Undeliverable(owed);
      if (before) await retries.succeeded(step, id);
    } catch (err) {
      report.failed++;
      deps.onFailure?.(step);
      const owed = err instanceof Undeliverable ? err.owed : undefined;
      const f = await retries.failed(step, id, now, owed).catch((e: unknown) => {
        deps.log.warn({ err: e, requestId: id, step }, 'could not record a sweep failure');
        return undefined;
      });
      deps.log.warn(
        { err, requestId: id, step, failures: f?.count, retryAt: f && new Date(f.until).toISOString() },
        'sweep could not handle a request; retrying it later',
      );
    }
  };
  const each = async (
    step: string,
    ids: readonly string[],
    work: (id: string) => Promise<Undelivered | undefined>,
  ): Promise<void> => {
    for (const id of ids) await attempt(step, id, () => work(id));
  };

  // First what earlier sweeps still owe Slack: their requests have left the lists below.
  for (const f of failing.values()) {
    if (!f.owed) continue;
    const owed = f.owed;
    await attempt(f.step, f.requestId, async () => {
      const r = await deps.requests.get(f.requestId);
      if (!r) return undefined;
      const left = await deliver(deps.notifier, r, owed);
      if (nothingOwed(left)) report.redelivered++;
      return left;
    });
  }

  // A Redis that restarted may have come back from a snapshot or a lagging replica without its
  // last writes, such as an approval: Slack still shows that decision (the card without its
  // buttons), so the click could never be made again. Each pending request's card and messages
  // are drawn again from the store (a redraw Slack refused is owed, like any other); the new run
  // id is recorded once all of them were.
  const runs = deps.redisRuns;
  const restarted = await runs?.changed();
  if (runs && restarted) {
    const failedBefore = report.failed;
    await each('redraw', await deps.requests.pendingIds(), async (id) => {
      const r = await deps.requests.get(id);
      if (r?.status !== 'pending_approval') return undefined;
      return deliver(deps.notifier, r, { refresh: true, notices: [] });
    });
    if (report.failed === failedBefore) await runs.record(restarted);
  }

  await each('expire', await deps.requests.pendingUntil(now), async (id) => {
    const res = await deps.requests.apply(id, { type: 'expire' }, 'scheduler');
    if (!res.ok || !res.changed) return undefined;
    report.expired++;
    return deliver(deps.notifier, res.request, {
      refresh: true,
      notices: [{ notice: { kind: 'expired' }, to: ['requester', 'approvers'] }],
    });
  });

  await each('pending', await deps.requests.pendingIds(), async (id) => {
    let r = await deps.requests.get(id);
    if (!r || r.status !== 'pending_approval') return undefined;
    if ((!r.slack.cardTs && !r.slack.cardUndeliverable) || !r.slack.threadTs) {
      await deps.notifier.announce(r);
      report.announced++;
      return undefined;
    }
    const notices: Undelivered['notices'] = [];
    if (!r.reminded && r.expiresAt - now <= deps.reminderBeforeMs) {
      const res = await deps.requests.apply(id, { type: 'remind' }, 'scheduler');
      if (res.ok && res.changed) {
        report.reminded++;
        notices.push({ notice: { kind: 'reminder', expiresAt: r.expiresAt }, to: ['approvers'] });
        r = res.request;
      }
    }
    if (deps.escalateAfterMs > 0 && !r.escalated && now - r.createdAt >= deps.escalateAfterMs) {
      const res = await deps.requests.apply(id, { type: 'escalate' }, 'scheduler');
      if (res.ok && res.changed) {
        report.escalated++;
        notices.push({ notice: { kind: 'escalation', waitedMs: now - r.createdAt }, to: ['approvers'] });
        r = res.request;
      }
    }
    return deliver(deps.notifier, r, { refresh: false, notices });
  });

  await each('inflight', await deps.requests.inflightIds(), async (id) => {
    const r = await deps.requests.get(id);
    if (r && (await resume(deps, r))) report.requeued++;
    return undefined;
  });

  // Software orders of the last weeks: reminders before their cancellation window closes.
  await each(
    'window',
    await deps.requests.idsCreatedBetween(now - deps.windowMs - 7 * 86_400_000, now),
    async (id) => {
      const r = await deps.requests.get(id);
      return r ? deps.lifecycle.windows(r) : undefined;
    },
  );

  // A request that failed and has since left its step's list (decided, expired, gone) owes nothing:
  // its record goes once its backoff has passed and no step met it again.
  for (const [key, f] of failing) {
    if (!handled.has(key) && !f.owed && f.until <= now) {
      await retries
        .succeeded(f.step, f.requestId)
        .catch((err: unknown) => deps.log.warn({ err, key }, 'could not clear a sweep failure'));
    }
  }

  await deps.channelHealth
    ?.check()
    .catch((err: unknown) => deps.log.warn({ err }, 'could not check channel membership'));
  if (Object.values(report).some((n) => n > 0)) deps.log.info(report, 'sweep');
  return report;
}

/** Puts a request whose job is missing (or failed for good) back on its queue. True if it did. */
async function resume(deps: SweepDeps, r: PurchaseRequest): Promise<boolean> {
  const p = deps.producers;
  switch (r.status) {
    case 'approved':
    case 'ordering': {
      const job = await p.purchase.getJob(jobIds.purchase(r.id));
      if (!job) {
        await p.enqueuePurchase(r.id);
        return true;
      }
      if (await job.isFailed()) {
        await job.retry('failed');
        return true;
      }
      return false;
    }
    case 'attention': {
      if (r.attention.reason === 'outcome_unknown') {
        // The search for the order stops by itself after its attempts; a lost search job resumes.
        if (r.attention.searches >= deps.searchAttempts) return false;
        const job = await p.purchase.getJob(jobIds.purchase(r.id));
        if (job && !(await job.isFailed())) return false;
        if (job) await job.remove();
        await p.enqueuePurchase(r.id, { step: 'search' });
        return true;
      }
      // An order that needs people is looked at again now and then: it may clear (pending review).
      const job = await p.confirm.getJob(jobIds.confirm(r.id));
      if (!job) {
        await p.enqueueConfirmation(r.id, deps.confirmationDelayMs);
        return true;
      }
      return false;
    }
    case 'ordered': {
      const job = await p.confirm.getJob(jobIds.confirm(r.id));
      if (!job) {
        await p.enqueueConfirmation(r.id, deps.confirmationDelayMs);
        return true;
      }
      if (await job.isFailed()) {
        await job.retry('failed');
        return true;
      }
      return false;
    }
    case 'pending_approval':
    case 'rejected':
    case 'expired':
    case 'cancelled':
    case 'confirmed':
    case 'failed':
    case 'order_cancelled':
      return false;
    default: {
      const unreachable: never = r;
      throw new Error(`Unhandled status ${JSON.stringify(unreachable)}`);
    }
  }
}
