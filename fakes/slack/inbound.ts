/**
 * Acting as Slack towards the bot: signed POSTs to its `/slack/events`, with bodies shaped like the
 * payloads in test/fixtures/slack/inbound (commands form-encoded; interactivity as a form with
 * one `payload` field; events as JSON).
 *
 *   const slack = new SlackInbound('http://127.0.0.1:3000/slack/events', SIGNING_SECRET, { fake });
 *   const { status } = await slack.command({ text: 'help', user_id: 'U0REQUEST1' });
 *
 * With `fake`, trigger ids and response_urls come from the Slack fake, so views.open/push accept them
 * and what the bot posts to response_url is recorded there (and acts on the message it belongs to).
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mintTriggerId, slackId } from './ids';
import {
  APP_ID,
  BOT_ID,
  DEFAULT_CHANNELS,
  findSeededUser,
  TEAM_DOMAIN,
  TEAM_ID,
  VERIFICATION_TOKEN,
} from './seed';
import type { Block, FakeMessage, FakeView, SlackFake, TextObject } from './types';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface SignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
}

/** Slack's v0 request signature: HMAC-SHA256 over `v0:{timestamp}:{raw body}`, hex, prefixed `v0=`. */
export function sign(
  secret: string,
  rawBody: string,
  timestampSec: number | string = Math.floor(Date.now() / 1000),
): SignatureHeaders {
  const ts = String(timestampSec);
  const digest = createHmac('sha256', secret).update(`v0:${ts}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': ts };
}

// ------------------------------------------------------------------ common parts

export interface PayloadUser {
  id: string;
  username: string;
  name: string;
  team_id: string;
}

function userOf(id: string, teamId = TEAM_ID): PayloadUser {
  const handle = findSeededUser(id)?.name ?? id.toLowerCase();
  return { id, username: handle, name: handle, team_id: teamId };
}

function channelName(id: string): string {
  return (
    DEFAULT_CHANNELS.find((c) => c.id === id)?.name ??
    (id.startsWith('D') ? 'directmessage' : id.toLowerCase())
  );
}

function actionTs(): string {
  const now = Date.now();
  return `${Math.floor(now / 1000)}.${String((now % 1000) * 1000 + Math.floor(Math.random() * 1000)).padStart(6, '0')}`;
}

function placeholderResponseUrl(kind: 'commands' | 'actions'): string {
  return `https://hooks.slack.com/${kind}/${TEAM_ID}/${Date.now()}/${slackId('').toLowerCase()}`;
}

// ------------------------------------------------------------------ state values (what users typed or picked)

const plain = (text: string): TextObject => ({ type: 'plain_text', text, emoji: true });
const picked = (value: string, text = value) => ({ text: plain(text), value });

/** `view.state.values[block_id][action_id]` entries, in the documented ViewStateValue shapes. */
export const stateValue = {
  plainText: (value: string | null) => ({ type: 'plain_text_input', value }),
  /** number_input values are strings in payloads */
  number: (value: string | number | null) => ({
    type: 'number_input',
    value: value === null ? null : String(value),
  }),
  staticSelect: (value: string | null, text?: string) => ({
    type: 'static_select',
    selected_option: value === null ? null : picked(value, text),
  }),
  externalSelect: (value: string | null, text?: string) => ({
    type: 'external_select',
    selected_option: value === null ? null : picked(value, text),
  }),
  radio: (value: string | null, text?: string) => ({
    type: 'radio_buttons',
    selected_option: value === null ? null : picked(value, text),
  }),
  checkboxes: (values: Array<string | { value: string; text: string }>) => ({
    type: 'checkboxes',
    selected_options: values.map((v) => (typeof v === 'string' ? picked(v) : picked(v.value, v.text))),
  }),
  user: (id: string | null) => ({ type: 'users_select', selected_user: id }),
  conversation: (id: string | null) => ({ type: 'conversations_select', selected_conversation: id }),
  date: (yyyyMmDd: string | null) => ({ type: 'datepicker', selected_date: yyyyMmDd }),
};

export type StateValues = Record<string, Record<string, unknown>>;

/** For modals whose input blocks use the same id as their element (ours do): `{ quantity: v }` → `{ quantity: { quantity: v } }`. */
export function inputValues(byId: Record<string, unknown>): StateValues {
  return Object.fromEntries(Object.entries(byId).map(([id, v]) => [id, { [id]: v }]));
}

// ------------------------------------------------------------------ slash command

export interface SlashCommandInput {
  command?: string;
  text?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  trigger_id?: string;
  response_url?: string;
  team_id?: string;
}

export interface SlashCommandFields {
  token: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  api_app_id: string;
  is_enterprise_install: string;
  response_url: string;
  trigger_id: string;
}

/** Form fields in the order Slack sends them (fixtures `slash-command.*.form.txt`). All values are strings. */
export function slashCommand(p: SlashCommandInput = {}): SlashCommandFields {
  const userId = p.user_id ?? 'U0REQUEST1';
  const channelId = p.channel_id ?? 'C0GENERAL';
  const teamId = p.team_id ?? TEAM_ID;
  return {
    token: VERIFICATION_TOKEN,
    team_id: teamId,
    team_domain: TEAM_DOMAIN,
    channel_id: channelId,
    channel_name: p.channel_name ?? channelName(channelId),
    user_id: userId,
    user_name: p.user_name ?? userOf(userId).username,
    command: p.command ?? '/purchase',
    text: p.text ?? '',
    api_app_id: APP_ID,
    is_enterprise_install: 'false',
    response_url: p.response_url ?? placeholderResponseUrl('commands'),
    trigger_id: p.trigger_id ?? mintTriggerId(),
  };
}

// ------------------------------------------------------------------ block_actions

export interface BlockActionsInput {
  action_id: string;
  /** default: the block holding the element with this action_id (and `value`, when given) */
  block_id?: string;
  /** default: the element's own value */
  value?: string;
  user?: string;
  /** a message surface: a FakeMessage (from fake.messages()) or a message object with ts and blocks */
  message?: FakeMessage | Obj;
  /** default: message.channel */
  channel_id?: string;
  /** a modal surface instead of a message */
  view?: FakeView | Obj;
  /** for selects: the option picked */
  selected_option?: { value: string; text?: string };
  state?: StateValues;
  trigger_id?: string;
  response_url?: string;
  team_id?: string;
}

interface FoundElement {
  block_id: string;
  element: Obj;
}

/** Finds an interactive element by action_id in a blocks array (actions, section accessory, input). */
export function findElement(blocks: unknown, actionId: string, value?: string): FoundElement | undefined {
  if (!Array.isArray(blocks)) return undefined;
  const hits: FoundElement[] = [];
  for (const b of blocks) {
    if (!isObj(b)) continue;
    const blockId = typeof b.block_id === 'string' ? b.block_id : '';
    const candidates: unknown[] = [
      ...(Array.isArray(b.elements) ? (b.elements as unknown[]) : []),
      b.accessory,
      b.element,
    ];
    for (const el of candidates)
      if (isObj(el) && el.action_id === actionId) hits.push({ block_id: blockId, element: el });
  }
  return hits.find((h) => value === undefined || h.element.value === value) ?? hits[0];
}

function messagePayloadOf(m: FakeMessage | Obj, teamId: string): Obj {
  // What Slack puts in `message`: the message as channel members see it (metadata is not included).
  const out: Obj = { type: 'message', text: m.text ?? '', user: m.user, ts: m.ts, team: teamId };
  if (m.bot_id !== undefined) out.bot_id = m.bot_id;
  if (m.app_id !== undefined) out.app_id = m.app_id;
  if (m.blocks !== undefined) out.blocks = m.blocks;
  if (m.attachments !== undefined) out.attachments = m.attachments;
  if (m.thread_ts !== undefined) out.thread_ts = m.thread_ts;
  if (m.files !== undefined) out.files = m.files;
  if (m.edited !== undefined) out.edited = m.edited;
  return out;
}

export function blockActions(p: BlockActionsInput): Obj {
  const teamId = p.team_id ?? TEAM_ID;
  const userId = p.user ?? 'U0APPROVE1';
  const surfaceBlocks = p.message?.blocks ?? p.view?.blocks;
  const found = findElement(surfaceBlocks, p.action_id, p.value);
  const el = found?.element ?? {};
  const type = typeof el.type === 'string' ? el.type : p.selected_option ? 'static_select' : 'button';
  const action: Obj = {
    action_id: p.action_id,
    block_id: p.block_id ?? found?.block_id ?? slackId('').slice(0, 4),
    type,
    action_ts: actionTs(),
  };
  if (type === 'button') {
    action.text = el.text ?? plain('Button');
    const value = p.value ?? el.value;
    if (value !== undefined) action.value = value;
    if (el.style !== undefined) action.style = el.style;
  } else if (p.selected_option) {
    action.selected_option = picked(p.selected_option.value, p.selected_option.text);
    if (el.placeholder !== undefined) action.placeholder = el.placeholder;
  } else if (p.value !== undefined) {
    action.value = p.value;
  }
  const payload: Obj = {
    type: 'block_actions',
    user: userOf(userId, teamId),
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
  };
  if (p.view) {
    const view = p.view as Obj;
    payload.container = { type: 'view', view_id: view.id };
    payload.trigger_id = p.trigger_id ?? mintTriggerId();
    payload.team = { id: teamId, domain: TEAM_DOMAIN };
    payload.enterprise = null;
    payload.is_enterprise_install = false;
    payload.view = {
      ...view,
      state: { values: p.state ?? (isObj(view.state) ? (view.state.values ?? {}) : {}) },
    };
  } else {
    const message = p.message ?? { ts: actionTs(), text: '', blocks: [] };
    const channelId = p.channel_id ?? (typeof message.channel === 'string' ? message.channel : 'C0APPROVALS');
    payload.container = {
      type: 'message',
      message_ts: message.ts,
      channel_id: channelId,
      is_ephemeral: false,
    };
    payload.trigger_id = p.trigger_id ?? mintTriggerId();
    payload.team = { id: teamId, domain: TEAM_DOMAIN };
    payload.enterprise = null;
    payload.is_enterprise_install = false;
    payload.channel = { id: channelId, name: channelName(channelId) };
    payload.message = messagePayloadOf(message, teamId);
    payload.state = { values: p.state ?? {} };
    payload.response_url = p.response_url ?? placeholderResponseUrl('actions');
  }
  payload.actions = [action];
  return payload;
}

// ------------------------------------------------------------------ view_submission / view_closed

export interface ViewSubmissionInput {
  /** the view as the fake stored it (fake.views.get(id)); fields below override it */
  view?: FakeView | Obj;
  callback_id?: string;
  /** `state.values`; see stateValue and inputValues */
  values?: StateValues;
  private_metadata?: string;
  view_id?: string;
  hash?: string;
  user?: string;
  trigger_id?: string;
  response_urls?: Array<{ block_id: string; action_id: string; channel_id: string; response_url: string }>;
  team_id?: string;
}

function viewFor(
  p: {
    view?: FakeView | Obj;
    callback_id?: string;
    private_metadata?: string;
    view_id?: string;
    hash?: string;
  },
  teamId: string,
  values: StateValues,
): Obj {
  const base: Obj = p.view
    ? structuredClone(p.view as Obj)
    : {
        id: p.view_id ?? slackId('V'),
        team_id: teamId,
        type: 'modal',
        blocks: [] as Block[],
        private_metadata: '',
        callback_id: '',
        hash: `${Math.floor(Date.now() / 1000)}.${slackId('').slice(0, 8)}`,
        title: plain('Purchase'),
        clear_on_close: false,
        notify_on_close: false,
        close: plain('Cancel'),
        submit: plain('Submit'),
        previous_view_id: null,
        app_id: APP_ID,
        external_id: '',
        app_installed_team_id: teamId,
        bot_id: BOT_ID,
      };
  if (p.view_id !== undefined) base.id = p.view_id;
  if (base.root_view_id === undefined) base.root_view_id = base.id;
  if (p.callback_id !== undefined) base.callback_id = p.callback_id;
  if (p.private_metadata !== undefined) base.private_metadata = p.private_metadata;
  if (p.hash !== undefined) base.hash = p.hash;
  base.state = { values };
  return base;
}

export function viewSubmission(p: ViewSubmissionInput = {}): Obj {
  const teamId = p.team_id ?? TEAM_ID;
  return {
    type: 'view_submission',
    team: { id: teamId, domain: TEAM_DOMAIN },
    user: userOf(p.user ?? 'U0REQUEST1', teamId),
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: p.trigger_id ?? mintTriggerId(),
    view: viewFor(p, teamId, p.values ?? {}),
    response_urls: p.response_urls ?? [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

export interface ViewClosedInput {
  view?: FakeView | Obj;
  view_id?: string;
  callback_id?: string;
  private_metadata?: string;
  user?: string;
  is_cleared?: boolean;
  team_id?: string;
}

export function viewClosed(p: ViewClosedInput = {}): Obj {
  const teamId = p.team_id ?? TEAM_ID;
  const stateOf =
    isObj(p.view) && isObj(p.view.state) && isObj(p.view.state.values)
      ? (p.view.state.values as StateValues)
      : {};
  return {
    type: 'view_closed',
    team: { id: teamId, domain: TEAM_DOMAIN },
    user: userOf(p.user ?? 'U0REQUEST1', teamId),
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    view: viewFor(p, teamId, stateOf),
    is_cleared: p.is_cleared ?? false,
    is_enterprise_install: false,
    enterprise: null,
  };
}

// ------------------------------------------------------------------ block_suggestion

export interface BlockSuggestionInput {
  action_id: string;
  /** default: the block holding the element with this action_id in `view` */
  block_id?: string;
  /** what the user typed */
  value: string;
  view?: FakeView | Obj;
  user?: string;
  team_id?: string;
}

export function blockSuggestion(p: BlockSuggestionInput): Obj {
  const teamId = p.team_id ?? TEAM_ID;
  const view = viewFor(
    { view: p.view },
    teamId,
    isObj(p.view) && isObj(p.view.state) && isObj(p.view.state.values)
      ? (p.view.state.values as StateValues)
      : {},
  );
  const found = findElement(view.blocks, p.action_id);
  return {
    type: 'block_suggestion',
    user: userOf(p.user ?? 'U0REQUEST1', teamId),
    container: { type: 'view', view_id: view.id },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    action_id: p.action_id,
    block_id: p.block_id ?? found?.block_id ?? p.action_id,
    value: p.value,
    team: { id: teamId, domain: TEAM_DOMAIN },
    enterprise: null,
    is_enterprise_install: false,
    view,
  };
}

// ------------------------------------------------------------------ sending

export type InboundKind =
  | 'command'
  | 'interactive'
  | 'block_actions'
  | 'view_submission'
  | 'view_closed'
  | 'block_suggestion'
  | 'event';

export interface SendOptions {
  /** unix seconds for X-Slack-Request-Timestamp; default now */
  timestamp?: number;
  /** send this signature instead of the right one */
  signature?: string;
  /** X-Slack-Retry-Num / X-Slack-Retry-Reason */
  retryNum?: number;
  retryReason?: string;
  /** default: exactly `application/x-www-form-urlencoded` (Bolt compares the string), JSON for events */
  contentType?: string;
  /** Slack gives up after 3 s; so does this (rejects) */
  timeoutMs?: number;
}

export interface InboundResult {
  status: number;
  body: string;
  json?: unknown;
  headers: Record<string, string>;
  elapsedMs: number;
}

export interface SentResult<P> extends InboundResult {
  /** what was sent (e.g. to read the trigger_id or response_url used) */
  payload: P;
}

export function encodeInbound(kind: InboundKind, payload: unknown): { body: string; contentType: string } {
  if (kind === 'event') return { body: JSON.stringify(payload), contentType: 'application/json' };
  if (kind === 'command') {
    const fields = Object.entries(payload as object).map(([k, v]): [string, string] => [
      k,
      typeof v === 'string' ? v : JSON.stringify(v),
    ]);
    return { body: new URLSearchParams(fields).toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  return {
    body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    contentType: 'application/x-www-form-urlencoded',
  };
}

class InboundTimeout extends Error {}

/** One POST on its own connection (no keep-alive), so stopping the bot's server never waits on an idle socket. */
function postOnce(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          clearTimeout(timer);
          const flat: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: flat,
          });
        });
      },
    );
    const timer = setTimeout(() => req.destroy(new InboundTimeout()), timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

export class SlackInbound {
  private readonly fake: SlackFake | undefined;
  private readonly timeoutMs: number;

  constructor(
    readonly botUrl: string,
    private readonly signingSecret: string,
    opts: { fake?: SlackFake; timeoutMs?: number } = {},
  ) {
    this.fake = opts.fake;
    this.timeoutMs = opts.timeoutMs ?? 3000;
  }

  async send(kind: InboundKind, payload: unknown, opts: SendOptions = {}): Promise<InboundResult> {
    const encoded = encodeInbound(kind, payload);
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const signed = sign(this.signingSecret, encoded.body, timestamp);
    const headers: Record<string, string> = {
      'content-type': opts.contentType ?? encoded.contentType,
      'x-slack-request-timestamp': signed['x-slack-request-timestamp'],
      'x-slack-signature': opts.signature ?? signed['x-slack-signature'],
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (opts.retryNum !== undefined) headers['x-slack-retry-num'] = String(opts.retryNum);
    if (opts.retryReason !== undefined) headers['x-slack-retry-reason'] = opts.retryReason;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const started = Date.now();
    const res = await postOnce(this.botUrl, headers, encoded.body, timeoutMs).catch((err: unknown) => {
      if (err instanceof InboundTimeout)
        throw new Error(
          `the bot did not answer a ${kind} within ${timeoutMs} ms; Slack would show the user an error`,
        );
      throw err;
    });
    const out: InboundResult = {
      status: res.status,
      body: res.body,
      headers: res.headers,
      elapsedMs: Date.now() - started,
    };
    if ((res.headers['content-type'] ?? '').includes('json') && res.body !== '') {
      try {
        out.json = JSON.parse(res.body) as unknown;
      } catch {
        // leave json unset
      }
    }
    return out;
  }

  async command(p: SlashCommandInput = {}, opts?: SendOptions): Promise<SentResult<SlashCommandFields>> {
    const userId = p.user_id ?? 'U0REQUEST1';
    const channelId = p.channel_id ?? 'C0GENERAL';
    const payload = slashCommand({
      ...p,
      trigger_id: p.trigger_id ?? this.fake?.issueTriggerId(),
      response_url: p.response_url ?? this.fake?.responseUrl({ channel: channelId, user: userId }),
    });
    return { ...(await this.send('command', payload, opts)), payload };
  }

  async action(p: BlockActionsInput, opts?: SendOptions): Promise<SentResult<Obj>> {
    const viewId = p.view && typeof p.view.id === 'string' ? p.view.id : undefined;
    let responseUrl = p.response_url;
    if (responseUrl === undefined && this.fake && !p.view) {
      const channel =
        p.channel_id ?? (p.message && typeof p.message.channel === 'string' ? p.message.channel : undefined);
      const ts = p.message && typeof p.message.ts === 'string' ? p.message.ts : undefined;
      const threadTs = p.message && typeof p.message.thread_ts === 'string' ? p.message.thread_ts : undefined;
      responseUrl = this.fake.responseUrl({ channel, messageTs: ts, user: p.user ?? 'U0APPROVE1', threadTs });
    }
    const payload = blockActions({
      ...p,
      trigger_id: p.trigger_id ?? this.fake?.issueTriggerId({ viewId }),
      response_url: responseUrl,
    });
    return { ...(await this.send('interactive', payload, opts)), payload };
  }

  async submit(p: ViewSubmissionInput, opts?: SendOptions): Promise<SentResult<Obj>> {
    const viewId = p.view_id ?? (p.view && typeof p.view.id === 'string' ? p.view.id : undefined);
    const payload = viewSubmission({
      ...p,
      trigger_id: p.trigger_id ?? this.fake?.issueTriggerId({ viewId }),
    });
    const res = await this.send('interactive', payload, opts);
    // Slack acts on the ack: close, update, push or show errors.
    if (this.fake && viewId && res.status === 200) this.fake.applyViewAck(viewId, res.json ?? {});
    return { ...res, payload };
  }

  async options(p: BlockSuggestionInput, opts?: SendOptions): Promise<SentResult<Obj>> {
    const payload = blockSuggestion(p);
    return { ...(await this.send('interactive', payload, opts)), payload };
  }

  async closed(p: ViewClosedInput, opts?: SendOptions): Promise<SentResult<Obj>> {
    const payload = viewClosed(p);
    // The user closed it: Slack closes the view whatever the app answers.
    const viewId = p.view_id ?? (p.view && typeof p.view.id === 'string' ? p.view.id : undefined);
    if (this.fake && viewId)
      this.fake.applyViewAck(viewId, { response_action: p.is_cleared ? 'clear' : undefined });
    return { ...(await this.send('interactive', payload, opts)), payload };
  }
}
