import { PartnerCenterError } from '../partner-center';
import { NEW_AZURE_PLAN, type MarketRules } from '../purchases/policy';
import type { FormValues } from '../slack/codecs';
import { IDS } from '../slack/ids';
import { KIND_LABELS, optionHintText, PARTNER_CENTER_SLOW } from '../slack/messages';
import { availabilityLabel } from '../slack/text';
import type { AccessService } from './access';
import type { CatalogService } from './catalog';

export interface OptionItem {
  text: string;
  value: string;
  description?: string | undefined;
}

export type OptionList = { kind: 'items'; items: OptionItem[] } | { kind: 'hint'; text: string };

/** Slack allows at most 100 options; say so instead of cutting the list silently. */
const MAX_OPTIONS = 100;

/**
 * Slack's at most 100 options (`items.map(toOption)`, capped), building option objects only for the ones kept: a SKU list can
 * hold 50,000 entries and Slack shows 100.
 */
function cappedAs<T>(items: readonly T[], toOption: (t: T) => OptionItem): OptionList {
  if (items.length <= MAX_OPTIONS) return { kind: 'items', items: items.map(toOption) };
  const kept: OptionItem[] = [];
  for (let i = 0; i < MAX_OPTIONS - 1; i++) kept.push(toOption(items[i] as T));
  return {
    kind: 'items',
    items: [
      ...kept,
      { text: `…${items.length - (MAX_OPTIONS - 1)} more: type to narrow`, value: '__none__' },
    ],
  };
}

function matching<T>(items: T[], query: string, text: (t: T) => string): T[] {
  const q = query.trim().toLowerCase();
  return q ? items.filter((i) => text(i).toLowerCase().includes(q)) : items;
}

const hint = (text: string): OptionList => ({ kind: 'hint', text });

/**
 * The request form's option lists, each filtered by the choices already made (customer → market
 * and segment, kind → catalog view, subscription → reservation scope, product → SKUs, SKU → terms).
 * Customers and their subscriptions are listed only to people who may request.
 */
export class OptionsService {
  constructor(
    private readonly deps: { catalog: CatalogService; access: AccessService; markets: MarketRules },
  ) {}

  async list(field: string, form: FormValues, query: string, userId: string): Promise<OptionList> {
    try {
      return await this.listFor(field, form, query, userId);
    } catch (err) {
      // Down or throttled is worth a word (type again); a refusal is an empty list and a log line.
      if (err instanceof PartnerCenterError && err.retryable) return hint(PARTNER_CENTER_SLOW);
      throw err;
    }
  }

  private async listFor(field: string, form: FormValues, query: string, userId: string): Promise<OptionList> {
    const right = await this.deps.access.canRequest(userId);
    if (!right.ok) return { kind: 'items', items: [] };
    const { catalog } = this.deps;
    if (field === IDS.blocks.customer) {
      const customers = await catalog.searchCustomers(query);
      return cappedAs(customers, (c) => ({ text: c.name, value: c.id, description: c.domain }));
    }
    if (!form.customer) return hint(optionHintText({ kind: 'customer_first' }));
    const customer = await catalog.customer(form.customer.value);
    if (!customer) return hint(optionHintText({ kind: 'unknown_customer' }));
    if (!customer.country) return hint(optionHintText({ kind: 'no_country' }));
    if (field === IDS.blocks.azureSubscription) {
      const subs = await catalog.subscriptions(customer.id);
      const azure = subs.filter((s) => s.type !== 'other' && s.active);
      if (azure.length === 0) {
        return {
          kind: 'items',
          items: [
            {
              text: `New Azure plan for ${customer.name}`,
              value: NEW_AZURE_PLAN,
              description: 'Bought first, after approval',
            },
          ],
        };
      }
      return cappedAs(
        matching(azure, query, (s) => `${s.name} ${s.id}`),
        (s) => ({
          text: s.name,
          value: s.id,
          description: `${s.type === 'azure_plan' ? 'Azure plan' : 'Microsoft Azure (MS-AZR-0145P)'} · ${s.id}`,
        }),
      );
    }
    if (!form.kind) return hint(optionHintText({ kind: 'kind_first' }));
    const closed = this.deps.markets.closed(form.kind, customer.country);
    if (closed) return hint(`${KIND_LABELS[form.kind]}: not sold in ${closed}`);
    const segment = await catalog.segment(customer.id);
    const azurePlan = await this.azurePlan(form, customer.id);
    const opts = { segment, azurePlan, kind: form.kind };
    if (field === IDS.blocks.product) {
      const products = await catalog.products(customer.country, form.kind, opts);
      return cappedAs(
        matching(products, query, (p) => `${p.title} ${p.id}`),
        (p) => ({ text: p.title, value: p.id }),
      );
    }
    if (!form.product) return hint(optionHintText({ kind: 'product_first' }));
    if (field === IDS.blocks.sku) {
      const skus = await catalog.skus(form.product.value, customer.country, opts);
      // Filtered first, then only the kept ones become options (the list can hold 50,000 SKUs).
      return cappedAs(
        matching(skus, query, (s) => `${s.title} ${s.id}`),
        (s) => ({ text: s.title, value: s.id, description: s.description }),
      );
    }
    if (!form.sku) return hint(optionHintText({ kind: 'sku_first' }));
    if (field === IDS.blocks.availability) {
      const list = await catalog.availabilities(form.product.value, form.sku.value, customer.country, opts);
      const offered = list.filter((a) => a.purchasable);
      if (offered.length === 0)
        return hint(optionHintText({ kind: 'not_offered', country: customer.country }));
      return cappedAs(offered, (a) => ({
        text: availabilityLabel(a.termDuration, a.billingCycle),
        value: a.id,
        description:
          [a.segment && a.segment !== 'commercial' ? `${a.segment} customers` : undefined, a.description]
            .filter(Boolean)
            .join(' · ') || undefined,
      }));
    }
    return { kind: 'items', items: [] };
  }

  /**
   * Loads, into the shared cache, the lists the form will ask for next (subscriptions, products,
   * SKUs, terms), so the first keystroke in each select is answered from memory.
   */
  async warm(form: FormValues, userId: string): Promise<void> {
    const next = [IDS.blocks.azureSubscription, IDS.blocks.product, IDS.blocks.sku, IDS.blocks.availability];
    await Promise.all(next.map((field) => this.list(field, form, '', userId).catch(() => undefined)));
  }

  /** The reservation catalog to read: Azure plan, unless the chosen subscription is a legacy one. */
  private async azurePlan(form: FormValues, customerId: string): Promise<boolean> {
    if (form.kind !== 'azure_reservation') return false;
    const choice = form.azureSubscription?.value;
    if (!choice || choice === NEW_AZURE_PLAN) return true;
    const subs = await this.deps.catalog.subscriptions(customerId);
    return subs.find((s) => s.id.toLowerCase() === choice.toLowerCase())?.type !== 'legacy';
  }
}
