/**
 * The seeded workspace the fake starts with. Inbound payload builders use the same ids and names,
 * so a payload "from U0APPROVE1" carries the username the fake's users.info reports.
 */

export const TEAM_ID = 'T0TEAM0001';
export const TEAM_DOMAIN = 'contoso-partner';
export const TEAM_NAME = 'Contoso Partner';
/** Another workspace: the home team of U0FOREIGN1, and what `team_id: OTHER_TEAM_ID` payloads come from. */
export const OTHER_TEAM_ID = 'T0OTHER001';
export const OTHER_TEAM_DOMAIN = 'fabrikam';
/** An Enterprise Grid org, for payloads sent with `enterprise` (fixtures `*.org-install.*`, `view-submission.slack-connect.json`). */
export const ENTERPRISE = { id: 'E0GRID0001', name: 'Contoso Grid' } as const;
export const APP_ID = 'A0PCBOT001';
export const BOT_ID = 'B0PCBOT001';
export const BOT_USER_ID = 'U0PCBOT001';
export const BOT_USER_NAME = 'purchasing';
/** The deprecated verification token Slack still puts in every payload; Bolt ignores it. */
export const VERIFICATION_TOKEN = 'fake-verification-token';

export interface FakeUser {
  id: string;
  /** the handle (users.info `name`, payload `username`) */
  name: string;
  realName: string;
  email?: string;
  tz?: string;
  isBot?: boolean;
  isAdmin?: boolean;
  deleted?: boolean;
  /** guest account (users.info `is_restricted`); a single-channel guest also has `isUltraRestricted` (Slack's user object docs) */
  isRestricted?: boolean;
  /** single-channel guest (users.info `is_ultra_restricted`) */
  isUltraRestricted?: boolean;
  /** the user's home workspace; default the fake's team. Another team's user is what Slack Connect shows. */
  teamId?: string;
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Whether the bot has been invited. Posting where it has not gives `not_in_channel` (the bot has no chat:write.public). Default true. */
  botIsMember?: boolean;
  /** Members besides the bot. Default: every full member of the team (see isFullMember), plus the guests GUEST_CHANNELS puts there. */
  members?: string[];
}

export const DEFAULT_USERS: readonly FakeUser[] = [
  { id: 'U0REQUEST1', name: 'rita.requester', realName: 'Rita Requester', email: 'rita@contoso.example' },
  { id: 'U0REQUEST2', name: 'ravi.requester', realName: 'Ravi Requester', email: 'ravi@contoso.example' },
  {
    id: 'U0APPROVE1',
    name: 'anna.approver',
    realName: 'Anna Approver',
    email: 'anna@contoso.example',
    isAdmin: true,
  },
  { id: 'U0APPROVE2', name: 'arjun.approver', realName: 'Arjun Approver', email: 'arjun@contoso.example' },
  { id: 'U0OUTSIDER', name: 'olga.outsider', realName: 'Olga Outsider', email: 'olga@contoso.example' },
  { id: 'U0FINANCE1', name: 'fred.finance', realName: 'Fred Finance', email: 'fred@contoso.example' },
  { id: BOT_USER_ID, name: BOT_USER_NAME, realName: 'Purchasing', isBot: true },
  // Not ordinary members: seeded so tests can prove the bot tells them apart.
  {
    id: 'U0GUESTMC1',
    name: 'gina.guest',
    realName: 'Gina Guest',
    email: 'gina@partner.example',
    isRestricted: true,
  },
  {
    id: 'U0GUESTSC1',
    name: 'sol.single',
    realName: 'Sol Single',
    email: 'sol@partner.example',
    isRestricted: true,
    isUltraRestricted: true,
  },
  {
    id: 'U0FOREIGN1',
    name: 'fiona.foreign',
    realName: 'Fiona Foreign',
    email: 'fiona@fabrikam.example',
    teamId: OTHER_TEAM_ID,
  },
  { id: 'U0DELETED1', name: 'dan.departed', realName: 'Dan Departed', deleted: true },
  { id: 'U0OTHERBOT', name: 'reminders', realName: 'Reminders', isBot: true },
];

/** Ordinary members of the fake's own team: the default members of every seeded channel. */
export function isFullMember(u: FakeUser): boolean {
  return !u.isBot && !u.deleted && !u.isRestricted && (u.teamId === undefined || u.teamId === TEAM_ID);
}

export const DEFAULT_USERGROUPS: Readonly<Record<string, readonly string[]>> = {
  S0APPROVERS: ['U0APPROVE2'],
  S0FINANCE: ['U0FINANCE1'],
};

/** Guests are in the channels they were invited to: the multi-channel guest in two, the single-channel guest in one. */
export const GUEST_CHANNELS: Readonly<Record<string, readonly string[]>> = {
  U0GUESTMC1: ['C0APPROVALS', 'C0GENERAL'],
  U0GUESTSC1: ['C0GENERAL'],
};

export const DEFAULT_CHANNELS: readonly FakeChannel[] = [
  { id: 'C0APPROVALS', name: 'purchase-approvals' },
  { id: 'C0FINANCE', name: 'finance' },
  { id: 'C0GENERAL', name: 'general' },
];

export function findSeededUser(id: string): FakeUser | undefined {
  return DEFAULT_USERS.find((u) => u.id === id);
}
