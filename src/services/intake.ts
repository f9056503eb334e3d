import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { attestationText } from '../purchases/attestation';
import {
  isKind,
  type AzureTarget,
  type Kind,
  type PendingRequest,
  type PriceFacts,
  type PurchaseDraft,
  type PurchaseRequest,
  type RegistrationState,
  type Segment,
} from '../purchases/model';
import {
  checkDraft,
  justificationProblem,
  marketProblem,
  NEW_AZURE_PLAN,
  requiredApprovals,
  type ApprovalRule,
  type CheckFacts,
  type FieldProblems,
  type MarketRules,
} from '../purchases/policy';
import type { FormValues } from '../slack/codecs';
import { availabilityLabel } from '../slack/text';
import type { OnceRecords } from '../store/once';
import type { RequestStore } from '../store/requests';
import { NotCached, type FactSource } from './facts';

/**
 * Turns a filled form into a checked draft, or the problems to show on its fields, and stores
 * submitted drafts as requests.
 *
 * Nothing here runs while Slack waits except `evaluate(form, 'cached')`, which answers from the
 * facts the form's own checks already gathered (as the requester picked each field) and says
 * `complete: false` when one is missing; the listener then answers Slack at once and finishes
 * with `evaluate(form, 'live')` after the ack.
 */

export interface Evaluation {
  /** False when a fact was not cached yet (only in 'cached' mode). */
  complete: boolean;
  problems: FieldProblems;
  draft?: PurchaseDraft | undefined;
  /** The SKU's attestation statement, when it enforces one: the form shows a tick box. */
  attestationText?: string | undefined;
  /** Set when the customer has no Azure subscription that can hold a reservation. */
  newPlanFor?: string | undefined;
}

export type SubmitOutcome =
  { ok: true; request: PurchaseRequest; duplicate: boolean } | { ok: false; problems: FieldProblems };

export interface IntakeSettings {
  markets: MarketRules;
  perpetualQualified: boolean;
  maxQuantity: number;
  approvalTtlMs: number;
  rule: ApprovalRule;
  /** Whether the Microsoft Customer Agreement applies (not in the US Government cloud). */
  agreementApplies: boolean;
}

export class IntakeService {
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(
    private readonly deps: {
      /** Facts read through the cache, loading what is missing (after the ack). */
      live: FactSource;
      /** The same facts, from the cache only (while Slack waits). */
      cached: FactSource;
      requests: RequestStore;
      once: OnceRecords;
      settings: IntakeSettings;
      log: Logger;
      now?: () => number;
      newId?: () => string;
    },
  ) {
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? (() => `PR-${randomBytes(4).toString('hex').toUpperCase()}`);
  }

  async evaluate(form: FormValues, mode: 'cached' | 'live'): Promise<Evaluation> {
    try {
      return await this.check(form, mode === 'live' ? this.deps.live : this.deps.cached);
    } catch (err) {
      if (err instanceof NotCached) return { complete: false, problems: {} };
      throw err;
    }
  }

  /**
   * Gathers the facts the form's current choices need, so a later `evaluate(…, 'cached')` can answer
   * at once. Called after the ack of each choice; returns the evaluation so far (problems found early).
   */
  async prefetch(form: FormValues): Promise<Evaluation> {
    return this.evaluate(form, 'live');
  }

