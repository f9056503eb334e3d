import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';

/** Queue names, job payloads and producers. Workers live in jobs/. */
export const QUEUES = {
  purchase: 'purchase',
  confirm: 'confirm',
  maintenance: 'maintenance',
  invoices: 'invoices',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const purchaseJobSchema = z.object({
  requestId: z.string(),
  step: z.enum(['registration', 'poll_registration', 'order']).default('registration'),
  polls: z.number().int().default(0),
  notified: z.boolean().default(false),
});
export type PurchaseJob = z.infer<typeof purchaseJobSchema>;

export const confirmJobSchema = z.object({
  requestId: z.string(),
  attempt: z.number().int().default(1),
});
export type ConfirmJob = z.infer<typeof confirmJobSchema>;

/** BullMQ forbids ':' in custom ids; a deterministic id per request makes a second add a no-op. */
export const jobIds = {
  purchase: (requestId: string) => `purchase-${requestId}`,
  confirm: (requestId: string) => `confirm-${requestId}`,
};

const PURCHASE_OPTS: JobsOptions = {
  // Server errors and timeouts retry with backoff; 429s wait without burning an attempt (jobs/).
  attempts: 8,
  // Removed on completion so a later re-enqueue (the sweeper) can run the idempotent job again.
  removeOnComplete: true,
  removeOnFail: { count: 1000 },
};

export class Producers {
  readonly purchase: Queue;
  readonly confirm: Queue;
  readonly maintenance: Queue;
  readonly invoices: Queue;

  constructor(
    connection: ConnectionOptions,
    readonly prefix: string,
    /** First retry delay of a failed purchase step; doubles each attempt. */
    private readonly retryBaseMs = 2000,
  ) {
    const opts = { connection, prefix: `${prefix}:bull` };
    this.purchase = new Queue(QUEUES.purchase, opts);
    this.confirm = new Queue(QUEUES.confirm, opts);
    this.maintenance = new Queue(QUEUES.maintenance, opts);
    this.invoices = new Queue(QUEUES.invoices, opts);
  }

  all(): Queue[] {
    return [this.purchase, this.confirm, this.maintenance, this.invoices];
  }

  async enqueuePurchase(requestId: string): Promise<void> {
    const data: PurchaseJob = { requestId, step: 'registration', polls: 0, notified: false };
    await this.purchase.add('purchase', data, {
      ...PURCHASE_OPTS,
      backoff: { type: 'exponential', delay: this.retryBaseMs },
      jobId: jobIds.purchase(requestId),
    });
  }

  async enqueueConfirmation(requestId: string, delayMs: number, attempt = 1): Promise<void> {
    const data: ConfirmJob = { requestId, attempt };
    await this.confirm.add('confirm', data, {
      jobId: jobIds.confirm(requestId),
      delay: delayMs,
      attempts: 5,
      backoff: { type: 'exponential', delay: this.retryBaseMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((q) => q.close()));
  }
}
