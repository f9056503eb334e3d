/**
 * The Block Kit rules Slack enforces server-side, so the bot's builders fail here the way they would
 * against real Slack. Each rule follows docs.slack.dev's Block Kit reference (reference/block-kit/…):
 * blocks/*-block, block-elements/*-element, composition-objects/{option,confirmation-dialog,
 * dispatch-action-configuration}-object, and the surfaces pages for modals and Home tabs. Messages follow
 * Slack's wording: `[ERROR] <what> [json-pointer:/blocks/0/text/text]`.
 *
 * Deliberately not checked: mrkdwn syntax, URLs being reachable, image sizes, rich_text internals,
 * `focus_on_load` uniqueness, and anything the reference leaves unsaid (a fake that refuses what Slack
 * accepts is as wrong as one that accepts what Slack refuses).
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  viewBytes: 250_000,
  viewTitle: 24,
  idLength: 255,
  privateMetadata: 3000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  actionsElements: 25,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  optionText: 75,
  // Current docs allow 150; @slack/types still says 75. The fake enforces what Slack enforces.
  optionValue: 150,
  optionDescription: 75,
  selectOptions: 100,
  checkboxOptions: 10,
  overflowOptions: 5,
  textInputLength: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  imageAltText: 2000,
  accessibilityLabel: 75,
  homeBlocks: 100,
} as const;

export type Surface = 'message' | 'modal' | 'home';

const BLOCK_TYPES = new Set([
  'section',
  'divider',
  'image',
  'actions',
  'context',
  'input',
  'header',
  'file',
  'rich_text',
  'video',
  'markdown',
  'table',
  'call',
  'context_actions',
  'plan',
  'task_card',
]);

const SELECTS_WITH_OPTIONS = new Set(['static_select', 'multi_static_select']);
const OTHER_SELECTS = new Set([
  'external_select',
  'multi_external_select',
  'users_select',
  'multi_users_select',
  'conversations_select',
  'multi_conversations_select',
  'channels_select',
  'multi_channels_select',
]);
const OTHER_ELEMENTS = new Set([
  'datepicker',
  'timepicker',
  'datetimepicker',
  'email_text_input',
  'url_text_input',
  'file_input',
  'rich_text_input',
  'workflow_button',
  'image',
  'feedback_buttons',
  'icon_button',
]);

export class BlockErrors {
  readonly messages: string[] = [];

  add(pointer: string, what: string): void {
    this.messages.push(`[ERROR] ${what} [json-pointer:${pointer}]`);
  }

  get ok(): boolean {
    return this.messages.length === 0;
  }
}

function maxLen(e: BlockErrors, v: unknown, ptr: string, max: number): void {
  if (typeof v === 'string' && [...v].length > max) e.add(ptr, `must be less than ${max + 1} characters`);
}

function str(e: BlockErrors, v: unknown, ptr: string, max: number, required = false): void {
  if (v === undefined || v === null) {
    if (required) e.add(ptr, 'must provide a string');
    return;
  }
  if (typeof v !== 'string') {
    e.add(ptr, 'must be a string');
    return;
  }
  if (required && v.length === 0) e.add(ptr, 'must be more than 0 characters');
  maxLen(e, v, ptr, max);
}

function textObject(
  e: BlockErrors,
  v: unknown,
  ptr: string,
  max: number,
  opts: { plainOnly?: boolean; required?: boolean } = {},
): void {
  if (v === undefined || v === null) {
    if (opts.required) e.add(ptr, 'must provide an object');
    return;
  }
  if (!isObj(v)) {
    e.add(ptr, 'must be an object');
    return;
  }
  if (v.type !== 'plain_text' && v.type !== 'mrkdwn')
    e.add(`${ptr}/type`, 'must be one of plain_text, mrkdwn');
  else if (opts.plainOnly && v.type !== 'plain_text') e.add(`${ptr}/type`, 'must be plain_text');
  if (typeof v.text !== 'string') e.add(`${ptr}/text`, 'must provide a string');
  else {
    if (v.text.length === 0) e.add(`${ptr}/text`, 'must be more than 0 characters');
    maxLen(e, v.text, `${ptr}/text`, max);
  }
}

/**
 * Confirmation dialog object: title (≤100), text (≤300), confirm and deny (≤30 each) are all required;
 * title, confirm and deny are plain_text. The reference's table says text is plain_text too, but its own
 * example (and Block Kit Builder) uses mrkdwn there, so both are accepted. style is primary or danger.
 */
