import { SEED } from '../../fakes/partner-center';
import {
  cardOf,
  click,
  fillForm,
  finalState,
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
import { csvBytes, parsePriceSheet } from '../../src/partner-center/price-sheet';
import { ordersOf, totalPrice, type PurchaseRequest } from '../../src/purchases/model';
import { Readable } from 'node:stream';

/**
 * Buying what Partner Center really sells at the price it really charges, against the strict
 * simulator, over signed HTTP: prices from Microsoft's price sheet, the amount rule that never fails
 * open, scope and segment, every documented checkout answer, final order statuses, expiry at the click.
 */

/** The simulator's own price sheet row for an item, read the way Microsoft serves it. */
async function sheetPrice(
  w: World,
  market: string,
  view: string,
  productId: string,
  skuId: string,
  term: string,
) {
  const res = await fetch(
    `${w.sim.url}/v1.0/sales/pricesheets(Market='${market}',PricesheetView='${view}')/$value`,
  );
  expect(res.status).toBe(200);
  const body = Readable.from(Buffer.from(await res.arrayBuffer()));
  for await (const row of parsePriceSheet(csvBytes(body), Date.now())) {
    if (
      row.productId === productId &&
      row.skuId === skuId &&
      row.term === term &&
      !row.segment.match(/EDU|CHARITY/)
    ) {
      return row;
    }
  }
  throw new Error('no price sheet row');
}

async function approveAndSettle(w: World, id: string, approver = 'U0APPROVE1'): Promise<PurchaseRequest> {
  expect((await click(w, id, 'approve_request', approver)).status).toBe(200);
  return finalState(w, id, ['confirmed', 'failed', 'attention'], 30_000);
}

describe('prices from the price sheet, and the amount rule', () => {
  let w: World;
  beforeAll(async () => {
    // The amount rule on, at 500 USD: two one-year DS1 v2 reservations are above it.
    w = await startWorld({ env: { DUAL_APPROVAL_AMOUNT: '500', DUAL_APPROVAL_CURRENCY: 'USD' } });
  });
  afterAll(async () => {
    await w.close();
  });

  it("shows the price sheet's price on the card, the requester's message and status", async () => {
    const id = await requestPurchase(w, SOFTWARE);
    const r = (await w.bot.repo.get(id))!;
    const row = await sheetPrice(w, 'us', 'software', SOFTWARE.product, SOFTWARE.sku, 'P1Y');
    expect(r.price).toMatchObject({ known: true, unit: row.unitPrice, currency: row.currency });
    const total = totalPrice(r)!;
    const shown = new Intl.NumberFormat('en-US', { style: 'currency', currency: row.currency }).format(total);
    expect(JSON.stringify(cardOf(w, id).blocks)).toContain(shown);
    expect(JSON.stringify(cardOf(w, id).blocks)).toMatch(/Partner price from Microsoft's price sheet/);
    const dm = w.slack.dmChannelId('U0REQUEST1');
    const mine = await waitFor(() => w.slack.messages(dm).find((m) => m.text.includes(id)));
    expect(JSON.stringify(mine.blocks)).toContain(shown);
  });

  it('needs a second approver above the amount: one approval buys nothing, the second buys once', async () => {
    const id = await requestPurchase(w, RESERVATION);
    const r = (await w.bot.repo.get(id))!;
    expect(r.requiredApprovals).toBe(2);
    expect(r.approvalReasons).toEqual(['amount']);
    await click(w, id, 'approve_request', 'U0APPROVE1');
    await waitFor(async () => ((await w.bot.repo.get(id))!.approvals.length === 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await simOrdersOf(w.sim.url, id)).toHaveLength(0);
    const done = await approveAndSettle(w, id, 'U0APPROVE2');
    expect(done.status).toBe('confirmed');
    expect(await simOrdersOf(w.sim.url, id)).toHaveLength(1);
  });

  it('asks for two approvers, and says why, when the price sheet cannot be read', async () => {
    const fresh = await startWorld({ env: { DUAL_APPROVAL_AMOUNT: '1000000' } });
    try {
      await injectFault(fresh.sim.url, { path: '/sales/pricesheets', status: 500, count: 50 });
      const id = await requestPurchase(fresh, SOFTWARE);
      const r = (await fresh.bot.repo.get(id))!;
      expect(r.price).toEqual({ known: false, reason: 'price_sheet_unavailable' });
      expect(r.requiredApprovals).toBe(2);
      expect(JSON.stringify(cardOf(fresh, id).blocks)).toMatch(
        /Price unknown[\s\S]*price is unknown, so the amount rule cannot be checked/,
      );
    } finally {
      await fresh.close();
    }
  });
});

describe('a request is consistent before anyone approves it', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w.close();
  });

  const refusals: [string, FormChoice, string, RegExp][] = [
    [
      'a term of the legacy reservation catalog on an Azure plan',
      { ...RESERVATION, availability: SEED.availabilities.reservation },
      'availability',
      /other kind of Azure subscription/,
    ],
    [
      "a term of another segment than the customer's",
      { ...SOFTWARE, availability: SEED.availabilities.softwareEducation },
      'availability',
      /offered to education customers/,
    ],
    [
      'a product of another kind than the one chosen',
      {
        ...SOFTWARE,
        product: SEED.products.perpetual.productId,
        sku: SEED.products.perpetual.skuIds[0],
        availability: SEED.availabilities.perpetual,
      },
      'product',
      /perpetual software, not software subscription/,
    ],
    [
      'a Microsoft 365 subscription as the Azure subscription of a reservation',
      { ...RESERVATION, azureSubscription: SEED.subscriptions.nonAzure.id },
      'azure_subscription',
      /needs an Azure subscription/,
    ],
    [
      'a customer who has not accepted the Microsoft Customer Agreement',
      { ...SOFTWARE, customer: SEED.customers.noAgreement.id },
      'customer',
      /Microsoft Customer Agreement/,
    ],
  ];

  it.each(refusals)(
    'refuses %s inline, before any approver sees it',
    async (_name, choice, field, message) => {
      const cards = w.slack.messages('C0APPROVALS').length;
      const view = await fillForm(w, await openModal(w), choice);
      const res = await submitForm(w, view, choice);
      const ack = res.json as { response_action: string; errors?: Record<string, string> };
      expect(ack.response_action).toBe('errors');
      expect(ack.errors?.[field] ?? JSON.stringify(ack.errors)).toMatch(message);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(w.slack.messages('C0APPROVALS')).toHaveLength(cards);
    },
  );
});

