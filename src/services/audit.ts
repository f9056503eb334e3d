import type { Logger } from 'pino';
import { auditPeriod } from '../purchases/billing';
import type { PurchaseRequest } from '../purchases/model';
import {
  AUDIT_REFUSAL_TEXT,
  AUDIT_UNKNOWN_TEXT,
  auditAnswer,
  auditCsv,
  auditFilename,
  auditUsageText,
  isoDay,
  type AuditRecord,
} from '../slack/audit-report';
import { slackErrorCode, type SlackPort } from '../slack/port';
import type { RequestStore } from '../store/requests';
import type { AccessService } from './access';
import { errorMessage } from './billing';
import type { CommandAnswer } from './commands';

/**
 * `/purchase audit [from] [to]`: for approvers and finance, the CSV of every request created in the
 * period (whole UTC days; the last 30 days by default) with its decisions, orders, invoices, state
 * and totals, sent to the asker's DM. Anyone else is refused in so many words.
 */
export class AuditService {
  constructor(
    private readonly deps: {
      requests: Pick<RequestStore, 'idsCreatedBetween' | 'get' | 'audit'>;
      access: Pick<AccessService, 'isApprover' | 'isFinance'>;
      slack: Pick<SlackPort, 'openDm' | 'uploadFile'>;
      log: Logger;
      now?: () => number;
    },
  ) {}

  async command(
    _verb: string,
    args: string[],
    who: { userId: string; channelId: string },
  ): Promise<CommandAnswer> {
    const allowed = await this.allowed(who.userId);
    if (allowed === 'unknown') return { text: AUDIT_UNKNOWN_TEXT };
    if (!allowed) return { text: AUDIT_REFUSAL_TEXT };
    const period = auditPeriod(args, (this.deps.now ?? Date.now)());
    if (!period.ok) return { text: auditUsageText(period.problem, period.word) };

    const records: AuditRecord[] = [];
    for (const id of await this.deps.requests.idsCreatedBetween(period.from, period.to)) {
      const request: PurchaseRequest | undefined = await this.deps.requests.get(id);
      if (request) records.push({ request, trail: await this.deps.requests.audit(id) });
    }
    if (records.length === 0) return auditAnswer({ ...period, records, delivered: { ok: true } });

    let delivered: { ok: true } | { ok: false; slackError: string };
    try {
      const dm = await this.deps.slack.openDm(who.userId);
      await this.deps.slack.uploadFile({
        channel: dm,
        filename: auditFilename(period.from, period.to),
        title: `Purchase audit ${isoDay(period.from)} to ${isoDay(period.to)}`,
        bytes: Buffer.from(auditCsv(records), 'utf8'),
      });
      delivered = { ok: true };
      this.deps.log.info(
        { userId: who.userId, from: isoDay(period.from), to: isoDay(period.to), requests: records.length },
        'audit report sent',
      );
    } catch (err) {
      this.deps.log.warn({ err }, 'could not send the audit report');
      delivered = { ok: false, slackError: slackErrorCode(err) ?? errorMessage(err) };
    }
    return auditAnswer({ ...period, records, delivered });
  }

  /** Approvers and finance; 'unknown' when Slack could not say (the asker is told to retry). */
  private async allowed(userId: string): Promise<boolean | 'unknown'> {
    const finance = await this.deps.access.isFinance(userId);
    if (finance === true) return true;
    try {
      if (await this.deps.access.isApprover(userId)) return true;
    } catch (err) {
      this.deps.log.warn({ err }, 'could not list the approver user group');
      return 'unknown';
    }
    return finance === 'unknown' ? 'unknown' : false;
  }
}