function confirm(e: BlockErrors, v: unknown, ptr: string): void {
  if (v === undefined) return;
  if (!isObj(v)) return e.add(ptr, 'must be an object');
  textObject(e, v.title, `${ptr}/title`, LIMITS.confirmTitle, { plainOnly: true, required: true });
  textObject(e, v.text, `${ptr}/text`, LIMITS.confirmText, { required: true });
  textObject(e, v.confirm, `${ptr}/confirm`, LIMITS.confirmButton, { plainOnly: true, required: true });
  textObject(e, v.deny, `${ptr}/deny`, LIMITS.confirmButton, { plainOnly: true, required: true });
  if (v.style !== undefined && v.style !== 'primary' && v.style !== 'danger')
    e.add(`${ptr}/style`, 'must be one of primary, danger');
}

/**
 * "A single option that exactly matches one of the options within options or option_groups": the fake
 * compares value and the text's type and string (not `emoji` or `description`, which the reference does
 * not mention).
 */
function sameOption(a: unknown, b: unknown): boolean {
  if (!isObj(a) || !isObj(b)) return false;
  const at = isObj(a.text) ? a.text : {};
  const bt = isObj(b.text) ? b.text : {};
  return a.value === b.value && at.text === bt.text && at.type === bt.type;
}

function allOptions(el: Obj): unknown[] {
  if (Array.isArray(el.option_groups))
    return (el.option_groups as unknown[]).flatMap((g): unknown[] =>
      isObj(g) && Array.isArray(g.options) ? (g.options as unknown[]) : [],
    );
  return Array.isArray(el.options) ? el.options : [];
}

/** initial_option / initial_options of an element with its own options must be among them. */
function initialAmongOptions(e: BlockErrors, el: Obj, ptr: string, plainOnly: boolean): void {
  const options = allOptions(el);
  if (el.initial_option !== undefined) {
    option(e, el.initial_option, `${ptr}/initial_option`, plainOnly);
    if (!options.some((o) => sameOption(o, el.initial_option)))
      e.add(`${ptr}/initial_option`, 'must exactly match one of the provided options');
  }
  if (el.initial_options !== undefined) {
    if (!Array.isArray(el.initial_options)) return e.add(`${ptr}/initial_options`, 'must be an array');
    el.initial_options.forEach((io, i) => {
      option(e, io, `${ptr}/initial_options/${i}`, plainOnly);
      if (!options.some((o) => sameOption(o, io)))
        e.add(`${ptr}/initial_options/${i}`, 'must exactly match one of the provided options');
    });
  }
}

const DISPATCH_TRIGGERS = new Set(['on_enter_pressed', 'on_character_entered']);

/** Dispatch action configuration: trigger_actions_on, one or both of on_enter_pressed, on_character_entered. */
function dispatchConfig(e: BlockErrors, v: unknown, ptr: string): void {
  if (v === undefined) return;
  if (!isObj(v)) return e.add(ptr, 'must be an object');
  const on = v.trigger_actions_on;
  if (on === undefined) return;
  if (!Array.isArray(on)) return e.add(`${ptr}/trigger_actions_on`, 'must be an array');
  on.forEach((t, i) => {
    if (typeof t !== 'string' || !DISPATCH_TRIGGERS.has(t))
      e.add(`${ptr}/trigger_actions_on/${i}`, 'must be one of on_enter_pressed, on_character_entered');
  });
}

function positiveInteger(e: BlockErrors, v: unknown, ptr: string): void {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1))
    e.add(ptr, 'must be an integer of at least 1');
}

function option(e: BlockErrors, v: unknown, ptr: string, plainOnly: boolean): void {
  if (!isObj(v)) return e.add(ptr, 'must be an object');
  textObject(e, v.text, `${ptr}/text`, LIMITS.optionText, { plainOnly, required: true });
  str(e, v.value, `${ptr}/value`, LIMITS.optionValue, true);
  textObject(e, v.description, `${ptr}/description`, LIMITS.optionDescription, { plainOnly: true });
  str(e, v.url, `${ptr}/url`, LIMITS.url);
}

