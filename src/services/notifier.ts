import type { Logger } from 'pino';
import type { PurchaseRequest } from '../purchases/model';
import { buildApprovalCard, buildRequesterMessage } from '../slack/blocks';
import type { SlackPort } from '../slack/port';
import type { RequestRepository } from '../store/requests';

/**
 * Keeps Slack in step with a request: the approval card, the requester's message and its thread.
 * Slack failures here are logged, not thrown: the request's state is the truth and is already
 * saved; a missed cosmetic update must not undo or repeat a purchase step.
 */
export class Notifier {
  constructor(
    private readonly slack: SlackPort,
    private readonly repo: RequestRepository,
    private readonly approvalsChannel: string,
    private readonly log: Logger,
  ) {}

  /**
   * Posts the approval card and the requester's message, once each, remembering where they are.
   * A short lock keeps a concurrent caller (a second submission, the sweeper) from posting a second
   * card; if this process dies holding it, the lock expires and the sweeper posts the card.
   */
  async announce(request: PurchaseRequest): Promise<PurchaseRequest> {
    if (!(await this.repo.lockAnnouncement(request.id))) return request;
    try {
      return await this.announceLocked(request);
    } finally {
      await this.repo.unlockAnnouncement(request.id);
    }
  }

  private async announceLocked(request: PurchaseRequest): Promise<PurchaseRequest> {
    let r = (await this.repo.get(request.id)) ?? request;
    if (!r.slack.cardTs) {
      const card = buildApprovalCard(r);
      const posted = await this.slack.postMessage({
        channel: this.approvalsChannel,
        text: card.text,
        blocks: card.blocks,
      });
      const applied = await this.repo.apply(
        r.id,
        { type: 'slack_refs', refs: { cardChannel: posted.channel, cardTs: posted.ts } },
        'bot',
      );
      if (applied.ok) r = applied.request;
    }
    if (!r.slack.threadTs) {
      const dm = await this.slack.openDm(r.requesterId);
      const link =
        r.slack.cardChannel && r.slack.cardTs
          ? await this.slack.permalink(r.slack.cardChannel, r.slack.cardTs)
          : undefined;
      const msg = buildRequesterMessage(r, link);
      const posted = await this.slack.postMessage({ channel: dm, text: msg.text, blocks: msg.blocks });
      const applied = await this.repo.apply(
        r.id,
        { type: 'slack_refs', refs: { threadChannel: posted.channel, threadTs: posted.ts } },
        'bot',
      );
      if (applied.ok) r = applied.request;
    }
    return r;
  }

  /** Re-renders the card in place from the request's current state. */
  async refreshCard(r: PurchaseRequest): Promise<void> {
    if (!r.slack.cardChannel || !r.slack.cardTs) return;
    const card = buildApprovalCard(r);
    try {
      await this.slack.updateMessage({
        channel: r.slack.cardChannel,
        ts: r.slack.cardTs,
        text: card.text,
        blocks: card.blocks,
      });
    } catch (err) {
      this.log.warn({ err, requestId: r.id }, 'could not update the approval card');
    }
  }

  /** A message in the requester's thread. */
  async tellRequester(r: PurchaseRequest, text: string): Promise<void> {
    try {
      if (r.slack.threadChannel && r.slack.threadTs) {
        await this.slack.postMessage({ channel: r.slack.threadChannel, threadTs: r.slack.threadTs, text });
      } else {
        const dm = await this.slack.openDm(r.requesterId);
        await this.slack.postMessage({ channel: dm, text });
      }
    } catch (err) {
      this.log.warn({ err, requestId: r.id }, 'could not message the requester');
    }
  }

  /** A message in the approval card's thread, for approvers. */
  async tellApprovers(r: PurchaseRequest, text: string): Promise<void> {
    try {
      await this.slack.postMessage({
        channel: r.slack.cardChannel ?? this.approvalsChannel,
        ...(r.slack.cardTs ? { threadTs: r.slack.cardTs } : {}),
        text,
      });
    } catch (err) {
      this.log.warn({ err, requestId: r.id }, 'could not message the approvers');
    }
  }
}