describe('attestation', () => {
  let w: World;
  beforeAll(async () => {
    // A fresh world: the SKU must be read after the simulator enforces attestation on it.
    w = await startWorld();
  });
  afterAll(async () => {
    await w.close();
  });

  it('shows an enforced attestation in the form and sends it to Partner Center only once ticked', async () => {
    await simControl(w.sim.url, '/_sim/catalog/attestation', {
      productId: SOFTWARE.product,
      skuId: SOFTWARE.sku,
    });
    let view = await fillForm(w, await openModal(w), SOFTWARE);
    expect(JSON.stringify(view.blocks)).toContain('Windows 365 Business with Windows Hybrid Benefit');
    const unticked = await submitForm(w, view, SOFTWARE);
    expect((unticked.json as { errors?: Record<string, string> }).errors?.attestation).toMatch(
      /accept the statement/,
    );
    view = w.slack.views.get(view.id)!;
    const ticked = await submitForm(w, view, { ...SOFTWARE, attestation: true });
    expect((ticked.json as { response_action: string }).response_action).toBe('update');
    const id = await waitFor(() => {
      const card = w.slack
        .messages('C0APPROVALS')
        .find((m) => !m.thread_ts && /The requester accepted/.test(JSON.stringify(m.blocks)));
      return card ? /PR-[A-F0-9]+/.exec(card.text)?.[0] : undefined;
    });
    expect(JSON.stringify(cardOf(w, id).blocks)).toMatch(
      /The requester accepted: I understand that each person/,
    );
    // The simulator refuses a cart of this SKU without attestationAccepted (10012): a confirmed
    // order proves the bot sent it once the requester ticked.
    const r = await approveAndSettle(w, id);
    expect(r.status).toBe('confirmed');
    expect(await simOrdersOf(w.sim.url, id)).toHaveLength(1);
  });
});

