import type { Logger } from 'pino';
import {
  chargeBreakdown,
  currencyOf,
  explainCharges,
  hasOneTimeCharges,
  invoiceFacts,
  sortInvoicesNewestFirst,
  sumLines,
  calendarDay,
  type ChargeLine,
} from '../purchases/billing';
import type { InvoiceJob } from '../queues';
import {
  buildInvoiceAnnouncement,
  buildReconciliationMessage,
  buildStatementUnavailable,
  lineItemsCsv,
} from '../slack/finance-blocks';
import type { SlackPort } from '../slack/port';
import type { InvoiceLedger } from '../store/finance';
import type { Locks } from '../store/lock';
import type { RequestStore } from '../store/requests';
import { needsUserSignIn, OPERATOR_SIGN_IN_HINT, type BillingApi, type BillingReader } from './billing';
import type { RequestNotifier } from './notifier';

/**
 * Invoice announcements: a poller that finds new invoices and enqueues one step job per invoice
 * (jobs/invoices.ts), and the steps of that job: post → pdf → reconcile → settled.
 *
 * Records, and the fault each protects against:
 * - the baseline (invoice ledger): installing the bot must not flood the finance channel with
 *   years of history; the first poll records the invoices that exist and announces none.
 * - `thread` in the job data (after `post`): a retry posting a second announcement.
 * - `pdf: uploaded` / `pdf: noted`: a second PDF, or the "needs a user sign-in" note said on every
 *   quiet retry.
 * - `reconciled`: a second reconciliation message when the PDF is retried later.
 * - "requester told" (invoice ledger, claimed before telling): a requester told twice when the
 *   reconcile step is retried after some notes went out; a crash right after the claim loses one
 *   note rather than sending two.
 * - settled (invoice ledger): an invoice whose job was removed on completion being enqueued and
 *   announced again.
 * - the invoice's lock (Locks): a stalled job re-run by a second worker while the first still works.
 * Each step's record is written right after its effect: a crash in that one write repeats the
 * step's message once; a second message is the lesser harm than a missed invoice.
 */

export type InvoiceStepOutcome =
  | { kind: 'next'; work: InvoiceJob }
  /** Resume later with this data: the PDF is retried quietly. */
  | { kind: 'wait'; work: InvoiceJob; delayMs: number }
  /**
   * Another worker holds the invoice (a stalled job's first run still working): try again later
   * with the data as it will then be, never with this caller's copy, which may be a step behind.
   */
  | { kind: 'busy'; delayMs: number }
  | { kind: 'done' };

export interface InvoiceAnnouncerSettings {
  financeChannel: string;
  /** How long until a PDF that needs a user sign-in is tried again (the invoice poll interval). */
  pdfRetryMs: number;
  /** How long a worker holds an invoice without renewing; a dead worker's lock lapses after this. */
  lockMs: number;
}

