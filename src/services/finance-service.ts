import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { isAppError } from '../errors';
import type { Logger } from '../logger';
import { PartnerCenterError, type PartnerCenterClient } from '../partner-center';
import type { Customer, Entitlement, Invoice, OneTimeInvoiceLineItem } from '../partner-center/schemas';
import type { PurchaseRequest, RequestStatus } from '../purchases/model';
import {
  FINANCE_LIMITS,
  buildAmbiguousCustomerAnswer,
  buildBalanceAnswer,
  buildEntitlementsAnswer,
  buildInvoiceAnnouncement,
  buildInvoiceAnswer,
  buildInvoiceListAnswer,
  buildOrdersAnswer,
  buildReconciliationMessage,
  day,
  sumLines,
  buildStatementUnavailable,
  chargeBreakdown,
  customerLabel,
  entitlementsCsv,
  hasOneTimeCharges,
  lineItemsCsv,
  ordersCsv,
  refusalAnswer,
  sortInvoicesNewestFirst,
  sortOrdersNewestFirst,
  usageAnswer,
  type EntitlementView,
  type ExplainedCharge,
} from '../slack/finance-blocks';
import type { SlackPort } from '../slack/port';
import { amount, escapeMrkdwn } from '../slack/text';
import { Keys } from '../store/redis';
import type { RequestRepository } from '../store/requests';
import type { FinanceAnswer, FinanceCommands } from './finance';
import type { Notifier } from './notifier';

/** What the invoice job calls (jobs/index.ts, every INVOICE_POLL_INTERVAL_MS). */
export interface InvoiceJobs {
  pollInvoices(): Promise<{ announced: string[] }>;
}

/** The Partner Center operations the finance side uses. */
export type FinancePartnerCenter = Pick<
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

export interface FinanceServiceDeps {
  pc: FinancePartnerCenter;
  slack: SlackPort;
  repo: RequestRepository;
  redis: Redis;
  prefix: string;
  notifier: Notifier;
  config: Pick<Config, 'finance' | 'channels'>;
  log: Logger;
  now?: () => number;
  /** Line items per page: Partner Center's maximum (2000) unless a test wants to see paging. */
  lineItemPageSize?: number;
  /** Invoices per page when listing them all. */
  invoicePageSize?: number;
  /**
   * How long one worker may hold an invoice. Long enough for a PDF download, an upload and a walk
   * of the line items; if a worker dies, another takes over after this.
   */
  invoiceLockTtlMs?: number;
}

/** Requests whose orders are expected on an invoice: they were approved and Partner Center took the order. */
const CHARGEABLE: ReadonlySet<RequestStatus> = new Set(['ordered', 'confirmed']);

const FINANCE_VERBS = ['balance', 'invoices', 'invoice', 'orders', 'entitlements'] as const;
type FinanceVerb = (typeof FINANCE_VERBS)[number];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INVOICE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

// Releases a lock only if it is still ours: a worker that outlived its TTL must not free another's.
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** The durable record of one invoice's announcement: each sub-step, once done. */
interface InvoiceSteps {
  /** The announcement message (its thread gets everything else). */
  channel?: string;
  ts?: string;
  posted?: string;
  /** When the PDF statement was uploaded into the thread. */
  pdf?: string;
  /** When the thread was told the PDF could not be fetched (said once, retried quietly). */
  pdfNote?: string;
  /** When the reconciliation was posted and requesters told. */
  reconciled?: string;
}

/**
 * The finance side: invoice announcements with their PDF and reconciliation, and the finance
 * commands (balance, invoices, invoice, orders, entitlements).
 */
export class FinanceService implements FinanceCommands, InvoiceJobs {
  private readonly pc: FinancePartnerCenter;
  private readonly slack: SlackPort;
  private readonly repo: RequestRepository;
  private readonly redis: Redis;
  private readonly keys: Keys;
  private readonly notifier: Notifier;
  private readonly config: Pick<Config, 'finance' | 'channels'>;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly lineItemPageSize: number;
  private readonly invoicePageSize: number;
  private readonly lockTtlMs: number;

