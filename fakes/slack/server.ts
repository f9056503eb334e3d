import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { checkMessageBlocks, checkView, LIMITS, type BlockErrors, type Surface } from './blockkit';
import { parseBody, readBody, sendJson, sendText, type ParsedBody } from './http';
import { mintTriggerId, slackId, triggerIssuedAt, TsClock, viewHash } from './ids';
import { Latency, type LatencySpec } from './latency';
import {
  APP_ID,
  BOT_ID,
  BOT_USER_ID,
  BOT_USER_NAME,
  DEFAULT_CHANNELS,
  DEFAULT_USERGROUPS,
  DEFAULT_USERS,
  GUEST_CHANNELS,
  isFullMember,
  TEAM_DOMAIN,
  TEAM_ID,
  TEAM_NAME,
  type FakeUser,
} from './seed';
import { SocketModeHub } from './socket';
import type {
  Block,
  Declared,
  FailureSpec,
  FakeEphemeral,
  FakeFile,
  FakeMessage,
  FakeView,
  NewChannel,
  RecordedCall,
  ResponseUrlBinding,
  SlackFake,
  SlackFakeOptions,
  TextObject,
} from './types';

type Args = Record<string, unknown>;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Scope each method needs (Slack's method reference). `conversations.info`/`.members` depend on the
 * channel type and are checked in the handler. Methods absent here need none.
 */
export const METHOD_SCOPES: Readonly<Record<string, string>> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.open': 'im:write',
  'users.info': 'users:read',
  'usergroups.users.list': 'usergroups:read',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
};

const FALLBACK_SCOPES = [
  'commands',
  'chat:write',
  'im:write',
  'files:write',
  'files:read',
  'users:read',
  'usergroups:read',
];

interface ManifestFacts {
  botScopes: string[];
  homeTabEnabled: boolean;
  messagesTabEnabled: boolean;
  declared: Declared;
}

/**
 * What the repo's manifest.yml configures: the token carries exactly the bot scopes it asks for (as it
 * would after installing the app from it), and App Home's tabs are on or off as it says.
 */
function readManifest(): ManifestFacts {
  const facts: ManifestFacts = {
    botScopes: FALLBACK_SCOPES,
    homeTabEnabled: false,
    messagesTabEnabled: true,
    declared: { commands: [], shortcuts: [], botEvents: [] },
  };
  try {
    const manifest = parseYaml(readFileSync(join(__dirname, '..', '..', 'manifest.yml'), 'utf8')) as {
      oauth_config?: { scopes?: { bot?: unknown } };
      features?: {
        app_home?: { home_tab_enabled?: unknown; messages_tab_enabled?: unknown };
        slash_commands?: unknown;
        shortcuts?: unknown;
      };
      settings?: { event_subscriptions?: { bot_events?: unknown } };
    };
    const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
    const botEvents: unknown = manifest.settings?.event_subscriptions?.bot_events;
    facts.declared = {
      commands: list(manifest.features?.slash_commands).flatMap((c) =>
        typeof c.command === 'string' ? [c.command] : [],
      ),
      shortcuts: list(manifest.features?.shortcuts).flatMap((c) =>
        typeof c.callback_id === 'string' && (c.type === 'global' || c.type === 'message')
          ? [{ callback_id: c.callback_id, type: c.type }]
          : [],
      ),
      botEvents: (Array.isArray(botEvents) ? (botEvents as unknown[]) : []).filter(
        (e): e is string => typeof e === 'string',
      ),
    };
    const bot = manifest.oauth_config?.scopes?.bot;
    if (Array.isArray(bot) && bot.every((s) => typeof s === 'string')) facts.botScopes = bot;
    const home = manifest.features?.app_home;
    if (typeof home?.home_tab_enabled === 'boolean') facts.homeTabEnabled = home.home_tab_enabled;
    if (typeof home?.messages_tab_enabled === 'boolean') facts.messagesTabEnabled = home.messages_tab_enabled;
  } catch {
    // no manifest yet: fall back
  }
  return facts;
}

/** A Slack platform error: answered as HTTP 200 `{ ok: false, error, ...extra }`. */
class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly extra: Obj = {},
  ) {
    super(code);
  }
}

function invalidArguments(...messages: string[]): SlackApiError {
  return new SlackApiError('invalid_arguments', { response_metadata: { messages } });
}

function missing(field: string): SlackApiError {
  return invalidArguments(`[ERROR] missing required field: ${field}`);
}

function blockError(code: string, errors: BlockErrors): SlackApiError {
  return new SlackApiError(code, { response_metadata: { messages: errors.messages } });
}

