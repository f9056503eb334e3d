import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';

/** Queue names, job payloads and producers. Workers live in jobs/. */
export const QUEUES = {
  purchase: 'purchase',
  confirm: 'confirm',
  cancel: 'cancel',
  maintenance: 'maintenance',
  invoices: 'invoices',
  invoice: 'invoice',
  orderReconciliation: 'order-reconciliation',
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

/**
 * One invoice's announcement (job id `invoice-<invoice id>`), BullMQ's "process step jobs" pattern:
 * the step and each step's record live in the job data, written right after the step's effect, so a
 * retry, a stalled job or a restart resumes at the first step not done.
 */
export const INVOICE_STEPS = ['post', 'pdf', 'reconcile', 'settled'] as const;
export type InvoiceStep = (typeof INVOICE_STEPS)[number];

export const invoiceJobSchema = z.object({
  /** What the announcement says of the invoice, from the invoice list (app-only: no per-invoice read). */
  invoice: z.object({
    id: z.string(),
    invoiceDate: z.string().optional(),
    billingPeriodStartDate: z.string().optional(),
    billingPeriodEndDate: z.string().optional(),
    totalCharges: z.number().optional(),
    paidAmount: z.number().optional(),
    currencyCode: z.string().optional(),
    invoiceDetails: z.array(z.object({ billingProvider: z.string().optional() })).optional(),
    invoiceType: z.string().optional(),
    documentType: z.string().optional(),
  }),
  step: z.enum(INVOICE_STEPS).default('post'),
  /**
   * The announcement's message, saved once `post` posted it. Protects against: a retry after the
   * post (the PDF upload failed, the worker died) posting a second announcement; the PDF and the
   * reconciliation go into this thread.
   */
  thread: z.object({ channel: z.string(), ts: z.string() }).optional(),
  /**
   * `uploaded`: the PDF is in the thread. Protects against: a second PDF when a later step is
   * retried. `noted`: the thread was told the PDF needs a user sign-in. Protects against: saying so
   * on every quiet retry.
   */
  pdf: z.enum(['pending', 'noted', 'uploaded']).default('pending'),
  /**
   * The reconciliation is posted and the requesters told. Protects against: a second
   * reconciliation message when the PDF is retried later (requesters are told once through the
   * invoice ledger's "requester told" record, whatever happens to the job).
   */
  reconciled: z.boolean().default(false),
});
export type InvoiceJob = z.infer<typeof invoiceJobSchema>;

/** BullMQ forbids ':' in custom ids; a deterministic id per request makes a second add a no-op. */
export const jobIds = {
  purchase: (requestId: string) => `purchase-${requestId}`,
  confirm: (requestId: string) => `confirm-${requestId}`,
  cancel: (requestId: string) => `cancel-${requestId}`,
  invoice: (invoiceId: string) => `invoice-${invoiceId}`,
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
  readonly invoice: Queue;
  readonly orderReconciliation: Queue;

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
    this.invoice = new Queue(QUEUES.invoice, opts);
    this.orderReconciliation = new Queue(QUEUES.orderReconciliation, opts);
  }

  all(): Queue[] {
    return [
      this.purchase,
      this.confirm,
      this.cancel,
      this.maintenance,
      this.invoices,
      this.invoice,
      this.orderReconciliation,
    ];
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

  /**
   * One announcement job per invoice. A second add with the same job id is a no-op, so pollers on
   * several workers enqueue it once; a job that ran out of attempts is retried (its data, and so
   * the thread it already posted, is kept: failed invoice jobs are never removed).
   */
  async enqueueInvoice(data: InvoiceJob): Promise<'added' | 'exists' | 'retried'> {
    const jobId = jobIds.invoice(data.invoice.id);
    const existing = await this.invoice.getJob(jobId);
    if (existing) {
      if (!(await existing.isFailed())) return 'exists';
      await existing.retry('failed');
      return 'retried';
    }
    await this.invoice.add('invoice', data, {
      jobId,
      attempts: 8,
      backoff: { type: 'exponential', delay: this.retryBaseMs },
      // Removed once settled: the invoice ledger then says it needs nothing more.
      removeOnComplete: true,
      removeOnFail: false,
    });
    return 'added';
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((q) => q.close()));
  }
}
