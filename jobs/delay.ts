import { DelayedError, type Job } from 'bullmq';

/**
 * Waits without holding a worker: the job goes back to the delayed set with its new data, and the
 * thrown DelayedError tells BullMQ it is not a failure (BullMQ's "process step jobs" pattern).
 */
export async function delayJob<T>(job: Job, token: string | undefined, at: number, data?: T): Promise<never> {
  if (data !== undefined) await job.updateData(data);
  await job.moveToDelayed(at, token);
  throw new DelayedError();
}

export { DelayedError };
