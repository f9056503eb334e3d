import { Writable } from 'node:stream';
import { WebClient, LogLevel } from '@slack/web-api';
import { Redis } from 'ioredis';
import { PDFDocument } from 'pdf-lib';
import pino, { type Logger } from 'pino';
import { Agent, request } from 'undici';
import { runInvoiceSteps } from '../../jobs/invoices';
import type { Config } from '../../src/config';
import {
  MsalTokenProvider,
  NoAuthTokenProvider,
  PartnerCenterClient,
  type TokenProvider,
} from '../../src/partner-center';
import type { PurchaseRequest } from '../../src/purchases/model';
import type { PurchaseEvent } from '../../src/purchases/state-machine';
import type { InvoiceJob } from '../../src/queues';
import { AccessService } from '../../src/services/access';
import { BillingReader } from '../../src/services/billing';
import { CatalogService } from '../../src/services/catalog';
import { FinanceCommandService } from '../../src/services/finance';
import { InvoiceAnnouncer, InvoicePoller } from '../../src/services/invoices';
import { Notifier } from '../../src/services/notifier';
import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import { WebClientSlackPort } from '../../src/slack/adapter';
import { RedisCache } from '../../src/store/cache';
import { RedisInvoiceLedger } from '../../src/store/finance';
import { RedisLocks } from '../../src/store/lock';
import { Keys } from '../../src/store/redis';
import { RequestRepository } from '../../src/store/requests';
import { startSlackFake, type FakeMessage, type SlackFake } from '../../fakes/slack';

/**
 * The finance side end to end on real parts: the Partner Center simulator through the real client,
 * the Slack fake through the real WebClient, real Redis. Each test gets its own key prefix and a
 * freshly seeded simulator and Slack.
 *
 * Invoice announcements are BullMQ step jobs in the bot; here a poll runs the poller and then each
 * job it enqueued through the same step loop the job processor uses (jobs/invoices.ts), with the
 * job's data kept as BullMQ keeps it (one job per invoice id, its data saved after each step, a
 * waiting job resumed by the next poll). test/service/invoice-announcements.test.ts runs the same
 * steps on real BullMQ workers.
 */

const FINANCE_CHANNEL = 'C0FINANCE';
const FINANCE_USER = 'U0FINANCE1';
const OUTSIDER = 'U0OUTSIDER';
const REQUESTER = 'U0REQUEST1';
const SOFTWARE = 'DG7GMGF0FKZV:0001:DG7GMGF0DWMT';
const log = pino({ level: 'silent' });

let sim: Simulator;
let fake: SlackFake;
let redis: Redis;
let pc: PartnerCenterClient;
let slack: WebClientSlackPort;
let prefix: string;
let repo: RequestRepository;
let notifier: Notifier;
let counter = 0;
const extraRedis: Redis[] = [];
let agent: Agent;
/** The invoice jobs, as BullMQ would hold them: by job id, with their saved data. */
let jobs: Map<string, InvoiceJob>;
/** Jobs a worker is running: BullMQ gives a job to one worker at a time. */
let active: Set<string>;

const config = (finance: Partial<Config['finance']> = {}): Pick<Config, 'finance' | 'channels'> => ({
  finance: { userIds: [], usergroupId: 'S0FINANCE', ...finance },
  channels: { approvals: 'C0APPROVALS', finance: FINANCE_CHANNEL },
});

interface FinanceUnderTest {
  /** One poll, then every job it holds run as a worker would; rejects naming each invoice whose step failed. */
  pollInvoices(): Promise<{ announced: string[] }>;
  command: FinanceCommandService['command'];
}

