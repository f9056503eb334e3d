/**
 * Block Kit as plain text, so a person reading a terminal (the demo, a failing test) sees roughly what
 * Slack shows: headers, sections with their fields, context lines, buttons as `[ Approve ]`, selects and
 * inputs, dividers, and mrkdwn left readable (mentions, dates, links and escapes resolved, the markup
 * characters dropped). Block and element shapes follow docs.slack.dev "Block Kit" reference (blocks,
 * block elements, composition objects) and mrkdwn "Formatting text for app surfaces".
 *
 * Not a Slack renderer: no layout, widths or images; unknown blocks show as `[type]`.
 */

type Obj = Record<string, unknown>;

export interface TextRenderOptions {
  /** How to show users, groups and channels: `<@U0…>`, `<!subteam^S0…>`, `<#C0…>` → `@Name`. */
  names?: Record<string, string>;
  /** Show each confirm dialog under its button (default true). */
  confirms?: boolean;
}

const EMOJI: Record<string, string> = {
  tada: '🎉',
  white_check_mark: '✅',
  no_entry: '⛔',
  hourglass_flowing_sand: '⏳',
  hourglass: '⌛',
  x: '❌',
  warning: '⚠️',
  package: '📦',
  speech_balloon: '💬',
  inbox_tray: '📥',
  memo: '📝',
  mag: '🔍',
  rotating_light: '🚨',
  leftwards_arrow_with_hook: '↩️',
  receipt: '🧾',
  moneybag: '💰',
  bell: '🔔',
};

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** mrkdwn (or plain_text) as a person reads it. */
export function mrkdwnToText(text: string, opts: TextRenderOptions = {}): string {
  const names = opts.names ?? {};
  const name = (id: string): string => names[id] ?? id;
  return (
    text
      // Slack's special tokens first (docs "Formatting text": advanced formatting).
      .replace(
        /<@([UW][A-Z0-9]+)(?:\|([^>]*))?>/g,
        (_m, id: string, label?: string) => `@${label || name(id)}`,
      )
      .replace(/<#(C[A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) => `#${label || name(id)}`)
      .replace(/<!subteam\^([A-Z0-9]+)(?:\|([^>]*))?>/g, (_m, id: string, label?: string) =>
        label ? label : `@${name(id)}`,
      )
      .replace(/<!date\^\d+\^[^|>]*(?:\^[^|>]*)?\|([^>]*)>/g, '$1')
      .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
      .replace(/<(https?:\/\/[^|>]+)\|([^>]+)>/g, '$2')
      .replace(/<(https?:\/\/[^|>]+)>/g, '$1')
      .replace(/:([a-z0-9_+-]+):/g, (m, e: string) => EMOJI[e] ?? m)
      // Markup characters: bold, italics, strike, code.
      .replace(/(^|[\s(])\*([^*\n]+?)\*(?=$|[\s).,;:!?])/gm, '$1$2')
      .replace(/(^|[\s(])_([^\n]+?)_(?=$|[\s).,;:!?])/gm, '$1$2')
      .replace(/(^|[\s(])~([^~\n]+?)~(?=$|[\s).,;:!?])/gm, '$1$2')
      .replace(/```([\s\S]*?)```/g, '$1')
      .replace(/`([^`\n]+)`/g, '$1')
      .replace(/^>\s?/gm, '│ ')
      // Escapes last, so an escaped `&lt;@U…&gt;` stays text.
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
  );
}

function textOf(t: unknown, opts: TextRenderOptions): string {
  return isObj(t) ? mrkdwnToText(str(t.text), opts) : '';
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');
}

/** One interactive element, inline: `[ Approve ]`, `[ Choose a customer ▾ ]`, `[ 3 ]`. */
function elementText(el: Obj, opts: TextRenderOptions): string {
  const type = str(el.type);
  const initial = isObj(el.initial_option) ? textOf(el.initial_option.text, opts) : '';
  const placeholder = textOf(el.placeholder, opts);
  switch (type) {
    case 'button':
      return `[ ${textOf(el.text, opts)} ]`;
    case 'static_select':
    case 'external_select':
    case 'users_select':
    case 'conversations_select':
    case 'channels_select':
      return `[ ${initial || placeholder || 'Choose'} ▾ ]`;
    case 'multi_static_select':
    case 'multi_external_select':
      return `[ ${placeholder || 'Choose'} ▾▾ ]`;
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input':
      return `[ ${str(el.initial_value) || (placeholder ? `${placeholder}…` : '')} ]`;
    case 'checkboxes':
    case 'radio_buttons': {
      const chosen = new Set(
        (Array.isArray(el.initial_options)
          ? el.initial_options
          : isObj(el.initial_option)
            ? [el.initial_option]
            : []
        )
          .filter(isObj)
          .map((o) => str(o.value)),
      );
      const box = type === 'checkboxes' ? ['☐', '☑'] : ['○', '◉'];
      return (Array.isArray(el.options) ? el.options : [])
        .filter(isObj)
        .map((o) => `${chosen.has(str(o.value)) ? box[1] : box[0]} ${textOf(o.text, opts)}`)
        .join('  ');
    }
    case 'datepicker':
      return `[ ${str(el.initial_date) || placeholder || 'date'} 📅 ]`;
    case 'overflow':
      return '[ ⋯ ]';
    case 'image':
      return `[image: ${str(el.alt_text)}]`;
    default:
      return `[${type}]`;
  }
}

/** The confirm dialog Slack shows before it sends the click (composition object "Confirmation dialog"). */
function confirmText(el: Obj, opts: TextRenderOptions): string | undefined {
  if (opts.confirms === false || !isObj(el.confirm)) return undefined;
  const c = el.confirm;
  return `  ↳ ${textOf(el.text, opts)} asks first: “${textOf(c.title, opts)}” ${textOf(c.text, opts)} [ ${textOf(c.confirm, opts)} ] [ ${textOf(c.deny, opts)} ]`;
}

function blockText(b: Obj, opts: TextRenderOptions): string {
  const type = str(b.type);
  switch (type) {
    case 'header': {
      const t = textOf(b.text, opts);
      return `${t}\n${'═'.repeat(Math.min(t.length, 72))}`;
    }
    case 'section': {
      const parts: string[] = [];
      if (b.text) parts.push(textOf(b.text, opts));
      if (Array.isArray(b.fields)) {
        for (const f of b.fields) {
          // A field is usually "*Label*\nvalue": shown as "Label: value".
          const [label = '', ...rest] = textOf(f, opts).split('\n');
          parts.push(rest.length ? `${label}: ${rest.join('\n' + ' '.repeat(label.length + 2))}` : label);
        }
      }
      if (isObj(b.accessory)) {
        parts.push(elementText(b.accessory, opts));
        const c = confirmText(b.accessory, opts);
        if (c) parts.push(c);
      }
      return parts.join('\n');
    }
    case 'context':
      return (Array.isArray(b.elements) ? b.elements : [])
        .filter(isObj)
        .map((e) => (e.type === 'image' ? `[image: ${str(e.alt_text)}]` : textOf(e, opts)))
        .map((t) => indent(t, '  '))
        .join('\n');
    case 'actions': {
      const els = (Array.isArray(b.elements) ? b.elements : []).filter(isObj);
      const line = els.map((e) => elementText(e, opts)).join(' ');
      const confirms = els.map((e) => confirmText(e, opts)).filter((c): c is string => c !== undefined);
      return [line, ...confirms].join('\n');
    }
    case 'divider':
      return '─'.repeat(40);
    case 'input': {
      const label = textOf(b.label, opts);
      const el = isObj(b.element) ? elementText(b.element, opts) : '';
      const hint = b.hint ? `\n  ${textOf(b.hint, opts)}` : '';
      return `${label}${b.optional ? ' (optional)' : ''}: ${el}${hint}`;
    }
    case 'image':
      return `[image: ${str(b.alt_text)}]`;
    case 'rich_text':
      return richText(b.elements);
    default:
      return `[${type}]`;
  }
}

function richText(elements: unknown): string {
  if (!Array.isArray(elements)) return '';
  return elements
    .filter(isObj)
    .map((e) => (typeof e.text === 'string' ? e.text : richText(e.elements)))
    .join('');
}

/** A message's or a view's blocks, one paragraph per block. */
export function blocksToText(blocks: unknown, opts: TextRenderOptions = {}): string {
  if (!Array.isArray(blocks)) return '';
  return blocks
    .filter(isObj)
    .map((b) => blockText(b, opts))
    .filter((t) => t !== '')
    .join('\n');
}

/** A message: its blocks, or its text when it has none. */
export function messageToText(
  msg: { text?: string; blocks?: unknown },
  opts: TextRenderOptions = {},
): string {
  return Array.isArray(msg.blocks) && msg.blocks.length > 0
    ? blocksToText(msg.blocks, opts)
    : mrkdwnToText(msg.text ?? '', opts);
}

/** A modal or Home tab: title, blocks, and a modal's Submit / Close buttons. */
export function viewToText(
  view: { type?: string; title?: unknown; blocks?: unknown; submit?: unknown; close?: unknown },
  opts: TextRenderOptions = {},
): string {
  const title = view.type === 'home' ? 'App Home' : textOf(view.title, opts);
  const lines = [`┌ ${title}`, indent(blocksToText(view.blocks, opts), '│ ').replace(/^$/gm, '│')];
  const footer = [view.close, view.submit].filter(isObj).map((t) => `[ ${textOf(t, opts)} ]`);
  if (footer.length) lines.push(`│ ${footer.join(' ')}`);
  lines.push('└');
  return lines.join('\n');
}
