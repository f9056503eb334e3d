import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { Agent } from 'undici';
import { invoiceStepProcessor, runInvoiceSteps } from '../../jobs/invoices';
import { MsalTokenProvider, NoAuthTokenProvider, PartnerCenterClient } from '../../src/partner-center';
import type { PurchaseEvent } from '../../src/purchases/state-machine';
import { jobIds, Producers, QUEUES, type InvoiceJob } from '../../src/queues';
import { BillingReader } from '../../src/services/billing';
import { InvoiceAnnouncer, InvoicePoller } from '../../src/services/invoices';
import { Notifier } from '../../src/services/notifier';
import { RedisInvoiceLedger, type InvoiceLedger } from '../../src/store/finance';
import { RedisLocks } from '../../src/store/lock';
import { createRedis, Keys } from '../../src/store/redis';
import { RequestRepository } from '../../src/store/requests';
import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import { waitFor } from '../../harness/processes';
import { sampleRequest } from '../../harness/requests';
import { simControl } from '../../harness/sim';
import { RecordingSlack } from '../support/recording-slack';
import { testRedis } from '../support/redis';

/**
 * Invoice announcements as step jobs (post → pdf → reconcile → settled), on the services themselves:
 * real Redis, the Partner Center simulator through the real client, the recording Slack port. Each
 * step is failed in turn and the job resumed as BullMQ resumes it (from the data saved after the
 * last step that finished); then two real BullMQ workers share the queue.
 */
