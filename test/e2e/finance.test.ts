import { SEED } from '../../fakes/partner-center';
import { requestPurchase, SOFTWARE } from '../../harness/flows';
import { waitFor } from '../../harness/processes';
import { startWorld, type World } from '../../harness/world';
import { NoAuthTokenProvider, PartnerCenterClient } from '../../src/partner-center';

/**
 * The finance journeys in the running bot, through signed HTTP: `/purchase audit` from an
 * approver's slash command to the CSV in their DM, and the alarm about an order nobody approved.
 */
describe('audit report and orders nobody approved', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ env: { ORDER_RECONCILIATION_INTERVAL_MS: '500' } });
  });
  afterAll(async () => {
    await w.close();
  });

  function cardOf(id: string) {
    const card = w.slack.messages('C0APPROVALS').find((m) => !m.thread_ts && m.text.includes(id));
    if (!card) throw new Error(`no card for ${id}`);
    return card;
  }

  async function approve(id: string): Promise<void> {
    await w.inbound.action({
      action_id: 'approve_request',
      message: cardOf(id),
      channel_id: 'C0APPROVALS',
      user: 'U0APPROVE1',
      value: id,
    });
  }

  async function command(text: string, user: string): Promise<string> {
    const url = w.slack.responseUrl({ channel: 'C0GENERAL', user });
    const res = await w.inbound.command({ text, user_id: user, channel_id: 'C0GENERAL', response_url: url });
    expect(res.status).toBe(200);
    const answer = (await waitFor(() => w.slack.responses(url)[0], 15_000)) as {
      text: string;
      response_type: string;
    };
    expect(answer.response_type).toBe('ephemeral');
    return answer.text;
  }

  /** A one-time order placed straight in Partner Center (the portal, another tool), not through the bot. */
  async function buyInPortal(): Promise<string> {
    const pc = new PartnerCenterClient({ baseUrl: w.sim.url, tokens: new NoAuthTokenProvider() });
    const customer = SEED.customers.open.id;
    const cart = await pc.createCart(customer, {
      lineItems: [
        {
          id: 0,
          catalogItemId: 'DG7GMGF0FKZV:0001:DG7GMGF0DWMT',
          quantity: 7,
          billingCycle: 'one_time',
          termDuration: 'P1Y',
          friendlyName: 'Bought in the portal',
        },
      ],
    });
    const order = (await pc.checkoutCart(customer, cart.id)).orders[0];
    if (!order) throw new Error('checkout made no order');
    return order.id;
  }

  const alarms = () =>
    w.slack.messages('C0APPROVALS').filter((m) => !m.thread_ts && m.text.includes('not approved through'));

  it('raises an order bought outside the bot once in the approvals channel, never the bot’s own, and counts it', async () => {
    const prefix = w.bot.config.redis.keyPrefix;
    // The first run records the seeded orders as the baseline.
    await waitFor(async () => (await w.bot.redis.exists(`${prefix}:once:orders-baseline:one-time`)) === 1);

    const id = await requestPurchase(w, SOFTWARE);
    await approve(id);
    await waitFor(
      async () => ((await w.bot.repo.get(id))?.status === 'confirmed' ? true : undefined),
      20_000,
    );
    const portal = await buyInPortal();

    const alarm = await waitFor(() => alarms().find((m) => m.text.includes(portal)), 15_000);
    expect(alarm.text).toContain(SEED.customers.open.companyName);
    expect(alarm.text).toContain('7 × Bought in the portal');
    // Several more runs: still one alarm, and none for the bot's own order or the seeded history.
    await new Promise((r) => setTimeout(r, 2500));
    expect(alarms()).toHaveLength(1);
    const metrics = await (await fetch(`${w.bot.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^pcbot_orphan_orders_total 1$/m);
  }, 60_000);

  it('sends an approver the audit CSV in a DM through /purchase audit, and refuses a requester', async () => {
    const bought = await requestPurchase(w, SOFTWARE);
    await approve(bought);
    const done = await waitFor(async () => {
      const r = await w.bot.repo.get(bought);
      return r?.status === 'confirmed' ? r : undefined;
    }, 20_000);
    const waiting = await requestPurchase(w, {
      ...SOFTWARE,
      justification: '=cmd|" /C calc"!A0 for the cluster',
    });

    const refusal = await command('audit', 'U0REQUEST1');
    expect(refusal).toContain('only for approvers and the finance team');

    const answer = await command('audit', 'U0APPROVE1');
    expect(answer).toMatch(/Purchase audit, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/);
    const dm = w.slack.dmChannelId('U0APPROVE1');
    const file = await waitFor(() =>
      w.slack.files.find((f) => f.channel === dm && f.filename.startsWith('purchase-audit-')),
    );
    const csv = file.bytes.toString('utf8');
    const header = csv.split('\r\n')[0]!.split(',');
    expect(header).toEqual(
      expect.arrayContaining([
        'requestId',
        'approvedBy',
        'rejectedBy',
        'orders',
        'invoices',
        'state',
        'total',
      ]),
    );
    const rows = csv.split('\r\n');
    const row = (id: string) => rows.find((r) => r.startsWith(`${id},`)) ?? '';
    expect(row(bought)).toContain('U0APPROVE1');
    expect(row(bought)).toContain(done.status === 'confirmed' ? done.orders[0]!.id : 'no order');
    expect(row(bought)).toContain(',confirmed,');
    expect(row(waiting)).toContain(',pending_approval,');
    // The justification a spreadsheet would run arrives as text.
    expect(row(waiting)).toContain(`"'=cmd|"" /C calc""!A0 for the cluster"`);
    expect(w.slack.files.filter((f) => f.channel === w.slack.dmChannelId('U0REQUEST1'))).toHaveLength(0);
  }, 60_000);
});
