import { request } from 'undici';
import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import {
  appToken,
  call,
  manualClock,
  parseQuotedCsv,
  priceSheetPath,
  pricingToken,
  requestToken,
  sheetRecords,
  unzipEntry,
  userToken,
  type CallOptions,
} from '../../fakes/partner-center/testkit';

const OPEN = SEED.customers.open;
const RI = SEED.products.reservation;
const SW = SEED.products.softwareSubscription;
const PLAN = '&reservationScope=AzurePlan';

const RESERVATION_COLUMNS = [
  'ProductTitle',
  'ProductId',
  'SkuId',
  'SkuTitle',
  'Publisher',
  'SkuDescription',
  'UnitOfMeasure',
  'TermDuration',
  'Market',
  'Currency',
  'UnitPrice',
  'PricingTierRangeMin',
  'PricingTierRangeMax',
  'EffectiveStartDate',
  'EffectiveEndDate',
  'MeterIds',
  'MeterType',
  'Tags',
];
const LICENSE_COLUMNS = [
  'ProductTitle',
  'ProductId',
  'SkuId',
  'SkuTitle',
  'Publisher',
  'SkuDescription',
  'UnitOfMeasure',
  'TermDuration',
  'BillingPlan',
  'Market',
  'Currency',
  'UnitPrice',
  'PricingTierRangeMin',
  'PricingTierRangeMax',
  'EffectiveStartDate',
  'EffectiveEndDate',
  'Tags',
  'ERP Price',
];

