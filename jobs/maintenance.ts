import type { Logger } from 'pino';
import type { Producers } from '../src/queues';
import { jobIds } from '../src/queues';
import type { Notifier } from '../src/services/notifier';
import type { RequestRepository } from '../src/store/requests';
import { slackDate } from '../src/slack/text';

export interface SweepDeps {
  repo: RequestRepository;
  notifier: Notifier;
  producers: Producers;
  reminderBeforeMs: number;
  confirmationDelayMs: number;
  log: Logger;
  now?: () => number;
}

export interface SweepReport {
  expired: number;
  reminded: number;
  announced: number;
  requeued: number;
}

/**
 * Runs on a BullMQ job scheduler. Expires pending requests, reminds approvers before expiry, and is
 * the pipeline's safety net: a request approved just before a crash, whose job was never added, or
 * whose job ran out of attempts with the checkout outcome unknown, is picked up again here.
 */
export async function sweep(deps: SweepDeps): Promise<SweepReport> {
  const now = (deps.now ?? Date.now)();
  const report: SweepReport = { expired: 0, reminded: 0, announced: 0, requeued: 0 };

  for (const id of await deps.repo.pendingUntil(now)) {
    const res = await deps.repo.apply(id, { type: 'expire' }, 'scheduler');
    if (!res.ok || !res.changed) continue;
    report.expired++;
    await deps.notifier.refreshCard(res.request);
    await deps.notifier.tellRequester(
      res.request,
      `:alarm_clock: Request ${id} expired: no approver decided in time. Nothing was bought; submit it again with \`/purchase\` if it is still needed.`,
    );
  }

  for (const id of await deps.repo.pendingIds()) {
    const r = await deps.repo.get(id);
    if (!r || r.status !== 'pending_approval') continue;
    if (!r.slack.cardTs || !r.slack.threadTs) {
      await deps.notifier.announce(r);
      report.announced++;
      continue;
    }
    if (!r.reminded && r.expiresAt - now <= deps.reminderBeforeMs) {
      const res = await deps.repo.apply(id, { type: 'remind' }, 'scheduler');
      if (res.ok && res.changed) {
        report.reminded++;
        await deps.notifier.tellApprovers(
          res.request,
          `:bell: Reminder: request ${id} expires ${slackDate(r.expiresAt)} unless an approver decides.`,
        );
      }
    }
  }

  for (const id of await deps.repo.inflightIds()) {
    const r = await deps.repo.get(id);
    if (!r) continue;
    if (r.status === 'approved' || r.status === 'ordering') {
      const job = await deps.producers.purchase.getJob(jobIds.purchase(id));
      if (!job) {
        await deps.producers.enqueuePurchase(id);
        report.requeued++;
      } else if (await job.isFailed()) {
        await job.retry('failed');
        report.requeued++;
      }
    } else if (r.status === 'ordered' && !r.confirmationMissing) {
      const job = await deps.producers.confirm.getJob(jobIds.confirm(id));
      if (!job) {
        await deps.producers.enqueueConfirmation(id, deps.confirmationDelayMs);
        report.requeued++;
      } else if (await job.isFailed()) {
        await job.retry('failed');
        report.requeued++;
      }
    }
  }
  if (report.expired || report.reminded || report.announced || report.requeued)
    deps.log.info(report, 'sweep');
  return report;
}
