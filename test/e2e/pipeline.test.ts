import { SEED } from '../../fakes/partner-center';
import {
  cardOf,
  click,
  finalState,
  requestPurchase,
  RESERVATION,
  SOFTWARE,
  threadText,
} from '../../harness/flows';
import { waitFor } from '../../harness/processes';
import { ordersOf } from '../../src/purchases/model';
import { injectFault, simControl, simOrders, simOrdersOf } from '../../harness/sim';
import { startWorld, type World } from '../../harness/world';

async function ordersFor(w: World, id: string) {
  return simOrdersOf(w.sim.url, id);
}

describe('approval gate and purchase pipeline, end to end', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ env: { DUAL_APPROVAL_QUANTITY: '20' } });
  });
  afterAll(async () => {
    await w.close();
  });
  afterEach(async () => {
    await simControl(w.sim.url, '/_sim/faults', undefined, 'DELETE');
  });

  it('refuses approval by someone who is not an approver, privately, and changes nothing', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    expect((await click(w, id, 'approve_request', 'U0OUTSIDER')).status).toBe(200);
    const eph = await waitFor(() =>
      w.slack.ephemerals('C0APPROVALS', 'U0OUTSIDER').find((e) => /Only approvers can decide/.test(e.text)),
    );
    expect(eph).toBeDefined();
    expect((await w.bot.repo.get(id))?.status).toBe('pending_approval');
  });

  it('never lets a requester approve their own request, even an approver', async () => {
    const id = await requestPurchase(w, SOFTWARE, 'U0APPROVE1');
    await click(w, id, 'approve_request', 'U0APPROVE1');
    await waitFor(() =>
      w.slack.ephemerals('C0APPROVALS', 'U0APPROVE1').find((e) => /own request/.test(e.text)),
    );
    expect((await w.bot.repo.get(id))?.status).toBe('pending_approval');
  });

  it('buys once, posts the order in the thread, updates the card and confirms after the delay', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    // A member of the approvers' user group approves.
    expect((await click(w, id, 'approve_request', 'U0APPROVE2')).status).toBe(200);
    const r = await finalState(w, id);
    expect(r.status).toBe('confirmed');
    expect(ordersOf(r)).toHaveLength(1);
    expect(await ordersFor(w, id)).toHaveLength(1);
    const thread = await threadText(w, id, /approved your request/, /Confirmed/);
    expect(thread).toMatch(/approved your request/);
    expect(thread).toContain(ordersOf(r)[0]!.id);
    expect(thread).toMatch(/Confirmed/);
    const card = cardOf(w, id);
    expect(JSON.stringify(card.blocks)).not.toContain('approve_request');
    expect(JSON.stringify(card.blocks)).toContain('U0APPROVE2');
  });

  it('gives one decision and one checkout when approvers click at once and Slack re-delivers', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    const clicks = ['U0APPROVE1', 'U0APPROVE2', 'U0APPROVE1', 'U0APPROVE2', 'U0APPROVE1'].map((u) =>
      click(w, id, 'approve_request', u),
    );
    const results = await Promise.all(clicks);
    expect(results.every((res) => res.status === 200)).toBe(true);
    const r = await finalState(w, id);
    expect(r.status).toBe('confirmed');
    expect(r.approvals).toHaveLength(1);
    expect(await ordersFor(w, id)).toHaveLength(1);
    expect((await w.bot.repo.audit(id)).filter((a) => a.event === 'approve')).toHaveLength(1);
  });

  it('registers an unregistered subscription, polls it, then buys the reservation', async () => {
    await simControl(w.sim.url, '/_sim/reset');
    const id = await requestPurchase(w, {
      ...RESERVATION,
      azureSubscription: SEED.subscriptions.unregistered.id,
    });
    await click(w, id, 'approve_request', 'U0APPROVE1');
    const r = await finalState(w, id);
    expect(r.status).toBe('confirmed');
    const thread = await threadText(
      w,
      id,
      /Registering Azure subscription/,
      /is registered for reservations/,
    );
    expect(thread).toMatch(/Registering Azure subscription/);
    expect(thread).toMatch(/is registered for reservations/);
    const requests = (await simControl(w.sim.url, '/_sim/requests', undefined, 'GET')) as {
      items: { method: string; path: string }[];
    };
    expect(requests.items.some((q) => q.method === 'POST' && q.path.includes('/registrations'))).toBe(true);
    expect(requests.items.filter((q) => q.path.includes('/registrationstatus')).length).toBeGreaterThan(1);
    expect(await ordersFor(w, id)).toHaveLength(1);
  });

  it('never calls Partner Center for a rejected request, and tells the requester why', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    const before = (await simOrders(w.sim.url)).length;
    await click(w, id, 'reject_request', 'U0APPROVE1');
    const modal = await waitFor(() =>
      w.slack
        .callsTo('views.open')
        .find((c) => JSON.stringify(c.args).includes('reject_reason') && JSON.stringify(c.args).includes(id)),
    );
    const viewId = (modal.response as { view: { id: string } }).view.id;
    const res = await w.inbound.submit({
      view: w.slack.views.get(viewId)!,
      values: { reason: { reason: { type: 'plain_text_input', value: 'Use the existing licences' } } },
      user: 'U0APPROVE1',
    });
    expect(res.status).toBe(200);
    const r = await finalState(w, id);
    expect(r).toMatchObject({
      status: 'rejected',
      rejection: { by: 'U0APPROVE1', reason: 'Use the existing licences' },
    });
    expect(await threadText(w, id, /Use the existing licences/)).toMatch(
      /rejected your request[\s\S]*Use the existing licences/,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await simOrders(w.sim.url)).toHaveLength(before);
    expect('progress' in r).toBe(false);
  });

  it('needs two different approvers above the quantity threshold', async () => {
    const id = await requestPurchase(w, { ...SOFTWARE, quantity: 25 });
    expect((await w.bot.repo.get(id))?.requiredApprovals).toBe(2);
    await click(w, id, 'approve_request', 'U0APPROVE1');
    await waitFor(async () => ((await w.bot.repo.get(id))?.approvals.length === 1 ? true : undefined));
    expect((await w.bot.repo.get(id))?.status).toBe('pending_approval');
    await click(w, id, 'approve_request', 'U0APPROVE1');
    await waitFor(() =>
      w.slack.ephemerals('C0APPROVALS', 'U0APPROVE1').find((e) => /already approved/.test(e.text)),
    );
    await click(w, id, 'approve_request', 'U0APPROVE2');
    expect((await finalState(w, id)).status).toBe('confirmed');
  });

  it("fails at once with Partner Center's words and a next step when checkout is refused", async () => {
    const id = await requestPurchase(w, RESERVATION);
    // Stock runs out between the request and the purchase.
    await simControl(w.sim.url, '/_sim/inventory', {
      productId: SEED.inventoryCheck.productId,
      region: SEED.inventoryCheck.inStockRegion,
      inStock: false,
    });
    try {
      await click(w, id, 'approve_request', 'U0APPROVE1');
      const r = await finalState(w, id);
      expect(r.status).toBe('failed');
      expect(r.status === 'failed' && r.failure.pcMessage).toBeTruthy();
      const thread = await threadText(w, id, /What to do next/);
      expect(thread).toMatch(/What to do next/);
      expect(await ordersFor(w, id)).toHaveLength(0);
    } finally {
      await simControl(w.sim.url, '/_sim/inventory', {
        productId: SEED.inventoryCheck.productId,
        region: SEED.inventoryCheck.inStockRegion,
        inStock: true,
      });
    }
  });

  it('buys with the reissued catalog item when availability ids change after the request', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    await simControl(w.sim.url, '/_sim/catalog/rotate', { productId: SOFTWARE.product, skuId: SOFTWARE.sku });
    try {
      await click(w, id, 'approve_request', 'U0APPROVE1');
      expect((await finalState(w, id)).status).toBe('confirmed');
      expect(await ordersFor(w, id)).toHaveLength(1);
    } finally {
      // Later tests ask for the seeded (documented) availability ids again.
      await simControl(w.sim.url, '/_sim/reset');
    }
  });

  it.each([
    ['429 with Retry-After', { status: 429, retryAfter: 1 }],
    ['a 503', { status: 503 }],
    ['a dropped connection after the write', { drop: true, when: 'after' }],
    ['a 500 after the write', { status: 500, when: 'after' }],
    ['a timeout after the write', { latencyMs: 7000, when: 'after' }],
  ])(
    'buys exactly once when cart creation and checkout meet %s',
    async (_name, fault) => {
      const id = await requestPurchase(w, SOFTWARE);
      await injectFault(w.sim.url, { method: 'POST', path: '/\\/carts$/', ...fault, count: 1 });
      await injectFault(w.sim.url, { method: 'POST', path: '/checkout', ...fault, count: 1 });
      await click(w, id, 'approve_request', 'U0APPROVE1');
      const r = await finalState(w, id, ['confirmed', 'failed'], 40_000);
      expect(r.status).toBe('confirmed');
      expect(await ordersFor(w, id)).toHaveLength(1);
    },
    60_000,
  );
});
