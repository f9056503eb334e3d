import type { LatencyOptions, LatencySpec } from './latency';
import type { FakeChannel, FakeUser } from './seed';
import type { SocketModeControl, SocketModeOptions } from './socket';

export type { FakeChannel, FakeUser };

export type Block = Record<string, unknown>;
export type TextObject = { type: string; text: string; emoji?: boolean };

export interface SlackFakeOptions extends LatencyOptions {
  /** default 0: a free port */
  port?: number;
  /** default 'xoxb-test-token' */
  botToken?: string;
  /** The app-level token (Socket Mode). Default 'xapp-1-A0PCBOT001-1-fake'. */
  appToken?: string;
  /** The app-level token's scopes. Default ['connections:write'], what apps.connections.open needs. */
  appTokenScopes?: string[];
  /** Socket Mode server knobs (ack timeout, retry waits, connection lifetime, …); Slack's values by default. */
  socketMode?: SocketModeOptions;
  /** App Home's Home tab (views.publish answers `not_enabled` without it). Default: the manifest's `features.app_home.home_tab_enabled`. */
  homeTabEnabled?: boolean;
  /** App Home's Messages tab (DMs from the bot answer `messages_tab_disabled` without it). Default: the manifest's `features.app_home.messages_tab_enabled`. */
  messagesTabEnabled?: boolean;
  /**
   * What the app subscribes to. Slack sends only the slash commands, shortcuts and bot events the app's
   * configuration declares, so SlackInbound refuses to send anything else. Default: read from manifest.yml
   * (`features.slash_commands`, `features.shortcuts`, `settings.event_subscriptions.bot_events`); give
   * lists to replace them, or `false` to send anything.
   */
  declared?: Partial<Declared> | false;
  /** added to (and by id replacing) the seeded users */
  users?: FakeUser[];
  /** added to (and by id replacing) the seeded user groups */
  usergroups?: Record<string, string[]>;
  /** added to (and by id replacing) the seeded channels */
  channels?: FakeChannel[];
  teamId?: string;
  /** The bot token's scopes. Default: the bot scopes in the repo's manifest.yml, so a scope the manifest forgot fails here too. */
  scopes?: string[];
  /** How long an issued trigger_id stays usable. Slack's is 3 s. */
  triggerTtlMs?: number;
  /** clock for ts, trigger expiry and recorded `at`; default Date.now */
  now?: () => number;
}

export interface RecordedCall {
  /** Web API method; `upload` for bytes POSTed to an upload_url; `response_url` for posts to a response_url */
  method: string;
  /** arguments as the fake understood them: JSON-valued fields (blocks, view, files, metadata…) decoded; the token left out */
  args: Record<string, unknown>;
  at: number;
  /** the body the fake answered with */
  response: unknown;
  /** HTTP status of the answer */
  status: number;
  /** for `upload` and `response_url`: the URL that was posted to */
  url?: string;
}

export interface FailureSpec {
  error: string;
  /** HTTP status; default 200, or 429 for `ratelimited` */
  status?: number;
  /** for 429: the Retry-After header; default 1 */
  retryAfterSeconds?: number;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: Block[];
  attachments?: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** the bot user: every message in the fake is the bot's */
  user: string;
  bot_id: string;
  app_id: string;
  files?: Array<{ id: string; name: string; title: string }>;
  reply_count: number;
  edited?: { user: string; ts: string };
  /** a thread reply posted with reply_broadcast: it shows in the channel too */
  subtype?: 'thread_broadcast';
  /** earlier versions, oldest first, each replaced by chat.update or a response_url replace_original */
  history: Array<{ text: string; blocks?: Block[]; at: number }>;
  /** how it got there */
  source: 'chat.postMessage' | 'response_url' | 'files.completeUploadExternal' | 'command_response';
}

export interface FakeEphemeral {
  channel: string;
  /** who sees it */
  user: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: Block[];
  source: 'chat.postEphemeral' | 'response_url' | 'command_response';
}

/** A view as Slack returns it from views.open/push/update (and embeds in view_submission payloads). */
export interface FakeView {
  id: string;
  team_id: string;
  type: string;
  blocks: Block[];
  private_metadata: string;
  callback_id: string;
  state: { values: Record<string, Record<string, unknown>> };
  hash: string;
  title: TextObject | null;
  clear_on_close: boolean;
  notify_on_close: boolean;
  close: TextObject | null;
  submit: TextObject | null;
  previous_view_id: string | null;
  root_view_id: string;
  app_id: string;
  external_id: string;
  app_installed_team_id: string;
  bot_id: string;
}

