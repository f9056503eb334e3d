import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import { REALISTIC_PROFILE, sample, specFor, type LatencySpec } from '../../fakes/partner-center/latency';
import {
  call,
  parseQuotedCsv,
  priceSheetPath,
  pricingToken,
  sheetRecords,
  userToken,
} from '../../fakes/partner-center/testkit';

/** A small deterministic random source (mulberry32), so distribution tests do not depend on luck. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

describe('Partner Center simulator at real size', () => {
  let sim: Simulator;
  let token: string;
  const api = (
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string> } = {},
  ) => call(sim.url, method, path, { token, ...opts });

  beforeAll(async () => {
    sim = await startSimulator({ reservationSkus: 50_000, extraCustomers: 3_000, fulfillmentDelayMs: 0 });
    token = await userToken(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('lists tens of thousands of generated reservation SKUs, product by product', async () => {
    const products = await api('GET', '/v1/products?country=US&targetView=AzureReservationsVM');
    const generated = products.json.items.filter((p: { id: string }) => p.id.startsWith('DZH318ZG'));
    expect(generated).toHaveLength(100);
    let skuCount = 0;
    for (const p of generated.slice(0, 3)) {
      const skus = await api('GET', `/v1/products/${p.id}/skus?country=US`);
      skuCount += skus.json.totalCount;
      expect(skus.json.items[0].dynamicAttributes).toMatchObject({
        armSkuName: expect.stringMatching(/^Standard_/),
      });
    }
    expect(skuCount).toBe(1_500);
    const last = generated[generated.length - 1];
    const lastSkus = await api('GET', `/v1/products/${last.id}/skus?country=US`);
    expect(lastSkus.json.totalCount).toBe(500);
    expect((await api('GET', `/v1/products/${last.id}/skus/ZZZZ?country=US`)).status).toBe(404);
  });

  it('sells a generated SKU for an Azure plan at the price the sheet lists', async () => {
    const products = await api(
      'GET',
      '/v1/products?country=US&targetView=AzureReservations&reservationScope=AzurePlan',
    );
    const product = products.json.items.find((p: { id: string }) => p.id.startsWith('DZH318ZG'));
    const skus = await api('GET', `/v1/products/${product.id}/skus?country=US&reservationScope=AzurePlan`);
    const sku = skus.json.items[123];
    const availability = await api(
      'GET',
      `/v1/products/${product.id}/skus/${sku.id}/availabilities?country=US&reservationScope=AzurePlan`,
    );
    const catalogItemId = availability.json.items[0].catalogItemId;
    const cart = await api('POST', `/v1/customers/${SEED.customers.open.id}/carts`, {
      body: {
        lineItems: [
          {
            id: 0,
            catalogItemId,
            quantity: 1,
            billingCycle: 'one_time',
            termDuration: 'P3Y',
            provisioningContext: {
              subscriptionId: SEED.subscriptions.registered.id,
              scope: 'shared',
              duration: '3Year',
            },
          },
        ],
      },
    });
    expect(cart.status).toBe(201);
    expect(cart.json.lineItems[0].error).toBeUndefined();
    const sheet = await call(sim.url, 'GET', priceSheetPath('US', 'azure_reservations'), {
      token: await pricingToken(sim),
    });
    const row = sheetRecords(parseQuotedCsv(sheet.text)).find(
      (r) => r.ProductId === product.id && r.SkuId === sku.id && r.TermDuration === 'P3Y',
    );
    expect(Number(row?.UnitPrice)).toBe(cart.json.lineItems[0].pricing.price);
  });

  it('pages thousands of customers with the continuation token, each once', async () => {
    const seen = new Set<string>();
    let page = await api('GET', '/v1/customers?size=500');
    let pages = 1;
    for (const c of page.json.items) seen.add(c.id);
    while (page.json.links.next) {
      const next = page.json.links.next;
      expect(next.uri).toContain('seekOperation=next');
      page = await api('GET', `/v1${next.uri}`, {
        headers: { 'MS-ContinuationToken': next.headers[0].value },
      });
      expect(page.status).toBe(200);
      for (const c of page.json.items) seen.add(c.id);
      pages++;
    }
    const seeded = Object.keys(SEED.customers).length;
    expect(seen.size).toBe(3_000 + seeded);
    expect(pages).toBe(Math.ceil((3_000 + seeded) / 500));
    // A seek without the token, or with a made-up one, is refused.
    expect((await api('GET', '/v1/customers?size=500&seekOperation=next')).status).toBe(400);
  });

  it('finds customers by company name and by domain with starts_with, ignoring case', async () => {
    const filter = (field: string, value: string) =>
      encodeURIComponent(JSON.stringify({ Field: field, Value: value, Operator: 'starts_with' }));
    const byName = await api(
      'GET',
      `/v1/customers?size=500&filter=${filter('CompanyName', 'woodgrove bank 0')}`,
    );
    expect(byName.json.items.length).toBeGreaterThan(0);
    for (const c of byName.json.items) expect(c.companyProfile.companyName).toMatch(/^Woodgrove Bank 0/);
    const byDomain = await api('GET', `/v1/customers?size=500&filter=${filter('Domain', 'TAILSPINTOYS0')}`);
    expect(byDomain.json.items.length).toBeGreaterThan(0);
    for (const c of byDomain.json.items) expect(c.companyProfile.domain).toMatch(/^tailspintoys0/);
    const bad = await api('GET', `/v1/customers?filter=${filter('City', 'Austin')}`);
    expect(bad.status).toBe(400);
  });
});

describe('Partner Center simulator latency', () => {
  it('draws uniform waits within ms ± jitter, and log-normal waits with the asked median and 99th percentile', () => {
    const random = seeded(42);
    const uniform = Array.from({ length: 5_000 }, () => sample({ ms: 600, jitterMs: 400 }, random));
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...uniform)).toBeLessThanOrEqual(1_000);
    expect(new Set(uniform).size).toBeGreaterThan(300);
    const logNormal = Array.from({ length: 20_000 }, () => sample({ p50Ms: 600, p99Ms: 2_000 }, random));
    expect(percentile(logNormal, 50)).toBeGreaterThan(560);
    expect(percentile(logNormal, 50)).toBeLessThan(640);
    expect(percentile(logNormal, 99)).toBeGreaterThan(1_800);
    expect(percentile(logNormal, 99)).toBeLessThan(2_200);
  });

  it('makes checkout and inventory checks slower than catalog reads in the realistic profile', () => {
    const median = (method: string, path: string) => {
      const spec = specFor(REALISTIC_PROFILE, method, path, true) as LatencySpec & { p50Ms: number };
      return spec.p50Ms;
    };
    const catalog = median('GET', '/v1/products?country=US&targetView=AzureReservations');
    expect(catalog).toBe(600);
    expect(median('POST', `/v1/customers/x/carts/y/checkout`)).toBeGreaterThan(catalog);
    expect(median('POST', '/v1/extensions/product/checkInventory?country=US')).toBeGreaterThan(catalog);
    expect(median('POST', '/v1/customers/x/carts')).toBeGreaterThanOrEqual(1_000);
  });

  it('applies per-path waits and records each draw in the request log', async () => {
    const sim = await startSimulator({
      openAuth: true,
      latencyMs: 4,
      latencyJitterMs: 3,
      latencyRoutes: [{ path: '/registrationstatus', ms: 25 }],
    });
    try {
      const sub = SEED.subscriptions.registered;
      await call(
        sim.url,
        'GET',
        `/v1/customers/${sub.customerId}/subscriptions/${sub.id}/registrationstatus`,
      );
      await call(sim.url, 'GET', `/v1/customers/${sub.customerId}`);
      const log = (await call(sim.url, 'GET', '/_sim/requests')).json.items as {
        path: string;
        latencyMs?: number;
      }[];
      expect(log[0]?.latencyMs).toBe(25);
      expect(log[1]?.latencyMs ?? 0).toBeGreaterThanOrEqual(0);
      expect(log[1]?.latencyMs ?? 0).toBeLessThanOrEqual(7);

      // Changed at run time, and back to none with {}.
      const set = await call(sim.url, 'POST', '/_sim/latency', { body: { latencyProfile: 'realistic' } });
      expect(set.status).toBe(200);
      expect(set.json.routes.length).toBeGreaterThan(5);
      const none = await call(sim.url, 'POST', '/_sim/latency', { body: {} });
      expect(none.json).toEqual({ routes: [] });
      await call(sim.url, 'DELETE', '/_sim/requests');
      await call(sim.url, 'GET', `/v1/customers/${sub.customerId}`);
      const after = (await call(sim.url, 'GET', '/_sim/requests')).json.items as { latencyMs?: number }[];
      expect(after[0]?.latencyMs).toBeUndefined();
      expect((await call(sim.url, 'POST', '/_sim/latency', { body: { latencyMs: -1 } })).status).toBe(400);
    } finally {
      await sim.close();
    }
  });

  it('waits nothing by default', async () => {
    const sim = await startSimulator({ openAuth: true });
    try {
      expect((await call(sim.url, 'GET', '/_sim/latency')).json).toEqual({ routes: [] });
      await call(sim.url, 'GET', `/v1/customers/${SEED.customers.open.id}`);
      const log = (await call(sim.url, 'GET', '/_sim/requests')).json.items as { latencyMs?: number }[];
      expect(log[0]?.latencyMs).toBeUndefined();
    } finally {
      await sim.close();
    }
  });
});
