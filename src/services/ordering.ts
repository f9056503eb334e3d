import type { Logger } from 'pino';
import { AppError } from '../errors';
import { orderOutcome, orderSummary } from '../partner-center/facts';
import type { CheckoutAnswer, PurchaseLine } from '../partner-center/client';
import { msRequestId, type WriteStep } from '../purchases/idempotency';
import { findRequestOrder, taggedFriendlyName, taggedOrder } from '../purchases/matching';
import {
  ordersOf,
  subscriptionOf,
  type CartProgress,
  type Failure,
  type OrderingRequest,
  type OrderSummary,
  type PurchaseRequest,
} from '../purchases/model';
import type { Notice } from '../purchases/notices';
import type { CartScope, PurchaseEvent } from '../purchases/state-machine';
import type { Locks } from '../store/lock';
import type { RequestStore } from '../store/requests';
import { AZURE_PLAN_PRODUCT, AZURE_PLAN_SKU, scopeOf } from './catalog';
import type { RequestNotifier } from './notifier';
import type { PartnerCenterApi } from './partner-center-api';
import type { RegistrationService } from './registration';
import { decideRetry } from './retry';

/** The steps of a purchase job; the step lives in the job data. */
export type PurchaseStep = 'start' | 'plan' | 'registration' | 'order' | 'search';

/** What the job should do after a step. */
export type StepOutcome =
  | { kind: 'done' }
  | { kind: 'next'; step: PurchaseStep }
  | { kind: 'wait'; step: PurchaseStep; delayMs: number; polls: number };

export interface OrderingSettings {
  registrationPollBaseMs: number;
  registrationPollCapMs: number;
  registrationMaxPolls: number;
  /** Partner Center lists new orders up to this late. */
  orderListDelayMs: number;
  /** How many times an order-list search looks for an order whose outcome is unknown. */
  searchAttempts: number;
  /** Azure plan fulfilment: polls, doubling from the registration base. */
  planMaxPolls: number;
  /** Lifetime of the per-request lock; renewed while the holder lives, so a crash frees it this fast. */
  lockMs: number;
}

/** A business rule at Partner Center refused the purchase: retrying cannot help. */
export class PurchaseRefused extends AppError {
  constructor(
    readonly failure: Failure,
    /** True when Partner Center's answer to the checkout itself said no order was made. */
    readonly checkoutRefused = false,
  ) {
    super(
      'pc_bad_request',
      `Purchase refused (${failure.code}${failure.pcCode ? ` ${failure.pcCode}` : ''})`,
    );
  }
}

/** Another worker holds the request's lock: try again shortly, it is not a failure. */
export class RequestBusy extends AppError {
  constructor(requestId: string) {
    super('internal', `Request ${requestId} is being processed elsewhere`);
  }
}

/** Partner Center said something retrying may fix; the job retries the step (after a wait when throttled). */
export class TryAgain extends AppError {
  constructor(
    readonly failure: unknown,
    readonly delayMs: number | undefined,
  ) {
    super(
      'internal',
      `Partner Center call to retry: ${failure instanceof Error ? failure.message : String(failure)}`,
      {
        cause: failure,
      },
    );
  }
}

type BuyOutcome =
  | { kind: 'ordered'; orders: OrderSummary[]; refusedGroups: { code: string; description: string }[] }
  | { kind: 'unknown'; cartId: string; pcCode?: string | undefined; pcMessage?: string | undefined };

export interface OrderingDeps {
  pc: PartnerCenterApi;
  requests: RequestStore;
  locks: Locks;
  registrations: RegistrationService;
  notifier: RequestNotifier;
  /** Schedules the order-list confirmation. */
  scheduleConfirmation(requestId: string, delayMs: number): Promise<void>;
  settings: OrderingSettings;
  log: Logger;
}

/**
 * The steps between approval and an order. Every step reads the request's exactly-once record
 * (its progress) before acting and saves the next piece of it before calling Partner Center, so a
 * crash, a stalled job or a retry resumes instead of repeating.
 */
export class OrderingService {
  constructor(private readonly deps: OrderingDeps) {}

  /** Runs one step of request `requestId` under its lock. */
  async step(requestId: string, step: PurchaseStep, polls: number): Promise<StepOutcome> {
    const locked = await this.deps.locks.withLock('order', requestId, this.deps.settings.lockMs, () =>
      this.stepLocked(requestId, step, polls),
    );
    if (!locked.acquired) throw new RequestBusy(requestId);
    return locked.value;
  }