export class InvoiceAnnouncer {
  constructor(
    private readonly deps: {
      pc: Pick<BillingApi, 'getInvoiceStatement'>;
      reader: BillingReader;
      requests: Pick<RequestStore, 'apply'>;
      ledger: InvoiceLedger;
      locks: Locks;
      slack: Pick<SlackPort, 'postMessage' | 'uploadFile'>;
      notifier: Pick<RequestNotifier, 'notify'>;
      settings: InvoiceAnnouncerSettings;
      log: Logger;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Runs the job's current step and says what comes next. Partner Center and Slack failures throw. */
  async step(work: InvoiceJob): Promise<InvoiceStepOutcome> {
    const locked = await this.deps.locks.withLock(
      'finance-invoice',
      work.invoice.id,
      this.deps.settings.lockMs,
      () => this.stepLocked(work),
    );
    if (!locked.acquired) return { kind: 'busy', delayMs: 1000 };
    return locked.value;
  }

  private async stepLocked(work: InvoiceJob): Promise<InvoiceStepOutcome> {
    const log = this.deps.log.child({ invoiceId: work.invoice.id, step: work.step });
    switch (work.step) {
      case 'post':
        // Settled since it was enqueued (the baseline, or an earlier job): nothing to announce.
        if (await this.deps.ledger.isSettled(work.invoice.id)) return { kind: 'done' };
        return this.post(work, log);
      case 'pdf':
        return this.pdf(work, log);
      case 'reconcile':
        return this.reconcile(work, log);
      case 'settled':
        await this.deps.ledger.settle(work.invoice.id);
        log.info('invoice settled');
        return { kind: 'done' };
      default: {
        const unreachable: never = work.step;
        throw new Error(`Unhandled invoice step ${String(unreachable)}`);
      }
    }
  }

  private async post(work: InvoiceJob, log: Logger): Promise<InvoiceStepOutcome> {
    const invoice = work.invoice;
    const oneTime = hasOneTimeCharges(invoice);
    // Read before posting: the message states the one-time part of the total.
    const lines = oneTime ? await this.deps.reader.oneTimeLines(invoice.id) : [];
    const message = buildInvoiceAnnouncement(invoice, chargeBreakdown(invoice, oneTime ? lines : undefined));
    const res = await this.deps.slack.postMessage({
      channel: this.deps.settings.financeChannel,
      text: message.text,
      blocks: message.blocks,
    });
    log.info({ ts: res.ts }, 'invoice announced');
    return { kind: 'next', work: { ...work, step: 'pdf', thread: { channel: res.channel, ts: res.ts } } };
  }

  private async pdf(work: InvoiceJob, log: Logger): Promise<InvoiceStepOutcome> {
    const thread = work.thread;
    if (!thread) return { kind: 'next', work: { ...work, step: 'post' } };
    const after = (w: InvoiceJob): InvoiceStepOutcome =>
      w.reconciled
        ? w.pdf === 'uploaded'
          ? { kind: 'next', work: { ...w, step: 'settled' } }
          : {
              kind: 'wait',
              work: { ...w, step: 'pdf' },
              delayMs: this.deps.settings.pdfRetryMs,
            }
        : { kind: 'next', work: { ...w, step: 'reconcile' } };
    let bytes: Buffer;
    try {
      bytes = await this.deps.pc.getInvoiceStatement(work.invoice.id);
    } catch (err) {
      if (!needsUserSignIn(err)) throw err;
      // Expected until the operator signs the bot in with a user: say so once, retry quietly.
      log.warn(OPERATOR_SIGN_IN_HINT);
      if (work.pdf !== 'noted') {
        await this.deps.slack.postMessage({
          channel: thread.channel,
          threadTs: thread.ts,
          text: buildStatementUnavailable(work.invoice.id),
        });
      }
      return after({ ...work, pdf: 'noted' });
    }
    await this.deps.slack.uploadFile({
      channel: thread.channel,
      threadTs: thread.ts,
      filename: `${work.invoice.id}.pdf`,
      title: `Invoice ${work.invoice.id}`,
      bytes,
    });
    log.info('invoice PDF attached');
    return after({ ...work, pdf: 'uploaded' });
  }

  /**
   * Matches each one-time charge to the approved request that ordered it, records the invoice on
   * each such request, tells each requester once, and lists in the thread what no request explains.
   */
  private async reconcile(work: InvoiceJob, log: Logger): Promise<InvoiceStepOutcome> {
    const thread = work.thread;
    if (!thread) return { kind: 'next', work: { ...work, step: 'post' } };
    const invoice = work.invoice;
    const lines: ChargeLine[] = hasOneTimeCharges(invoice)
      ? await this.deps.reader.oneTimeLines(invoice.id)
      : [];
    const requestOf = await this.deps.reader.chargeableRequests(lines);
    const { explained, unexplained } = explainCharges(lines, requestOf);

    for (const { request, lines: charged } of explained) {
      const applied = await this.deps.requests.apply(
        request.id,
        { type: 'invoiced', invoiceId: invoice.id },
        'finance',
      );
      const current = applied.ok ? applied.request : request;
      if (await this.deps.ledger.claimRequesterTold(invoice.id, request.id, this.now())) {
        await this.deps.notifier.notify(current, {
          kind: 'invoiced',
          invoiceId: invoice.id,
          invoiceDate: calendarDay(invoice.invoiceDate),
          amount: sumLines(charged),
          currency: currencyOf(charged, invoice.currencyCode),
        });
      }
    }

    const message = buildReconciliationMessage({
      invoiceId: invoice.id,
      currency: currencyOf(lines, invoice.currencyCode),
      total: lines.length,
      explained,
      unexplained,
    });
    await this.deps.slack.postMessage({
      channel: thread.channel,
      threadTs: thread.ts,
      text: message.text,
      blocks: message.blocks,
    });
    if (message.attachCsv) {
      await this.deps.slack.uploadFile({
        channel: thread.channel,
        threadTs: thread.ts,
        filename: `${invoice.id}-one-time-reconciliation.csv`,
        title: `Invoice ${invoice.id}: one-time charges and the requests that explain them`,
        bytes: Buffer.from(
          lineItemsCsv(lines, (l) => (l.orderId ? requestOf(l.orderId)?.id : undefined)),
          'utf8',
        ),
      });
    }
    log.info({ charges: lines.length, explained: lines.length - unexplained.length }, 'invoice reconciled');
    const done = { ...work, reconciled: true };
    return done.pdf === 'uploaded'
      ? { kind: 'next', work: { ...done, step: 'settled' } }
      : {
          kind: 'wait',
          work: { ...done, step: 'pdf' },
          delayMs: this.deps.settings.pdfRetryMs,
        };
  }
}

export interface InvoicePollReport {
  /** Invoices recorded as the baseline by this poll (the first one); none are announced then. */
  baseline?: number | undefined;
  /** Invoices whose announcement job this poll added, or retried after it had failed for good. */
  enqueued: string[];
  /** Invoices whose job could not be added; the next poll tries again. */
  failed: string[];
}

/**
 * Finds new invoices (every INVOICE_POLL_INTERVAL_MS) and enqueues one announcement job per invoice,
 * oldest first. One invoice failing never stops the others: each is enqueued on its own, and each
 * job retries with backoff on its own; a job that ran out of attempts is retried by the next poll.
 */
export class InvoicePoller {
  constructor(
    private readonly deps: {
      reader: BillingReader;
      ledger: InvoiceLedger;
      enqueue(work: InvoiceJob): Promise<'added' | 'exists' | 'retried'>;
      log: Logger;
      now?: () => number;
    },
  ) {}

  async poll(): Promise<InvoicePollReport> {
    const { ledger, log } = this.deps;
    const invoices = await this.deps.reader.allInvoices();
    if (!(await ledger.baselineTaken())) {
      // Atomic: of two pollers making the first poll together, one records; neither announces.
      const took = await ledger.takeBaseline(
        invoices.map((i) => i.id),
        (this.deps.now ?? Date.now)(),
      );
      if (took)
        log.info(
          { invoices: invoices.length },
          'first invoice poll: existing invoices recorded as the baseline, not announced',
        );
      return { baseline: took ? invoices.length : 0, enqueued: [], failed: [] };
    }
    const settled = await ledger.settled();
    const pending = sortInvoicesNewestFirst(invoices.filter((i) => !settled.has(i.id))).reverse();
    const report: InvoicePollReport = { enqueued: [], failed: [] };
    for (const invoice of pending) {
      try {
        const res = await this.deps.enqueue({
          invoice: invoiceFacts(invoice),
          step: 'post',
          pdf: 'pending',
          reconciled: false,
        });
        if (res !== 'exists') report.enqueued.push(invoice.id);
        if (res === 'retried')
          log.warn({ invoiceId: invoice.id }, 'invoice announcement had failed; retrying it');
      } catch (err) {
        report.failed.push(invoice.id);
        log.warn(
          { err, invoiceId: invoice.id },
          'could not enqueue an invoice announcement; the next poll tries again',
        );
      }
    }
    return report;
  }
}
