import type { AccessService } from '../../src/services/access';
import type { CatalogService, SkuInfo } from '../../src/services/catalog';
import { OptionsService, type OptionItem } from '../../src/services/options';
import { IDS } from '../../src/slack/ids';

/**
 * The `sku` option list over a big catalog: the SKUs are filtered by the typed text first and only
 * the ones Slack is shown (at most 99 and a "more" line) become option objects; the list itself is
 * what it was (same options, same order, same cap).
 */
describe('SKU options over a big catalog', () => {
  const TOTAL = 5_000;
  let descriptionReads = 0;
  const skus = Array.from({ length: TOTAL }, (_, i) => {
    const sku = { id: `SKU-${i}`, title: `Plan ${i % 7 === 0 ? 'Gold' : 'Basic'} ${i}`, productId: 'P1' };
    Object.defineProperty(sku, 'description', {
      enumerable: true,
      get: () => {
        descriptionReads++;
        return `about ${i}`;
      },
    });
    return sku as unknown as SkuInfo & { description: string };
  });

  const catalog = {
    customer: () => Promise.resolve({ id: 'c1', name: 'Contoso', country: 'US' }),
    segment: () => Promise.resolve('commercial'),
    skus: () => Promise.resolve(skus),
  } as unknown as CatalogService;
  const access = { canRequest: () => Promise.resolve({ ok: true }) } as unknown as AccessService;
  const options = new OptionsService({ catalog, access, markets: { closed: () => undefined } });
  const form = {
    customer: { value: 'c1', label: 'Contoso' },
    kind: 'software_subscription' as const,
    product: { value: 'P1', label: 'Product' },
  };

  /** What the list was before: every match mapped to an option, then capped at 100. */
  function expected(query: string): OptionItem[] {
    const q = query.trim().toLowerCase();
    const all = skus
      .filter((s) => !q || `${s.title} ${s.id}`.toLowerCase().includes(q))
      .map((s) => ({ text: s.title, value: s.id, description: s.description }));
    if (all.length <= 100) return all;
    return [...all.slice(0, 99), { text: `…${all.length - 99} more: type to narrow`, value: '__none__' }];
  }

  beforeEach(() => {
    descriptionReads = 0;
  });

  it('builds only the 99 options shown out of thousands, with the same "more" line', async () => {
    const list = await options.list(IDS.blocks.sku, form, '', 'U1');
    const builtForList = descriptionReads;
    expect(list).toEqual({ kind: 'items', items: expected('') });
    expect(builtForList).toBe(99);
    expect(list.kind === 'items' && list.items.at(-1)?.text).toBe(`…${TOTAL - 99} more: type to narrow`);
  });

  it('filters by the typed text before building options, keeping the order', async () => {
    const list = await options.list(IDS.blocks.sku, form, '  GOLD ', 'U1');
    const builtForList = descriptionReads;
    expect(list).toEqual({ kind: 'items', items: expected('gold') });
    expect(builtForList).toBe(99);
  });

  it('a narrow query lists every match (no "more" line)', async () => {
    const list = await options.list(IDS.blocks.sku, form, 'sku-499', 'U1');
    const builtForList = descriptionReads;
    const want = expected('sku-499');
    expect(want).toHaveLength(11); // SKU-499, SKU-4990…4999
    expect(list).toEqual({ kind: 'items', items: want });
    expect(builtForList).toBe(want.length);
  });
});
