import { inflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import { call, manualClock, type CallOptions, type LooseJson } from '../../fakes/partner-center/testkit';

const OPEN = SEED.customers.open.id;
const SOFTWARE = `${SEED.products.softwareSubscription.productId}:0001:${SEED.availabilities.softwareSubscription}`;
const RESERVATION = `${SEED.products.reservation.productId}:0001:${SEED.availabilities.reservationAzurePlan}`;

/** The text a PDF shows: content streams inflated, then every `<hex> Tj` decoded. */
function pdfText(bytes: Buffer): string {
  const raw = bytes.toString('latin1');
  const parts: string[] = [];
  for (const m of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(m[1]!, 'latin1')).toString('latin1');
    } catch {
      content = m[1]!;
    }
    for (const t of content.matchAll(/<([0-9A-Fa-f]+)>\s*Tj/g))
      parts.push(Buffer.from(t[1]!, 'hex').toString('latin1'));
    for (const t of content.matchAll(/\(((?:[^()\\]|\\.)*)\)\s*Tj/g)) parts.push(t[1]!);
  }
  return parts.join('\n');
}

describe('Partner Center simulator: billing and entitlements', () => {
  let sim: Simulator;
  const clock = manualClock();
  const api = (method: string, path: string, opts?: CallOptions) => call(sim.url, method, path, opts);

  async function buy(lineItems: unknown[]) {
    const cart = await api('POST', `/v1/customers/${OPEN}/carts`, { body: { lineItems } });
    expect(cart.status).toBe(201);
    const checkout = await api('POST', `/v1/customers/${OPEN}/carts/${cart.json.id}/checkout`);
    expect(checkout.json.orders).toHaveLength(1);
    return checkout.json.orders[0];
  }

  async function allLineItems(invoiceId: string, size: number, via: 'header' | 'query' = 'header') {
    const pages: LooseJson[] = [];
    let res = await api('GET', `/v1/invoices/${invoiceId}/lineitems/OneTime/BillingLineItems?size=${size}`);
    pages.push(res.json);
    while (res.json.links.next) {
      const next = res.json.links.next;
      const token = next.headers.find((h: { key: string }) => h.key === 'MS-ContinuationToken').value;
      expect(res.json.continuationToken).toBe(token);
      res =
        via === 'header'
          ? await api('GET', `/v1${next.uri}`, { headers: { 'MS-ContinuationToken': token } })
          : await api(
              'GET',
              `/v1/invoices/${invoiceId}/lineitems/OneTime/BillingLineItems?seekOperation=Next&continuationToken=${encodeURIComponent(token)}`,
            );
      expect(res.status).toBe(200);
      pages.push(res.json);
    }
    return pages;
  }

  beforeAll(async () => {
    sim = await startSimulator({
      openAuth: true,
      fulfillmentDelayMs: 60_000,
      orderListDelayMs: 900_000,
      now: clock.now,
    });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  describe('invoices', () => {
    it('pages invoices newest first with size, offset and links.next', async () => {
      const first = await api('GET', '/v1/invoices?size=2&offset=0');
      expect(first.json.items.map((i: { id: string }) => i.id)).toEqual([
        SEED.invoices.oneTime,
        SEED.invoices.recurring,
      ]);
      expect(first.json.links.next.uri).toBe('/invoices?size=2&offset=2');
      const second = await api('GET', `/v1${first.json.links.next.uri}`);
      expect(second.json.items.map((i: { id: string }) => i.id)).toEqual([SEED.invoices.olderOneTime]);
      expect(second.json.links.next).toBeUndefined();
    });

    it('seeds a recurring and a one-time invoice, each with line items and a statement', async () => {
      const list = (await api('GET', '/v1/invoices')).json.items;
      const byId = (id: string) => list.find((i: { id: string }) => i.id === id);
      expect(byId(SEED.invoices.recurring)).toMatchObject({
        invoiceType: 'Recurring',
        documentType: 'invoice',
      });
      expect(byId(SEED.invoices.oneTime)).toMatchObject({ invoiceType: 'OneTime', currencyCode: 'USD' });
      for (const id of Object.values(SEED.invoices)) {
        const invoice = byId(id);
        const lines = await api('GET', `/v1${invoice.invoiceDetails[0].links.self.uri}`);
        expect([id, lines.status, lines.json.items.length > 0]).toEqual([id, 200, true]);
        expect((await api('GET', `/v1/invoices/${id}/documents/statement`)).status).toBe(200);
      }
    });

    it('filters invoices by InvoiceDate', async () => {
      const since = new Date(clock.now() - 30 * 86_400_000).toISOString();
      const filter = encodeURIComponent(
        JSON.stringify({ Field: 'InvoiceDate', Value: since, Operator: 'greater_than_or_equals' }),
      );
      const res = await api('GET', `/v1/invoices?filter=${filter}`);
      expect(res.json.items.map((i: { id: string }) => i.id).sort()).toEqual(
        [SEED.invoices.oneTime, SEED.invoices.recurring].sort(),
      );
    });

    it('finds an invoice by id, with or without the prefix its own links carry', async () => {
      const plain = await api('GET', `/v1/invoices/${SEED.invoices.oneTime}`);
      expect(plain.json).toMatchObject({
        id: SEED.invoices.oneTime,
        pdfDownloadLink: `/invoices/${SEED.invoices.oneTime}/documents/statement`,
      });
      expect((await api('GET', `/v1${plain.json.links.self.uri}`)).json.id).toBe(SEED.invoices.oneTime);
      expect((await api('GET', '/v1/invoices/G999999999')).status).toBe(404);
    });

    it('pages one-time line items by continuation token sent as MS-ContinuationToken', async () => {
      const pages = await allLineItems(SEED.invoices.oneTime, 3);
      expect(pages.map((p) => p.items.length)).toEqual([3, 1]);
      for (const p of pages) expect(p.totalCount).toBe(p.items.length);
      expect(pages[0].links.next.uri).toContain('seekOperation=Next');
      expect(pages[1].continuationToken).toBeUndefined();
      const orderIds = pages.flatMap((p) => p.items.map((i: { orderId: string }) => i.orderId));
      expect(new Set(orderIds)).toEqual(
        new Set([
          SEED.orders.reservation,
          SEED.orders.reservationThreeYear,
          SEED.orders.software,
          SEED.orders.perpetual,
        ]),
      );
    });

    it('takes the continuation token as a query parameter too', async () => {
      const pages = await allLineItems(SEED.invoices.oneTime, 1, 'query');
      expect(pages).toHaveLength(4);
    });

    it('answers the query-style line item path like the path style', async () => {
      const res = await api(
        'GET',
        `/v1/invoices/${SEED.invoices.oneTime}/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&size=2`,
      );
      expect(res.json.items).toHaveLength(2);
      expect(res.json.links.next.headers[0].key).toBe('MS-ContinuationToken');
    });

    it('refuses seekOperation=Next without a continuation token', async () => {
      const res = await api(
        'GET',
        `/v1/invoices/${SEED.invoices.oneTime}/lineitems/OneTime/BillingLineItems?seekOperation=Next`,
      );
      expect(res.status).toBe(400);
    });

    it('writes amounts as strings in some line items and numbers in others, as the documented examples do', async () => {
      const items = (
        await api('GET', `/v1/invoices/${SEED.invoices.oneTime}/lineitems/OneTime/BillingLineItems`)
      ).json.items;
      expect(typeof items[0].unitPrice).toBe('string');
      expect(typeof items[1].unitPrice).toBe('number');
      expect(typeof items[0].resellerMpnId).toBe('string');
      expect(typeof items[1].resellerMpnId).toBe('number');
      expect(items[0]).toMatchObject({
        billingProvider: 'one_time',
        invoiceLineItemType: 'billing_line_items',
        attributes: { objectType: 'OneTimeInvoiceLineItem' },
      });
      const reservation = items.find((i: { orderId: string }) => i.orderId === SEED.orders.reservation);
      expect(reservation.reservationOrderId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('serves license-based line items for the recurring invoice', async () => {
      const res = await api(
        'GET',
        `/v1/invoices/${SEED.invoices.recurring}/lineitems/Office/BillingLineItems?size=1`,
      );
      expect(res.json.items[0]).toMatchObject({
        billingProvider: 'office',
        attributes: { objectType: 'LicenseBasedLineItem' },
      });
      expect(res.json.links.next.uri).toContain('offset=1');
    });

    it('sums the balance of unpaid invoices and gives one summary per currency', async () => {
      const summary = (await api('GET', '/v1/invoices/summary')).json;
      const invoices = (await api('GET', '/v1/invoices')).json.items;
      const unpaid = invoices.reduce(
        (sum: number, i: { totalCharges: number; paidAmount: number }) => sum + i.totalCharges - i.paidAmount,
        0,
      );
      expect(summary.balanceAmount).toBeCloseTo(unpaid, 2);
      expect(summary.details.map((d: { invoiceType: string }) => d.invoiceType)).toEqual([
        'Recurring',
        'OneTime',
      ]);
      const summaries = (await api('GET', '/v1/invoices/summaries')).json;
      expect(summaries.items.map((s: { currencyCode: string }) => s.currencyCode)).toEqual(['USD']);
    });

    it('renders the statement as a real PDF with the invoice number, period, lines and total', async () => {
      const invoice = (await api('GET', `/v1/invoices/${SEED.invoices.oneTime}`)).json;
      const res = await api('GET', `/v1/invoices/${SEED.invoices.oneTime}/documents/statement`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.buffer.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const doc = await PDFDocument.load(res.buffer);
      expect(doc.getPageCount()).toBeGreaterThanOrEqual(1);
      expect(doc.getTitle()).toBe(`Invoice ${SEED.invoices.oneTime}`);
      const text = pdfText(res.buffer);
      expect(text).toContain(`Invoice number: ${SEED.invoices.oneTime}`);
      expect(text).toContain(
        `Billing period: ${invoice.billingPeriodStartDate.slice(0, 10)} to ${invoice.billingPeriodEndDate.slice(0, 10)}`,
      );
      expect(text).toContain(
        `Total: ${invoice.totalCharges.toLocaleString('en-US', { minimumFractionDigits: 2 })} USD`,
      );
      expect(text).toContain(SEED.orders.software);
    });

    it("turns the open period's charges into a new invoice whose line items name the new orders", async () => {
      const order = await buy([
        { catalogItemId: SOFTWARE, quantity: 2, billingCycle: 'one_time', termDuration: 'P1Y' },
      ]);
      const closed = await api('POST', '/_sim/invoices/close');
      expect(closed.status).toBe(201);
      const invoice = closed.json;
      expect(invoice).toMatchObject({ invoiceType: 'OneTime', documentType: 'invoice', currencyCode: 'USD' });
      expect(Object.values(SEED.invoices)).not.toContain(invoice.id);
      const lines = (await api('GET', `/v1/invoices/${invoice.id}/lineitems/OneTime/BillingLineItems`)).json
        .items;
      const mine = lines.filter((l: { orderId: string }) => l.orderId === order.id);
      expect(mine).toHaveLength(1);
      expect(Number(mine[0].quantity)).toBe(2);
      expect(Number(mine[0].subtotal)).toBe(2 * 5434);
      expect(lines.map((l: { orderId: string }) => l.orderId)).toContain(SEED.orders.cancellable);
      expect((await api('GET', '/v1/invoices?size=1')).json.items[0].id).toBe(invoice.id);
      expect(pdfText((await api('GET', `/v1/invoices/${invoice.id}/documents/statement`)).buffer)).toContain(
        order.id,
      );
      expect((await api('POST', '/_sim/invoices/close')).status).toBe(409);
    });
  });

  describe('entitlements', () => {
    it('lists a reservation entitlement once the order is fulfilled, with its reservation details', async () => {
      const order = await buy([
        {
          catalogItemId: RESERVATION,
          quantity: 3,
          billingCycle: 'one_time',
          termDuration: 'P3Y',
          provisioningContext: {
            subscriptionId: SEED.subscriptions.registered.id,
            scope: 'Single',
            duration: '3Year',
          },
        },
      ]);
      const entitlements = async () =>
        (
          await api('GET', `/v1/customers/${OPEN}/entitlements?entitlementType=reservedInstance`)
        ).json.items.filter((e: { referenceOrder: { id: string } }) => e.referenceOrder.id === order.id);
      const status = async () =>
        (await api('GET', `/v1/customers/${OPEN}/orders/${order.id}/provisioningstatus`)).json.items[0]
          .status;
      expect(await entitlements()).toEqual([]);
      expect(await status()).toBe('prefulfillment_pending');
      clock.advance(60_000);
      expect(await status()).toBe('fulfilled');
      const [entitlement] = await entitlements();
      expect(entitlement).toMatchObject({
        entitlementType: 'reservedinstance',
        quantity: 3,
        referenceOrder: { lineItemId: '0' },
      });
      const artifact = entitlement.entitledArtifacts[0];
      const details = await api('GET', `/v1${artifact.link.uri}`);
      expect(details.json).toMatchObject({
        type: 'reservedinstance',
        virtualMachineReservations: [
          {
            scopeType: 'Single',
            quantity: 3,
            provisioningState: 'Created',
            appliedScopes: [`/subscriptions/${SEED.subscriptions.registered.id}`],
          },
        ],
      });
      const invoice = (await api('POST', '/_sim/invoices/close')).json;
      const lines = (await api('GET', `/v1/invoices/${invoice.id}/lineitems/OneTime/BillingLineItems`)).json
        .items;
      expect(lines.find((l: { orderId: string }) => l.orderId === order.id).reservationOrderId).toBe(
        artifact.resourceId,
      );
    });

    it('shows an expiry date for software subscriptions only when asked, and never for perpetual software', async () => {
      const software = async (showExpiry: boolean) =>
        (
          await api(
            'GET',
            `/v1/customers/${OPEN}/entitlements?entitlementType=software${showExpiry ? '&showExpiry=true' : ''}`,
          )
        ).json.items;
      const subscription = (items: LooseJson[]) =>
        items.find((e) => e.referenceOrder.id === SEED.orders.software);
      const perpetual = (items: LooseJson[]) =>
        items.find((e) => e.referenceOrder.id === SEED.orders.perpetual);
      expect(subscription(await software(false)).expiryDate).toBeUndefined();
      expect(subscription(await software(true)).expiryDate).toEqual(expect.any(String));
      expect(perpetual(await software(true)).expiryDate).toBeUndefined();
      expect(
        (await software(true)).every((e: { entitlementType: string }) => e.entitlementType === 'software'),
      ).toBe(true);
    });
  });
});

describe('Partner Center simulator: a partner qualified for perpetual software', () => {
  it('sells perpetual software', async () => {
    const sim = await startSimulator({ openAuth: true, perpetualQualified: true });
    try {
      const item = `${SEED.products.perpetual.productId}:0001:${SEED.availabilities.perpetual}`;
      const cart = await call(sim.url, 'POST', `/v1/customers/${OPEN}/carts`, {
        body: { lineItems: [{ catalogItemId: item, quantity: 1, billingCycle: 'one_time' }] },
      });
      const checkout = await call(sim.url, 'POST', `/v1/customers/${OPEN}/carts/${cart.json.id}/checkout`);
      expect(checkout.json.orders).toHaveLength(1);
      expect(checkout.json.orderErrors).toBeUndefined();
    } finally {
      await sim.close();
    }
  });
});
