import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { cancelJobSchema } from '../src/queues';
import { CancelRetry, type LifecycleService } from '../src/services/lifecycle';
import { DelayedError, delayJob } from './delay';

/** One cancellation job per request (`cancel-<id>`): the PATCH goes out once, through retries and crashes. */
export function cancelProcessor(deps: { lifecycle: LifecycleService; log: Logger; now?: () => number }) {
  const now = deps.now ?? Date.now;
  return async (job: Job, token?: string): Promise<string> => {
    const data = cancelJobSchema.parse(job.data);
    try {
      return await deps.lifecycle.cancel(data.requestId);
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof CancelRetry && err.delayMs !== undefined)
        return delayJob(job, token, now() + err.delayMs);
      deps.log.warn({ err, requestId: data.requestId }, 'cancellation failed; will retry');
      throw err;
    }
  };
}
