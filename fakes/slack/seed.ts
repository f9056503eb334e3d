/**
 * The seeded workspace the fake starts with. Inbound payload builders use the same ids and names,
 * so a payload "from U0APPROVE1" carries the username the fake's users.info reports.
 */

export const TEAM_ID = 'T0TEAM0001';
export const TEAM_DOMAIN = 'contoso-partner';
export const TEAM_NAME = 'Contoso Partner';
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
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate?: boolean;
  /** Whether the bot has been invited. Posting where it has not gives `not_in_channel` (the bot has no chat:write.public). Default true. */
  botIsMember?: boolean;
  /** Members besides the bot. Default: every seeded human user. */
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
];

export const DEFAULT_USERGROUPS: Readonly<Record<string, readonly string[]>> = {
  S0APPROVERS: ['U0APPROVE2'],
  S0FINANCE: ['U0FINANCE1'],
};

export const DEFAULT_CHANNELS: readonly FakeChannel[] = [
  { id: 'C0APPROVALS', name: 'purchase-approvals' },
  { id: 'C0FINANCE', name: 'finance' },
  { id: 'C0GENERAL', name: 'general' },
];

export function findSeededUser(id: string): FakeUser | undefined {
  return DEFAULT_USERS.find((u) => u.id === id);
}
