import type { Logger } from 'pino';
import type { PurchaseRequest } from '../purchases/model';
import type { SlackPort, SlackUser } from '../slack/port';

/**
 * Who may do what. One home for every authorisation rule: the workspace served, who may request,
 * who may approve (read fresh when a decision is made), who may use finance commands, and who may
 * see a request.
 */
export interface AccessSettings {
  /** The only workspace served (and Enterprise org, where set). */
  teamId: string | undefined;
  enterpriseId: string | undefined;
  approvers: { userIds: readonly string[]; usergroupId: string | undefined };
  finance: { userIds: readonly string[]; usergroupId: string | undefined };
  /** When set, only its members may request. */
  requesterGroupId: string | undefined;
  /** How long a user group's members are reused for decisions (seconds at most). */
  decisionGroupCacheMs: number;
  /** How long a user's profile (guest or not) and group members are reused for requests and lists. */
  profileCacheMs: number;
}

export type RequestRight = { ok: true } | { ok: false; reason: 'guest' | 'not_requester' };

function rightOf(user: SlackUser, inRequesterGroup: boolean): RequestRight {
  if (user.isRestricted || user.isUltraRestricted || user.deleted || user.isBot)
    return { ok: false, reason: 'guest' };
  return inRequesterGroup ? { ok: true } : { ok: false, reason: 'not_requester' };
}

export class AccessService {
  private readonly groups = new Map<string, { members: string[]; at: number }>();
  private readonly users = new Map<string, { user: SlackUser; at: number }>();

  constructor(
    private readonly slack: Pick<SlackPort, 'usergroupMembers' | 'userInfo'>,
    private readonly settings: AccessSettings,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Requests from another workspace (or Enterprise org) get a polite refusal and open nothing. */
  workspaceAllowed(teamId: string | undefined, enterpriseId: string | undefined): boolean {
    const s = this.settings;
    if (s.teamId && teamId !== s.teamId) return false;
    if (s.enterpriseId && enterpriseId !== s.enterpriseId) return false;
    return true;
  }

  /** Guests (restricted and ultra-restricted users) cannot request; a requester group narrows further. */
  async canRequest(userId: string): Promise<RequestRight> {
    const user = await this.user(userId);
    const group = this.settings.requesterGroupId;
    const member = group ? (await this.members(group, this.settings.profileCacheMs)).includes(userId) : true;
    return rightOf(user, member);
  }

  /** The right to request from what is in memory, or undefined when Slack must be asked. */
  knownRight(userId: string): RequestRight | undefined {
    const hit = this.users.get(userId);
    if (!hit || this.now() - hit.at >= this.settings.profileCacheMs) return undefined;
    const group = this.settings.requesterGroupId;
    if (!group) return rightOf(hit.user, true);
    const members = this.groups.get(group);
    if (!members || this.now() - members.at >= this.settings.profileCacheMs) return undefined;
    return rightOf(hit.user, members.members.includes(userId));
  }

  /** Read when a decision is made: someone removed from the group cannot approve for long. */
  async isApprover(userId: string): Promise<boolean> {
    const a = this.settings.approvers;
    if (a.userIds.includes(userId)) return true;
    return a.usergroupId
      ? (await this.members(a.usergroupId, this.settings.decisionGroupCacheMs)).includes(userId)
      : false;
  }

  /** 'unknown' when Slack could not say (the caller says so instead of refusing). */
  async isFinance(userId: string): Promise<boolean | 'unknown'> {
    const f = this.settings.finance;
    if (f.userIds.includes(userId)) return true;
    if (!f.usergroupId) return false;
    try {
      return (await this.members(f.usergroupId, this.settings.decisionGroupCacheMs)).includes(userId);
    } catch (err) {
      this.log.warn({ err }, 'could not list the finance user group');
      return 'unknown';
    }
  }

  /** A request's details are for its requester, its approvers and finance. */
  async canSee(userId: string, r: PurchaseRequest): Promise<boolean> {
    if (r.requesterId === userId) return true;
    if (await this.isApprover(userId)) return true;
    return (await this.isFinance(userId)) === true;
  }

  private async user(userId: string): Promise<SlackUser> {
    const hit = this.users.get(userId);
    if (hit && this.now() - hit.at < this.settings.profileCacheMs) return hit.user;
    const user = await this.slack.userInfo(userId);
    if (this.users.size > 5000) this.users.clear();
    this.users.set(userId, { user, at: this.now() });
    return user;
  }

  private async members(groupId: string, maxAgeMs: number): Promise<string[]> {
    const hit = this.groups.get(groupId);
    if (hit && this.now() - hit.at < maxAgeMs) return hit.members;
    const members = await this.slack.usergroupMembers(groupId);
    this.groups.set(groupId, { members, at: this.now() });
    return members;
  }
}
