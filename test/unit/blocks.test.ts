import type { View } from '@slack/types';
import {
  buildApprovalCard,
  buildHome,
  buildRejectModal,
  buildRequesterMessage,
  buildRequestModal,
  buildStatusBlocks,
  LIMITS,
  option,
} from '../../src/slack/blocks';
import { decodeMetadata, encodeMetadata, readForm } from '../../src/slack/codecs';
import type { PurchaseRequest } from '../../src/purchases/model';
import { sampleRequest } from '../../harness/requests';

type AnyBlock = {
  type: string;
  block_id?: string;
  text?: { text: string };
  fields?: { text: string }[];
  accessory?: { type: string; action_id?: string; value?: string };
  element?: { type?: string; action_id?: string; initial_option?: { value: string }; initial_value?: string };
  elements?: {
    type: string;
    action_id?: string;
    value?: string;
    text?: { text: string };
    confirm?: {
      title: { text: string };
      text: { text: string };
      confirm: { text: string };
      deny: { text: string };
    };
  }[];
};

type AnyButton = NonNullable<AnyBlock['elements']>[number];

function buttons(blocks: AnyBlock[]): AnyButton[] {
  return [
    ...blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []),
    ...blocks
      .map((b) => b.accessory as AnyButton | undefined)
      .filter((a): a is AnyButton => a?.type === 'button'),
  ].filter((e) => e.type === 'button');
}

function allText(blocks: AnyBlock[]): string[] {
  return blocks
    .flatMap((b) => [
      b.text?.text,
      ...(b.fields ?? []).map((f) => f.text),
      ...(b.elements ?? []).map((e) => e.text?.text),
    ])
    .filter((t): t is string => typeof t === 'string');
}

const ordered = (overrides: Record<string, unknown> = {}): PurchaseRequest =>
  sampleRequest({
    kind: 'software_subscription',
    azure: undefined,
    status: 'confirmed',
    orders: [{ id: 'o1', status: 'completed', lineItems: [] }],
    orderedAt: Date.now(),
    confirmedAt: Date.now(),
    ...overrides,
  });

