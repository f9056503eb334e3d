import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import { appToken, call, manualClock, userToken, type CallOptions } from '../../fakes/partner-center/testkit';

const C = SEED.customers;
const S = SEED.subscriptions;
const RI = SEED.products.reservation;
const SW = SEED.products.softwareSubscription;
const PLAN = '&reservationScope=AzurePlan';

function riLine(catalogItemId: string, subscriptionId: string) {
  return {
    id: 0,
    catalogItemId,
    quantity: 1,
    billingCycle: 'one_time',
    termDuration: 'P1Y',
    provisioningContext: { subscriptionId, scope: 'shared', duration: '1Year' },
  };
}

describe('Partner Center simulator: no kinder than Microsoft', () => {
  let sim: Simulator;
  const clock = manualClock();
  const api = (method: string, path: string, opts?: CallOptions) => call(sim.url, method, path, opts);

  async function availabilities(productId: string, skuId: string, query = '', country = 'US') {
    const res = await api(
      'GET',
      `/v1/products/${productId}/skus/${skuId}/availabilities?country=${country}${query}`,
    );
    expect(res.status).toBe(200);
    return res.json.items as {
      id: string;
      catalogItemId: string;
      segment: string;
      defaultCurrency: { code: string };
    }[];
  }

  async function item(productId: string, skuId: string, query = '', country = 'US'): Promise<string> {
    const [first] = await availabilities(productId, skuId, query, country);
    if (!first) throw new Error(`no availability for ${productId}:${skuId}${query}`);
    return first.catalogItemId;
  }

  async function cartFor(customerId: string, lineItems: unknown[]) {
    return api('POST', `/v1/customers/${customerId}/carts`, { body: { lineItems } });
  }

  async function checkout(customerId: string, cartId: string, opts?: CallOptions) {
    return api('POST', `/v1/customers/${customerId}/carts/${cartId}/checkout`, opts);
  }

  async function buy(customerId: string, lineItems: unknown[]) {
    const cart = await cartFor(customerId, lineItems);
    expect(cart.status).toBe(201);
    const result = await checkout(customerId, cart.json.id);
    expect(result.status).toBe(201);
    return { cart: cart.json, result: result.json };
  }

  const software = (catalogItemId: string) => ({
    id: 0,
    catalogItemId,
    quantity: 1,
    billingCycle: 'one_time',
    termDuration: 'P1Y',
  });

  beforeAll(async () => {
    sim = await startSimulator({
      openAuth: true,
      now: clock.now,
      registrationDelayMs: 1_000,
      fulfillmentDelayMs: 1_000,
      planProvisioningDelayMs: 60_000,
      orderListDelayMs: 900_000,
    });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  describe('segments', () => {
    it('lists every segment but nonprofit when targetSegment is left out, and nonprofit only when asked', async () => {
      const sql = await availabilities(SW.productId, '0001');
      expect(sql.map((a) => a.segment).sort()).toEqual(['commercial', 'education', 'government']);
      const basic = await availabilities('CFQ7TTC0LH18', '0001');
      expect(basic.map((a) => a.segment)).toEqual(['commercial']);
      const nonprofit = await availabilities('CFQ7TTC0LH18', '0001', '&targetSegment=nonprofit');
      expect(nonprofit.map((a) => a.id)).toEqual([SEED.availabilities.onlineServicesNonprofit]);
      expect(
        (await availabilities(SW.productId, '0001', '&targetSegment=education')).map((a) => a.id),
      ).toEqual([SEED.availabilities.softwareEducation]);
    });

    it('narrows products and SKUs by targetSegment', async () => {
      const gov = await api(
        'GET',
        '/v1/products?country=US&targetView=OnlineServices&targetSegment=government',
      );
      expect(gov.json.items.map((p: { id: string }) => p.id)).toEqual(['CFQ7TTC0LFLS']);
      const skus = await api('GET', `/v1/products/${SW.productId}/skus?country=US&targetSegment=government`);
      expect(skus.json.items.map((s: { id: string }) => s.id)).toEqual(['0001']);
      const bad = await api('GET', '/v1/products?country=US&targetView=Software&targetSegment=military');
      expect(bad.status).toBe(403);
      expect(bad.json.code).toBe(400030);
    });

    it("tells a customer's segment through the documented qualifications read", async () => {
      const edu = await api('GET', `/v1/customers/${C.education.id}/qualifications`);
      expect(edu.status).toBe(200);
      expect(edu.json).toEqual([
        { qualification: 'Education', vettingStatus: 'Approved', vettingCreatedDate: expect.any(String) },
      ]);
      const gov = await api('GET', `/v1/customers/${C.government.id}/qualifications`);
      expect(gov.json[0]).toMatchObject({
        qualification: 'GovernmentCommunityCloud',
        vettingStatus: 'Approved',
      });
      expect((await api('GET', `/v1/customers/${C.open.id}/qualifications`)).json).toEqual([]);
    });

    it('refuses at checkout an availability whose segment the customer does not qualify for (800086)', async () => {
      const edu = await item(SW.productId, '0001', '&targetSegment=education');
      const { cart, result } = await buy(C.open.id, [software(edu)]);
      expect(result.orders).toEqual([]);
      expect(result.orderErrors).toEqual([
        { orderGroupId: '0', code: 800086, description: expect.any(String) },
      ]);
      expect(cart.status).toBe('Active');
      const gov = await item(SW.productId, '0001', '&targetSegment=government');
      expect((await buy(C.education.id, [software(gov)])).result.orderErrors[0].code).toBe(800086);
      expect((await buy(C.government.id, [software(gov)])).result.orders).toHaveLength(1);
      // Commercial availabilities stay open to qualified customers.
      const commercial = await item(SW.productId, '0001', '&targetSegment=commercial');
      expect((await buy(C.education.id, [software(commercial)])).result.orders).toHaveLength(1);
    });
  });

  describe('reservation scope', () => {
    it('gives reservations different availabilities with and without reservationScope=AzurePlan', async () => {
      const legacy = await availabilities(RI.productId, '0001');
      const plan = await availabilities(RI.productId, '0001', PLAN);
      expect(legacy.map((a) => a.id)).toEqual([SEED.availabilities.reservation]);
      expect(plan.map((a) => a.id)).toEqual([SEED.availabilities.reservationAzurePlan]);
      const skus = await api('GET', '/v1/products/DZH318Z0BQ3V/skus?country=US');
      const planSkus = await api('GET', `/v1/products/DZH318Z0BQ3V/skus?country=US${PLAN}`);
      expect(skus.json.items.map((s: { id: string }) => s.id)).toEqual(['00G1']);
      expect(planSkus.json.items.map((s: { id: string }) => s.id)).toEqual(['00G1', '00G2']);
      expect(await availabilities('DZH318Z0BQ3V', '00G2')).toEqual([]);
    });

    it('refuses a legacy-catalog reservation for an Azure plan, and an Azure plan reservation for MS-AZR-0145P (900315)', async () => {
      const legacyItem = await item(RI.productId, '0001');
      const planItem = await item(RI.productId, '0001', PLAN);
      const onPlan = await buy(C.open.id, [riLine(legacyItem, S.registered.id)]);
      expect(onPlan.cart.lineItems[0].error).toMatchObject({ errorCode: 10007 });
      expect(onPlan.result.orderErrors[0].code).toBe(900315);
      const onLegacy = await buy(C.legacyAzure.id, [riLine(planItem, S.legacyAzure.id)]);
      expect(onLegacy.result.orderErrors[0].code).toBe(900315);
      const fits = await buy(C.legacyAzure.id, [riLine(legacyItem, S.legacyAzure.id)]);
      expect(fits.result.orders).toHaveLength(1);
      expect(fits.result.orderErrors).toBeUndefined();
    });

    it('refuses a Microsoft 365 subscription as the subscription of a reservation (800011)', async () => {
      const planItem = await item(RI.productId, '0001', PLAN);
      const { cart, result } = await buy(C.open.id, [riLine(planItem, S.nonAzure.id)]);
      expect(cart.lineItems[0].error).toMatchObject({ errorCode: 10007 });
      expect(result.orderErrors[0].code).toBe(800011);
      const register = await api(
        'POST',
        `/v1/customers/${C.open.id}/subscriptions/${S.nonAzure.id}/registrations`,
      );
      expect(register.status).toBe(400);
    });

    it('lists the legacy subscription with its MS-AZR-0145P offer', async () => {
      const subs = await api('GET', `/v1/customers/${C.legacyAzure.id}/subscriptions`);
      expect(subs.json.items).toEqual([
        expect.objectContaining({ id: S.legacyAzure.id, offerId: 'MS-AZR-0145P', billingType: 'usage' }),
      ]);
    });
  });

  describe('attestation', () => {
    const A = SEED.attestation;
    const line = (accepted?: boolean) => ({
      id: 0,
      catalogItemId: A.catalogItemId,
      quantity: 2,
      billingCycle: 'monthly',
      termDuration: 'P1M',
      ...(accepted === undefined ? {} : { attestationAccepted: accepted }),
    });

    it('shows the SKU attestation properties as documented', async () => {
      const sku = await api('GET', `/v1/products/${A.productId}/skus/${A.skuId}?country=US`);
      expect(sku.json.attestationProperties).toEqual({
        attestationType: 'Windows365',
        enforceAttestation: true,
      });
      const other = await api('GET', `/v1/products/${SW.productId}/skus/0001?country=US`);
      expect(other.json.attestationProperties).toBeUndefined();
    });

    it('marks the cart line 10012 and refuses checkout with 400/900203 until attestationAccepted is true', async () => {
      for (const accepted of [undefined, false]) {
        const cart = await cartFor(C.open.id, [line(accepted)]);
        expect(cart.status).toBe(201);
        expect(cart.json.lineItems[0].error).toMatchObject({ errorCode: 10012 });
        const result = await checkout(C.open.id, cart.json.id);
        expect(result.status).toBe(400);
        expect(result.json.code).toBe(900203);
        expect(result.json.description).toContain(A.catalogItemId);
      }
      const { cart, result } = await buy(C.open.id, [line(true)]);
      expect(cart.lineItems[0].error).toBeUndefined();
      expect(cart.lineItems[0].attestationAccepted).toBe(true);
      expect(result.orders).toHaveLength(1);
    });
  });

  describe('Microsoft Customer Agreement', () => {
    it('refuses carts for a customer whose MCA acceptance was never confirmed (403/13605)', async () => {
      const cart = await cartFor(C.noAgreement.id, [software(await item(SW.productId, '0001'))]);
      expect(cart.status).toBe(403);
      expect(cart.json.code).toBe(13605);
      const plan = await cartFor(C.noAgreement.id, [
        { id: 0, catalogItemId: SEED.azurePlan.catalogItemId, quantity: 1, billingCycle: 'one_time' },
      ]);
      expect(plan.status).toBe(403);
      expect(plan.json.code).toBe(13605);
    });

    it('says so in the agreements read, and sells once the partner confirms acceptance', async () => {
      const token = await userToken(sim);
      const read = (customerId: string, t = token) =>
        call(
          sim.url,
          'GET',
          `/v1/customers/${customerId}/agreements?agreementType=MicrosoftCustomerAgreement`,
          {
            token: t,
          },
        );
      const none = await read(C.noAgreement.id);
      expect(none.status).toBe(200);
      expect(none.json).toEqual({ totalCount: 0, items: [], attributes: { objectType: 'Collection' } });
      const open = await read(C.open.id);
      expect(open.json.items[0]).toMatchObject({
        type: 'MicrosoftCustomerAgreement',
        templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
        agreementLink: 'https://aka.ms/customeragreement',
      });
      // Without agreementType the read means MicrosoftCloudAgreement.
      expect(
        (await call(sim.url, 'GET', `/v1/customers/${C.open.id}/agreements`, { token })).json.totalCount,
      ).toBe(0);
      const status = await call(
        sim.url,
        'GET',
        `/v1/customers/${C.noAgreement.id}/directSignedMicrosoftCustomerAgreementStatus`,
        { token },
      );
      expect(status.json).toEqual({ isSigned: false });

      const confirm = await call(sim.url, 'POST', `/v1/customers/${C.noAgreement.id}/agreements`, {
        token,
        body: {
          primaryContact: { firstName: 'Dana', lastName: 'Birkby', email: 'dana@treyresearch.net' },
          templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
          dateAgreed: '2025-03-01T00:00:00.000Z',
          type: 'MicrosoftCustomerAgreement',
        },
      });
      expect(confirm.status).toBe(201);
      expect((await read(C.noAgreement.id)).json.totalCount).toBe(1);
      expect(
        (await buy(C.noAgreement.id, [software(await item(SW.productId, '0001'))])).result.orders,
      ).toHaveLength(1);
    });
  });

  describe('Azure plan', () => {
    const planLine = {
      id: 0,
      catalogItemId: SEED.azurePlan.catalogItemId,
      quantity: 1,
      billingCycle: 'one_time',
    };

    it('is found with targetView=MicrosoftAzure, as the documented SKU', async () => {
      const products = await api('GET', '/v1/products?country=US&targetView=MicrosoftAzure');
      expect(products.json.items.map((p: { id: string }) => p.id)).toEqual([SEED.azurePlan.productId]);
      const sku = await api('GET', `/v1/products/${SEED.azurePlan.productId}/skus/0001?country=US`);
      expect(sku.json).toMatchObject({
        title: 'Microsoft Azure plan',
        minimumQuantity: 1,
        maximumQuantity: 1,
        supportedBillingCycles: ['one_time'],
        purchasePrerequisites: ['MicrosoftCustomerAgreement'],
      });
      expect((await availabilities(SEED.azurePlan.productId, '0001')).map((a) => a.id)).toEqual([
        SEED.azurePlan.availabilityId,
      ]);
    });

    it('creates the subscription only after the provisioning delay, then it registers and takes reservations', async () => {
      const noAzure = C.noAzure.id;
      expect((await api('GET', `/v1/customers/${noAzure}/subscriptions`)).json.items).toEqual([]);
      const { result } = await buy(noAzure, [planLine]);
      const order = result.orders[0];
      expect(order.status).toBe('pending');
      expect(order.lineItems[0].subscriptionId).toBeUndefined();
      expect((await api('GET', `/v1/customers/${noAzure}/subscriptions`)).json.items).toEqual([]);

      clock.advance(60_000);
      const done = await api('GET', `/v1/customers/${noAzure}/orders/${order.id}`);
      expect(done.json.status).toBe('completed');
      const planId = done.json.lineItems[0].subscriptionId as string;
      const subs = await api('GET', `/v1/customers/${noAzure}/subscriptions`);
      expect(subs.json.items).toEqual([
        expect.objectContaining({ id: planId, offerId: 'DZH318Z0BPS6:0001', orderId: order.id }),
      ]);
      const entitlements = await api(
        'GET',
        `/v1/customers/${noAzure}/subscriptions/${planId}/azureEntitlements`,
      );
      expect(entitlements.json.items[0]).toMatchObject({ status: 'active' });

      const ri = await item(RI.productId, '0001', PLAN);
      expect((await buy(noAzure, [riLine(ri, planId)])).result.orderErrors[0].code).toBe(800030);
      expect(
        (await api('POST', `/v1/customers/${noAzure}/subscriptions/${planId}/registrations`)).status,
      ).toBe(202);
      clock.advance(1_000);
      expect((await buy(noAzure, [riLine(ri, planId)])).result.orders).toHaveLength(1);
    });

    it('sells one Azure plan per customer and none to a customer with an MS-AZR-0145P subscription', async () => {
      expect((await buy(C.open.id, [planLine])).result.orderErrors[0].code).toBe(800020);
      expect((await buy(C.legacyAzure.id, [planLine])).result.orderErrors[0].code).toBe(800020);
      expect((await buy(C.noAzure.id, [planLine])).result.orders).toHaveLength(1);
      expect((await buy(C.noAzure.id, [planLine])).result.orderErrors[0].code).toBe(800020);
    });
  });

  describe('checkout modes', () => {
    async function orderedCart() {
      const cart = await cartFor(C.open.id, [software(await item(SW.productId, '0001'))]);
      const first = await checkout(C.open.id, cart.json.id);
      expect(first.status).toBe(201);
      return { cartId: cart.json.id as string, first: first.json };
    }

    it('answers a repeated checkout with 400/800065 by default', async () => {
      expect((await api('GET', '/_sim/checkout-mode')).json).toEqual({ mode: '800065' });
      const { cartId } = await orderedCart();
      const again = await checkout(C.open.id, cartId);
      expect(again.status).toBe(400);
      expect(again.json).toMatchObject({ code: 800065, source: 'PartnerFD' });
    });

    it('answers a repeated checkout with the original result in idempotent mode', async () => {
      expect((await api('POST', '/_sim/checkout-mode', { body: { mode: 'idempotent' } })).status).toBe(200);
      const { cartId, first } = await orderedCart();
      const again = await checkout(C.open.id, cartId);
      expect(again.status).toBe(201);
      expect(again.json.orders.map((o: { id: string }) => o.id)).toEqual(
        first.orders.map((o: { id: string }) => o.id),
      );
      expect(
        (await api('GET', '/_sim/orders')).json.items.filter(
          (o: { _sim: { cartId?: string } }) => o._sim.cartId === cartId,
        ),
      ).toHaveLength(1);
    });

    it('answers a successful checkout with a bare Order in bare-order mode', async () => {
      await api('POST', '/_sim/checkout-mode', { body: { mode: 'bare-order' } });
      const { cartId, first } = await orderedCart();
      expect(first.orders).toBeUndefined();
      expect(first).toMatchObject({
        referenceCustomerId: C.open.id,
        status: 'pending',
        attributes: { objectType: 'Order' },
      });
      expect((await checkout(C.open.id, cartId)).json.code).toBe(800065);
    });

    it('refuses an unknown mode and goes back to 800065 on reset', async () => {
      expect((await api('POST', '/_sim/checkout-mode', { body: { mode: 'lenient' } })).status).toBe(400);
      await api('POST', '/_sim/checkout-mode', { body: { mode: 'idempotent' } });
      await api('POST', '/_sim/reset');
      expect((await api('GET', '/_sim/checkout-mode')).json.mode).toBe('800065');
    });

    it('replays a checkout retried with the same MS-RequestId after its answer was lost, even in 800065 mode', async () => {
      const cart = await cartFor(C.open.id, [software(await item(SW.productId, '0001'))]);
      await api('POST', '/_sim/faults', { body: { path: '/checkout', when: 'after', drop: true, count: 1 } });
      const headers = { 'MS-RequestId': '6f1c2f3e-8f7d-4b0a-9a51-0a1b2c3d4e5f' };
      await expect(checkout(C.open.id, cart.json.id, { headers })).rejects.toThrow();
      const retry = await checkout(C.open.id, cart.json.id, { headers });
      expect(retry.status).toBe(201);
      expect(retry.json.orders).toHaveLength(1);
      const log = (await api('GET', '/_sim/requests')).json.items.filter((e: { path: string }) =>
        e.path.endsWith('/checkout'),
      );
      expect(log.map((e: { replayed?: boolean }) => e.replayed ?? false)).toEqual([false, true]);
      // A new MS-RequestId is a new call: the cart is ordered.
      expect((await checkout(C.open.id, cart.json.id)).json.code).toBe(800065);
    });
  });

  describe('order status control', () => {
    async function softwareOrder() {
      const { result } = await buy(C.open.id, [software(await item(SW.productId, '0001'))]);
      return result.orders[0] as { id: string; status: string };
    }

    it('goes pending → completed after the fulfilment delay', async () => {
      const order = await softwareOrder();
      expect(order.status).toBe('pending');
      clock.advance(1_000);
      expect((await api('GET', `/v1/customers/${C.open.id}/orders/${order.id}`)).json.status).toBe(
        'completed',
      );
    });

    it('sets a final status, seen on GET by id, in lists and in the provisioning status', async () => {
      const order = await softwareOrder();
      const patched = await api('PATCH', `/_sim/orders/${order.id}`, { body: { status: 'pending review' } });
      expect(patched.status).toBe(200);
      expect(patched.json.status).toBe('pending review');
      clock.advance(900_000);
      expect((await api('GET', `/v1/customers/${C.open.id}/orders/${order.id}`)).json.status).toBe(
        'pending review',
      );
      const listed = await api('GET', `/v1/customers/${C.open.id}/orders`);
      expect(listed.json.items.find((o: { id: string }) => o.id === order.id).status).toBe('pending review');
      const provisioning = await api(
        'GET',
        `/v1/customers/${C.open.id}/orders/${order.id}/provisioningstatus`,
      );
      expect(provisioning.json.items[0].status).toBe('prefulfillment_pending');
      const entitlements = await api('GET', `/v1/customers/${C.open.id}/entitlements`);
      expect(
        entitlements.json.items.some(
          (e: { referenceOrder: { id: string } }) => e.referenceOrder.id === order.id,
        ),
      ).toBe(false);

      await api('PATCH', `/_sim/orders/${order.id}`, { body: { status: 'error' } });
      expect(
        (await api('GET', `/v1/customers/${C.open.id}/orders/${order.id}/provisioningstatus`)).json.items[0]
          .status,
      ).toBe('unfulfilled');
      await api('PATCH', `/_sim/orders/${order.id}`, {
        body: { status: 'completed', provisioningStatus: 'fulfilled' },
      });
      expect(
        (await api('GET', `/v1/customers/${C.open.id}/entitlements`)).json.items.some(
          (e: { referenceOrder: { id: string } }) => e.referenceOrder.id === order.id,
        ),
      ).toBe(true);
    });

    it('refuses an undocumented status and an unknown order', async () => {
      const order = await softwareOrder();
      expect((await api('PATCH', `/_sim/orders/${order.id}`, { body: { status: 'shipped' } })).status).toBe(
        400,
      );
      expect((await api('PATCH', '/_sim/orders/nope', { body: { status: 'error' } })).status).toBe(404);
    });
  });
});

describe('Partner Center simulator: App+User-only reads of the strict surface', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('refuses app-only tokens on the agreements reads (App+User only) but not on qualifications (App or App+User)', async () => {
    const app = await appToken(sim);
    const user = await userToken(sim);
    const agreements = `/v1/customers/${C.open.id}/agreements?agreementType=MicrosoftCustomerAgreement`;
    const refused = await call(sim.url, 'GET', agreements, { token: app });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe(900329);
    expect((await call(sim.url, 'GET', agreements, { token: user })).status).toBe(200);
    expect(
      (await call(sim.url, 'GET', '/v1/agreements?agreementType=MicrosoftCustomerAgreement', { token: app }))
        .status,
    ).toBe(403);
    const qualifications = `/v1/customers/${C.education.id}/qualifications`;
    expect((await call(sim.url, 'GET', qualifications, { token: app })).status).toBe(200);
  });
});