  private async stepLocked(requestId: string, step: PurchaseStep, polls: number): Promise<StepOutcome> {
    let r = await this.deps.requests.get(requestId);
    if (!r) return { kind: 'done' };
    if (r.status === 'approved') r = await this.apply(r.id, { type: 'start_ordering' });
    switch (r.status) {
      case 'ordering':
        break;
      case 'attention':
        return r.attention.reason === 'outcome_unknown'
          ? this.search(r, step === 'search')
          : { kind: 'done' };
      case 'ordered':
        await this.afterOrdered(r, undefined);
        return { kind: 'done' };
      // Nothing to do: not approved (yet, or ever), or finished.
      case 'approved':
      case 'pending_approval':
      case 'rejected':
      case 'expired':
      case 'cancelled':
      case 'confirmed':
      case 'failed':
      case 'order_cancelled':
        return { kind: 'done' };
      default: {
        const unreachable: never = r;
        throw new Error(`Unhandled status ${JSON.stringify(unreachable)}`);
      }
    }
    const plan = r.progress.plan;
    if (plan && plan.stage !== 'ready') return this.planStep(r, polls);
    // The reads before the cart do not depend on each other: the registration status, the
    // request's order if one exists already, and the current catalog item run at the same time.
    // (Only on the first look: while a registration is pending, its polls alone go out.)
    const reads =
      r.progress.cart.stage === 'none' && polls === 0
        ? this.beforeCart(r, 'purchase', () => this.purchaseLine(r))
        : undefined;
    // Awaited below, after the registration; until then a failure must not go unhandled.
    reads?.catch(() => undefined);
    if (r.kind === 'azure_reservation' && r.progress.cart.stage === 'none' && step !== 'order') {
      const waiting = await this.registration(r, polls);
      if (waiting) return waiting;
    }
    return this.orderStep(r, reads);
  }

  /** The reads a cart needs, started together: an order that already exists wins over making a line. */
  private async beforeCart(
    r: OrderingRequest,
    scope: CartScope,
    makeLine: () => Promise<PurchaseLine>,
  ): Promise<{ existing: OrderSummary } | { line: PurchaseLine }> {
    const [existing, line] = await Promise.allSettled([this.existingOrder(r, scope), makeLine()]);
    if (existing.status === 'rejected') throw existing.reason;
    if (existing.value) return { existing: existing.value };
    if (line.status === 'rejected') throw line.reason;
    return { line: line.value };
  }

  // -------------------------------------------------------------------------------------------------
  // Registration

  /** Undefined when registered; else when to look again. */
  private async registration(r: OrderingRequest, polls: number): Promise<StepOutcome | undefined> {
    const subscriptionId = subscriptionOf(r);
    if (!subscriptionId) return undefined;
    const s = this.deps.settings;
    const delayMs = Math.min(s.registrationPollBaseMs * 2 ** polls, s.registrationPollCapMs);
    const answer = await this.deps.registrations.check(
      r.customerId,
      subscriptionId,
      s.registrationPollBaseMs,
    );
    if (answer.status === 'registered') {
      if (polls > 0)
        await this.deps.notifier.notify(r, { kind: 'registration', subscriptionId, status: 'registered' });
      return undefined;
    }
    if (polls >= s.registrationMaxPolls) {
      throw new PurchaseRefused({ code: 'registration_timeout', nothingBought: true });
    }
    if (polls === 0)
      await this.deps.notifier.notify(r, { kind: 'registration', subscriptionId, status: answer.status });
    return { kind: 'wait', step: 'registration', delayMs, polls: polls + 1 };
  }

  // -------------------------------------------------------------------------------------------------
  // The Azure plan bought first, for a customer who has none

