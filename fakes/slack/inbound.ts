/**
 * Acting as Slack towards the bot, in either of the two ways Slack delivers:
 *
 * - HTTP (default): signed POSTs to the bot's `/slack/events`, with bodies shaped like the payloads in
 *   test/fixtures/slack/inbound (commands form-encoded; interactivity as a form with one `payload` field;
 *   events as JSON; ssl_check form-encoded).
 * - Socket Mode: the same payloads as envelopes over the fake's WebSocket (fake.socketMode), acked by
 *   the bot's `{ envelope_id, payload }`.
 *
 *   const slack = new SlackInbound('http://127.0.0.1:3000/slack/events', SIGNING_SECRET, { fake });
 *   const slack = SlackInbound.socket(fake);           // the bot runs with SLACK_APP_TOKEN = fake.appToken
 *   const { status, json } = await slack.command({ text: 'help', user_id: 'U0REQUEST1' });
 *
 * Either way the result looks like an HTTP answer (`status`, `body`, `json`), and Slack's reaction to
 * the answer is applied in the fake: a command's text shows as an ephemeral (or in the channel), a
 * view_submission's response_action closes/updates/pushes the view or shows errors, an options answer is
 * checked. With `fake`, trigger ids and response_urls come from the Slack fake, so views.open/push
 * accept them and what the bot posts to response_url is recorded there.
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { BlockErrors, checkBlocks } from './blockkit';
import { mintTriggerId, slackId } from './ids';
import {
  APP_ID,
  BOT_ID,
  BOT_USER_ID,
  DEFAULT_CHANNELS,
  findSeededUser,
  OTHER_TEAM_DOMAIN,
  OTHER_TEAM_ID,
  TEAM_DOMAIN,
  TEAM_ID,
  VERIFICATION_TOKEN,
} from './seed';
import type { EnvelopeType } from './socket';
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

/**
 * Where a payload comes from. Default: the user's own workspace (the fake's team, or T0OTHER001 for
 * U0FOREIGN1). Shapes follow the fixtures: an Enterprise Grid workspace adds `enterprise_id` /
 * `enterprise_name` to `team` and an `enterprise` object (`view-submission.slack-connect.json`); an
 * org-wide install sends `team: null` with `is_enterprise_install: true` (`block-actions.org-install.json`,
 * `slash-command.org-install.form.txt`).
 */
export interface Origin {
  team_id?: string;
  enterprise?: { id: string; name: string } | null;
  is_enterprise_install?: boolean;
}

/** The workspace a seeded user belongs to. */
export function homeTeamOf(userId: string): string {
  return findSeededUser(userId)?.teamId ?? TEAM_ID;
}

function teamDomain(teamId: string): string {
  if (teamId === TEAM_ID) return TEAM_DOMAIN;
  if (teamId === OTHER_TEAM_ID) return OTHER_TEAM_DOMAIN;
  return teamId.toLowerCase();
}

function teamIdOf(userId: string, o: Origin): string {
  return o.team_id ?? homeTeamOf(userId);
}

/** `team` of an interactive payload: null for an org-wide install. */
function teamObject(userId: string, o: Origin): Obj | null {
  if (o.is_enterprise_install) return null;
  const id = teamIdOf(userId, o);
  const team: Obj = { id, domain: teamDomain(id) };
  if (o.enterprise) {
    team.enterprise_id = o.enterprise.id;
    team.enterprise_name = o.enterprise.name;
  }
  return team;
}

