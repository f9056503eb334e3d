import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError, isAppError } from '../errors';
import { PartnerCenterError } from '../partner-center/errors';
import type { Availability, Cart, CartCheckoutResult, Order } from '../partner-center/schemas';
import type { Failure, OrderSummary, PurchaseRequest } from '../purchases/model';
import { Keys } from '../store/redis';
import type { RequestRepository } from '../store/requests';
import type { Notifier } from './notifier';
import type { PartnerCenterApi } from './partner-center-api';

/** What the job should do after a step. */
export type StepOutcome =
  | { kind: 'done' }
  | { kind: 'continue'; step: 'order' }
  | { kind: 'wait'; step: 'poll_registration'; delayMs: number; polls: number };

export interface OrderingSettings {
  registrationPollBaseMs: number;
  registrationPollCapMs: number;
  registrationMaxPolls: number;
  orderConfirmationDelayMs: number;
  /** Lifetime of the per-request lock; renewed while the holder lives, so a crash frees it this fast. */
  lockMs: number;
}

/** Raised when a business rule at Partner Center refuses the purchase: retrying cannot help. */
export class PurchaseRefused extends AppError {
  constructor(readonly failure: Failure) {
    super('pc_bad_request', failure.message);
  }
}

/** Raised when another worker holds the request's lock: try again shortly, it is not a failure. */
export class RequestBusy extends AppError {
  constructor(requestId: string) {
    super('internal', `Request ${requestId} is being processed elsewhere`);
  }
}

const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * The steps between approval and an order. Every step reads the request's exactly-once record
 * (cartRequestId, cartId, checkoutRequestId, orders) before acting and saves the next piece of it
 * before calling Partner Center, so a crash, a stalled job or a retry resumes instead of repeating.
 */
export class OrderingService {
  private readonly keys: Keys;

  constructor(
    private readonly pc: PartnerCenterApi,
    private readonly repo: RequestRepository,
    private readonly redis: Redis,
    prefix: string,
    private readonly notifier: Notifier,
    private readonly scheduleConfirmation: (requestId: string, delayMs: number) => Promise<void>,
    private readonly settings: OrderingSettings,
    private readonly log: Logger,
  ) {
    this.keys = new Keys(prefix);
  }

  /** Reservations need a registered Azure subscription; registration is asynchronous at Microsoft. */
  async ensureRegistration(requestId: string, polls: number): Promise<StepOutcome> {
    const r = await this.repo.get(requestId);
    if (!r || !['approved', 'ordering'].includes(r.status)) return { kind: 'done' };
    if (r.kind !== 'azure_reservation' || !r.azureSubscriptionId || r.cartId)
      return { kind: 'continue', step: 'order' };
    const status = await this.pc.getRegistrationStatus(r.customerId, r.azureSubscriptionId);
    if (status.status === 'registered') {
      if (polls > 0)
        await this.notifier.tellRequester(
          r,
          `:white_check_mark: Azure subscription \`${r.azureSubscriptionId}\` is registered for reservations.`,
        );
      return { kind: 'continue', step: 'order' };
    }
    if (polls >= this.settings.registrationMaxPolls) {
      throw new PurchaseRefused({
        code: 'registration_timeout',
        message: `Azure subscription ${r.azureSubscriptionId} was still not registered for reservations after ${polls} checks.`,
        nextStep:
          'Check the subscription in Partner Center, then submit the request again. Nothing was bought.',
      });
    }
    if (status.status === 'not_registered') {
      await this.pc.registerSubscription(r.customerId, r.azureSubscriptionId);
      await this.notifier.tellRequester(
        r,
        `:hourglass_flowing_sand: Registering Azure subscription \`${r.azureSubscriptionId}\` for reservations. Microsoft takes a few minutes; the purchase continues by itself.`,
      );
    }
    const delayMs = Math.min(
      this.settings.registrationPollBaseMs * 2 ** polls,
      this.settings.registrationPollCapMs,
    );
    return { kind: 'wait', step: 'poll_registration', delayMs, polls: polls + 1 };
  }