function service(
  overrides: {
    pc?: PartnerCenterClient;
    redis?: Redis;
    repo?: RequestRepository;
    config?: Pick<Config, 'finance' | 'channels'>;
    lineItemPageSize?: number;
    invoicePageSize?: number;
    log?: Logger;
  } = {},
): FinanceUnderTest {
  const conn = overrides.redis ?? redis;
  const keys = new Keys(prefix);
  const client = overrides.pc ?? pc;
  const requests = overrides.repo ?? repo;
  const logger = overrides.log ?? log;
  const cfg = overrides.config ?? config();
  const reader = new BillingReader(client, requests, {
    lineItemPageSize: overrides.lineItemPageSize ?? 2000,
    invoicePageSize: overrides.invoicePageSize ?? 100,
  });
  const ledger = new RedisInvoiceLedger(conn, keys);
  const poller = new InvoicePoller({
    reader,
    ledger,
    enqueue: (work) => {
      const id = `invoice-${work.invoice.id}`;
      if (jobs.has(id)) return Promise.resolve('exists' as const);
      jobs.set(id, work);
      return Promise.resolve('added' as const);
    },
    log: logger,
  });
  const announcer = new InvoiceAnnouncer({
    pc: client,
    reader,
    requests,
    ledger,
    locks: new RedisLocks(conn, keys),
    slack,
    notifier,
    settings: { financeChannel: cfg.channels.finance, pdfRetryMs: 3_600_000, lockMs: 30_000 },
    log: logger,
  });
  const access = new AccessService(
    slack,
    {
      teamId: undefined,
      enterpriseId: undefined,
      approvers: { userIds: [], usergroupId: undefined },
      finance: cfg.finance,
      requesterGroupId: undefined,
      decisionGroupCacheMs: 5_000,
      profileCacheMs: 600_000,
    },
    logger,
  );
  const commands = new FinanceCommandService({
    pc: client,
    reader,
    access,
    catalog: new CatalogService(client, new RedisCache(conn, keys, { ttlMs: 60_000 }), {
      shortTtlMs: 60_000,
    }),
    slack,
    financeGroupId: cfg.finance.usergroupId,
    log: logger,
  });

  return {
    command: (verb, args, who) => commands.command(verb, args, who),
    async pollInvoices() {
      await poller.poll();
      const announced: string[] = [];
      const failures: string[] = [];
      for (const id of [...jobs.keys()]) {
        const work = jobs.get(id);
        if (!work || active.has(id)) continue;
        active.add(id);
        try {
          const end = await runInvoiceSteps(announcer, work, {
            save: (w) => {
              if (!jobs.get(id)?.thread && w.thread) announced.push(w.invoice.id);
              jobs.set(id, w);
              return Promise.resolve();
            },
            wait: (w) => {
              jobs.set(id, w);
              return Promise.resolve('waiting');
            },
            later: () => Promise.resolve('busy'),
          });
          if (end === 'settled') jobs.delete(id);
        } catch (err) {
          failures.push(`${work.invoice.id}: ${err instanceof Error ? err.message : String(err)}`);
        } finally {
          active.delete(id);
        }
      }
      if (failures.length > 0) throw new Error(`Invoice steps failed (${failures.join('; ')})`);
      return { announced };
    },
  };
}

/** A logger whose lines the test can read (operator hints go to the log, never to Slack). */
function capturedLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { log: pino({ level: 'warn' }, stream), lines };
}

function client(tokens: TokenProvider = new NoAuthTokenProvider()): PartnerCenterClient {
  return new PartnerCenterClient({ baseUrl: sim.url, tokens, retryBaseDelayMs: 1, retryMaxDelayMs: 5 });
}

/** App-only credentials from the simulator's (TLS) token endpoint, and no refresh token: what a partner gets before setting PARTNER_CENTER_REFRESH_TOKEN. */
function appOnlyClient(): PartnerCenterClient {
  return client(
    new MsalTokenProvider({
      tenantId: 'partner-tenant',
      clientId: 'finance-bot',
      clientSecret: 'client-secret-value',
      authorityUrl: sim.authorityUrl,
      dispatcher: agent,
    }),
  );
}

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    openAuth: true,
    orderListDelayMs: 0,
    registrationDelayMs: 0,
    fulfillmentDelayMs: 0,
  });
  fake = await startSlackFake();
  redis = new Redis(process.env.REDIS_URL!);
  agent = new Agent({ connect: { ca: sim.tlsCaPem } });
  slack = new WebClientSlackPort(
    new WebClient('xoxb-test-token', {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    }),
  );
});

afterAll(async () => {
  await Promise.all([redis.quit(), ...extraRedis.map((r) => r.quit())]);
  await agent.close();
  await sim.close();
  await fake.close();
});

beforeEach(() => {
  sim.reset();
  fake.reset();
  jobs = new Map();
  active = new Set();
  prefix = `${process.env.TEST_KEY_PREFIX}:${++counter}`;
  pc = client();
  repo = new RequestRepository(redis, new Keys(prefix));
  notifier = new Notifier({
    slack,
    requests: repo,
    locks: new RedisLocks(redis, new Keys(prefix)),
    settings: {
      approvalsChannel: 'C0APPROVALS',
      approverIds: [],
      approverGroupId: undefined,
      escalationGroupId: undefined,
    },
    log,
  });
});

