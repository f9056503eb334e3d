import type { Logger } from 'pino';
import { isAppError } from '../errors';
import { PartnerCenterError, type PartnerCenterClient } from '../partner-center';
import type { Invoice, OneTimeInvoiceLineItem } from '../partner-center/schemas';
import { CHARGEABLE, type ChargeLine } from '../purchases/billing';
import type { PurchaseRequest } from '../purchases/model';
import type { Trouble } from '../slack/finance-blocks';
import type { RequestStore } from '../store/requests';

/**
 * What the finance services share: the Partner Center calls they make, paging through invoices and
 * line items, the requests that explain charges, and Partner Center's failures turned into facts.
 */

/** The Partner Center operations the finance side uses. */
export type BillingApi = Pick<
  PartnerCenterClient,
  | 'getBalance'
  | 'listInvoiceSummaries'
  | 'iterateInvoices'
  | 'getInvoice'
  | 'listOneTimeLineItems'
  | 'getInvoiceStatement'
  | 'listOrders'
  | 'listOrdersByBillingType'
  | 'listEntitlements'
  | 'getReservationDetails'
  | 'getCustomer'
  | 'listCustomers'
>;

/** Logged (never shown) when Partner Center needs a user sign-in the bot does not have. */
export const OPERATOR_SIGN_IN_HINT =
  'Partner Center needs App+User credentials for this call: set PARTNER_CENTER_REFRESH_TOKEN (the secure application model refresh token) and restart the bot';

/** Partner Center refused because the bot has no user sign-in (App+User), or has none configured. */
export function needsUserSignIn(err: unknown): boolean {
  return (
    isAppError(err, 'pc_credentials_missing') || (err instanceof PartnerCenterError && err.appOnlyRefused)
  );
}

/** Partner Center's failure as a fact the words are built from; undefined for any other error. */
export function troubleOf(err: unknown, log?: Logger): Trouble | undefined {
  if (needsUserSignIn(err)) {
    log?.warn(
      { operation: err instanceof PartnerCenterError ? err.operation : undefined },
      OPERATOR_SIGN_IN_HINT,
    );
    return { kind: 'needs_user_sign_in' };
  }
  if (err instanceof PartnerCenterError)
    return {
      kind: 'failed',
      said: err.description ?? err.message,
      ...(err.code === 'pc_throttled' && err.retryAfterMs ? { retryAfterMs: err.retryAfterMs } : {}),
    };
  return undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface BillingReaderSettings {
  /** Line items per page: Partner Center's maximum (2000) unless a test wants to see paging. */
  lineItemPageSize: number;
  /** Invoices per page when listing them all. */
  invoicePageSize: number;
}

export const DEFAULT_BILLING_PAGES: BillingReaderSettings = { lineItemPageSize: 2000, invoicePageSize: 100 };

export class BillingReader {
  constructor(
    private readonly pc: Pick<BillingApi, 'iterateInvoices' | 'listOneTimeLineItems'>,
    private readonly requests: Pick<RequestStore, 'byOrderId' | 'get'>,
    private readonly settings: BillingReaderSettings = DEFAULT_BILLING_PAGES,
  ) {}

  /** Every invoice, every page. */
  async allInvoices(): Promise<Invoice[]> {
    const out: Invoice[] = [];
    for await (const invoice of this.pc.iterateInvoices({ size: this.settings.invoicePageSize }))
      out.push(invoice);
    return out;
  }

  /** Every one-time line item of an invoice, following continuation tokens to the last page. */
  async oneTimeLines(invoiceId: string): Promise<OneTimeInvoiceLineItem[]> {
    const out: OneTimeInvoiceLineItem[] = [];
    for await (const line of this.pc.listOneTimeLineItems(invoiceId, {
      size: this.settings.lineItemPageSize,
    }))
      out.push(line);
    return out;
  }

  /**
   * The approved, ordered request behind each order the lines name (looked up once per order id
   * through the by-order index), for charges to be explained by.
   */
  async chargeableRequests(
    lines: readonly ChargeLine[],
  ): Promise<(orderId: string) => PurchaseRequest | undefined> {
    const byOrder = new Map<string, PurchaseRequest | undefined>();
    for (const orderId of new Set(lines.map((l) => l.orderId).filter((id): id is string => Boolean(id)))) {
      const requestId = await this.requests.byOrderId(orderId);
      const request = requestId ? await this.requests.get(requestId) : undefined;
      byOrder.set(orderId, request && CHARGEABLE.has(request.status) ? request : undefined);
    }
    return (orderId) => byOrder.get(orderId);
  }
}
