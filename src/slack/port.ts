import type { KnownBlock, View } from '@slack/types';

/**
 * The narrow surface of Slack that our code uses. Services and jobs talk to this; the adapter
 * (adapter.ts) is the only place that knows the Web API's method names.
 */
export interface SlackPort {
  postMessage(args: {
    channel: string;
    text: string;
    blocks?: KnownBlock[];
    threadTs?: string;
    /** A thread reply also shown in the channel: a reply alone notifies nobody. */
    broadcast?: boolean;
  }): Promise<{ channel: string; ts: string }>;
  updateMessage(args: { channel: string; ts: string; text: string; blocks?: KnownBlock[] }): Promise<void>;
  postEphemeral(args: { channel: string; user: string; text: string; blocks?: KnownBlock[] }): Promise<void>;
  openDm(userId: string): Promise<string>;
  permalink(channel: string, ts: string): Promise<string | undefined>;
  openView(triggerId: string, view: View): Promise<{ id: string; hash: string }>;
  /** With `hash`, Slack refuses the update if the view changed since (hash_conflict). */
  updateView(viewId: string, view: View, hash?: string): Promise<{ id: string; hash: string }>;
  publishHome(userId: string, view: View): Promise<void>;
  uploadFile(args: {
    channel: string;
    threadTs?: string;
    filename: string;
    title: string;
    bytes: Buffer;
    comment?: string;
  }): Promise<void>;
  usergroupMembers(groupId: string): Promise<string[]>;
  /** Whether the bot is a member of the channel (conversations.info `is_member`). */
  isMember(channel: string): Promise<boolean>;
  userInfo(userId: string): Promise<SlackUser>;
}

export interface SlackUser {
  id: string;
  teamId: string | undefined;
  /** Multi-channel guest. */
  isRestricted: boolean;
  /** Single-channel guest. */
  isUltraRestricted: boolean;
  isBot: boolean;
  deleted: boolean;
}

/** A Slack Web API error's code (`not_in_channel`, `channel_not_found`, …), when it is one. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