// ---------------------------------------------------------------------------------------------------
// Helpers

async function buy(quantity = 1, customerId: string = SEED.customers.open.id): Promise<string> {
  const cart = await pc.createCart(customerId, {
    lineItems: [{ id: 0, catalogItemId: SOFTWARE, quantity, billingCycle: 'one_time', termDuration: 'P1Y' }],
  });
  const result = await pc.checkoutCart(customerId, cart.id);
  const order = result.orders[0];
  if (!order) throw new Error(`checkout made no order: ${JSON.stringify(result.orderErrors)}`);
  return order.id;
}

/** Closes the open billing period: a new one-time invoice of everything bought since the last one. */
async function closeInvoice(): Promise<string> {
  const res = await request(`${sim.url}/_sim/invoices/close`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const body = (await res.body.json()) as { id: string };
  if (res.statusCode !== 201) throw new Error(`close failed: ${res.statusCode} ${JSON.stringify(body)}`);
  return body.id;
}

async function advanceClock(ms: number): Promise<void> {
  const res = await request(`${sim.url}/_sim/clock/advance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ms }),
  });
  await res.body.dump();
}

async function fault(rule: Record<string, unknown>): Promise<void> {
  const res = await request(`${sim.url}/_sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rule),
  });
  await res.body.dump();
}

async function simRequests(): Promise<{ method: string; path: string }[]> {
  const res = await request(`${sim.url}/_sim/requests`);
  return ((await res.body.json()) as { items: { method: string; path: string }[] }).items;
}

/** A request that was approved and ordered `orderId`, with a thread in the requester's DM. */
async function orderedRequest(id: string, orderId: string, quantity = 1): Promise<PurchaseRequest> {
  const now = Date.now();
  const base: PurchaseRequest = {
    id,
    requesterId: REQUESTER,
    createdAt: now,
    expiresAt: now + 3_600_000,
    status: 'pending_approval',
    version: 1,
    requiredApprovals: 1,
    approvals: [],
    slack: {},
    customerId: SEED.customers.open.id,
    customerName: SEED.customers.open.companyName,
    country: 'US',
    kind: 'software_subscription',
    productId: 'DG7GMGF0FKZV',
    productTitle: 'SQL Server Enterprise - 2 Core License Pack',
    skuId: '0001',
    skuTitle: 'SQL Server Enterprise - 2 Core License Pack 1 year',
    availabilityId: 'DG7GMGF0DWMT',
    catalogItemId: SOFTWARE,
    termDuration: 'P1Y',
    billingCycle: 'one_time',
    quantity,
    segment: 'commercial',
    azure: undefined,
    justification: 'Licences for the new cluster',
    price: { known: false, reason: 'not_in_price_sheet' },
  };
  expect(await repo.create(base, REQUESTER)).toBe(true);
  const dm = await slack.openDm(REQUESTER);
  const posted = await slack.postMessage({ channel: dm, text: `Your request ${id}` });
  const events: PurchaseEvent[] = [
    { type: 'slack_refs', refs: { threadChannel: posted.channel, threadTs: posted.ts } },
    { type: 'approve', by: 'U0APPROVE1' },
    { type: 'start_ordering' },
    { type: 'cart_created', scope: 'purchase', cartId: `cart-${id}` },
    { type: 'checkout_sent', scope: 'purchase' },
    { type: 'ordered', orders: [{ id: orderId, status: 'completed', lineItems: [] }] },
  ];
  for (const event of events) {
    const res = await repo.apply(id, event, 'test');
    if (!res.ok) throw new Error(`${event.type}: ${res.code}`);
  }
  const stored = await repo.get(id);
  return stored!;
}

function topLevel(channel: string): FakeMessage[] {
  return fake.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
}

function replies(channel: string, ts: string): FakeMessage[] {
  return fake.thread(channel, ts).filter((m) => m.ts !== ts);
}

