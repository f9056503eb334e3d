import {
  auditPeriod,
  explainCharges,
  explainOrder,
  readyToJudge,
  reservationTerm,
  sumsByCurrency,
} from '../../src/purchases/billing';

describe('billing facts', () => {
  it('sums amounts per currency and never across currencies', () => {
    expect(
      sumsByCurrency([
        { amount: 10.1, currency: 'usd' },
        { amount: 0.2, currency: 'USD' },
        { amount: 5, currency: 'EUR' },
      ]),
    ).toEqual([
      { currency: 'EUR', amount: 5 },
      { currency: 'USD', amount: 10.3 },
    ]);
  });

  it('groups one-time lines by the request that ordered them and keeps the rest apart', () => {
    const requests = new Map([['o1', { id: 'PR-1' }]]);
    const lines = [
      { invoiceNumber: 'G', orderId: 'o1', totalForCustomer: 1 },
      { invoiceNumber: 'G', orderId: 'o2', totalForCustomer: 2 },
      { invoiceNumber: 'G', orderId: 'o1', totalForCustomer: 3 },
      { invoiceNumber: 'G', totalForCustomer: 4 },
    ];
    const out = explainCharges(lines, (id) => requests.get(id));
    expect(out.explained).toEqual([{ request: { id: 'PR-1' }, lines: [lines[0], lines[2]] }]);
    expect(out.unexplained).toEqual([lines[1], lines[3]]);
  });

  it("explains an order by the index or by a line's request id, but only by an approved request", () => {
    const order = {
      id: 'o',
      lineItems: [{ offerId: 'A:1', quantity: 1, friendlyName: 'PR-ABCD1234 SQL Server' }],
    };
    const approved = { id: 'PR-ABCD1234', status: 'confirmed' as const };
    const pending = { id: 'PR-ABCD1234', status: 'pending_approval' as const };
    expect(explainOrder(order, { indexed: approved, tagged: new Map() })).toEqual({
      kind: 'indexed',
      requestId: 'PR-ABCD1234',
    });
    expect(explainOrder(order, { indexed: undefined, tagged: new Map([[approved.id, approved]]) })).toEqual({
      kind: 'tagged',
      requestId: 'PR-ABCD1234',
    });
    // Lost in a rollback, or never approved: an order nobody approved, naming its request.
    expect(explainOrder(order, { indexed: undefined, tagged: new Map([[approved.id, undefined]]) })).toEqual({
      kind: 'orphan',
      namedRequestId: 'PR-ABCD1234',
    });
    expect(explainOrder(order, { indexed: undefined, tagged: new Map([[pending.id, pending]]) }).kind).toBe(
      'orphan',
    );
    expect(
      explainOrder(
        { id: 'p', lineItems: [{ offerId: 'A:1', quantity: 1 }] },
        { indexed: undefined, tagged: new Map() },
      ),
    ).toEqual({ kind: 'orphan', namedRequestId: undefined });
  });

  it('judges an order only once the order-list delay has passed since it was placed', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const order = (minutesAgo: number) => ({
      id: 'o',
      creationDate: new Date(now - minutesAgo * 60_000).toISOString(),
      lineItems: [],
    });
    expect(readyToJudge(order(10), now, 15 * 60_000)).toBe(false);
    expect(readyToJudge(order(16), now, 15 * 60_000)).toBe(true);
  });

  it("reads a reservation's term from its effective and expiry dates", () => {
    expect(
      reservationTerm({ effectiveDateTime: '2026-01-15T18:15:24Z', expiryDateTime: '2027-01-15T00:00:00' }),
    ).toBe('P1Y');
    expect(
      reservationTerm({ effectiveDateTime: '2026-01-15T00:00:00Z', expiryDateTime: '2029-01-15T00:00:00Z' }),
    ).toBe('P3Y');
    expect(reservationTerm({ effectiveDateTime: '2026-01-15T00:00:00Z' })).toBeUndefined();
  });

  it('takes audit periods as whole UTC days, the last 30 days by default, and refuses what is not a date', () => {
    const now = Date.UTC(2026, 2, 31, 15, 30);
    const last30 = auditPeriod([], now);
    expect(last30).toEqual({ ok: true, from: Date.UTC(2026, 2, 2), to: Date.UTC(2026, 3, 1) - 1 });
    expect(auditPeriod(['2026-02-01', '2026-02-28'], now)).toEqual({
      ok: true,
      from: Date.UTC(2026, 1, 1),
      to: Date.UTC(2026, 2, 1) - 1,
    });
    expect(auditPeriod(['2026-02-30'], now)).toEqual({ ok: false, problem: 'bad_date', word: '2026-02-30' });
    expect(auditPeriod(['yesterday'], now)).toMatchObject({ ok: false, problem: 'bad_date' });
    expect(auditPeriod(['2026-03-02', '2026-03-01'], now)).toEqual({ ok: false, problem: 'reversed' });
  });
});
