import { SEED } from '../../fakes/partner-center';
import type { PurchaseRequest } from '../../src/purchases/model';
import { baseEnv } from '../../harness/env';
import { requestPurchase, RESERVATION, SOFTWARE, type FormChoice } from '../../harness/flows';
import { runTs, waitFor, type Started } from '../../harness/processes';
import { freePort } from '../../harness/redis-server';
import { injectFault, simControl, simOrdersOf } from '../../harness/sim';
import { cartStage } from '../../harness/requests';
import { startWorld, type World } from '../../harness/world';

/**
 * The worker runs as its own process and is killed with SIGKILL at each step of the pipeline, then
 * started again. Whatever the moment, the simulator must end with exactly one order per approved
 * request and the request must reach a final state.
 */
describe('the pipeline survives a worker killed at every step', () => {
  let w: World;
  let worker: Started | undefined;
  let workerEnv: Record<string, string>;

  beforeAll(async () => {
    const prefix = `${process.env.TEST_KEY_PREFIX ?? 't'}crash`;
    const common = {
      ORDER_CONFIRMATION_DELAY_MS: '1500',
      SWEEP_INTERVAL_MS: '500',
      REGISTRATION_POLL_BASE_MS: '200',
      REGISTRATION_POLL_CAP_MS: '500',
      PURCHASE_RETRY_BASE_MS: '200',
      JOB_LOCK_MS: '1500',
      JOB_STALLED_INTERVAL_MS: '500',
    };
    w = await startWorld({
      prefix,
      env: { ROLE: 'web', ...common },
      sim: { registrationDelayMs: 2500, planProvisioningDelayMs: 2500 },
    });
    workerEnv = baseEnv({
      ...common,
      ROLE: 'worker',
      REDIS_KEY_PREFIX: prefix,
      PARTNER_CENTER_API_URL: w.sim.url,
      SLACK_API_URL: w.slack.apiUrl,
      LOG_LEVEL: 'warn',
    });
  });

  afterAll(async () => {
    if (worker && worker.child.exitCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await w.close();
  });

  async function startWorker(): Promise<Started> {
    const port = await freePort();
    const started = runTs('src/main.ts', { ...workerEnv, PORT: String(port) });
    await waitFor(
      async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined),
      30_000,
    );
    return started;
  }

  async function kill(): Promise<void> {
    if (!worker) return;
    worker.child.kill('SIGKILL');
    await worker.exited;
    worker = undefined;
  }

  async function approveAndKill(
    choice: FormChoice,
    atStep: (r: PurchaseRequest) => boolean,
    settleMs = 0,
  ): Promise<PurchaseRequest> {
    worker ??= await startWorker();
    const id = await requestPurchase(w, choice);
    const card = w.slack.messages('C0APPROVALS').find((m) => !m.thread_ts && m.text.includes(id))!;
    await w.inbound.action({
      action_id: 'approve_request',
      message: card,
      channel_id: 'C0APPROVALS',
      user: 'U0APPROVE1',
      value: id,
    });
    await waitFor(
      async () => {
        const r = await w.bot.repo.get(id);
        return r && atStep(r) ? r : undefined;
      },
      40_000,
      10,
    );
    if (settleMs) await new Promise((r) => setTimeout(r, settleMs));
    await kill();
    worker = await startWorker();
    const final = await waitFor(async () => {
      const r = await w.bot.repo.get(id);
      return r && ['confirmed', 'failed'].includes(r.status) ? r : undefined;
    }, 40_000);
    return final;
  }

  async function ordersOf(r: PurchaseRequest) {
    return simOrdersOf(w.sim.url, r.id);
  }

  afterEach(async () => {
    await simControl(w.sim.url, '/_sim/faults', undefined, 'DELETE');
  });

  it('resumes when killed while the cart is being created', async () => {
    await injectFault(w.sim.url, { method: 'POST', path: '/\\/carts$/', latencyMs: 4000, count: 1 });
    const r = await approveAndKill(SOFTWARE, (x) => x.status === 'ordering' && cartStage(x) === 'none', 300);
    expect(r.status).toBe('confirmed');
    expect(await ordersOf(r)).toHaveLength(1);
  }, 90_000);

  it('reuses the cart Partner Center made when killed before the cart id was saved', async () => {
    await injectFault(w.sim.url, {
      method: 'POST',
      path: '/\\/carts$/',
      latencyMs: 4000,
      when: 'after',
      count: 1,
    });
    const r = await approveAndKill(SOFTWARE, (x) => x.status === 'ordering' && cartStage(x) === 'none', 500);
    expect(r.status).toBe('confirmed');
    expect(await ordersOf(r)).toHaveLength(1);
  }, 90_000);

  it('resumes when killed while checkout is in flight', async () => {
    await injectFault(w.sim.url, { method: 'POST', path: '/checkout', latencyMs: 4000, count: 1 });
    const r = await approveAndKill(
      SOFTWARE,
      (x) => x.status === 'ordering' && cartStage(x) === 'checkout',
      300,
    );
    expect(r.status).toBe('confirmed');
    expect(await ordersOf(r)).toHaveLength(1);
  }, 90_000);

  it('does not buy twice when killed after checkout succeeded but before the orders were saved', async () => {
    await injectFault(w.sim.url, {
      method: 'POST',
      path: '/checkout',
      latencyMs: 4000,
      when: 'after',
      count: 1,
    });
    const r = await approveAndKill(
      SOFTWARE,
      (x) => x.status === 'ordering' && cartStage(x) === 'checkout',
      500,
    );
    expect(r.status).toBe('confirmed');
    expect(await ordersOf(r)).toHaveLength(1);
  }, 90_000);

  it('keeps polling the registration after a kill while waiting for it', async () => {
    await simControl(w.sim.url, '/_sim/reset');
    const r = await approveAndKill(
      { ...RESERVATION, azureSubscription: SEED.subscriptions.unregistered.id },
      (x) => x.status === 'ordering' || x.status === 'approved',
      800,
    );
    expect(r.status).toBe('confirmed');
    expect(await ordersOf(r)).toHaveLength(1);
  }, 90_000);

  it('buys the new Azure plan once and the reservation once when killed between them', async () => {
    const r = await approveAndKill(
      { ...RESERVATION, customer: SEED.customers.noAzure.id, azureSubscription: 'new-azure-plan' },
      (x) => x.status === 'ordering' && x.progress.plan?.stage === 'ordered',
      300,
    );
    expect(r.status).toBe('confirmed');
    expect(await simOrdersOf(w.sim.url, r.id, 'plan')).toHaveLength(1);
    expect(await simOrdersOf(w.sim.url, r.id, 'purchase')).toHaveLength(1);
  }, 90_000);

  it('still confirms the order after a kill while the confirmation waits', async () => {
    const r = await approveAndKill(SOFTWARE, (x) => x.status === 'ordered');
    expect(r.status).toBe('confirmed');
    expect(await ordersOf(r)).toHaveLength(1);
  }, 90_000);
});
