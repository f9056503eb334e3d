import { SEED } from '../fakes/partner-center';
import { inputValues, stateValue, type StateValues } from '../fakes/slack/inbound';
import type { FakeMessage, FakeView } from '../fakes/slack/types';
import { waitFor } from './processes';
import type { World as FullWorld } from './world';

/** What the flows need: the running bot, its Slack fake and the signed-request sender. */
type World = Pick<FullWorld, 'slack' | 'inbound'>;

export interface FormChoice {
  customer: string;
  kind: 'software_subscription' | 'perpetual_software' | 'azure_reservation';
  product: string;
  sku: string;
  availability: string;
  quantity?: number | string;
  azureSubscription?: string;
  justification?: string;
  /** The attestation checkbox, ticked (only for SKUs that enforce attestation). */
  attestation?: boolean;
}

export const RESERVATION: FormChoice = {
  customer: SEED.customers.open.id,
  kind: 'azure_reservation',
  product: SEED.products.reservation.productId,
  sku: SEED.inventoryCheck.skuId,
  // The open customer's subscriptions are Azure plans: the reservation catalog read with reservationScope=AzurePlan.
  availability: SEED.availabilities.reservationAzurePlan,
  quantity: 2,
  azureSubscription: SEED.subscriptions.registered.id,
  justification: 'Production web tier needs reserved capacity for a year',
};

export const SOFTWARE: FormChoice = {
  customer: SEED.customers.open.id,
  kind: 'software_subscription',
  product: SEED.products.softwareSubscription.productId,
  sku: SEED.products.softwareSubscription.skuIds[0],
  availability: SEED.availabilities.softwareSubscription,
  quantity: 3,
  justification: 'Database licences for the new analytics cluster',
};

export function formValues(c: Partial<FormChoice>): StateValues {
  const v: Record<string, unknown> = {};
  if (c.customer !== undefined) v.customer = stateValue.externalSelect(c.customer);
  if (c.kind !== undefined) v.kind = stateValue.staticSelect(c.kind);
  if (c.product !== undefined) v.product = stateValue.externalSelect(c.product);
  if (c.sku !== undefined) v.sku = stateValue.externalSelect(c.sku);
  if (c.availability !== undefined) v.availability = stateValue.externalSelect(c.availability);
  v.quantity = stateValue.number(c.quantity === undefined ? null : String(c.quantity));
  if (c.azureSubscription !== undefined)
    v.azure_subscription = stateValue.externalSelect(c.azureSubscription);
  v.justification = stateValue.plainText(c.justification ?? null);
  if (c.attestation) v.attestation = stateValue.checkboxes(['accepted']);
  return inputValues(v);
}

/** /purchase → the modal the fake received. */
export async function openModal(w: World, user = 'U0REQUEST1'): Promise<FakeView> {
  const before = w.slack.callsTo('views.open').length;
  const res = await w.inbound.command({ text: '', user_id: user });
  if (res.status !== 200) throw new Error(`/purchase answered ${res.status}`);
  const call = await waitFor(() => w.slack.callsTo('views.open')[before]);
  const id = (call.response as { view?: { id?: string } }).view?.id;
  const view = id ? w.slack.views.get(id) : undefined;
  if (!view) throw new Error(`views.open failed: ${JSON.stringify(call.response)}`);
  return view;
}

/**
 * One choice in the form, as Slack delivers it (the selects dispatch their actions): the bot acks,
 * gathers what the next fields need and re-renders the form. Resolves with the re-rendered view.
 */
export async function choose(
  w: World,
  view: FakeView,
  field: 'customer' | 'kind' | 'azure_subscription' | 'product' | 'sku' | 'availability',
  state: Partial<FormChoice>,
  user = 'U0REQUEST1',
): Promise<FakeView> {
  const value = {
    customer: state.customer,
    kind: state.kind,
    azure_subscription: state.azureSubscription,
    product: state.product,
    sku: state.sku,
    availability: state.availability,
  }[field];
  const before = w.slack
    .callsTo('views.update')
    .filter((c) => (c.args as { view_id?: string }).view_id === view.id).length;
  const res = await w.inbound.action({
    action_id: field,
    view,
    selected_option: { value: value ?? '' },
    user,
    state: formValues(state),
  });
  if (res.status !== 200) throw new Error(`${field} action answered ${res.status}`);
  const update = await waitFor(
    () =>
      w.slack.callsTo('views.update').filter((c) => (c.args as { view_id?: string }).view_id === view.id)[
        before
      ],
    20_000,
  );
  // Slack refusing the bot's re-rendered form is a bug to surface here, not a step to skip.
  const answer = update.response as { ok?: boolean; error?: string; response_metadata?: unknown };
  if (!answer.ok) {
    throw new Error(
      `views.update after ${field} refused: ${answer.error} ${JSON.stringify(answer.response_metadata)}`,
    );
  }
  return w.slack.views.get(view.id)!;
}

