import { SEED } from '../../fakes/partner-center';
import { authorityAgent } from '../../fakes/partner-center/testkit';
import type { FakeMessage } from '../../fakes/slack/types';
import {
  cardOf,
  click,
  fillForm,
  finalState,
  loadOptions,
  openModal,
  requestPurchase,
  RESERVATION,
  SOFTWARE,
  submitForm,
  threadText,
  type FormChoice,
} from '../../harness/flows';
import { waitFor } from '../../harness/processes';
import { injectFault, simControl, simOrdersOf } from '../../harness/sim';
import { startWorld, type World } from '../../harness/world';
import { ordersOf, type PurchaseRequest } from '../../src/purchases/model';

/**
 * Enablement and lifecycle, end to end over signed HTTP: a new Azure plan bought before the
 * reservation on it, the US Government cloud, and cancelling a software order inside its window.
 */

const NEW_PLAN: FormChoice = {
  ...RESERVATION,
  customer: SEED.customers.noAzure.id,
  azureSubscription: 'new-azure-plan',
};

async function approve(w: World, id: string, user = 'U0APPROVE1'): Promise<void> {
  expect((await click(w, id, 'approve_request', user)).status).toBe(200);
}

describe('a reservation for a customer with no Azure subscription', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ sim: { planProvisioningDelayMs: 1500, registrationDelayMs: 300 } });
  });
  afterAll(async () => {
    await w.close();
  });

  it('offers a new Azure plan as the subscription, and only then', async () => {
    const view = await openModal(w);
    const none = await loadOptions(w, view, 'azure_subscription', {
      customer: NEW_PLAN.customer,
      kind: 'azure_reservation',
    });
    expect(none.map((o) => [o.value, o.text.text])).toEqual([
      ['new-azure-plan', 'New Azure plan for Adatum Corporation'],
    ]);
    const some = await loadOptions(w, view, 'azure_subscription', {
      customer: SEED.customers.open.id,
      kind: 'azure_reservation',
    });
    expect(some.map((o) => o.value)).not.toContain('new-azure-plan');
    expect(some.map((o) => o.value)).not.toContain(SEED.subscriptions.nonAzure.id);
  });

  it('buys the Azure plan, then the reservation on it, after one approval: exactly two orders', async () => {
    const id = await requestPurchase(w, NEW_PLAN);
    expect(JSON.stringify(cardOf(w, id).blocks)).toMatch(
      /New Azure plan for Adatum Corporation[\s\S]*Two purchases follow one approval/,
    );
    await approve(w, id);
    const r = await finalState(w, id, ['confirmed', 'failed', 'attention'], 60_000);
    expect(r.status).toBe('confirmed');
    const orders = await simOrdersOf(w.sim.url, id);
    expect(orders).toHaveLength(2);
    const plan = orders.find((o) => o.lineItems[0]!.offerId.startsWith(SEED.azurePlan.productId))!;
    const reservation = orders.find((o) => o.lineItems[0]!.offerId.startsWith(RESERVATION.product))!;
    expect(plan).toBeDefined();
    expect(reservation).toBeDefined();
    // The reservation was bought on the plan's new subscription.
    const subs = (await simControl(w.sim.url, `/_sim/orders`, undefined, 'GET')) as {
      items: {
        id: string;
        lineItems: { subscriptionId?: string; provisioningContext?: Record<string, string> }[];
      }[];
    };
    const ri = subs.items.find((o) => o.id === reservation.id)!;
    const planOrder = subs.items.find((o) => o.id === plan.id)!;
    expect(ri.lineItems[0]!.provisioningContext?.subscriptionId).toBe(planOrder.lineItems[0]!.subscriptionId);
    const thread = await threadText(
      w,
      id,
      /First purchase of two/,
      /new Azure plan is ready/,
      /registered for reservations/,
      /Confirmed/,
    );
    expect(thread).toMatch(
      /First purchase of two[\s\S]*new Azure plan is ready[\s\S]*registered for reservations[\s\S]*Confirmed/,
    );
  });

  it("refuses before approval when Partner Center says the customer has not accepted Microsoft's agreement", async () => {
    const choice = { ...NEW_PLAN, customer: SEED.customers.noAgreement.id };
    const view = await fillForm(w, await openModal(w), choice);
    const res = await submitForm(w, view, choice);
    expect((res.json as { errors?: Record<string, string> }).errors?.customer).toMatch(
      /Microsoft Customer Agreement/,
    );
  });

  it('finds the plan order after its checkout answered ambiguously, then buys the reservation on it', async () => {
    const fresh = await startWorld({ sim: { planProvisioningDelayMs: 500, registrationDelayMs: 300 } });
    try {
      // The plan's checkout is made but answered 500: the retry (a fresh MS-RequestId after an
      // answer) meets an Ordered cart, 800065, and the bot must look for what was bought.
      await injectFault(fresh.sim.url, {
        method: 'POST',
        path: '/checkout',
        status: 500,
        when: 'after',
        count: 1,
      });
      const id = await requestPurchase(fresh, NEW_PLAN);
      await approve(fresh, id);
      const r = await finalState(fresh, id, ['confirmed', 'failed'], 60_000);
      expect(r.status).toBe('confirmed');
      expect((await fresh.bot.repo.audit(id)).map((a) => a.event)).toEqual(
        expect.arrayContaining(['outcome_unknown', 'plan_ordered', 'plan_ready', 'ordered']),
      );
      const orders = await simOrdersOf(fresh.sim.url, id);
      expect(orders).toHaveLength(2);
      expect(orders.filter((o) => o.lineItems[0]!.offerId.startsWith(SEED.azurePlan.productId))).toHaveLength(
        1,
      );
      expect(orders.filter((o) => o.lineItems[0]!.offerId.startsWith(RESERVATION.product))).toHaveLength(1);
      expect(ordersOf(r).map((o) => o.id)).toEqual(
        orders.filter((o) => o.lineItems[0]!.offerId.startsWith(RESERVATION.product)).map((o) => o.id),
      );
    } finally {
      await fresh.close();
    }
  }, 90_000);

  it('gives the next step at the plan order when Partner Center could not tell before', async () => {
    const fresh = await startWorld({ sim: { planProvisioningDelayMs: 500 } });
    try {
      // The agreements read refused (as without App+User credentials): the bot cannot know beforehand.
      await injectFault(fresh.sim.url, { path: '/agreements', status: 403, count: 100 });
      const id = await requestPurchase(fresh, { ...NEW_PLAN, customer: SEED.customers.noAgreement.id });
      await approve(fresh, id);
      const r = await finalState(fresh, id, ['confirmed', 'failed', 'attention'], 30_000);
      expect(r.status).toBe('failed');
      expect(r.status === 'failed' && r.failure).toMatchObject({
        code: 'plan_refused',
        pcCode: '13605',
        nothingBought: true,
      });
      const thread = await threadText(fresh, id, /What to do next/);
      expect(thread).toMatch(/accept the Microsoft Customer Agreement[\s\S]*Nothing was bought/);
      expect(await simOrdersOf(fresh.sim.url, id)).toHaveLength(0);
    } finally {
      await fresh.close();
    }
  });
});

