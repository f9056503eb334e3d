import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { IDS } from '../../src/slack/ids';

const ROOT = join(__dirname, '..', '..');
const SCHEMAS = join(ROOT, 'test', 'fixtures', 'slack', 'manifest');
/** The root schema `$ref`s the versioned files by these URLs; the local copies are registered under them. */
const SCHEMA_URL = 'https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas';

/**
 * Bot scope each Web API method needs (Slack's method reference). An entry of several scopes means
 * any one of them will do. Methods with no entry need no scope (views.*, auth.test, chat.getPermalink).
 * conversations.info depends on the channel: channels:read for public ones, groups:read for private.
 */
const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  'views.open': [],
  'views.push': [],
  'views.update': [],
  'views.publish': [],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.getPermalink': [],
  'conversations.open': ['im:write'],
  'conversations.info': ['channels:read', 'groups:read'],
  'users.info': ['users:read'],
  'usergroups.users.list': ['usergroups:read'],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
};

/** The methods the bot calls that need a scope. filesUploadV2 is the two files.* methods plus a POST to the upload URL. */
const SCOPED_METHODS = Object.keys(METHOD_SCOPES).filter((m) => (METHOD_SCOPES[m] ?? []).length > 0);

/** Scopes that no single method above explains, with the reason they are still asked for. */
const EXTRA_SCOPES: Record<string, string> = {
  commands: 'receiving the /purchase slash command',
};

interface Manifest {
  _metadata?: { major_version?: number };
  display_information: { name: string };
  features?: {
    app_home?: { home_tab_enabled?: boolean; messages_tab_enabled?: boolean };
    shortcuts?: Array<{ name: string; type: string; callback_id: string; description: string }>;
    bot_user?: { display_name: string };
    slash_commands?: Array<{ command: string; url?: string; usage_hint?: string; description: string }>;
  };
  oauth_config?: { scopes?: { bot?: string[] } };
  settings?: {
    interactivity?: { is_enabled: boolean; request_url?: string; message_menu_options_url?: string };
    event_subscriptions?: { request_url?: string; bot_events?: string[] };
    socket_mode_enabled?: boolean;
    token_rotation_enabled?: boolean;
  };
}

function loadJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')) as Record<string, unknown>;
}

/**
 * Slack's schemas are draft-07, ajv's default dialect (so plain `Ajv`, not ajv/dist/2019 or 2020).
 * They use two non-standard keywords: `regex`, meant as `pattern`, and `_note`, a comment.
 * Strict mode stays on otherwise, so any other unknown keyword still fails loudly.
 */
function compileManifestSchema(): ValidateFunction {
  // strictTypes/strictRequired off: Slack's schema puts `required` in subschemas without `type: object`
  // or the property's definition beside it, which is valid draft-07.
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allowUnionTypes: true,
  });
  addFormats(ajv);
  ajv.addKeyword({
    keyword: 'regex',
    type: 'string',
    schemaType: 'string',
    validate: (re: string, data: string) => new RegExp(re).test(data),
  });
  ajv.addKeyword({ keyword: '_note', schemaType: 'string' });
  ajv.addSchema(loadJson('manifest.schema.1.0.0.json'), `${SCHEMA_URL}/manifest.schema.1.0.0.json`);
  ajv.addSchema(loadJson('manifest.schema.2.0.0.json'), `${SCHEMA_URL}/manifest.schema.2.0.0.json`);
  return ajv.compile(loadJson('manifest.schema.json'));
}

const manifestText = readFileSync(join(ROOT, 'manifest.yml'), 'utf8');
const manifest = parseYaml(manifestText) as Manifest;
const validate = compileManifestSchema();

