import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { PartnerCenterError } from '../src/partner-center/errors';
import { invoiceJobSchema, type InvoiceJob } from '../src/queues';
import type { InvoiceAnnouncer, InvoicePoller, InvoicePollReport } from '../src/services/invoices';
import { DelayedError, delayJob } from './delay';

/** The poll (a job scheduler, every INVOICE_POLL_INTERVAL_MS): enqueues one job per new invoice. */
export function invoicePollProcessor(deps: {
  poller: InvoicePoller;
  /** Counts invoices the poll could not enqueue (the next poll tries again). */
  onFailure?(invoiceIds: readonly string[]): void;
}) {
  return async (): Promise<InvoicePollReport> => {
    const report = await deps.poller.poll();
    if (report.failed.length > 0) deps.onFailure?.(report.failed);
    return report;
  };
}

export interface StepIo {
  /** Saves the job's data after a step (BullMQ: job.updateData). */
  save(work: InvoiceJob): Promise<void>;
  /** Resumes the job later with this data (BullMQ: moveToDelayed, then DelayedError). */
  wait(work: InvoiceJob, delayMs: number): Promise<string>;
  /** Resumes the job later with whatever data it then has (another worker holds the invoice). */
  later(delayMs: number): Promise<string>;
}

/**
 * Runs an invoice job's steps from its current one, saving the data after each, until it is done
 * or has to wait. A step that throws leaves the data at the last saved step: the retry resumes there.
 */
export async function runInvoiceSteps(
  announcer: InvoiceAnnouncer,
  work: InvoiceJob,
  io: StepIo,
): Promise<string> {
  let current = work;
  // Four steps; a few more hops in case a step sends the job back (a thread lost from the data).
  for (let hops = 0; hops < 8; hops++) {
    const out = await announcer.step(current);
    if (out.kind === 'done') return 'settled';
    if (out.kind === 'wait') return io.wait(out.work, out.delayMs);
    if (out.kind === 'busy') return io.later(out.delayMs);
    current = out.work;
    await io.save(current);
  }
  throw new Error(`Invoice ${work.invoice.id}: too many steps without settling`);
}

/**
 * One job per invoice (`invoice-<id>`). A failed step is retried by BullMQ with backoff, and by the
 * next poll after the last attempt; a 429 waits as Partner Center says, without burning an attempt.
 */
export function invoiceStepProcessor(deps: { announcer: InvoiceAnnouncer; log: Logger; now?: () => number }) {
  const now = deps.now ?? Date.now;
  return async (job: Job, token?: string): Promise<string> => {
    const work = invoiceJobSchema.parse(job.data);
    try {
      return await runInvoiceSteps(deps.announcer, work, {
        save: (w) => job.updateData(w),
        wait: (w, delayMs) => delayJob(job, token, now() + delayMs, w),
        later: (delayMs) => delayJob(job, token, now() + delayMs),
      });
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof PartnerCenterError && err.code === 'pc_throttled') {
        return delayJob(job, token, now() + Math.max(err.retryAfterMs ?? 5000, 100));
      }
      const data = invoiceJobSchema.safeParse(job.data);
      deps.log.warn(
        {
          err,
          invoiceId: work.invoice.id,
          step: data.success ? data.data.step : work.step,
          attemptsMade: job.attemptsMade,
        },
        'invoice step failed; it is retried with backoff',
      );
      throw err;
    }
  };
}