function optionList(
  e: BlockErrors,
  v: unknown,
  ptr: string,
  max: number,
  plainOnly: boolean,
  required: boolean,
): void {
  if (v === undefined) {
    if (required) e.add(ptr, 'must provide an array');
    return;
  }
  if (!Array.isArray(v)) return e.add(ptr, 'must be an array');
  if (v.length > max) e.add(ptr, `no more than ${max} items allowed`);
  v.forEach((o, i) => option(e, o, `${ptr}/${i}`, plainOnly));
}

function element(e: BlockErrors, v: unknown, ptr: string, actionIds: Set<string>): void {
  if (!isObj(v)) return e.add(ptr, 'must be an object');
  const type = v.type;
  if (typeof v.action_id === 'string') {
    maxLen(e, v.action_id, `${ptr}/action_id`, LIMITS.idLength);
    if (actionIds.has(v.action_id)) e.add(`${ptr}/action_id`, 'duplicate action_id');
    actionIds.add(v.action_id);
  }
  confirm(e, v.confirm, `${ptr}/confirm`);
  textObject(e, v.placeholder, `${ptr}/placeholder`, LIMITS.placeholder, { plainOnly: true });
  if (type === 'button') {
    textObject(e, v.text, `${ptr}/text`, LIMITS.buttonText, { plainOnly: true, required: true });
    str(e, v.value, `${ptr}/value`, LIMITS.buttonValue);
    str(e, v.url, `${ptr}/url`, LIMITS.url);
    str(e, v.accessibility_label, `${ptr}/accessibility_label`, LIMITS.accessibilityLabel);
    if (v.style !== undefined && v.style !== 'primary' && v.style !== 'danger')
      e.add(`${ptr}/style`, 'must be one of primary, danger');
  } else if (typeof type === 'string' && SELECTS_WITH_OPTIONS.has(type)) {
    if (v.options !== undefined && v.option_groups !== undefined)
      e.add(ptr, 'must provide either options or option_groups, not both');
    if (v.option_groups !== undefined) {
      if (!Array.isArray(v.option_groups)) e.add(`${ptr}/option_groups`, 'must be an array');
      else {
        if (v.option_groups.length > LIMITS.selectOptions)
          e.add(`${ptr}/option_groups`, `no more than ${LIMITS.selectOptions} items allowed`);
        v.option_groups.forEach((g, i) => {
          const gp = `${ptr}/option_groups/${i}`;
          if (!isObj(g)) return e.add(gp, 'must be an object');
          textObject(e, g.label, `${gp}/label`, LIMITS.optionText, { plainOnly: true, required: true });
          optionList(e, g.options, `${gp}/options`, LIMITS.selectOptions, true, true);
        });
      }
    } else {
      optionList(e, v.options, `${ptr}/options`, LIMITS.selectOptions, true, true);
    }
    initialAmongOptions(e, v, ptr, true);
    if (type === 'multi_static_select') positiveInteger(e, v.max_selected_items, `${ptr}/max_selected_items`);
  } else if (typeof type === 'string' && OTHER_SELECTS.has(type)) {
    // External selects load their options later: any well-formed option may be the initial one.
    if (v.initial_option !== undefined) option(e, v.initial_option, `${ptr}/initial_option`, true);
    if (type === 'multi_external_select' && v.initial_options !== undefined) {
      if (!Array.isArray(v.initial_options)) e.add(`${ptr}/initial_options`, 'must be an array');
      else v.initial_options.forEach((o, i) => option(e, o, `${ptr}/initial_options/${i}`, true));
    }
    if (type.startsWith('multi_')) positiveInteger(e, v.max_selected_items, `${ptr}/max_selected_items`);
    if (
      v.min_query_length !== undefined &&
      (typeof v.min_query_length !== 'number' || v.min_query_length < 0)
    ) {
      e.add(`${ptr}/min_query_length`, 'must be a non-negative integer');
    }
  } else if (type === 'overflow') {
    optionList(e, v.options, `${ptr}/options`, LIMITS.overflowOptions, true, true);
  } else if (type === 'checkboxes' || type === 'radio_buttons') {
    optionList(e, v.options, `${ptr}/options`, LIMITS.checkboxOptions, false, true);
    initialAmongOptions(e, v, ptr, false);
  } else if (type === 'plain_text_input') {
    dispatchConfig(e, v.dispatch_action_config, `${ptr}/dispatch_action_config`);
    const min = v.min_length;
    const max = v.max_length;
    if (min !== undefined && (typeof min !== 'number' || min < 0 || min > LIMITS.textInputLength))
      e.add(`${ptr}/min_length`, `must be between 0 and ${LIMITS.textInputLength}`);
    if (max !== undefined && (typeof max !== 'number' || max < 1 || max > LIMITS.textInputLength))
      e.add(`${ptr}/max_length`, `must be between 1 and ${LIMITS.textInputLength}`);
    if (typeof min === 'number' && typeof max === 'number' && min > max)
      e.add(`${ptr}/min_length`, 'must be less than or equal to max_length');
    const cap = typeof max === 'number' ? max : LIMITS.textInputLength;
    str(e, v.initial_value, `${ptr}/initial_value`, cap);
  } else if (type === 'number_input') {
    if (typeof v.is_decimal_allowed !== 'boolean')
      e.add(`${ptr}/is_decimal_allowed`, 'must provide a boolean');
    for (const k of ['min_value', 'max_value', 'initial_value'] as const) {
      if (v[k] !== undefined && (typeof v[k] !== 'string' || Number.isNaN(Number(v[k]))))
        e.add(`${ptr}/${k}`, 'must be a numeric string');
    }
    // "min_value … cannot be greater than max_value"
    if (
      typeof v.min_value === 'string' &&
      typeof v.max_value === 'string' &&
      Number(v.min_value) > Number(v.max_value)
    )
      e.add(`${ptr}/min_value`, 'must be less than or equal to max_value');
    dispatchConfig(e, v.dispatch_action_config, `${ptr}/dispatch_action_config`);
  } else if (type === 'datepicker') {
    if (
      v.initial_date !== undefined &&
      (typeof v.initial_date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v.initial_date))
    )
      e.add(`${ptr}/initial_date`, 'must be a date in the format YYYY-MM-DD');
  } else if (type === 'timepicker') {
    if (
      v.initial_time !== undefined &&
      (typeof v.initial_time !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d$/.test(v.initial_time))
    )
      e.add(`${ptr}/initial_time`, 'must be a time in the format HH:mm');
  } else if (type === 'email_text_input' || type === 'url_text_input' || type === 'rich_text_input') {
    dispatchConfig(e, v.dispatch_action_config, `${ptr}/dispatch_action_config`);
  } else if (type === 'image') {
    str(e, v.alt_text, `${ptr}/alt_text`, LIMITS.imageAltText, true);
  } else if (typeof type !== 'string' || !OTHER_ELEMENTS.has(type)) {
    e.add(`${ptr}/type`, `unsupported type: ${String(type)}`);
  }
}

