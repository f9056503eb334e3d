import {
  CustomerSchema,
  EntitlementSchema,
  InvoiceSchema,
  InvoiceSummarySchema,
  OneTimeInvoiceLineItemSchema,
  OrderSchema,
  type Invoice,
  type OneTimeInvoiceLineItem,
} from '../../src/partner-center/schemas';
import {
  chargeBreakdown,
  hasOneTimeCharges,
  lineAmount,
  sortInvoicesNewestFirst,
} from '../../src/purchases/billing';
import { auditCsv } from '../../src/slack/audit-report';
import { sampleRequest } from '../../harness/requests';
import {
  FINANCE_LIMITS,
  buildBalanceAnswer,
  buildEntitlementsAnswer,
  buildInvoiceAnnouncement,
  buildInvoiceAnswer,
  buildInvoiceListAnswer,
  buildOrdersAnswer,
  buildOrphanOrderAlarm,
  buildReconciliationMessage,
  buildRequesterInvoiceNote,
  buildStatementUnavailable,
  day,
  lineItemsCsv,
  packLines,
  refusalAnswer,
  toCsv,
  type ExplainedCharge,
} from '../../src/slack/finance-blocks';
import { checkMessageBlocks } from '../../fakes/slack/blockkit';

const LONG = 'Very Long Product Name With Many Words '.repeat(20);

function invoice(overrides: Record<string, unknown> = {}): Invoice {
  return InvoiceSchema.parse({
    id: 'G000024136',
    invoiceDate: '2026-11-21T10:00:00Z',
    billingPeriodStartDate: '2026-10-27T10:00:00Z',
    billingPeriodEndDate: '2026-11-21T10:00:00Z',
    totalCharges: 1000,
    paidAmount: 0,
    currencyCode: 'USD',
    invoiceDetails: [{ invoiceLineItemType: 'billing_line_items', billingProvider: 'one_time' }],
    invoiceType: 'OneTime',
    ...overrides,
  });
}

function line(i: number, overrides: Record<string, unknown> = {}): OneTimeInvoiceLineItem {
  return OneTimeInvoiceLineItemSchema.parse({
    invoiceNumber: 'G000024136',
    orderId: `order-${i}`,
    customerName: 'Contoso Ltd',
    productName: 'SQL Server Enterprise',
    skuName: '2 Core License Pack',
    quantity: i % 2 === 0 ? '2' : 2,
    subtotal: '100',
    totalForCustomer: 100,
    currency: 'USD',
    ...overrides,
  });
}

function expectValid(blocks: unknown[] | undefined): void {
  const errors = checkMessageBlocks(blocks ?? []);
  expect(errors.messages).toEqual([]);
  expect((blocks ?? []).length).toBeLessThanOrEqual(FINANCE_LIMITS.messageBlocks);
}

