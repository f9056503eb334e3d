import type { App } from '@slack/bolt';
import { KINDS, type Kind } from '../../src/purchases/model';
import { closedMarket } from '../../src/purchases/policy';
import { option, humanTerm } from '../../src/slack/blocks';
import { IDS } from '../../src/slack/ids';
import { availabilityPrice } from '../../src/services/partner-center-api';
import { NONE, readForm, type ViewStateValues } from '../../src/services/intake';
import type { HandlerDeps } from '../deps';

const MAX_OPTIONS = 100;

type Opt = ReturnType<typeof option>;

function hint(text: string): { options: Opt[] } {
  return { options: [option(text, NONE)] };
}

function filterByQuery<T>(items: T[], query: string, text: (t: T) => string): T[] {
  const q = query.trim().toLowerCase();
  return q ? items.filter((i) => text(i).toLowerCase().includes(q)) : items;
}

/** Slack allows at most 100 options; say so instead of cutting the list silently. */
function capped(opts: Opt[]): { options: Opt[] } {
  if (opts.length <= MAX_OPTIONS) return { options: opts };
  return {
    options: [
      ...opts.slice(0, MAX_OPTIONS - 1),
      option(`…${opts.length - (MAX_OPTIONS - 1)} more: type to narrow`, NONE),
    ],
  };
}

/**
 * Option loads for the request modal's external selects. Each list is filtered by the choices
 * already made in the same view (customer → market, kind → catalog view, product → SKUs, SKU →
 * terms) and served from the Redis catalog cache.
 */
/** Option loads must answer inside Slack's 3 seconds, whatever Partner Center does. */
const OPTIONS_BUDGET_MS = 2200;

type OptionsAnswer = { options: Opt[] };

/**
 * Runs a look-up against the budget. A slow or failing Partner Center gets a one-line hint instead
 * of a timeout; the look-up goes on in the background and fills the cache for the next keystroke.
 */
async function answerWithin(
  deps: HandlerDeps,
  what: string,
  work: () => Promise<OptionsAnswer>,
): Promise<OptionsAnswer> {
  const running = work();
  const late = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), OPTIONS_BUDGET_MS).unref());
  try {
    const first = await Promise.race([running, late]);
    if (first !== 'late') return first;
    running.catch((err: unknown) => deps.log.warn({ err, what }, 'slow option load failed'));
    return hint('Partner Center is slow: type again in a moment');
  } catch (err) {
    deps.log.warn({ err, what }, 'option load failed');
    return { options: [] };
  }
}

/**
 * Option loads for the request modal's external selects. Each list is filtered by the choices
 * already made in the same view (customer → market, kind → catalog view, product → SKUs, SKU →
 * terms) and served from the Redis catalog cache.
 */
export function registerCatalogOptions(app: App, deps: HandlerDeps): void {
  const stateOf = (body: { view?: { state?: { values?: unknown } } }): ReturnType<typeof readForm> =>
    readForm((body.view?.state?.values ?? {}) as ViewStateValues);

  async function countryOf(customerId: string | undefined): Promise<string | undefined> {
    if (!customerId) return undefined;
    return (await deps.catalog.customer(customerId)).country;
  }

  app.options(IDS.blocks.customer, async ({ ack, payload }) => {
    await ack(
      await answerWithin(deps, 'customers', async () => {
        const customers = await deps.catalog.searchCustomers(payload.value ?? '');
        return capped(customers.map((c) => option(c.name, c.id, c.domain)));
      }),
    );
  });

  app.options(IDS.blocks.product, async ({ ack, payload, body }) => {
    await ack(
      await answerWithin(deps, 'products', async () => {
        const form = stateOf(body);
        if (!form.customer || !form.kind) return hint('Choose the customer and the kind first');
        const country = await countryOf(form.customer);
        if (!country) return hint('This customer has no billing country');
        const closed = closedMarket(form.kind, country);
        if (closed) return hint(`Not sold in ${closed}`);
        const products = await deps.catalog.products(country, form.kind);
        const matches = filterByQuery(products, payload.value ?? '', (p) => `${p.title} ${p.id}`);
        return capped(matches.map((p) => option(p.title, p.id)));
      }),
    );
  });

  app.options(IDS.blocks.sku, async ({ ack, payload, body }) => {
    await ack(
      await answerWithin(deps, 'skus', async () => {
        const form = stateOf(body);
        if (!form.customer || !form.product) return hint('Choose the customer and product first');
        const country = await countryOf(form.customer);
        if (!country) return hint('This customer has no billing country');
        const skus = await deps.catalog.skus(form.product, country);
        const matches = filterByQuery(skus, payload.value ?? '', (s) => `${s.title} ${s.id}`);
        return capped(matches.map((s) => option(s.title, s.id, s.description)));
      }),
    );
  });

  app.options(IDS.blocks.availability, async ({ ack, body }) => {
    await ack(
      await answerWithin(deps, 'availabilities', async () => {
        const form = stateOf(body);
        if (!form.customer || !form.product || !form.sku) return hint('Choose the SKU first');
        const country = await countryOf(form.customer);
        if (!country) return hint('This customer has no billing country');
        const list = await deps.catalog.availabilities(form.product, form.sku, country);
        const opts = list
          .filter((a) => a.isPurchasable !== false)
          .map((a) => {
            const term = a.terms?.[0];
            const price = availabilityPrice(a);
            const label = `${term ? humanTerm(term.duration) : 'Perpetual'} · ${(term?.billingCycle ?? 'one_time').replace(/_/g, ' ')}`;
            const desc =
              price.unitPrice !== undefined
                ? `${price.unitPrice} ${price.currency ?? ''} each`
                : term?.description;
            return option(label, a.id, desc);
          });
        return capped(opts);
      }),
    );
  });

  app.options(IDS.blocks.azureSubscription, async ({ ack, payload, body }) => {
    await ack(
      await answerWithin(deps, 'subscriptions', async () => {
        const form = stateOf(body);
        if (!form.customer) return hint('Choose the customer first');
        const subs = await deps.catalog.subscriptions(form.customer);
        const matches = filterByQuery(subs, payload.value ?? '', (s) => `${s.name} ${s.id}`);
        return capped(matches.map((s) => option(s.name, s.id, s.id)));
      }),
    );
  });
}

export function isKind(value: string | undefined): value is Kind {
  return (KINDS as readonly string[]).includes(value ?? '');
}
