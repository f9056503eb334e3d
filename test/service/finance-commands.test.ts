import pino from 'pino';
import { NoAuthTokenProvider, PartnerCenterClient } from '../../src/partner-center';
import { reservationTerm } from '../../src/purchases/billing';
import type { PurchaseEvent } from '../../src/purchases/state-machine';
import { AccessService } from '../../src/services/access';
import { AuditService } from '../../src/services/audit';
import { BillingReader } from '../../src/services/billing';
import { CatalogService } from '../../src/services/catalog';
import { CommandService } from '../../src/services/commands';
import { ApprovalService } from '../../src/services/approvals';
import { FinanceCommandService } from '../../src/services/finance';
import { Notifier } from '../../src/services/notifier';
import { RedisCache } from '../../src/store/cache';
import { RedisLocks } from '../../src/store/lock';
import { Keys } from '../../src/store/redis';
import { RequestRepository } from '../../src/store/requests';
import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import { sampleRequest } from '../../harness/requests';
import { RecordingSlack } from '../support/recording-slack';
import { testRedis } from '../support/redis';

/**
 * The finance commands apart from the announcements, and `/purchase audit`, on the services
 * themselves: real Redis, the simulator through the real client, the recording Slack port, and the
 * command router the listener calls.
 */
describe('finance commands and the audit report (service)', () => {
  const { redis, prefix } = testRedis();
  const log = pino({ level: 'silent' });
  const FINANCE_USER = 'U0FINANCE1';
  const APPROVER = 'U0APPROVE1';
  const REQUESTER = 'U0REQUEST1';
  let sim: Simulator;
  let pc: PartnerCenterClient;
  let slack: RecordingSlack;
  let keys: Keys;
  let requests: RequestRepository;
  let commands: CommandService;
  let clock: number;
  let n = 0;

  beforeAll(async () => {
    sim = await startSimulator({ port: 0, openAuth: true, orderListDelayMs: 0, fulfillmentDelayMs: 0 });
  });

  afterAll(async () => {
    await redis.quit();
    await sim.close();
  });

  beforeEach(() => {
    sim.reset();
    keys = new Keys(`${prefix}:${++n}`);
    clock = Date.UTC(2026, 2, 31, 12);
    pc = new PartnerCenterClient({
      baseUrl: sim.url,
      tokens: new NoAuthTokenProvider(),
      retryBaseDelayMs: 1,
    });
    slack = new RecordingSlack();
    slack.groups.set('S0FINANCE', [FINANCE_USER]);
    slack.groups.set('S0APPROVERS', ['U0APPROVE2']);
    requests = new RequestRepository(redis, keys, () => clock);
    const access = new AccessService(
      slack,
      {
        teamId: undefined,
        enterpriseId: undefined,
        approvers: { userIds: [APPROVER], usergroupId: 'S0APPROVERS' },
        finance: { userIds: [], usergroupId: 'S0FINANCE' },
        requesterGroupId: undefined,
        decisionGroupCacheMs: 5_000,
        profileCacheMs: 600_000,
      },
      log,
    );
    const locks = new RedisLocks(redis, keys);
    const notifier = new Notifier({
      slack,
      requests,
      locks,
      settings: {
        approvalsChannel: 'C0APPROVALS',
        approverIds: [APPROVER],
        approverGroupId: 'S0APPROVERS',
        escalationGroupId: undefined,
      },
      log,
    });
    const finance = new FinanceCommandService({
      pc,
      reader: new BillingReader(pc, requests),
      access,
      catalog: new CatalogService(pc, new RedisCache(redis, keys, { ttlMs: 60_000 }), { shortTtlMs: 60_000 }),
      slack,
      financeGroupId: 'S0FINANCE',
      log,
    });
    commands = new CommandService({
      requests,
      access,
      approvals: new ApprovalService({
        requests,
        access,
        notifier,
        enqueuePurchase: () => Promise.resolve(),
      }),
      finance,
      audit: new AuditService({ requests, access, slack, log, now: () => clock }),
    });
  });

  const who = (userId: string) => ({ userId, channelId: 'C0GENERAL' });

  function answerText(a: { text: string; blocks?: unknown[] | undefined }): string {
    const parts = [a.text];
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (k === 'text' && typeof x === 'string') parts.push(x);
          else visit(x);
        }
    };
    visit(a.blocks ?? []);
    return parts.join('\n');
  }

  describe('entitlements', () => {
    it("names each product and SKU from the catalog and shows each reservation's order, scope, quantity, term and expiry", async () => {
      const answer = answerText(
        await commands.run('entitlements', [SEED.customers.open.id], who(FINANCE_USER)),
      );
      const entitlements = (await pc.listEntitlements(SEED.customers.open.id)).items;
      const reservations = entitlements.filter((e) => e.entitlementType === 'reserved_instance');
      expect(reservations.length).toBeGreaterThanOrEqual(2);
      const terms = new Set<string>();
      for (const e of entitlements) {
        const product = await pc.getProduct(e.productId, 'US');
        const sku = await pc.getSku(e.productId, e.skuId, 'US');
        expect(answer).toContain(product.title);
        expect(answer).toContain(sku.title);
        expect(answer).not.toContain(`${e.productId}:${e.skuId}`);
      }
      for (const e of reservations) {
        const artifact = e.entitledArtifacts![0]!;
        const details = (await pc.getReservationDetails(artifact.link!)).reservations[0]!;
        const term = reservationTerm(details)!;
        terms.add(term);
        const line = answer
          .split('\n')
          .find((l) => l.includes(`reservation order \`${artifact.resourceId}\``));
        expect(line).toBeDefined();
        expect(line).toContain(`${details.scopeType} scope`);
        expect(line).toContain(`quantity ${details.quantity}`);
        expect(line).toContain(`term ${term === 'P3Y' ? '3 years' : '1 year'}`);
        expect(line).toContain(`expires ${details.expiryDateTime!.slice(0, 10)}`);
      }
      // The seed holds a one-year and a three-year reservation.
      expect([...terms].sort()).toEqual(['P1Y', 'P3Y']);
    });
  });

  describe('/purchase audit', () => {
    /** Requests made at `at`: one confirmed (approved, ordered, invoiced), one rejected, one pending. */
    async function history(at: number): Promise<string[]> {
      clock = at;
      const ids = [
        `PR-AUD${String(++n).padStart(5, '0')}`,
        `PR-AUD${String(++n).padStart(5, '0')}`,
        `PR-AUD${String(++n).padStart(5, '0')}`,
      ];
      const [done, rejected] = ids as [string, string, string];
      for (const id of ids) {
        const r = sampleRequest({ id, requesterId: REQUESTER, createdAt: at, expiresAt: at + 3_600_000 });
        await requests.create(r, REQUESTER);
      }
      const events: PurchaseEvent[] = [
        { type: 'approve', by: APPROVER },
        { type: 'start_ordering' },
        { type: 'cart_created', scope: 'purchase', cartId: 'cart-1' },
        { type: 'checkout_sent', scope: 'purchase' },
        { type: 'ordered', orders: [{ id: `order-${done}`, status: 'completed', lineItems: [] }] },
        { type: 'confirm' },
        { type: 'invoiced', invoiceId: 'G000099999' },
      ];
      for (const e of events) {
        clock += 60_000;
        const res = await requests.apply(done, e, e.type === 'approve' ? APPROVER : 'pipeline');
        if (!res.ok) throw new Error(`${e.type}: ${res.code}`);
      }
      clock += 60_000;
      const res = await requests.apply(
        rejected,
        { type: 'reject', by: 'U0APPROVE2', reason: 'Not needed' },
        'U0APPROVE2',
      );
      if (!res.ok) throw new Error(res.code);
      return ids;
    }

    function csvOf(userId: string): string[][] {
      const upload = slack.uploads.find(
        (u) => u.channel === slack.dmOf(userId) && u.filename.endsWith('.csv'),
      );
      if (!upload) throw new Error('no CSV in the DM');
      return parseCsv(upload.bytes.toString('utf8'));
    }

    it('sends an approver the CSV of the last 30 days with decisions, approvers, orders, invoices, state and totals', async () => {
      const old = await history(Date.UTC(2026, 0, 10, 9));
      const recent = await history(Date.UTC(2026, 2, 20, 9));
      clock = Date.UTC(2026, 2, 31, 12);

      const answer = await commands.run('audit', [], who(APPROVER));
      expect(answer.text).toContain('2026-03-02 to 2026-03-31');
      expect(answer.text).toContain('3 requests');
      expect(answer.text).toContain('direct message');

      const rows = csvOf(APPROVER);
      const header = rows[0]!;
      const col = (name: string) => header.indexOf(name);
      const byId = new Map(rows.slice(1).map((r) => [r[0], r]));
      for (const id of old) expect(byId.has(id)).toBe(false);
      const [done, rejected, pending] = recent as [string, string, string];
      const d = byId.get(done)!;
      expect(d[col('state')]).toBe('confirmed');
      expect(d[col('approvedBy')]).toBe(APPROVER);
      expect(d[col('approvedAt')]).toBe(new Date(Date.UTC(2026, 2, 20, 9, 1)).toISOString());
      expect(d[col('orders')]).toBe(`order-${done}`);
      expect(d[col('invoices')]).toBe('G000099999');
      expect(d[col('total')]).toBe('1400');
      expect(d[col('history')]).toContain(`approve by ${APPROVER}`);
      const r = byId.get(rejected)!;
      expect(r[col('state')]).toBe('rejected');
      expect(r[col('rejectedBy')]).toBe('U0APPROVE2');
      expect(r[col('rejectionReason')]).toBe('Not needed');
      expect(byId.get(pending)![col('state')]).toBe('pending_approval');
      const totals = rows.filter((x) => x[0]!.startsWith('Total'));
      expect(totals.map((x) => [x[0], x[col('total')], x[col('currency')]])).toEqual([
        ['Total requested', '4200', 'USD'],
        ['Total ordered', '1400', 'USD'],
      ]);
    });

    it('takes a period as from and to dates, both days included', async () => {
      const old = await history(Date.UTC(2026, 0, 10, 23, 59));
      await history(Date.UTC(2026, 0, 11, 0, 0));
      clock = Date.UTC(2026, 2, 31, 12);
      const answer = await commands.run('audit', ['2026-01-01', '2026-01-10'], who(FINANCE_USER));
      expect(answer.text).toContain('2026-01-01 to 2026-01-10');
      const ids = csvOf(FINANCE_USER)
        .slice(1)
        .map((r) => r[0])
        .filter((id) => id?.startsWith('PR-'));
      expect(ids).toEqual(old);
    });

    it('refuses requesters and anyone else clearly, and sends them nothing', async () => {
      await history(Date.UTC(2026, 2, 20));
      clock = Date.UTC(2026, 2, 31, 12);
      for (const user of [REQUESTER, 'U0OUTSIDER']) {
        const answer = await commands.run('audit', [], who(user));
        expect(answer.text).toContain('only for approvers and the finance team');
      }
      expect(slack.uploads).toHaveLength(0);
    });

    it('lets members of the approver group in, and says how to write a date that it cannot read', async () => {
      const answer = await commands.run('audit', ['March'], who('U0APPROVE2'));
      expect(answer.text).toContain('“March” is not a date');
      expect(answer.text).toContain('YYYY-MM-DD');
      expect((await commands.run('audit', ['2026-03-02', '2026-03-01'], who(APPROVER))).text).toContain(
        'must not be after',
      );
      expect(slack.uploads).toHaveLength(0);
    });
  });
});

/** RFC 4180: quoted cells may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}
