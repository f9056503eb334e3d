import type { KnownBlock, View } from '@slack/types';
import type { ChatPostMessageArguments, WebClient } from '@slack/web-api';
import type { SlackPort, SlackUser } from './port';

/** The Slack port over the real Web API client: the one file in src/slack that talks to Slack. */
export class WebClientSlackPort implements SlackPort {
  constructor(private readonly client: WebClient) {}

  async postMessage(args: {
    channel: string;
    text: string;
    blocks?: KnownBlock[];
    threadTs?: string;
    broadcast?: boolean;
  }) {
    const base = {
      channel: args.channel,
      text: args.text,
      ...(args.blocks ? { blocks: args.blocks } : {}),
      unfurl_links: false,
    };
    const res = await this.client.chat.postMessage(
      (args.threadTs
        ? { ...base, thread_ts: args.threadTs, ...(args.broadcast ? { reply_broadcast: true } : {}) }
        : base) as ChatPostMessageArguments,
    );
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

  async uploadFile(args: Parameters<SlackPort['uploadFile']>[0]) {
    // filesUploadV2 runs files.getUploadURLExternal → upload → files.completeUploadExternal.
    await this.client.filesUploadV2({
      channel_id: args.channel,
      ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
      file: args.bytes,
      filename: args.filename,
      title: args.title,
      ...(args.comment ? { initial_comment: args.comment } : {}),
      // Without this the SDK reads the file back (files.info), which would need files:read.
      request_file_info: false,
    } as Parameters<WebClient['filesUploadV2']>[0]);
  }

  async usergroupMembers(groupId: string) {
    const res = await this.client.usergroups.users.list({ usergroup: groupId });
    return res.users ?? [];
  }

  async publishHome(userId: string, view: View) {
    await this.client.views.publish({ user_id: userId, view });
  }

  async isMember(channel: string) {
    const res = await this.client.conversations.info({ channel });
    return res.channel?.is_member === true;
  }

  async userInfo(userId: string): Promise<SlackUser> {
    const res = await this.client.users.info({ user: userId });
    const u = res.user;
    return {
      id: u?.id ?? userId,
      teamId: u?.team_id,
      isRestricted: u?.is_restricted === true,
      isUltraRestricted: u?.is_ultra_restricted === true,
      isBot: u?.is_bot === true,
      deleted: u?.deleted === true,
    };
  }
}
