import type { Logger } from 'pino';
import type { PurchaseRequest } from '../purchases/model';
import { isApprover } from '../purchases/policy';
import type { SlackPort } from '../slack/port';
import type { RequestRepository } from '../store/requests';
import type { Notifier } from './notifier';

export type DecisionOutcome =
  { ok: true; request: PurchaseRequest; message: string } | { ok: false; code: string; message: string };

export interface ApprovalSettings {
  approvers: { userIds: readonly string[]; usergroupId: string | undefined };
}

/** Who may decide, and what happens when they do. Listeners call this after they ack. */
export class ApprovalService {
  private groupCache: { members: string[]; at: number } | undefined;

  constructor(
    private readonly repo: RequestRepository,
    private readonly slack: SlackPort,
    private readonly notifier: Notifier,
    private readonly enqueuePurchase: (requestId: string) => Promise<void>,
    private readonly settings: ApprovalSettings,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Approver ids plus the user group's members; the group is re-read at most once a minute. */
  async canApprove(userId: string): Promise<boolean> {
    if (this.settings.approvers.userIds.includes(userId)) return true;
    const group = this.settings.approvers.usergroupId;
    if (!group) return false;
    if (!this.groupCache || this.now() - this.groupCache.at > 60_000) {
      this.groupCache = { members: await this.slack.usergroupMembers(group), at: this.now() };
    }
    return isApprover(userId, this.settings.approvers, this.groupCache.members);
  }

  async approve(requestId: string, userId: string): Promise<DecisionOutcome> {
    const existing = await this.repo.get(requestId);
    if (!existing) return { ok: false, code: 'not_found', message: `There is no request ${requestId}.` };
    if (existing.requesterId === userId) {
      return {
        ok: false,
        code: 'self_approval',
        message: 'You cannot approve your own request: another approver has to.',
      };
    }
    if (!(await this.canApprove(userId))) {
      return {
        ok: false,
        code: 'not_approver',
        message: 'Only configured approvers can approve purchase requests. Ask one of them.',
      };
    }
    const result = await this.repo.apply(requestId, { type: 'approve', by: userId }, userId);
    if (!result.ok) return refusal(result.code, result.status, requestId);
    const r = result.request;
    await this.notifier.refreshCard(r);
    if (r.status === 'approved') {
      await this.enqueuePurchase(r.id);
      await this.notifier.tellRequester(
        r,
        `:white_check_mark: <@${userId}> approved your request ${r.id}. Ordering from Partner Center now.`,
      );
      return { ok: true, request: r, message: `Approved ${r.id}. The purchase is on its way.` };
    }
    await this.notifier.tellRequester(
      r,
      `:ballot_box_with_check: <@${userId}> approved your request ${r.id}. It needs one more approver.`,
    );
    return {
      ok: true,
      request: r,
      message: `Your approval of ${r.id} is recorded. It needs a second, different approver.`,
    };
  }

  async reject(requestId: string, userId: string, reason: string): Promise<DecisionOutcome> {
    const existing = await this.repo.get(requestId);
    if (!existing) return { ok: false, code: 'not_found', message: `There is no request ${requestId}.` };
    if (existing.requesterId === userId) {
      return {
        ok: false,
        code: 'self_approval',
        message: 'You cannot decide on your own request. Use `/purchase cancel` to withdraw it.',
      };
    }
    if (!(await this.canApprove(userId))) {
      return {
        ok: false,
        code: 'not_approver',
        message: 'Only configured approvers can reject purchase requests.',
      };
    }
    const result = await this.repo.apply(requestId, { type: 'reject', by: userId, reason }, userId, reason);
    if (!result.ok) return refusal(result.code, result.status, requestId);
    await this.notifier.refreshCard(result.request);
    await this.notifier.tellRequester(
      result.request,
      `:no_entry: <@${userId}> rejected your request ${requestId}: ${reason}\nNothing was bought. You can submit a new request with \`/purchase\`.`,
    );
    return { ok: true, request: result.request, message: `Rejected ${requestId}.` };
  }

  async cancel(requestId: string, userId: string): Promise<DecisionOutcome> {
    const result = await this.repo.apply(requestId, { type: 'cancel', by: userId }, userId);
    if (!result.ok) {
      if (result.code === 'not_requester')
        return { ok: false, code: result.code, message: 'Only the requester can cancel a request.' };
      return refusal(result.code, result.status, requestId);
    }
    await this.notifier.refreshCard(result.request);
    await this.notifier.tellApprovers(
      result.request,
      `:wastebasket: <@${userId}> withdrew request ${requestId}. Nothing to decide.`,
    );
    return { ok: true, request: result.request, message: `Cancelled ${requestId}. Nothing was bought.` };
  }
}

function refusal(code: string, status: string | undefined, id: string): DecisionOutcome {
  switch (code) {
    case 'not_found':
      return { ok: false, code, message: `There is no request ${id}.` };
    case 'self_approval':
      return { ok: false, code, message: 'You cannot approve your own request: another approver has to.' };
    case 'already_approved_by_you':
      return {
        ok: false,
        code,
        message: `You already approved ${id}. A second, different approver is needed.`,
      };
    case 'not_pending':
      return {
        ok: false,
        code,
        message: `Request ${id} is already decided (${(status ?? '').replace(/_/g, ' ')}). Nothing changed.`,
      };
    default:
      return {
        ok: false,
        code,
        message: `Request ${id} cannot change now (${(status ?? '').replace(/_/g, ' ')}).`,
      };
  }
}