describe('invoice announcements (service)', () => {
  const { redis, prefix } = testRedis();
  const log = pino({ level: 'silent' });
  const FINANCE = 'C0FINANCE';
  const SOFTWARE = 'DG7GMGF0FKZV:0001:DG7GMGF0DWMT';
  let sim: Simulator;
  let agent: Agent;
  let pc: PartnerCenterClient;
  let slack: RecordingSlack;
  let keys: Keys;
  let requests: RequestRepository;
  let ledger: RedisInvoiceLedger;
  let n = 0;

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      openAuth: true,
      orderListDelayMs: 0,
      registrationDelayMs: 0,
      fulfillmentDelayMs: 0,
    });
    agent = new Agent({ connect: { ca: sim.tlsCaPem } });
  });

  afterAll(async () => {
    await redis.quit();
    await agent.close();
    await sim.close();
  });

  beforeEach(() => {
    sim.reset();
    keys = new Keys(`${prefix}:${++n}`);
    pc = new PartnerCenterClient({
      baseUrl: sim.url,
      tokens: new NoAuthTokenProvider(),
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
    });
    slack = new RecordingSlack();
    requests = new RequestRepository(redis, keys);
    ledger = new RedisInvoiceLedger(redis, keys);
  });

  function announcer(
    over: { pc?: PartnerCenterClient; ledger?: InvoiceLedger; conn?: Redis } = {},
  ): InvoiceAnnouncer {
    const conn = over.conn ?? redis;
    const notifier = new Notifier({
      slack,
      requests,
      locks: new RedisLocks(conn, keys),
      settings: {
        approvalsChannel: 'C0APPROVALS',
        approverIds: [],
        approverGroupId: undefined,
        escalationGroupId: undefined,
      },
      log,
    });
    return new InvoiceAnnouncer({
      pc: over.pc ?? pc,
      reader: new BillingReader(over.pc ?? pc, requests),
      requests,
      ledger: over.ledger ?? ledger,
      locks: new RedisLocks(conn, keys),
      slack,
      notifier,
      settings: { financeChannel: FINANCE, pdfRetryMs: 3_600_000, lockMs: 30_000 },
      log,
    });
  }

  /** A poller whose queue is a list: what it enqueued, in order. */
  function poller(enqueue?: (work: InvoiceJob) => Promise<'added' | 'exists' | 'retried'>) {
    const enqueued: InvoiceJob[] = [];
    const p = new InvoicePoller({
      reader: new BillingReader(pc, requests),
      ledger,
      enqueue:
        enqueue ??
        ((work) => {
          enqueued.push(work);
          return Promise.resolve('added');
        }),
      log,
    });
    return { poller: p, enqueued };
  }

  /**
   * Runs a job from `work` as a worker does, keeping the data saved after each finished step: a
   * step that throws leaves it there, as BullMQ's retry finds it.
   */
  async function drive(a: InvoiceAnnouncer, job: { data: InvoiceJob }): Promise<string> {
    return runInvoiceSteps(a, job.data, {
      save: (w) => {
        job.data = w;
        return Promise.resolve();
      },
      wait: (w) => {
        job.data = w;
        return Promise.resolve('waiting');
      },
      later: () => Promise.resolve('busy'),
    });
  }

  async function buy(quantity = 1, friendlyName?: string): Promise<string> {
    const customerId = SEED.customers.open.id;
    const cart = await pc.createCart(customerId, {
      lineItems: [
        {
          id: 0,
          catalogItemId: SOFTWARE,
          quantity,
          billingCycle: 'one_time',
          termDuration: 'P1Y',
          ...(friendlyName ? { friendlyName } : {}),
        },
      ],
    });
    const order = (await pc.checkoutCart(customerId, cart.id)).orders[0];
    if (!order) throw new Error('checkout made no order');
    return order.id;
  }

  async function closeInvoice(): Promise<string> {
    return ((await simControl(sim.url, '/_sim/invoices/close', {})) as { id: string }).id;
  }

  /** After the baseline: a new invoice charging an order that request `id` placed. */
  async function newInvoiceWithRequest(
    id = 'PR-INV00001',
  ): Promise<{ invoiceId: string; job: { data: InvoiceJob } }> {
    const { poller: p, enqueued } = poller();
    await p.poll();
    const orderId = await buy(2);
    await orderedRequest(id, orderId);
    const invoiceId = await closeInvoice();
    await p.poll();
    const work = enqueued.find((w) => w.invoice.id === invoiceId);
    if (!work) throw new Error('the poll did not enqueue the new invoice');
    return { invoiceId, job: { data: work } };
  }

  async function orderedRequest(id: string, orderId: string): Promise<void> {
    const r = sampleRequest({
      id,
      customerId: SEED.customers.open.id,
      kind: 'software_subscription',
      azure: undefined,
    });
    await requests.create(r, r.requesterId);
    const events: PurchaseEvent[] = [
      { type: 'slack_refs', refs: { threadChannel: 'DU0REQUEST1', threadTs: '1.000001' } },
      { type: 'approve', by: 'U0APPROVE1' },
      { type: 'start_ordering' },
      { type: 'cart_created', scope: 'purchase', cartId: `cart-${id}` },
      { type: 'checkout_sent', scope: 'purchase' },
      { type: 'ordered', orders: [{ id: orderId, status: 'completed', lineItems: [] }] },
    ];
    for (const e of events) {
      const res = await requests.apply(id, e, 'test');
      if (!res.ok) throw new Error(`${e.type}: ${res.code}`);
    }
  }

  /** What the finance channel and the requester saw of one invoice. */
  function seen(invoiceId: string) {
    const announcements = slack.in(FINANCE).filter((m) => m.text.includes(`New invoice ${invoiceId}`));
    const thread = announcements[0] ? slack.in(FINANCE, { thread: announcements[0].ts }) : [];
    return {
      announcements: announcements.length,
      pdfs: slack.uploads.filter(
        (u) => u.filename === `${invoiceId}.pdf` && u.threadTs === announcements[0]?.ts,
      ).length,
      reconciliations: thread.filter((m) => m.text.includes('one-time charges')).length,
      requesterNotes: slack
        .in('DU0REQUEST1', { thread: '1.000001' })
        .filter((m) => m.text.includes(invoiceId)).length,
    };
  }

  it('records the invoices that exist at the first poll as the baseline and enqueues none of them', async () => {
    const { poller: p, enqueued } = poller();
    const first = await p.poll();
    expect(first.baseline).toBe(sim.state.invoices.size);
    expect(await p.poll()).toEqual({ enqueued: [], failed: [] });
    expect(enqueued).toEqual([]);
  });

  it('runs post, pdf, reconcile and settled once each, and a settled invoice is not enqueued again', async () => {
    const { invoiceId, job } = await newInvoiceWithRequest();
    await expect(drive(announcer(), job)).resolves.toBe('settled');
    expect(seen(invoiceId)).toEqual({ announcements: 1, pdfs: 1, reconciliations: 1, requesterNotes: 1 });
    expect((await requests.get('PR-INV00001'))?.invoices).toEqual([invoiceId]);
    expect(await ledger.isSettled(invoiceId)).toBe(true);
    const { poller: again, enqueued } = poller();
    await again.poll();
    expect(enqueued).toEqual([]);
  });

  it('resumes after a failure at post without announcing twice', async () => {
    const { invoiceId, job } = await newInvoiceWithRequest();
    slack.failNext('postMessage');
    await expect(drive(announcer(), job)).rejects.toThrow('internal_error');
    expect(job.data.step).toBe('post');
    expect(seen(invoiceId).announcements).toBe(0);
    await expect(drive(announcer(), job)).resolves.toBe('settled');
    expect(seen(invoiceId)).toEqual({ announcements: 1, pdfs: 1, reconciliations: 1, requesterNotes: 1 });
  });

  it('resumes after a failure at pdf with the upload only: no second announcement', async () => {
    const { invoiceId, job } = await newInvoiceWithRequest();
    slack.failNext('uploadFile');
    await expect(drive(announcer(), job)).rejects.toThrow('internal_error');
    expect(job.data).toMatchObject({ step: 'pdf', thread: { channel: FINANCE } });
    expect(seen(invoiceId)).toMatchObject({ announcements: 1, pdfs: 0 });
    await expect(drive(announcer(), job)).resolves.toBe('settled');
    expect(seen(invoiceId)).toEqual({ announcements: 1, pdfs: 1, reconciliations: 1, requesterNotes: 1 });
  });

  it('resumes after a failure at reconcile without a second PDF, and tells the requester once', async () => {
    const { invoiceId, job } = await newInvoiceWithRequest();
    const a = announcer();
    job.data = await stepUntil(a, job.data, 'reconcile');
    // The requester is told, then the reconciliation cannot be posted in the finance channel.
    slack.notMemberOf.add(FINANCE);
    await expect(drive(a, job)).rejects.toThrow('not_in_channel');
    expect(job.data.step).toBe('reconcile');
    expect(seen(invoiceId)).toMatchObject({ pdfs: 1, requesterNotes: 1 });
    slack.notMemberOf.delete(FINANCE);
    await expect(drive(announcer(), job)).resolves.toBe('settled');
    expect(seen(invoiceId)).toEqual({ announcements: 1, pdfs: 1, reconciliations: 1, requesterNotes: 1 });
    expect((await requests.get('PR-INV00001'))?.invoices).toEqual([invoiceId]);
  });

  it('resumes after a failure at settled without repeating anything', async () => {
    const { invoiceId, job } = await newInvoiceWithRequest();
    let failures = 1;
    const flaky: InvoiceLedger = {
      baselineTaken: () => ledger.baselineTaken(),
      takeBaseline: (ids, at) => ledger.takeBaseline(ids, at),
      settled: () => ledger.settled(),
      isSettled: (id) => ledger.isSettled(id),
      settle: (id) => (failures-- > 0 ? Promise.reject(new Error('Redis went away')) : ledger.settle(id)),
      claimRequesterTold: (inv, req, at) => ledger.claimRequesterTold(inv, req, at),
    };
    await expect(drive(announcer({ ledger: flaky }), job)).rejects.toThrow('Redis went away');
    expect(job.data.step).toBe('settled');
    await expect(drive(announcer({ ledger: flaky }), job)).resolves.toBe('settled');
    expect(seen(invoiceId)).toEqual({ announcements: 1, pdfs: 1, reconciliations: 1, requesterNotes: 1 });
    expect(await ledger.isSettled(invoiceId)).toBe(true);
  });

  it('says once in the thread that the PDF needs a user sign-in, reconciles anyway, and attaches the PDF once it can', async () => {
    const appOnly = new PartnerCenterClient({
      baseUrl: sim.url,
      tokens: new MsalTokenProvider({
        tenantId: 'partner-tenant',
        clientId: 'finance-bot',
        clientSecret: 'client-secret-value',
        authorityUrl: sim.authorityUrl,
        dispatcher: agent,
      }),
      retryBaseDelayMs: 1,
      retryMaxDelayMs: 5,
    });
    const { invoiceId, job } = await newInvoiceWithRequest();
    await expect(drive(announcer({ pc: appOnly }), job)).resolves.toBe('waiting');
    expect(job.data).toMatchObject({ step: 'pdf', pdf: 'noted', reconciled: true });
    // Retried quietly: no second note.
    await expect(drive(announcer({ pc: appOnly }), job)).resolves.toBe('waiting');
    const ts = slack.in(FINANCE)[0]!.ts;
    const notes = slack.in(FINANCE, { thread: ts }).filter((m) => m.text.includes('PDF statement'));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toContain('not signed in to Partner Center with a user account');
    expect(notes[0]!.text).not.toContain('PARTNER_CENTER');
    expect(seen(invoiceId)).toEqual({ announcements: 1, pdfs: 0, reconciliations: 1, requesterNotes: 1 });
    expect(await ledger.isSettled(invoiceId)).toBe(false);

    await expect(drive(announcer(), job)).resolves.toBe('settled');
    expect(seen(invoiceId)).toEqual({ announcements: 1, pdfs: 1, reconciliations: 1, requesterNotes: 1 });
  });

  it('lets one worker work on an invoice at a time: a stalled job run again meanwhile posts nothing', async () => {
    const { invoiceId, job } = await newInvoiceWithRequest();
    const [first, second] = await Promise.all([announcer().step(job.data), announcer().step(job.data)]);
    expect([first.kind, second.kind].sort()).toEqual(['busy', 'next']);
    expect(seen(invoiceId).announcements).toBe(1);
  });

  it('enqueues every new invoice even when one cannot be enqueued, and says which', async () => {
    const { poller: p } = poller();
    await p.poll();
    await buy();
    const a = await closeInvoice();
    await buy();
    const b = await closeInvoice();
    const added: string[] = [];
    const { poller: flaky } = poller((work) => {
      if (work.invoice.id === a) return Promise.reject(new Error('Redis went away'));
      added.push(work.invoice.id);
      return Promise.resolve('added');
    });
    await expect(flaky.poll()).resolves.toEqual({ enqueued: [b], failed: [a] });
    expect(added).toEqual([b]);
  });

  it('announces each new invoice once with two BullMQ workers and two pollers, however many polls run', async () => {
    const connections = [
      createRedis(process.env.REDIS_URL!, 'bullmq'),
      createRedis(process.env.REDIS_URL!, 'bullmq'),
    ];
    const producers = new Producers(connections[0]!, keys.prefix, 50);
    const workers = connections.map(
      (connection) =>
        new Worker(QUEUES.invoice, invoiceStepProcessor({ announcer: announcer(), log }), {
          connection,
          prefix: `${keys.prefix}:bull`,
          concurrency: 2,
        }),
    );
    try {
      const pollers = [0, 1].map(
        () =>
          new InvoicePoller({
            reader: new BillingReader(pc, requests),
            ledger,
            enqueue: (work) => producers.enqueueInvoice(work),
            log,
          }),
      );
      await Promise.all(pollers.map((p) => p.poll()));
      const orderA = await buy(1);
      await orderedRequest('PR-INV0000A', orderA);
      const a = await closeInvoice();
      await buy(3);
      const b = await closeInvoice();
      for (let i = 0; i < 3; i++) await Promise.all(pollers.map((p) => p.poll()));

      await waitFor(async () => (await ledger.isSettled(a)) && (await ledger.isSettled(b)));
      for (let i = 0; i < 2; i++) await Promise.all(pollers.map((p) => p.poll()));
      expect(seen(a)).toEqual({ announcements: 1, pdfs: 1, reconciliations: 1, requesterNotes: 1 });
      expect(seen(b)).toMatchObject({ announcements: 1, pdfs: 1, reconciliations: 1 });
      expect(slack.in(FINANCE)).toHaveLength(2);
      expect(await producers.invoice.getJobCounts('waiting', 'active', 'delayed', 'failed')).toEqual({
        waiting: 0,
        active: 0,
        delayed: 0,
        failed: 0,
      });
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await producers.close();
      await Promise.all(connections.map((c) => c.quit()));
    }
  });

  it('announces the other invoices while one cannot be posted, and that one exactly once when Slack takes it again', async () => {
    const connection = createRedis(process.env.REDIS_URL!, 'bullmq');
    const producers = new Producers(connection, keys.prefix, 20);
    const warnings: { msg: string; invoiceId?: string }[] = [];
    const logged = pino({ level: 'warn' }, { write: (l: string) => warnings.push(JSON.parse(l)) });
    const worker = new Worker(QUEUES.invoice, invoiceStepProcessor({ announcer: announcer(), log: logged }), {
      connection,
      prefix: `${keys.prefix}:bull`,
      concurrency: 1,
    });
    const failedRuns: string[] = [];
    worker.on('failed', (job) => failedRuns.push(job?.id ?? ''));
    try {
      const p = new InvoicePoller({
        reader: new BillingReader(pc, requests),
        ledger,
        enqueue: (work) => producers.enqueueInvoice(work),
        log,
      });
      await p.poll();
      await buy(1);
      const a = await closeInvoice();
      await buy(2);
      const b = await closeInvoice();
      await buy(3);
      const c = await closeInvoice();
      // The finance channel refuses b's announcement, and only b's, until healed.
      const poison = slack.failWhere(
        'postMessage',
        (x) => x.channel === FINANCE && String(x.text).includes(`New invoice ${b}`),
      );
      await expect(p.poll()).resolves.toEqual({ enqueued: [a, b, c], failed: [] });

      // b's job retries with backoff until its attempts run out; a and c are announced meanwhile.
      const job = () => producers.invoice.getJob(jobIds.invoice(b));
      await waitFor(async () => (await ledger.isSettled(a)) && (await ledger.isSettled(c)));
      await waitFor(async () => (await job())?.isFailed());
      expect(seen(a)).toMatchObject({ announcements: 1, pdfs: 1 });
      expect(seen(c)).toMatchObject({ announcements: 1, pdfs: 1 });
      expect(seen(b).announcements).toBe(0);
      expect(failedRuns.filter((id) => id === jobIds.invoice(b)).length).toBe(8);
      expect(failedRuns.every((id) => id === jobIds.invoice(b))).toBe(true);
      expect(warnings).toContainEqual(
        expect.objectContaining({ msg: 'invoice step failed; it is retried with backoff', invoiceId: b }),
      );

      // Once Slack takes it, the next poll retries the failed job: b is announced, once.
      poison.heal();
      await expect(p.poll()).resolves.toEqual({ enqueued: [b], failed: [] });
      await waitFor(() => ledger.isSettled(b));
      for (let i = 0; i < 2; i++) await p.poll();
      expect(seen(b)).toMatchObject({ announcements: 1, pdfs: 1 });
      expect(seen(a)).toMatchObject({ announcements: 1, pdfs: 1 });
      expect(seen(c)).toMatchObject({ announcements: 1, pdfs: 1 });
      expect(slack.in(FINANCE)).toHaveLength(3);
    } finally {
      await worker.close();
      await producers.close();
      await connection.quit();
    }
  });

  /** Runs steps until the job's next step is `target`. */
  async function stepUntil(
    a: InvoiceAnnouncer,
    work: InvoiceJob,
    target: InvoiceJob['step'],
  ): Promise<InvoiceJob> {
    let current = work;
    while (current.step !== target) {
      const out = await a.step(current);
      if (out.kind !== 'next') throw new Error(`stopped at ${current.step}: ${out.kind}`);
      current = out.work;
    }
    return current;
  }
});