  private async planStep(r: OrderingRequest, polls: number): Promise<StepOutcome> {
    const plan = r.progress.plan;
    if (!plan || plan.stage === 'ready') return { kind: 'next', step: 'registration' };
    if (plan.stage === 'cart') {
      if (plan.cart.stage === 'none') await this.deps.notifier.notify(r, { kind: 'plan_ordering' });
      const bought = await this.buy(r, 'plan', plan.cart, () => this.planLine(r));
      if (bought.kind === 'unknown') return this.outcomeUnknown(r, bought);
      const order = bought.orders[0];
      if (!order)
        throw new PurchaseRefused({ code: 'plan_refused', nothingBought: true, stage: 'plan' }, true);
      const cartId = 'cartId' in plan.cart ? plan.cart.cartId : '';
      const next = await this.apply(r.id, { type: 'plan_ordered', orderId: order.id, cartId });
      await this.deps.notifier.notify(next, { kind: 'plan_ordered', orderId: order.id });
      return { kind: 'wait', step: 'plan', delayMs: this.deps.settings.registrationPollBaseMs, polls: 0 };
    }
    // Ordered: wait for fulfilment ("a Partner Center Subscription resource will be created for the Azure plan").
    const [order, subs] = await Promise.all([
      this.deps.pc.getOrder(r.customerId, plan.orderId),
      this.deps.pc.listSubscriptionsByOrder(r.customerId, plan.orderId),
    ]);
    const subscription = subs.items.find((s) => (s.status ?? 'active') === 'active');
    const outcome = orderOutcome(String(order.status ?? 'pending'));
    if (outcome === 'needs_action') {
      throw new PurchaseRefused({
        code: 'plan_refused',
        pcCode: String(order.status),
        nothingBought: false,
        stage: 'plan',
      });
    }
    if (subscription && outcome === 'completed') {
      const next = await this.apply(r.id, { type: 'plan_ready', subscriptionId: subscription.id });
      await this.deps.notifier.notify(next, { kind: 'plan_ready', subscriptionId: subscription.id });
      return { kind: 'next', step: 'registration' };
    }
    const s = this.deps.settings;
    if (polls >= s.planMaxPolls)
      throw new PurchaseRefused({ code: 'plan_timeout', nothingBought: false, stage: 'plan' });
    return {
      kind: 'wait',
      step: 'plan',
      delayMs: Math.min(s.registrationPollBaseMs * 2 ** polls, s.registrationPollCapMs),
      polls: polls + 1,
    };
  }

  /** The Azure plan's catalog item ("Create an Azure plan": product DZH318Z0BPS6, SKU 0001), read just before buying. */
  private async planLine(r: OrderingRequest): Promise<PurchaseLine> {
    const list = await this.deps.pc.listAvailabilities(AZURE_PLAN_PRODUCT, AZURE_PLAN_SKU, r.country, {});
    const availability = list.items.find((a) => a.isPurchasable !== false);
    if (!availability) {
      throw new PurchaseRefused({ code: 'plan_refused', nothingBought: true, stage: 'plan' });
    }
    return {
      catalogItemId: availability.catalogItemId,
      quantity: 1,
      billingCycle: 'one_time',
      friendlyName: taggedFriendlyName(r.id, 'Azure plan', 'plan'),
    };
  }

  // -------------------------------------------------------------------------------------------------
  // The purchase

  private async orderStep(
    r: OrderingRequest,
    reads?: Promise<{ existing: OrderSummary } | { line: PurchaseLine }>,
  ): Promise<StepOutcome> {
    const bought = await this.buy(r, 'purchase', r.progress.cart, () => this.purchaseLine(r), reads);
    if (bought.kind === 'unknown') return this.outcomeUnknown(r, bought);
    if (bought.orders.length === 0) {
      const e = bought.refusedGroups[0];
      throw new PurchaseRefused(
        {
          code: 'refused',
          pcCode: e?.code,
          pcMessage: e?.description,
          nothingBought: true,
          stage: 'purchase',
        },
        true,
      );
    }
    const ordered = await this.apply(r.id, { type: 'ordered', orders: bought.orders });
    await this.afterOrdered(ordered, {
      kind: 'ordered',
      orders: bought.orders,
      refusedGroups: bought.refusedGroups,
    });
    await this.finalStatusNow(ordered);
    return { kind: 'done' };
  }

  /**
   * The order read by id right after checkout (a GET by id has no list delay): an order that
   * already ended in a status that needs people (error, pending review…) says so now, not after
   * the confirmation delay. A failed read changes nothing: the confirmation reads it again.
   */
  private async finalStatusNow(r: PurchaseRequest): Promise<void> {
    const current = await Promise.all(
      ordersOf(r).map((o) =>
        this.deps.pc
          .getOrder(r.customerId, o.id)
          .then(orderSummary)
          .catch(() => o),
      ),
    );
    const problem = current.find((o) => orderOutcome(o.status) === 'needs_action');
    if (!problem) return;
    const res = await this.deps.requests.apply(
      r.id,
      { type: 'order_status', orderId: problem.id, orderStatus: problem.status, lines: problem.lineItems },
      'pipeline',
      problem.status,
    );
    if (!res.ok || !res.changed) return;
    await this.deps.notifier.refresh(res.request);
    await this.deps.notifier.notify(res.request, {
      kind: 'order_status',
      orderId: problem.id,
      orderStatus: problem.status,
      lines: problem.lineItems,
    });
  }

