import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { PartnerCenterError } from '../src/partner-center/errors';
import { confirmJobSchema } from '../src/queues';
import type { OrderingService } from '../src/services/ordering';

export interface ConfirmJobDeps {
  ordering: OrderingService;
  log: Logger;
  maxAttempts: number;
  /** Wait between looks when the order is not listed yet. */
  retryDelayMs: number;
  now?: () => number;
}

/** The delayed order-list confirmation: Partner Center lists new orders up to 15 minutes late. */
export function confirmProcessor(deps: ConfirmJobDeps) {
  const now = deps.now ?? Date.now;
  return async (job: Job, token?: string): Promise<string> => {
    const data = confirmJobSchema.parse(job.data);
    try {
      const outcome = await deps.ordering.confirm(data.requestId, data.attempt, deps.maxAttempts);
      if (outcome !== 'retry') return outcome;
      await job.updateData({ ...data, attempt: data.attempt + 1 });
      await job.moveToDelayed(now() + deps.retryDelayMs, token);
      throw new DelayedError();
    } catch (err) {
      if (err instanceof PartnerCenterError && err.code === 'pc_throttled') {
        await job.moveToDelayed(now() + Math.max(err.retryAfterMs ?? 5000, 100), token);
        throw new DelayedError();
      }
      throw err;
    }
  };
}
