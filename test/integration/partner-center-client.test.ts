import { Agent, request } from 'undici';
import { isAppError } from '../../src/errors';
import {
  MsalTokenProvider,
  NoAuthTokenProvider,
  PartnerCenterClient,
  PartnerCenterError,
  type Availability,
  type MsalTokenProviderOptions,
  type PartnerCenterClientOptions,
  type TokenProvider,
} from '../../src/partner-center';
import { SEED, startSimulator, type Simulator } from '../../fakes/partner-center';

/**
 * The real client against the simulator over real HTTP (and real HTTPS + MSAL for tokens).
 */

const TENANT = 'partner-tenant';
const OPEN = SEED.customers.open.id;
const RI = SEED.inventoryCheck;

interface LoggedRequest {
  server: 'api' | 'authority';
  method: string;
  path: string;
  status: number | 'dropped';
  msRequestId?: string;
  msCorrelationId?: string;
  xLocale?: string;
  auth: string;
  replayed?: boolean;
  fault?: string;
}

let sim: Simulator;
let agent: Agent;
let sleeps: number[];

async function control<T = unknown>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await request(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    dispatcher: agent,
  });
  const text = await res.body.text();
  if (res.statusCode >= 400) throw new Error(`${method} ${path} → ${res.statusCode}: ${text}`);
  return JSON.parse(text) as T;
}

async function fault(rule: Record<string, unknown>): Promise<void> {
  await control('POST', '/_sim/faults', rule);
}

async function requests(filter: (r: LoggedRequest) => boolean = () => true): Promise<LoggedRequest[]> {
  const log = await control<{ items: LoggedRequest[] }>('GET', '/_sim/requests');
  return log.items.filter(filter);
}

const api = (pathPart: string) => (r: LoggedRequest) => r.server === 'api' && r.path.includes(pathPart);

function msal(overrides: Partial<MsalTokenProviderOptions> = {}): MsalTokenProvider {
  return new MsalTokenProvider({
    tenantId: TENANT,
    clientId: 'pc-purchase-bot',
    clientSecret: 'a-client-secret',
    refreshToken: 'a-refresh-token',
    authorityUrl: sim.authorityUrl,
    dispatcher: agent,
    ...overrides,
  });
}

let sharedTokens: MsalTokenProvider;

