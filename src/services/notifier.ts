import type { Logger } from 'pino';
import { CANCELLATION } from '../purchases/lifecycle';
import { ordersOf, type PurchaseRequest, type SlackRefs } from '../purchases/model';
import { APPROVER_ALARMS, REQUESTER_ALERTS, type Audience, type Notice } from '../purchases/notices';
import {
  buildApprovalCard,
  buildApproverDm,
  buildOrderMessage,
  buildRequesterMessage,
  type Message,
} from '../slack/blocks';
import { noticeText } from '../slack/messages';
import { slackErrorCode, type SlackPort } from '../slack/port';
import type { Locks } from '../store/lock';
import type { RequestStore } from '../store/requests';

/** What services need to keep people informed about a request. */
export interface RequestNotifier {
  /** Posts the approval card, the requester's message and one DM per named approver, once each. */
  announce(r: PurchaseRequest): Promise<PurchaseRequest>;
  /** Re-renders, in place, everything that shows the request. False if some update failed (logged). */
  refresh(r: PurchaseRequest): Promise<boolean>;
  /**
   * Tells the requester (in their thread) and, for alarms, the approvers where they are notified;
   * `only` limits it to those audiences (a retry). Returns the audiences it could not reach (logged).
   */
  notify(r: PurchaseRequest, notice: Notice, only?: readonly Audience[]): Promise<Audience[]>;
}

export interface NotifierSettings {
  approvalsChannel: string;
  /** Approvers named by id get a DM per request. */
  approverIds: readonly string[];
  /** Mentioned on the card and on alarms, so its members are notified. */
  approverGroupId: string | undefined;
  /** Mentioned when a request has waited too long. */
  escalationGroupId: string | undefined;
}

/**
 * Keeps Slack in step with a request. Slack failures here are logged and reported in the return
 * value, not thrown: the request's state is the truth and is already saved; a missed update must not
 * undo or repeat a purchase step. The sweeper retries what it could not deliver (jobs/maintenance.ts).
 * The exception is the first post of the card: when the bot cannot post in the approvals channel,
 * the requester is told at once instead of waiting for an expiry nobody would see coming.
 */
export class Notifier implements RequestNotifier {
  constructor(
    private readonly deps: {
      slack: SlackPort;
      requests: RequestStore;
      locks: Locks;
      settings: NotifierSettings;
      log: Logger;
      now?: () => number;
    },
  ) {}

