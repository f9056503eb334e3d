import type { KnownBlock, View } from '@slack/types';
import type { SlackPort, SlackUser } from '../../src/slack/port';

/** A recorded Slack call: the port method and its arguments. */
export interface SlackRecord {
  method: keyof SlackPort;
  args: unknown;
  at: number;
}

export interface RecordedMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: KnownBlock[] | undefined;
  threadTs?: string | undefined;
  broadcast?: boolean | undefined;
  /** Each chat.update replaces text and blocks; earlier versions stay here. */
  history: { text: string; blocks?: KnownBlock[] | undefined }[];
}

/** An error as the Web API client throws it (`err.data.error` is Slack's code). */
export class SlackApiFailure extends Error {
  readonly data: { ok: false; error: string };
  constructor(code: string) {
    super(`An API error occurred: ${code}`);
    this.data = { ok: false, error: code };
  }
}

/**
 * The Slack port for service-level tests: it records every call and keeps messages, views and the
 * Home tab in memory, with knobs for the faults Slack has (fail the next post, fail updates, a
 * channel the bot was never invited to, guests). Service tests use it instead of signed HTTP, so a
 * rule is tested where it lives and a failure names its layer.
 */
export class RecordingSlack implements SlackPort {
  readonly records: SlackRecord[] = [];
  readonly messages: RecordedMessage[] = [];
  readonly views = new Map<string, View>();
  readonly homes = new Map<string, View>();
  readonly uploads: { channel: string; threadTs?: string | undefined; filename: string; bytes: Buffer }[] =
    [];
  /** Channels the bot is not a member of (posting there fails with not_in_channel). */
  readonly notMemberOf = new Set<string>();
  readonly groups = new Map<string, string[]>();
  readonly users = new Map<string, Partial<SlackUser>>();
  private readonly failures = new Map<keyof SlackPort, string[]>();
  private readonly faults = new Set<{
    method: keyof SlackPort;
    match: (args: Record<string, unknown>) => boolean;
    code: string;
  }>();
  private seq = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** The next `count` calls of `method` fail with Slack's error `code`. */
  failNext(method: keyof SlackPort, code = 'internal_error', count = 1): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...Array<string>(count).fill(code)]);
  }

  /**
   * Every call of `method` whose arguments (as recorded) match fails with `code` until `heal()`: a poisoned
   * target, such as a requester who cannot be sent a DM or one card that cannot be updated.
   */
  failWhere(
    method: keyof SlackPort,
    match: (args: Record<string, unknown>) => boolean,
    code = 'internal_error',
  ): { heal(): void } {
    const fault = { method, match, code };
    this.faults.add(fault);
    return { heal: () => this.faults.delete(fault) };
  }

  calls(method: keyof SlackPort): SlackRecord[] {
    return this.records.filter((r) => r.method === method);
  }

  in(channel: string, opts: { thread?: string } = {}): RecordedMessage[] {
    return this.messages.filter(
      (m) => m.channel === channel && (opts.thread === undefined ? !m.threadTs : m.threadTs === opts.thread),
    );
  }

  dmOf(userId: string): string {
    return `D${userId}`;
  }

  private record(method: keyof SlackPort, args: unknown): void {
    this.records.push({ method, args, at: this.now() });
    const queued = this.failures.get(method);
    const code = queued?.shift();
    if (code) throw new SlackApiFailure(code);
    for (const f of this.faults) {
      if (f.method === method && f.match(args as Record<string, unknown>)) throw new SlackApiFailure(f.code);
    }
  }

  private nextTs(): string {
    this.seq += 1;
    return `${Math.floor(this.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
  }

  postMessage(args: {
    channel: string;
    text: string;
    blocks?: KnownBlock[];
    threadTs?: string;
    broadcast?: boolean;
  }) {
    this.record('postMessage', args);
    if (this.notMemberOf.has(args.channel)) throw new SlackApiFailure('not_in_channel');
    const m: RecordedMessage = {
      channel: args.channel,
      ts: this.nextTs(),
      text: args.text,
      blocks: args.blocks,
      threadTs: args.threadTs,
      broadcast: args.broadcast,
      history: [],
    };
    this.messages.push(m);
    return Promise.resolve({ channel: m.channel, ts: m.ts });
  }

  updateMessage(args: { channel: string; ts: string; text: string; blocks?: KnownBlock[] }) {
    this.record('updateMessage', args);
    const m = this.messages.find((x) => x.channel === args.channel && x.ts === args.ts);
    if (!m) throw new SlackApiFailure('message_not_found');
    m.history.push({ text: m.text, blocks: m.blocks });
    m.text = args.text;
    m.blocks = args.blocks;
    return Promise.resolve();
  }

  postEphemeral(args: { channel: string; user: string; text: string; blocks?: KnownBlock[] }) {
    this.record('postEphemeral', args);
    return Promise.resolve();
  }

  openDm(userId: string) {
    this.record('openDm', { userId });
    return Promise.resolve(this.dmOf(userId));
  }

  permalink(channel: string, ts: string) {
    this.record('permalink', { channel, ts });
    return Promise.resolve(`https://example.slack.com/archives/${channel}/p${ts.replace('.', '')}`);
  }

  openView(triggerId: string, view: View) {
    this.record('openView', { triggerId, view });
    const id = `V${++this.seq}`;
    this.views.set(id, view);
    return Promise.resolve({ id, hash: `h${this.seq}` });
  }

  updateView(viewId: string, view: View, hash?: string) {
    this.record('updateView', { viewId, view, hash });
    this.views.set(viewId, view);
    return Promise.resolve({ id: viewId, hash: `h${++this.seq}` });
  }

  publishHome(userId: string, view: View) {
    this.record('publishHome', { userId, view });
    this.homes.set(userId, view);
    return Promise.resolve();
  }

  uploadFile(args: {
    channel: string;
    threadTs?: string;
    filename: string;
    title: string;
    bytes: Buffer;
    comment?: string;
  }) {
    this.record('uploadFile', { ...args, bytes: args.bytes.length });
    this.uploads.push(args);
    return Promise.resolve();
  }

  usergroupMembers(groupId: string) {
    this.record('usergroupMembers', { groupId });
    return Promise.resolve([...(this.groups.get(groupId) ?? [])]);
  }

  isMember(channel: string) {
    this.record('isMember', { channel });
    return Promise.resolve(!this.notMemberOf.has(channel));
  }

  userInfo(userId: string): Promise<SlackUser> {
    this.record('userInfo', { userId });
    const u = this.users.get(userId) ?? {};
    return Promise.resolve({
      id: userId,
      teamId: u.teamId ?? 'T0TEAM0001',
      isRestricted: u.isRestricted ?? false,
      isUltraRestricted: u.isUltraRestricted ?? false,
      isBot: u.isBot ?? false,
      deleted: u.deleted ?? false,
    });
  }
}