export interface FakeFile {
  id: string;
  filename: string;
  title: string;
  bytes: Buffer;
  /** the length declared to files.getUploadURLExternal */
  length: number;
  alt_text?: string;
  snippet_type?: string;
  /** where completeUploadExternal shared it; undefined when it stayed private */
  channel?: string;
  thread_ts?: string;
  initial_comment?: string;
  /** ts of the message that shares it */
  message_ts?: string;
  url_private: string;
}

/** What a response_url is attached to, so posts to it act on the right message. */
export interface ResponseUrlBinding {
  channel?: string;
  /** the message a block action came from: replace_original / delete_original act on it */
  messageTs?: string;
  /** who sees ephemeral responses */
  user?: string;
  threadTs?: string;
}

export interface Declared {
  commands: string[];
  shortcuts: Array<{ callback_id: string; type: 'global' | 'message' }>;
  botEvents: string[];
}

export interface NewChannel {
  /** default: a fresh C… id */
  id?: string;
  name: string;
  isPrivate?: boolean;
  /** default false: a channel the bot was never invited to */
  botIsMember?: boolean;
  /** default: every full member of the team */
  members?: string[];
}

export interface SlackFake {
  url: string;
  apiUrl: string;
  teamId: string;
  botUserId: string;
  botId: string;
  appId: string;
  botToken: string;
  /** the app-level token apps.connections.open accepts */
  appToken: string;
  /** what Slack may send the app (see SlackFakeOptions.declared); undefined when checks are off */
  declared: Declared | undefined;
  /** Socket Mode: connections, frames, delivering envelopes, disconnects */
  socketMode: SocketModeControl;
  /** Changes the latency of every call, or of one method's. */
  setLatency(spec: number | LatencySpec, method?: string): void;
  /** number of recorded calls of `method` (every call counts, failed or not) */
  count(method: string): number;
  calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  waitFor(
    method: string,
    predicate?: (c: RecordedCall) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedCall>;
  failNext(method: string, failure: FailureSpec, count?: number): void;
  /** the next `count` calls of `method` are answered `ms` later */
  delayNext(method: string, ms: number, count?: number): void;
  /** `viewId`: the view the interaction happened in, which is the stack views.push adds to */
  issueTriggerId(opts?: { viewId?: string }): string;
  /** every message the fake holds, thread replies included */
  messages(channel?: string): FakeMessage[];
  /** what a member sees in the channel itself: top-level messages and broadcast thread replies, oldest first */
  channelMessages(channel: string): FakeMessage[];
  thread(channel: string, threadTs: string): FakeMessage[];
  ephemerals(channel?: string, user?: string): FakeEphemeral[];
  /** the DM channel id between the bot and `userId` (the one conversations.open gives) */
  dmChannelId(userId: string): string;
  /** every view ever opened, pushed, updated or published, by id (closed ones stay, see viewIsOpen) */
  views: Map<string, FakeView>;
  /** the Home tab views.publish last gave `userId` */
  homeView(userId: string): FakeView | undefined;
  /** What Slack does with the answer to a slash command: text or blocks show as an ephemeral for the user, or in the channel with `response_type: in_channel`. SlackInbound.command calls this for you. */
  applyCommandAck(at: { channel: string; user: string }, ack: unknown): void;
  /** Membership: the bot leaves (or is removed from) a channel. */
  removeBotFromChannel(channelId: string): void;
  /** Membership: someone runs /invite @bot in the channel. */
  addBotToChannel(channelId: string): void;
  /** A channel made after the app was installed; the bot is not in it unless `botIsMember`. Returns its id. */
  createChannel(channel: NewChannel): string;
  addChannelMember(channelId: string, userId: string): void;
  removeChannelMember(channelId: string, userId: string): void;
  /** false once the user closed it or a submission ack closed it */
  viewIsOpen(viewId: string): boolean;
  /**
   * What Slack does with the HTTP answer to a view_submission: none/empty closes that view,
   * `clear` the whole stack, `update` replaces it, `push` stacks a new one, `errors` keeps it.
   * Throws when the ack's view is one Slack would refuse. SlackInbound.submit calls this for you.
   */
  applyViewAck(viewId: string, ack: unknown): void;
  files: FakeFile[];
  responseUrl(binding?: ResponseUrlBinding): string;
  /** bodies posted to `url` (a full URL from responseUrl() or its trailing id), oldest first */
  responses(url: string): unknown[];
  onCall(listener: (call: RecordedCall) => void): () => void;
  reset(): void;
  close(): Promise<void>;
}
