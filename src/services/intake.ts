import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isAppError } from '../errors';
import type { Availability, Sku } from '../partner-center/schemas';
import { KINDS, type Kind, type PurchaseDraft, type PurchaseRequest } from '../purchases/model';
import { checkDraft, type CheckFacts, type FieldErrors, requiredApprovals } from '../purchases/policy';
import type { OnceStore, RequestRepository } from '../store/requests';
import type { CatalogService } from './catalog';
import { availabilityPrice, type PartnerCenterApi } from './partner-center-api';

/** Values of the request modal as Slack sends them in view.state.values. */
export type ViewStateValues = Record<
  string,
  Record<
    string,
    {
      type?: string;
      value?: string | null;
      selected_option?: { value: string; text?: { text: string } } | null;
    }
  >
>;

/** Sentinel option value shown when a list cannot be filled yet (no customer chosen, say). */
export const NONE = '__none__';

export interface RawForm {
  customer?: string | undefined;
  customerLabel?: string | undefined;
  kind?: Kind | undefined;
  product?: string | undefined;
  productLabel?: string | undefined;
  sku?: string | undefined;
  skuLabel?: string | undefined;
  availability?: string | undefined;
  availabilityLabel?: string | undefined;
  quantity?: string | undefined;
  azureSubscription?: string | undefined;
  azureSubscriptionLabel?: string | undefined;
  justification?: string | undefined;
}

function selected(values: ViewStateValues, id: string): { value?: string; label?: string } {
  const opt = values[id]?.[id]?.selected_option;
  if (!opt || opt.value === NONE) return {};
  return { value: opt.value, ...(opt.text?.text ? { label: opt.text.text } : {}) };
}

export function readForm(values: ViewStateValues): RawForm {
  const kind = selected(values, 'kind').value;
  const customer = selected(values, 'customer');
  const product = selected(values, 'product');
  const sku = selected(values, 'sku');
  const availability = selected(values, 'availability');
  const sub = selected(values, 'azure_subscription');
  return {
    customer: customer.value,
    customerLabel: customer.label,
    kind: (KINDS as readonly string[]).includes(kind ?? '') ? (kind as Kind) : undefined,
    product: product.value,
    productLabel: product.label,
    sku: sku.value,
    skuLabel: sku.label,
    availability: availability.value,
    availabilityLabel: availability.label,
    quantity: values.quantity?.quantity?.value ?? undefined,
    azureSubscription: sub.value,
    azureSubscriptionLabel: sub.label,
    justification: values.justification?.justification?.value ?? undefined,
  };
}

export type SubmitOutcome =
  { ok: false; errors: FieldErrors } | { ok: true; request: PurchaseRequest; duplicate: boolean };

export interface IntakeSettings {
  perpetualQualified: boolean;
  maxQuantity: number;
  approvalTtlMs: number;
  dualApprovalQuantity: number;
  dualApprovalAmount: number;
}

const quantitySchema = z.coerce.number().int();

/** Turns a submitted form into a stored, checked purchase request, or field errors. */
export class IntakeService {
  constructor(
    private readonly pc: PartnerCenterApi,
    private readonly catalog: CatalogService,
    private readonly repo: RequestRepository,
    private readonly once: OnceStore,
    private readonly settings: IntakeSettings,
    private readonly now: () => number = Date.now,
    private readonly newId: () => string = () => `PR-${randomBytes(4).toString('hex').toUpperCase()}`,
  ) {}

