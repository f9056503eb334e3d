import type { Logger } from 'pino';
import { isFinal, type PurchaseRequest } from '../purchases/model';
import { buildHome, type HomeInvoice } from '../slack/blocks';
import type { SlackPort } from '../slack/port';
import type { RequestStore } from '../store/requests';
import type { AccessService } from './access';

/**
 * The App Home tab (app_home_opened → views.publish): the user's own requests, the approvers'
 * queue with the same Approve and Reject buttons as the card, finance's latest invoices.
 */
export class HomeService {
  constructor(
    private readonly deps: {
      requests: RequestStore;
      access: AccessService;
      finance: { latestInvoices(limit: number): Promise<HomeInvoice[]> };
      slack: Pick<SlackPort, 'publishHome'>;
      log: Logger;
    },
  ) {}

  async publish(userId: string): Promise<void> {
    const { requests, access } = this.deps;
    const [right, approver, finance] = await Promise.all([
      access.canRequest(userId).catch(() => ({ ok: false as const, reason: 'guest' as const })),
      access.isApprover(userId).catch(() => false),
      access.isFinance(userId).catch(() => false as const),
    ]);
    const mine = await this.recentOf(userId);
    let queue: PurchaseRequest[] | undefined;
    if (approver) {
      const ids = await requests.pendingIds();
      const all = await Promise.all(ids.slice(0, 100).map((id) => requests.get(id)));
      queue = all
        .filter(
          (r): r is PurchaseRequest =>
            r !== undefined && r.status === 'pending_approval' && r.requesterId !== userId,
        )
        .filter((r) => !r.approvals.some((a) => a.by === userId))
        .sort((a, b) => a.expiresAt - b.expiresAt);
    }
    let invoices: HomeInvoice[] | undefined;
    if (finance === true) {
      invoices = await this.deps.finance.latestInvoices(5).catch((err: unknown) => {
        this.deps.log.warn({ err }, 'could not list invoices for the home tab');
        return [];
      });
    }
    await this.deps.slack.publishHome(
      userId,
      buildHome({ userId, mine, queue, invoices, canRequest: right.ok }),
    );
  }

  /** Open requests first, then the latest finished ones. */
  private async recentOf(userId: string): Promise<PurchaseRequest[]> {
    const recent = await this.deps.requests.recentForUser(userId, 15);
    return recent.sort(
      (a, b) => Number(isFinal(a.status)) - Number(isFinal(b.status)) || b.createdAt - a.createdAt,
    );
  }
}