  constructor(deps: FinanceServiceDeps) {
    this.pc = deps.pc;
    this.slack = deps.slack;
    this.repo = deps.repo;
    this.redis = deps.redis;
    this.keys = new Keys(deps.prefix);
    this.notifier = deps.notifier;
    this.config = deps.config;
    this.log = deps.log;
    this.now = deps.now ?? Date.now;
    this.lineItemPageSize = deps.lineItemPageSize ?? 2000;
    this.invoicePageSize = deps.invoicePageSize ?? 100;
    this.lockTtlMs = deps.invoiceLockTtlMs ?? 10 * 60_000;
  }

  // -------------------------------------------------------------------------------------------------
  // Invoice announcements

  /**
   * Announces every invoice not announced yet, oldest first, in the finance channel: the message,
   * then the PDF in its thread, then the reconciliation. Each invoice is worked on under its own
   * lock, and each sub-step is recorded when done, so two workers never both announce an invoice
   * and a crash between steps resumes the missing ones instead of repeating the done ones.
   *
   * Baseline: the very first poll (no baseline recorded in Redis) records the invoices that already
   * exist as settled and announces none of them: installing the bot must not flood the channel with
   * years of history. Only invoices that appear after that first poll are announced.
   *
   * One invoice failing does not stop the others; the poll then fails with every failure named, so
   * the job shows it, and the next poll resumes what is missing.
   */
  async pollInvoices(): Promise<{ announced: string[] }> {
    const invoices = await this.allInvoices();
    if (!(await this.redis.exists(this.baselineKey()))) {
      const took = await this.takeBaseline(invoices);
      if (took) return { announced: [] };
    }
    const settled = new Set(await this.redis.smembers(this.settledKey()));
    const pending = sortInvoicesNewestFirst(invoices.filter((i) => !settled.has(i.id))).reverse();
    const announced: string[] = [];
    const failures: { invoiceId: string; error: unknown }[] = [];
    for (const invoice of pending) {
      try {
        if (await this.announce(invoice)) announced.push(invoice.id);
      } catch (error) {
        this.log.warn(
          { err: error, invoiceId: invoice.id },
          'could not finish announcing an invoice; the next poll resumes it',
        );
        failures.push({ invoiceId: invoice.id, error });
      }
    }
    if (failures.length > 0) {
      throw new AggregateError(
        failures.map((f) => f.error),
        `Invoice announcements incomplete (${failures.map((f) => `${f.invoiceId}: ${errorMessage(f.error)}`).join('; ')}); the next poll resumes them`,
      );
    }
    return { announced };
  }

  /** True when this call recorded the baseline; false when another worker holds or has taken it. */
  private async takeBaseline(invoices: readonly Invoice[]): Promise<boolean> {
    const token = await this.acquire('finance-baseline', 'invoices');
    if (!token) return true; // another worker is taking it right now: nothing to announce this time
    try {
      if (await this.redis.exists(this.baselineKey())) return false;
      // One transaction: a crash leaves either no baseline (taken again next time) or a whole one.
      const tx = this.redis.multi();
      if (invoices.length > 0) tx.sadd(this.settledKey(), ...invoices.map((i) => i.id));
      tx.set(
        this.baselineKey(),
        JSON.stringify({ at: new Date(this.now()).toISOString(), invoices: invoices.length }),
      );
      await tx.exec();
      this.log.info(
        { invoices: invoices.length },
        'first invoice poll: existing invoices recorded as the baseline, not announced',
      );
      return true;
    } finally {
      await this.release('finance-baseline', 'invoices', token);
    }
  }

