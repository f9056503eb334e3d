import { SEED } from '../../fakes/partner-center';
import {
  chooseKind,
  fillForm,
  loadOptions,
  openModal,
  requestPurchase,
  RESERVATION,
  SOFTWARE,
  submitForm,
  type FormChoice,
} from '../../harness/flows';
import { waitFor } from '../../harness/processes';
import { injectFault, simControl } from '../../harness/sim';
import { startWorld, type World } from '../../harness/world';

/** Pick the first term the option list offers (for SKUs whose availability ids are generated). */
const FIRST_TERM = '__first_term__';

describe('Slack intake, end to end over signed HTTP', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w.close();
  });

  it("opens the request modal on /purchase within Slack's 3 seconds", async () => {
    const started = Date.now();
    const view = await openModal(w);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(view.callback_id).toBe('purchase_request');
    expect(view.blocks.map((b) => (b as { block_id?: string }).block_id)).toEqual(
      expect.arrayContaining([
        'customer',
        'kind',
        'product',
        'sku',
        'availability',
        'quantity',
        'justification',
      ]),
    );
  });

  it('adds the Azure subscription field only when the kind is a reservation', async () => {
    let view = await openModal(w);
    view = await chooseKind(w, view, 'azure_reservation');
    expect(view.blocks.some((b) => (b as { block_id?: string }).block_id === 'azure_subscription')).toBe(
      true,
    );
    view = await chooseKind(w, view, 'software_subscription');
    expect(view.blocks.some((b) => (b as { block_id?: string }).block_id === 'azure_subscription')).toBe(
      false,
    );
  });

  it('loads customers, products, SKUs, terms and subscriptions filtered by the choices made', async () => {
    const view = await chooseKind(w, await openModal(w), 'azure_reservation');
    const customers = await loadOptions(w, view, 'customer', {}, 'contoso');
    expect(customers.map((o) => o.text.text)).toEqual(
      expect.arrayContaining(['Contoso Ltd', 'Contoso Pharmaceuticals']),
    );
    expect(customers.map((o) => o.text.text)).not.toContain('Fabrikam UK Ltd');

    expect((await loadOptions(w, view, 'product', {}))[0]?.text.text).toMatch(/first/);
    const products = await loadOptions(w, view, 'product', {
      customer: RESERVATION.customer,
      kind: 'azure_reservation',
    });
    expect(products.map((o) => o.value)).toContain(SEED.products.reservation.productId);
    expect(products.map((o) => o.value)).not.toContain(SEED.products.softwareSubscription.productId);

    const skus = await loadOptions(w, view, 'sku', {
      customer: RESERVATION.customer,
      kind: 'azure_reservation',
      product: RESERVATION.product,
    });
    expect(skus.map((o) => o.value)).toEqual(expect.arrayContaining([...SEED.products.reservation.skuIds]));

    const terms = await loadOptions(w, view, 'availability', {
      customer: RESERVATION.customer,
      product: RESERVATION.product,
      sku: RESERVATION.sku,
    });
    expect(terms.length).toBeGreaterThan(0);
    expect(terms.every((o) => o.text.text.length <= 75)).toBe(true);

    const subs = await loadOptions(w, view, 'azure_subscription', { customer: RESERVATION.customer });
    expect(subs.map((o) => o.value)).toEqual(
      expect.arrayContaining([SEED.subscriptions.registered.id, SEED.subscriptions.unregistered.id]),
    );
    expect(subs.map((o) => o.value)).not.toContain(SEED.subscriptions.otherCustomer.id);
  });

  it("says a kind is not sold in the customer's market before anyone picks a product", async () => {
    const view = await openModal(w);
    const options = await loadOptions(w, view, 'product', {
      customer: SEED.customers.softwareClosed.id,
      kind: 'software_subscription',
    });
    expect(options).toHaveLength(1);
    expect(options[0]!.text.text).toMatch(/Andorra/);
  });

  it('stores a checked request, posts the approval card and tells the requester where it is', async () => {
    const id = await requestPurchase(w, RESERVATION);
    const stored = await waitFor(async () => {
      const x = await w.bot.repo.get(id);
      return x?.slack.threadTs ? x : undefined;
    });
    expect(stored).toMatchObject({
      status: 'pending_approval',
      requesterId: 'U0REQUEST1',
      customerId: SEED.customers.open.id,
      country: 'US',
      quantity: 2,
      segment: 'commercial',
      azure: {
        kind: 'existing',
        subscriptionId: SEED.subscriptions.registered.id,
        plan: 'azure_plan',
        registration: 'registered',
      },
      // Titles come from Partner Center, not from the labels the client sent.
      productTitle: SEED.products.reservation.title,
      // The price sheet's price for an Azure plan reservation, in USD.
      price: { known: true, currency: 'USD', source: 'azure_reservations price sheet' },
    });
    const card = w.slack.messages('C0APPROVALS').find((m) => m.text.includes(id))!;
    const buttons = JSON.stringify(card.blocks);
    expect(buttons).toContain('approve_request');
    expect(buttons).toContain('reject_request');
    const dm = w.slack.dmChannelId('U0REQUEST1');
    const requesterMessage = await waitFor(() => w.slack.messages(dm).find((m) => m.text.includes(id)));
    expect(stored.slack).toMatchObject({
      cardChannel: 'C0APPROVALS',
      cardTs: card.ts,
      threadChannel: dm,
      threadTs: requesterMessage.ts,
    });
    expect((await w.bot.repo.audit(id)).map((a) => a.event)).toContain('created');
  });

  const refusals: [string, Partial<FormChoice>, string, RegExp][] = [
    [
      'a software subscription for a customer in a closed market',
      { ...SOFTWARE, customer: SEED.customers.softwareClosed.id },
      'kind',
      /Andorra/,
    ],
    [
      'a reservation for a customer in a market closed to reservations',
      {
        ...RESERVATION,
        customer: SEED.customers.reservationsClosed.id,
        azureSubscription: SEED.subscriptions.reservationsClosedRegistered.id,
      },
      'kind',
      /India/,
    ],
    [
      'an InventoryCheck SKU with no stock',
      { ...RESERVATION, sku: SEED.inventoryCheck.outOfStockSkuId, availability: FIRST_TERM },
      'sku',
      /stock/i,
    ],
    [
      'perpetual software the partner is not qualified for',
      {
        ...SOFTWARE,
        kind: 'perpetual_software',
        product: SEED.products.perpetual.productId,
        sku: SEED.products.perpetual.skuIds[0],
        availability: SEED.availabilities.perpetual,
      },
      'kind',
      /qualified/,
    ],
    [
      'an Azure subscription of another customer',
      { ...RESERVATION, azureSubscription: SEED.subscriptions.otherCustomer.id },
      'azure_subscription',
      /does not belong/,
    ],
    [
      'a missing Azure subscription',
      { ...RESERVATION, azureSubscription: undefined },
      'azure_subscription',
      /needs the Azure subscription/,
    ],
    ['a quantity of zero', { ...SOFTWARE, quantity: 0 }, 'quantity', /1 to/],
    ['a quantity above the limit', { ...SOFTWARE, quantity: 100_000 }, 'quantity', /1 to/],
    [
      'an availability that is no longer offered',
      { ...SOFTWARE, availability: 'DG7GMGF0GONE' },
      'availability',
      /no longer offers/,
    ],
    ['an empty justification', { ...SOFTWARE, justification: '' }, 'justification', /why/],
  ];

  it.each(refusals)(
    'refuses %s with an inline error on the right field',
    async (_name, choice, field, message) => {
      let view = await openModal(w);
      if (choice.availability === FIRST_TERM) {
        const terms = await loadOptions(w, view, 'availability', { ...choice, availability: undefined });
        choice = { ...choice, availability: terms[0]!.value };
      }
      // As a person fills the form: each choice dispatches its action, and the bot checks it then.
      view = await fillForm(w, view, choice);
      const cardsBefore = w.slack.messages('C0APPROVALS').length;
      const res = await submitForm(w, view, choice);
      expect(res.status).toBe(200);
      const ack = res.json as { response_action: string; errors: Record<string, string> };
      expect(ack.response_action).toBe('errors');
      expect({ field, error: ack.errors[field] ?? JSON.stringify(ack.errors) }).toEqual({
        field,
        error: expect.stringMatching(message),
      });
      // Every error key is an input block of the view, or Slack would reject the whole answer.
      const blockIds = view.blocks.map((b) => (b as { block_id?: string }).block_id);
      for (const key of Object.keys(ack.errors)) expect(blockIds).toContain(key);
      expect(w.slack.messages('C0APPROVALS')).toHaveLength(cardsBefore);
    },
  );

  it('makes one request when the same view is submitted twice', async () => {
    const view = await chooseKind(w, await openModal(w), 'software_subscription');
    const before = w.slack.messages('C0APPROVALS').length;
    await Promise.all([submitForm(w, view, SOFTWARE), submitForm(w, view, SOFTWARE).catch(() => undefined)]);
    await waitFor(() => w.slack.messages('C0APPROVALS').length > before || undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(w.slack.messages('C0APPROVALS').filter((m) => !m.thread_ts)).toHaveLength(before + 1);
  });

  it('answers status and mine with the request and its audit trail', async () => {
    const id = await requestPurchase(w, SOFTWARE, 'U0REQUEST2');
    const url = w.slack.responseUrl({ channel: 'C0GENERAL', user: 'U0REQUEST2' });
    await w.inbound.command({ text: `status ${id}`, user_id: 'U0REQUEST2', response_url: url });
    const status = await waitFor(
      () => w.slack.responses(url)[0] as { text: string; blocks: unknown[] } | undefined,
    );
    expect(JSON.stringify(status.blocks)).toContain('History');
    expect(status.text).toContain(id);

    const mineUrl = w.slack.responseUrl({ channel: 'C0GENERAL', user: 'U0REQUEST2' });
    await w.inbound.command({ text: 'mine', user_id: 'U0REQUEST2', response_url: mineUrl });
    const mine = await waitFor(() => w.slack.responses(mineUrl)[0] as { text: string } | undefined);
    expect(mine.text).toContain(id);

    const unknownUrl = w.slack.responseUrl({ channel: 'C0GENERAL', user: 'U0REQUEST2' });
    await w.inbound.command({ text: 'status PR-NOPE', user_id: 'U0REQUEST2', response_url: unknownUrl });
    expect(((await waitFor(() => w.slack.responses(unknownUrl)[0])) as { text: string }).text).toMatch(
      /no request/,
    );
  });

  it('lists the subcommands on /purchase help', async () => {
    const res = await w.inbound.command({ text: 'help' });
    expect(res.status).toBe(200);
    const help = (res.json as { text: string }).text;
    expect(help).toMatch(/status PR-…[\s\S]*mine/);
    // Slack reads <…> as a link or mention: help text has none.
    expect(help).not.toMatch(/<[a-z]+>/);
  });

  it('answers forged, stale, future-dated and unsigned requests with 401 and runs nothing', async () => {
    const opens = w.slack.callsTo('views.open').length;
    expect((await w.inbound.command({}, { signature: 'v0=deadbeef' })).status).toBe(401);
    expect((await w.inbound.command({}, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(
      401,
    );
    expect((await w.inbound.command({}, { timestamp: Math.floor(Date.now() / 1000) + 600 })).status).toBe(
      401,
    );
    const res = await fetch(`${w.bot.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=%2Fpurchase&text=&user_id=U0REQUEST1&trigger_id=x',
    });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(w.slack.callsTo('views.open')).toHaveLength(opens);
  });
});

describe('Slack intake when Partner Center is slow and nothing is cached yet', () => {
  let w: World;
  beforeEach(async () => {
    // A fresh world each: the cache the form's own checks fill must be empty for these.
    w = await startWorld();
  });
  afterEach(async () => {
    await w.close();
  });

  it('answers Slack at once when Partner Center is slow, then shows the outcome in the modal', async () => {
    await injectFault(w.sim.url, { method: 'GET', path: '/availabilities', latencyMs: 2600, count: 1 });
    // Submitted before any choice was checked (nothing cached): the bot must not wait for Partner Center.
    const view = await chooseKind(w, await openModal(w), 'software_subscription');
    const cardsBefore = w.slack.messages('C0APPROVALS').length;
    // SlackInbound gives up after 3 s, as Slack does: an answer at all means the rule held.
    const res = await submitForm(w, view, SOFTWARE);
    expect(res.elapsedMs).toBeLessThan(1000);
    expect(res.json).toMatchObject({ response_action: 'update', view: { callback_id: 'purchase_request' } });
    // The form stays, with every value, under a note that it is being checked.
    const checking = JSON.stringify((res.json as { view: unknown }).view);
    expect(checking).toMatch(/Checking your request/);
    expect(checking).toContain(SOFTWARE.justification);
    await waitFor(() => w.slack.messages('C0APPROVALS').length > cardsBefore || undefined, 10_000);
    const final = await waitFor(() => {
      const v = w.slack.views.get(view.id);
      return v && /PR-[A-F0-9]+/.test(JSON.stringify(v.blocks)) ? v : undefined;
    }, 10_000);
    expect((final.title as { text?: string }).text).toBe('Request submitted');
  });

  it('shows slow check failures in the modal itself, next to the field to fix', async () => {
    await injectFault(w.sim.url, { method: 'GET', path: '/availabilities/', latencyMs: 2600, count: 1 });
    const view = await chooseKind(w, await openModal(w), 'software_subscription');
    const res = await submitForm(w, view, { ...SOFTWARE, quantity: 0 });
    expect(res.json).toMatchObject({ response_action: 'update' });
    const final = await waitFor(() => {
      const v = w.slack.views.get(view.id);
      return v && v.callback_id === 'purchase_request' && JSON.stringify(v.blocks).includes(':x:')
        ? v
        : undefined;
    }, 10_000);
    expect(JSON.stringify(final.blocks)).toMatch(
      /Some choices need changing[\s\S]*Enter a whole number from 1 to/,
    );
  });
});

describe('Slack intake with Partner Center down', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w.close();
  });

  it('answers an option load inside 3 seconds with a hint when Partner Center keeps failing', async () => {
    await injectFault(w.sim.url, { path: '/v1/customers', status: 503, count: 20 });
    const view = await openModal(w);
    const res = await w.inbound.options({ action_id: 'customer', value: 'contoso', view });
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3000);
    const options = (res.json as { options: { text: { text: string } }[] }).options;
    expect(options.map((o) => o.text.text).join(' ')).toMatch(/Partner Center is slow/);
  });

  it('answers an option load with an empty list when Partner Center refuses outright', async () => {
    await simControl(w.sim.url, '/_sim/faults', undefined, 'DELETE');
    await injectFault(w.sim.url, { path: '/v1/customers', status: 403, count: 5 });
    const view = await openModal(w);
    const res = await w.inbound.options({ action_id: 'customer', value: '', view });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ options: [] });
    await simControl(w.sim.url, '/_sim/faults', undefined, 'DELETE');
  });

  it('answers a signed payload it cannot read with 400 at once, never 500 or a 3-second hold', async () => {
    const unreadable = [
      { type: 'view_submission', view: { callback_id: 'purchase_request' }, user: { id: 'U0REQUEST1' } },
      { type: 'block_actions', actions: 'not-a-list', user: { id: 'U0APPROVE1' } },
      { type: 'block_actions', actions: [{ value: 'PR-1' }], user: { id: 'U0APPROVE1' } },
    ];
    for (const payload of unreadable) {
      // Bolt would hold a payload no listener can ack for 3 s, then answer 404.
      const res = await w.inbound.send('interactive', payload, { timeoutMs: 2000 });
      expect(res.status).toBe(400);
    }
    // A suggestion without the fields our lists need is still Slack's shape: an empty list, at once.
    const odd = await w.inbound.send(
      'interactive',
      { type: 'block_suggestion', action_id: 'product' },
      { timeoutMs: 2000 },
    );
    expect(odd.status).toBeLessThan(500);
    expect((await fetch(`${w.bot.url}/healthz`)).status).toBe(200);
  });
});