describe('cancelling a software order inside its window', () => {
  let w: World;
  let offset = 0;
  beforeAll(async () => {
    w = await startWorld({
      bot: { now: () => Date.now() + offset },
      env: { ORDER_CONFIRMATION_DELAY_MS: '800' },
    });
  });
  afterAll(async () => {
    await w.close();
  });
  beforeEach(() => {
    offset = 0;
  });

  async function bought(
    choice: FormChoice = SOFTWARE,
  ): Promise<{ id: string; r: PurchaseRequest; message: FakeMessage }> {
    const id = await requestPurchase(w, choice);
    await approve(w, id);
    const r = await finalState(w, id, ['confirmed'], 30_000);
    const dm = r.slack.threadChannel!;
    const message = await waitFor(() =>
      w.slack
        .thread(dm, r.slack.threadTs!)
        .find((m) => JSON.stringify(m.blocks ?? []).includes('cancel_order')),
    );
    return { id, r, message };
  }

  function cancelClick(id: string, message: FakeMessage, user: string, retryNum?: number) {
    return w.inbound.action(
      { action_id: 'cancel_order', message, channel_id: message.channel, user, value: id },
      retryNum === undefined ? {} : { retryNum, retryReason: 'http_timeout' },
    );
  }

  async function patches(orderId: string): Promise<number> {
    const log = (await simControl(w.sim.url, '/_sim/requests', undefined, 'GET')) as {
      items: { method: string; path: string }[];
    };
    return log.items.filter((e) => e.method === 'PATCH' && e.path.includes(orderId)).length;
  }

  it('cancels once through Partner Center, despite a double click and a Slack retry, and updates card and thread', async () => {
    const { id, r, message } = await bought();
    const orderId = ordersOf(r)[0]!.id;
    await Promise.all([
      cancelClick(id, message, 'U0REQUEST1'),
      cancelClick(id, message, 'U0REQUEST1'),
      cancelClick(id, message, 'U0REQUEST1', 1),
    ]);
    const done = await finalState(w, id, ['order_cancelled'], 20_000);
    expect(done.status === 'order_cancelled' && done.orderCancellation.by).toBe('U0REQUEST1');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await patches(orderId)).toBe(1);
    const order = (
      (await simControl(w.sim.url, '/_sim/orders', undefined, 'GET')) as {
        items: { id: string; status: string }[];
      }
    ).items.find((o) => o.id === orderId)!;
    expect(order.status.toLowerCase()).toBe('cancelled');
    expect(JSON.stringify(cardOf(w, id).blocks)).not.toContain('cancel_order');
    const thread = await threadText(w, id, /cancelled the order/);
    expect(thread).toMatch(/<@U0REQUEST1> cancelled the order/);
    expect((await w.bot.repo.audit(id)).map((a) => a.event)).toEqual(
      expect.arrayContaining(['cancel_order', 'order_cancelled']),
    );
  });

  it('lets an approver cancel from the card', async () => {
    const { id } = await bought();
    await click(w, id, 'cancel_order', 'U0APPROVE2');
    const done = await finalState(w, id, ['order_cancelled'], 20_000);
    expect(done.status === 'order_cancelled' && done.orderCancellation.by).toBe('U0APPROVE2');
  });

  it('reminds requester and approvers a day before the window closes', async () => {
    const { id } = await bought();
    offset = 6.5 * 86_400_000;
    expect(await threadText(w, id, /can be cancelled with a refund until/)).toMatch(
      /can be cancelled with a refund until/,
    );
    const approvers = await waitFor(() =>
      w.slack
        .thread('C0APPROVALS', cardOf(w, id).ts)
        .find((m) => /can be cancelled with a refund until/.test(m.text)),
    );
    expect(approvers.text).toContain('<!subteam^S0APPROVERS>');
  });

  it('takes the button away once the window has closed, and a late click says why', async () => {
    const { id, message } = await bought();
    offset = 8 * 86_400_000;
    await waitFor(
      () => (JSON.stringify(cardOf(w, id).blocks).includes('cancel_order') ? undefined : true),
      10_000,
    );
    const updated = await waitFor(() =>
      w.slack
        .thread(message.channel, message.thread_ts!)
        .find((m) => m.ts === message.ts && !JSON.stringify(m.blocks ?? []).includes('cancel_order')),
    );
    expect(JSON.stringify(updated.blocks)).toMatch(/cancellation window has closed/);
    await cancelClick(id, message, 'U0REQUEST1');
    const dm = w.slack.dmChannelId('U0REQUEST1');
    await waitFor(() =>
      w.slack.messages(dm).find((m) => /cancellation window of .* has closed/.test(m.text)),
    );
    expect((await w.bot.repo.get(id))!.status).toBe('confirmed');
  });

  it("says what Partner Center said when it refuses because Microsoft's window has closed (900117)", async () => {
    const { id, r, message } = await bought();
    // Microsoft's clock is past the window; the bot's is not (it believes the window is open).
    await simControl(w.sim.url, '/_sim/clock/advance', { ms: 8 * 86_400_000 });
    try {
      await cancelClick(id, message, 'U0REQUEST1');
      expect(await threadText(w, id, /refused to cancel/)).toMatch(
        /refused to cancel[\s\S]*window has closed/,
      );
      expect((await w.bot.repo.get(id))!.status).toBe('confirmed');
      expect(await patches(ordersOf(r)[0]!.id)).toBe(1);
    } finally {
      await simControl(w.sim.url, '/_sim/reset');
    }
  });

  it('offers no Cancel order for a reservation, and says where to cancel or exchange it', async () => {
    const id = await requestPurchase(w, RESERVATION);
    expect(JSON.stringify(cardOf(w, id).blocks)).toMatch(/cancel or exchange it in the Azure portal/);
    await approve(w, id);
    await finalState(w, id, ['confirmed'], 30_000);
    expect(JSON.stringify(cardOf(w, id).blocks)).not.toContain('cancel_order');
  });
});