function allText(m: { text: string; blocks?: unknown[] }): string {
  return `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
}

const request = (id: string): ExplainedCharge['request'] => ({
  id,
  requesterId: 'U0REQUEST1',
  customerName: 'Contoso Ltd',
  skuTitle: LONG,
  quantity: 3,
});

describe('invoice announcement', () => {
  it('states the number, date, billing period, total with currency, and the one-time and recurring parts', () => {
    const inv = invoice({
      invoiceDetails: [
        { invoiceLineItemType: 'billing_line_items', billingProvider: 'one_time' },
        { invoiceLineItemType: 'billing_line_items', billingProvider: 'office' },
      ],
    });
    const lines = [line(1), line(2), line(3), line(4, { totalForCustomer: 100.5 })];
    const msg = buildInvoiceAnnouncement(inv, chargeBreakdown(inv, lines));
    const text = allText(msg);
    expect(text).toContain('G000024136');
    expect(text).toContain('2026-11-21');
    expect(text).toContain('2026-10-27 to 2026-11-21');
    expect(text).toContain('$1,000.00');
    expect(text).toContain('One-time: $400.50 (4 line items)');
    expect(text).toContain('Recurring — Office (recurring, license-based): $599.50');
    expectValid(msg.blocks);
  });

  it('treats a recurring-only invoice as having no one-time charges', () => {
    const inv = invoice({ invoiceType: 'Recurring', invoiceDetails: [{ billingProvider: 'office' }] });
    expect(hasOneTimeCharges(inv)).toBe(false);
    const charges = chargeBreakdown(inv, undefined);
    expect(charges.oneTime).toBeUndefined();
    expect(charges.recurring?.amount).toBe(1000);
  });

  it('keeps a very long invoice id within the header limit', () => {
    const msg = buildInvoiceAnnouncement(invoice({ id: 'G'.repeat(400) }), {});
    expectValid(msg.blocks);
  });
});

describe('reconciliation message', () => {
  it('lists unexplained charges up to its limit and says how many more are in the attached CSV', () => {
    const unexplained = Array.from({ length: 100 }, (_, i) => line(i, { productName: LONG }));
    const msg = buildReconciliationMessage({
      invoiceId: 'G1',
      currency: 'USD',
      total: 100,
      explained: [],
      unexplained,
    });
    expectValid(msg.blocks);
    expect(msg.attachCsv).toBe(true);
    const text = allText(msg);
    expect(text).toContain('100 of 100 one-time charges');
    expect(text).toContain(`and ${100 - FINANCE_LIMITS.unexplainedListed} more`);
    expect(text).toContain('order-0');
    expect(text).not.toContain('order-99');
  });

  it('stays within Slack limits with hundreds of explained requests and points to the CSV for those it leaves out', () => {
    const explained = Array.from({ length: 300 }, (_, i) => ({
      request: request(`REQ-${i}`),
      lines: [line(i)],
    }));
    const msg = buildReconciliationMessage({
      invoiceId: 'G1',
      currency: 'USD',
      total: 301,
      explained,
      unexplained: [line(999)],
    });
    expectValid(msg.blocks);
    expect(msg.attachCsv).toBe(true);
    expect(allText(msg)).toMatch(/and \d+ more requests/);
  });

  it('says every charge is explained when no charge is left over, and needs no CSV', () => {
    const msg = buildReconciliationMessage({
      invoiceId: 'G1',
      currency: 'USD',
      total: 2,
      explained: [{ request: request('REQ-1'), lines: [line(1), line(2)] }],
      unexplained: [],
    });
    expect(msg.text).toContain('all 2 one-time charges are explained');
    expect(msg.attachCsv).toBe(false);
    expectValid(msg.blocks);
  });

  it('says there is nothing to reconcile on an invoice without one-time charges', () => {
    const msg = buildReconciliationMessage({
      invoiceId: 'D1',
      currency: 'USD',
      total: 0,
      explained: [],
      unexplained: [],
    });
    expect(msg.text).toContain('no one-time charges');
  });

  it('escapes Slack control characters in product and customer names', () => {
    const msg = buildReconciliationMessage({
      invoiceId: 'G1',
      currency: 'USD',
      total: 1,
      explained: [],
      unexplained: [line(1, { productName: '<!channel> & co', customerName: '<@U123>' })],
    });
    const text = allText(msg);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U123>');
    expect(text).toContain('&lt;!channel&gt; &amp; co');
  });
});

describe('requester note', () => {
  it('names the request, the invoice, its date and what it charged', () => {
    const text = buildRequesterInvoiceNote(
      { id: 'REQ-1', quantity: 3, skuTitle: 'SQL Server', customerName: 'Contoso' },
      invoice(),
      [line(1), line(2)],
    );
    expect(text).toContain('REQ-1');
    expect(text).toContain('G000024136');
    expect(text).toContain('2026-11-21');
    expect(text).toContain('$200.00');
  });
});

describe('command answers', () => {
  it('pages invoices with "page N of M" and the command for the next page, within Slack limits', () => {
    const invoices = Array.from({ length: 10 }, (_, i) =>
      invoice({ id: `G${i}`, invoiceDate: `2026-0${(i % 9) + 1}-01T00:00:00Z` }),
    );
    const answer = buildInvoiceListAnswer(sortInvoicesNewestFirst(invoices), 1, 3, 25);
    expect(allText(answer)).toContain('page 1 of 3');
    expect(allText(answer)).toContain('/purchase invoices 2');
    expectValid(answer.blocks);
    expect(buildInvoiceListAnswer([], 1, 1, 0).text).toContain('no invoices');
  });

  it('shows the first invoice lines and says how many there are in all', () => {
    const lines = Array.from({ length: 25 }, (_, i) => line(i, { productName: LONG }));
    const answer = buildInvoiceAnswer({
      invoice: invoice(),
      lines,
      oneTime: true,
      explainedBy: (l) => (l.orderId === 'order-0' ? 'REQ-1' : undefined),
      pdf: { ok: true },
      csv: { ok: true },
    });
    const text = allText(answer);
    expect(text).toContain('25 in all, 1 explained by approved requests, 24 not');
    expect(text).toContain(`The first ${FINANCE_LIMITS.invoiceLinesShown}`);
    expect(text).toContain('All 25 line items are in the CSV');
    expectValid(answer.blocks);
  });

  it('keeps balance answers with many currencies within Slack limits and counts those left out', () => {
    const summary = (currencyCode: string) =>
      InvoiceSummarySchema.parse({
        balanceAmount: '12.5',
        currencyCode,
        lastPaymentDate: '0001-01-01T00:00:00',
      });
    const summaries = Array.from({ length: 200 }, (_, i) => summary(`C${String(i).padStart(2, '0')}`));
    const answer = buildBalanceAnswer(summary('USD'), summaries);
    expectValid(answer.blocks);
    expect(allText(answer)).toContain('No payment recorded');
    const unavailable = buildBalanceAnswer(summary('USD'), { unavailable: { kind: 'needs_user_sign_in' } });
    expect(allText(unavailable)).toContain('not signed in to Partner Center with a user account');
    expect(allText(unavailable)).not.toMatch(/PARTNER_CENTER|[A-Z]{3,}_[A-Z_]{3,}/);
  });

  it('keeps orders and entitlements answers within Slack limits with long names', () => {
    const customer = CustomerSchema.parse({ id: 'c1', companyProfile: { companyName: LONG } });
    const orders = Array.from({ length: 20 }, (_, i) =>
      OrderSchema.parse({
        id: `order-${i}`,
        creationDate: '2026-11-01T00:00:00Z',
        status: 'completed',
        billingCycle: 'one_time',
        currencyCode: 'USD',
        lineItems: Array.from({ length: 5 }, (__, n) => ({
          lineItemNumber: n,
          offerId: 'X:1:2',
          friendlyName: LONG,
          quantity: 1,
        })),
      }),
    );
    expectValid(buildOrdersAnswer(customer, orders, 'one_time', { ok: true }).blocks);
    const entitlement = EntitlementSchema.parse({
      referenceOrder: { id: 'order-1' },
      productId: 'DZH318Z0BQ3Q',
      skuId: '0001',
      quantity: 1,
      entitlementType: 'reservedinstance',
    });
    const views = Array.from({ length: 20 }, (_, i) => ({
      entitlement,
      names: { product: LONG, sku: LONG },
      depth: i % 2,
      reservations: Array.from({ length: 3 }, (__, n) => ({
        reservationId: `r-${i}-${n}`,
        displayName: LONG,
        quantity: 1,
        scopeType: 'shared',
      })),
    }));
    expectValid(buildEntitlementsAnswer(customer, views, { ok: true }).blocks);
  });

  it('names the finance user group when refusing, and no setting', () => {
    expect(refusalAnswer('S0FINANCE').text).toContain('<!subteam^S0FINANCE>');
    for (const group of ['S0FINANCE', undefined]) {
      const text = refusalAnswer(group).text;
      expect(text).toContain("Ask the bot's operator");
      expect(text).not.toMatch(/FINANCE_USER|[A-Z]{3,}_[A-Z_]{3,}/);
    }
  });

  it('says why the PDF is missing in words a finance person can act on, without naming a setting', () => {
    const text = buildStatementUnavailable('G1');
    expect(text).toContain('not signed in to Partner Center with a user account');
    expect(text).toContain("ask the bot's operator");
    expect(text).not.toMatch(/PARTNER_CENTER|REFRESH_TOKEN|App\+User/);
  });
});

describe('text helpers', () => {
  it("reads Partner Center's zero date as never and dates as UTC days", () => {
    expect(day('0001-01-01T00:00:00')).toBe('never');
    expect(day('2026-11-21T23:59:59Z')).toBe('2026-11-21');
    expect(day(undefined)).toBe('unknown');
    expect(day('not a date')).toBe('not a date');
  });

  it('packs lines into sections of at most 3000 characters without splitting a line', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `${i}:${'x'.repeat(290)}`);
    const chunks = packLines(lines);
    expect(chunks.every((c) => c.length <= 3000)).toBe(true);
    expect(chunks.join('\n').split('\n')).toEqual(lines);
    expect(packLines(['y'.repeat(5000)])[0]).toHaveLength(3000);
  });

  it("charges a line at the customer's total, else its subtotal", () => {
    expect(lineAmount(line(1, { totalForCustomer: 110, subtotal: 100 }))).toBe(110);
    expect(lineAmount(line(1, { totalForCustomer: undefined, subtotal: '100' }))).toBe(100);
  });

  it('quotes CSV cells with commas, quotes and newlines, and defuses text a spreadsheet would run as a formula', () => {
    const csv = toCsv(
      ['a', 'b', 'c', 'd', 'e'],
      [['x, y', 'say "hi"', '=HYPERLINK("evil")', -12.5, '@SUM(A1:A2)']],
    );
    expect(csv).toBe('a,b,c,d,e\r\n"x, y","say ""hi""","\'=HYPERLINK(""evil"")",-12.5,\'@SUM(A1:A2)\r\n');
  });

  it('keeps order ids that start with a hyphen exactly as Partner Center gave them', () => {
    expect(toCsv(['orderId'], [['-E1BuqgLbq6dNnzogYIGtHwiyqMQsmvL1']])).toBe(
      'orderId\r\n-E1BuqgLbq6dNnzogYIGtHwiyqMQsmvL1\r\n',
    );
  });

  it('writes one CSV row per line item with the request that explains it', () => {
    const csv = lineItemsCsv([line(1), line(2)], (l) => (l.orderId === 'order-1' ? 'REQ-1' : undefined));
    const rows = csv.trim().split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows[0]!.split(',').pop()).toBe('approvedRequest');
    expect(rows[1]!.endsWith(',REQ-1')).toBe(true);
    expect(rows[2]!.endsWith(',')).toBe(true);
  });
});

describe('entitlements with reservation details', () => {
  it("shows each reservation's order, scope, quantity, term and expiry under the product's name", () => {
    const customer = CustomerSchema.parse({ id: 'c1', companyProfile: { companyName: 'Contoso Ltd' } });
    const entitlement = EntitlementSchema.parse({
      referenceOrder: { id: 'pc-order-1' },
      productId: 'DZH318Z0BQ3Q',
      skuId: '0001',
      quantity: 2,
      entitlementType: 'reservedinstance',
    });
    const answer = buildEntitlementsAnswer(customer, [
      {
        entitlement,
        names: { product: 'Virtual Machines Dv3 Series', sku: 'Standard_D2s_v3, US West 2, 3 years' },
        depth: 0,
        reservations: [
          {
            reservationId: 'r-1',
            reservationOrderId: 'ri-order-9',
            scopeType: 'single',
            appliedScopes: ['/subscriptions/sub-1'],
            quantity: 2,
            effectiveDateTime: '2026-01-15T10:00:00Z',
            expiryDateTime: '2029-01-15T10:00:00',
            provisioningState: 'Created',
          },
        ],
      },
    ]);
    const text = allText(answer);
    expect(text).toContain('Virtual Machines Dv3 Series — Standard_D2s_v3, US West 2, 3 years');
    expect(text).not.toContain('DZH318Z0BQ3Q:0001');
    expect(text).toContain('reservation order `ri-order-9`');
    expect(text).toContain('single scope (/subscriptions/sub-1)');
    expect(text).toContain('quantity 2');
    expect(text).toContain('term 3 years');
    expect(text).toContain('expires 2029-01-15');
    expect(text).toContain('order `pc-order-1`');
    expectValid(answer.blocks);
  });

  it('keeps the ids when the catalog no longer names the product', () => {
    const customer = CustomerSchema.parse({ id: 'c1' });
    const entitlement = EntitlementSchema.parse({
      referenceOrder: { id: 'o' },
      productId: 'DG7GMGF0FKZV',
      skuId: '0001',
      quantity: 1,
      entitlementType: 'software',
    });
    const text = allText(buildEntitlementsAnswer(customer, [{ entitlement, depth: 0, reservations: [] }]));
    expect(text).toContain('DG7GMGF0FKZV:0001');
  });
});

describe('orphan order alarm', () => {
  const order = OrderSchema.parse({
    id: 'order-x',
    creationDate: '2026-03-02T09:00:00Z',
    status: 'completed',
    billingCycle: 'one_time',
    currencyCode: 'EUR',
    totalPrice: 1234.5,
    lineItems: [{ lineItemNumber: 0, offerId: 'A:1:2', friendlyName: '<!channel> SQL Server', quantity: 3 }],
  });

  it('says what is known: customer, order id, date, items and amount, and mentions the approvers', () => {
    const alarm = buildOrphanOrderAlarm(
      { customer: { id: 'c-1', name: 'Fabrikam & Co' }, order },
      'S0APPROVERS',
    );
    const text = allText(alarm);
    expect(text).toContain('<!subteam^S0APPROVERS>');
    expect(text).toContain('Fabrikam &amp; Co');
    expect(text).toContain('c-1');
    expect(text).toContain('order-x');
    expect(text).toContain('2026-03-02');
    expect(text).toContain('3 × &lt;!channel&gt; SQL Server');
    expect(text).toContain('€1,234.50');
    expect(text).not.toContain('<!channel>');
    expectValid(alarm.blocks);
  });

  it('names the request a line carries when the bot has no approved record of it', () => {
    const alarm = buildOrphanOrderAlarm(
      { customer: { id: 'c', name: 'C' }, order, namedRequestId: 'PR-ABCD1234' },
      undefined,
    );
    expect(alarm.text).toContain('PR-ABCD1234');
    expect(alarm.text).not.toContain('subteam');
  });
});

describe('audit CSV', () => {
  const now = Date.UTC(2026, 2, 1);
  const confirmed = sampleRequest({
    id: 'PR-AAAA0001',
    createdAt: now,
    status: 'confirmed',
    approvals: [{ by: 'U0APPROVE1', at: now + 1000 }],
    orders: [{ id: 'order-1', status: 'completed', lineItems: [] }],
    orderedAt: now + 2000,
    confirmedAt: now + 3000,
    invoices: ['G000024135'],
    justification: '=HYPERLINK("http://evil")',
  });
  const rejected = sampleRequest({
    id: 'PR-AAAA0002',
    createdAt: now + 10,
    status: 'rejected',
    rejection: { by: 'U0APPROVE2', at: now + 5000, reason: 'Not this quarter, "sorry"' },
    price: { known: true, unit: 10, currency: 'EUR', source: 'x' },
  });

  it('writes one row per request with its decisions, orders, invoices and state, and defuses formulas', () => {
    const csv = auditCsv([
      {
        request: confirmed,
        trail: [
          {
            id: '1',
            requestId: 'PR-AAAA0001',
            event: 'approve',
            actor: 'U0APPROVE1',
            at: now + 1000,
            status: 'approved',
          },
        ],
      },
      { request: rejected, trail: [] },
    ]);
    const rows = parseCsv(csv);
    const header = rows[0]!;
    const cell = (row: number, column: string) => rows[row]![header.indexOf(column)];
    expect(cell(1, 'requestId')).toBe('PR-AAAA0001');
    expect(cell(1, 'approvedBy')).toBe('U0APPROVE1');
    expect(cell(1, 'approvedAt')).toBe(new Date(now + 1000).toISOString());
    expect(cell(1, 'orders')).toBe('order-1');
    expect(cell(1, 'invoices')).toBe('G000024135');
    expect(cell(1, 'state')).toBe('confirmed');
    expect(cell(1, 'total')).toBe('1400');
    expect(cell(1, 'history')).toContain('approve by U0APPROVE1');
    // A spreadsheet would run this as a formula: it arrives as text.
    expect(cell(1, 'justification')).toBe(`'=HYPERLINK("http://evil")`);
    expect(cell(2, 'rejectedBy')).toBe('U0APPROVE2');
    expect(cell(2, 'rejectedAt')).toBe(new Date(now + 5000).toISOString());
    expect(cell(2, 'rejectionReason')).toBe('Not this quarter, "sorry"');
    // Totals per currency, never across currencies: requested (both), ordered (the confirmed one).
    const totals = rows.filter((r) => r[0]!.startsWith('Total'));
    const of = (r: string[]) => [r[0], r[header.indexOf('total')], r[header.indexOf('currency')]];
    expect(totals.map(of)).toEqual([
      ['Total requested', '20', 'EUR'],
      ['Total requested', '1400', 'USD'],
      ['Total ordered', '1400', 'USD'],
    ]);
  });
});

/** RFC 4180: quoted cells may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}