describe('every documented checkout answer buys exactly once, and never says nothing was bought', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ env: { ORDER_CONFIRMATION_DELAY_MS: '1200' }, sim: { orderListDelayMs: 800 } });
  });
  afterAll(async () => {
    await w.close();
  });
  afterEach(async () => {
    await simControl(w.sim.url, '/_sim/faults', undefined, 'DELETE');
    await simControl(w.sim.url, '/_sim/checkout-mode', { mode: '800065' });
  });

  const cases: [string, string, Record<string, unknown> | undefined][] = [];
  for (const mode of ['idempotent', '800065', 'bare-order']) {
    cases.push([mode, 'alone', undefined]);
    cases.push([
      mode,
      'after the first answer was lost',
      { method: 'POST', path: '/checkout', drop: true, when: 'after', count: 1 },
    ]);
    cases.push([
      mode,
      'after a 500 that came after the order was made',
      { method: 'POST', path: '/checkout', status: 500, when: 'after', count: 1 },
    ]);
  }

  it.each(cases)('in %s mode, %s', async (mode, _how, fault) => {
    await simControl(w.sim.url, '/_sim/checkout-mode', { mode });
    const id = await requestPurchase(w, SOFTWARE);
    if (fault) await injectFault(w.sim.url, fault);
    expect((await click(w, id, 'approve_request', 'U0APPROVE1')).status).toBe(200);
    const r = await finalState(w, id, ['confirmed', 'failed'], 40_000);
    expect(r.status).toBe('confirmed');
    expect(await simOrdersOf(w.sim.url, id)).toHaveLength(1);
    const thread = await threadText(w, id, /Confirmed/);
    expect(thread).not.toMatch(/Nothing was bought/);
  });
});

describe('the final order status', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ env: { ORDER_CONFIRMATION_DELAY_MS: '2500' }, sim: { orderListDelayMs: 200 } });
  });
  afterAll(async () => {
    await w.close();
  });

  const statuses: [string, RegExp][] = [
    ['error', /could not fulfil the order[\s\S]*buy the unfulfilled items again/],
    ['partial success', /fulfilled only part of the order/],
    ['pending review', /reviewing the order/],
    ['pending po upload', /upload it for this order/],
    ['po review rejected', /rejected the purchase order/],
  ];

  it.each(statuses)(
    'tells requester and approvers what Microsoft says to do when an order ends %s',
    async (status, advice) => {
      const id = await requestPurchase(w, SOFTWARE);
      await click(w, id, 'approve_request', 'U0APPROVE1');
      const ordered = await waitFor(async () => {
        const r = await w.bot.repo.get(id);
        return r && ordersOf(r).length > 0 ? r : undefined;
      }, 20_000);
      const orderId = ordersOf(ordered)[0]!.id;
      await simControl(w.sim.url, `/_sim/orders/${orderId}`, { status }, 'PATCH');
      const r = await finalState(w, id, ['attention'], 20_000);
      expect(r.status === 'attention' && r.attention.reason).toBe('order_status');
      expect(await threadText(w, id, advice)).toMatch(advice);
      // The approvers' thread is told at the same time as the requester's, not necessarily first.
      const approvers = await waitFor(() => {
        const text = w.slack
          .thread('C0APPROVALS', cardOf(w, id).ts)
          .map((m) => m.text)
          .join('\n');
        return advice.test(text) ? text : undefined;
      }, 10_000);
      expect(approvers).toContain('<!subteam^S0APPROVERS>');
    },
  );

  it('confirms an order that ends completed', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    const r = await approveAndSettle(w, id);
    expect(r.status).toBe('confirmed');
  });
});

describe('expiry at the click', () => {
  let w: World;
  beforeAll(async () => {
    // Requests expire after 3 s; the sweeper runs rarely, so only the click can refuse.
    w = await startWorld({
      env: { APPROVAL_TTL_MS: '3000', SWEEP_INTERVAL_MS: '600000', APPROVAL_REMINDER_BEFORE_MS: '0' },
    });
  });
  afterAll(async () => {
    await w.close();
  });

  it('refuses an approval one second after expiry, and buys nothing', async () => {
    const id = await requestPurchase(w, SOFTWARE);
    const r = (await w.bot.repo.get(id))!;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, r.expiresAt + 1000 - Date.now())));
    await click(w, id, 'approve_request', 'U0APPROVE1');
    const eph = await waitFor(() =>
      w.slack
        .ephemerals('C0APPROVALS', 'U0APPROVE1')
        .find((e) => e.text.includes(id) && /expired/.test(e.text)),
    );
    expect(eph.text).toMatch(/expired before this click, so nothing was bought/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await w.bot.repo.get(id))!.status).toBe('pending_approval');
    expect(await simOrdersOf(w.sim.url, id)).toHaveLength(0);
  });
});