  /** Create the cart (once) and check it out (once), then record the orders. */
  async order(requestId: string): Promise<StepOutcome> {
    const token = randomUUID();
    const lockKey = this.keys.lock('order', requestId);
    const lockMs = this.settings.lockMs;
    // One worker at a time per request: a stalled job can be re-run while the first run still lives.
    // The lock is short and renewed, so a worker that dies frees it within lockMs.
    if ((await this.redis.set(lockKey, token, 'PX', lockMs, 'NX')) !== 'OK') throw new RequestBusy(requestId);
    const renew = setInterval(
      () => {
        this.redis
          .eval(RENEW_LOCK, 1, lockKey, token, String(lockMs))
          .catch((err: unknown) => this.log.warn({ err, requestId }, 'could not renew the order lock'));
      },
      Math.max(100, Math.floor(lockMs / 3)),
    );
    try {
      return await this.orderLocked(requestId);
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE_LOCK, 1, lockKey, token);
    }
  }

  private async orderLocked(requestId: string): Promise<StepOutcome> {
    let r = await this.must(requestId);
    if (r.status === 'ordered' || r.status === 'confirmed') {
      await this.afterOrdered(r);
      return { kind: 'done' };
    }
    if (r.status === 'approved') r = await this.applied(r.id, { type: 'start_ordering' });
    if (r.status !== 'ordering') return { kind: 'done' };

    if (!r.cartId) {
      // Ids are reissued: fetch the current catalog item just before buying.
      const catalogItemId = await this.currentCatalogItemId(r);
      // The MS-RequestId is saved before the call: a retry after a timeout sends the same one, and
      // Partner Center answers it with the cart it already made instead of making a second one.
      r = await this.applied(r.id, { type: 'prepare_cart', cartRequestId: randomUUID() });
      const cart = await this.pc.createCart(r.customerId, this.cartBody(r, catalogItemId), {
        requestId: r.cartRequestId!,
      });
      const lineError = cart.lineItems.map((l) => l.error).find((e) => e);
      if (lineError) {
        throw new PurchaseRefused(
          failureFor(String(lineError.errorCode ?? ''), lineError.errorDescription ?? 'The cart was refused'),
        );
      }
      r = await this.applied(r.id, { type: 'cart_created', cartId: cart.id });
    } else {
      // Resuming: ask Partner Center what already happened to the cart before acting.
      const cart: Cart | undefined = await this.pc.getCart(r.customerId, r.cartId).catch((err: unknown) => {
        if (isAppError(err, 'pc_not_found')) return undefined;
        throw err;
      });
      if (!cart) {
        throw new PurchaseRefused({
          code: 'cart_missing',
          message: `Partner Center no longer has cart ${r.cartId} (carts expire after 7 days).`,
          nextStep: 'Submit the request again. Nothing was bought from this cart.',
        });
      }
      this.log.info(
        { requestId: r.id, cartId: r.cartId, cartStatus: cart.status },
        'resuming a purchase with an existing cart',
      );
    }

    // The cart id is saved before checkout because a crash in between would otherwise buy twice:
    // checking out the same cart again returns the first result.
    r = await this.applied(r.id, { type: 'prepare_checkout', checkoutRequestId: randomUUID() });
    const result: CartCheckoutResult = await this.pc.checkoutCart(r.customerId, r.cartId!, {
      requestId: r.checkoutRequestId!,
    });
    const orders = (result.orders ?? []).map(summarize);
    const orderErrors = result.orderErrors ?? [];
    if (orders.length === 0) {
      const e = orderErrors[0];
      throw new PurchaseRefused(
        failureFor(String(e?.code ?? ''), e?.description ?? 'Partner Center created no order.'),
      );
    }
    r = await this.applied(r.id, { type: 'ordered', orders });
    if (orderErrors.length > 0) {
      await this.notifier.tellRequester(
        r,
        `:warning: Part of the cart was refused: ${orderErrors.map((e) => `${e.description ?? ''} (code ${String(e.code ?? '?')})`).join('; ')}`,
      );
    }
    await this.afterOrdered(r);
    return { kind: 'done' };
  }

  /** Announce the order and schedule its confirmation; both are safe to repeat. */
  private async afterOrdered(r: PurchaseRequest): Promise<void> {
    await this.scheduleConfirmation(r.id, this.settings.orderConfirmationDelayMs);
    if (await this.claimNotice(r.id, 'ordered')) {
      await this.notifier.refreshCard(r);
      const lines = (r.orders ?? []).flatMap((o) => [
        `*Order \`${o.id}\`* — ${o.status}`,
        ...o.lineItems.map(
          (l) => `  • ${l.quantity} × ${l.friendlyName}${l.termDuration ? ` (${l.termDuration})` : ''}`,
        ),
      ]);
      await this.notifier.tellRequester(
        r,
        `:package: Partner Center accepted the order for ${r.id}.\n${lines.join('\n')}\nI will confirm it in the customer's order list (Microsoft lists new orders up to 15 minutes late).`,
      );
    }
  }

  private async claimNotice(requestId: string, what: string): Promise<boolean> {
    const res = await this.redis.set(this.keys.once(`notice:${what}`, requestId), '1', 'NX');
    return res === 'OK';
  }

  private async currentCatalogItemId(r: PurchaseRequest): Promise<string> {
    let availability: Availability | undefined = await this.pc
      .getAvailability(r.productId, r.skuId, r.availabilityId, r.country)
      .catch((err: unknown) => {
        if (isAppError(err, 'pc_not_found')) return undefined;
        throw err;
      });
    if (!availability) {
      const list = await this.pc.listAvailabilities(r.productId, r.skuId, r.country);
      availability = list.items.find((a) => (a.terms?.[0]?.duration ?? undefined) === r.termDuration);
    }
    if (!availability || availability.isPurchasable === false) {
      throw new PurchaseRefused({
        code: 'availability_gone',
        message: `Partner Center no longer offers ${r.skuTitle}${r.termDuration ? ` for ${r.termDuration}` : ''} in ${r.country}.`,
        nextStep: 'Submit a new request with a term that is offered now. Nothing was bought.',
      });
    }
    return availability.catalogItemId;
  }

  private cartBody(r: PurchaseRequest, catalogItemId: string): unknown {
    const line: Record<string, unknown> = {
      id: 0,
      catalogItemId,
      quantity: r.quantity,
      billingCycle: r.billingCycle,
      friendlyName: r.skuTitle.slice(0, 100),
    };
    if (r.termDuration) line.termDuration = r.termDuration;
    if (r.kind === 'azure_reservation') {
      line.provisioningContext = {
        subscriptionId: r.azureSubscriptionId ?? '',
        scope: 'shared',
        duration: r.termDuration === 'P3Y' ? '3Year' : '1Year',
      };
    }
    return { lineItems: [line] };
  }

  private async must(id: string): Promise<PurchaseRequest> {
    const r = await this.repo.get(id);
    if (!r) throw new AppError('internal', `Request ${id} vanished`);
    return r;
  }

  private async applied(
    id: string,
    event: Parameters<RequestRepository['apply']>[1],
  ): Promise<PurchaseRequest> {
    const res = await this.repo.apply(id, event, 'pipeline');
    if (!res.ok) throw new AppError('internal', `Request ${id}: ${event.type} refused (${res.code})`);
    return res.request;
  }

  /**
   * Partner Center lists a new order up to 15 minutes after checkout. Look for every order of the
   * request in the customer's order list; true when all are there.
   */
  async confirm(
    requestId: string,
    attempt: number,
    maxAttempts: number,
  ): Promise<'confirmed' | 'missing' | 'retry' | 'skip'> {
    const r = await this.repo.get(requestId);
    if (!r || r.status !== 'ordered' || !r.orders?.length) return 'skip';
    const oneTime = r.billingCycle === 'one_time';
    const listed = oneTime
      ? await this.pc.listOrdersByBillingType(r.customerId, 'OneTime')
      : await this.pc.listOrders(r.customerId);
    const ids = new Set(listed.items.map((o) => o.id));
    const missing = r.orders.filter((o) => !ids.has(o.id));
    if (missing.length === 0) {
      const res = await this.repo.apply(r.id, { type: 'confirm' }, 'pipeline');
      if (res.ok && res.changed) {
        await this.notifier.refreshCard(res.request);
        await this.notifier.tellRequester(
          res.request,
          `:tada: Confirmed: order${r.orders.length > 1 ? 's' : ''} ${r.orders.map((o) => `\`${o.id}\``).join(', ')} now appear${r.orders.length > 1 ? '' : 's'} in ${r.customerName}'s order list. Request ${r.id} is complete.`,
        );
      }
      return 'confirmed';
    }
    if (attempt < maxAttempts) return 'retry';
    const res = await this.repo.apply(r.id, { type: 'confirmation_missing' }, 'pipeline');
    if (res.ok && res.changed) {
      const text = `:warning: Order ${missing.map((o) => `\`${o.id}\``).join(', ')} for request ${r.id} still does not appear in ${r.customerName}'s order list after ${attempt} checks. Partner Center accepted it at checkout; check the order in Partner Center before buying again.`;
      await this.notifier.tellRequester(res.request, text);
      await this.notifier.tellApprovers(res.request, text);
    }
    return 'missing';
  }

  /** Records a failure the requester must hear about, with Partner Center's words and a next step. */
  async fail(requestId: string, failure: Failure): Promise<void> {
    const res = await this.repo.apply(requestId, { type: 'fail', failure }, 'pipeline', failure.message);
    if (!res.ok) return;
    await this.notifier.refreshCard(res.request);
    await this.notifier.tellRequester(
      res.request,
      `:x: The purchase for ${requestId} failed. ${failure.message}\n*What to do next:* ${failure.nextStep}`,
    );
    await this.notifier.tellApprovers(res.request, `:x: Purchase ${requestId} failed: ${failure.message}`);
  }
}