  /** The cart line, with the catalog item read again just before buying (ids are reissued). */
  private async purchaseLine(r: OrderingRequest): Promise<PurchaseLine> {
    const subscriptionId = subscriptionOf(r);
    const azurePlan =
      r.azure?.kind === 'new_plan' || (r.azure?.kind === 'existing' && r.azure.plan === 'azure_plan');
    const scope = scopeOf(r.kind, azurePlan);
    const catalogItemId = await this.currentCatalogItemId(r, scope);
    const line: PurchaseLine = {
      catalogItemId,
      quantity: r.quantity,
      billingCycle: r.billingCycle,
      friendlyName: taggedFriendlyName(r.id, r.skuTitle),
      ...(r.termDuration ? { termDuration: r.termDuration } : {}),
      ...(r.attestation ? { attestationAccepted: true } : {}),
    };
    if (r.kind === 'azure_reservation') {
      if (!subscriptionId)
        throw new AppError('internal', `Request ${r.id} has no Azure subscription to buy on`);
      line.reservation = { subscriptionId, scope: 'shared', termDuration: r.termDuration };
    }
    return line;
  }

  private async currentCatalogItemId(r: OrderingRequest, scope: 'AzurePlan' | undefined): Promise<string> {
    const opts = { targetSegment: r.segment, ...(scope ? { reservationScope: scope } : {}) };
    const current = await this.deps.pc
      .getAvailability(r.productId, r.skuId, r.availabilityId, r.country, opts)
      .catch((err: unknown) => {
        if (decideRetry(err).kind === 'refused') return undefined;
        throw err;
      });
    const availability =
      current && current.isPurchasable !== false
        ? current
        : (await this.deps.pc.listAvailabilities(r.productId, r.skuId, r.country, opts)).items.find(
            (a) =>
              a.isPurchasable !== false &&
              (a.terms?.[0]?.duration ?? undefined) === r.termDuration &&
              (a.segment === undefined || a.segment === r.segment),
          );
    if (!availability) throw new PurchaseRefused({ code: 'availability_gone', nothingBought: true });
    return availability.catalogItemId;
  }

  /**
   * Creates the cart (once) and checks it out (once). Each record is saved before the call it
   * protects: the cart id before checkout, `checkout_sent` before the checkout goes out.
   */
  private async buy(
    r: OrderingRequest,
    scope: CartScope,
    initial: CartProgress,
    makeLine: () => Promise<PurchaseLine>,
    reads?: Promise<{ existing: OrderSummary } | { line: PurchaseLine }>,
  ): Promise<BuyOutcome> {
    const steps: { cart: WriteStep; checkout: WriteStep } =
      scope === 'plan'
        ? { cart: 'plan-cart', checkout: 'plan-checkout' }
        : { cart: 'cart', checkout: 'checkout' };
    let cart = initial;
    let current: PurchaseRequest = r;

    if (cart.stage === 'none') {
      // A Redis that lost its last writes may have forgotten a cart this request already checked
      // out: look for the request's order before making a new cart (the tag in its friendly name).
      const before = await (reads ?? this.beforeCart(r, scope, makeLine));
      if ('existing' in before) return { kind: 'ordered', orders: [before.existing], refusedGroups: [] };
      const line = before.line;
      const created = await this.call(current, scope, () =>
        this.deps.pc.createPurchaseCart(r.customerId, line, {
          requestId: msRequestId(r.id, steps.cart, cart.attempt),
        }),
      );
      const lineError = created.lineItems.map((l) => l.error).find((e) => e);
      if (lineError) {
        throw new PurchaseRefused({
          code: scope === 'plan' ? 'plan_refused' : 'refused',
          pcCode: String(lineError.errorCode),
          pcMessage: lineError.errorDescription,
          nothingBought: true,
          stage: scope,
        });
      }
      current = await this.apply(r.id, { type: 'cart_created', scope, cartId: created.id });
      cart = { stage: 'cart', cartId: created.id, attempt: 0 };
    } else if (cart.stage === 'checkout') {
      // Resuming after a checkout that may have gone out: ask Partner Center before sending again.
      const known = await this.deps.pc.getCart(r.customerId, cart.cartId).catch((err: unknown) => {
        if (decideRetry(err).kind === 'refused') return undefined;
        throw err;
      });
      if (!known || known.status === 'ordered') {
        return {
          kind: 'unknown',
          cartId: cart.cartId,
          pcMessage: known ? 'cart already ordered' : 'cart not found',
        };
      }
    }
    if (cart.stage === 'cart') {
      current = await this.apply(r.id, { type: 'checkout_sent', scope });
      cart = { stage: 'checkout', cartId: cart.cartId, attempt: cart.attempt };
    }
    const cartId = cart.cartId;
    const attempt = cart.attempt;
    let answer: CheckoutAnswer;
    try {
      answer = await this.call(current, scope, () =>
        this.deps.pc.checkout(r.customerId, cartId, {
          requestId: msRequestId(r.id, steps.checkout, attempt),
        }),
      );
    } catch (err) {
      if (err instanceof AmbiguousAnswer)
        return { kind: 'unknown', cartId, pcCode: err.pcCode, pcMessage: err.pcMessage };
      if (err instanceof PurchaseRefused) throw new PurchaseRefused(err.failure, true);
      throw err;
    }
    const orders = answer.orders.map(orderSummary);
    const refusedGroups = answer.orderErrors.map((e) => ({
      code: String(e.code),
      description: e.description ?? '',
    }));
    // A 2xx that names neither an order nor an error does not say nothing was bought.
    if (orders.length === 0 && refusedGroups.length === 0) {
      return { kind: 'unknown', cartId, pcMessage: 'checkout answered without orders or errors' };
    }
    return { kind: 'ordered', orders, refusedGroups };
  }

