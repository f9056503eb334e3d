import type { Logger } from 'pino';
import type { PurchaseRequest } from '../src/purchases/model';
import { jobIds, type Producers } from '../src/queues';
import type { LifecycleService } from '../src/services/lifecycle';
import type { RequestNotifier } from '../src/services/notifier';
import type { RequestStore } from '../src/store/requests';

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
  failed: number;
}

/**
 * A request whose handling failed is skipped for a while, doubling each time, so one poisoned
 * request (a requester who cannot be sent a DM, a card that cannot be updated) never stops the
 * sweep for the others and is not hammered either.
 */
export class Backoff {
  private readonly failures = new Map<string, { count: number; until: number }>();
  constructor(
    private readonly baseMs: number,
    private readonly capMs: number,
  ) {}
  ready(id: string, now: number): boolean {
    const f = this.failures.get(id);
    return !f || f.until <= now;
  }
  failed(id: string, now: number): void {
    const count = (this.failures.get(id)?.count ?? 0) + 1;
    this.failures.set(id, { count, until: now + Math.min(this.capMs, this.baseMs * 2 ** (count - 1)) });
  }
  succeeded(id: string): void {
    this.failures.delete(id);
  }
}

/**
 * Runs on a BullMQ job scheduler. Expires pending requests, reminds and escalates, reminds about
 * closing cancellation windows, and is the pipeline's safety net: a request approved just before a
 * crash, whose job was never added, or whose job ran out of attempts, is picked up again here.
 */
export async function sweep(
  deps: SweepDeps,
  backoff: Backoff = new Backoff(60_000, 3_600_000),
): Promise<SweepReport> {
  const now = (deps.now ?? Date.now)();
  const report: SweepReport = { expired: 0, reminded: 0, escalated: 0, announced: 0, requeued: 0, failed: 0 };

  const each = async (
    step: string,
    ids: readonly string[],
    work: (id: string) => Promise<void>,
  ): Promise<void> => {
    for (const id of ids) {
      if (!backoff.ready(`${step}:${id}`, now)) continue;
      try {
        await work(id);
        backoff.succeeded(`${step}:${id}`);
      } catch (err) {
        report.failed++;
        backoff.failed(`${step}:${id}`, now);
        deps.onFailure?.(step);
        deps.log.warn({ err, requestId: id, step }, 'sweep could not handle a request; retrying it later');
      }
    }
  };

  // A Redis that restarted may have come back from a snapshot or a lagging replica without its
  // last writes, such as an approval: Slack still shows that decision (the card without its
  // buttons), so the click could never be made again. Each pending request's card and messages
  // are drawn again from the store; the new run id is recorded once all of them were.
  const runs = deps.redisRuns;
  const restarted = await runs?.changed();
  if (runs && restarted) {
    const failedBefore = report.failed;
    await each('redraw', await deps.requests.pendingIds(), async (id) => {
      const r = await deps.requests.get(id);
      if (r?.status === 'pending_approval') await deps.notifier.refresh(r);
    });
    if (report.failed === failedBefore) await runs.record(restarted);
  }

  await each('expire', await deps.requests.pendingUntil(now), async (id) => {
    const res = await deps.requests.apply(id, { type: 'expire' }, 'scheduler');
    if (!res.ok || !res.changed) return;
    report.expired++;
    await deps.notifier.refresh(res.request);
    await deps.notifier.notify(res.request, { kind: 'expired' });
  });

  await each('pending', await deps.requests.pendingIds(), async (id) => {
    const r = await deps.requests.get(id);
    if (!r || r.status !== 'pending_approval') return;
    if ((!r.slack.cardTs && !r.slack.cardUndeliverable) || !r.slack.threadTs) {
      await deps.notifier.announce(r);
      report.announced++;
      return;
    }
    if (!r.reminded && r.expiresAt - now <= deps.reminderBeforeMs) {
      const res = await deps.requests.apply(id, { type: 'remind' }, 'scheduler');
      if (res.ok && res.changed) {
        report.reminded++;
        await deps.notifier.notify(res.request, { kind: 'reminder', expiresAt: r.expiresAt });
      }
    }
    if (deps.escalateAfterMs > 0 && !r.escalated && now - r.createdAt >= deps.escalateAfterMs) {
      const res = await deps.requests.apply(id, { type: 'escalate' }, 'scheduler');
      if (res.ok && res.changed) {
        report.escalated++;
        await deps.notifier.notify(res.request, { kind: 'escalation', waitedMs: now - r.createdAt });
      }
    }
  });

  await each('inflight', await deps.requests.inflightIds(), async (id) => {
    const r = await deps.requests.get(id);
    if (!r) return;
    if (await resume(deps, r)) report.requeued++;
  });

  // Software orders of the last weeks: reminders before their cancellation window closes.
  await each(
    'window',
    await deps.requests.idsCreatedBetween(now - deps.windowMs - 7 * 86_400_000, now),
    async (id) => {
      const r = await deps.requests.get(id);
      if (r) await deps.lifecycle.windows(r);
    },
  );

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