/** Choosing a kind re-renders the modal (reservations get the subscription field). */
export async function chooseKind(
  w: World,
  view: FakeView,
  kind: FormChoice['kind'],
  user = 'U0REQUEST1',
): Promise<FakeView> {
  return choose(w, view, 'kind', { kind }, user);
}

/** Every choice of the form in the order a person makes them, each dispatched as Slack does. */
export async function fillForm(
  w: World,
  view: FakeView,
  choice: Partial<FormChoice>,
  user = 'U0REQUEST1',
): Promise<FakeView> {
  const order = ['customer', 'kind', 'azure_subscription', 'product', 'sku', 'availability'] as const;
  const key = {
    customer: 'customer',
    kind: 'kind',
    azure_subscription: 'azureSubscription',
    product: 'product',
    sku: 'sku',
    availability: 'availability',
  } as const;
  let state: Partial<FormChoice> = {};
  for (const field of order) {
    const v = choice[key[field]];
    if (v === undefined) continue;
    state = { ...state, [key[field]]: v };
    view = await choose(w, view, field, state, user);
  }
  return view;
}

export async function loadOptions(
  w: World,
  view: FakeView,
  actionId: string,
  state: Partial<FormChoice>,
  query = '',
): Promise<{ value: string; text: { text: string } }[]> {
  const res = await w.inbound.options({
    action_id: actionId,
    value: query,
    view: { ...view, state: { values: formValues(state) } },
  });
  if (res.status !== 200) throw new Error(`options ${actionId} answered ${res.status}: ${res.body}`);
  return (res.json as { options: { value: string; text: { text: string } }[] }).options;
}

export async function submitForm(w: World, view: FakeView, choice: Partial<FormChoice>, user = 'U0REQUEST1') {
  return w.inbound.submit({ view, values: formValues(choice), user });
}

/** The whole requester journey; returns the request id from the approval card. */
export async function requestPurchase(w: World, choice: FormChoice, user = 'U0REQUEST1'): Promise<string> {
  let view = await openModal(w, user);
  view = await fillForm(w, view, choice, user);
  const cardsBefore = w.slack.messages('C0APPROVALS').filter((m) => !m.thread_ts).length;
  const res = await submitForm(w, view, choice, user);
  const ack = res.json as { response_action?: string; errors?: Record<string, string> } | undefined;
  if (ack?.response_action === 'errors') throw new Error(`form refused: ${JSON.stringify(ack.errors)}`);
  const card = await waitFor(
    () => w.slack.messages('C0APPROVALS').filter((m) => !m.thread_ts)[cardsBefore],
    10_000,
  );
  const id = /PR-[A-F0-9]+/.exec(card.text)?.[0];
  if (!id) throw new Error(`no request id in card: ${card.text}`);
  return id;
}

/** The flows that read the bot's saved state too. */
type WithBot = Pick<FullWorld, 'slack' | 'inbound' | 'bot'>;

// ------------------------------------------------------------------ after the request

export function cardOf(w: WithBot, id: string): FakeMessage {
  const card = w.slack.messages('C0APPROVALS').find((m) => !m.thread_ts && m.text.includes(id));
  if (!card) throw new Error(`no card for ${id}`);
  return card;
}

export async function click(
  w: WithBot,
  id: string,
  action: 'approve_request' | 'reject_request' | 'cancel_order',
  user: string,
) {
  return w.inbound.action({
    action_id: action,
    message: cardOf(w, id),
    channel_id: 'C0APPROVALS',
    user,
    value: id,
  });
}

export async function finalState(
  w: WithBot,
  id: string,
  states = ['confirmed', 'failed', 'rejected', 'expired', 'cancelled'],
  timeoutMs = 20_000,
) {
  return waitFor(async () => {
    const r = await w.bot.repo.get(id);
    return r && states.includes(r.status) ? r : undefined;
  }, timeoutMs);
}

/**
 * The request's DM thread once it says all of `until`: messages are posted after the state is saved,
 * so they can land a moment after the state a test waited for. On timeout, the text as it is.
 */
export function threadText(w: WithBot, id: string, ...until: RegExp[]): Promise<string> {
  const read = () =>
    w.bot.repo.get(id).then((r) => {
      const ch = r?.slack.threadChannel;
      const ts = r?.slack.threadTs;
      return ch && ts
        ? w.slack
            .thread(ch, ts)
            .map((m) => m.text)
            .join('\n')
        : '';
    });
  return waitFor(async () => {
    const text = await read();
    return until.every((p) => p.test(text)) ? text : undefined;
  }).catch(read);
}
