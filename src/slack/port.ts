import type { KnownBlock, View } from '@slack/types';
import type { WebClient } from '@slack/web-api';

/**
 * The narrow surface of Slack that our code uses. Listeners and jobs talk to this; the adapter
 * below is the only place that knows the Web API's method names.
 */
export interface SlackPort {
  postMessage(args: {
    channel: string;
    text: string;
    blocks?: KnownBlock[];
    threadTs?: string;
  }): Promise<{ channel: string; ts: string }>;
  updateMessage(args: { channel: string; ts: string; text: string; blocks?: KnownBlock[] }): Promise<void>;
  postEphemeral(args: { channel: string; user: string; text: string; blocks?: KnownBlock[] }): Promise<void>;
  openDm(userId: string): Promise<string>;
  permalink(channel: string, ts: string): Promise<string | undefined>;
  openView(triggerId: string, view: View): Promise<{ id: string; hash: string }>;
  updateView(viewId: string, view: View, hash?: string): Promise<{ id: string; hash: string }>;
  uploadFile(args: {
    channel: string;
    threadTs?: string;
    filename: string;
    title: string;
    bytes: Buffer;
    comment?: string;
  }): Promise<void>;
  usergroupMembers(groupId: string): Promise<string[]>;
}

export class WebClientSlackPort implements SlackPort {
  constructor(private readonly client: WebClient) {}

  async postMessage(args: { channel: string; text: string; blocks?: KnownBlock[]; threadTs?: string }) {
    const res = await this.client.chat.postMessage({
      channel: args.channel,
      text: args.text,
      ...(args.blocks ? { blocks: args.blocks } : {}),
      ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
      unfurl_links: false,
    });
    return { channel: res.channel ?? args.channel, ts: res.ts ?? '' };
  }

  async updateMessage(args: { channel: string; ts: string; text: string; blocks?: KnownBlock[] }) {
    await this.client.chat.update({
      channel: args.channel,
      ts: args.ts,
      text: args.text,
      ...(args.blocks ? { blocks: args.blocks } : {}),
    });
  }

  async postEphemeral(args: { channel: string; user: string; text: string; blocks?: KnownBlock[] }) {
    await this.client.chat.postEphemeral({
      channel: args.channel,
      user: args.user,
      text: args.text,
      ...(args.blocks ? { blocks: args.blocks } : {}),
    });
  }

  async openDm(userId: string) {
    const res = await this.client.conversations.open({ users: userId });
    const id = res.channel?.id;
    if (!id) throw new Error('conversations.open returned no channel');
    return id;
  }

  async permalink(channel: string, ts: string) {
    try {
      const res = await this.client.chat.getPermalink({ channel, message_ts: ts });
      return res.permalink;
    } catch {
      // A missing link is cosmetic; the message itself still says where the card is.
      return undefined;
    }
  }

  async openView(triggerId: string, view: View) {
    const res = await this.client.views.open({ trigger_id: triggerId, view });
    return { id: res.view?.id ?? '', hash: res.view?.hash ?? '' };
  }

  async updateView(viewId: string, view: View, hash?: string) {
    const res = await this.client.views.update({ view_id: viewId, view, ...(hash ? { hash } : {}) });
    return { id: res.view?.id ?? viewId, hash: res.view?.hash ?? '' };
  }

  async uploadFile(args: {
    channel: string;
    threadTs?: string;
    filename: string;
    title: string;
    bytes: Buffer;
    comment?: string;
  }) {
    // filesUploadV2 runs files.getUploadURLExternal → upload → files.completeUploadExternal.
    await this.client.filesUploadV2({
      channel_id: args.channel,
      ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
      file: args.bytes,
      filename: args.filename,
      title: args.title,
      ...(args.comment ? { initial_comment: args.comment } : {}),
    } as Parameters<WebClient['filesUploadV2']>[0]);
  }

  async usergroupMembers(groupId: string) {
    const res = await this.client.usergroups.users.list({ usergroup: groupId });
    return res.users ?? [];
  }
}