  /** Runs the missing steps of one invoice. True if this call posted its announcement. */
  private async announce(invoice: Invoice): Promise<boolean> {
    const token = await this.acquire('finance-invoice', invoice.id);
    if (!token) return false; // another worker is on it
    try {
      if (await this.redis.sismember(this.settledKey(), invoice.id)) return false;
      const stepsKey = this.stepsKey(invoice.id);
      const steps = (await this.redis.hgetall(stepsKey)) as InvoiceSteps;
      const oneTime = hasOneTimeCharges(invoice);
      let lines: OneTimeInvoiceLineItem[] | undefined;
      let posted = false;

      let channel = steps.channel;
      let ts = steps.ts;
      if (!channel || !ts) {
        // Read before posting: the message states the one-time part of the total.
        lines = oneTime ? await this.oneTimeLines(invoice.id) : [];
        const message = buildInvoiceAnnouncement(
          invoice,
          chargeBreakdown(invoice, oneTime ? lines : undefined),
        );
        // A crash between this post and the record below would post again on resume; the window is
        // one Redis write wide, and a second message is the lesser harm than a missed invoice.
        const res = await this.slack.postMessage({
          channel: this.config.channels.finance,
          text: message.text,
          blocks: message.blocks,
        });
        channel = res.channel;
        ts = res.ts;
        await this.redis.hset(stepsKey, { channel, ts, posted: this.stamp() });
        posted = true;
        this.log.info({ invoiceId: invoice.id, ts }, 'invoice announced');
      }
      const thread = { channel, threadTs: ts };

      // The PDF and the reconciliation do not depend on each other: one failing still lets the other run.
      let pdfPending = false;
      let failure: unknown;
      if (!steps.pdf) {
        try {
          const bytes = await this.pc.getInvoiceStatement(invoice.id);
          await this.slack.uploadFile({
            ...thread,
            filename: `${invoice.id}.pdf`,
            title: `Invoice ${invoice.id}`,
            bytes,
          });
          await this.redis.hset(stepsKey, 'pdf', this.stamp());
        } catch (err) {
          pdfPending = true;
          if (
            isAppError(err, 'pc_credentials_missing') ||
            (err instanceof PartnerCenterError && err.appOnlyRefused)
          ) {
            // Expected until App+User credentials are configured: say so once, keep trying quietly.
            if (!steps.pdfNote) {
              try {
                await this.slack.postMessage({
                  ...thread,
                  text: buildStatementUnavailable(invoice.id, credentialsText()),
                });
                await this.redis.hset(stepsKey, 'pdfNote', this.stamp());
              } catch (noteErr) {
                failure = noteErr;
              }
            }
          } else failure = err;
        }
      }
      if (!steps.reconciled) {
        try {
          lines ??= oneTime ? await this.oneTimeLines(invoice.id) : [];
          await this.reconcile(invoice, lines, thread);
          await this.redis.hset(stepsKey, 'reconciled', this.stamp());
        } catch (err) {
          failure ??= err;
        }
      }
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error(errorMessage(failure));
      if (!pdfPending) await this.redis.sadd(this.settledKey(), invoice.id);
      return posted;
    } finally {
      await this.release('finance-invoice', invoice.id, token);
    }
  }

  /**
   * Matches each one-time charge to the approved request that ordered it, records the invoice on
   * each such request, tells each requester once, and lists in the thread what no request explains.
   */
  private async reconcile(
    invoice: Invoice,
    lines: readonly OneTimeInvoiceLineItem[],
    thread: { channel: string; threadTs: string },
  ): Promise<void> {
    const explainedBy = await this.explainer(lines);
    const explained = new Map<string, ExplainedCharge & { request: PurchaseRequest }>();
    const unexplained: OneTimeInvoiceLineItem[] = [];
    for (const line of lines) {
      const request = explainedBy.request(line);
      if (!request) {
        unexplained.push(line);
        continue;
      }
      const entry = explained.get(request.id) ?? { request, lines: [] };
      entry.lines.push(line);
      explained.set(request.id, entry);
    }

    for (const { request, lines: charged } of explained.values()) {
      const applied = await this.repo.apply(
        request.id,
        { type: 'invoiced', invoiceId: invoice.id },
        'finance',
      );
      const current = applied.ok ? applied.request : request;
      // Claimed before telling: a crash right after the claim loses one note, never sends two.
      const first = await this.redis.set(
        this.keys.once('finance-told', `${invoice.id}:${request.id}`),
        this.stamp(),
        'NX',
      );
      if (first === 'OK') {
        await this.notifier.notify(current, {
          kind: 'invoiced',
          invoiceId: invoice.id,
          invoiceDate: day(invoice.invoiceDate),
          amount: sumLines(charged),
          currency: charged.find((l) => l.currency)?.currency ?? invoice.currencyCode,
        });
      }
    }

    const currency = lines.find((l) => l.currency)?.currency ?? invoice.currencyCode;
    const message = buildReconciliationMessage({
      invoiceId: invoice.id,
      currency,
      total: lines.length,
      explained: [...explained.values()],
      unexplained,
    });
    await this.slack.postMessage({ ...thread, text: message.text, blocks: message.blocks });
    if (message.attachCsv) {
      await this.slack.uploadFile({
        ...thread,
        filename: `${invoice.id}-one-time-reconciliation.csv`,
        title: `Invoice ${invoice.id}: one-time charges and the requests that explain them`,
        bytes: Buffer.from(
          lineItemsCsv(lines, (l) => explainedBy.request(l)?.id),
          'utf8',
        ),
      });
    }
    this.log.info(
      { invoiceId: invoice.id, charges: lines.length, explained: lines.length - unexplained.length },
      'invoice reconciled',
    );
  }