describe('Partner Center for Microsoft Cloud for US Government', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({
      sim: { cloud: 'usgov', openAuth: false },
      env: {
        PARTNER_CENTER_CLOUD: 'usgov',
        PARTNER_CENTER_AUTH: 'msal',
        PARTNER_CENTER_TENANT_ID: 'gov-partner-tenant',
        PARTNER_CENTER_CLIENT_ID: 'gov-client',
        PARTNER_CENTER_CLIENT_SECRET: 'gov-secret',
        PARTNER_CENTER_REFRESH_TOKEN: 'gov-refresh-token',
      },
      // Where login.microsoftonline.us stands in this world; the bot's own default for usgov is that host.
      envFromSim: (sim) => ({ PARTNER_CENTER_AUTHORITY_URL: sim.usGovAuthorityUrl }),
      botFromSim: (sim) => ({ dispatcher: authorityAgent(sim) }),
    });
  });
  afterAll(async () => {
    await w.close();
  });

  it('signs in at the US Government authority and buys a reservation in the government segment', async () => {
    let view = await openModal(w);
    // The government catalog has its own availability ids: take the term the form offers.
    const terms = await loadOptions(w, view, 'availability', { ...RESERVATION, availability: undefined });
    expect(terms.length).toBeGreaterThan(0);
    const full: FormChoice = { ...RESERVATION, availability: terms[0]!.value };
    view = await fillForm(w, view, full);
    await submitForm(w, view, full);
    const card = await waitFor(() => w.slack.messages('C0APPROVALS').find((m) => !m.thread_ts));
    const id = /PR-[A-F0-9]+/.exec(card.text)![0];
    expect((await w.bot.repo.get(id))!.segment).toBe('government');
    await approve(w, id);
    const r = await finalState(w, id, ['confirmed', 'failed', 'attention'], 40_000);
    expect(r.status).toBe('confirmed');
    const log = (
      (await simControl(w.sim.url, '/_sim/requests', undefined, 'GET')) as {
        items: { server?: string; authority?: string; cloud?: string; path: string; status: number }[];
      }
    ).items;
    const tokenCalls = log.filter((e) => e.server === 'authority' && e.path.includes('/token'));
    expect(tokenCalls.length).toBeGreaterThan(0);
    expect(new Set(tokenCalls.map((e) => e.authority))).toEqual(new Set(['usgov']));
    const apiCalls = log.filter((e) => e.server === 'api');
    expect(apiCalls.every((e) => e.cloud === 'usgov')).toBe(true);
    expect(apiCalls.some((e) => /availabilities\?.*targetSegment=government/.test(e.path))).toBe(true);
    expect(await simOrdersOf(w.sim.url, id)).toHaveLength(1);
  });
});