function client(overrides: Partial<PartnerCenterClientOptions> = {}): PartnerCenterClient {
  return new PartnerCenterClient({
    baseUrl: sim.url,
    tokens: sharedTokens,
    dispatcher: agent,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...overrides,
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  sim = await startSimulator({ registrationDelayMs: 300, orderListDelayMs: 0, fulfillmentDelayMs: 200 });
  agent = new Agent({ connect: { ca: sim.tlsCaPem } });
  sharedTokens = msal();
});

afterAll(async () => {
  await agent.close();
  await sim.close();
});

beforeEach(() => {
  sim.reset();
  sleeps = [];
});

describe('customers and subscriptions', () => {
  it('finds customers by the start of their name and reads a customer’s billing country', async () => {
    const pc = client();
    const found = await pc.listCustomers({ nameStartsWith: 'contoso' });
    expect(found.items.map((c) => c.companyProfile?.companyName).sort()).toEqual([
      'Contoso Ltd',
      'Contoso Pharmaceuticals',
    ]);
    const customer = await pc.getCustomer(OPEN);
    expect(customer.billingCountry).toBe('US');
    expect((await pc.getCustomer(SEED.customers.softwareClosed.id)).billingCountry).toBe('AD');
  });

  it('walks every page of customers by continuation token', async () => {
    const names: string[] = [];
    for await (const c of client().iterateCustomers({ size: 2 }))
      names.push(c.companyProfile?.companyName ?? '');
    expect(names).toHaveLength(Object.keys(SEED.customers).length);
    expect((await requests(api('/v1/customers'))).length).toBeGreaterThanOrEqual(3);
  });

  it('lists a customer’s subscriptions', async () => {
    const subs = await client().listSubscriptions(OPEN);
    expect(subs.items.map((s) => s.id.toLowerCase())).toEqual(
      expect.arrayContaining([
        SEED.subscriptions.registered.id,
        SEED.subscriptions.unregistered.id,
        SEED.subscriptions.nonAzure.id,
      ]),
    );
  });

  it('answers an unknown customer with pc_not_found', async () => {
    await expect(client().getCustomer('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({
      code: 'pc_not_found',
      status: 404,
    });
  });
});

describe('the reservation purchase, end to end', () => {
  it('registers the subscription, checks inventory, buys through a cart and reads the order, entitlement and reservation', async () => {
    const pc = client();
    const subscriptionId = SEED.subscriptions.unregistered.id;

    // Enablement: register, then poll until Registered.
    expect((await pc.getRegistrationStatus(OPEN, subscriptionId)).status).toBe('not_registered');
    const registration = await pc.registerSubscription(OPEN, subscriptionId);
    expect(registration.location?.toLowerCase()).toContain(
      `/subscriptions/${subscriptionId}/registrationstatus`,
    );
    expect((await pc.getRegistrationStatus(OPEN, subscriptionId)).status).toBe('registering');
    await until('registration', async () => {
      const s = await pc.getRegistrationStatus(OPEN, subscriptionId);
      return s.status === 'registered' ? s : undefined;
    });

    // Discovery.
    const products = await pc.listProducts({
      country: 'US',
      targetView: 'AzureReservationsVM',
      reservationScope: 'AzurePlan',
    });
    expect(products.items.map((p) => p.id)).toContain(RI.productId);
    const product = await pc.getProduct(RI.productId, 'US');
    expect(product.title).toBe(SEED.products.reservation.title);
    const skus = await pc.listSkus(RI.productId, 'US', { reservationScope: 'AzurePlan' });
    expect(skus.items.map((s) => s.id)).toEqual(
      expect.arrayContaining([...SEED.products.reservation.skuIds]),
    );
    const sku = await pc.getSku(RI.productId, RI.skuId, 'US');
    expect(sku.purchasePrerequisites).toEqual(
      expect.arrayContaining(['AzureSubscriptionRegistration', 'InventoryCheck']),
    );

    // Inventory check with the SKU's inventory variables.
    const region = String(sku.dynamicAttributes?.['armRegionName']);
    const inventory = await pc.checkInventory('US', {
      targetItems: [{ productId: RI.productId, skuId: RI.skuId }],
      inventoryContext: { customerId: OPEN, azureSubscriptionId: subscriptionId, armRegionName: region },
    });
    expect(inventory).toEqual([
      expect.objectContaining({ productId: RI.productId, skuId: RI.skuId, isRestricted: false }),
    ]);

    // Availability for Azure plans, fetched just before buying.
    const availabilities = await pc.listAvailabilities(RI.productId, RI.skuId, 'US', {
      reservationScope: 'AzurePlan',
    });
    const listed = availabilities.items.find((a) => a.terms?.some((t) => t.duration === 'P1Y'));
    if (!listed) throw new Error('no P1Y availability');
    const availability: Availability = await pc.getAvailability(RI.productId, RI.skuId, listed.id, 'US');
    expect(availability.catalogItemId).toBe(`${RI.productId}:${RI.skuId}:${listed.id}`);

    // Cart → update → checkout.
    const cart = await pc.createCart(OPEN, {
      lineItems: [
        {
          id: 0,
          catalogItemId: availability.catalogItemId,
          quantity: 1,
          billingCycle: 'one_time',
          termDuration: 'P1Y',
          provisioningContext: { subscriptionId, scope: 'shared', duration: '1Year' },
        },
      ],
    });
    expect(cart.status).toBe('active');
    expect(cart.lineItems[0]?.error ?? undefined).toBeUndefined();
    const fetched = await pc.getCart(OPEN, cart.id);
    const line = fetched.lineItems[0];
    if (!line) throw new Error('cart has no line');
    const updated = await pc.updateCart(OPEN, cart.id, { ...fetched, lineItems: [{ ...line, quantity: 2 }] });
    expect(updated.lineItems[0]?.quantity).toBe(2);
    const result = await pc.checkoutCart(OPEN, cart.id);
    expect(result.orderErrors).toEqual([]);
    const placed = result.orders[0];
    if (!placed) throw new Error('checkout made no order');

    // Order by id, then in the lists.
    const order = await pc.getOrder(OPEN, placed.id);
    expect(order.billingCycle).toBe('one_time');
    expect(order.lineItems[0]).toMatchObject({ offerId: availability.catalogItemId, quantity: 2 });
    expect((await pc.listOrders(OPEN)).items.map((o) => o.id)).toContain(placed.id);
    const oneTime = await pc.listOrdersByBillingType(OPEN, 'OneTime');
    expect(oneTime.items.map((o) => o.id)).toContain(placed.id);
    expect(oneTime.items.every((o) => o.billingCycle === 'one_time')).toBe(true);

    // Fulfilment, the entitlement and the reservation behind it (App+User).
    await until('fulfilment', async () => {
      const o = await pc.getOrder(OPEN, placed.id);
      return o.status === 'completed' ? o : undefined;
    });
    const provisioning = await pc.getOrderProvisioningStatus(OPEN, placed.id);
    expect(provisioning.items[0]?.status).toBe('fulfilled');
    const entitlements = await pc.listEntitlements(OPEN, {
      entitlementType: 'reservedInstance',
      showExpiry: true,
    });
    const entitlement = entitlements.items.find((e) => e.referenceOrder.id === placed.id);
    const artifact = entitlement?.entitledArtifacts?.[0];
    if (!artifact?.link) throw new Error('the reservation entitlement has no artifact link');
    const details = await pc.getReservationDetails(artifact.link);
    expect(details.reservations.length).toBeGreaterThan(0);
    expect(details.reservations[0]?.quantity).toBe(2);
  });

  it('reports a restricted region from the inventory check', async () => {
    const sku = await client().getSku(RI.productId, RI.outOfStockSkuId, 'US');
    const inventory = await client().checkInventory('US', {
      targetItems: [{ productId: RI.productId, skuId: RI.outOfStockSkuId }],
      inventoryContext: {
        customerId: OPEN,
        azureSubscriptionId: SEED.subscriptions.registered.id,
        armRegionName: String(sku.dynamicAttributes?.['armRegionName']),
      },
    });
    expect(inventory[0]?.isRestricted).toBe(true);
    expect(inventory[0]?.restrictions.length).toBeGreaterThan(0);
  });
});

describe('the software subscription purchase, end to end', () => {
  it('discovers the SKU, buys it through a cart and finds the order and the software entitlement', async () => {
    const pc = client();
    const { productId } = SEED.products.softwareSubscription;
    const products = await pc.listProducts({ country: 'US', targetView: 'SoftwareSubscriptions' });
    expect(products.items.map((p) => p.id)).toContain(productId);
    const skus = await pc.listSkus(productId, 'US');
    const skuId = skus.items[0]?.id ?? '';
    const sku = await pc.getSku(productId, skuId, 'US');
    expect(sku.supportedBillingCycles).toContain('one_time');
    const availability = (await pc.listAvailabilities(productId, skuId, 'US')).items[0];
    if (!availability) throw new Error('no availability');
    const term = availability.terms?.[0]?.duration;

    const cart = await pc.createCart(OPEN, {
      lineItems: [
        {
          id: 0,
          catalogItemId: availability.catalogItemId,
          quantity: 3,
          billingCycle: 'one_time',
          termDuration: term,
        },
      ],
    });
    const result = await pc.checkoutCart(OPEN, cart.id);
    const placed = result.orders[0];
    if (!placed) throw new Error(`checkout failed: ${JSON.stringify(result.orderErrors)}`);
    const order = await pc.getOrder(OPEN, placed.id);
    expect(order.lineItems[0]).toMatchObject({ offerId: availability.catalogItemId, quantity: 3 });

    await until('fulfilment', async () =>
      (await pc.getOrder(OPEN, placed.id)).status === 'completed' ? true : undefined,
    );
    const software = await pc.listEntitlements(OPEN, { entitlementType: 'software' });
    expect(
      software.items.some((e) => e.referenceOrder.id === placed.id && e.entitlementType === 'software'),
    ).toBe(true);
  });
});

describe('billing', () => {
  it('reads the balance, the per-currency summaries, the invoices page by page and one invoice', async () => {
    const pc = client();
    const balance = await pc.getBalance();
    expect(typeof balance.balanceAmount).toBe('number');
    const summaries = await pc.listInvoiceSummaries();
    expect(summaries.items.length).toBeGreaterThan(0);

    const firstPage = await pc.listInvoices({ size: 1 });
    expect(firstPage.items).toHaveLength(1);
    const all: string[] = [];
    for await (const invoice of pc.iterateInvoices({ size: 1 })) all.push(invoice.id);
    expect(all).toEqual(expect.arrayContaining(Object.values(SEED.invoices)));
    expect(new Set(all).size).toBe(all.length);

    const invoice = await pc.getInvoice(SEED.invoices.oneTime);
    expect(invoice.invoiceType).toBe('one_time');
  });

  it('follows continuation tokens through every OneTime line item of an invoice', async () => {
    const lines = [];
    for await (const line of client().listOneTimeLineItems(SEED.invoices.oneTime, { size: 1 }))
      lines.push(line);
    expect(lines).toHaveLength(4);
    expect(
      lines.every((l) => l.invoiceNumber === SEED.invoices.oneTime && typeof l.unitPrice === 'number'),
    ).toBe(true);
    const seeks = await requests((r) => r.path.includes('seekOperation=Next'));
    expect(seeks).toHaveLength(3);
  });

  it('downloads the invoice statement as a PDF', async () => {
    const pdf = await client().getInvoiceStatement(SEED.invoices.oneTime);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});

describe('faults', () => {
  // No leading slash: the simulator reads `/a/b/lowercase` as a regex literal with flags (see report).
  const registrationStatus = `subscriptions/${SEED.subscriptions.registered.id}/registrationstatus`;

  it('waits out a 429 with Retry-After on a read and then answers without error', async () => {
    await fault({ method: 'GET', path: registrationStatus, status: 429, retryAfter: 2, count: 2 });
    const status = await client().getRegistrationStatus(OPEN, SEED.subscriptions.registered.id);
    expect(status.status).toBe('registered');
    expect(sleeps).toEqual([2000, 2000]);
    expect((await requests(api(registrationStatus))).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('really sleeps for the Retry-After when no sleep is injected', async () => {
    await fault({ method: 'GET', path: registrationStatus, status: 429, retryAfter: 1, count: 1 });
    const started = Date.now();
    const pc = new PartnerCenterClient({ baseUrl: sim.url, tokens: sharedTokens, dispatcher: agent });
    await expect(pc.getRegistrationStatus(OPEN, SEED.subscriptions.registered.id)).resolves.toMatchObject({
      status: 'registered',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('retries a read through 500 and 503', async () => {
    await fault({ method: 'GET', path: registrationStatus, status: 500, count: 1 });
    await fault({ method: 'GET', path: registrationStatus, status: 503, count: 1 });
    await expect(
      client().getRegistrationStatus(OPEN, SEED.subscriptions.registered.id),
    ).resolves.toMatchObject({ status: 'registered' });
    expect((await requests(api(registrationStatus))).map((r) => r.status)).toEqual([500, 503, 200]);
    expect(sleeps).toHaveLength(2);
  });

  it('gives up after maxReadRetries and throws pc_server', async () => {
    await fault({ method: 'GET', path: registrationStatus, status: 503, count: 10 });
    await expect(
      client({ maxReadRetries: 2 }).getRegistrationStatus(OPEN, SEED.subscriptions.registered.id),
    ).rejects.toMatchObject({
      code: 'pc_server',
      status: 503,
    });
    expect(await requests(api(registrationStatus))).toHaveLength(3);
  });

  it('retries a read whose connection was dropped', async () => {
    await fault({ method: 'GET', path: registrationStatus, drop: true, count: 1 });
    await expect(
      client().getRegistrationStatus(OPEN, SEED.subscriptions.registered.id),
    ).resolves.toMatchObject({ status: 'registered' });
    expect((await requests(api(registrationStatus))).map((r) => r.status)).toEqual(['dropped', 200]);
  });

  it('times a slow read out and retries it with the same request id', async () => {
    await fault({ method: 'GET', path: registrationStatus, latencyMs: 1500, count: 1 });
    await expect(
      client({ timeoutMs: 300 }).getRegistrationStatus(OPEN, SEED.subscriptions.registered.id),
    ).resolves.toMatchObject({
      status: 'registered',
    });
    const seen = await until('both attempts in the log', async () => {
      const r = await requests(api(registrationStatus));
      return r.length === 2 ? r : undefined;
    });
    expect(new Set(seen.map((r) => r.msRequestId)).size).toBe(1);
  });

  it('turns a malformed body into pc_invalid_response', async () => {
    await fault({ method: 'GET', path: registrationStatus, malformed: true, count: 1 });
    const err = (await client()
      .getRegistrationStatus(OPEN, SEED.subscriptions.registered.id)
      .catch((e: unknown) => e)) as PartnerCenterError;
    expect(err.code).toBe('pc_invalid_response');
    expect(err.issues?.length).toBeGreaterThan(0);
    expect(await requests(api(registrationStatus))).toHaveLength(1);
  });

  it('never retries a write that got a 500', async () => {
    await fault({ method: 'POST', path: '/carts', status: 500, count: 1 });
    await expect(client().createCart(OPEN, { lineItems: [] })).rejects.toMatchObject({ code: 'pc_server' });
    expect(await requests(api('/carts'))).toHaveLength(1);
  });

  it('never retries a write whose connection dropped', async () => {
    await fault({ method: 'POST', path: '/registrations', drop: true, count: 1 });
    await expect(
      client().registerSubscription(OPEN, SEED.subscriptions.unregistered.id),
    ).rejects.toMatchObject({ code: 'pc_network' });
    expect(await requests(api('/registrations'))).toHaveLength(1);
  });
});

describe('writes retried by the caller with the same MS-RequestId', () => {
  async function reservationLine(): Promise<{ catalogItemId: string }> {
    const a = (
      await client().listAvailabilities(RI.productId, RI.skuId, 'US', { reservationScope: 'AzurePlan' })
    ).items[0];
    if (!a) throw new Error('no availability');
    return { catalogItemId: a.catalogItemId };
  }

  const cartsOf = (customerId: string): number =>
    [...sim.state.carts.values()].filter((c) => c.customerId.toLowerCase() === customerId).length;

  it('creates exactly one cart when a timed-out create is retried with the same request id', async () => {
    const { catalogItemId } = await reservationLine();
    const body = {
      lineItems: [
        {
          id: 0,
          catalogItemId,
          quantity: 1,
          billingCycle: 'one_time' as const,
          termDuration: 'P1Y',
          provisioningContext: {
            subscriptionId: SEED.subscriptions.registered.id,
            scope: 'shared',
            duration: '1Year',
          },
        },
      ],
    };
    // The server creates the cart, then sits on the answer past the client's timeout.
    await fault({
      method: 'POST',
      path: '/\\/customers\\/[^/]+\\/carts$/',
      latencyMs: 1500,
      when: 'after',
      count: 1,
    });
    const requestId = 'create-cart-7f1c9a';
    const pc = client({ timeoutMs: 400 });
    await expect(pc.createCart(OPEN, body, { requestId })).rejects.toMatchObject({
      code: 'pc_timeout',
      requestId,
    });
    // The server did create the cart; only its answer was lost.
    expect(cartsOf(OPEN)).toBe(1);

    const cart = await pc.createCart(OPEN, body, { requestId });
    expect(cartsOf(OPEN)).toBe(1);
    expect((await pc.getCart(OPEN, cart.id)).id).toBe(cart.id);
    const creates = await until('both creates in the log', async () => {
      const r = await requests((x) => x.server === 'api' && x.method === 'POST' && x.path.endsWith('/carts'));
      return r.length === 2 ? r : undefined;
    });
    expect(creates.map((r) => r.msRequestId)).toEqual([requestId, requestId]);
    // The retry was answered from the first attempt's stored response, not run again.
    expect(creates.filter((r) => r.replayed === true)).toHaveLength(1);
  });

  it('places exactly one order when a timed-out checkout is retried with the same request id', async () => {
    const { catalogItemId } = await reservationLine();
    const pc = client({ timeoutMs: 400 });
    const cart = await pc.createCart(OPEN, {
      lineItems: [
        {
          id: 0,
          catalogItemId,
          quantity: 1,
          billingCycle: 'one_time',
          termDuration: 'P1Y',
          provisioningContext: {
            subscriptionId: SEED.subscriptions.registered.id,
            scope: 'shared',
            duration: '1Year',
          },
        },
      ],
    });
    const before = (await control<{ items: unknown[] }>('GET', '/_sim/orders')).items.length;
    await fault({ method: 'POST', path: '/checkout', latencyMs: 1500, when: 'after', count: 1 });
    const requestId = 'checkout-3b8e21';
    await expect(pc.checkoutCart(OPEN, cart.id, { requestId })).rejects.toMatchObject({ code: 'pc_timeout' });
    const retried = await pc.checkoutCart(OPEN, cart.id, { requestId });
    // The first attempt is logged when the server finally answers; wait for it so it cannot leak into the next test.
    await until('both checkouts in the log', async () =>
      (await requests(api('/checkout'))).length === 2 ? true : undefined,
    );
    const orders = await control<{ items: { id: string; _sim: { cartId?: string } }[] }>(
      'GET',
      '/_sim/orders',
    );
    expect(orders.items.length).toBe(before + retried.orders.length);
    expect(orders.items.filter((o) => o._sim.cartId === cart.id).map((o) => o.id)).toEqual(
      retried.orders.map((o) => o.id),
    );
  });
});

describe('headers', () => {
  it('sends a fresh correlation id on every call, the locale, and the caller’s request id on writes', async () => {
    const pc = client({ locale: 'en-GB' });
    await pc.getCustomer(OPEN);
    await pc.getCustomer(OPEN);
    await pc.registerSubscription(OPEN, SEED.subscriptions.unregistered.id, { requestId: 'register-1' });
    const seen = await requests((r) => r.server === 'api');
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((r) => r.msCorrelationId)).size).toBe(3);
    expect(new Set(seen.map((r) => r.msRequestId)).size).toBe(3);
    expect(seen.every((r) => r.xLocale === 'en-GB')).toBe(true);
    expect(seen[2]?.msRequestId).toBe('register-1');
  });
});

describe('authentication', () => {
  const authorityCalls = (r: LoggedRequest): boolean => r.server === 'authority';

  it('gets a real app-only token from the simulator’s HTTPS token endpoint through MSAL and reuses it', async () => {
    const pc = client({ tokens: msal() });
    for (let i = 0; i < 5; i += 1) await pc.getCustomer(OPEN);
    const tokenCalls = await requests(authorityCalls);
    expect(tokenCalls).toHaveLength(1);
    expect(tokenCalls[0]?.path).toMatch(new RegExp(`^/${TENANT}/oauth2/v2\\.0/token`));
    expect((await requests(api('/v1/customers'))).every((r) => r.auth === 'app')).toBe(true);
  });

  it('refreshes the token once it nears expiry', async () => {
    await control('POST', '/_sim/tokens/lifetime', { seconds: 2 });
    const pc = client({ tokens: msal() });
    await pc.getCustomer(OPEN);
    await pc.getCustomer(OPEN);
    expect(await requests(authorityCalls)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    await pc.getCustomer(OPEN);
    expect(await requests(authorityCalls)).toHaveLength(2);
    // Refreshed ahead of time: Partner Center never saw an expired token.
    expect((await requests(api('/v1/customers'))).map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('uses an App+User token from the refresh token for App+User operations', async () => {
    await client().listInvoiceSummaries();
    expect((await requests(api('/v1/invoices/summaries')))[0]?.auth).toBe('user');
  });

  it('fails an App+User operation with pc_credentials_missing naming the setting when no refresh token is configured', async () => {
    const pc = client({ tokens: msal({ refreshToken: undefined }) });
    const err = await pc.listEntitlements(OPEN).catch((e: unknown) => e);
    expect(isAppError(err, 'pc_credentials_missing')).toBe(true);
    expect((err as Error).message).toBe(
      'PARTNER_CENTER_REFRESH_TOKEN is not set: listEntitlements needs App+User credentials',
    );
    expect(await requests(api('/entitlements'))).toHaveLength(0);
  });

  it('maps an app-only token on an App+User operation to pc_auth with code 900329', async () => {
    const appOnly = msal();
    const tokens: TokenProvider = { getToken: (_kind, options) => appOnly.getToken('app', options) };
    const err = (await client({ tokens })
      .getInvoice(SEED.invoices.oneTime)
      .catch((e: unknown) => e)) as PartnerCenterError;
    expect(err).toBeInstanceOf(PartnerCenterError);
    expect(err.code).toBe('pc_auth');
    expect(err.status).toBe(403);
    expect(err.pcCode).toBe(900329);
    expect(err.appOnlyRefused).toBe(true);
  });

  it('maps a refused client secret to pc_auth', async () => {
    const pc = client({ tokens: msal({ clientSecret: SEED.auth.badClientSecret }) });
    await expect(pc.getCustomer(OPEN)).rejects.toMatchObject({ code: 'pc_auth' });
  });

  it('is refused without a token unless the simulator runs with open auth', async () => {
    await expect(client({ tokens: new NoAuthTokenProvider() }).getCustomer(OPEN)).rejects.toMatchObject({
      code: 'pc_auth',
      status: 401,
    });
    const open = await startSimulator({ openAuth: true });
    try {
      const pc = new PartnerCenterClient({
        baseUrl: open.url,
        tokens: new NoAuthTokenProvider(),
        dispatcher: agent,
      });
      await expect(pc.getCustomer(OPEN)).resolves.toMatchObject({ billingCountry: 'US' });
      await expect(pc.listEntitlements(OPEN)).resolves.toMatchObject({ items: expect.any(Array) });
    } finally {
      await open.close();
    }
  });
});