function blockText(m: { text: string; blocks?: unknown[] }): string {
  return `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
}

function answerText(a: { text: string; blocks?: unknown[] }): string {
  const parts: string[] = [a.text];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'text' && typeof x === 'string') parts.push(x);
        else visit(x);
      }
    }
  };
  visit(a.blocks ?? []);
  return parts.join('\n');
}

function pdfsIn(channel: string): typeof fake.files {
  return fake.files.filter((f) => f.channel === channel && f.filename.endsWith('.pdf'));
}

/** Enough CSV for these rows: no cell here holds a comma or a quote. */
function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\r\n')
    .map((row) => row.split(','));
}

const who = (userId: string = FINANCE_USER) => ({ userId, channelId: 'C0GENERAL' });

// ---------------------------------------------------------------------------------------------------
// Invoice notifications

describe('invoice notifications', () => {
  it('records the invoices that exist at the first poll as a baseline and announces none of them', async () => {
    const finance = service();
    await expect(finance.pollInvoices()).resolves.toEqual({ announced: [] });
    await expect(finance.pollInvoices()).resolves.toEqual({ announced: [] });
    expect(fake.messages(FINANCE_CHANNEL)).toHaveLength(0);
    expect(fake.files).toHaveLength(0);
  });

  it('takes the baseline once when two workers make the first poll together, and announces only later invoices', async () => {
    const results = await Promise.all([service().pollInvoices(), service().pollInvoices()]);
    expect(results).toEqual([{ announced: [] }, { announced: [] }]);
    expect(fake.messages(FINANCE_CHANNEL)).toHaveLength(0);

    await buy();
    const invoiceId = await closeInvoice();
    await expect(service().pollInvoices()).resolves.toEqual({ announced: [invoiceId] });
    expect(topLevel(FINANCE_CHANNEL)).toHaveLength(1);
    expect(blockText(topLevel(FINANCE_CHANNEL)[0]!)).not.toContain(SEED.invoices.oneTime);
  });

  it('announces a new invoice once in the finance channel with its PDF statement in the thread', async () => {
    const finance = service();
    await finance.pollInvoices();
    await buy(2);
    const invoiceId = await closeInvoice();

    await expect(finance.pollInvoices()).resolves.toEqual({ announced: [invoiceId] });
    await expect(finance.pollInvoices()).resolves.toEqual({ announced: [] });

    const announcements = topLevel(FINANCE_CHANNEL);
    expect(announcements).toHaveLength(1);
    const message = announcements[0]!;
    const invoice = await pc.getInvoice(invoiceId);
    const text = blockText(message);
    expect(text).toContain(invoiceId);
    expect(text).toContain(invoice.invoiceDate!.slice(0, 10));
    expect(text).toContain(
      `${invoice.billingPeriodStartDate!.slice(0, 10)} to ${invoice.billingPeriodEndDate!.slice(0, 10)}`,
    );
    expect(text).toContain(`$${invoice.totalCharges!.toLocaleString('en-US', { minimumFractionDigits: 2 })}`);
    expect(text).toContain('One-time');

    const pdfs = pdfsIn(FINANCE_CHANNEL);
    expect(pdfs).toHaveLength(1);
    expect(pdfs[0]!.filename).toBe(`${invoiceId}.pdf`);
    expect(pdfs[0]!.thread_ts).toBe(message.ts);
    expect(pdfs[0]!.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const doc = await PDFDocument.load(pdfs[0]!.bytes);
    expect(doc.getPageCount()).toBeGreaterThan(0);
  });

  it('announces a new invoice once when two workers poll at the same time, and not again after a restart', async () => {
    await service().pollInvoices();
    await buy();
    const invoiceId = await closeInvoice();

    const other = new Redis(process.env.REDIS_URL!);
    extraRedis.push(other);
    const a = service();
    const b = service({ redis: other, repo: new RequestRepository(other, new Keys(prefix)) });
    const results = await Promise.all([a.pollInvoices(), b.pollInvoices(), a.pollInvoices()]);
    expect(results.flatMap((r) => r.announced)).toEqual([invoiceId]);

    const restarted = service();
    await expect(restarted.pollInvoices()).resolves.toEqual({ announced: [] });

    expect(topLevel(FINANCE_CHANNEL)).toHaveLength(1);
    expect(pdfsIn(FINANCE_CHANNEL)).toHaveLength(1);
    const ts = topLevel(FINANCE_CHANNEL)[0]!.ts;
    // One reconciliation, one PDF: nothing else in the thread.
    expect(replies(FINANCE_CHANNEL, ts).filter((m) => !m.files)).toHaveLength(1);
  });

  it('resumes with the PDF upload, without a second announcement, after a failure between posting the announcement and uploading', async () => {
    const finance = service();
    await finance.pollInvoices();
    await buy();
    const invoiceId = await closeInvoice();

    fake.failNext('files.getUploadURLExternal', { error: 'internal_error' });
    await expect(finance.pollInvoices()).rejects.toThrow(invoiceId);
    expect(topLevel(FINANCE_CHANNEL)).toHaveLength(1);
    expect(pdfsIn(FINANCE_CHANNEL)).toHaveLength(0);
    const ts = topLevel(FINANCE_CHANNEL)[0]!.ts;
    // The steps run in order: the reconciliation waits for the PDF step.
    expect(replies(FINANCE_CHANNEL, ts)).toHaveLength(0);
    const postsBefore = fake.callsTo('chat.postMessage').length;

    const restarted = service();
    await expect(restarted.pollInvoices()).resolves.toEqual({ announced: [] });

    expect(topLevel(FINANCE_CHANNEL)).toHaveLength(1);
    // One more post: the reconciliation, into the same thread; no second announcement.
    expect(fake.callsTo('chat.postMessage')).toHaveLength(postsBefore + 1);
    const pdfs = pdfsIn(FINANCE_CHANNEL);
    expect(pdfs).toHaveLength(1);
    expect(pdfs[0]!.thread_ts).toBe(ts);
    expect(pdfs[0]!.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const thread = replies(FINANCE_CHANNEL, ts).filter((m) => !m.files);
    expect(thread).toHaveLength(1);
    expect(thread[0]!.text).toContain('one-time charges');

    await expect(restarted.pollInvoices()).resolves.toEqual({ announced: [] });
    expect(fake.files).toHaveLength(1);
    expect(replies(FINANCE_CHANNEL, ts).filter((m) => !m.files)).toHaveLength(1);
  });

  it('matches one-time charges to the approved requests that ordered them and lists the charges nothing explains', async () => {
    const finance = service({ lineItemPageSize: 2 });
    await finance.pollInvoices();
    const explainedOrder = await buy(3);
    const strayOrder = await buy(1);
    await orderedRequest('REQ-A1', explainedOrder, 3);
    const invoiceId = await closeInvoice();
    const simLines = sim.state.invoices.get(invoiceId)!.oneTimeLines;
    expect(simLines.length).toBeGreaterThan(2); // several pages at size 2

    await finance.pollInvoices();

    const request = await repo.get('REQ-A1');
    expect(request?.invoices).toEqual([invoiceId]);
    const thread = fake.thread(request!.slack.threadChannel!, request!.slack.threadTs!);
    const notes = thread.filter((m) => m.text.includes(invoiceId));
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toContain('REQ-A1');

    const ts = topLevel(FINANCE_CHANNEL)[0]!.ts;
    const reconciliation = replies(FINANCE_CHANNEL, ts).find((m) => !m.files)!;
    const text = blockText(reconciliation);
    const unexplained = simLines.filter((l) => l.orderId !== explainedOrder);
    expect(text).toContain(`${unexplained.length} of ${simLines.length} one-time charges`);
    for (const line of unexplained) expect(text).toContain(line.orderId);
    expect(text).toContain(SEED.orders.cancellable); // bought before the bot knew: not explained
    expect(text).toContain(strayOrder);
    expect(text).toContain('REQ-A1');
    const [unexplainedPart] = text.split('Explained by approved requests');
    expect(unexplainedPart).not.toContain(explainedOrder);

    // Polling again neither repeats the note nor records the invoice twice.
    await service().pollInvoices();
    expect(
      fake
        .thread(request!.slack.threadChannel!, request!.slack.threadTs!)
        .filter((m) => m.text.includes(invoiceId)),
    ).toHaveLength(1);
    expect((await repo.get('REQ-A1'))?.invoices).toEqual([invoiceId]);
  });

  it('says every one-time charge is explained when approved requests account for all of them', async () => {
    const finance = service();
    await finance.pollInvoices();
    const order = await buy(1);
    await orderedRequest('REQ-B1', order);
    // The seeded order still open in this billing period was bought through the bot too.
    await orderedRequest('REQ-B2', SEED.orders.cancellable);
    const invoiceId = await closeInvoice();

    await finance.pollInvoices();

    const ts = topLevel(FINANCE_CHANNEL)[0]!.ts;
    const reconciliation = replies(FINANCE_CHANNEL, ts).find((m) => !m.files)!;
    const count = sim.state.invoices.get(invoiceId)!.oneTimeLines.length;
    expect(reconciliation.text).toContain(`all ${count} one-time charges are explained`);
    expect((await repo.get('REQ-B1'))?.invoices).toEqual([invoiceId]);
    expect((await repo.get('REQ-B2'))?.invoices).toEqual([invoiceId]);
  });

  it('announces the invoice and reconciles it without App+User credentials, says once in words that the PDF needs a user sign-in, and logs the setting for the operator', async () => {
    const captured = capturedLog();
    const finance = service({ pc: appOnlyClient(), log: captured.log });
    await finance.pollInvoices();
    await buy();
    const invoiceId = await closeInvoice();

    await expect(finance.pollInvoices()).resolves.toEqual({ announced: [invoiceId] });
    await expect(finance.pollInvoices()).resolves.toEqual({ announced: [] });

    expect(topLevel(FINANCE_CHANNEL)).toHaveLength(1);
    const ts = topLevel(FINANCE_CHANNEL)[0]!.ts;
    const thread = replies(FINANCE_CHANNEL, ts);
    const notes = thread.filter((m) =>
      m.text.includes('not signed in to Partner Center with a user account'),
    );
    expect(notes).toHaveLength(1);
    expect(notes[0]!.text).toContain("ask the bot's operator");
    expect(thread.map((m) => m.text).join('\n')).not.toMatch(/PARTNER_CENTER|App\+User/);
    expect(captured.lines.join('')).toContain('PARTNER_CENTER_REFRESH_TOKEN');
    expect(thread.filter((m) => m.text.includes('one-time charges'))).toHaveLength(1);
    expect(fake.files).toHaveLength(0);

    // Once the credentials are there, the PDF follows into the same thread.
    await expect(service().pollInvoices()).resolves.toEqual({ announced: [] });
    expect(pdfsIn(FINANCE_CHANNEL).map((f) => f.thread_ts)).toEqual([ts]);
    expect(topLevel(FINANCE_CHANNEL)).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------------
// Commands

describe('finance commands', () => {
  it('refuses every finance command to someone outside the finance team', async () => {
    const finance = service();
    for (const verb of ['balance', 'invoices', 'invoice', 'orders', 'entitlements']) {
      const answer = await finance.command(verb, ['G000024135'], who(OUTSIDER));
      expect(answer.text).toContain('only for the finance team');
      expect(answer.blocks).toBeUndefined();
    }
    expect(fake.files).toHaveLength(0);
  });

  it('lets in people listed by id as well as members of the finance user group', async () => {
    const byId = service({ config: config({ userIds: [OUTSIDER], usergroupId: undefined }) });
    expect((await byId.command('balance', [], who(OUTSIDER))).text).toContain('Account balance');
    expect((await byId.command('balance', [], who(FINANCE_USER))).text).toContain(
      'only for the finance team',
    );
    const byGroup = service();
    expect((await byGroup.command('balance', [], who(FINANCE_USER))).text).toContain('Account balance');
  });

  it('answers balance with the account balance and a summary per currency', async () => {
    const answer = await service().command('balance', [], who());
    const balance = await pc.getBalance();
    const summaries = await pc.listInvoiceSummaries();
    const text = answerText(answer);
    expect(text).toContain(`$${balance.balanceAmount.toLocaleString('en-US', { minimumFractionDigits: 2 })}`);
    expect(text).toContain(`Invoice summaries by currency* (${summaries.items.length})`);
    for (const s of summaries.items) expect(text).toContain(`*${s.currencyCode}*`);
  });

  it('answers balance without the App+User summaries, saying a user sign-in is missing and logging the setting', async () => {
    const captured = capturedLog();
    const answer = await service({ pc: appOnlyClient(), log: captured.log }).command('balance', [], who());
    const text = answerText(answer);
    expect(text).toContain('Account balance');
    expect(text).toContain('not signed in to Partner Center with a user account');
    expect(text).not.toContain('PARTNER_CENTER');
    expect(captured.lines.join('')).toContain('PARTNER_CENTER_REFRESH_TOKEN');
  });

  it('pages invoices ten at a time, newest first, and says how to get the next page', async () => {
    for (let i = 0; i < 12; i++) {
      await advanceClock(86_400_000);
      await buy();
      await closeInvoice();
    }
    const all = [...sim.state.invoices.values()]
      .sort((a, b) => b.invoiceDate - a.invoiceDate)
      .map((i) => i.id);
    expect(all).toHaveLength(15);
    const finance = service({ invoicePageSize: 4 });

    const first = await finance.command('invoices', [], who());
    const firstText = answerText(first);
    expect(firstText).toContain('page 1 of 2');
    expect(firstText).toContain('/purchase invoices 2');
    for (const id of all.slice(0, 10)) expect(firstText).toContain(id);
    for (const id of all.slice(10)) expect(firstText).not.toContain(id);
    expect(firstText.indexOf(all[0]!)).toBeLessThan(firstText.indexOf(all[9]!));

    const second = answerText(await finance.command('invoices', ['2'], who()));
    expect(second).toContain('page 2 of 2');
    expect(second).not.toContain('/purchase invoices 3');
    for (const id of all.slice(10)) expect(second).toContain(id);

    expect((await finance.command('invoices', ['3'], who())).text).toContain('only 2 pages');
    expect((await finance.command('invoices', ['next'], who())).text).toContain(
      'Usage: `/purchase invoices [page]`',
    );
  });

  it('answers invoice with its summary, the PDF and every one-time line item as a CSV in a DM, following continuation tokens', async () => {
    const finance = service({ lineItemPageSize: 3 });
    const order = await buy();
    await orderedRequest('REQ-C1', order);
    for (let i = 0; i < 9; i++) await buy();
    const invoiceId = await closeInvoice();
    const simLines = sim.state.invoices.get(invoiceId)!.oneTimeLines;
    expect(simLines).toHaveLength(12);

    const answer = await finance.command('invoice', [invoiceId.toLowerCase()], who());
    const text = answerText(answer);
    expect(text).toContain(`Invoice ${invoiceId}`);
    expect(text).toContain('12 in all, 1 explained by approved requests, 11 not');
    expect(text).toContain('The first 10');
    expect(text).toContain('REQ-C1');

    const dm = fake.dmChannelId(FINANCE_USER);
    const pdf = fake.files.find((f) => f.channel === dm && f.filename === `${invoiceId}.pdf`);
    expect(pdf?.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const csvFile = fake.files.find((f) => f.channel === dm && f.filename.endsWith('.csv'));
    const rows = parseCsv(csvFile!.bytes.toString('utf8'));
    expect(rows).toHaveLength(1 + simLines.length);
    expect(
      rows
        .slice(1)
        .map((r) => r[1])
        .sort(),
    ).toEqual(simLines.map((l) => l.orderId).sort());
    const requestColumn = rows[0]!.indexOf('approvedRequest');
    expect(rows.filter((r) => r[requestColumn] === 'REQ-C1').map((r) => r[1])).toEqual([order]);

    // 12 lines at 3 a page: a first page and three more by continuation token.
    const pages = (await simRequests()).filter(
      (r) => r.method === 'GET' && r.path.includes(`/invoices/${invoiceId}/lineitems`),
    );
    expect(pages).toHaveLength(4);
    expect(pages.filter((r) => r.path.includes('seekOperation=Next'))).toHaveLength(3);
  });

  it('walks the seeded invoice line items across pages to the count the simulator has', async () => {
    const answer = await service({ lineItemPageSize: 1 }).command('invoice', [SEED.invoices.oneTime], who());
    const count = sim.state.invoices.get(SEED.invoices.oneTime)!.oneTimeLines.length;
    expect(answerText(answer)).toContain(`${count} in all`);
    const csvFile = fake.files.find((f) => f.filename === `${SEED.invoices.oneTime}-one-time-line-items.csv`);
    expect(parseCsv(csvFile!.bytes.toString('utf8')).length - 1).toBe(count);
  });

  it('answers invoice for a recurring invoice without looking for one-time line items', async () => {
    const answer = await service().command('invoice', [SEED.invoices.recurring], who());
    const text = answerText(answer);
    expect(text).toContain(`Invoice ${SEED.invoices.recurring}`);
    expect(text).toContain('no one-time charges');
    expect(fake.files.map((f) => f.filename)).toEqual([`${SEED.invoices.recurring}.pdf`]);
  });

  it('says there is no such invoice for an unknown id', async () => {
    const finance = service();
    expect((await finance.command('invoice', ['G999999999'], who())).text).toContain(
      'There is no invoice `G999999999`',
    );
    expect((await finance.command('invoice', ['../../customers'], who())).text).toContain(
      'There is no invoice',
    );
    expect((await finance.command('invoice', [], who())).text).toContain(
      'Usage: `/purchase invoice <invoice id>`',
    );
    expect(fake.files).toHaveLength(0);
  });

  it('says invoice needs a user sign-in the bot lacks, and names the setting only in the log', async () => {
    const captured = capturedLog();
    const answer = await service({ pc: appOnlyClient(), log: captured.log }).command(
      'invoice',
      [SEED.invoices.oneTime],
      who(),
    );
    expect(answer.text).toContain(
      "the bot is not signed in to Partner Center with a user account, which Microsoft requires for invoices; ask the bot's operator",
    );
    expect(answer.text).not.toMatch(/PARTNER_CENTER|App\+User/);
    expect(captured.lines.join('')).toContain('PARTNER_CENTER_REFRESH_TOKEN');
  });

  it('passes on what Partner Center said, and to try again, when it fails', async () => {
    // No leading slash: the simulator reads `/v1/invoices/summary` as the regex /v1\/invoices/ with flags "summary".
    await fault({ method: 'GET', path: 'v1/invoices/summary', status: 503, count: 10 });
    const answer = await service().command('balance', [], who());
    expect(answer.text).toContain('Partner Center could not answer');
    expect(answer.text).toContain('The service is temporarily unavailable');
    expect(answer.text).toContain('try again');
  });

  it('lists the orders of a customer named by id or by the start of its name, optionally by billing type', async () => {
    const finance = service();
    const order = await buy(2);

    const byId = answerText(await finance.command('orders', [SEED.customers.open.id], who()));
    expect(byId).toContain(`Orders of ${SEED.customers.open.companyName}`);
    expect(byId).toContain(order);
    expect(byId).toContain(SEED.orders.reservation);

    const byName = answerText(await finance.command('orders', ['contoso', 'ltd', 'OneTime'], who()));
    expect(byName).toContain(`Orders of ${SEED.customers.open.companyName} (one-time)`);
    expect(byName).toContain(order);

    const byPrefix = answerText(await finance.command('orders', ['Northwind'], who()));
    expect(byPrefix).toContain(SEED.customers.northwind.companyName);

    const ambiguous = await finance.command('orders', ['Contoso'], who());
    expect(ambiguous.text).toContain(SEED.customers.open.id);
    expect(ambiguous.text).toContain(SEED.customers.contosoPharma.id);
  });

  it('says there is no such customer for an unknown name or id', async () => {
    const finance = service();
    expect((await finance.command('orders', ['Wingtip'], who())).text).toContain(
      'There is no customer whose name starts with “Wingtip”',
    );
    const unknownId = '00000000-0000-4000-8000-000000000000';
    expect((await finance.command('orders', [unknownId], who())).text).toContain(
      `There is no customer \`${unknownId}\``,
    );
    expect((await finance.command('entitlements', ['Wingtip'], who())).text).toContain(
      'There is no customer',
    );
    expect((await finance.command('orders', [], who())).text).toContain('Usage');
  });

  it('attaches every order as a CSV when there are more than fit in the answer', async () => {
    for (let i = 0; i < 21; i++) await buy();
    const answer = await service().command('orders', [SEED.customers.open.id], who());
    const text = answerText(answer);
    expect(text).toContain('the 20 newest are shown');
    expect(text).toContain('CSV');
    const csvFile = fake.files.find((f) => f.filename.startsWith('orders-'));
    const rows = parseCsv(csvFile!.bytes.toString('utf8'));
    const orders = (await pc.listOrders(SEED.customers.open.id)).items;
    expect(new Set(rows.slice(1).map((r) => r[0]))).toEqual(new Set(orders.map((o) => o.id)));
  });

  it('lists entitlements with the details of each reservation', async () => {
    const answer = await service().command('entitlements', ['Contoso Ltd'], who());
    const text = answerText(answer);
    const entitlements = (await pc.listEntitlements(SEED.customers.open.id)).items;
    const reservation = entitlements.find((e) => e.entitlementType === 'reserved_instance')!;
    const artifact = reservation.entitledArtifacts![0]!;
    const details = await pc.getReservationDetails(artifact.link!);
    expect(text).toContain(`Entitlements of ${SEED.customers.open.companyName}`);
    expect(text).toContain(`reservation order \`${artifact.resourceId}\``);
    expect(text).toContain(`quantity ${details.reservations[0]!.quantity}`);
    for (const e of entitlements) expect(text).toContain(e.referenceOrder.id);
  });

  it('says entitlements need a user sign-in the bot lacks, without naming a setting', async () => {
    const answer = await service({ pc: appOnlyClient() }).command(
      'entitlements',
      [SEED.customers.open.id],
      who(),
    );
    expect(answer.text).toContain('which Microsoft requires for entitlements');
    expect(answer.text).not.toContain('PARTNER_CENTER');
  });
});
