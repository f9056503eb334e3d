import { Worker, type ConnectionOptions, type Processor } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../src/config';
import type { Metrics } from '../src/metrics';
import { QUEUES, type Producers } from '../src/queues';
import type { RequestStore } from '../src/store/requests';
import type { SweepRetries } from '../src/store/sweep-retries';
import type { Services } from '../src/wiring';
import { cancelProcessor } from './cancel';
import { confirmProcessor } from './confirm';
import { invoicePollProcessor, invoiceStepProcessor } from './invoices';
import { sweep, type RedisRestarts } from './maintenance';
import { onPurchaseExhausted, purchaseProcessor } from './purchase';
import { orderReconciliationProcessor } from './reconcile';

export interface WorkerDeps {
  config: Config;
  connection: ConnectionOptions;
  producers: Producers;
  services: Services;
  requests: RequestStore;
  /** Redis restarts seen by the sweep (which then redraws pending requests' messages). */
  redisRuns?: RedisRestarts;
  metrics: Metrics;
  /** Requests a sweep could not handle, with their backoff and what they still owe Slack. */
  sweepRetries: SweepRetries;
  log: Logger;
  now: () => number;
}

export interface WorkerSet {
  workers: Worker[];
  running(): boolean;
  close(timeoutMs: number): Promise<void>;
}

/** Starts every BullMQ worker and the job schedulers (sweep, invoice poll). */
export async function startWorkers(deps: WorkerDeps): Promise<WorkerSet> {
  const { config, connection, producers, services, log } = deps;
  const prefix = `${config.redis.keyPrefix}:bull`;
  const purchaseDeps = {
    ordering: services.ordering,
    requests: deps.requests,
    log: log.child({ module: 'purchase-job' }),
    now: deps.now,
  };

  const make = (name: string, processor: Processor, concurrency: number): Worker => {
    const worker = new Worker(name, processor, {
      connection,
      prefix,
      concurrency,
      // A job whose worker died is picked up again once its lock lapses. Stalls are not failures
      // here: every step is resumable, so a job may stall any number of times.
      lockDuration: config.jobLockMs,
      stalledInterval: config.jobStalledIntervalMs,
      maxStalledCount: 1000,
    });
    worker.on('completed', () => deps.metrics.jobOutcomes.inc({ queue: name, outcome: 'completed' }));
    worker.on('failed', (job, err) => {
      deps.metrics.jobOutcomes.inc({ queue: name, outcome: 'failed' });
      log.warn({ queue: name, jobId: job?.id, err }, 'job failed');
    });
    worker.on('error', (err) => log.error({ queue: name, err }, 'worker error'));
    return worker;
  };

  const purchase = make(QUEUES.purchase, purchaseProcessor(purchaseDeps), config.purchaseConcurrency);
  purchase.on('failed', (job, err) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade >= attempts) {
      const raw = (job.data as { requestId?: unknown }).requestId;
      const requestId = typeof raw === 'string' ? raw : '';
      onPurchaseExhausted(purchaseDeps, requestId, err).catch((e: unknown) =>
        log.error({ err: e, requestId }, 'could not record the failure'),
      );
    }
  });
  const confirm = make(
    QUEUES.confirm,
    confirmProcessor({
      confirmation: services.confirmation,
      log: log.child({ module: 'confirm-job' }),
      maxAttempts: config.timings.orderConfirmationAttempts,
      // After the first look, look again at a fifth of the initial wait (3 minutes by default).
      retryDelayMs: Math.max(1000, Math.round(config.timings.orderConfirmationDelayMs / 5)),
      now: deps.now,
    }),
    4,
  );
  const cancel = make(
    QUEUES.cancel,
    cancelProcessor({
      lifecycle: services.lifecycle,
      log: log.child({ module: 'cancel-job' }),
      now: deps.now,
    }),
    2,
  );
  const maintenance = make(
    QUEUES.maintenance,
    async () =>
      sweep(
        {
          requests: deps.requests,
          redisRuns: deps.redisRuns,
          notifier: services.notifier,
          producers,
          lifecycle: services.lifecycle,
          channelHealth: services.channelHealth,
          reminderBeforeMs: config.timings.approvalReminderBeforeMs,
          escalateAfterMs: config.escalation.usergroupId ? config.escalation.afterMs : 0,
          confirmationDelayMs: config.timings.orderConfirmationDelayMs,
          searchAttempts: config.timings.orderSearchAttempts,
          windowMs: 30 * 86_400_000,
          log: log.child({ module: 'sweep' }),
          onFailure: (step) => deps.metrics.sweepFailures.inc({ step }),
          now: deps.now,
        },
        deps.sweepRetries,
      ),
    1,
  );
  const invoices = make(
    QUEUES.invoices,
    invoicePollProcessor({
      poller: services.invoicePoller,
      onFailure: (ids) => deps.metrics.financeFailures.inc({ step: 'invoice_enqueue' }, ids.length),
    }),
    1,
  );
  const invoice = make(
    QUEUES.invoice,
    invoiceStepProcessor({
      announcer: services.invoiceAnnouncer,
      log: log.child({ module: 'invoice-job' }),
      now: deps.now,
    }),
    2,
  );
  const orderReconciliation = make(
    QUEUES.orderReconciliation,
    orderReconciliationProcessor({
      reconciliation: services.orderReconciliation,
      onOrphans: (n) => deps.metrics.orphanOrders.inc(n),
      onFailures: (n) => deps.metrics.financeFailures.inc({ step: 'order_reconciliation' }, n),
    }),
    1,
  );

  // Job schedulers are upserted by id: every worker process may call this, one schedule results.
  await producers.maintenance.upsertJobScheduler(
    'sweep',
    { every: config.timings.sweepIntervalMs },
    { name: 'sweep', opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  await producers.invoices.upsertJobScheduler(
    'invoice-poll',
    { every: config.timings.invoicePollIntervalMs },
    { name: 'invoice-poll', opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );

  await producers.orderReconciliation.upsertJobScheduler(
    'order-reconciliation',
    { every: config.timings.orderReconciliationIntervalMs },
    { name: 'order-reconciliation', opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );

  const workers = [purchase, confirm, cancel, maintenance, invoices, invoice, orderReconciliation];
  return {
    workers,
    running: () => workers.every((w) => w.isRunning()),
    async close(timeoutMs: number) {
      // Let running jobs finish within the deadline; after it, force-close (stalled jobs are
      // picked up by another worker, and money steps keep their own exactly-once record).
      const graceful = Promise.all(workers.map((w) => w.close()));
      const timer = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), timeoutMs).unref(),
      );
      if ((await Promise.race([graceful.then(() => 'done' as const), timer])) === 'timeout') {
        log.warn({ timeoutMs }, 'jobs still running at the shutdown deadline; forcing workers closed');
        await Promise.all(workers.map((w) => w.close(true)));
      }
    },
  };
}