function summarize(o: Order): OrderSummary {
  return {
    id: o.id,
    status: String(o.status ?? 'pending'),
    creationDate: o.creationDate,
    lineItems: (o.lineItems ?? []).map((l) => ({
      offerId: String(l.offerId ?? ''),
      friendlyName: String(l.friendlyName ?? l.offerId ?? ''),
      quantity: Number(l.quantity ?? 0),
      termDuration: l.termDuration,
    })),
  };
}

/** Partner Center's refusal, with the next step a requester can take. */
export function failureFor(code: string, description: string): Failure {
  const said = `Partner Center said: "${description}"${code ? ` (code ${code})` : ''}.`;
  const next =
    NEXT_STEPS[code] ?? 'Check the details with an approver and submit a new request. Nothing was bought.';
  return { code: code || 'refused', message: said, nextStep: next };
}

const NEXT_STEPS: Record<string, string> = {
  '800030':
    'Register the Azure subscription for reservations, then submit the request again. Nothing was bought.',
  '10011':
    'Register the Azure subscription for reservations, then submit the request again. Nothing was bought.',
  '800013':
    'Register the Azure subscription for reservations, then submit the request again. Nothing was bought.',
  '400019':
    'The term is no longer offered: submit a new request and pick the term again. Nothing was bought.',
  '800010': 'Choose another SKU or region; this one has no capacity. Nothing was bought.',
  '10003': 'Choose another SKU or region; this one has no capacity. Nothing was bought.',
  '800070': "This product cannot be sold in the customer's market. Nothing was bought.",
  '2030': "The partner is not onboarded to sell in the customer's country. Nothing was bought.",
  '800020':
    'This catalog item cannot be bought by this partner (perpetual software needs qualification: contact Partner Center support). Nothing was bought.',
  '900121': 'Raise the credit limit with Microsoft, then submit again. Nothing was bought.',
  '800023': 'Raise the credit line with Microsoft, then submit again. Nothing was bought.',
  '800025': 'Raise the credit line with Microsoft, then submit again. Nothing was bought.',
  '800011': 'Pick an active Azure subscription of this customer and submit again. Nothing was bought.',
  '800012': 'Pick an active Azure subscription of this customer and submit again. Nothing was bought.',
  '10007': 'Pick an active Azure subscription of this customer and submit again. Nothing was bought.',
};

/** Partner Center errors that retrying will not fix. */
export function isBusinessError(err: unknown): boolean {
  if (err instanceof PurchaseRefused) return true;
  if (!(err instanceof PartnerCenterError)) return false;
  // 409s "order in progress" (800060) and "cart being processed" (800064) clear up by themselves.
  if (err.code === 'pc_conflict') return !['800060', '800064'].includes(String(err.pcCode));
  return ['pc_bad_request', 'pc_not_found', 'pc_auth', 'pc_credentials_missing'].includes(err.code);
}

export function failureFromError(err: unknown): Failure {
  if (err instanceof PurchaseRefused) return err.failure;
  if (err instanceof PartnerCenterError)
    return failureFor(String(err.pcCode ?? err.status ?? ''), err.description ?? err.message);
  return {
    code: 'internal',
    message: `The purchase stopped on an unexpected error: ${err instanceof Error ? err.message : String(err)}.`,
    nextStep: 'An operator should look at the logs; `/purchase status` shows where it stopped.',
  };
}