function userOf(id: string, teamId = homeTeamOf(id)): PayloadUser {
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

function placeholderResponseUrl(kind: 'commands' | 'actions' | 'app'): string {
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

export interface SlashCommandInput extends Origin {
  command?: string;
  text?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  trigger_id?: string;
  response_url?: string;
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
  enterprise_id?: string;
  enterprise_name?: string;
  response_url: string;
  trigger_id: string;
}

/** Form fields in the order Slack sends them (fixtures `slash-command.*.form.txt`). All values are strings. */
export function slashCommand(p: SlashCommandInput = {}): SlashCommandFields {
  const userId = p.user_id ?? 'U0REQUEST1';
  const channelId = p.channel_id ?? 'C0GENERAL';
  const teamId = teamIdOf(userId, p);
  const fields: SlashCommandFields = {
    token: VERIFICATION_TOKEN,
    team_id: teamId,
    team_domain: teamDomain(teamId),
    channel_id: channelId,
    channel_name: p.channel_name ?? channelName(channelId),
    user_id: userId,
    user_name: p.user_name ?? userOf(userId).username,
    command: p.command ?? '/purchase',
    text: p.text ?? '',
    api_app_id: APP_ID,
    is_enterprise_install: p.is_enterprise_install ? 'true' : 'false',
    response_url: '',
    trigger_id: '',
  };
  if (p.enterprise) {
    fields.enterprise_id = p.enterprise.id;
    fields.enterprise_name = p.enterprise.name;
  }
  // Property order as Slack sends them (response_url and trigger_id last).
  const { response_url: _r, trigger_id: _t, ...head } = fields;
  return {
    ...head,
    response_url: p.response_url ?? placeholderResponseUrl('commands'),
    trigger_id: p.trigger_id ?? mintTriggerId(),
  };
}

// ------------------------------------------------------------------ block_actions

export interface BlockActionsInput extends Origin {
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

function messagePayloadOf(m: FakeMessage | Obj): Obj {
  // What Slack puts in `message`: the message as channel members see it (metadata is not included).
  // Messages in the fake are the bot's, so `team` is the bot's workspace.
  const out: Obj = { type: 'message', text: m.text ?? '', user: m.user, ts: m.ts, team: TEAM_ID };
  if (m.bot_id !== undefined) out.bot_id = m.bot_id;
  if (m.app_id !== undefined) out.app_id = m.app_id;
  if (m.blocks !== undefined) out.blocks = m.blocks;
  if (m.attachments !== undefined) out.attachments = m.attachments;
  if (m.thread_ts !== undefined) out.thread_ts = m.thread_ts;
  if (m.files !== undefined) out.files = m.files;
  if (m.edited !== undefined) out.edited = m.edited;
  if (m.subtype !== undefined) out.subtype = m.subtype;
  return out;
}

export function blockActions(p: BlockActionsInput): Obj {
  const userId = p.user ?? 'U0APPROVE1';
  const teamId = teamIdOf(userId, p);
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
    payload.team = teamObject(userId, p);
    payload.enterprise = p.enterprise ?? null;
    payload.is_enterprise_install = p.is_enterprise_install ?? false;
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
    payload.team = teamObject(userId, p);
    payload.enterprise = p.enterprise ?? null;
    payload.is_enterprise_install = p.is_enterprise_install ?? false;
    payload.channel = { id: channelId, name: channelName(channelId) };
    payload.message = messagePayloadOf(message);
    payload.state = { values: p.state ?? {} };
    payload.response_url = p.response_url ?? placeholderResponseUrl('actions');
  }
  payload.actions = [action];
  return payload;
}

// ------------------------------------------------------------------ view_submission / view_closed

export interface ViewSubmissionInput extends Origin {
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
  const userId = p.user ?? 'U0REQUEST1';
  const teamId = teamIdOf(userId, p);
  return {
    type: 'view_submission',
    team: teamObject(userId, p),
    user: userOf(userId, teamId),
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    trigger_id: p.trigger_id ?? mintTriggerId(),
    view: viewFor(p, teamId, p.values ?? {}),
    response_urls: p.response_urls ?? [],
    is_enterprise_install: p.is_enterprise_install ?? false,
    enterprise: p.enterprise ?? null,
  };
}

export interface ViewClosedInput extends Origin {
  view?: FakeView | Obj;
  view_id?: string;
  callback_id?: string;
  private_metadata?: string;
  user?: string;
  is_cleared?: boolean;
}

export function viewClosed(p: ViewClosedInput = {}): Obj {
  const userId = p.user ?? 'U0REQUEST1';
  const teamId = teamIdOf(userId, p);
  const stateOf =
    isObj(p.view) && isObj(p.view.state) && isObj(p.view.state.values)
      ? (p.view.state.values as StateValues)
      : {};
  return {
    type: 'view_closed',
    team: teamObject(userId, p),
    user: userOf(userId, teamId),
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    view: viewFor(p, teamId, stateOf),
    is_cleared: p.is_cleared ?? false,
    is_enterprise_install: p.is_enterprise_install ?? false,
    enterprise: p.enterprise ?? null,
  };
}

// ------------------------------------------------------------------ block_suggestion

export interface BlockSuggestionInput extends Origin {
  action_id: string;
  /** default: the block holding the element with this action_id in `view` */
  block_id?: string;
  /** what the user typed */
  value: string;
  view?: FakeView | Obj;
  user?: string;
}

export function blockSuggestion(p: BlockSuggestionInput): Obj {
  const userId = p.user ?? 'U0REQUEST1';
  const teamId = teamIdOf(userId, p);
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
    user: userOf(userId, teamId),
    container: { type: 'view', view_id: view.id },
    api_app_id: APP_ID,
    token: VERIFICATION_TOKEN,
    action_id: p.action_id,
    block_id: p.block_id ?? found?.block_id ?? p.action_id,
    value: p.value,
    team: teamObject(userId, p),
    enterprise: p.enterprise ?? null,
    is_enterprise_install: p.is_enterprise_install ?? false,
    view,
  };
}

// ------------------------------------------------------------------ shortcuts

export interface GlobalShortcutInput extends Origin {
  callback_id: string;
  user?: string;
  trigger_id?: string;
}

/**
 * A global shortcut (`type: shortcut`), docs.slack.dev "Shortcuts interaction payload"; shape as in
 * bolt-python's test payload (fixture inbound/shortcut.global.bolt-python.json): no channel, no
 * response_url.
 */
export function globalShortcut(p: GlobalShortcutInput): Obj {
  const userId = p.user ?? 'U0REQUEST1';
  const teamId = teamIdOf(userId, p);
  const user = userOf(userId, teamId);
  const payload: Obj = {
    type: 'shortcut',
    token: VERIFICATION_TOKEN,
    action_ts: actionTs(),
    team: teamObject(userId, p),
    user: { id: user.id, username: user.username, team_id: user.team_id },
    is_enterprise_install: p.is_enterprise_install ?? false,
    enterprise: p.enterprise ?? null,
    callback_id: p.callback_id,
    trigger_id: p.trigger_id ?? mintTriggerId(),
  };
  return payload;
}

export interface MessageShortcutInput extends Origin {
  callback_id: string;
  /** the message the shortcut was used on: a FakeMessage or a message object with ts */
  message: FakeMessage | Obj;
  /** default: message.channel */
  channel_id?: string;
  user?: string;
  trigger_id?: string;
  response_url?: string;
}

/** A message shortcut (`type: message_action`); fixture inbound/message-action.bolt-python.json. */
export function messageShortcut(p: MessageShortcutInput): Obj {
  const userId = p.user ?? 'U0REQUEST1';
  const channelId = p.channel_id ?? (typeof p.message.channel === 'string' ? p.message.channel : 'C0GENERAL');
  const user = userOf(userId, teamIdOf(userId, p));
  return {
    type: 'message_action',
    token: VERIFICATION_TOKEN,
    action_ts: actionTs(),
    team: teamObject(userId, p),
    user: { id: user.id, name: user.name, team_id: user.team_id },
    channel: { id: channelId, name: channelName(channelId) },
    is_enterprise_install: p.is_enterprise_install ?? false,
    enterprise: p.enterprise ?? null,
    callback_id: p.callback_id,
    trigger_id: p.trigger_id ?? mintTriggerId(),
    message_ts: p.message.ts,
    message: messagePayloadOf(p.message),
    response_url: p.response_url ?? placeholderResponseUrl('app'),
  };
}

// ------------------------------------------------------------------ Events API

export interface EventCallbackInput extends Origin {
  /** the inner event; `type` required, `event_ts` filled in when absent */
  event: Obj;
  event_id?: string;
  /** unix seconds */
  event_time?: number;
}

/**
 * The outer event (`type: event_callback`), docs.slack.dev "The Events API" (Callback field overview):
 * token, team_id, api_app_id, event, type, event_id, event_time, authorizations, is_ext_shared_channel,
 * event_context, context_team_id, context_enterprise_id. `authorizations` names the bot's installation.
 */
export function eventCallback(p: EventCallbackInput): Obj {
  const teamId = p.team_id ?? TEAM_ID;
  const enterpriseId = p.enterprise?.id ?? null;
  const event: Obj = { ...p.event };
  if (event.event_ts === undefined) event.event_ts = actionTs();
  const out: Obj = { token: VERIFICATION_TOKEN, team_id: teamId };
  if (enterpriseId) out.enterprise_id = enterpriseId;
  Object.assign(out, {
    api_app_id: APP_ID,
    event,
    type: 'event_callback',
    event_id: p.event_id ?? `Ev${slackId('')}`,
    event_time: p.event_time ?? Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: enterpriseId,
        team_id: p.is_enterprise_install ? null : teamId,
        user_id: BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: p.is_enterprise_install ?? false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(`${String(event.type)}-${teamId}`).toString('base64url')}`,
    context_team_id: teamId,
    context_enterprise_id: enterpriseId,
  });
  return out;
}

export interface AppHomeOpenedInput extends Origin {
  user?: string;
  /** default 'home' */
  tab?: 'home' | 'messages';
  /** the app's DM channel with the user; default the fake's (fake.dmChannelId) */
  channel?: string;
  /** the Home tab view the user sees; default the one the fake holds for the user (tab home only) */
  view?: FakeView | Obj | null;
}

/**
 * The inner `app_home_opened` event (docs.slack.dev reference/events/app_home_opened and the Socket Mode
 * page's "App Home interactions"): user, channel (the app's DM with the user), tab, event_ts, and the
 * published Home tab `view` when there is one.
 */
export function appHomeOpened(p: AppHomeOpenedInput = {}): Obj {
  const event: Obj = {
    type: 'app_home_opened',
    user: p.user ?? 'U0REQUEST1',
    channel: p.channel ?? `D${slackId('').slice(0, 10)}`,
    tab: p.tab ?? 'home',
    event_ts: actionTs(),
  };
  if (p.view) event.view = p.view;
  return event;
}

/** docs.slack.dev "Using HTTP request URLs" / url_verification event: token, challenge, type. */
export function urlVerification(challenge = slackId('').repeat(5)): Obj {
  return { token: VERIFICATION_TOKEN, challenge, type: 'url_verification' };
}

/**
 * Slack's certificate check of a Request URL: a form-encoded POST of `ssl_check=1` and the (deprecated)
 * verification `token` (docs.slack.dev "Implementing slash commands", SSL certificate check).
 */
export function sslCheck(): Record<string, string> {
  return { ssl_check: '1', token: VERIFICATION_TOKEN };
}

// ------------------------------------------------------------------ sending

export type InboundKind =
  | 'command'
  | 'interactive'
  | 'block_actions'
  | 'view_submission'
  | 'view_closed'
  | 'block_suggestion'
  | 'event'
  | 'ssl_check';

export type InboundMode = 'http' | 'socket';

export interface SendOptions {
  /** HTTP: unix seconds for X-Slack-Request-Timestamp; default now */
  timestamp?: number;
  /** HTTP: send this signature instead of the right one */
  signature?: string;
  /**
   * A delivery that says it is a retry: X-Slack-Retry-Num / X-Slack-Retry-Reason over HTTP,
   * `retry_attempt` / `retry_reason` in a Socket Mode envelope. Sent once, as given.
   */
  retryNum?: number;
  retryReason?: string;
  /**
   * Events only. 'slack' (default): an event the bot does not take (no 2xx within 3 s over HTTP, no ack
   * within 3 s over the socket) is sent again up to 3 times, as docs.slack.dev "The Events API" (Retries)
   * says. 'none': one attempt.
   */
  retries?: 'slack' | 'none';
  /** Waits before retries 1..3; Slack's: nearly immediately, 1 minute, 5 minutes */
  retryDelaysMs?: readonly number[];
  /** HTTP: default exactly `application/x-www-form-urlencoded` (Bolt compares the string), JSON for events */
  contentType?: string;
  /** Slack gives up after 3 s; so does this (rejects) */
  timeoutMs?: number;
}

export interface InboundResult {
  /** the HTTP status; 200 for an acked Socket Mode envelope */
  status: number;
  /** the HTTP body; for Socket Mode the ack's payload as JSON, '' when it had none */
  body: string;
  /** the body parsed when it was JSON; for Socket Mode the ack payload, when it had any fields */
  json?: unknown;
  headers: Record<string, string>;
  elapsedMs: number;
  mode: InboundMode;
  /** deliveries made, retries included (events) */
  attempts: number;
  /** Socket Mode: the envelope ids sent, first one first */
  envelopeIds?: string[];
}

export interface SentResult<P> extends InboundResult {
  /** what was sent (e.g. to read the trigger_id or response_url used) */
  payload: P;
}

export interface OptionsResult extends SentResult<Obj> {
  /** the `options` or `option_groups` of the answer, as Slack would show them */
  options?: unknown[];
  option_groups?: unknown[];
}

export function encodeInbound(kind: InboundKind, payload: unknown): { body: string; contentType: string } {
  if (kind === 'event') return { body: JSON.stringify(payload), contentType: 'application/json' };
  if (kind === 'command' || kind === 'ssl_check') {
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

/** The bot did not answer within Slack's time. */
export class InboundTimeout extends Error {}

const SLACK_RETRY_DELAYS_MS = [0, 60_000, 300_000] as const;

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

function envelopeTypeOf(kind: InboundKind): EnvelopeType {
  if (kind === 'command') return 'slash_commands';
  if (kind === 'event') return 'events_api';
  return 'interactive';
}

const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

export interface SlackInboundOptions {
  fake?: SlackFake;
  /** how long Slack waits for an answer; 3 s */
  timeoutMs?: number;
  /** 'http' (default) or 'socket' (needs `fake`; the bot must be connected to fake.socketMode) */
  mode?: InboundMode;
  /** default waits before event retries 1..3 (see SendOptions.retryDelaysMs) */
  retryDelaysMs?: readonly number[];
}

export class SlackInbound {
  readonly mode: InboundMode;
  private readonly fake: SlackFake | undefined;
  private readonly timeoutMs: number;
  /** set only when the caller chose one; otherwise Socket Mode uses the fake's ack timeout */
  private readonly chosenTimeoutMs: number | undefined;
  private readonly retryDelaysMs: readonly number[] | undefined;

  constructor(
    readonly botUrl: string,
    private readonly signingSecret: string,
    opts: SlackInboundOptions = {},
  ) {
    this.fake = opts.fake;
    this.timeoutMs = opts.timeoutMs ?? 3000;
    this.chosenTimeoutMs = opts.timeoutMs;
    this.mode = opts.mode ?? 'http';
    this.retryDelaysMs = opts.retryDelaysMs;
    if (this.mode === 'socket' && !this.fake)
      throw new Error('SlackInbound: Socket Mode delivers through the fake; pass { fake }');
  }

  /** A helper that delivers over the fake's Socket Mode connections instead of HTTP. */
  static socket(fake: SlackFake, opts: Omit<SlackInboundOptions, 'fake' | 'mode'> = {}): SlackInbound {
    return new SlackInbound('', '', { ...opts, fake, mode: 'socket' });
  }

  /** Either mode behind one call, for tests that run the same journey both ways. */
  static create(
    opts: SlackInboundOptions & { mode: InboundMode; botUrl?: string; signingSecret?: string },
  ): SlackInbound {
    if (opts.mode === 'http' && (opts.botUrl === undefined || opts.signingSecret === undefined))
      throw new Error('SlackInbound: HTTP mode needs botUrl and signingSecret');
    return new SlackInbound(opts.botUrl ?? '', opts.signingSecret ?? '', opts);
  }

  async send(kind: InboundKind, payload: unknown, opts: SendOptions = {}): Promise<InboundResult> {
    this.assertDeclared(kind, payload);
    if (this.mode === 'socket') return this.overSocket(kind, payload, opts);
    const retryLikeSlack =
      kind === 'event' && (opts.retries ?? 'slack') === 'slack' && opts.retryNum === undefined;
    if (retryLikeSlack) return this.eventOverHttp(payload, opts);
    return { ...(await this.postHttp(kind, payload, opts)), attempts: 1 };
  }

  // ---------------------------------------------------------------- what users do

  async command(p: SlashCommandInput = {}, opts?: SendOptions): Promise<SentResult<SlashCommandFields>> {
    const userId = p.user_id ?? 'U0REQUEST1';
    const channelId = p.channel_id ?? 'C0GENERAL';
    const payload = slashCommand({
      ...p,
      trigger_id: p.trigger_id ?? this.fake?.issueTriggerId(),
      response_url: p.response_url ?? this.fake?.responseUrl({ channel: channelId, user: userId }),
    });
    const res = await this.send('command', payload, opts);
    // Slack shows the immediate answer: an ephemeral for the user, or a message with in_channel.
    if (this.fake && res.status === 200) {
      const answer = res.json ?? (res.body !== '' ? res.body : undefined);
      if (answer !== undefined) this.fake.applyCommandAck({ channel: channelId, user: userId }, answer);
    }
    return { ...res, payload };
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

  async options(p: BlockSuggestionInput, opts?: SendOptions): Promise<OptionsResult> {
    const payload = blockSuggestion(p);
    const res = await this.send('interactive', payload, opts);
    const out: OptionsResult = { ...res, payload };
    if (res.status === 200 && isObj(res.json)) {
      const errors = checkOptionsAnswer(res.json);
      if (!errors.ok)
        throw new Error(`the bot's options answer is one Slack would refuse: ${errors.messages.join('; ')}`);
      if (Array.isArray(res.json.options)) out.options = res.json.options;
      if (Array.isArray(res.json.option_groups)) out.option_groups = res.json.option_groups;
    }
    return out;
  }

  async closed(p: ViewClosedInput, opts?: SendOptions): Promise<SentResult<Obj>> {
    const payload = viewClosed(p);
    // The user closed it: Slack closes the view whatever the app answers.
    const viewId = p.view_id ?? (p.view && typeof p.view.id === 'string' ? p.view.id : undefined);
    if (this.fake && viewId)
      this.fake.applyViewAck(viewId, { response_action: p.is_cleared ? 'clear' : undefined });
    return { ...(await this.send('interactive', payload, opts)), payload };
  }

  /** A global shortcut; its trigger_id comes from the fake, so it opens a modal there. */
  async shortcut(p: GlobalShortcutInput, opts?: SendOptions): Promise<SentResult<Obj>> {
    const payload = globalShortcut({ ...p, trigger_id: p.trigger_id ?? this.fake?.issueTriggerId() });
    return { ...(await this.send('interactive', payload, opts)), payload };
  }

  /** A message shortcut on a message; its response_url acts on that message in the fake. */
  async messageShortcut(p: MessageShortcutInput, opts?: SendOptions): Promise<SentResult<Obj>> {
    const channel = p.channel_id ?? (typeof p.message.channel === 'string' ? p.message.channel : 'C0GENERAL');
    const ts = typeof p.message.ts === 'string' ? p.message.ts : undefined;
    const payload = messageShortcut({
      ...p,
      trigger_id: p.trigger_id ?? this.fake?.issueTriggerId(),
      response_url:
        p.response_url ?? this.fake?.responseUrl({ channel, messageTs: ts, user: p.user ?? 'U0REQUEST1' }),
    });
    return { ...(await this.send('interactive', payload, opts)), payload };
  }

  /** An Events API delivery of `event` (the inner event), retried like Slack unless `retries: 'none'`. */
  async event(p: EventCallbackInput, opts?: SendOptions): Promise<SentResult<Obj>> {
    const payload = eventCallback(p);
    return { ...(await this.send('event', payload, opts)), payload };
  }

  /** The user opens the app's Home tab (or Messages tab); the event carries the Home view the fake holds. */
  async appHomeOpened(
    p: AppHomeOpenedInput & { event_id?: string } = {},
    opts?: SendOptions,
  ): Promise<SentResult<Obj>> {
    const user = p.user ?? 'U0REQUEST1';
    const tab = p.tab ?? 'home';
    const view = p.view !== undefined ? p.view : tab === 'home' ? this.fake?.homeView(user) : undefined;
    const event = appHomeOpened({
      ...p,
      user,
      tab,
      channel: p.channel ?? this.fake?.dmChannelId(user),
      view: view ?? null,
    });
    return this.event({ ...p, team_id: p.team_id ?? homeTeamOf(user), event }, opts);
  }

  /** Slack checks a new Request URL with a challenge; the bot must echo it. HTTP only. */
  async urlVerification(challenge?: string, opts?: SendOptions): Promise<SentResult<Obj>> {
    if (this.mode === 'socket')
      throw new Error('url_verification is HTTP only: Socket Mode has no Request URL');
    const payload = urlVerification(challenge);
    return { ...(await this.send('event', payload, { retries: 'none', ...opts })), payload };
  }

  /** Slack checks the Request URL's certificate with `ssl_check=1`. HTTP only. */
  async sslCheck(opts?: SendOptions): Promise<SentResult<Record<string, string>>> {
    if (this.mode === 'socket') throw new Error('ssl_check is HTTP only: Socket Mode has no Request URL');
    const payload = sslCheck();
    return { ...(await this.send('ssl_check', payload, opts)), payload };
  }

  /**
   * Slack sends an app only what its configuration declares: its slash commands, its shortcuts (by
   * callback_id and type) and the bot events it subscribes to (docs.slack.dev "App manifest reference";
   * "The Events API", Subscribing to event types). A test that sends anything else tests nothing real.
   */
  private assertDeclared(kind: InboundKind, payload: unknown): void {
    const declared = this.fake?.declared;
    if (!declared || !isObj(payload)) return;
    const refuse = (what: string, where: string): never => {
      throw new Error(
        `Slack would not send ${what}: the app's manifest does not declare it (${where}); add it to manifest.yml or pass startSlackFake({ declared })`,
      );
    };
    if (
      kind === 'command' &&
      typeof payload.command === 'string' &&
      !declared.commands.includes(payload.command)
    )
      refuse(`the command ${payload.command}`, 'features.slash_commands');
    if (payload.type === 'shortcut' || payload.type === 'message_action') {
      const type = payload.type === 'shortcut' ? 'global' : 'message';
      if (!declared.shortcuts.some((s) => s.callback_id === payload.callback_id && s.type === type))
        refuse(`the ${type} shortcut ${String(payload.callback_id)}`, 'features.shortcuts');
    }
    if (kind === 'event' && payload.type === 'event_callback' && isObj(payload.event)) {
      const type = String(payload.event.type);
      if (!declared.botEvents.includes(type))
        refuse(`the event ${type}`, 'settings.event_subscriptions.bot_events');
    }
  }

  // ---------------------------------------------------------------- transports

  private async postHttp(
    kind: InboundKind,
    payload: unknown,
    opts: SendOptions,
  ): Promise<Omit<InboundResult, 'attempts'>> {
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
        throw new InboundTimeout(
          `the bot did not answer a ${kind} within ${timeoutMs} ms; Slack would show the user an error`,
        );
      throw err;
    });
    const out: Omit<InboundResult, 'attempts'> = {
      status: res.status,
      body: res.body,
      headers: res.headers,
      elapsedMs: Date.now() - started,
      mode: 'http',
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

  /**
   * docs.slack.dev "The Events API", Retries: a delivery fails on no 2xx within 3 s (`http_timeout`), a
   * non-2xx (`http_error`) or no connection (`connection_failed`); Slack retries up to 3 times with
   * X-Slack-Retry-Num 1..3 and X-Slack-Retry-Reason, unless a failed answer carries `x-slack-no-retry: 1`.
   */
  private async eventOverHttp(payload: unknown, opts: SendOptions): Promise<InboundResult> {
    const delays = opts.retryDelaysMs ?? this.retryDelaysMs ?? SLACK_RETRY_DELAYS_MS;
    let reason: string | undefined;
    let lastAnswer: Omit<InboundResult, 'attempts'> | undefined;
    let lastError: unknown;
    let attempts = 0;
    const started = Date.now();
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) await sleep(delays[attempt - 1] ?? 0);
      const retry = attempt > 0 ? { retryNum: attempt, retryReason: reason } : {};
      attempts += 1;
      try {
        const res = await this.postHttp('event', payload, { ...opts, ...retry });
        if (res.status >= 200 && res.status < 300)
          return { ...res, attempts, elapsedMs: Date.now() - started };
        lastAnswer = res;
        lastError = undefined;
        reason = 'http_error';
        if (res.headers['x-slack-no-retry'] === '1') break;
      } catch (err) {
        lastError = err;
        lastAnswer = undefined;
        reason = err instanceof InboundTimeout ? 'http_timeout' : 'connection_failed';
      }
    }
    if (lastAnswer) return { ...lastAnswer, attempts, elapsedMs: Date.now() - started };
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }

  private async overSocket(kind: InboundKind, payload: unknown, opts: SendOptions): Promise<InboundResult> {
    const fake = this.fake!;
    if (kind === 'ssl_check') throw new Error('ssl_check is HTTP only: Socket Mode has no Request URL');
    const type = envelopeTypeOf(kind);
    const explicitRetry = opts.retryNum !== undefined;
    const delivery = await fake.socketMode.deliver(type, payload, {
      retry: type === 'events_api' && !explicitRetry && (opts.retries ?? 'slack') === 'slack',
      retryDelaysMs: opts.retryDelaysMs ?? this.retryDelaysMs,
      ackTimeoutMs: opts.timeoutMs ?? this.chosenTimeoutMs,
      ...(explicitRetry ? { retryAttempt: opts.retryNum, retryReason: opts.retryReason ?? 'timeout' } : {}),
    });
    if (!delivery.acked) {
      if (delivery.envelopeIds.length === 0)
        throw new Error(
          `no Socket Mode connection to deliver a ${kind} to; Slack would show the user an error (is the bot connected to fake.socketMode?)`,
        );
      throw new InboundTimeout(
        `the bot did not ack the ${type} envelope in time (${delivery.attempts} attempt(s)); Slack would show the user an error`,
      );
    }
    const ackPayload = delivery.payload;
    const hasFields = isObj(ackPayload) ? Object.keys(ackPayload).length > 0 : ackPayload !== undefined;
    const out: InboundResult = {
      status: 200,
      body: hasFields ? JSON.stringify(ackPayload) : '',
      headers: {},
      elapsedMs: delivery.elapsedMs,
      mode: 'socket',
      attempts: delivery.attempts,
      envelopeIds: delivery.envelopeIds,
    };
    if (hasFields) out.json = ackPayload;
    return out;
  }
}

/**
 * An options answer (block_suggestion ack): `options` (≤100) or `option_groups` (≤100, each ≤100 options),
 * each option plain_text ≤75 with a value ≤150 (docs.slack.dev select menu element, "Select menu of
 * external data source", and the option object).
 */
export function checkOptionsAnswer(answer: Obj): BlockErrors {
  const e = new BlockErrors();
  const block = {
    type: 'section',
    text: { type: 'plain_text', text: 'options' },
    accessory: {
      type: 'static_select',
      action_id: 'answer',
      ...(answer.options !== undefined ? { options: answer.options } : {}),
      ...(answer.option_groups !== undefined ? { option_groups: answer.option_groups } : {}),
    },
  };
  if (answer.options === undefined && answer.option_groups === undefined) {
    e.add('', 'must provide options or option_groups');
    return e;
  }
  checkBlocks(e, [block], '', 1);
  // Report pointers relative to the answer, not to the scaffold block.
  const fixed = new BlockErrors();
  for (const m of e.messages) fixed.messages.push(m.replace('[json-pointer:/0/accessory', '[json-pointer:'));
  return fixed;
}
