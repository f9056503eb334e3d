import type { PurchaseRequest } from '../purchases/model';
import type { DecisionRefusal } from '../slack/messages';
import type { RequestStore } from '../store/requests';
import type { AccessService } from './access';
import type { RequestNotifier } from './notifier';

/** What a click or a command did: the request it changed, or why it changed nothing. */
export type DecisionOutcome =
  | { ok: true; request: PurchaseRequest }
  | { ok: false; code: DecisionRefusal; status?: PurchaseRequest['status'] | undefined };

/**
 * Who may decide, and what happens when they do. Listeners call this after they ack. Every rule
 * that refuses lives here or in the state machine, never in a listener.
 */
export class ApprovalService {
  constructor(
    private readonly deps: {
      requests: RequestStore;
      access: AccessService;
      notifier: RequestNotifier;
      enqueuePurchase(requestId: string): Promise<void>;
    },
  ) {}

  /** Refusals that need no change, checked before a modal is opened (reject, ask). */
  async mayDecide(requestId: string, userId: string): Promise<DecisionOutcome> {
    const r = await this.deps.requests.get(requestId);
    if (!r) return { ok: false, code: 'not_found' };
    if (r.requesterId === userId) return { ok: false, code: 'self_approval' };
    if (!(await this.deps.access.isApprover(userId))) return { ok: false, code: 'not_approver' };
    if (r.status !== 'pending_approval') return { ok: false, code: 'not_pending', status: r.status };
    return { ok: true, request: r };
  }

  async approve(requestId: string, userId: string): Promise<DecisionOutcome> {
    const allowed = await this.mayDecide(requestId, userId);
    if (!allowed.ok) return allowed;
    const res = await this.deps.requests.apply(requestId, { type: 'approve', by: userId }, userId);
    if (!res.ok) return { ok: false, code: res.code, status: res.status };
    const r = res.request;
    const complete = r.status === 'approved';
    // Queued before anything cosmetic: the purchase must not wait on Slack.
    if (complete) await this.deps.enqueuePurchase(r.id);
    await this.deps.notifier.refresh(r);
    await this.deps.notifier.notify(r, { kind: 'approved', by: userId, complete });
    return { ok: true, request: r };
  }

  async reject(requestId: string, userId: string, reason: string): Promise<DecisionOutcome> {
    const allowed = await this.mayDecide(requestId, userId);
    if (!allowed.ok) return allowed;
    const res = await this.deps.requests.apply(
      requestId,
      { type: 'reject', by: userId, reason },
      userId,
      reason,
    );
    if (!res.ok) return { ok: false, code: res.code, status: res.status };
    await this.deps.notifier.refresh(res.request);
    await this.deps.notifier.notify(res.request, { kind: 'rejected', by: userId, reason });
    return { ok: true, request: res.request };
  }

  /** The requester withdraws a request nobody decided yet. */
  async withdraw(requestId: string, userId: string): Promise<DecisionOutcome> {
    const res = await this.deps.requests.apply(requestId, { type: 'withdraw', by: userId }, userId);
    if (!res.ok) {
      // Someone else's request is "not found" to them: its existence is not theirs to learn.
      if (res.code === 'not_requester' || res.code === 'not_found') return { ok: false, code: 'not_found' };
      return { ok: false, code: res.code, status: res.status };
    }
    await this.deps.notifier.refresh(res.request);
    await this.deps.notifier.notify(res.request, { kind: 'withdrawn', by: userId });
    return { ok: true, request: res.request };
  }

  async ask(requestId: string, userId: string, text: string): Promise<DecisionOutcome> {
    const allowed = await this.mayDecide(requestId, userId);
    if (!allowed.ok) return allowed;
    const res = await this.deps.requests.apply(requestId, { type: 'ask', by: userId, text }, userId, text);
    if (!res.ok) return { ok: false, code: res.code, status: res.status };
    await this.deps.notifier.refresh(res.request);
    await this.deps.notifier.notify(res.request, { kind: 'question', by: userId, text });
    return { ok: true, request: res.request };
  }

  async answer(requestId: string, userId: string, text: string): Promise<DecisionOutcome> {
    const res = await this.deps.requests.apply(requestId, { type: 'answer', by: userId, text }, userId, text);
    if (!res.ok) {
      if (res.code === 'not_requester' || res.code === 'not_found') return { ok: false, code: 'not_found' };
      return { ok: false, code: res.code, status: res.status };
    }
    await this.deps.notifier.refresh(res.request);
    await this.deps.notifier.notify(res.request, { kind: 'answer', by: userId, text });
    return { ok: true, request: res.request };
  }
}
