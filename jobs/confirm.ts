import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { PartnerCenterError } from '../src/partner-center/errors';
import { confirmJobSchema } from '../src/queues';
import type { ConfirmationService } from '../src/services/confirmation';
import { DelayedError, delayJob } from './delay';

export interface ConfirmJobDeps {
  confirmation: ConfirmationService;
  log: Logger;
  maxAttempts: number;
  /** Wait between looks when the order is not listed yet. */
  retryDelayMs: number;
  now?: () => number;
}

/** The delayed confirmation: the order by id, then in the order list (up to 15 minutes late). */
export function confirmProcessor(deps: ConfirmJobDeps) {
  const now = deps.now ?? Date.now;
  return async (job: Job, token?: string): Promise<string> => {
    const data = confirmJobSchema.parse(job.data);
    try {
      const outcome = await deps.confirmation.confirm(data.requestId, data.attempt, deps.maxAttempts);
      if (outcome !== 'retry') return outcome;
      return await delayJob(job, token, now() + deps.retryDelayMs, { ...data, attempt: data.attempt + 1 });
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof PartnerCenterError && err.code === 'pc_throttled') {
        return delayJob(job, token, now() + Math.max(err.retryAfterMs ?? 5000, 100));
      }
      throw err;
    }
  };
}
