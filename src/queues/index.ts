import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';

/** Queue names, job payloads and producers. Workers live in jobs/. */
export const QUEUES = {
  purchase: 'purchase',
  confirm: 'confirm',
  cancel: 'cancel',
  maintenance: 'maintenance',
  invoices: 'invoices',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const PURCHASE_STEPS = ['start', 'plan', 'registration', 'order', 'search'] as const;

export const purchaseJobSchema = z.object({
  requestId: z.string(),
  step: z.enum(PURCHASE_STEPS).default('start'),
  polls: z.number().int().default(0),
});
export type PurchaseJob = z.infer<typeof purchaseJobSchema>;

export const confirmJobSchema = z.object({
  requestId: z.string(),
  attempt: z.number().int().default(1),
});
export type ConfirmJob = z.infer<typeof confirmJobSchema>;

export const cancelJobSchema = z.object({ requestId: z.string() });
export type CancelJob = z.infer<typeof cancelJobSchema>;

/** BullMQ forbids ':' in custom ids; a deterministic id per request makes a second add a no-op. */
export const jobIds = {
  purchase: (requestId: string) => `purchase-${requestId}`,
  confirm: (requestId: string) => `confirm-${requestId}`,
  cancel: (requestId: string) => `cancel-${requestId}`,
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
  readonly cancel: Queue;
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
    this.cancel = new Queue(QUEUES.cancel, opts);
    this.maintenance = new Queue(QUEUES.maintenance, opts);
    this.invoices = new Queue(QUEUES.invoices, opts);
  }

  all(): Queue[] {
    return [this.purchase, this.confirm, this.cancel, this.maintenance, this.invoices];
  }

  /** One purchase job per request; `step` and `delayMs` let the sweeper resume a search for an order. */
  async enqueuePurchase(
    requestId: string,
    opts: { step?: PurchaseJob['step']; delayMs?: number } = {},
  ): Promise<void> {
    const data: PurchaseJob = { requestId, step: opts.step ?? 'start', polls: 0 };
    await this.purchase.add('purchase', data, {
      ...PURCHASE_OPTS,
      backoff: { type: 'exponential', delay: this.retryBaseMs },
      jobId: jobIds.purchase(requestId),
      ...(opts.delayMs ? { delay: opts.delayMs } : {}),
    });
  }

  async enqueueConfirmation(requestId: string, delayMs: number, attempt = 1): Promise<void> {
    const data: ConfirmJob = { requestId, attempt };
    await this.confirm.add('confirm', data, {
      jobId: jobIds.confirm(requestId),
      delay: delayMs,
      attempts: 5,
      backoff: { type: 'exponential', delay: this.retryBaseMs },
      // Removed on completion: a request that needs people may be confirmed again later.
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    });
  }

  async enqueueCancellation(requestId: string): Promise<void> {
    const data: CancelJob = { requestId };
    await this.cancel.add('cancel', data, {
      jobId: jobIds.cancel(requestId),
      attempts: 8,
      backoff: { type: 'exponential', delay: this.retryBaseMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((q) => q.close()));
  }
}