describe('Partner Center simulator: price sheets (get-a-price-sheet.md)', () => {
  let sim: Simulator;
  let pc: string;
  let pricing: string;
  const clock = manualClock(Date.parse('2025-03-12T09:00:00Z'));
  const api = (method: string, path: string, opts: CallOptions = {}) =>
    call(sim.url, method, path, { token: pc, ...opts });

  async function sheet(market: string, view: string, query = '', opts: CallOptions = {}) {
    const res = await call(sim.pricingUrl, 'GET', priceSheetPath(market, view, query), {
      token: pricing,
      ...opts,
    });
    return res;
  }

  async function records(market: string, view: string, query = '') {
    const res = await sheet(market, view, query);
    expect(res.status).toBe(200);
    return sheetRecords(parseQuotedCsv(res.text));
  }

  async function catalogItemId(productId: string, skuId: string, query = '', country = 'US') {
    const res = await api(
      'GET',
      `/v1/products/${productId}/skus/${skuId}/availabilities?country=${country}${query}`,
    );
    expect(res.status).toBe(200);
    return res.json.items[0].catalogItemId as string;
  }

  async function buy(customerId: string, lineItems: unknown[]) {
    const cart = await api('POST', `/v1/customers/${customerId}/carts`, { body: { lineItems } });
    expect(cart.status).toBe(201);
    const checkout = await api('POST', `/v1/customers/${customerId}/carts/${cart.json.id}/checkout`);
    expect(checkout.status).toBe(201);
    return { cart: cart.json, result: checkout.json };
  }

  async function invoiceLinesOf(orderId: string) {
    const closed = await call(sim.url, 'POST', '/_sim/invoices/close', { body: {} });
    expect(closed.status).toBe(201);
    const lines = await api(
      'GET',
      `/v1/invoices/${closed.json.id}/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&size=100`,
    );
    return (lines.json.items as { orderId: string; unitPrice: string | number; currency: string }[]).filter(
      (l) => l.orderId === orderId,
    );
  }

  beforeAll(async () => {
    sim = await startSimulator({ now: clock.now, fulfillmentDelayMs: 0 });
    pc = await userToken(sim);
    pricing = await pricingToken(sim);
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  it('serves the price sheet on the same port as the REST API, as CSV with the documented reservation columns', async () => {
    expect(sim.pricingUrl).toBe(sim.url);
    const res = await sheet('US', 'azure_reservations');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toBe('attachment; filename=sheets.csv');
    const rows = parseQuotedCsv(res.text);
    expect(rows[0]).toEqual(RESERVATION_COLUMNS);
    const data = sheetRecords(rows);
    const ds1 = data.filter((r) => r.ProductId === RI.productId && r.SkuId === '0001');
    expect(ds1.map((r) => r.TermDuration).sort()).toEqual(['P1Y', 'P3Y']);
    expect(ds1.every((r) => r.Currency === 'USD' && r.Market === 'US' && r.Tags === 'Reservation')).toBe(
      true,
    );
  });

  it('uses the documented license-based columns and billing plans for updatedlicensebased', async () => {
    const res = await sheet('US', 'updatedlicensebased');
    const rows = parseQuotedCsv(res.text);
    expect(rows[0]).toEqual(LICENSE_COLUMNS);
    const basic = sheetRecords(rows).filter((r) => r.ProductId === 'CFQ7TTC0LH18');
    expect(basic.map((r) => `${r.TermDuration}/${r.BillingPlan}`).sort()).toEqual([
      'P1M/Monthly',
      'P1Y/Annual',
      'P1Y/Monthly',
    ]);
    // The license-based example writes dates as "2/1/2019 12:00:00 AM".
    expect(basic[0]?.EffectiveStartDate).toBe('3/1/2025 12:00:00 AM');
    for (const r of basic) expect(Number(r['ERP Price'])).toBeGreaterThan(Number(r.UnitPrice));
  });

  it('carries a Segment column in the software sheet, with each segment at its own price', async () => {
    const res = await sheet('US', 'software');
    const rows = parseQuotedCsv(res.text);
    expect(rows[0]?.slice(-3)).toEqual(['Tags', 'ERP Price', 'Segment']);
    const sql = sheetRecords(rows).filter((r) => r.ProductId === SW.productId && r.SkuId === '0001');
    const price = (segment: string, term: string) =>
      Number(sql.find((r) => r.Segment === segment && r.TermDuration === term)?.UnitPrice);
    expect(price('Education', 'P1Y')).toBeLessThan(price('Commercial', 'P1Y'));
    const perpetual = sheetRecords(rows).find((r) => r.ProductId === 'DG7GMGF0DWTL');
    expect(perpetual?.TermDuration).toBe('OneTime');
    expect(perpetual?.Tags).toBe('Software;Perpetual');
  });

  it('answers Accept-Encoding: deflate with a zip archive holding the same sheets.csv', async () => {
    const plain = await sheet('US', 'azure_reservations');
    const zipped = await sheet('US', 'azure_reservations', '', { headers: { 'accept-encoding': 'deflate' } });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBeUndefined();
    expect(zipped.buffer.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect(unzipEntry(zipped.buffer, 'sheets.csv').toString('utf8')).toBe(plain.text);
  });

  it('charges for an Azure plan reservation exactly what the sheet says, in the cart, the order and the invoice', async () => {
    const row = (await records('US', 'azure_reservations')).find(
      (r) => r.ProductId === RI.productId && r.SkuId === '0001' && r.TermDuration === 'P1Y',
    );
    const unitPrice = Number(row?.UnitPrice);
    expect(unitPrice).toBeGreaterThan(0);
    const item = await catalogItemId(RI.productId, '0001', PLAN);
    const { cart, result } = await buy(OPEN.id, [
      {
        id: 0,
        catalogItemId: item,
        quantity: 3,
        billingCycle: 'one_time',
        termDuration: 'P1Y',
        provisioningContext: {
          subscriptionId: SEED.subscriptions.registered.id,
          scope: 'shared',
          duration: '1Year',
        },
      },
    ]);
    expect(cart.lineItems[0].pricing.price).toBe(unitPrice);
    expect(cart.lineItems[0].currencyCode).toBe('USD');
    const order = result.orders[0];
    expect(order.lineItems[0].pricing.price).toBe(unitPrice);
    expect(order.totalPrice).toBe(unitPrice * 3);
    const [invoiceLine] = await invoiceLinesOf(order.id);
    expect(Number(invoiceLine?.unitPrice)).toBe(unitPrice);
    expect(invoiceLine?.currency).toBe('USD');
  });

  it('prices Azure plan reservations in USD in every market, while the customer market decides software currency', async () => {
    const gbReservations = await records('GB', 'azure_reservations');
    expect(gbReservations.length).toBeGreaterThan(0);
    expect(new Set(gbReservations.map((r) => r.Currency))).toEqual(new Set(['USD']));
    const gbSoftware = await records('GB', 'software');
    expect(new Set(gbSoftware.map((r) => r.Currency))).toEqual(new Set(['GBP']));
  });

  it('charges a monthly license-based line the sheet price of its term and billing plan', async () => {
    const row = (await records('US', 'updatedlicensebased')).find(
      (r) => r.ProductId === 'CFQ7TTC0LFLS' && r.TermDuration === 'P1Y' && r.BillingPlan === 'Monthly',
    );
    const item = await catalogItemId('CFQ7TTC0LFLS', '0002', '&targetSegment=commercial');
    const { cart } = await buy(OPEN.id, [
      { id: 0, catalogItemId: item, quantity: 10, billingCycle: 'monthly', termDuration: 'P1Y' },
    ]);
    expect(cart.lineItems[0].pricing.price).toBe(Number(row?.UnitPrice));
  });

  it('charges an education customer the Education row of the software sheet', async () => {
    const row = (await records('US', 'software')).find(
      (r) =>
        r.ProductId === SW.productId &&
        r.SkuId === '0001' &&
        r.Segment === 'Education' &&
        r.TermDuration === 'P1Y',
    );
    const item = await catalogItemId(SW.productId, '0001', '&targetSegment=education');
    const { cart, result } = await buy(SEED.customers.education.id, [
      { id: 0, catalogItemId: item, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' },
    ]);
    expect(result.orderErrors).toBeUndefined();
    expect(cart.lineItems[0].pricing.price).toBe(Number(row?.UnitPrice));
  });

  it('does not list reservations for MS-AZR-0145P subscriptions: the pricing API is for Azure plans', async () => {
    const reservations = await records('US', 'azure_reservations');
    const planOnly = reservations.filter((r) => r.ProductId === 'DZH318Z0BQ3V').map((r) => r.SkuId);
    // 00G1 and 00G2 are both sold for Azure plans; the legacy-only catalog is not in the sheet.
    expect(planOnly.sort()).toEqual(['00G1', '00G2']);
    const legacyPrice = await api('GET', `/v1/products/${RI.productId}/skus/0001/availabilities?country=GB`);
    expect(legacyPrice.json.items[0].defaultCurrency.code).toBe('GBP');
  });

  it('lists no reservations in a market closed to them', async () => {
    expect(await records(SEED.customers.reservationsClosed.country, 'azure_reservations')).toEqual([]);
  });

  it('needs an App+User token for the Partner API: app-only is 403, a Partner Center token 401, none 401', async () => {
    const path = priceSheetPath('US', 'azure_reservations');
    expect((await call(sim.url, 'GET', path)).status).toBe(401);
    const wrongAudience = await call(sim.url, 'GET', path, { token: pc });
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.json.code).toBe(400);
    const appOnly = await requestToken(sim, {
      grant_type: 'client_credentials',
      client_id: 'test-app',
      client_secret: 'test-secret',
      scope: SEED.auth.pricingScope,
    });
    const app = await call(sim.url, 'GET', path, { token: appOnly.json.access_token });
    expect(app.status).toBe(403);
    expect(app.json.code).toBe(900329);
    // And a Partner API token is no good for the Partner Center REST API.
    expect((await call(sim.url, 'GET', `/v1/customers/${OPEN.id}`, { token: pricing })).status).toBe(401);
    // An app-only Partner Center token is just as unwelcome.
    expect((await call(sim.url, 'GET', path, { token: await appToken(sim) })).status).toBe(401);
  });

  it('serves history by month, refuses history without a month, and has no future license-based sheet', async () => {
    const history = await records('US', 'software', '?timeline=history&month=202401');
    expect(history[0]?.EffectiveStartDate).toBe('2024-01-01T00:00:00.0000000Z');
    expect(history[0]?.EffectiveEndDate).toBe('2024-01-31T23:59:59.0000000Z');
    expect((await sheet('US', 'software', '?timeline=history')).status).toBe(400);
    expect((await sheet('US', 'software', '?timeline=history&month=202201')).status).toBe(404);
    expect((await sheet('US', 'updatedlicensebased', '?timeline=future')).status).toBe(404);
    expect((await sheet('US', 'marketplace', '?timeline=future')).status).toBe(400);
    expect((await sheet('US', 'azure_reservations', '?timeline=sometime')).status).toBe(400);
  });

  it('sends sheets from before April 2020 uncompressed even when asked for deflate', async () => {
    const old = await sheet('US', 'azure_reservations', '?timeline=history&month=201909', {
      headers: { 'accept-encoding': 'gzip, deflate' },
    });
    expect(old.status).toBe(200);
    expect(old.headers['content-disposition']).toBe('attachment; filename=sheets.csv');
    expect(old.text.startsWith('"ProductTitle"')).toBe(true);
  });

  it('refuses an unknown view or a market that is not a two-letter code', async () => {
    expect((await sheet('US', 'azure_everything')).status).toBe(400);
    expect((await sheet('USA', 'software')).status).toBe(400);
  });

  it('logs a price sheet request with its path and query in GET /_sim/requests', async () => {
    await sheet('US', 'software', '?timeline=current');
    const log = await call(sim.url, 'GET', '/_sim/requests');
    const entry = log.json.items.find((e: { path: string }) => e.path.startsWith('/v1.0/sales/pricesheets'));
    expect(entry).toMatchObject({
      method: 'GET',
      path: "/v1.0/sales/pricesheets(Market='US',PricesheetView='software')/$value?timeline=current",
      status: 200,
      auth: 'user',
    });
  });
});

describe('Partner Center simulator: a price sheet at real size', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ pricesheetRows: 300_000 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('streams 300,000 rows, counted line by line as they arrive', async () => {
    const token = await pricingToken(sim);
    const res = await request(`${sim.url}${priceSheetPath('US', 'azure_reservations')}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    // Chunked: the sheet is written while it is produced, so its length is not known up front.
    expect(res.headers['content-length']).toBeUndefined();
    let lines = 0;
    let chunks = 0;
    for await (const chunk of res.body) {
      chunks++;
      const buffer = chunk as Buffer;
      for (let at = buffer.indexOf(0x0a); at >= 0; at = buffer.indexOf(0x0a, at + 1)) lines++;
    }
    expect(chunks).toBeGreaterThan(10);
    expect(lines).toBe(300_001);
  });
});