describe('approval card', () => {
  it('shows Approve, Reject and Ask only while the request is pending, each valued with the request id alone', () => {
    const pending = buildApprovalCard(sampleRequest()).blocks as AnyBlock[];
    expect(buttons(pending).map((b) => [b.action_id, b.value])).toEqual([
      ['approve_request', 'PR-TEST0001'],
      ['reject_request', 'PR-TEST0001'],
      ['ask_question', 'PR-TEST0001'],
    ]);
    for (const status of ['approved', 'rejected', 'expired', 'ordering', 'failed', 'cancelled'] as const) {
      const r = sampleRequest({
        status,
        rejection: { by: 'U0APPROVE1', at: 1, reason: 'x' },
        cancellation: { by: 'U0REQUEST1', at: 1 },
        failure: { code: 'refused', nothingBought: true },
        progress: { cart: { stage: 'none', attempt: 0 } },
      });
      expect(buttons(buildApprovalCard(r).blocks as AnyBlock[])).toHaveLength(0);
    }
  });

  it('asks Slack to confirm an approval, repeating customer, item, quantity and total', () => {
    const approve = buttons(buildApprovalCard(sampleRequest()).blocks as AnyBlock[])[0]!;
    expect(approve.confirm).toBeDefined();
    const text = approve.confirm!.text.text;
    for (const expected of ['Contoso', 'Standard_D2s_v3', '2 ×', '$1,400.00'])
      expect(text).toContain(expected);
    expect(text.length).toBeLessThanOrEqual(LIMITS.confirmText);
  });

  it('carries everything an approver needs to decide, in words rather than codes', () => {
    const text = allText(buildApprovalCard(sampleRequest()).blocks as AnyBlock[]).join('\n');
    for (const expected of [
      '<@U0REQUEST1>',
      'Contoso (US)',
      'Azure reservation',
      'Virtual Machines Dv3 Series',
      'Standard_D2s_v3',
      '1 year',
      'paid once',
      '$700.00 × 2 = *$1,400.00*',
      'price sheet',
      'Not cancellable here',
      'registered for reservations',
      'Production web tier',
      'PR-TEST0001',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toMatch(/P1Y|one_time|not_registered|pending_approval/);
  });

  it('says why the price is unknown and why a second approver is needed', () => {
    const r = sampleRequest({
      price: { known: false, reason: 'no_user_credentials' },
      requiredApprovals: 2,
      approvalReasons: ['price_unknown'],
    });
    const text = allText(buildApprovalCard(r).blocks as AnyBlock[]).join('\n');
    expect(text).toMatch(/Price unknown/);
    expect(text).toMatch(/Needs 2 more approvals.*price is unknown/);
  });

  it('says that two purchases follow when a new Azure plan is bought first', () => {
    const r = sampleRequest({ azure: { kind: 'new_plan' } });
    expect(allText(buildApprovalCard(r).blocks as AnyBlock[]).join('\n')).toMatch(
      /New Azure plan for Contoso[\s\S]*Two purchases/,
    );
  });

  it('keeps very long names and justifications within Slack limits', () => {
    const long = 'x'.repeat(5000);
    const r: PurchaseRequest = sampleRequest({
      productTitle: long,
      skuTitle: long,
      customerName: long,
      justification: long,
    });
    const blocks = buildApprovalCard(r).blocks as AnyBlock[];
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
    for (const b of blocks) {
      if (b.text)
        expect(b.text.text.length).toBeLessThanOrEqual(
          b.type === 'header' ? LIMITS.headerText : LIMITS.sectionText,
        );
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(LIMITS.fieldText);
      expect((b.fields ?? []).length).toBeLessThanOrEqual(10);
    }
    expect(buildApprovalCard(r).text.length).toBeLessThanOrEqual(3000);
    const approve = buttons(blocks)[0]!;
    expect(approve.confirm!.text.text.length).toBeLessThanOrEqual(LIMITS.confirmText);
  });

  it('escapes Slack control characters in user text so nobody can ping a channel through a justification', () => {
    const text = allText(
      buildApprovalCard(sampleRequest({ justification: 'please <!channel> & <@U999>' })).blocks as AnyBlock[],
    ).join('');
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;@U999&gt;');
  });

  it('records the decision on the card once decided', () => {
    const r = sampleRequest({
      status: 'rejected',
      rejection: { by: 'U0APPROVE1', at: Date.now(), reason: 'budget' },
    });
    expect(allText(buildApprovalCard(r).blocks as AnyBlock[]).join('\n')).toMatch(
      /Rejected by <@U0APPROVE1>.*budget/,
    );
  });

  it('offers Cancel order, with a confirm dialog, only while a software order is inside its window', () => {
    const now = Date.now();
    const inWindow = buttons(
      buildApprovalCard(ordered({ orderedAt: now - 86_400_000 }), now).blocks as AnyBlock[],
    );
    expect(inWindow.map((b) => [b.action_id, b.value])).toEqual([['cancel_order', 'PR-TEST0001']]);
    expect(inWindow[0]!.confirm).toBeDefined();
    expect(
      buttons(buildApprovalCard(ordered({ orderedAt: now - 8 * 86_400_000 }), now).blocks as AnyBlock[]),
    ).toHaveLength(0);
    // Perpetual software: 30 days.
    expect(
      buttons(
        buildApprovalCard(ordered({ kind: 'perpetual_software', orderedAt: now - 20 * 86_400_000 }), now)
          .blocks as AnyBlock[],
      ),
    ).toHaveLength(1);
    // Reservations are cancelled in Azure, never here.
    expect(
      buttons(
        buildApprovalCard(ordered({ kind: 'azure_reservation', azure: { kind: 'new_plan' } }), now)
          .blocks as AnyBlock[],
      ),
    ).toHaveLength(0);
  });
});

describe("the requester's message", () => {
  it('shows the current state and offers Submit again after a rejection, expiry or a failure that bought nothing', () => {
    const rejected = sampleRequest({
      status: 'rejected',
      rejection: { by: 'U0APPROVE1', at: 1, reason: 'no' },
    });
    expect(buttons(buildRequesterMessage(rejected).blocks as AnyBlock[]).map((b) => b.action_id)).toEqual([
      'submit_again',
    ]);
    expect(
      buttons(buildRequesterMessage(sampleRequest({ status: 'expired' })).blocks as AnyBlock[]).map(
        (b) => b.action_id,
      ),
    ).toEqual(['submit_again']);
    const failedMaybeBought = sampleRequest({
      status: 'failed',
      failure: { code: 'partner_center_down', nothingBought: false },
    });
    expect(buttons(buildRequesterMessage(failedMaybeBought).blocks as AnyBlock[])).toHaveLength(0);
    expect(allText(buildRequesterMessage(rejected).blocks as AnyBlock[]).join('\n')).toMatch(/Rejected/);
  });

  it('offers an Answer button while an approver’s question waits', () => {
    const asked = sampleRequest({
      conversation: [{ by: 'U0APPROVE1', role: 'approver', text: 'why?', at: 1 }],
    });
    expect(buttons(buildRequesterMessage(asked).blocks as AnyBlock[]).map((b) => b.action_id)).toEqual([
      'answer_question',
    ]);
  });
});

describe('request modal', () => {
  const render = (values: Parameters<typeof buildRequestModal>[0]['values'], extra = {}) =>
    buildRequestModal({ values, maxQuantity: 50, metadata: { v: 2 }, ...extra });
  const ids = (v: View) => v.blocks.map((b) => (b as { block_id?: string }).block_id).filter(Boolean);

  it('uses the stable callback and block ids; the subscription comes before the catalog for reservations', () => {
    const software = render({ kind: 'software_subscription' });
    expect(software.type === 'modal' && software.callback_id).toBe('purchase_request');
    expect(ids(software)).toEqual([
      'customer',
      'kind',
      'product',
      'sku',
      'availability',
      'quantity',
      'justification',
    ]);
    const reservation = render({ kind: 'azure_reservation' });
    expect(ids(reservation)).toEqual([
      'customer',
      'kind',
      'azure_subscription',
      'product',
      'sku',
      'availability',
      'quantity',
      'justification',
    ]);
    for (const b of reservation.blocks as AnyBlock[]) {
      if (b.block_id && b.element) expect(b.element.action_id).toBe(b.block_id);
    }
    expect((software as { title: { text: string } }).title.text.length).toBeLessThanOrEqual(
      LIMITS.modalTitle,
    );
  });

  it('never loses what was typed: every value comes back as an initial value', () => {
    const values = {
      customer: { value: 'c-1', label: 'Contoso' },
      kind: 'azure_reservation' as const,
      azureSubscription: { value: 'sub-1', label: 'Prod' },
      product: { value: 'P1', label: 'VMs' },
      sku: { value: 'S1', label: 'D2s' },
      availability: { value: 'A1', label: '1 year' },
      quantity: '7',
      justification: 'Because the web tier grows',
      attestation: true,
    };
    const v = render(values, { attestationText: 'I agree' });
    const blocks = v.blocks as AnyBlock[];
    const el = (id: string) => blocks.find((b) => b.block_id === id)?.element;
    expect(el('customer')?.initial_option?.value).toBe('c-1');
    expect(el('kind')?.initial_option?.value).toBe('azure_reservation');
    expect(el('azure_subscription')?.initial_option?.value).toBe('sub-1');
    expect(el('availability')?.initial_option?.value).toBe('A1');
    expect(el('quantity')?.initial_value).toBe('7');
    expect(el('justification')?.initial_value).toBe('Because the web tier grows');
    expect(ids(v)).toContain('attestation');
  });

  it('round-trips private_metadata and survives garbage', () => {
    const m = { v: 2 as const, channel: 'C0GENERAL', kind: 'azure_reservation' as const };
    expect(decodeMetadata(encodeMetadata(m))).toEqual(m);
    expect(decodeMetadata('not json')).toEqual({ v: 2 });
    expect(decodeMetadata(undefined)).toEqual({ v: 2 });
  });

  it('reads the form values back, ignoring placeholders and malformed state', () => {
    expect(
      readForm({
        kind: { kind: { type: 'static_select', selected_option: { value: 'azure_reservation' } } },
      }),
    ).toMatchObject({
      kind: 'azure_reservation',
    });
    expect(readForm({ kind: { kind: { selected_option: { value: 'dinosaur' } } } }).kind).toBeUndefined();
    expect(readForm('garbage')).toMatchObject({ customer: undefined });
    expect(
      readForm({ customer: { customer: { selected_option: { value: '__none__' } } } }).customer,
    ).toBeUndefined();
  });
});

describe('options', () => {
  it("truncates long option text to Slack's 75 characters and refuses values Slack would reject", () => {
    const o = option('y'.repeat(200), 'v', 'd'.repeat(200));
    expect(o.text.text.length).toBeLessThanOrEqual(LIMITS.optionText);
    expect(o.description!.text.length).toBeLessThanOrEqual(LIMITS.optionText);
    expect(() => option('t', 'v'.repeat(LIMITS.optionValue + 1))).toThrow();
  });
});

describe('other views', () => {
  it('asks for a reason when rejecting and remembers which request', () => {
    const v = buildRejectModal('PR-ABC12345');
    expect(v.type === 'modal' && v.callback_id).toBe('reject_reason');
    expect(JSON.parse(v.private_metadata!)).toEqual({ requestId: 'PR-ABC12345' });
  });

  it('shows the history in the status answer without any buttons, in words', () => {
    const now = Date.now();
    const s = buildStatusBlocks(sampleRequest(), [
      {
        id: '1-0',
        requestId: 'PR-TEST0001',
        event: 'created',
        actor: 'U0REQUEST1',
        at: now,
        status: 'pending_approval',
      },
      {
        id: '2-0',
        requestId: 'PR-TEST0001',
        event: 'checkout_sent',
        actor: 'pipeline',
        at: now,
        status: 'ordering',
      },
    ]);
    expect(buttons(s.blocks as AnyBlock[])).toHaveLength(0);
    const text = allText(s.blocks as AnyBlock[]).join('\n');
    expect(text).toMatch(/History[\s\S]*Requested by <@U0REQUEST1>[\s\S]*Checkout sent by the bot/);
    expect(text).not.toMatch(/checkout_sent|pipeline/);
  });

  it('builds an App Home with the user’s requests, the approvers’ queue and the latest invoices', () => {
    const home = buildHome({
      userId: 'U0APPROVE1',
      mine: [sampleRequest({ id: 'PR-MINE0001', status: 'expired' })],
      queue: [sampleRequest({ id: 'PR-QUEUE001', requesterId: 'U0REQUEST2' })],
      invoices: [{ id: 'G000024135', date: '2026-11-01', total: '$100.00' }],
      canRequest: true,
    });
    expect(home.type).toBe('home');
    const blocks = home.blocks as AnyBlock[];
    expect(buttons(blocks).map((b) => [b.action_id, b.value])).toEqual([
      ['new_request', 'new'],
      ['approve_request', 'PR-QUEUE001'],
      ['reject_request', 'PR-QUEUE001'],
      ['submit_again', 'PR-MINE0001'],
    ]);
    expect(allText(blocks).join('\n')).toContain('G000024135');
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.homeBlocks);
  });
});
