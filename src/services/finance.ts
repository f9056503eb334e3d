import type { Logger } from 'pino';
import { isAppError } from '../errors';
import type { Customer, Entitlement } from '../partner-center/schemas';
import {
  calendarDay,
  customerName,
  explainCharges,
  hasOneTimeCharges,
  isReservationEntitlement,
  type BalanceFacts,
  sortInvoicesNewestFirst,
  sortOrdersNewestFirst,
} from '../purchases/billing';
import type { Kind } from '../purchases/model';
import {
  FINANCE_GROUP_UNKNOWN_TEXT,
  FINANCE_LIMITS,
  FINANCE_USAGE,
  buildAmbiguousCustomerAnswer,
  buildBalanceAnswer,
  buildEntitlementsAnswer,
  buildInvoiceAnswer,
  buildInvoiceListAnswer,
  buildOrdersAnswer,
  entitlementsCsv,
  lineItemsCsv,
  noSuchCustomerAnswer,
  noSuchInvoiceAnswer,
  notAPageAnswer,
  notFinanceVerbAnswer,
  onlyPagesAnswer,
  ordersCsv,
  refusalAnswer,
  troubleAnswer,
  usageAnswer,
  type Answer,
  type Delivery,
  type EntitlementView,
  type SignInTopic,
  type Trouble,
} from '../slack/finance-blocks';
import type { HomeInvoice } from '../slack/blocks';
import { slackErrorCode, type SlackPort } from '../slack/port';
import { amount } from '../slack/text';
import type { AccessService } from './access';
import { errorMessage, troubleOf, type BillingApi, type BillingReader } from './billing';
import type { CatalogService } from './catalog';

/** The answer to a finance subcommand, shown privately to whoever asked. */
export type FinanceAnswer = Answer;

const FINANCE_VERBS = ['balance', 'invoices', 'invoice', 'orders', 'entitlements'] as const;
type FinanceVerb = (typeof FINANCE_VERBS)[number];