  /**
   * Resolves the form against Partner Center and runs every check. Calls Partner Center for the
   * facts that must be fresh (availability still offered, inventory, registration).
   */
  async check(form: RawForm): Promise<{ errors: FieldErrors; draft?: PurchaseDraft }> {
    const errors: FieldErrors = {};
    if (!form.customer) errors.customer = 'Choose a customer.';
    if (!form.kind) errors.kind = 'Choose what kind of purchase this is.';
    if (!form.product) errors.product = 'Choose a product.';
    if (!form.sku) errors.sku = 'Choose a SKU.';
    if (!form.availability) errors.availability = 'Choose a term.';
    const q = quantitySchema.safeParse(form.quantity);
    if (!q.success) errors.quantity = `Enter a whole number from 1 to ${this.settings.maxQuantity}.`;
    if (form.kind === 'azure_reservation' && !form.azureSubscription) {
      errors.azure_subscription = 'A reservation needs the Azure subscription it applies to.';
    }
    if (!form.justification || form.justification.trim().length < 10) {
      errors.justification = 'Say in a sentence why this is needed (10 characters at least).';
    }
    if (!form.customer || !form.kind || !form.product || !form.sku || !form.availability) return { errors };

    const customer = await this.catalog.customer(form.customer).catch((err: unknown) => {
      if (isAppError(err, 'pc_not_found')) return undefined;
      throw err;
    });
    if (!customer)
      return { errors: { ...errors, customer: 'Partner Center does not know this customer any more.' } };
    if (!customer.country)
      return {
        errors: {
          ...errors,
          customer: 'This customer has no billing country in Partner Center, so no market applies.',
        },
      };
    const country = customer.country;
    // The market rule needs nothing but the country: refuse before asking the catalog anything.
    const market = checkDraft(
      { kind: form.kind, country, quantity: 1, azureSubscriptionId: 'n/a', justification: 'n/a'.repeat(4) },
      {
        perpetualQualified: this.settings.perpetualQualified,
        maxQuantity: this.settings.maxQuantity,
      },
    );
    if (market.kind) return { errors: { ...errors, kind: market.kind } };

    const [sku, availability, subs] = await Promise.all([
      this.pc.getSku(form.product, form.sku, country).catch(notFoundAs(undefined as Sku | undefined)),
      this.pc
        .getAvailability(form.product, form.sku, form.availability, country)
        .catch(notFoundAs(undefined as Availability | undefined)),
      form.kind === 'azure_reservation'
        ? this.catalog.subscriptions(customer.id)
        : Promise.resolve(undefined),
    ]);
    if (!sku) return { errors: { ...errors, sku: `This SKU is not sold in ${country}. Choose another.` } };

    const facts: CheckFacts = {
      perpetualQualified: this.settings.perpetualQualified,
      maxQuantity: Math.min(this.settings.maxQuantity, sku.maximumQuantity ?? Infinity),
      customerSubscriptionIds: subs?.map((s) => s.id),
      availabilityOffered: availability !== undefined && availability.isPurchasable !== false,
    };
    const draftBase = {
      kind: form.kind,
      country,
      quantity: q.success ? q.data : NaN,
      azureSubscriptionId: form.kind === 'azure_reservation' ? form.azureSubscription : undefined,
      justification: form.justification ?? '',
    };
    const prereqs = (sku.purchasePrerequisites ?? []).map((p) => p.toLowerCase());
    const subscriptionOk =
      form.kind !== 'azure_reservation' ||
      (draftBase.azureSubscriptionId !== undefined &&
        (facts.customerSubscriptionIds?.includes(draftBase.azureSubscriptionId) ?? false));
    // Inventory is checked in the context of the subscription, so only once that is valid.
    if (prereqs.includes('inventorycheck') && subscriptionOk) {
      facts.inventory = await this.inventory(
        country,
        customer.id,
        form.product,
        form.sku,
        sku,
        draftBase.azureSubscriptionId,
      );
    }
    const ruleErrors = checkDraft(draftBase, facts);
    const all = { ...ruleErrors, ...errors };
    if (Object.keys(all).length > 0 || !availability) return { errors: all };

    let registrationStatus: string | undefined;
    if (draftBase.azureSubscriptionId) {
      registrationStatus = await this.pc
        .getRegistrationStatus(customer.id, draftBase.azureSubscriptionId)
        .then((s) => s.status)
        .catch(() => 'unknown');
    }
    const term = availability.terms?.[0];
    const price = availabilityPrice(availability);
    const product = await this.pc.getProduct(form.product, country).catch(() => undefined);
    return {
      errors: {},
      draft: {
        customerId: customer.id,
        customerName: customer.name,
        country,
        kind: form.kind,
        productId: form.product,
        productTitle: product?.title ?? form.productLabel ?? form.product,
        skuId: form.sku,
        skuTitle: sku.title,
        availabilityId: availability.id,
        catalogItemId: availability.catalogItemId,
        termDuration: term?.duration,
        billingCycle: term?.billingCycle ?? sku.supportedBillingCycles?.[0] ?? 'one_time',
        quantity: draftBase.quantity,
        azureSubscriptionId: draftBase.azureSubscriptionId,
        justification: draftBase.justification.trim(),
        unitPrice: price.unitPrice,
        currency: price.currency,
        registrationStatus,
      },
    };
  }

  private async inventory(
    country: string,
    customerId: string,
    productId: string,
    skuId: string,
    sku: Sku,
    subscriptionId: string | undefined,
  ) {
    const region =
      typeof sku.dynamicAttributes?.armRegionName === 'string'
        ? sku.dynamicAttributes.armRegionName
        : undefined;
    const context: Record<string, string> = { customerId };
    if (subscriptionId) context.azureSubscriptionId = subscriptionId;
    if (region) context.armRegionName = region;
    const result = await this.pc.checkInventory(country, {
      targetItems: [{ productId, skuId }],
      inventoryContext: context,
    });
    const item =
      result.find((i) => String(i.skuId ?? '') === skuId || i.productId === productId) ?? result[0];
    const restrictions =
      (item as { restrictions?: { description?: string; reasonCode?: string }[] } | undefined)
        ?.restrictions ?? [];
    const available = item
      ? (item as { isRestricted?: boolean }).isRestricted !== true && restrictions.length === 0
      : false;
    return {
      required: true,
      available,
      detail: restrictions[0]?.description ?? (region ? `no capacity in ${region}` : undefined),
    };
  }

  /**
   * Stores the request. A view is submitted once: a second submission of the same view (a double
   * click, a retry) returns the request the first one made.
   */
  async submit(viewId: string, requesterId: string, draft: PurchaseDraft): Promise<SubmitOutcome> {
    const existing = await this.once.get('submit', viewId);
    if (existing) {
      const r = await this.repo.get(existing);
      if (r) return { ok: true, request: r, duplicate: true };
    }
    const now = this.now();
    for (let i = 0; i < 5; i++) {
      const id = this.newId();
      if (!(await this.once.claim('submit', viewId, id, 7 * 86_400_000))) {
        const winner = await this.once.get('submit', viewId);
        const r = winner ? await this.repo.get(winner) : undefined;
        if (r) return { ok: true, request: r, duplicate: true };
        continue;
      }
      const request: PurchaseRequest = {
        ...draft,
        id,
        requesterId,
        createdAt: now,
        expiresAt: now + this.settings.approvalTtlMs,
        status: 'pending_approval',
        version: 1,
        requiredApprovals: requiredApprovals(draft, this.settings),
        approvals: [],
        slack: {},
      };
      if (await this.repo.create(request, requesterId)) return { ok: true, request, duplicate: false };
      await this.once.release('submit', viewId);
    }
    throw new Error('Could not allocate a request id');
  }
}

function notFoundAs<T>(value: T) {
  return (err: unknown): T => {
    if (isAppError(err, 'pc_not_found')) return value;
    throw err;
  };
}
