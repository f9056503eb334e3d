import type { Queue } from 'bullmq';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestStore } from './store/requests';

/** Prometheus metrics on /metrics: queue depth by state, job outcomes, requests in flight. */
export class Metrics {
  readonly registry = new Registry();
  readonly jobOutcomes: Counter<'queue' | 'outcome'>;
  readonly sweepFailures: Counter<'step'>;
  readonly orphanOrders: Counter;
  readonly financeFailures: Counter<'step'>;
  readonly replicaWaits: Counter<'outcome'>;

  constructor(queues: Queue[], repo: RequestStore) {
    collectDefaultMetrics({ register: this.registry, prefix: 'pcbot_' });
    new Gauge({
      name: 'pcbot_queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const q of queues) {
          const counts = await q.getJobCounts(
            'waiting',
            'active',
            'delayed',
            'failed',
            'completed',
            'prioritized',
          );
          for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
        }
      },
    });
    new Gauge({
      name: 'pcbot_requests_in_flight',
      help: 'Approved requests not yet confirmed or failed',
      registers: [this.registry],
      async collect() {
        this.set((await repo.inflightIds()).length);
      },
    });
    new Gauge({
      name: 'pcbot_requests_pending_approval',
      help: 'Requests waiting for an approver',
      registers: [this.registry],
      async collect() {
        this.set((await repo.pendingIds()).length);
      },
    });
    this.sweepFailures = new Counter({
      name: 'pcbot_sweep_failures_total',
      help: 'Requests a sweep could not handle (retried later with backoff), by sweep step',
      labelNames: ['step'],
      registers: [this.registry],
    });
    this.orphanOrders = new Counter({
      name: 'pcbot_orphan_orders_total',
      help: 'One-time orders in Partner Center that no approved request explains, raised in the approvals channel',
      registers: [this.registry],
    });
    this.financeFailures = new Counter({
      name: 'pcbot_finance_failures_total',
      help: 'Invoices the poller could not enqueue and customers or orders the reconciliation could not check (retried on the next run), by step',
      labelNames: ['step'],
      registers: [this.registry],
    });
    this.replicaWaits = new Counter({
      name: 'pcbot_redis_replica_waits_total',
      help: 'WAITs for a Redis replica after a request write, by outcome: acked, timeout (no replica had it in REDIS_WAIT_TIMEOUT_MS; the bot went on), error',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.jobOutcomes = new Counter({
      name: 'pcbot_job_outcomes_total',
      help: 'Job outcomes per queue: completed, failed, delayed',
      labelNames: ['queue', 'outcome'],
      registers: [this.registry],
    });
  }
}
