import { SEED } from '../fakes/partner-center';
import { inputValues, stateValue, type StateValues } from '../fakes/slack/inbound';
import type { FakeView } from '../fakes/slack/types';
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
}

export const RESERVATION: FormChoice = {
  customer: SEED.customers.open.id,
  kind: 'azure_reservation',
  product: SEED.products.reservation.productId,
  sku: SEED.inventoryCheck.skuId,
  availability: SEED.availabilities.reservation,
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
  await waitFor(
    () =>
      w.slack.callsTo('views.update').filter((c) => (c.args as { view_id?: string }).view_id === view.id)[
        before
      ],
    20_000,
  );
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