function block(e: BlockErrors, b: unknown, ptr: string, blockIds: Set<string>): void {
  if (!isObj(b)) return e.add(ptr, 'must be an object');
  const type = b.type;
  if (typeof type !== 'string' || !BLOCK_TYPES.has(type))
    return e.add(`${ptr}/type`, `unsupported type: ${String(type)}`);
  if (b.block_id !== undefined) {
    str(e, b.block_id, `${ptr}/block_id`, LIMITS.idLength);
    if (typeof b.block_id === 'string') {
      if (blockIds.has(b.block_id)) e.add(`${ptr}/block_id`, 'duplicate block_id');
      blockIds.add(b.block_id);
    }
  }
  const actionIds = new Set<string>();
  switch (type) {
    case 'section': {
      if (b.text === undefined && b.fields === undefined) e.add(ptr, 'must provide either text or fields');
      textObject(e, b.text, `${ptr}/text`, LIMITS.sectionText);
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields)) e.add(`${ptr}/fields`, 'must be an array');
        else {
          if (b.fields.length > LIMITS.sectionFields)
            e.add(`${ptr}/fields`, `no more than ${LIMITS.sectionFields} items allowed`);
          b.fields.forEach((f, i) =>
            textObject(e, f, `${ptr}/fields/${i}`, LIMITS.sectionFieldText, { required: true }),
          );
        }
      }
      if (b.accessory !== undefined) element(e, b.accessory, `${ptr}/accessory`, actionIds);
      return;
    }
    case 'header':
      return textObject(e, b.text, `${ptr}/text`, LIMITS.headerText, { plainOnly: true, required: true });
    case 'actions': {
      if (!Array.isArray(b.elements) || b.elements.length === 0)
        return e.add(`${ptr}/elements`, 'must provide a non-empty array');
      if (b.elements.length > LIMITS.actionsElements)
        e.add(`${ptr}/elements`, `no more than ${LIMITS.actionsElements} items allowed`);
      b.elements.forEach((el, i) => element(e, el, `${ptr}/elements/${i}`, actionIds));
      return;
    }
    case 'context': {
      if (!Array.isArray(b.elements) || b.elements.length === 0)
        return e.add(`${ptr}/elements`, 'must provide a non-empty array');
      if (b.elements.length > LIMITS.contextElements)
        e.add(`${ptr}/elements`, `no more than ${LIMITS.contextElements} items allowed`);
      b.elements.forEach((el, i) => {
        const p = `${ptr}/elements/${i}`;
        if (isObj(el) && el.type === 'image') element(e, el, p, actionIds);
        else textObject(e, el, p, LIMITS.sectionText, { required: true });
      });
      return;
    }
    case 'input': {
      textObject(e, b.label, `${ptr}/label`, LIMITS.inputLabel, { plainOnly: true, required: true });
      textObject(e, b.hint, `${ptr}/hint`, LIMITS.inputHint, { plainOnly: true });
      if (b.element === undefined) e.add(`${ptr}/element`, 'must provide an object');
      else element(e, b.element, `${ptr}/element`, actionIds);
      for (const k of ['dispatch_action', 'optional'] as const)
        if (b[k] !== undefined && typeof b[k] !== 'boolean') e.add(`${ptr}/${k}`, 'must be a boolean');
      // "If dispatch_action is set to true and a file_input block element is provided, an unsupported type error will be raised."
      if (b.dispatch_action === true && isObj(b.element) && b.element.type === 'file_input')
        e.add(`${ptr}/element/type`, 'unsupported type: file_input with dispatch_action');
      return;
    }
    case 'image': {
      str(e, b.alt_text, `${ptr}/alt_text`, LIMITS.imageAltText, true);
      textObject(e, b.title, `${ptr}/title`, LIMITS.imageAltText, { plainOnly: true });
      return;
    }
    default:
      return;
  }
}