function errorsOf(doc: unknown): string[] {
  return validate(doc)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

describe('manifest.yml', () => {
  it('enables the Home tab and subscribes to app_home_opened at the bot\'s events path (docs "App Home")', () => {
    expect(manifest.features?.app_home?.home_tab_enabled).toBe(true);
    // The bot DMs requesters and approvers: the Messages tab must stay on (else messages_tab_disabled).
    expect(manifest.features?.app_home?.messages_tab_enabled).toBe(true);
    expect(manifest.settings?.event_subscriptions?.bot_events).toEqual(['app_home_opened']);
    expect(new URL(manifest.settings?.event_subscriptions?.request_url ?? '').pathname).toBe('/slack/events');
  });

  it('declares the global shortcut the bot listens for', () => {
    expect(manifest.features?.shortcuts).toEqual([
      expect.objectContaining({ type: 'global', callback_id: IDS.shortcut, name: 'New purchase request' }),
    ]);
  });

  it('is named in the README as the manifest names the bot', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const invites = [...readme.matchAll(/\/invite @([\w. -]+?)`/g)].map((m) => m[1]);
    expect(invites.length).toBeGreaterThan(0);
    for (const name of invites) expect(name).toBe(manifest.features?.bot_user?.display_name);
  });

  it('parses as YAML into a single document', () => {
    expect(manifest).toEqual(expect.objectContaining({ display_information: expect.any(Object) }));
  });

  it("passes Slack's published manifest schema", () => {
    expect(manifest._metadata?.major_version).toBe(1);
    expect(errorsOf(manifest)).toEqual([]);
  });

  it('would be caught by the schema check if slash_commands sat at the top level, the usual mistake', () => {
    const broken = { ...manifest, slash_commands: manifest.features?.slash_commands };
    expect(errorsOf(broken).length).toBeGreaterThan(0);
  });

  it('would be caught by the schema check with a background colour that is not a hex colour', () => {
    const broken = {
      ...manifest,
      display_information: { ...manifest.display_information, background_color: 'navy!!' },
    };
    expect(errorsOf(broken).length).toBeGreaterThan(0);
  });

  it('declares the /purchase command with a usage hint listing every subcommand', () => {
    const commands = manifest.features?.slash_commands ?? [];
    expect(commands.map((c) => c.command)).toEqual(['/purchase']);
    const hint = commands[0]?.usage_hint ?? '';
    for (const sub of [
      'help',
      'status <id>',
      'mine',
      'balance',
      'invoices',
      'invoice <id>',
      'orders <customer>',
      'entitlements <customer>',
    ]) {
      expect(hint).toContain(sub);
    }
  });

  it("points the command, interactivity and options-load URLs at the path the bot's receiver listens on", () => {
    const urls = [
      manifest.features?.slash_commands?.[0]?.url,
      manifest.settings?.interactivity?.request_url,
      manifest.settings?.interactivity?.message_menu_options_url,
    ];
    expect(manifest.settings?.interactivity?.is_enabled).toBe(true);
    for (const url of urls) {
      expect(url).toMatch(/^https:\/\/[^/]+\/slack\/events$/);
    }
  });

  it('runs in HTTP mode without token rotation by default', () => {
    expect(manifest.settings?.socket_mode_enabled).toBe(false);
    expect(manifest.settings?.token_rotation_enabled).toBe(false);
    // the comment above the setting tells an operator how to switch
    const at = manifestText.indexOf('socket_mode_enabled');
    expect(manifestText.slice(Math.max(0, at - 300), at)).toContain('SLACK_APP_TOKEN');
  });

  it('has a bot user, which chat:write and the slash command need', () => {
    expect(manifest.features?.bot_user?.display_name).toBeTruthy();
  });

  it.each(SCOPED_METHODS)('grants the bot scope that %s needs', (method) => {
    const bot = manifest.oauth_config?.scopes?.bot ?? [];
    const anyOf = METHOD_SCOPES[method] ?? [];
    expect(anyOf.some((s) => bot.includes(s))).toBe(true);
  });

  it('asks for no scope that neither a method the bot calls nor a stated reason explains', () => {
    const bot = manifest.oauth_config?.scopes?.bot ?? [];
    const explained = new Set([...Object.values(METHOD_SCOPES).flat(), ...Object.keys(EXTRA_SCOPES)]);
    expect(bot.filter((s) => !explained.has(s))).toEqual([]);
    expect(bot).toContain('commands');
    expect(new Set(bot).size).toBe(bot.length);
  });

  it('knows the scope of every Slack Web API method the source calls', () => {
    // A method added to the bot without a decision about its scope fails here, not in production.
    const families =
      'chat|views|conversations|users|usergroups|files|auth|reactions|pins|bookmarks|team|dnd|reminders|search|apps';
    const callRe = new RegExp(
      `\\b(?:${families})\\.[a-zA-Z]+(?:\\.[a-zA-Z]+)?(?=\\s*\\()|['"\`](?:${families})\\.[a-zA-Z.]+['"\`]`,
      'g',
    );
    const found = new Set<string>();
    for (const dir of ['src', 'handlers', 'jobs']) {
      for (const file of walk(join(ROOT, dir))) {
        const text = readFileSync(file, 'utf8');
        if (/filesUploadV2|uploadV2/.test(text)) {
          found.add('files.getUploadURLExternal');
          found.add('files.completeUploadExternal');
        }
        if (!/@slack\/(web-api|bolt)|client\b|WebClient/.test(text)) continue;
        for (const m of text.matchAll(callRe)) found.add(m[0].replace(/['"`]/g, ''));
      }
    }
    const unknown = [...found].filter((m) => !(m in METHOD_SCOPES) && m !== 'files.uploadV2');
    expect(unknown).toEqual([]);
  });
});

function walk(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of entries) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else if (/\.ts$/.test(name) && !/\.test\.ts$/.test(name)) out.push(full);
  }
  return out;
}