  /**
   * One write to Partner Center, with its outcome classified: refusals become PurchaseRefused,
   * 800065 an AmbiguousAnswer; after any answer worth retrying the step's attempt moves on (a fresh
   * MS-RequestId next time), after no answer it stays (the same id).
   */
  private async call<T>(r: PurchaseRequest, scope: CartScope, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const decision = decideRetry(err);
      switch (decision.kind) {
        case 'refused':
          throw new PurchaseRefused({
            code: scope === 'plan' ? 'plan_refused' : 'refused',
            pcCode: decision.pcCode,
            pcMessage: decision.pcMessage,
            nothingBought: true,
            stage: scope,
          });
        case 'ambiguous':
          throw new AmbiguousAnswer(decision.pcCode, decision.pcMessage);
        case 'retry':
          if (decision.answered) await this.apply(r.id, { type: 'cart_answered', scope });
          throw new TryAgain(err, undefined);
        case 'wait':
          // A 429 is an answer too: the next try gets a fresh id.
          await this.apply(r.id, { type: 'cart_answered', scope });
          throw new TryAgain(err, decision.delayMs);
        case 'bug':
          throw err;
        default: {
          const unreachable: never = decision;
          throw new Error(`Unhandled decision ${JSON.stringify(unreachable)}`);
        }
      }
    }
  }

  /** The request's order among the customer's one-time orders, if Partner Center lists one already. */
  private async existingOrder(r: OrderingRequest, scope: CartScope): Promise<OrderSummary | undefined> {
    const list = await this.deps.pc.listOrdersByBillingType(r.customerId, 'one_time');
    // Only the exact (tagged) rule here: before any cart of ours exists, a structural match could be
    // an order someone else placed. The plan's tag and the purchase's differ, so one is never taken
    // for the other.
    return taggedOrder(list.items.map(orderSummary), r.id, scope === 'plan' ? 'plan' : 'purchase');
  }

  private async outcomeUnknown(
    r: OrderingRequest,
    u: { cartId: string; pcCode?: string | undefined; pcMessage?: string | undefined },
  ): Promise<StepOutcome> {
    const next = await this.apply(r.id, {
      type: 'outcome_unknown',
      cartId: u.cartId,
      pcCode: u.pcCode,
      pcMessage: u.pcMessage,
    });
    this.deps.log.warn(
      { requestId: r.id, cartId: u.cartId, pcCode: u.pcCode },
      'checkout outcome unknown; looking for the order',
    );
    await this.deps.notifier.refresh(next);
    await this.deps.notifier.notify(next, {
      kind: 'outcome_unknown',
      pcCode: u.pcCode,
      pcMessage: u.pcMessage,
    });
    // The order list lags: look once it would show an order made now.
    return { kind: 'wait', step: 'search', delayMs: this.deps.settings.orderListDelayMs, polls: 0 };
  }

  // -------------------------------------------------------------------------------------------------
  // Outcome unknown: look for the order

  /**
   * Looks for the order of a request whose checkout outcome is unknown: in the customer's one-time
   * orders (listed up to 15 minutes late), tagged with the request id, or matched on offer, quantity
   * and creation after the cart.
   */
  async search(r: Extract<PurchaseRequest, { status: 'attention' }>, due: boolean): Promise<StepOutcome> {
    if (r.attention.reason !== 'outcome_unknown') return { kind: 'done' };
    if (!due) return { kind: 'wait', step: 'search', delayMs: this.deps.settings.orderListDelayMs, polls: 0 };
    const planPending = r.progress.plan && r.progress.plan.stage === 'cart';
    const target = planPending
      ? { id: r.id, part: 'plan' as const, productId: AZURE_PLAN_PRODUCT, skuId: AZURE_PLAN_SKU, quantity: 1 }
      : { id: r.id, part: 'purchase' as const, productId: r.productId, skuId: r.skuId, quantity: r.quantity };
    const list = await this.deps.pc.listOrdersByBillingType(r.customerId, 'one_time');
    // Created after the cart: the attention began after the cart, so allow a margin of a day before it.
    const found = findRequestOrder(list.items.map(orderSummary), target, r.attention.since - 86_400_000);
    if (found && planPending) {
      // The plan's order, not the purchase: record it and carry on to the reservation, as after a
      // plan checkout that answered.
      const next = await this.apply(r.id, {
        type: 'plan_ordered',
        orderId: found.id,
        cartId: r.attention.cartId,
      });
      await this.deps.notifier.refresh(next);
      await this.deps.notifier.notify(next, { kind: 'plan_ordered', orderId: found.id });
      return { kind: 'wait', step: 'plan', delayMs: this.deps.settings.registrationPollBaseMs, polls: 0 };
    }
    if (found) {
      const ordered = await this.apply(r.id, { type: 'ordered', orders: [found] });
      await this.afterOrdered(ordered, { kind: 'order_found', orders: [found] });
      return { kind: 'done' };
    }
    const searched = await this.apply(r.id, { type: 'searched' });
    const searches =
      searched.status === 'attention' && searched.attention.reason === 'outcome_unknown'
        ? searched.attention.searches
        : 0;
    if (searches >= this.deps.settings.searchAttempts) {
      // Said once, when the bot stops looking: people must check Partner Center themselves.
      await this.deps.notifier.refresh(searched);
      await this.deps.notifier.notify(searched, {
        kind: 'order_not_found_yet',
        searches,
        since: r.attention.since,
      });
      return { kind: 'done' };
    }
    return {
      kind: 'wait',
      step: 'search',
      delayMs: Math.max(1000, Math.round(this.deps.settings.orderListDelayMs / 5)),
      polls: searches,
    };
  }

  // -------------------------------------------------------------------------------------------------
  // After the order

  /**
   * Announces the order and schedules its confirmation; both are safe to repeat (the confirmation
   * job has one id per request, and the announcement is the transition's own side effect).
   */
  private async afterOrdered(r: PurchaseRequest, notice: Notice | undefined): Promise<void> {
    await this.deps.scheduleConfirmation(r.id, this.deps.settings.orderListDelayMs);
    if (!notice) return;
    await this.deps.notifier.refresh(r);
    await this.deps.notifier.notify(r, notice);
  }

  /** Records a failure the requester must hear about, with Partner Center's words and a next step. */
  async fail(requestId: string, failure: Failure, checkoutRefused = false): Promise<void> {
    const res = await this.deps.requests.apply(
      requestId,
      { type: 'fail', failure, checkoutRefused },
      'pipeline',
      failure.pcMessage ?? failure.code,
    );
    if (!res.ok || !res.changed || res.request.status !== 'failed') return;
    await this.deps.notifier.refresh(res.request);
    await this.deps.notifier.notify(res.request, { kind: 'failed', failure: res.request.failure });
  }

  private async apply(id: string, event: PurchaseEvent): Promise<PurchaseRequest> {
    const res = await this.deps.requests.apply(id, event, 'pipeline');
    if (!res.ok) throw new AppError('internal', `Request ${id}: ${event.type} refused (${res.code})`);
    return res.request;
  }
}

/** Partner Center's answer leaves open whether an order exists. */
class AmbiguousAnswer extends AppError {
  constructor(
    readonly pcCode: string,
    readonly pcMessage: string | undefined,
  ) {
    super('internal', `Ambiguous answer ${pcCode}`);
  }
}