  private async check(form: FormValues, facts: FactSource): Promise<Evaluation> {
    const s = this.deps.settings;
    const problems: FieldProblems = {};
    const justification =
      form.justification === undefined ? undefined : justificationProblem(form.justification);
    if (!form.customer) problems.customer = { code: 'required', field: 'customer' };
    if (!form.kind) problems.kind = { code: 'required', field: 'kind' };
    if (!form.product) problems.product = { code: 'required', field: 'product' };
    if (!form.sku) problems.sku = { code: 'required', field: 'sku' };
    if (!form.availability) problems.availability = { code: 'required', field: 'availability' };
    if (form.kind === 'azure_reservation' && !form.azureSubscription) {
      problems.azure_subscription = { code: 'required', field: 'azure_subscription' };
    }
    if (justification) problems.justification = justification;
    if (!form.customer) return { complete: true, problems };

    const customer = await facts.customer(form.customer.value);
    if (!customer)
      return { complete: true, problems: { ...problems, customer: { code: 'customer_unknown' } } };
    if (!customer.country)
      return { complete: true, problems: { ...problems, customer: { code: 'customer_no_country' } } };
    const country = customer.country;
    if (!form.kind) return { complete: true, problems };
    const kind: Kind = form.kind;
    // The market rule needs nothing but the country: refused before asking the catalog anything.
    const market = marketProblem(kind, country, s.markets, s.perpetualQualified);
    if (market.kind) return { complete: true, problems: { ...problems, ...market } };

    const [segment, agreementAccepted, subscriptions] = await Promise.all([
      facts.segment(customer.id),
      s.agreementApplies ? facts.agreementAccepted(customer.id) : Promise.resolve(undefined),
      kind === 'azure_reservation' ? facts.subscriptions(customer.id) : Promise.resolve(undefined),
    ]);
    const holders = (subscriptions ?? []).filter((x) => x.type !== 'other' && x.active);
    const newPlanFor = kind === 'azure_reservation' && holders.length === 0 ? customer.name : undefined;
    const choice = form.azureSubscription?.value;
    const chosenSub =
      choice && choice !== NEW_AZURE_PLAN
        ? subscriptions?.find((x) => x.id.toLowerCase() === choice.toLowerCase())
        : undefined;
    const azurePlan =
      choice === NEW_AZURE_PLAN ||
      chosenSub?.type === 'azure_plan' ||
      (!chosenSub && holders.some((x) => x.type === 'azure_plan')) ||
      holders.length === 0;
    if (agreementAccepted === false) problems.customer = { code: 'agreement_missing' };
    if (!form.product || !form.sku || !form.availability) return { complete: true, problems, newPlanFor };

    const opts = { segment, azurePlan, kind };
    const [product, sku] = await Promise.all([
      facts.product(form.product.value, country, opts),
      facts.sku(form.product.value, form.sku.value, country, opts),
    ]);
    if (!product)
      return { complete: true, problems: { ...problems, product: { code: 'product_unknown' } }, newPlanFor };
    if (!sku)
      return {
        complete: true,
        problems: { ...problems, sku: { code: 'sku_not_sold', country } },
        newPlanFor,
      };
    const availabilities = await facts.availabilities(form.product.value, form.sku.value, country, opts);
    const otherScope =
      kind === 'azure_reservation'
        ? await facts.availabilities(form.product.value, form.sku.value, country, {
            ...opts,
            azurePlan: !azurePlan,
          })
        : [];
    const availability = availabilities.find((a) => a.id === form.availability?.value);
    const attestation = sku.attestation ? attestationText(sku.attestation) : undefined;

    const subscriptionId = chosenSub?.id;
    const [inventory, registration] = await Promise.all([
      sku.needsInventoryCheck &&
      availability &&
      // Checked in the context of a usable subscription only: another is refused anyway, and a new
      // Azure plan does not exist yet (its reservation's cart says 10003 when there is no stock).
      (kind !== 'azure_reservation' ||
        (chosenSub !== undefined && chosenSub.type !== 'other' && chosenSub.active))
        ? facts.inventory({
            country,
            customerId: customer.id,
            productId: form.product.value,
            skuId: form.sku.value,
            subscriptionId,
            region: sku.region,
          })
        : Promise.resolve(undefined),
      subscriptionId && chosenSub?.type !== 'other' && chosenSub?.active
        ? facts.registration(customer.id, subscriptionId)
        : Promise.resolve(undefined),
    ]);

    const quantity =
      form.quantity !== undefined && /^\s*\d+\s*$/.test(form.quantity) ? Number(form.quantity) : NaN;
    const checkFacts: CheckFacts = {
      markets: s.markets,
      perpetualQualified: s.perpetualQualified,
      maxQuantity: Math.min(s.maxQuantity, sku.maximumQuantity ?? Infinity),
      minQuantity: sku.minimumQuantity,
      productKind: product.kind,
      subscriptions,
      availabilityOffered: availability ? availability.purchasable : false,
      segment: availability?.segment ? { customer: segment, offered: availability.segment } : undefined,
      inventory: inventory
        ? { available: inventory.available, region: sku.region, detail: inventory.detail }
        : undefined,
      attestation: attestation ? { required: true, accepted: form.attestation === true } : undefined,
      agreementAccepted,
    };
    const ruleProblems = checkDraft(
      { kind, country, quantity, azureChoice: choice, justification: form.justification ?? '' },
      checkFacts,
    );
    const all: FieldProblems = { ...ruleProblems, ...problems };
    if (!availability && otherScope.some((a) => a.id === form.availability?.value)) {
      all.availability = { code: 'scope_mismatch' };
    } else if (!availability && form.availability) {
      const elsewhere = (
        await facts.availabilitiesOfAnySegment(form.product.value, form.sku.value, country, opts)
      ).find((a) => a.id === form.availability?.value);
      if (elsewhere?.segment && elsewhere.segment !== segment) {
        all.availability = { code: 'segment_mismatch', segment, offered: elsewhere.segment };
      }
    }
    if (Object.keys(all).length > 0 || !availability) {
      return { complete: true, problems: all, attestationText: attestation, newPlanFor };
    }

    const azure: AzureTarget | undefined =
      kind !== 'azure_reservation'
        ? undefined
        : choice === NEW_AZURE_PLAN
          ? { kind: 'new_plan' }
          : {
              kind: 'existing',
              subscriptionId: chosenSub?.id ?? choice ?? '',
              plan: chosenSub?.type === 'legacy' ? 'legacy' : 'azure_plan',
              registration: registration ?? 'unknown',
            };
    const base = {
      country,
      kind,
      productId: form.product.value,
      skuId: form.sku.value,
      termDuration: availability.termDuration,
      billingCycle: availability.billingCycle,
      segment,
      azurePlan,
      quantity,
    };
    const price: PriceFacts = await facts.price(base, s.rule.currency);
    return {
      complete: true,
      problems: {},
      attestationText: attestation,
      newPlanFor,
      draft: {
        customerId: customer.id,
        customerName: customer.name,
        country,
        segment: segment satisfies Segment,
        kind,
        // Titles and kinds come from Partner Center, never from the option labels the client sent.
        productId: product.id,
        productTitle: product.title,
        skuId: sku.id,
        skuTitle: sku.title,
        availabilityId: availability.id,
        catalogItemId: availability.catalogItemId,
        termDuration: availability.termDuration,
        billingCycle: availability.billingCycle,
        quantity,
        azure,
        justification: (form.justification ?? '').trim(),
        price,
        ...(attestation ? { attestation: { text: attestation } } : {}),
      },
    };
  }

