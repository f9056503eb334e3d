import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { isAppError } from '../src/errors';
import { PartnerCenterError } from '../src/partner-center/errors';
import { purchaseJobSchema } from '../src/queues';
import {
  failureFromError,
  isBusinessError,
  RequestBusy,
  type OrderingService,
} from '../src/services/ordering';
import type { RequestRepository } from '../src/store/requests';

export interface PurchaseJobDeps {
  ordering: OrderingService;
  repo: RequestRepository;
  log: Logger;
  now?: () => number;
}

/**
 * One job per approved request (job id `purchase-<request id>`). Steps live in the job data; waits
 * use moveToDelayed so no worker slot is held while Microsoft registers a subscription or while a
 * 429 runs out, and a 429 does not burn an attempt.
 */
export function purchaseProcessor(deps: PurchaseJobDeps) {
  const now = deps.now ?? Date.now;
  return async (job: Job, token?: string): Promise<string> => {
    const data = purchaseJobSchema.parse(job.data);
    const log = deps.log.child({ requestId: data.requestId, jobId: job.id, step: data.step });
    const delay = async (ms: number, patch: Partial<typeof data> = {}): Promise<never> => {
      if (Object.keys(patch).length) await job.updateData({ ...data, ...patch });
      await job.moveToDelayed(now() + ms, token);
      throw new DelayedError();
    };
    try {
      if (data.step !== 'order') {
        const out = await deps.ordering.ensureRegistration(data.requestId, data.polls);
        if (out.kind === 'done') return 'nothing to do';
        if (out.kind === 'wait') {
          log.info({ polls: out.polls, delayMs: out.delayMs }, 'waiting for subscription registration');
          return await delay(out.delayMs, { step: out.step, polls: out.polls });
        }
        await job.updateData({ ...data, step: 'order' });
      }
      await deps.ordering.order(data.requestId);
      return 'ordered';
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof RequestBusy) return delay(500);
      if (err instanceof PartnerCenterError && err.code === 'pc_throttled') {
        log.warn({ retryAfterMs: err.retryAfterMs }, 'Partner Center throttled us; waiting as told');
        return delay(Math.max(err.retryAfterMs ?? 5000, 100));
      }
      if (isBusinessError(err)) {
        const failure = failureFromError(err);
        log.warn({ failure }, 'purchase refused');
        await deps.ordering.fail(data.requestId, failure);
        return `failed: ${failure.code}`;
      }
      log.warn({ err, attemptsMade: job.attemptsMade }, 'purchase step failed; will retry');
      throw err;
    }
  };
}

/**
 * After the last attempt. If checkout may have reached Partner Center, the request is not failed:
 * it stays in ordering and the sweeper retries it later with the same MS-RequestId, because saying
 * "nothing was bought" could be false.
 */
export async function onPurchaseExhausted(
  deps: PurchaseJobDeps,
  requestId: string,
  err: unknown,
): Promise<void> {
  const r = await deps.repo.get(requestId);
  if (!r) return;
  if (r.checkoutRequestId) {
    deps.log.error({ requestId, err }, 'checkout outcome unknown after all attempts; the sweeper will retry');
    return;
  }
  const base = failureFromError(err);
  const pcDown =
    isAppError(err) && ['pc_server', 'pc_network', 'pc_timeout', 'pc_invalid_response'].includes(err.code);
  await deps.ordering.fail(
    requestId,
    pcDown
      ? {
          code: base.code,
          message: `Partner Center kept failing (${err instanceof Error ? err.message : String(err)}).`,
          nextStep:
            'Nothing was bought. Submit the request again later, or ask an approver to check the Partner Center status page.',
        }
      : base,
  );
}
