import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { purchaseJobSchema } from '../src/queues';
import { PurchaseRefused, RequestBusy, TryAgain, type OrderingService } from '../src/services/ordering';
import type { RequestStore } from '../src/store/requests';
import { DelayedError, delayJob } from './delay';

export interface PurchaseJobDeps {
  ordering: OrderingService;
  requests: RequestStore;
  log: Logger;
  now?: () => number;
}

/**
 * One job per approved request (job id `purchase-<request id>`). Steps live in the job data; waits
 * (registration, the Azure plan's fulfilment, the order list's lag, 429s) move the job to the
 * delayed set, so no worker slot is held, and a 429 does not burn an attempt.
 */
export function purchaseProcessor(deps: PurchaseJobDeps) {
  const now = deps.now ?? Date.now;
  return async (job: Job, token?: string): Promise<string> => {
    const data = purchaseJobSchema.parse(job.data);
    const log = deps.log.child({ requestId: data.requestId, jobId: job.id, step: data.step });
    try {
      let step = data.step;
      let polls = data.polls;
      for (let hops = 0; hops < 10; hops++) {
        const out = await deps.ordering.step(data.requestId, step, polls);
        if (out.kind === 'done') return 'done';
        if (out.kind === 'wait') {
          log.info({ next: out.step, polls: out.polls, delayMs: out.delayMs }, 'waiting');
          return await delayJob(job, token, now() + out.delayMs, {
            ...data,
            step: out.step,
            polls: out.polls,
          });
        }
        step = out.step;
        polls = 0;
        await job.updateData({ ...data, step, polls });
      }
      return 'done';
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof RequestBusy) return delayJob(job, token, now() + 500);
      if (err instanceof TryAgain && err.delayMs !== undefined) {
        log.warn({ delayMs: err.delayMs }, 'Partner Center throttled us; waiting as told');
        return delayJob(job, token, now() + Math.max(err.delayMs, 100));
      }
      if (err instanceof PurchaseRefused) {
        log.warn({ failure: err.failure }, 'purchase refused');
        await deps.ordering.fail(data.requestId, err.failure, err.checkoutRefused);
        return `failed: ${err.failure.code}`;
      }
      log.warn({ err, attemptsMade: job.attemptsMade }, 'purchase step failed; will retry');
      throw err;
    }
  };
}

/**
 * After the last attempt. "Nothing was bought" is said only when no checkout can have reached
 * Partner Center (the state machine enforces it); otherwise the request stays where it is and the
 * sweeper retries it later with the same MS-RequestIds.
 */
export async function onPurchaseExhausted(
  deps: PurchaseJobDeps,
  requestId: string,
  err: unknown,
): Promise<void> {
  const r = await deps.requests.get(requestId);
  if (!r || (r.status !== 'approved' && r.status !== 'ordering')) return;
  const progress = r.status === 'ordering' ? r.progress : undefined;
  const started = progress && (progress.cart.stage !== 'none' || progress.plan !== undefined);
  if (started) {
    deps.log.error(
      { requestId, err },
      'purchase step kept failing after its cart existed; the sweeper will retry',
    );
    return;
  }
  await deps.ordering.fail(requestId, {
    code: 'partner_center_down',
    pcMessage: err instanceof Error ? err.message.slice(0, 300) : undefined,
    nothingBought: true,
  });
}