  /**
   * Stores the request. A view is submitted once: a second submission of the same view (a double
   * click, a Slack retry) returns the request the first one made.
   */
  async submit(viewId: string, requesterId: string, draft: PurchaseDraft): Promise<SubmitOutcome> {
    const existing = await this.deps.once.get('submit', viewId);
    if (existing) {
      const r = await this.deps.requests.get(existing);
      if (r) return { ok: true, request: r, duplicate: true };
    }
    const now = this.now();
    const approvals = requiredApprovals(draft, this.deps.settings.rule);
    for (let i = 0; i < 5; i++) {
      const id = this.newId();
      if (!(await this.deps.once.claim('submit', viewId, id, 7 * 86_400_000))) {
        const winner = await this.deps.once.get('submit', viewId);
        const r = winner ? await this.deps.requests.get(winner) : undefined;
        if (r) return { ok: true, request: r, duplicate: true };
        continue;
      }
      const request: PendingRequest = {
        ...draft,
        id,
        requesterId,
        createdAt: now,
        expiresAt: now + this.deps.settings.approvalTtlMs,
        status: 'pending_approval',
        version: 1,
        requiredApprovals: approvals.count,
        ...(approvals.reasons.length ? { approvalReasons: approvals.reasons } : {}),
        approvals: [],
        slack: {},
      };
      if (await this.deps.requests.create(request, requesterId))
        return { ok: true, request, duplicate: false };
      await this.deps.once.release('submit', viewId, id);
    }
    throw new Error('Could not allocate a request id');
  }

  /** The form a "Submit again" opens: the old request's choices, prefilled. */
  async prefill(requestId: string, userId: string): Promise<FormValues | undefined> {
    const r = await this.deps.requests.get(requestId);
    if (!r || r.requesterId !== userId) return undefined;
    const sub =
      r.azure?.kind === 'new_plan'
        ? { value: NEW_AZURE_PLAN, label: `New Azure plan for ${r.customerName}` }
        : r.azure?.kind === 'existing'
          ? { value: r.azure.subscriptionId, label: r.azure.subscriptionId }
          : undefined;
    return {
      customer: { value: r.customerId, label: r.customerName },
      kind: isKind(r.kind) ? r.kind : undefined,
      product: { value: r.productId, label: r.productTitle },
      sku: { value: r.skuId, label: r.skuTitle },
      // The label the form's own term list shows: never `P1Y` in front of people.
      availability: { value: r.availabilityId, label: availabilityLabel(r.termDuration, r.billingCycle) },
      quantity: String(r.quantity),
      azureSubscription: sub,
      justification: r.justification,
    };
  }
}

export type { RegistrationState };