/** What each command's Partner Center calls need a user sign-in for, when they do. */
const TOPIC: Record<FinanceVerb, SignInTopic> = {
  balance: 'invoice summaries per currency',
  invoices: 'invoices',
  invoice: 'invoices',
  orders: 'invoices',
  entitlements: 'entitlements',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INVOICE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * The finance commands (balance, invoices, invoice, orders, entitlements), for the finance team
 * only (AccessService decides who that is). Answers are built in src/slack/finance-blocks.ts from
 * facts; files (PDFs, CSVs) go to the asker's DM because the answer itself is ephemeral.
 */
export class FinanceCommandService {
  constructor(
    private readonly deps: {
      pc: BillingApi;
      reader: BillingReader;
      access: Pick<AccessService, 'isFinance'>;
      /** Product and SKU names for entitlements, and a customer's market for looking them up. */
      catalog: Pick<CatalogService, 'product' | 'sku' | 'customer'>;
      slack: Pick<SlackPort, 'openDm' | 'uploadFile'>;
      financeGroupId: string | undefined;
      log: Logger;
    },
  ) {}

  async command(
    verb: string,
    args: string[],
    who: { userId: string; channelId: string },
  ): Promise<FinanceAnswer> {
    const v = verb.toLowerCase();
    if (!isFinanceVerb(v)) return notFinanceVerbAnswer(verb, FINANCE_VERBS);
    const allowed = await this.deps.access.isFinance(who.userId);
    if (allowed === 'unknown') return { text: FINANCE_GROUP_UNKNOWN_TEXT };
    if (!allowed) return refusalAnswer(this.deps.financeGroupId);
    try {
      switch (v) {
        case 'balance':
          return await this.balance();
        case 'invoices':
          return await this.invoices(args);
        case 'invoice':
          return await this.invoice(args, who.userId);
        case 'orders':
          return await this.orders(args, who.userId);
        case 'entitlements':
          return await this.entitlements(args, who.userId);
        default: {
          const unreachable: never = v;
          throw new Error(`Unhandled finance verb ${String(unreachable)}`);
        }
      }
    } catch (err) {
      // Partner Center's failures are expected outcomes here: say what it said. Anything else
      // (Redis down, a bug) is a surprise and goes to the listener's error handler.
      const trouble = troubleOf(err, this.deps.log);
      if (!trouble) throw err;
      if (trouble.kind === 'failed')
        this.deps.log.warn({ err, verb: v }, 'finance command: Partner Center failed');
      return troubleAnswer(v, trouble, TOPIC[v]);
    }
  }

  /** The latest invoices, for the App Home tab of finance users. */
  async latestInvoices(limit: number): Promise<HomeInvoice[]> {
    const all = sortInvoicesNewestFirst(await this.deps.reader.allInvoices()).slice(0, limit);
    return all.map((i) => ({
      id: i.id,
      date: calendarDay(i.invoiceDate),
      total: amount(i.totalCharges, i.currencyCode),
    }));
  }

  private async balance(): Promise<FinanceAnswer> {
    const balance = await this.deps.pc.getBalance();
    let summaries: readonly BalanceFacts[] | { unavailable: Trouble };
    try {
      summaries = (await this.deps.pc.listInvoiceSummaries()).items;
    } catch (err) {
      // The balance is app-only and already here; the summaries need App+User: show what we have.
      const trouble = troubleOf(err, this.deps.log);
      if (!trouble) throw err;
      summaries = { unavailable: trouble };
    }
    return buildBalanceAnswer(balance, summaries);
  }

  private async invoices(args: string[]): Promise<FinanceAnswer> {
    const raw = args[0];
    const page = raw === undefined ? 1 : /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(page) || page < 1) return notAPageAnswer(raw ?? '');
    const all = sortInvoicesNewestFirst(await this.deps.reader.allInvoices());
    const per = FINANCE_LIMITS.invoicesPerPage;
    const pages = Math.max(1, Math.ceil(all.length / per));
    if (page > pages) return onlyPagesAnswer(pages, all.length);
    return buildInvoiceListAnswer(all.slice((page - 1) * per, page * per), page, pages, all.length);
  }

  private async invoice(args: string[], userId: string): Promise<FinanceAnswer> {
    const raw = args[0];
    if (!raw) return usageAnswer(FINANCE_USAGE.invoice);
    if (!INVOICE_ID.test(raw)) return noSuchInvoiceAnswer(raw, true);
    let invoice;
    try {
      invoice = await this.deps.pc.getInvoice(raw.toUpperCase());
    } catch (err) {
      if (isAppError(err, 'pc_not_found')) return noSuchInvoiceAnswer(raw, false);
      throw err;
    }
    const oneTime = hasOneTimeCharges(invoice);
    const lines = oneTime ? await this.deps.reader.oneTimeLines(invoice.id) : [];
    const requestOf = await this.deps.reader.chargeableRequests(lines);
    const explained = new Map<string, string>();
    for (const e of explainCharges(lines, requestOf).explained)
      for (const l of e.lines) if (l.orderId) explained.set(l.orderId, e.request.id);
    const explainedBy = (l: { orderId?: string | undefined }): string | undefined =>
      l.orderId ? explained.get(l.orderId) : undefined;

    // The files go to the asker's DM: the answer itself is ephemeral and cannot carry files.
    let pdf: Delivery;
    try {
      const bytes = await this.deps.pc.getInvoiceStatement(invoice.id);
      pdf = await this.send(userId, `${invoice.id}.pdf`, `Invoice ${invoice.id}`, bytes);
    } catch (err) {
      const trouble = troubleOf(err, this.deps.log);
      if (!trouble) throw err;
      pdf = { ok: false, trouble };
    }
    const csv =
      lines.length > 0
        ? await this.send(
            userId,
            `${invoice.id}-one-time-line-items.csv`,
            `Invoice ${invoice.id}: ${lines.length} one-time line items`,
            Buffer.from(lineItemsCsv(lines, explainedBy), 'utf8'),
          )
        : undefined;
    return buildInvoiceAnswer({ invoice, lines, oneTime, explainedBy, pdf, csv });
  }

  private async orders(args: string[], userId: string): Promise<FinanceAnswer> {
    const words = [...args];
    let billingType: string | undefined;
    const last = words[words.length - 1];
    if (words.length > 1 && last !== undefined) {
      billingType = billingTypeOf(last);
      if (billingType) words.pop();
    }
    const query = words.join(' ').trim();
    if (!query) return usageAnswer(FINANCE_USAGE.orders);
    const found = await this.resolveCustomer(query);
    if ('answer' in found) return found.answer;
    const customer = found.customer;
    const page = billingType
      ? await this.deps.pc.listOrdersByBillingType(customer.id, billingType)
      : await this.deps.pc.listOrders(customer.id);
    const orders = sortOrdersNewestFirst(page.items);
    const csv =
      orders.length > FINANCE_LIMITS.listedItems
        ? await this.send(
            userId,
            `orders-${safeName(customerName(customer))}.csv`,
            `Orders of ${customerName(customer)}`,
            Buffer.from(ordersCsv(orders), 'utf8'),
          )
        : undefined;
    return buildOrdersAnswer(customer, orders, billingType, csv);
  }

  private async entitlements(args: string[], userId: string): Promise<FinanceAnswer> {
    const query = args.join(' ').trim();
    if (!query) return usageAnswer(FINANCE_USAGE.entitlements);
    const found = await this.resolveCustomer(query);
    if ('answer' in found) return found.answer;
    const customer = found.customer;
    const list = await this.deps.pc.listEntitlements(customer.id, { showExpiry: true });
    const country = customer.billingCountry ?? (await this.deps.catalog.customer(customer.id))?.country;
    const views: EntitlementView[] = [];
    const visit = async (e: Entitlement, depth: number): Promise<void> => {
      views.push(await this.entitlementView(e, depth, country));
      for (const child of e.includedEntitlements ?? []) await visit(child, depth + 1);
    };
    for (const e of list.items) await visit(e, 0);
    const csv =
      views.length > FINANCE_LIMITS.listedItems
        ? await this.send(
            userId,
            `entitlements-${safeName(customerName(customer))}.csv`,
            `Entitlements of ${customerName(customer)}`,
            Buffer.from(entitlementsCsv(views), 'utf8'),
          )
        : undefined;
    return buildEntitlementsAnswer(customer, views, csv);
  }

  /**
   * An entitlement with its catalog names and, for a reservation, the details behind each artifact
   * link ("Get entitlements": the link reads the reservation details; its resourceId is the Azure
   * reservation order id). One failing artifact is noted, not fatal.
   */
  private async entitlementView(
    e: Entitlement,
    depth: number,
    country: string | undefined,
  ): Promise<EntitlementView> {
    const view: EntitlementView = { entitlement: e, depth, reservations: [] };
    const names = country ? await this.names(e, country) : undefined;
    if (names) view.names = names;
    if (!isReservationEntitlement(e)) return view;
    const artifacts = (e.entitledArtifacts ?? []).flatMap((a) =>
      a.link ? [{ link: a.link, resourceId: a.resourceId }] : [],
    );
    if (artifacts.length === 0) {
      view.reservationProblem = { kind: 'no_link' };
      return view;
    }
    for (const artifact of artifacts) {
      try {
        const details = await this.deps.pc.getReservationDetails(artifact.link);
        for (const r of details.reservations)
          view.reservations.push({ ...r, reservationOrderId: artifact.resourceId });
      } catch (err) {
        const trouble = troubleOf(err, this.deps.log);
        if (!trouble) throw err;
        view.reservationProblem = trouble;
      }
    }
    return view;
  }

  /**
   * The product's and SKU's titles from the catalog of the customer's market (cached). A product no
   * longer sold there keeps its ids. Reservations for Azure plans are also looked up with
   * reservationScope=AzurePlan ("Get a product by ID"), where the plain catalog lacks them.
   */
  private async names(
    e: Entitlement,
    country: string,
  ): Promise<{ product: string; sku?: string | undefined } | undefined> {
    const kind: Kind = isReservationEntitlement(e) ? 'azure_reservation' : 'software_subscription';
    try {
      for (const azurePlan of kind === 'azure_reservation' ? [false, true] : [false]) {
        const product = await this.deps.catalog.product(e.productId, country, { azurePlan, kind });
        if (!product) continue;
        const sku = await this.deps.catalog.sku(e.productId, e.skuId, country, { azurePlan, kind });
        return { product: product.title, ...(sku ? { sku: sku.title } : {}) };
      }
    } catch (err) {
      // Names are a courtesy: the ids still say what it is.
      this.deps.log.warn({ err, productId: e.productId, skuId: e.skuId }, 'could not look up catalog names');
    }
    return undefined;
  }

  /** A customer by id, or by the start of its company name; otherwise the answer to give instead. */
  private async resolveCustomer(query: string): Promise<{ customer: Customer } | { answer: FinanceAnswer }> {
    if (GUID.test(query)) {
      try {
        return { customer: await this.deps.pc.getCustomer(query) };
      } catch (err) {
        if (isAppError(err, 'pc_not_found')) return { answer: noSuchCustomerAnswer(query, true) };
        throw err;
      }
    }
    const wanted = query.toLowerCase();
    const listed = await this.deps.pc.listCustomers({ nameStartsWith: query });
    // Filtered again here: the server's filter is a convenience, the prefix rule is ours.
    const matches = listed.items.filter((c) => customerName(c).toLowerCase().startsWith(wanted));
    const exact = matches.filter((c) => customerName(c).toLowerCase() === wanted);
    const only = matches.length === 1 ? matches[0] : exact.length === 1 ? exact[0] : undefined;
    if (only) return { customer: only };
    if (matches.length === 0) return { answer: noSuchCustomerAnswer(query, false) };
    return { answer: buildAmbiguousCustomerAnswer(query, matches) };
  }

  /** Uploads a file to the asker's DM; what happened, as a fact the answer words. */
  private async send(userId: string, filename: string, title: string, bytes: Buffer): Promise<Delivery> {
    try {
      const dm = await this.deps.slack.openDm(userId);
      await this.deps.slack.uploadFile({ channel: dm, filename, title, bytes });
      return { ok: true };
    } catch (err) {
      this.deps.log.warn({ err, filename }, 'could not send a file to the asker');
      return { ok: false, slackError: slackErrorCode(err) ?? errorMessage(err) };
    }
  }
}

function isFinanceVerb(v: string): v is FinanceVerb {
  return (FINANCE_VERBS as readonly string[]).includes(v);
}

/** `OneTime` / `one_time` / `onetime` → one_time; `Recurring` → recurring; anything else undefined. */
function billingTypeOf(word: string): string | undefined {
  const key = word.replace(/[\s_-]/g, '').toLowerCase();
  if (key === 'onetime') return 'one_time';
  if (key === 'recurring') return 'recurring';
  return undefined;
}

function safeName(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'customer'
  );
}