/** Checks a `blocks` array. `max` is 50 for messages and 100 for modals. */
export function checkBlocks(e: BlockErrors, blocks: unknown, ptr: string, max: number): void {
  if (!Array.isArray(blocks)) return e.add(ptr, 'must be an array');
  if (blocks.length > max) e.add(ptr, `no more than ${max} items allowed`);
  const blockIds = new Set<string>();
  blocks.forEach((b, i) => block(e, b, `${ptr}/${i}`, blockIds));
}

export function checkMessageBlocks(blocks: unknown): BlockErrors {
  const e = new BlockErrors();
  checkBlocks(e, blocks, '/blocks', LIMITS.messageBlocks);
  return e;
}

/**
 * Checks a `view` argument: `modal` for views.open / views.push and submission acks, `home` for
 * views.publish, `any` for views.update. Modals and Home tabs both hold up to 100 blocks
 * (docs.slack.dev surfaces/modals and surfaces/app-home; views reference).
 */
export function checkView(view: unknown, surface: Surface | 'any' = 'any'): BlockErrors {
  const e = new BlockErrors();
  if (!isObj(view)) {
    e.add('/view', 'must provide an object');
    return e;
  }
  if (surface === 'modal' && view.type !== 'modal') e.add('/view/type', 'must be modal');
  else if (surface === 'home' && view.type !== 'home') e.add('/view/type', 'must be home');
  else if (view.type !== 'modal' && view.type !== 'home') e.add('/view/type', 'must be one of modal, home');
  if (view.type === 'modal') {
    if (view.title === undefined) e.add('/view/title', 'missing required field: title');
    textObject(e, view.title, '/view/title', LIMITS.viewTitle, { plainOnly: true });
    textObject(e, view.submit, '/view/submit', LIMITS.viewTitle, { plainOnly: true });
    textObject(e, view.close, '/view/close', LIMITS.viewTitle, { plainOnly: true });
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && (view.submit === undefined || view.submit === null))
      e.add('/view/submit', 'must provide submit when blocks contain an input block');
  }
  str(e, view.callback_id, '/view/callback_id', LIMITS.idLength);
  str(e, view.external_id, '/view/external_id', LIMITS.idLength);
  str(e, view.private_metadata, '/view/private_metadata', LIMITS.privateMetadata);
  if (view.blocks === undefined) e.add('/view/blocks', 'missing required field: blocks');
  else
    checkBlocks(e, view.blocks, '/view/blocks', view.type === 'home' ? LIMITS.homeBlocks : LIMITS.viewBlocks);
  return e;
}