  private get slack(): SlackPort {
    return this.deps.slack;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async announce(request: PurchaseRequest): Promise<PurchaseRequest> {
    // A short lock keeps a concurrent caller (a repeated submission, the sweeper) from posting a
    // second card; if this process dies holding it, it lapses and the sweeper posts the card.
    const locked = await this.deps.locks.withLock('announce', request.id, 30_000, () =>
      this.announceLocked(request),
    );
    return locked.acquired ? locked.value : request;
  }

  private async announceLocked(request: PurchaseRequest): Promise<PurchaseRequest> {
    let r = (await this.deps.requests.get(request.id)) ?? request;
    const settings = this.deps.settings;
    if (!r.slack.cardTs && !r.slack.cardUndeliverable) {
      const card = this.card(r);
      try {
        const posted = await this.slack.postMessage({
          channel: settings.approvalsChannel,
          text: card.text,
          blocks: card.blocks,
        });
        r = await this.refs(r, { cardChannel: posted.channel, cardTs: posted.ts });
      } catch (err) {
        const code = slackErrorCode(err);
        if (code !== 'not_in_channel' && code !== 'channel_not_found' && code !== 'is_archived') throw err;
        this.deps.log.error(
          { requestId: r.id, channel: settings.approvalsChannel, slackError: code },
          'cannot post the approval card: invite the bot to the approvals channel (/invite @bot) or fix APPROVALS_CHANNEL_ID',
        );
        r = await this.refs(r, { cardUndeliverable: true });
      }
    }
    if (!r.slack.threadTs) {
      const dm = await this.slack.openDm(r.requesterId);
      const msg = buildRequesterMessage(r, await this.cardLink(r));
      const posted = await this.slack.postMessage({ channel: dm, text: msg.text, blocks: msg.blocks });
      r = await this.refs(r, { threadChannel: posted.channel, threadTs: posted.ts });
      if (r.slack.cardUndeliverable) await this.tellRequester(r, { kind: 'card_undeliverable' });
    }
    const dms = { ...(r.slack.approverDms ?? {}) };
    let added = false;
    for (const approver of settings.approverIds) {
      if (approver === r.requesterId || dms[approver]) continue;
      try {
        const channel = await this.slack.openDm(approver);
        const msg = buildApproverDm(r, await this.cardLink(r));
        const posted = await this.slack.postMessage({ channel, text: msg.text, blocks: msg.blocks });
        dms[approver] = { channel: posted.channel, ts: posted.ts };
        added = true;
      } catch (err) {
        this.deps.log.warn({ err, requestId: r.id, approver }, 'could not send an approver a DM');
      }
    }
    if (added) r = await this.refs(r, { approverDms: dms });
    return r;
  }

  private card(r: PurchaseRequest): Message {
    const card = buildApprovalCard(r, this.now());
    const group = this.deps.settings.approverGroupId;
    if (!group || r.status !== 'pending_approval') return card;
    // Mentioning the group notifies its members (a card alone notifies nobody).
    return {
      text: `<!subteam^${group}> ${card.text}`,
      blocks: [
        ...card.blocks,
        { type: 'context', elements: [{ type: 'mrkdwn', text: `For <!subteam^${group}>` }] },
      ],
    };
  }

  private async refs(r: PurchaseRequest, refs: Partial<SlackRefs>): Promise<PurchaseRequest> {
    const applied = await this.deps.requests.apply(r.id, { type: 'slack_refs', refs }, 'bot');
    return applied.ok ? applied.request : { ...r, slack: { ...r.slack, ...refs } };
  }

  private async cardLink(r: PurchaseRequest): Promise<string | undefined> {
    return r.slack.cardChannel && r.slack.cardTs
      ? this.slack.permalink(r.slack.cardChannel, r.slack.cardTs)
      : undefined;
  }

  async refresh(r: PurchaseRequest): Promise<boolean> {
    const jobs: Promise<boolean>[] = [];
    // The requester's message and the approvers' DMs keep their link to the card as they are updated.
    const link =
      r.slack.threadTs || Object.keys(r.slack.approverDms ?? {}).length > 0
        ? await this.cardLink(r).catch(() => undefined)
        : undefined;
    if (r.slack.cardChannel && r.slack.cardTs) {
      const card = this.card(r);
      jobs.push(this.update(r, r.slack.cardChannel, r.slack.cardTs, card, 'approval card'));
    }
    if (r.slack.threadChannel && r.slack.threadTs) {
      const msg = buildRequesterMessage(r, link);
      jobs.push(this.update(r, r.slack.threadChannel, r.slack.threadTs, msg, "requester's message"));
    }
    if (r.slack.threadChannel && r.slack.orderMessageTs && ordersOf(r).length > 0) {
      const intro = noticeText({ kind: 'ordered', orders: ordersOf(r), refusedGroups: [] }, r, 'requester');
      jobs.push(
        this.update(
          r,
          r.slack.threadChannel,
          r.slack.orderMessageTs,
          buildOrderMessage(r, intro, this.now()),
          'order message',
        ),
      );
    }
    for (const dm of Object.values(r.slack.approverDms ?? {})) {
      jobs.push(this.update(r, dm.channel, dm.ts, buildApproverDm(r, link), 'approver DM'));
    }
    return (await Promise.all(jobs)).every(Boolean);
  }

  private async update(
    r: PurchaseRequest,
    channel: string,
    ts: string,
    msg: Message,
    what: string,
  ): Promise<boolean> {
    try {
      await this.slack.updateMessage({ channel, ts, text: msg.text, blocks: msg.blocks });
      return true;
    } catch (err) {
      this.deps.log.warn({ err, requestId: r.id }, `could not update the ${what}`);
      return false;
    }
  }

  async notify(r: PurchaseRequest, notice: Notice, only?: readonly Audience[]): Promise<Audience[]> {
    const to = (a: Audience) => !only || only.includes(a);
    const requesterToo = !(
      notice.kind === 'reminder' ||
      notice.kind === 'escalation' ||
      notice.kind === 'answer'
    );
    const jobs: Promise<Audience | undefined>[] = [];
    if (requesterToo && to('requester'))
      jobs.push(this.tellRequester(r, notice).then((ok) => (ok ? undefined : 'requester')));
    if ((APPROVER_ALARMS.has(notice.kind) || notice.kind === 'answer') && to('approvers'))
      jobs.push(this.tellApprovers(r, notice).then((ok) => (ok ? undefined : 'approvers')));
    return (await Promise.all(jobs)).filter((a): a is Audience => a !== undefined);
  }

  private async tellRequester(request: PurchaseRequest, notice: Notice): Promise<boolean> {
    // A decision read before the requester's thread was saved: the thread may be there by now.
    const r = request.slack.threadTs ? request : ((await this.deps.requests.get(request.id)) ?? request);
    const text = noticeText(notice, r, 'requester');
    if ((notice.kind === 'ordered' || notice.kind === 'order_found') && this.cancellable(r)) {
      return this.postOrderMessage(r, text);
    }
    try {
      if (r.slack.threadChannel && r.slack.threadTs) {
        await this.slack.postMessage({
          channel: r.slack.threadChannel,
          threadTs: r.slack.threadTs,
          text,
          broadcast: REQUESTER_ALERTS.has(notice.kind),
        });
      } else {
        await this.slack.postMessage({ channel: await this.slack.openDm(r.requesterId), text });
      }
      return true;
    } catch (err) {
      this.deps.log.warn({ err, requestId: r.id, notice: notice.kind }, 'could not message the requester');
      return false;
    }
  }

  private cancellable(r: PurchaseRequest): boolean {
    return CANCELLATION[r.kind].kind === 'partner_center';
  }

  /** A software order's message in the thread, with Cancel order while the window is open (kept up to date by refresh). */
  private async postOrderMessage(r: PurchaseRequest, intro: string): Promise<boolean> {
    if (!r.slack.threadChannel || !r.slack.threadTs || r.slack.orderMessageTs) return true;
    const msg = buildOrderMessage(r, intro, this.now());
    try {
      const posted = await this.slack.postMessage({
        channel: r.slack.threadChannel,
        threadTs: r.slack.threadTs,
        text: msg.text,
        blocks: msg.blocks,
      });
      await this.refs(r, { orderMessageTs: posted.ts });
      return true;
    } catch (err) {
      this.deps.log.warn({ err, requestId: r.id }, 'could not post the order message');
      return false;
    }
  }

  /**
   * Alarms reach approvers where Slack notifies them: a reply in the card's thread that is also
   * broadcast to the channel, mentioning the approver (or escalation) group; a channel message when
   * there is no card.
   */
  private async tellApprovers(r: PurchaseRequest, notice: Notice): Promise<boolean> {
    const settings = this.deps.settings;
    const group =
      notice.kind === 'escalation'
        ? (settings.escalationGroupId ?? settings.approverGroupId)
        : settings.approverGroupId;
    const mention = group ? `<!subteam^${group}> ` : '';
    const text = `${mention}${noticeText(notice, r, 'approvers')}`;
    try {
      if (r.slack.cardChannel && r.slack.cardTs) {
        await this.slack.postMessage({
          channel: r.slack.cardChannel,
          threadTs: r.slack.cardTs,
          text,
          broadcast: true,
        });
      } else {
        await this.slack.postMessage({ channel: settings.approvalsChannel, text });
      }
      return true;
    } catch (err) {
      this.deps.log.warn({ err, requestId: r.id, notice: notice.kind }, 'could not message the approvers');
      return false;
    }
  }
}