function optStr(args: Args, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : JSON.stringify(v);
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

/** Fields WebClient sends as JSON strings inside a form body. */
const JSON_FIELDS = ['view', 'blocks', 'attachments', 'files', 'metadata'] as const;

interface ChannelRecord {
  id: string;
  name: string;
  kind: 'public' | 'private' | 'im' | 'mpim';
  botIsMember: boolean;
  members: string[];
  /** the other side of an IM */
  user?: string;
  created: number;
}

interface PendingUpload {
  id: string;
  filename: string;
  length: number;
  alt_text?: string;
  snippet_type?: string;
  bytes?: Buffer;
}

interface ResponseUrlRecord {
  binding: ResponseUrlBinding;
  createdAt: number;
  bodies: unknown[];
}

interface Prepared {
  /** what the request carried, parsed without side effects (recorded even when a failure is injected) */
  args: Args;
  exec: () => Reply;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  text?: string;
}

const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;
const RESPONSE_URL_MAX_USES = 5;

export class SlackFakeServer implements SlackFake {
  url = '';
  apiUrl = '';
  readonly teamId: string;
  readonly botUserId = BOT_USER_ID;
  readonly botId = BOT_ID;
  readonly appId = APP_ID;
  readonly botToken: string;
  readonly appToken: string;
  readonly socketMode: SocketModeHub;
  readonly declared: Declared | undefined;
  readonly calls: RecordedCall[] = [];
  readonly views = new Map<string, FakeView>();
  readonly files: FakeFile[] = [];

  private readonly server: Server;
  private readonly now: () => number;
  private readonly triggerTtlMs: number;
  private readonly scopes: string[];
  private readonly appTokenScopes: string[];
  private readonly homeTabEnabled: boolean;
  private readonly messagesTabEnabled: boolean;
  private readonly latency: Latency;
  private readonly homeViews = new Map<string, string>();
  private readonly users = new Map<string, FakeUser>();
  private readonly usergroups = new Map<string, string[]>();
  private readonly seededChannels: ChannelRecord[] = [];
  private readonly channels = new Map<string, ChannelRecord>();
  private readonly tsClock = new TsClock();
  private readonly listeners = new Set<(c: RecordedCall) => void>();
  private readonly failures = new Map<string, FailureSpec[]>();
  private readonly delays = new Map<string, number[]>();
  private readonly usedTriggers = new Set<string>();
  private readonly triggerViews = new Map<string, string>();
  /** view stacks by root view id, bottom first */
  private readonly stacks = new Map<string, string[]>();
  private lastStackRoot: string | undefined;
  private readonly pendingUploads = new Map<string, PendingUpload>();
  private readonly responseUrls = new Map<string, ResponseUrlRecord>();
  private store: FakeMessage[] = [];
  private ephemeralStore: FakeEphemeral[] = [];

  constructor(opts: SlackFakeOptions = {}) {
    this.teamId = opts.teamId ?? TEAM_ID;
    this.botToken = opts.botToken ?? 'xoxb-test-token';
    this.appToken = opts.appToken ?? `xapp-1-${APP_ID}-1-fake`;
    this.appTokenScopes = opts.appTokenScopes ?? ['connections:write'];
    this.now = opts.now ?? Date.now;
    this.triggerTtlMs = opts.triggerTtlMs ?? 3000;
    const manifest = readManifest();
    this.scopes = opts.scopes ?? manifest.botScopes;
    this.homeTabEnabled = opts.homeTabEnabled ?? manifest.homeTabEnabled;
    this.messagesTabEnabled = opts.messagesTabEnabled ?? manifest.messagesTabEnabled;
    this.declared = opts.declared === false ? undefined : { ...manifest.declared, ...(opts.declared ?? {}) };
    this.latency = new Latency(opts);
    this.socketMode = new SocketModeHub(opts.socketMode ?? {}, APP_ID, this.now);
    for (const u of [...DEFAULT_USERS, ...(opts.users ?? [])]) this.users.set(u.id, u);
    for (const [id, members] of Object.entries({ ...DEFAULT_USERGROUPS, ...(opts.usergroups ?? {}) }))
      this.usergroups.set(id, [...members]);
    const byId = new Map<string, ChannelRecord>();
    for (const c of [...DEFAULT_CHANNELS, ...(opts.channels ?? [])]) {
      byId.set(c.id, {
        id: c.id,
        name: c.name,
        kind: c.isPrivate ? 'private' : 'public',
        botIsMember: c.botIsMember ?? true,
        members: [...(c.members ?? this.defaultMembers(c.id))],
        created: Math.floor(this.now() / 1000),
      });
    }
    this.seededChannels.push(...byId.values());
    this.resetChannels();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          sendJson(res, 500, { ok: false, error: 'fake_internal_error', detail: String(err) });
        else res.destroy();
      });
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port: bound } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${bound}`;
    this.apiUrl = `${this.url}/api/`;
    this.socketMode.attach(this.server);
  }

  /** Full members of the team, plus the guests invited to this channel. */
  private defaultMembers(channelId: string): string[] {
    const members = [...this.users.values()].filter(isFullMember).map((u) => u.id);
    for (const [guest, channels] of Object.entries(GUEST_CHANNELS))
      if (channels.includes(channelId) && this.users.has(guest)) members.push(guest);
    return members;
  }

  // ---------------------------------------------------------------- programmatic API

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  count(method: string): number {
    return this.callsTo(method).length;
  }

  setLatency(spec: number | LatencySpec, method?: string): void {
    this.latency.set(spec, method);
  }

  waitFor(
    method: string,
    predicate: (c: RecordedCall) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<RecordedCall> {
    const seen = this.calls.find((c) => c.method === method && predicate(c));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const off = this.onCall((c) => {
        if (c.method !== method || !predicate(c)) return;
        clearTimeout(timer);
        off();
        resolve(c);
      });
      const timer = setTimeout(() => {
        off();
        const seenMethods = this.calls.map((c) => c.method).join(', ') || 'none';
        reject(
          new Error(
            `slack fake: no matching ${method} call within ${timeoutMs} ms (calls so far: ${seenMethods})`,
          ),
        );
      }, timeoutMs);
    });
  }

  failNext(method: string, failure: FailureSpec, count = 1): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < count; i++) queue.push(failure);
    this.failures.set(method, queue);
  }

  delayNext(method: string, ms: number, count = 1): void {
    const queue = this.delays.get(method) ?? [];
    for (let i = 0; i < count; i++) queue.push(ms);
    this.delays.set(method, queue);
  }

  issueTriggerId(opts: { viewId?: string } = {}): string {
    const id = mintTriggerId(this.now());
    if (opts.viewId) this.triggerViews.set(id, opts.viewId);
    return id;
  }

  messages(channel?: string): FakeMessage[] {
    return this.store.filter((m) => channel === undefined || m.channel === channel);
  }

  channelMessages(channel: string): FakeMessage[] {
    return this.store
      .filter(
        (m) =>
          m.channel === channel &&
          (m.thread_ts === undefined || m.thread_ts === m.ts || m.subtype === 'thread_broadcast'),
      )
      .sort((a, b) => compareTs(a.ts, b.ts));
  }

  homeView(userId: string): FakeView | undefined {
    const id = this.homeViews.get(userId);
    return id ? this.views.get(id) : undefined;
  }

  applyCommandAck(at: { channel: string; user: string }, ack: unknown): void {
    // A text/plain answer is shown as an ephemeral message; JSON may carry text, blocks, response_type.
    const body: Obj = typeof ack === 'string' ? { text: ack } : isObj(ack) ? ack : {};
    const text = typeof body.text === 'string' ? body.text : '';
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    if (text === '' && !blocks) return;
    if (blocks) {
      const errors = checkMessageBlocks(blocks);
      if (!errors.ok)
        throw new Error(
          `slack fake: the command's answer has blocks Slack would refuse: ${errors.messages.join('; ')}`,
        );
    }
    const ts = this.nextTs();
    if (body.response_type === 'in_channel') {
      this.addMessage({
        channel: at.channel,
        ts,
        text,
        blocks: blocks ? this.withIds(blocks) : undefined,
        source: 'command_response',
      });
    } else {
      this.ephemeralStore.push({
        channel: at.channel,
        user: at.user,
        ts,
        text,
        blocks: blocks ? this.withIds(blocks) : undefined,
        source: 'command_response',
      });
    }
  }

  removeBotFromChannel(channelId: string): void {
    this.channelRecord(channelId).botIsMember = false;
  }

  addBotToChannel(channelId: string): void {
    this.channelRecord(channelId).botIsMember = true;
  }

  createChannel(c: NewChannel): string {
    const id = c.id ?? slackId('C');
    if (this.channels.has(id)) throw new Error(`slack fake: channel ${id} exists`);
    this.channels.set(id, {
      id,
      name: c.name,
      kind: c.isPrivate ? 'private' : 'public',
      botIsMember: c.botIsMember ?? false,
      members: [...(c.members ?? this.defaultMembers(id))],
      created: Math.floor(this.now() / 1000),
    });
    return id;
  }

  addChannelMember(channelId: string, userId: string): void {
    const c = this.channelRecord(channelId);
    if (!c.members.includes(userId)) c.members.push(userId);
  }

  removeChannelMember(channelId: string, userId: string): void {
    const c = this.channelRecord(channelId);
    c.members = c.members.filter((m) => m !== userId);
  }

  private channelRecord(channelId: string): ChannelRecord {
    const c = this.channels.get(channelId);
    if (!c) throw new Error(`slack fake: no channel ${channelId}`);
    return c;
  }

  thread(channel: string, threadTs: string): FakeMessage[] {
    return this.store
      .filter((m) => m.channel === channel && (m.ts === threadTs || m.thread_ts === threadTs))
      .sort((a, b) => compareTs(a.ts, b.ts));
  }

  ephemerals(channel?: string, user?: string): FakeEphemeral[] {
    return this.ephemeralStore.filter(
      (m) => (channel === undefined || m.channel === channel) && (user === undefined || m.user === user),
    );
  }

  dmChannelId(userId: string): string {
    return this.openDm(userId).channel.id;
  }

  responseUrl(binding: ResponseUrlBinding = {}): string {
    const id = `${this.teamId}/${slackId('')}/${slackId('')}`;
    this.responseUrls.set(id, { binding, createdAt: this.now(), bodies: [] });
    return `${this.url}/response-url/${id}`;
  }

  responses(url: string): unknown[] {
    const prefix = `${this.url}/response-url/`;
    const id = url.startsWith(prefix) ? url.slice(prefix.length) : url;
    return [...(this.responseUrls.get(id)?.bodies ?? [])];
  }

  viewIsOpen(viewId: string): boolean {
    for (const stack of this.stacks.values()) if (stack.includes(viewId)) return true;
    return false;
  }

  applyViewAck(viewId: string, ack: unknown): void {
    const current = this.views.get(viewId);
    if (!current || !this.viewIsOpen(viewId)) return;
    const body = isObj(ack) ? ack : {};
    const action = body.response_action;
    if (action === 'errors') return this.checkErrorsAck(current, body.errors);
    if (action === 'clear') return this.closeView(viewId, true);
    if (action !== 'update' && action !== 'push') return this.closeView(viewId, false);
    const errors = checkView(body.view, 'modal');
    if (!errors.ok)
      throw new Error(
        `slack fake: the view in response_action "${action}" is one Slack would refuse: ${errors.messages.join('; ')}`,
      );
    const input = body.view as Obj;
    if (input.type !== 'modal')
      throw new Error(`slack fake: response_action "${action}" needs a view of type modal`);
    if (action === 'update') {
      this.views.set(
        viewId,
        this.buildView(input, viewId, current.root_view_id, current.previous_view_id, current.state),
      );
      return;
    }
    const stack = this.stacks.get(current.root_view_id)!;
    if (stack.length >= 3)
      throw new Error(
        'slack fake: response_action "push" beyond the limit of three views (push_limit_reached)',
      );
    const id = slackId('V');
    this.views.set(id, this.buildView(input, id, current.root_view_id, viewId, { values: {} }));
    stack.push(id);
  }

  /**
   * `response_action: errors` must name input blocks of the submitted view; Slack refuses anything else
   * and the user sees "We had some trouble connecting" (docs.slack.dev surfaces/modals, "Displaying errors
   * in views"; bolt-js #1208).
   */
  private checkErrorsAck(view: FakeView, errors: unknown): void {
    if (!isObj(errors) || Object.keys(errors).length === 0)
      throw new Error('slack fake: response_action "errors" needs a non-empty errors object');
    const inputs = new Set(
      view.blocks.filter((b) => b.type === 'input' && typeof b.block_id === 'string').map((b) => b.block_id),
    );
    for (const [blockId, message] of Object.entries(errors)) {
      if (!inputs.has(blockId))
        throw new Error(
          `slack fake: response_action "errors" names "${blockId}", which is not an input block of view ${view.id}`,
        );
      if (typeof message !== 'string')
        throw new Error(`slack fake: the error for "${blockId}" must be a string`);
    }
  }

  /** Closes a view and any pushed above it; the root (or `all`) closes the whole stack. */
  private closeView(viewId: string, all: boolean): void {
    const view = this.views.get(viewId);
    const stack = view ? this.stacks.get(view.root_view_id) : undefined;
    if (!view || !stack) return;
    if (all || viewId === view.root_view_id) {
      this.stacks.delete(view.root_view_id);
      return;
    }
    const at = stack.indexOf(viewId);
    if (at !== -1) stack.splice(at);
  }

  onCall(listener: (call: RecordedCall) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  reset(): void {
    this.calls.length = 0;
    this.views.clear();
    this.files.length = 0;
    this.store = [];
    this.ephemeralStore = [];
    this.failures.clear();
    this.delays.clear();
    this.usedTriggers.clear();
    this.triggerViews.clear();
    this.stacks.clear();
    this.lastStackRoot = undefined;
    this.pendingUploads.clear();
    this.responseUrls.clear();
    this.homeViews.clear();
    this.socketMode.reset();
    this.resetChannels();
  }

  async close(): Promise<void> {
    await this.socketMode.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---------------------------------------------------------------- HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url || 'http://127.0.0.1');
    const path = url.pathname;
    const raw = await readBody(req);
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/([A-Za-z0-9._]+)$/.exec(path)) && (req.method === 'POST' || req.method === 'GET')) {
      const parsed = parseBody(req.headers['content-type'], raw);
      for (const [k, v] of url.searchParams) if (!(k in parsed.fields)) parsed.fields[k] = v;
      return this.answer(res, m[1]!, this.webApi(m[1]!, req, parsed));
    }
    if ((m = /^\/upload\/v1\/([A-Z0-9]+)$/.exec(path)) && req.method === 'POST') {
      const parsed = parseBody(req.headers['content-type'], raw);
      return this.answer(
        res,
        'upload',
        this.receiveUpload(m[1]!, req.headers['content-type'], parsed),
        `${this.url}${path}`,
      );
    }
    if ((m = /^\/response-url\/(.+)$/.exec(path)) && req.method === 'POST') {
      const parsed = parseBody(req.headers['content-type'], raw);
      return this.answer(res, 'response_url', this.receiveResponse(m[1]!, parsed), `${this.url}${path}`);
    }
    if ((m = /^\/files-pri\/[A-Z0-9]+-([A-Z0-9]+)\/[^/]+$/.exec(path)) && req.method === 'GET') {
      if (this.tokenOf(req, {}) !== this.botToken) return sendText(res, 403, 'invalid_auth');
      const file = this.files.find((f) => f.id === m![1]);
      if (!file) return sendText(res, 404, 'file_not_found');
      return sendText(res, 200, file.bytes, 'application/octet-stream');
    }
    sendText(res, 404, 'not found');
  }

  /** Applies injected delays and failures, runs the handler, records the call and writes the reply. */
  private async answer(res: ServerResponse, method: string, prepared: Prepared, url?: string): Promise<void> {
    // The distance to Slack comes first: the request travels before anything happens.
    const distance = this.latency.for(method);
    if (distance > 0) await new Promise((r) => setTimeout(r, distance));
    const delay = this.delays.get(method)?.shift();
    if (delay !== undefined) await new Promise((r) => setTimeout(r, delay));
    const failure = this.failures.get(method)?.shift();
    let reply: Reply;
    if (failure) {
      const limited = failure.error === 'ratelimited' || failure.status === 429;
      const status = failure.status ?? (limited ? 429 : 200);
      reply = {
        status,
        body: { ok: false, error: failure.error },
        headers: status === 429 ? { 'retry-after': String(failure.retryAfterSeconds ?? 1) } : {},
      };
    } else {
      reply = prepared.exec();
    }
    const call: RecordedCall = {
      method,
      args: prepared.args,
      at: this.now(),
      response: reply.text ?? reply.body,
      status: reply.status,
    };
    if (url !== undefined) call.url = url;
    this.calls.push(call);
    for (const l of [...this.listeners]) l(call);
    if (reply.text !== undefined) {
      res.writeHead(reply.status, { 'content-type': 'text/plain; charset=utf-8', ...(reply.headers ?? {}) });
      res.end(reply.text);
    } else {
      sendJson(res, reply.status, reply.body, reply.headers);
    }
  }

  private tokenOf(req: IncomingMessage, fields: Args): string | undefined {
    const auth = req.headers.authorization;
    if (auth) {
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      return m ? m[1]!.trim() : '';
    }
    return typeof fields.token === 'string' ? fields.token : undefined;
  }

  private webApi(method: string, req: IncomingMessage, parsed: ParsedBody): Prepared {
    const token = this.tokenOf(req, parsed.fields);
    const args: Args = { ...parsed.fields };
    delete args.token;
    const badJson: string[] = [];
    for (const key of JSON_FIELDS) {
      const v = args[key];
      if (typeof v !== 'string') continue;
      try {
        args[key] = JSON.parse(v) as unknown;
      } catch {
        badJson.push(key);
      }
    }
    const exec = (): Reply => {
      const appLevel = method === 'apps.connections.open';
      const scopeHeader = { 'x-oauth-scopes': (appLevel ? this.appTokenScopes : this.scopes).join(',') };
      const needed = appLevel ? 'connections:write' : METHOD_SCOPES[method];
      const accepted: Record<string, string> = needed ? { 'x-accepted-oauth-scopes': needed } : {};
      const fail = (err: SlackApiError): Reply => ({
        status: 200,
        body: { ok: false, error: err.code, ...err.extra },
        headers: { ...scopeHeader, ...accepted },
      });
      if (!parsed.wellFormed) return fail(new SlackApiError('invalid_form_data'));
      if (token === undefined || token === '') return fail(new SlackApiError('not_authed'));
      // An app-level token (xapp-) only opens Socket Mode connections; apps.connections.open takes
      // nothing else (docs.slack.dev "Using Socket Mode", "App-level tokens").
      if (appLevel) {
        if (token === this.botToken || token.startsWith('xox'))
          return fail(new SlackApiError('not_allowed_token_type'));
        if (token !== this.appToken) return fail(new SlackApiError('invalid_auth'));
        if (!this.appTokenScopes.includes('connections:write'))
          return fail(
            new SlackApiError('missing_scope', {
              needed: 'connections:write',
              provided: this.appTokenScopes.join(','),
            }),
          );
        return {
          status: 200,
          body: { ok: true, url: this.socketMode.issueUrl(this.url) },
          headers: { ...scopeHeader, ...accepted },
        };
      }
      if (token === this.appToken) return fail(new SlackApiError('not_allowed_token_type'));
      if (token !== this.botToken) return fail(new SlackApiError('invalid_auth'));
      const handler = this.handlers[method];
      if (!handler) return fail(new SlackApiError('unknown_method', { req_method: method }));
      try {
        if (badJson.includes('blocks')) throw new SlackApiError('invalid_blocks_format');
        if (badJson.length > 0)
          throw invalidArguments(`[ERROR] failed to parse JSON [json-pointer:/${badJson[0]}]`);
        if (needed) this.requireScope(needed);
        return {
          status: 200,
          body: { ok: true, ...handler(args) },
          headers: { ...scopeHeader, ...accepted },
        };
      } catch (err) {
        if (err instanceof SlackApiError) return fail(err);
        throw err;
      }
    };
    return { args, exec };
  }

  private requireScope(needed: string): void {
    const anyOf = needed.split(',');
    if (!anyOf.some((s) => this.scopes.includes(s))) {
      throw new SlackApiError('missing_scope', { needed, provided: this.scopes.join(',') });
    }
  }

  // ---------------------------------------------------------------- workspace model

  private resetChannels(): void {
    this.channels.clear();
    for (const c of this.seededChannels) this.channels.set(c.id, { ...c, members: [...c.members] });
  }

  private resolveChannel(ref: string | undefined): ChannelRecord {
    if (!ref) throw new SlackApiError('channel_not_found');
    const direct = this.channels.get(ref);
    if (direct) return this.visible(direct);
    // Posting to a user id lands in the bot's DM with that user, the app's Messages tab
    // (docs.slack.dev chat.postMessage, "Begin a conversation in a user's App Home"). "You will receive a
    // channel_not_found error if your app doesn't have permission to enter into a DM with the intended
    // user": the fake counts deactivated users, bots and users of another workspace among those.
    if (/^[UW]/.test(ref) && this.users.has(ref)) {
      const u = this.users.get(ref)!;
      if (u.deleted || u.isBot || !this.ownTeam(u)) throw new SlackApiError('channel_not_found');
      return this.openDm(ref).channel;
    }
    const name = ref.replace(/^#/, '');
    for (const c of this.channels.values())
      if (c.name === name && (c.kind === 'public' || c.kind === 'private')) return this.visible(c);
    throw new SlackApiError('channel_not_found');
  }

  /** A private channel the bot is not in does not exist as far as the bot can tell. */
  private visible(c: ChannelRecord): ChannelRecord {
    if (c.kind === 'private' && !c.botIsMember) throw new SlackApiError('channel_not_found');
    return c;
  }

  private ownTeam(u: FakeUser): boolean {
    return u.teamId === undefined || u.teamId === this.teamId;
  }

  private postable(ref: string | undefined): ChannelRecord {
    const c = this.resolveChannel(ref);
    // The manifest asks for chat:write, not chat:write.public: the bot posts only where it was invited.
    if (!c.botIsMember && !this.scopes.includes('chat:write.public'))
      throw new SlackApiError('not_in_channel');
    // DMs from the app live in its Messages tab; with the tab off Slack refuses (chat.postMessage errors).
    if (c.kind === 'im' && !this.messagesTabEnabled) throw new SlackApiError('messages_tab_disabled');
    return c;
  }

  private user(id: string | undefined): FakeUser {
    const u = id ? this.users.get(id) : undefined;
    if (!u) throw new SlackApiError('user_not_found');
    return u;
  }

  private openDm(userId: string): { channel: ChannelRecord; existed: boolean } {
    for (const c of this.channels.values())
      if (c.kind === 'im' && c.user === userId) return { channel: c, existed: true };
    const channel: ChannelRecord = {
      id: slackId('D'),
      name: userId,
      kind: 'im',
      botIsMember: true,
      members: [userId],
      user: userId,
      created: Math.floor(this.now() / 1000),
    };
    this.channels.set(channel.id, channel);
    return { channel, existed: false };
  }

  private findMessage(channel: string, ts: string | undefined): FakeMessage {
    const m = ts ? this.store.find((x) => x.channel === channel && x.ts === ts) : undefined;
    if (!m) throw new SlackApiError('message_not_found');
    return m;
  }

  private nextTs(): string {
    return this.tsClock.next(this.now());
  }

  /** Slack fills in block_id (and action_id) the sender left out. */
  private withIds(blocks: unknown[]): Block[] {
    return blocks.map((b) => {
      const block: Block = isObj(b) ? structuredClone(b) : {};
      if (block.block_id === undefined) block.block_id = slackId('').slice(0, 5);
      const fill = (el: unknown): void => {
        if (
          isObj(el) &&
          el.action_id === undefined &&
          typeof el.type === 'string' &&
          el.type !== 'image' &&
          el.type !== 'mrkdwn' &&
          el.type !== 'plain_text'
        ) {
          el.action_id = slackId('').slice(0, 5);
        }
      };
      if (Array.isArray(block.elements) && block.type === 'actions') block.elements.forEach(fill);
      fill(block.accessory);
      fill(block.element);
      return block;
    });
  }

  private messageBody(
    args: Args,
    opts: { maxText: number; requireContent: boolean },
  ): { text: string; blocks?: Block[]; attachments?: unknown[] } {
    const text = optStr(args, 'text');
    const blocks = args.blocks;
    const attachments = args.attachments;
    if (blocks !== undefined) {
      const errors = checkMessageBlocks(blocks);
      if (!errors.ok) throw blockError('invalid_blocks', errors);
    }
    if (attachments !== undefined) {
      if (!Array.isArray(attachments)) throw new SlackApiError('invalid_attachments');
      if (attachments.length > 100) throw new SlackApiError('too_many_attachments');
    }
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
    if (opts.requireContent && text === undefined && !hasBlocks && !hasAttachments)
      throw new SlackApiError('no_text');
    if (text !== undefined && text.length > opts.maxText) throw new SlackApiError('msg_too_long');
    const out: { text: string; blocks?: Block[]; attachments?: unknown[] } = { text: text ?? '' };
    if (Array.isArray(blocks)) out.blocks = this.withIds(blocks);
    if (Array.isArray(attachments)) out.attachments = attachments;
    return out;
  }

  private metadataOf(v: unknown): FakeMessage['metadata'] {
    if (v === undefined || v === null || v === '') return undefined;
    if (!isObj(v) || typeof v.event_type !== 'string' || !isObj(v.event_payload))
      throw new SlackApiError('invalid_metadata_format');
    return { event_type: v.event_type, event_payload: v.event_payload };
  }

  private addMessage(
    m: Omit<FakeMessage, 'user' | 'bot_id' | 'app_id' | 'reply_count' | 'history'>,
  ): FakeMessage {
    const msg: FakeMessage = {
      ...m,
      user: this.botUserId,
      bot_id: this.botId,
      app_id: this.appId,
      reply_count: 0,
      history: [],
    };
    if (msg.thread_ts) {
      const parent = this.store.find((x) => x.channel === msg.channel && x.ts === msg.thread_ts);
      if (parent) parent.reply_count += 1;
    }
    this.store.push(msg);
    return msg;
  }

  private messageJson(m: FakeMessage): Obj {
    const out: Obj = {
      user: m.user,
      type: 'message',
      ts: m.ts,
      bot_id: m.bot_id,
      app_id: m.app_id,
      text: m.text,
      team: this.teamId,
      bot_profile: {
        id: m.bot_id,
        app_id: m.app_id,
        name: BOT_USER_NAME,
        deleted: false,
        team_id: this.teamId,
      },
    };
    if (m.blocks) out.blocks = m.blocks;
    if (m.attachments) out.attachments = m.attachments;
    if (m.thread_ts) out.thread_ts = m.thread_ts;
    if (m.metadata) out.metadata = m.metadata;
    if (m.files) out.files = m.files;
    if (m.edited) out.edited = m.edited;
    if (m.subtype) out.subtype = m.subtype;
    return out;
  }

  private channelJson(c: ChannelRecord): Obj {
    if (c.kind === 'im') {
      return {
        id: c.id,
        created: c.created,
        is_im: true,
        is_org_shared: false,
        context_team_id: this.teamId,
        user: c.user,
        is_user_deleted: false,
        priority: 0,
      };
    }
    return {
      id: c.id,
      name: c.name,
      is_channel: c.kind === 'public',
      is_group: c.kind === 'private',
      is_im: false,
      is_mpim: c.kind === 'mpim',
      is_private: c.kind !== 'public',
      created: c.created,
      is_archived: false,
      is_general: c.name === 'general',
      unlinked: 0,
      name_normalized: c.name,
      is_shared: false,
      is_frozen: false,
      is_org_shared: false,
      is_ext_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: this.teamId,
      updated: c.created * 1000,
      parent_conversation: null,
      creator: 'U0APPROVE1',
      shared_team_ids: [this.teamId],
      pending_connected_team_ids: [],
      is_member: c.botIsMember,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      properties: { tabs: [] },
      previous_names: [],
      num_members: c.members.length + (c.botIsMember ? 1 : 0),
    };
  }

  private userJson(u: FakeUser): Obj {
    const profile: Obj = {
      avatar_hash: 'g0000000000',
      status_text: '',
      status_emoji: '',
      real_name: u.realName,
      display_name: u.name,
      real_name_normalized: u.realName,
      display_name_normalized: u.name,
      image_original: 'https://a.slack-edge.com/avatar-original.png',
      image_24: 'https://a.slack-edge.com/avatar-24.png',
      image_32: 'https://a.slack-edge.com/avatar-32.png',
      image_48: 'https://a.slack-edge.com/avatar-48.png',
      image_72: 'https://a.slack-edge.com/avatar-72.png',
      image_192: 'https://a.slack-edge.com/avatar-192.png',
      image_512: 'https://a.slack-edge.com/avatar-512.png',
      team: u.teamId ?? this.teamId,
    };
    // Slack leaves the email out unless the token also has users:read.email.
    if (u.email && this.scopes.includes('users:read.email')) profile.email = u.email;
    if (u.isBot) {
      profile.bot_id = this.botId;
      profile.api_app_id = this.appId;
    }
    return {
      id: u.id,
      team_id: u.teamId ?? this.teamId,
      name: u.name,
      deleted: u.deleted ?? false,
      color: '9f69e7',
      real_name: u.realName,
      tz: u.tz ?? 'Europe/Amsterdam',
      tz_label: 'Central European Time',
      tz_offset: 3600,
      profile,
      is_admin: u.isAdmin ?? false,
      is_owner: false,
      is_primary_owner: false,
      is_restricted: u.isRestricted ?? false,
      is_ultra_restricted: u.isUltraRestricted ?? false,
      is_bot: u.isBot ?? false,
      updated: 1700000000,
      is_app_user: false,
      has_2fa: false,
    };
  }

  // ---------------------------------------------------------------- views

  private consumeTrigger(args: Args): string {
    const trigger = optStr(args, 'trigger_id') ?? optStr(args, 'interactivity_pointer');
    if (!trigger) throw missing('trigger_id');
    const issued = triggerIssuedAt(trigger);
    if (issued === undefined) throw new SlackApiError('invalid_trigger_id');
    if (this.usedTriggers.has(trigger)) throw new SlackApiError('exchanged_trigger_id');
    if (this.now() - issued > this.triggerTtlMs) throw new SlackApiError('expired_trigger_id');
    this.usedTriggers.add(trigger);
    return trigger;
  }

  private checkedView(args: Args, surface: Surface | 'any'): Obj {
    if (args.view === undefined) throw missing('view');
    const errors = checkView(args.view, surface);
    if (!errors.ok) throw blockError('invalid_arguments', errors);
    if (Buffer.byteLength(JSON.stringify(args.view)) > LIMITS.viewBytes)
      throw new SlackApiError('view_too_large');
    return args.view as Obj;
  }

  private buildView(
    input: Obj,
    id: string,
    rootId: string,
    previous: string | null,
    state: FakeView['state'],
  ): FakeView {
    const text = (v: unknown): TextObject | null => (isObj(v) ? (structuredClone(v) as TextObject) : null);
    return {
      id,
      team_id: this.teamId,
      type: typeof input.type === 'string' ? input.type : 'modal',
      blocks: this.withIds(Array.isArray(input.blocks) ? input.blocks : []),
      private_metadata: typeof input.private_metadata === 'string' ? input.private_metadata : '',
      callback_id: typeof input.callback_id === 'string' ? input.callback_id : '',
      state,
      hash: viewHash(this.now()),
      title: text(input.title),
      clear_on_close: bool(input.clear_on_close),
      notify_on_close: bool(input.notify_on_close),
      close: text(input.close),
      submit: text(input.submit),
      previous_view_id: previous,
      root_view_id: rootId,
      app_id: this.appId,
      external_id: typeof input.external_id === 'string' ? input.external_id : '',
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
  }

  private isCurrentHome(viewId: string): boolean {
    return [...this.homeViews.values()].includes(viewId);
  }

  private assertExternalIdFree(input: Obj, exceptViewId?: string): void {
    const ext = input.external_id;
    if (typeof ext !== 'string' || ext === '') return;
    for (const v of this.views.values())
      if (v.external_id === ext && v.id !== exceptViewId) throw new SlackApiError('duplicate_external_id');
  }

  // ---------------------------------------------------------------- uploads and response_url

  private receiveUpload(fileId: string, contentType: string | undefined, parsed: ParsedBody): Prepared {
    // WebClient sends multipart with the bytes in a part named "body"; Slack's docs also allow the raw bytes.
    const part = parsed.parts[0];
    const multipart = (contentType ?? '').toLowerCase().startsWith('multipart/');
    const bytes = part
      ? part.data
      : multipart && typeof parsed.fields.body === 'string'
        ? Buffer.from(parsed.fields.body)
        : parsed.raw;
    const args: Args = { file_id: fileId, bytes: bytes.length, filename: part?.filename };
    const exec = (): Reply => {
      const pending = this.pendingUploads.get(fileId);
      if (!pending) return { status: 404, body: null, text: 'file_not_found' };
      if (bytes.length !== pending.length) {
        return {
          status: 400,
          body: null,
          text: `length mismatch: declared ${pending.length}, received ${bytes.length}`,
        };
      }
      pending.bytes = Buffer.from(bytes);
      return { status: 200, body: null, text: `OK - ${bytes.length}` };
    };
    return { args, exec };
  }

  private receiveResponse(id: string, parsed: ParsedBody): Prepared {
    const body = typeof parsed.fields.payload === 'string' ? safeJson(parsed.fields.payload) : parsed.fields;
    const args: Args = isObj(body) ? body : {};
    const exec = (): Reply => {
      const record = this.responseUrls.get(id);
      if (!record) return { status: 404, body: null, text: 'no_service' };
      if (this.now() - record.createdAt > RESPONSE_URL_TTL_MS)
        return { status: 404, body: null, text: 'expired_url' };
      if (record.bodies.length >= RESPONSE_URL_MAX_USES) return { status: 404, body: null, text: 'used_url' };
      if (args.blocks !== undefined) {
        const errors = checkMessageBlocks(args.blocks);
        if (!errors.ok) return { status: 400, body: null, text: 'invalid_blocks' };
      }
      record.bodies.push(args);
      this.applyResponse(record.binding, args);
      return { status: 200, body: { ok: true } };
    };
    return { args, exec };
  }

  private applyResponse(b: ResponseUrlBinding, body: Args): void {
    const text = typeof body.text === 'string' ? body.text : '';
    const blocks = Array.isArray(body.blocks) ? this.withIds(body.blocks) : undefined;
    const original =
      b.channel && b.messageTs
        ? this.store.find((m) => m.channel === b.channel && m.ts === b.messageTs)
        : undefined;
    if (bool(body.delete_original)) {
      if (original) this.store = this.store.filter((m) => m !== original);
      return;
    }
    if (bool(body.replace_original) && original) {
      original.history.push({ text: original.text, blocks: original.blocks, at: this.now() });
      original.text = text;
      original.blocks = blocks;
      return;
    }
    if (!b.channel) return;
    const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : b.threadTs;
    const ts = this.nextTs();
    if (body.response_type === 'in_channel') {
      this.addMessage({ channel: b.channel, ts, thread_ts: threadTs, text, blocks, source: 'response_url' });
    } else if (b.user) {
      this.ephemeralStore.push({
        channel: b.channel,
        user: b.user,
        ts,
        thread_ts: threadTs,
        text,
        blocks,
        source: 'response_url',
      });
    }
  }

  // ---------------------------------------------------------------- Web API methods

  private readonly handlers: Record<string, (args: Args) => Obj> = {
    'auth.test': () => ({
      url: `https://${TEAM_DOMAIN}.slack.com/`,
      team: TEAM_NAME,
      user: BOT_USER_NAME,
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    }),

    'chat.postMessage': (args) => {
      const channel = this.postable(optStr(args, 'channel'));
      const body = this.messageBody(args, { maxText: 40_000, requireContent: true });
      const threadTs = optStr(args, 'thread_ts');
      const msg = this.addMessage({
        channel: channel.id,
        ts: this.nextTs(),
        thread_ts: threadTs,
        ...body,
        metadata: this.metadataOf(args.metadata),
        // reply_broadcast is "used in conjunction with thread_ts": the reply also shows in the channel.
        ...(threadTs !== undefined && bool(args.reply_broadcast)
          ? { subtype: 'thread_broadcast' as const }
          : {}),
        source: 'chat.postMessage',
      });
      return { channel: channel.id, ts: msg.ts, message: this.messageJson(msg) };
    },

    'chat.update': (args) => {
      const channel = this.resolveChannel(optStr(args, 'channel'));
      const msg = this.findMessage(channel.id, optStr(args, 'ts'));
      if (msg.user !== this.botUserId) throw new SlackApiError('cant_update_message');
      // chat.update is stricter than postMessage about text (research §7).
      const body = this.messageBody(args, { maxText: 4000, requireContent: true });
      msg.history.push({ text: msg.text, blocks: msg.blocks, at: this.now() });
      if (args.text !== undefined) msg.text = body.text;
      if (args.blocks !== undefined) msg.blocks = body.blocks;
      if (args.attachments !== undefined) msg.attachments = body.attachments;
      if (args.metadata !== undefined) msg.metadata = this.metadataOf(args.metadata);
      msg.edited = { user: this.botUserId, ts: this.nextTs() };
      const message: Obj = {
        text: msg.text,
        user: msg.user,
        bot_id: msg.bot_id,
        app_id: msg.app_id,
        type: 'message',
        edited: msg.edited,
      };
      if (msg.blocks) message.blocks = msg.blocks;
      if (msg.attachments) message.attachments = msg.attachments;
      if (msg.metadata) message.metadata = msg.metadata;
      return { channel: channel.id, ts: msg.ts, text: msg.text, message };
    },

    'chat.postEphemeral': (args) => {
      const channel = this.postable(optStr(args, 'channel'));
      const user = this.user(optStr(args, 'user'));
      if (channel.kind !== 'im' && !channel.members.includes(user.id))
        throw new SlackApiError('user_not_in_channel');
      if (channel.kind === 'im' && channel.user !== user.id) throw new SlackApiError('user_not_in_channel');
      const body = this.messageBody(args, { maxText: 40_000, requireContent: true });
      const ts = this.nextTs();
      this.ephemeralStore.push({
        channel: channel.id,
        user: user.id,
        ts,
        thread_ts: optStr(args, 'thread_ts'),
        text: body.text,
        blocks: body.blocks,
        source: 'chat.postEphemeral',
      });
      return { message_ts: ts };
    },

    'chat.getPermalink': (args) => {
      const channel = this.resolveChannel(optStr(args, 'channel'));
      const msg = this.findMessage(channel.id, optStr(args, 'message_ts'));
      let permalink = `https://${TEAM_DOMAIN}.slack.com/archives/${channel.id}/p${msg.ts.replace('.', '')}`;
      if (msg.thread_ts && msg.thread_ts !== msg.ts)
        permalink += `?thread_ts=${msg.thread_ts}&cid=${channel.id}`;
      return { channel: channel.id, permalink };
    },

    'conversations.open': (args) => {
      const channelRef = optStr(args, 'channel');
      const usersArg = args.users;
      const ids = (Array.isArray(usersArg) ? usersArg.map(String) : (optStr(args, 'users') ?? '').split(','))
        .map((s) => s.trim())
        .filter((s) => s !== '' && s !== this.botUserId);
      let channel: ChannelRecord;
      let existed = true;
      if (channelRef) {
        channel = this.resolveChannel(channelRef);
        if (channel.kind !== 'im' && channel.kind !== 'mpim') throw new SlackApiError('channel_not_found');
      } else {
        if (ids.length === 0) throw new SlackApiError('users_list_not_supplied');
        if (ids.length > 8) throw new SlackApiError('too_many_users');
        for (const id of ids) {
          const u = this.user(id);
          // conversations.open errors: user_disabled for a deactivated account; the fake answers
          // user_not_visible for another workspace's user (no shared channel to meet in).
          if (u.deleted) throw new SlackApiError('user_disabled');
          if (!this.ownTeam(u)) throw new SlackApiError('user_not_visible');
        }
        if (ids.length === 1) {
          ({ channel, existed } = this.openDm(ids[0]!));
        } else {
          const key = [...ids].sort().join(',');
          const found = [...this.channels.values()].find(
            (c) => c.kind === 'mpim' && [...c.members].sort().join(',') === key,
          );
          if (found) channel = found;
          else {
            existed = false;
            channel = {
              id: slackId('C'),
              name: `mpdm-${ids.join('--')}-1`,
              kind: 'mpim',
              botIsMember: true,
              members: ids,
              created: Math.floor(this.now() / 1000),
            };
            this.channels.set(channel.id, channel);
          }
        }
      }
      const out: Obj = { channel: bool(args.return_im) ? this.channelJson(channel) : { id: channel.id } };
      if (existed) Object.assign(out, { no_op: true, already_open: true });
      return out;
    },

    'conversations.info': (args) => {
      const channel = this.resolveChannel(optStr(args, 'channel'));
      this.requireScope(readScope(channel));
      return { channel: this.channelJson(channel) };
    },

    'conversations.members': (args) => {
      const channel = this.resolveChannel(optStr(args, 'channel'));
      this.requireScope(readScope(channel));
      const all =
        channel.kind === 'im'
          ? [channel.user!, this.botUserId]
          : [...channel.members, ...(channel.botIsMember ? [this.botUserId] : [])];
      const limit = Number(optStr(args, 'limit') ?? 100);
      if (!Number.isInteger(limit) || limit < 1 || limit >= 1000) throw new SlackApiError('invalid_limit');
      const cursor = optStr(args, 'cursor');
      let offset = 0;
      if (cursor) {
        const m = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
        if (!m) throw new SlackApiError('invalid_cursor');
        offset = Number(m[1]);
      }
      const members = all.slice(offset, offset + limit);
      const next =
        offset + limit < all.length ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '';
      return { members, response_metadata: { next_cursor: next } };
    },

    'users.info': (args) => ({ user: this.userJson(this.user(optStr(args, 'user'))) }),

    'usergroups.users.list': (args) => {
      const id = optStr(args, 'usergroup');
      const members = id ? this.usergroups.get(id) : undefined;
      if (!members) throw new SlackApiError('no_such_subteam');
      return { users: [...members] };
    },

    'views.open': (args) => {
      const input = this.checkedView(args, 'modal');
      this.assertExternalIdFree(input);
      this.consumeTrigger(args);
      const id = slackId('V');
      const view = this.buildView(input, id, id, null, { values: {} });
      this.views.set(id, view);
      this.stacks.set(id, [id]);
      this.lastStackRoot = id;
      return { view };
    },

    'views.push': (args) => {
      const input = this.checkedView(args, 'modal');
      this.assertExternalIdFree(input);
      const trigger = optStr(args, 'trigger_id') ?? optStr(args, 'interactivity_pointer');
      const fromView = trigger ? this.triggerViews.get(trigger) : undefined;
      const rootId = fromView ? this.views.get(fromView)?.root_view_id : this.lastStackRoot;
      const stack = rootId ? this.stacks.get(rootId) : undefined;
      if (!rootId || !stack) throw new SlackApiError('not_found');
      if (stack.length >= 3) throw new SlackApiError('push_limit_reached');
      this.consumeTrigger(args);
      const id = slackId('V');
      const view = this.buildView(input, id, rootId, stack[stack.length - 1] ?? null, { values: {} });
      this.views.set(id, view);
      stack.push(id);
      this.lastStackRoot = rootId;
      return { view };
    },

    'views.update': (args) => {
      const viewId = optStr(args, 'view_id');
      const externalId = optStr(args, 'external_id');
      if (!viewId && !externalId)
        throw invalidArguments('[ERROR] must provide either view_id or external_id');
      const input = this.checkedView(args, 'any');
      const current = viewId
        ? this.views.get(viewId)
        : [...this.views.values()].find((v) => v.external_id === externalId);
      // A closed modal is gone: updating it after the submission ack closed it fails like in Slack.
      // A published Home tab stays until it is published again.
      const live =
        current && (current.type === 'home' ? this.isCurrentHome(current.id) : this.viewIsOpen(current.id));
      if (!current || !live) throw new SlackApiError('not_found');
      if (input.type !== current.type)
        throw invalidArguments(`[ERROR] must be ${current.type} for this view [json-pointer:/view/type]`);
      const hash = optStr(args, 'hash');
      if (hash !== undefined && hash !== current.hash) throw new SlackApiError('hash_conflict');
      this.assertExternalIdFree(input, current.id);
      const view = this.buildView(
        input,
        current.id,
        current.root_view_id,
        current.previous_view_id,
        current.state,
      );
      this.views.set(current.id, view);
      if (current.type !== 'home') this.lastStackRoot = current.root_view_id;
      return { view };
    },

    // docs.slack.dev views.publish: user_id and a view of type home; optional hash; errors not_enabled
    // (the app has no Home tab), hash_conflict, duplicate_external_id, view_too_large, invalid_arguments
    // with "invalid `user_id`" (slack-api-ref's example). The Home tab of a user keeps its view id.
    'views.publish': (args) => {
      const userId = optStr(args, 'user_id');
      if (!userId) throw missing('user_id');
      const input = this.checkedView(args, 'home');
      const user = this.users.get(userId);
      if (!user || !this.ownTeam(user)) throw invalidArguments('invalid `user_id`');
      if (!this.homeTabEnabled) throw new SlackApiError('not_enabled');
      const current = this.homeView(userId);
      const hash = optStr(args, 'hash');
      if (hash !== undefined && current && hash !== current.hash) throw new SlackApiError('hash_conflict');
      this.assertExternalIdFree(input, current?.id);
      const id = current?.id ?? slackId('V');
      const view = this.buildView(input, id, id, null, current?.state ?? { values: {} });
      this.views.set(id, view);
      this.homeViews.set(userId, id);
      return { view };
    },

    'files.getUploadURLExternal': (args) => {
      const filename = optStr(args, 'filename');
      if (!filename) throw missing('filename');
      const lengthArg = optStr(args, 'length');
      if (lengthArg === undefined) throw missing('length');
      const length = Number(lengthArg);
      if (!Number.isInteger(length) || length < 1)
        throw invalidArguments('[ERROR] must be a positive integer [json-pointer:/length]');
      const alt = optStr(args, 'alt_txt') ?? optStr(args, 'alt_text');
      if (alt !== undefined && alt.length > 1000) throw new SlackApiError('alt_txt_too_large');
      const id = slackId('F');
      this.pendingUploads.set(id, {
        id,
        filename,
        length,
        alt_text: alt,
        snippet_type: optStr(args, 'snippet_type'),
      });
      return { upload_url: `${this.url}/upload/v1/${id}`, file_id: id };
    },

    'files.completeUploadExternal': (args) => {
      const list: unknown = args.files;
      if (list === undefined) throw missing('files');
      if (
        !Array.isArray(list) ||
        list.length === 0 ||
        !list.every((f) => isObj(f) && typeof f.id === 'string')
      ) {
        throw invalidArguments('[ERROR] must be a non-empty array of {id, title} [json-pointer:/files]');
      }
      const uploads = (list as Obj[]).map((f) => {
        const p = this.pendingUploads.get(f.id as string);
        // Slack answers file_not_found when the bytes never reached the upload URL.
        if (!p || !p.bytes) throw new SlackApiError('file_not_found');
        return {
          pending: p,
          bytes: p.bytes,
          title: typeof f.title === 'string' && f.title !== '' ? f.title : p.filename,
        };
      });
      const channelArg = optStr(args, 'channel_id') ?? optStr(args, 'channels');
      if (channelArg && channelArg.split(',').length > 100)
        throw new SlackApiError('channels_limit_exceeded');
      const channel = channelArg ? this.postable(channelArg.split(',')[0]!.trim()) : undefined;
      const threadTs = channel ? optStr(args, 'thread_ts') : undefined;
      const initialComment = optStr(args, 'initial_comment');
      let blocks: Block[] | undefined;
      if (args.blocks !== undefined) {
        const errors = checkMessageBlocks(args.blocks);
        if (!errors.ok) throw blockError('invalid_blocks', errors);
        // initial_comment wins over blocks, as in Slack.
        if (initialComment === undefined && Array.isArray(args.blocks)) blocks = this.withIds(args.blocks);
      }
      let share: FakeMessage | undefined;
      if (channel) {
        share = this.addMessage({
          channel: channel.id,
          ts: this.nextTs(),
          thread_ts: threadTs,
          text: initialComment ?? '',
          blocks,
          files: uploads.map((u) => ({ id: u.pending.id, name: u.pending.filename, title: u.title })),
          source: 'files.completeUploadExternal',
        });
      }
      const created = Math.floor(this.now() / 1000);
      const out = uploads.map((u) => {
        this.pendingUploads.delete(u.pending.id);
        const urlPrivate = `${this.url}/files-pri/${this.teamId}-${u.pending.id}/${encodeURIComponent(u.pending.filename)}`;
        const file: FakeFile = {
          id: u.pending.id,
          filename: u.pending.filename,
          title: u.title,
          bytes: u.bytes,
          length: u.pending.length,
          alt_text: u.pending.alt_text,
          snippet_type: u.pending.snippet_type,
          channel: channel?.id,
          thread_ts: threadTs,
          initial_comment: initialComment,
          message_ts: share?.ts,
          url_private: urlPrivate,
        };
        this.files.push(file);
        const shares: Obj = {};
        if (channel && share) {
          const entry: Obj = {
            ts: share.ts,
            channel_name: channel.name,
            team_id: this.teamId,
            share_user_id: this.botUserId,
            source: 'UNKNOWN',
            is_silent_share: false,
          };
          if (threadTs) entry.thread_ts = threadTs;
          shares[channel.kind === 'public' ? 'public' : 'private'] = { [channel.id]: [entry] };
        }
        const ext = u.pending.filename.includes('.')
          ? u.pending.filename.split('.').pop()!.toLowerCase()
          : 'binary';
        return {
          id: u.pending.id,
          created,
          timestamp: created,
          name: u.pending.filename,
          title: u.title,
          mimetype: mimeOf(ext),
          filetype: ext,
          pretty_type: ext.toUpperCase(),
          user: this.botUserId,
          user_team: this.teamId,
          editable: false,
          size: u.bytes.length,
          mode: 'hosted',
          is_external: false,
          external_type: '',
          is_public: channel?.kind === 'public',
          public_url_shared: false,
          display_as_bot: false,
          username: '',
          url_private: urlPrivate,
          url_private_download: `${urlPrivate}?download=1`,
          permalink: `https://${TEAM_DOMAIN}.slack.com/files/${this.botUserId}/${u.pending.id}/${u.pending.filename}`,
          comments_count: 0,
          shares,
          channels: channel && channel.kind === 'public' ? [channel.id] : [],
          groups: channel && channel.kind !== 'public' && channel.kind !== 'im' ? [channel.id] : [],
          ims: channel && channel.kind === 'im' ? [channel.id] : [],
          has_more_shares: false,
          has_rich_preview: false,
          file_access: 'visible',
          ...(u.pending.alt_text ? { alt_txt: u.pending.alt_text } : {}),
        };
      });
      return { files: out };
    },
  };
}

function readScope(c: ChannelRecord): string {
  switch (c.kind) {
    case 'public':
      return 'channels:read';
    case 'private':
      return 'groups:read';
    case 'im':
      return 'im:read';
    case 'mpim':
      return 'mpim:read';
  }
}

function mimeOf(ext: string): string {
  const known: Record<string, string> = {
    pdf: 'application/pdf',
    csv: 'text/csv',
    txt: 'text/plain',
    json: 'application/json',
    png: 'image/png',
  };
  return known[ext] ?? 'application/octet-stream';
}

function compareTs(a: string, b: string): number {
  const [as = '0', af = '0'] = a.split('.');
  const [bs = '0', bf = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(af) - Number(bf);
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}
