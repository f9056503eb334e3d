import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import { call, manualClock, type CallOptions } from '../../fakes/partner-center/testkit';

const OPEN = SEED.customers.open;
const RI = SEED.products.reservation;
const SW = SEED.products.softwareSubscription;
const INV = SEED.inventoryCheck;
/** The seeded Azure subscriptions are Azure plans: their reservations are read with this. */
const PLAN = '&reservationScope=AzurePlan';

function riLine(
  catalogItemId: string,
  subscriptionId: string = SEED.subscriptions.registered.id,
  term = 'P1Y',
) {
  return {
    id: 0,
    catalogItemId,
    quantity: 1,
    billingCycle: 'one_time',
    termDuration: term,
    provisioningContext: { subscriptionId, scope: 'shared', duration: term === 'P1Y' ? '1Year' : '3Year' },
  };
}

describe('Partner Center simulator: seeded world and purchase flows', () => {
  let sim: Simulator;
  const clock = manualClock();
  const api = (method: string, path: string, opts?: CallOptions) => call(sim.url, method, path, opts);

  /** The current catalogItemId of a SKU for a country, found the way a client finds it. */
  async function catalogItemId(
    productId: string,
    skuId: string,
    country = 'US',
    query = '',
  ): Promise<string> {
    const res = await api(
      'GET',
      `/v1/products/${productId}/skus/${skuId}/availabilities?country=${country}${query}`,
    );
    expect(res.status).toBe(200);
    return res.json.items[0].catalogItemId;
  }

  async function buy(customerId: string, lineItems: unknown[]) {
    const cart = await api('POST', `/v1/customers/${customerId}/carts`, { body: { lineItems } });
    expect(cart.status).toBe(201);
    const checkout = await api('POST', `/v1/customers/${customerId}/carts/${cart.json.id}/checkout`);
    expect(checkout.status).toBe(201);
    return { cart: cart.json, result: checkout.json };
  }

  beforeAll(async () => {
    sim = await startSimulator({
      openAuth: true,
      registrationDelayMs: 5_000,
      orderListDelayMs: 900_000,
      fulfillmentDelayMs: 1_000,
      now: clock.now,
    });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  describe('seeded world', () => {
    it('lists customers and narrows them with a CompanyName starts_with filter', async () => {
      const all = await api('GET', '/v1/customers?size=100');
      expect(all.status).toBe(200);
      const ids = all.json.items.map((c: { id: string }) => c.id);
      for (const c of [
        SEED.customers.open,
        SEED.customers.openSecond,
        SEED.customers.softwareClosed,
        SEED.customers.reservationsClosed,
      ]) {
        expect(ids).toContain(c.id);
      }
      const filter = encodeURIComponent(
        JSON.stringify({ Field: 'CompanyName', Value: 'contoso', Operator: 'starts_with' }),
      );
      const contoso = await api('GET', `/v1/customers?size=10&filter=${filter}`);
      expect(
        contoso.json.items.map(
          (c: { companyProfile: { companyName: string } }) => c.companyProfile.companyName,
        ),
      ).toEqual(['Contoso Ltd', 'Contoso Pharmaceuticals']);
    });

    it('pages the customer list with a continuation token sent back as MS-ContinuationToken', async () => {
      const first = await api('GET', '/v1/customers?size=4');
      expect(first.json.items).toHaveLength(4);
      const next = first.json.links.next;
      expect(next.headers[0].key).toBe('MS-ContinuationToken');
      const second = await api('GET', `/v1${next.uri}`, {
        headers: { 'MS-ContinuationToken': next.headers[0].value },
      });
      expect(second.status).toBe(200);
      expect(second.json.items.length).toBeGreaterThan(0);
      const seen = [...first.json.items, ...second.json.items].map((c: { id: string }) => c.id);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it("gives a customer's billing country only on get-by-id, as the real list does", async () => {
      const list = await api('GET', '/v1/customers');
      expect(list.json.items[0].billingProfile).toBeUndefined();
      for (const c of Object.values(SEED.customers)) {
        const res = await api('GET', `/v1/customers/${c.id}`);
        expect(res.status).toBe(200);
        expect(res.json.billingProfile.defaultAddress.country).toBe(c.country);
        expect(res.json.companyProfile).toMatchObject({ companyName: c.companyName, domain: c.domain });
      }
      expect(SEED.customers.softwareClosed.country).toBe('AD');
      expect(SEED.customers.reservationsClosed.country).toBe('IN');
    });

    it('answers an unknown customer with 404 and the standard error body', async () => {
      const res = await api('GET', '/v1/customers/00000000-0000-0000-0000-000000000000');
      expect(res.status).toBe(404);
      expect(res.json).toEqual({
        code: expect.any(Number),
        description: expect.any(String),
        data: [],
        source: 'PartnerFD',
      });
    });

    it("lists a customer's subscriptions with the Azure plans' subscription ids", async () => {
      const res = await api('GET', `/v1/customers/${OPEN.id}/subscriptions`);
      const ids = res.json.items.map((s: { id: string }) => s.id);
      expect(ids).toEqual(
        expect.arrayContaining([SEED.subscriptions.registered.id, SEED.subscriptions.unregistered.id]),
      );
      expect(ids).not.toContain(SEED.subscriptions.otherCustomer.id);
      const plan = res.json.items.find((s: { id: string }) => s.id === SEED.subscriptions.registered.id);
      expect(plan).toMatchObject({
        offerName: 'Azure plan',
        friendlyName: SEED.subscriptions.registered.friendlyName,
      });
    });

    it('has one registered and one unregistered Azure subscription', async () => {
      const base = `/v1/customers/${OPEN.id}/subscriptions`;
      const registered = await api('GET', `${base}/${SEED.subscriptions.registered.id}/registrationstatus`);
      const unregistered = await api(
        'GET',
        `${base}/${SEED.subscriptions.unregistered.id}/registrationstatus`,
      );
      expect(registered.json).toEqual({
        subscriptionId: SEED.subscriptions.registered.id,
        status: 'Registered',
        attributes: { objectType: 'SubscriptionRegistrationStatus' },
      });
      expect(unregistered.json.status).toBe('NotRegistered');
    });

    it('refuses to register a subscription that is not an Azure subscription', async () => {
      const res = await api(
        'POST',
        `/v1/customers/${OPEN.id}/subscriptions/${SEED.subscriptions.nonAzure.id}/registrations`,
      );
      expect(res.status).toBe(400);
      expect(res.json.code).toBe(800011);
    });

    it('lists reservation products where reservations are sold and none in India', async () => {
      const us = await api('GET', '/v1/products?country=US&targetView=AzureReservations');
      expect(us.json.items.map((p: { id: string }) => p.id)).toContain(RI.productId);
      const india = await api('GET', '/v1/products?country=IN&targetView=AzureReservations');
      expect(india.status).toBe(200);
      expect(india.json.items).toEqual([]);
      const andorra = await api('GET', '/v1/products?country=AD&targetView=AzureReservations');
      expect(andorra.json.items.length).toBeGreaterThan(0);
    });

    it('lists software subscriptions in India but not in Andorra, and perpetual software in both', async () => {
      const india = await api('GET', '/v1/products?country=IN&targetView=SoftwareSubscriptions');
      expect(india.json.items.map((p: { id: string }) => p.id)).toContain(SW.productId);
      const andorra = await api('GET', '/v1/products?country=AD&targetView=SoftwareSubscriptions');
      expect(andorra.json.items).toEqual([]);
      const notFound = await api('GET', `/v1/products/${SW.productId}?country=AD`);
      expect(notFound.status).toBe(404);
      expect(notFound.json.code).toBe(400013);
      for (const country of ['AD', 'IN']) {
        const perpetual = await api('GET', `/v1/products?country=${country}&targetView=SoftwarePerpetual`);
        expect(perpetual.json.items.map((p: { id: string }) => p.id)).toContain(
          SEED.products.perpetual.productId,
        );
      }
    });

    it('refuses a targetView it does not know with 403/400036 and a missing country with 400', async () => {
      expect((await api('GET', '/v1/products?country=US&targetView=Nonsense')).json.code).toBe(400036);
      expect((await api('GET', '/v1/products?targetView=Software')).status).toBe(400);
    });

    it('serves every seeded product with its seeded SKUs, and no price on availabilities or terms', async () => {
      for (const p of Object.values(SEED.products)) {
        const product = await api('GET', `/v1/products/${p.productId}?country=US`);
        expect(product.json.title).toBe(p.title);
        const skus = await api('GET', `/v1/products/${p.productId}/skus?country=US`);
        expect(skus.json.items.map((s: { id: string }) => s.id)).toEqual([...p.skuIds]);
        for (const skuId of p.skuIds) {
          const av = await api('GET', `/v1/products/${p.productId}/skus/${skuId}/availabilities?country=US`);
          const availability = av.json.items[0];
          // The documented availabilities carry no price; the price sheet does.
          expect(availability.pricing).toBeUndefined();
          expect(availability.listPrice).toBeUndefined();
          for (const term of availability.terms) {
            expect(term.pricing).toBeUndefined();
            expect(term.listPrice).toBeUndefined();
          }
        }
      }
      const ri = await api(
        'GET',
        `/v1/products/${RI.productId}/skus/${RI.skuIds[0]}/availabilities?country=US`,
      );
      expect(ri.json.items[0].terms.map((t: { duration: string }) => t.duration)).toEqual(['P1Y', 'P3Y']);
      const perpetual = await api(
        'GET',
        `/v1/products/${SEED.products.perpetual.productId}/skus/0001/availabilities?country=US`,
      );
      expect(perpetual.json.items[0].terms).toEqual([]);
      expect(perpetual.json.items[0].pricing).toBeUndefined();
    });

    it("names a market's own currency as the availability's default currency", async () => {
      const gb = await api('GET', `/v1/products/${SW.productId}/skus/0001/availabilities?country=GB`);
      expect(gb.json.items[0].defaultCurrency).toEqual({ code: 'GBP', symbol: '£' });
    });

    it('has different reservation availabilities for Azure plans and for legacy subscriptions', async () => {
      const legacy = await catalogItemId(RI.productId, '0001');
      const plan = await catalogItemId(RI.productId, '0001', 'US', '&reservationScope=AzurePlan');
      expect(legacy).toBe(`${RI.productId}:0001:${SEED.availabilities.reservation}`);
      expect(plan).toBe(`${RI.productId}:0001:${SEED.availabilities.reservationAzurePlan}`);
    });

    it('seeds an InventoryCheck SKU that is in stock in one region and restricted in another', async () => {
      const sku = await api('GET', `/v1/products/${INV.productId}/skus/${INV.skuId}?country=US`);
      expect(sku.json.purchasePrerequisites).toContain('InventoryCheck');
      expect(sku.json.dynamicAttributes.armRegionName).toBe(INV.inStockRegion);
      const check = (skuId: string, region: string) =>
        api('POST', '/v1/extensions/product/checkInventory?country=US', {
          body: {
            targetItems: [{ productId: INV.productId, skuId }],
            inventoryContext: {
              customerId: OPEN.id,
              azureSubscriptionId: SEED.subscriptions.registered.id,
              armRegionName: region,
            },
          },
        });
      const inStock = await check(INV.skuId, INV.inStockRegion);
      expect(inStock.json).toEqual([
        { productId: INV.productId, skuId: INV.skuId, isRestricted: false, restrictions: [] },
      ]);
      const outOfStock = await check(INV.outOfStockSkuId, INV.outOfStockRegion);
      expect(outOfStock.json[0]).toMatchObject({
        isRestricted: true,
        restrictions: [
          {
            reasonCode: 'NotAvailableForSubscription',
            properties: { type: 'Location', values: INV.outOfStockRegion },
          },
        ],
      });
    });

    it('checks every SKU of a product when no SKU is named, and drops unknown products silently', async () => {
      const res = await api('POST', '/v1/extensions/product/checkinventory?country=US', {
        body: {
          TargetItems: [{ ProductId: INV.productId }, { ProductId: 'NOSUCHPRODUCT' }],
          InventoryContext: {
            CustomerId: OPEN.id,
            AzureSubscriptionId: SEED.subscriptions.registered.id,
            ArmRegionName: 'westus2',
          },
        },
      });
      expect(res.status).toBe(200);
      expect(res.json.map((i: { skuId: string }) => i.skuId)).toEqual([...RI.skuIds]);
    });
  });

  describe('reservation purchase, step by step', () => {
    it('registers, polls, discovers, checks stock, buys, and finds the order listed only after the delay', async () => {
      const sub = SEED.subscriptions.unregistered.id;
      const base = `/v1/customers/${OPEN.id}/subscriptions/${sub}`;
      const register = await api('POST', `${base}/registrations`);
      expect(register.status).toBe(202);
      expect(register.text).toBe('');
      expect(register.headers.location).toBe(`/customers/${OPEN.id}/subscriptions/${sub}/registrationstatus`);
      expect((await api('GET', `${base}/registrationstatus`)).json.status).toBe('Registering');

      // Buying before the registration completes fails on the registration.
      const early = await buy(OPEN.id, [
        riLine(await catalogItemId(RI.productId, INV.skuId, 'US', PLAN), sub),
      ]);
      expect(early.cart.lineItems[0].error).toMatchObject({ errorCode: 10011 });
      expect(early.result.orders).toEqual([]);
      expect(early.result.orderErrors).toEqual([
        { orderGroupId: '0', code: 800030, description: expect.any(String) },
      ]);

      clock.advance(5_000);
      expect((await api('GET', `${base}/registrationstatus`)).json.status).toBe('Registered');

      const products = await api('GET', '/v1/products?country=US&targetView=AzureReservations');
      expect(products.json.items.map((p: { id: string }) => p.id)).toContain(RI.productId);
      const skus = await api('GET', `/v1/products/${RI.productId}/skus?country=US`);
      const sku = skus.json.items.find((s: { id: string }) => s.id === INV.skuId);
      expect(sku.provisioningVariables).toEqual(['Scope', 'SubscriptionId', 'Duration']);
      const inventory = await api('POST', '/v1/extensions/product/checkInventory?country=US', {
        body: {
          targetItems: [{ productId: RI.productId, skuId: INV.skuId }],
          inventoryContext: {
            customerId: OPEN.id,
            azureSubscriptionId: sub,
            armRegionName: sku.dynamicAttributes.armRegionName,
          },
        },
      });
      expect(inventory.json[0].isRestricted).toBe(false);
      const item = await catalogItemId(RI.productId, INV.skuId, 'US', '&reservationScope=AzurePlan');

      const cart = await api('POST', `/v1/customers/${OPEN.id}/carts`, {
        body: { lineItems: [riLine(item, sub, 'P3Y')] },
      });
      expect(cart.status).toBe(201);
      expect(cart.json).toMatchObject({ status: 'Active', attributes: { objectType: 'Cart' } });
      expect(Date.parse(cart.json.expirationTimestamp) - Date.parse(cart.json.creationTimestamp)).toBe(
        7 * 86_400_000,
      );
      expect(cart.json.lineItems[0]).toMatchObject({
        orderGroup: '0',
        currencyCode: 'USD',
        billingCycle: 'one_time',
      });
      expect(cart.json.lineItems[0].error).toBeUndefined();

      const checkout = await api('POST', `/v1/customers/${OPEN.id}/carts/${cart.json.id}/checkout`);
      expect(checkout.status).toBe(201);
      expect(checkout.json.orderErrors).toBeUndefined();
      const [order] = checkout.json.orders;
      expect(order).toMatchObject({
        referenceCustomerId: OPEN.id,
        billingCycle: 'one_time',
        status: 'pending',
        lineItems: [
          {
            lineItemNumber: 0,
            offerId: item,
            quantity: 1,
            termDuration: 'P3Y',
            friendlyName: expect.any(String),
          },
        ],
      });
      expect(order.id).toMatch(/^[A-Za-z0-9_-]{33}$/);

      const byId = await api('GET', `/v1/customers/${OPEN.id}/orders/${order.id}`);
      expect(byId.status).toBe(200);
      expect(byId.json.id).toBe(order.id);
      const listed = async () =>
        (await api('GET', `/v1/customers/${OPEN.id}/orders`)).json.items.map((o: { id: string }) => o.id);
      expect(await listed()).not.toContain(order.id);
      expect((await api('GET', '/_sim/orders')).json.items.map((o: { id: string }) => o.id)).toContain(
        order.id,
      );

      clock.advance(899_999);
      expect(await listed()).not.toContain(order.id);
      clock.advance(1);
      expect(await listed()).toContain(order.id);
      const oneTime = await api('GET', `/v1/customers/${OPEN.id}/orders?billingType=OneTime`);
      expect(oneTime.json.items.map((o: { id: string }) => o.id)).toContain(order.id);
      expect((await api('GET', `/v1/customers/${OPEN.id}/orders/${order.id}`)).json.status).toBe('completed');
    });
  });

  describe('software subscription purchase', () => {
    it('discovers, buys with a chosen term, and lists the order after the delay', async () => {
      const products = await api('GET', '/v1/products?country=US&targetView=SoftwareSubscriptions');
      expect(products.json.items.map((p: { id: string }) => p.id)).toContain(SW.productId);
      const sku = await api('GET', `/v1/products/${SW.productId}/skus/0001?country=US`);
      expect(sku.json.purchasePrerequisites).not.toContain('InventoryCheck');
      const item = await catalogItemId(SW.productId, '0001');
      const { result } = await buy(OPEN.id, [
        { catalogItemId: item, quantity: 3, billingCycle: 'OneTime', termDuration: 'P3Y' },
      ]);
      const [order] = result.orders;
      expect(order.lineItems[0]).toMatchObject({ offerId: item, quantity: 3, termDuration: 'P3Y' });
      expect(order.lineItems[0].pricing.extendedPrice).toBe(3 * 16302);
      expect((await api('GET', `/v1/customers/${OPEN.id}/orders/${order.id}`)).status).toBe(200);
      const list = async () =>
        (await api('GET', `/v1/customers/${OPEN.id}/orders?billingType=one_time`)).json.items;
      expect((await list()).map((o: { id: string }) => o.id)).not.toContain(order.id);
      clock.advance(900_000);
      expect((await list()).map((o: { id: string }) => o.id)).toContain(order.id);
    });

    it('accepts the billing type in any of its spellings and refuses an unknown one', async () => {
      for (const billingType of ['onetime', 'OneTime', 'one_time', 'ONE_TIME']) {
        const res = await api('GET', `/v1/customers/${OPEN.id}/orders?billingType=${billingType}`);
        expect(res.status).toBe(200);
        expect(res.json.items.length).toBeGreaterThan(0);
        for (const o of res.json.items) expect(o.billingCycle).toBe('one_time');
      }
      expect((await api('GET', `/v1/customers/${OPEN.id}/orders?billingType=weekly`)).status).toBe(400);
    });
  });

  describe('checkout safety', () => {
    it('refuses a second checkout of the same cart with 400/800065 by default and buys nothing again', async () => {
      const item = await catalogItemId(SW.productId, '0001');
      const { cart } = await buy(OPEN.id, [
        { catalogItemId: item, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' },
      ]);
      const before = (await api('GET', '/_sim/orders')).json.totalCount;
      const again = await api('POST', `/v1/customers/${OPEN.id}/carts/${cart.id}/checkout`);
      expect(again.status).toBe(400);
      expect(again.json.code).toBe(800065);
      expect((await api('GET', '/_sim/orders')).json.totalCount).toBe(before);
      expect((await api('GET', `/v1/customers/${OPEN.id}/carts/${cart.id}`)).json.status).toBe('Ordered');
    });

    it('answers a write repeated with the same MS-RequestId with the stored first response', async () => {
      const item = await catalogItemId(SW.productId, '0001');
      const headers = { 'MS-RequestId': 'b85cb7ab-a0c1-4b4c-9a5b-4fb1c1a0f3b1' };
      const body = {
        lineItems: [{ catalogItemId: item, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' }],
      };
      const first = await api('POST', `/v1/customers/${OPEN.id}/carts`, { body, headers });
      const second = await api('POST', `/v1/customers/${OPEN.id}/carts`, { body, headers });
      expect(second.status).toBe(201);
      expect(second.json.id).toBe(first.json.id);
      expect(sim.state.carts.size).toBe(1);
      const other = await api('POST', `/v1/customers/${OPEN.id}/carts`, {
        body,
        headers: { 'MS-RequestId': 'another' },
      });
      expect(other.json.id).not.toBe(first.json.id);
      expect(second.headers['ms-requestid']).toBe(headers['MS-RequestId']);
    });

    it('keeps an unpurchasable cart open so it can be checked out once the problem is fixed', async () => {
      const sub = SEED.subscriptions.unregistered.id;
      const item = await catalogItemId(RI.productId, INV.skuId, 'US', PLAN);
      const { cart, result } = await buy(OPEN.id, [riLine(item, sub)]);
      expect(result.orderErrors[0].code).toBe(800030);
      await api('POST', `/v1/customers/${OPEN.id}/subscriptions/${sub}/registrations`);
      clock.advance(5_000);
      const retry = await api('POST', `/v1/customers/${OPEN.id}/carts/${cart.id}/checkout`);
      expect(retry.json.orders).toHaveLength(1);
      expect(retry.json.orderErrors).toBeUndefined();
    });

    it('forgets a cart seven days after creating it', async () => {
      const item = await catalogItemId(SW.productId, '0001');
      const cart = await api('POST', `/v1/customers/${OPEN.id}/carts`, {
        body: {
          lineItems: [{ catalogItemId: item, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' }],
        },
      });
      clock.advance(7 * 86_400_000);
      const checkout = await api('POST', `/v1/customers/${OPEN.id}/carts/${cart.json.id}/checkout`);
      expect(checkout.status).toBe(404);
      expect(checkout.json.code).toBe(800008);
    });

    it('groups one-time lines into one order and other billing cycles into their own', async () => {
      const ri = await catalogItemId(RI.productId, INV.skuId, 'US', PLAN);
      const sw = await catalogItemId(SW.productId, '0001');
      const { cart, result } = await buy(OPEN.id, [
        riLine(ri),
        { id: 1, catalogItemId: sw, quantity: 2, billingCycle: 'one_time', termDuration: 'P1Y' },
        { ...riLine(ri), id: 2, billingCycle: 'monthly' },
      ]);
      expect(cart.lineItems.map((l: { orderGroup: string }) => l.orderGroup)).toEqual(['0', '0', '1']);
      expect(
        result.orders.map((o: { billingCycle: string; lineItems: unknown[] }) => [
          o.billingCycle,
          o.lineItems.length,
        ]),
      ).toEqual([
        ['one_time', 2],
        ['monthly', 1],
      ]);
    });
  });

  describe('order errors', () => {
    it('refuses software subscriptions for a customer in Andorra', async () => {
      const item = await catalogItemId(SW.productId, '0001');
      const { result } = await buy(SEED.customers.softwareClosed.id, [
        { catalogItemId: item, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' },
      ]);
      expect(result.orders).toEqual([]);
      expect(result.orderErrors).toEqual([
        { orderGroupId: '0', code: 800070, description: expect.stringContaining('AD') },
      ]);
    });

    it('sells reservations in Andorra', async () => {
      const c = SEED.customers.softwareClosed;
      const item = await catalogItemId(RI.productId, INV.skuId, c.country, PLAN);
      const { result } = await buy(c.id, [riLine(item, SEED.subscriptions.softwareClosedRegistered.id)]);
      expect(result.orders).toHaveLength(1);
      // Azure plan reservations are priced in USD in every market (azure-plan-price-list.md).
      expect(result.orders[0].currencyCode).toBe('USD');
    });

    it('refuses Azure reservations for a customer in India but sells software there', async () => {
      const c = SEED.customers.reservationsClosed;
      const ri = await catalogItemId(RI.productId, INV.skuId, 'US', PLAN);
      const reservation = await buy(c.id, [riLine(ri, SEED.subscriptions.reservationsClosedRegistered.id)]);
      expect(reservation.result.orderErrors[0].code).toBe(800070);
      const sw = await catalogItemId(SW.productId, '0001', c.country);
      const software = await buy(c.id, [
        { catalogItemId: sw, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' },
      ]);
      expect(software.result.orders).toHaveLength(1);
    });

    it('refuses an availability of another market', async () => {
      const us = await catalogItemId(SW.productId, '0001', 'US');
      const { result } = await buy(SEED.customers.openSecond.id, [
        { catalogItemId: us, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' },
      ]);
      expect(result.orderErrors[0]).toMatchObject({ code: 800070 });
    });

    it('refuses perpetual software while the partner is not qualified', async () => {
      const item = await catalogItemId(SEED.products.perpetual.productId, '0001');
      const { result } = await buy(OPEN.id, [{ catalogItemId: item, quantity: 1, billingCycle: 'one_time' }]);
      expect(result.orderErrors).toEqual([
        { orderGroupId: '0', code: 800020, description: expect.any(String) },
      ]);
    });

    it('refuses a reservation in a region without stock', async () => {
      const item = await catalogItemId(INV.productId, INV.outOfStockSkuId, 'US', PLAN);
      const { cart, result } = await buy(OPEN.id, [riLine(item)]);
      expect(cart.lineItems[0].error).toMatchObject({ errorCode: 10003 });
      expect(result.orderErrors[0].code).toBe(800010);
      await api('POST', '/_sim/inventory', {
        body: { productId: INV.productId, region: INV.outOfStockRegion, inStock: true },
      });
      const retry = await api('POST', `/v1/customers/${OPEN.id}/carts/${cart.id}/checkout`);
      expect(retry.json.orders).toHaveLength(1);
    });

    it("refuses a reservation on another customer's subscription", async () => {
      const item = await catalogItemId(RI.productId, INV.skuId, 'US', PLAN);
      const { result } = await buy(OPEN.id, [riLine(item, SEED.subscriptions.otherCustomer.id)]);
      expect(result.orderErrors[0].code).toBe(800011);
    });

    it('fails checkout with 404/400019 when the availability went stale after the cart was made', async () => {
      const item = await catalogItemId(SW.productId, '0001');
      const cart = await api('POST', `/v1/customers/${OPEN.id}/carts`, {
        body: {
          lineItems: [{ catalogItemId: item, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' }],
        },
      });
      await api('POST', '/_sim/catalog/rotate', { body: { productId: SW.productId, skuId: '0001' } });
      const checkout = await api('POST', `/v1/customers/${OPEN.id}/carts/${cart.json.id}/checkout`);
      expect(checkout.status).toBe(404);
      expect(checkout.json.code).toBe(400019);
      const fresh = await catalogItemId(SW.productId, '0001');
      expect(fresh).not.toBe(item);
      const update = await api('PUT', `/v1/customers/${OPEN.id}/carts/${cart.json.id}`, {
        body: {
          lineItems: [{ catalogItemId: fresh, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' }],
        },
      });
      expect(update.status).toBe(201);
      const retry = await api('POST', `/v1/customers/${OPEN.id}/carts/${cart.json.id}/checkout`);
      expect(retry.json.orders).toHaveLength(1);
    });

    it('refuses to create a cart for an availability that never existed', async () => {
      const res = await api('POST', `/v1/customers/${OPEN.id}/carts`, {
        body: {
          lineItems: [
            { catalogItemId: `${SW.productId}:0001:DG7GMGNOSUCH`, quantity: 1, billingCycle: 'one_time' },
          ],
        },
      });
      expect(res.status).toBe(404);
      expect(res.json.code).toBe(400019);
    });

    it.each([
      ['no catalog item', false, { quantity: 1, billingCycle: 'one_time' }, 900142],
      ['a zero quantity', true, { quantity: 0, billingCycle: 'one_time', termDuration: 'P1Y' }, 800002],
      [
        'an unsupported billing cycle',
        true,
        { quantity: 1, billingCycle: 'annual', termDuration: 'P1Y' },
        800002,
      ],
      ['a term the SKU lacks', true, { quantity: 1, billingCycle: 'one_time', termDuration: 'P5Y' }, 800002],
      ['no billing cycle', true, { quantity: 1, termDuration: 'P1Y' }, 800002],
    ])('refuses a cart line with %s', async (_name, withItem, line, code) => {
      const item = await catalogItemId(SW.productId, '0001');
      const body = { lineItems: [withItem ? { catalogItemId: item, ...line } : line] };
      const res = await api('POST', `/v1/customers/${OPEN.id}/carts`, { body });
      expect(res.status).toBe(400);
      expect(res.json.code).toBe(code);
    });

    it('refuses a reservation line without the provisioning context its SKU asks for', async () => {
      const item = await catalogItemId(RI.productId, INV.skuId, 'US', PLAN);
      const res = await api('POST', `/v1/customers/${OPEN.id}/carts`, {
        body: {
          lineItems: [
            {
              catalogItemId: item,
              quantity: 1,
              billingCycle: 'one_time',
              termDuration: 'P1Y',
              provisioningContext: { scope: 'shared', duration: '1Year' },
            },
          ],
        },
      });
      expect(res.status).toBe(400);
      expect(res.json.description).toContain('subscriptionId');
    });
  });

  describe('cancellation', () => {
    it('cancels a software line inside its window and refuses to cancel a reservation', async () => {
      const cancelled = await api('PATCH', `/v1/customers/${OPEN.id}/orders/${SEED.orders.cancellable}`, {
        body: { id: SEED.orders.cancellable, status: 'cancelled', lineItems: [{ lineItemNumber: 0 }] },
      });
      expect(cancelled.status).toBe(200);
      expect(cancelled.json.lineItems[0].quantity).toBe(0);
      expect(cancelled.json.status).toBe('completed');
      const ri = await api('PATCH', `/v1/customers/${OPEN.id}/orders/${SEED.orders.reservation}`, {
        body: { status: 'cancelled', lineItems: [{ lineItemNumber: 0 }] },
      });
      expect(ri.status).toBe(403);
      expect(ri.json.code).toBe(800019);
      const late = await api('PATCH', `/v1/customers/${OPEN.id}/orders/${SEED.orders.software}`, {
        body: { status: 'cancelled', lineItems: [{ lineItemNumber: 0 }] },
      });
      expect(late.json.code).toBe(900117);
    });
  });

  describe('headers and controls', () => {
    it('echoes MS-RequestId and MS-CorrelationId', async () => {
      const res = await api('GET', '/v1/customers', {
        headers: { 'MS-RequestId': 'req-1', 'MS-CorrelationId': 'corr-1' },
      });
      expect(res.headers['ms-requestid']).toBe('req-1');
      expect(res.headers['ms-correlationid']).toBe('corr-1');
    });

    it('goes back to the seeded state on /_sim/reset', async () => {
      const item = await catalogItemId(SW.productId, '0001');
      await buy(OPEN.id, [
        { catalogItemId: item, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' },
      ]);
      await api(
        'POST',
        `/v1/customers/${OPEN.id}/subscriptions/${SEED.subscriptions.unregistered.id}/registrations`,
      );
      const seededOrders = Object.keys(SEED.orders).length;
      expect((await api('GET', '/_sim/orders')).json.totalCount).toBe(seededOrders + 1);
      expect((await api('POST', '/_sim/reset')).status).toBe(200);
      expect((await api('GET', '/_sim/orders')).json.totalCount).toBe(seededOrders);
      expect(sim.state.carts.size).toBe(0);
      const status = await api(
        'GET',
        `/v1/customers/${OPEN.id}/subscriptions/${SEED.subscriptions.unregistered.id}/registrationstatus`,
      );
      expect(status.json.status).toBe('NotRegistered');
    });

    it('answers an unknown path with 404 and a wrong method with 405', async () => {
      expect((await api('GET', '/v1/nothing/here')).status).toBe(404);
      expect((await api('DELETE', '/v1/customers')).status).toBe(405);
    });
  });
});