  /** Looks up, once per order id, the approved request that placed each order. */
  private async explainer(
    lines: readonly OneTimeInvoiceLineItem[],
  ): Promise<{ request(line: OneTimeInvoiceLineItem): PurchaseRequest | undefined }> {
    const byOrder = new Map<string, PurchaseRequest | undefined>();
    for (const orderId of new Set(lines.map((l) => l.orderId).filter((id): id is string => Boolean(id)))) {
      const requestId = await this.repo.byOrderId(orderId);
      const request = requestId ? await this.repo.get(requestId) : undefined;
      byOrder.set(orderId, request && CHARGEABLE.has(request.status) ? request : undefined);
    }
    return { request: (line) => (line.orderId ? byOrder.get(line.orderId) : undefined) };
  }

  // -------------------------------------------------------------------------------------------------
  // Commands

  async command(
    verb: string,
    args: string[],
    who: { userId: string; channelId: string },
  ): Promise<FinanceAnswer> {
    const v = verb.toLowerCase();
    if (!isFinanceVerb(v))
      return {
        text: `\`${escapeMrkdwn(verb)}\` is not a finance command. Try ${FINANCE_VERBS.map((x) => `\`${x}\``).join(', ')}.`,
      };
    const allowed = await this.isFinanceUser(who.userId);
    if (allowed === 'unknown') {
      return {
        text: 'I could not check whether you are in the finance user group (Slack did not answer). Please try again in a minute.',
      };
    }
    if (!allowed) return refusalAnswer(this.config.finance.usergroupId);
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
      if (
        isAppError(err, 'pc_credentials_missing') ||
        (err instanceof PartnerCenterError && err.appOnlyRefused)
      ) {
        return { text: `I can't answer \`${v}\`: ${credentialsText()}` };
      }
      if (err instanceof PartnerCenterError) {
        this.log.warn({ err, verb: v }, 'finance command: Partner Center failed');
        return { text: partnerCenterFailureText(err) };
      }
      throw err;
    }
  }

  /** Listed by id, or a member of the finance user group; 'unknown' if Slack could not say. */
  private async isFinanceUser(userId: string): Promise<boolean | 'unknown'> {
    if (this.config.finance.userIds.includes(userId)) return true;
    const group = this.config.finance.usergroupId;
    if (!group) return false;
    try {
      return (await this.slack.usergroupMembers(group)).includes(userId);
    } catch (err) {
      this.log.warn({ err, group }, 'could not list the finance user group');
      return 'unknown';
    }
  }

  private async balance(): Promise<FinanceAnswer> {
    const balance = await this.pc.getBalance();
    let summaries:
      Awaited<ReturnType<FinancePartnerCenter['listInvoiceSummaries']>>['items'] | { unavailable: string };
    try {
      summaries = (await this.pc.listInvoiceSummaries()).items;
    } catch (err) {
      // The balance is app-only and already here; the summaries need App+User: show what we have.
      if (
        isAppError(err, 'pc_credentials_missing') ||
        (err instanceof PartnerCenterError && err.appOnlyRefused)
      ) {
        summaries = { unavailable: credentialsText() };
      } else if (err instanceof PartnerCenterError) {
        summaries = { unavailable: partnerCenterFailureText(err) };
      } else throw err;
    }
    return buildBalanceAnswer(balance, summaries);
  }

  private async invoices(args: string[]): Promise<FinanceAnswer> {
    const usage = '/purchase invoices [page]';
    const raw = args[0];
    const page = raw === undefined ? 1 : /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(page) || page < 1)
      return usageAnswer(usage, `“${escapeMrkdwn(raw ?? '')}” is not a page number.`);
    const all = sortInvoicesNewestFirst(await this.allInvoices());
    const per = FINANCE_LIMITS.invoicesPerPage;
    const pages = Math.max(1, Math.ceil(all.length / per));
    if (page > pages) {
      return {
        text: `There ${pages === 1 ? 'is only 1 page' : `are only ${pages} pages`} of invoices (${all.length} invoice${all.length === 1 ? '' : 's'}, ${per} per page).`,
      };
    }
    return buildInvoiceListAnswer(all.slice((page - 1) * per, page * per), page, pages, all.length);
  }

  private async invoice(args: string[], userId: string): Promise<FinanceAnswer> {
    const raw = args[0];
    if (!raw) return usageAnswer('/purchase invoice <invoice id>');
    if (!INVOICE_ID.test(raw))
      return {
        text: `There is no invoice \`${escapeMrkdwn(raw)}\`: invoice ids are letters and digits, like G000024135.`,
      };
    const id = raw.toUpperCase();
    let invoice: Invoice;
    try {
      invoice = await this.pc.getInvoice(id);
    } catch (err) {
      if (isAppError(err, 'pc_not_found'))
        return { text: `There is no invoice \`${escapeMrkdwn(raw)}\`. \`/purchase invoices\` lists them.` };
      throw err;
    }
    const oneTime = hasOneTimeCharges(invoice);
    const lines = oneTime ? await this.oneTimeLines(invoice.id) : [];
    const explainer = await this.explainer(lines);
    const explainedBy = (l: OneTimeInvoiceLineItem): string | undefined => explainer.request(l)?.id;
    // The files go to the asker's DM: the answer itself is ephemeral and cannot carry files.
    let dm: Promise<string> | undefined;
    const dmChannel = (): Promise<string> => (dm ??= this.slack.openDm(userId));

    let pdfNote: string;
    try {
      const bytes = await this.pc.getInvoiceStatement(invoice.id);
      await this.slack.uploadFile({
        channel: await dmChannel(),
        filename: `${invoice.id}.pdf`,
        title: `Invoice ${invoice.id}`,
        bytes,
      });
      pdfNote = 'sent to you in a direct message.';
    } catch (err) {
      pdfNote = this.sideFailure(err, 'the PDF statement', invoice.id);
    }

    let csvNote: string | undefined;
    if (lines.length > 0) {
      try {
        await this.slack.uploadFile({
          channel: await dmChannel(),
          filename: `${invoice.id}-one-time-line-items.csv`,
          title: `Invoice ${invoice.id}: ${lines.length} one-time line items`,
          bytes: Buffer.from(lineItemsCsv(lines, explainedBy), 'utf8'),
        });
        csvNote = `All ${lines.length} line items are in the CSV sent to you in a direct message.`;
      } catch (err) {
        csvNote = `The CSV of all ${lines.length} line items could not be sent: ${this.sideFailure(err, 'the line-item CSV', invoice.id)}`;
      }
    }
    return buildInvoiceAnswer({ invoice, lines, oneTime, explainedBy, pdfNote, csvNote });
  }

  private async orders(args: string[], userId: string): Promise<FinanceAnswer> {
    const usage = '/purchase orders <customer id or name> [OneTime|Recurring]';
    const words = [...args];
    let billingType: string | undefined;
    const last = words[words.length - 1];
    if (words.length > 1 && last !== undefined) {
      billingType = billingTypeOf(last);
      if (billingType) words.pop();
    }
    const query = words.join(' ').trim();
    if (!query) return usageAnswer(usage);
    const found = await this.resolveCustomer(query);
    if ('answer' in found) return found.answer;
    const customer = found.customer;
    const page = billingType
      ? await this.pc.listOrdersByBillingType(customer.id, billingType)
      : await this.pc.listOrders(customer.id);
    const orders = sortOrdersNewestFirst(page.items);
    let csvNote: string | undefined;
    if (orders.length > FINANCE_LIMITS.listedItems) {
      csvNote = await this.attach(
        userId,
        `orders-${safeName(customerLabel(customer))}.csv`,
        `Orders of ${customerLabel(customer)}`,
        ordersCsv(orders),
        `all ${orders.length} orders`,
      );
    }
    return buildOrdersAnswer(customer, orders, billingType, csvNote);
  }

  private async entitlements(args: string[], userId: string): Promise<FinanceAnswer> {
    const query = args.join(' ').trim();
    if (!query) return usageAnswer('/purchase entitlements <customer id or name>');
    const found = await this.resolveCustomer(query);
    if ('answer' in found) return found.answer;
    const customer = found.customer;
    const list = await this.pc.listEntitlements(customer.id);
    const views: EntitlementView[] = [];
    const visit = async (e: Entitlement, depth: number): Promise<void> => {
      views.push(await this.withReservations(e, depth));
      for (const child of e.includedEntitlements ?? []) await visit(child, depth + 1);
    };
    for (const e of list.items) await visit(e, 0);
    let csvNote: string | undefined;
    if (views.length > FINANCE_LIMITS.listedItems) {
      csvNote = await this.attach(
        userId,
        `entitlements-${safeName(customerLabel(customer))}.csv`,
        `Entitlements of ${customerLabel(customer)}`,
        entitlementsCsv(views),
        `all ${views.length} entitlements`,
      );
    }
    return buildEntitlementsAnswer(customer, views, csvNote);
  }

  /** Reservation details for a reservation entitlement (one failing artifact is noted, not fatal). */
  private async withReservations(e: Entitlement, depth: number): Promise<EntitlementView> {
    const isReservation =
      e.entitlementType === 'reserved_instance' || e.entitlementType === 'virtual_machine_reserved_instance';
    if (!isReservation) return { entitlement: e, depth, reservations: [] };
    const links = (e.entitledArtifacts ?? [])
      .map((a) => a.link)
      .filter((l): l is NonNullable<typeof l> => l !== undefined);
    if (links.length === 0)
      return {
        entitlement: e,
        depth,
        reservations: [],
        reservationNote: 'Partner Center gives no reservation details link yet.',
      };
    const view: EntitlementView = { entitlement: e, depth, reservations: [] };
    for (const link of links) {
      try {
        view.reservations.push(...(await this.pc.getReservationDetails(link)).reservations);
      } catch (err) {
        if (!(err instanceof PartnerCenterError)) throw err;
        view.reservationNote = `Reservation details unavailable: ${err.description ?? err.message}`;
      }
    }
    return view;
  }

  /** A customer by id, or by the start of its company name; otherwise the answer to give instead. */
  private async resolveCustomer(query: string): Promise<{ customer: Customer } | { answer: FinanceAnswer }> {
    if (GUID.test(query)) {
      try {
        return { customer: await this.pc.getCustomer(query) };
      } catch (err) {
        if (isAppError(err, 'pc_not_found'))
          return { answer: { text: `There is no customer \`${escapeMrkdwn(query)}\`.` } };
        throw err;
      }
    }
    const wanted = query.toLowerCase();
    const listed = await this.pc.listCustomers({ nameStartsWith: query });
    // Filtered again here: the server's filter is a convenience, the prefix rule is ours.
    const matches = listed.items.filter((c) => customerLabel(c).toLowerCase().startsWith(wanted));
    const exact = matches.filter((c) => customerLabel(c).toLowerCase() === wanted);
    const only = matches.length === 1 ? matches[0] : exact.length === 1 ? exact[0] : undefined;
    if (only) return { customer: only };
    if (matches.length === 0)
      return {
        answer: {
          text: `There is no customer whose name starts with “${escapeMrkdwn(query)}”. Give the name's start or the customer id.`,
        },
      };
    return { answer: buildAmbiguousCustomerAnswer(query, matches) };
  }

  // -------------------------------------------------------------------------------------------------
  // Helpers

  /** The latest invoices, for the App Home tab of finance users. */
  async latestInvoices(limit: number): Promise<{ id: string; date: string; total: string }[]> {
    const all = sortInvoicesNewestFirst(await this.allInvoices()).slice(0, limit);
    return all.map((i) => ({
      id: i.id,
      date: day(i.invoiceDate),
      total: amount(i.totalCharges, i.currencyCode),
    }));
  }

  /** Every invoice, every page. */
  private async allInvoices(): Promise<Invoice[]> {
    const out: Invoice[] = [];
    for await (const invoice of this.pc.iterateInvoices({ size: this.invoicePageSize })) out.push(invoice);
    return out;
  }

  /** Every one-time line item of an invoice, following continuation tokens to the last page. */
  private async oneTimeLines(invoiceId: string): Promise<OneTimeInvoiceLineItem[]> {
    const out: OneTimeInvoiceLineItem[] = [];
    for await (const line of this.pc.listOneTimeLineItems(invoiceId, { size: this.lineItemPageSize }))
      out.push(line);
    return out;
  }

  /** Uploads a CSV to the asker's DM; returns the sentence saying where it went (or why it did not). */
  private async attach(
    userId: string,
    filename: string,
    title: string,
    csv: string,
    what: string,
  ): Promise<string> {
    try {
      const dm = await this.slack.openDm(userId);
      await this.slack.uploadFile({ channel: dm, filename, title, bytes: Buffer.from(csv, 'utf8') });
      return `The CSV with ${what} was sent to you in a direct message.`;
    } catch (err) {
      this.log.warn({ err, filename }, 'could not send a CSV');
      return `The CSV with ${what} could not be sent (${errorMessage(err)}); please try again.`;
    }
  }

  /** A part of an answer that failed without sinking the answer: what to tell the asker. */
  private sideFailure(err: unknown, what: string, invoiceId: string): string {
    if (
      isAppError(err, 'pc_credentials_missing') ||
      (err instanceof PartnerCenterError && err.appOnlyRefused)
    )
      return credentialsText();
    if (err instanceof PartnerCenterError) return partnerCenterFailureText(err);
    this.log.warn({ err, invoiceId }, `could not deliver ${what}`);
    return `Slack did not take ${what} (${errorMessage(err)}); please try again.`;
  }

  private stamp(): string {
    return new Date(this.now()).toISOString();
  }

  // Redis keys, all under the deployment's prefix and kept forever (a few bytes per invoice):
  //   once:finance-baseline:invoices   the first poll's baseline was taken (JSON: when, how many)
  //   once:finance-invoices:settled    set of invoice ids needing nothing more (baseline + fully announced)
  //   once:finance-invoice:<id>        hash of one invoice's done steps: channel, ts, pdf, pdfNote, reconciled
  //   once:finance-told:<id>:<req>     the requester of <req> was told about invoice <id>
  //   lock:finance-invoice:<id>, lock:finance-baseline:invoices   SET NX PX, released only by their owner
  private baselineKey(): string {
    return this.keys.once('finance-baseline', 'invoices');
  }

  private settledKey(): string {
    return this.keys.once('finance-invoices', 'settled');
  }

  private stepsKey(invoiceId: string): string {
    return this.keys.once('finance-invoice', invoiceId);
  }

  /** SET NX PX: a token if the lock is ours, undefined if someone else holds it. */
  private async acquire(scope: string, id: string): Promise<string | undefined> {
    const token = randomUUID();
    const res = await this.redis.set(this.keys.lock(scope, id), token, 'PX', this.lockTtlMs, 'NX');
    return res === 'OK' ? token : undefined;
  }

  private async release(scope: string, id: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.keys.lock(scope, id), token);
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

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Names the setting, so whoever reads it knows what to configure. */
function credentialsText(): string {
  return 'this needs Partner Center App+User credentials, which are not configured. Set PARTNER_CENTER_REFRESH_TOKEN (the secure application model refresh token) and restart the bot.';
}

function partnerCenterFailureText(err: PartnerCenterError): string {
  const said = err.description ?? err.message;
  const wait =
    err.code === 'pc_throttled' && err.retryAfterMs
      ? ` Partner Center asked to wait ${Math.ceil(err.retryAfterMs / 1000)} s.`
      : '';
  return `Partner Center could not answer: ${escapeMrkdwn(said.slice(0, 500))}${wait} Please try again in a few minutes.`;
}
