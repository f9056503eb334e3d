import { generatedCustomer } from '../../fakes/partner-center/generated';
import { loadOptions, openModal } from '../../harness/flows';
import { waitFor } from '../../harness/processes';
import { startWorld, type World } from '../../harness/world';

/**
 * A partner with more customers than one page of "Get a list of customers" (the simulator pages at
 * most 500 a page and hands the next page's token back as MS-ContinuationToken): every customer can
 * be found and chosen, not only the first page's.
 */
describe('a partner with many customers', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld({ sim: { extraCustomers: 1234 } });
  }, 60_000);
  afterAll(async () => {
    await w.close();
  });

  it('finds a customer on the last page of the customer list, and reads the list once for many keystrokes', async () => {
    const view = await openModal(w);
    const calls = async () =>
      (
        (await (await fetch(`${w.sim.url}/_sim/requests`)).json()) as {
          items: { method: string; path: string }[];
        }
      ).items.filter((r) => r.method === 'GET' && /^\/v1\/customers(\?|$)/.test(r.path));
    // The form warmed the list when it opened: all three pages, once.
    const pages = await waitFor(async () => {
      const c = await calls();
      return c.length >= 3 ? c : undefined;
    }, 20_000);
    expect(pages.some((r) => /seekOperation=next/i.test(r.path))).toBe(true);

    const last = generatedCustomer(1233);
    const found = await loadOptions(w, view, 'customer', {}, '01234');
    expect(found.map((o) => [o.text.text, o.value])).toEqual([[last.companyName, last.id]]);
    // 00077 and 00770–00779, from the first and second pages.
    const middle = await loadOptions(w, view, 'customer', {}, '0077');
    expect(middle.map((o) => o.text.text).sort()).toEqual(
      [76, ...Array.from({ length: 10 }, (_, i) => 769 + i)]
        .map((n) => generatedCustomer(n).companyName)
        .sort(),
    );
    // A broad query is capped at Slack's 100 options, with a line saying how to narrow it.
    const broad = await loadOptions(w, view, 'customer', {}, '');
    expect(broad).toHaveLength(100);
    expect(broad[99]!.text.text).toMatch(/more: type to narrow/);
    expect((await calls()).length).toBe(pages.length);
  }, 60_000);
});
