import {
  buildApprovalCard,
  buildRequestModal,
  decodeMetadata,
  encodeMetadata,
  LIMITS,
  option,
  buildRejectModal,
  buildStatusBlocks,
} from '../../src/slack/blocks';
import type { PurchaseRequest } from '../../src/purchases/model';
import { sampleRequest } from '../support/requests';

type AnyBlock = {
  type: string;
  text?: { text: string };
  fields?: { text: string }[];
  elements?: { type: string; value?: string; text?: { text: string } }[];
};

function buttons(blocks: AnyBlock[]) {
  return blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .filter((e) => e.type === 'button');
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

describe('approval card', () => {
  it('shows Approve and Reject only while the request is pending, each valued with the request id alone', () => {
    const pending = buildApprovalCard(sampleRequest()).blocks as AnyBlock[];
    expect(buttons(pending).map((b) => b.value)).toEqual(['PR-TEST0001', 'PR-TEST0001']);
    for (const status of [
      'approved',
      'rejected',
      'expired',
      'ordering',
      'ordered',
      'confirmed',
      'failed',
      'cancelled',
    ] as const) {
      expect(buttons(buildApprovalCard(sampleRequest({ status })).blocks as AnyBlock[])).toHaveLength(0);
    }
  });

  it('carries everything an approver needs to decide', () => {
    const text = allText(buildApprovalCard(sampleRequest()).blocks as AnyBlock[]).join('\n');
    for (const expected of [
      '<@U0REQUEST1>',
      'Contoso (US)',
      'Azure reservation',
      'Virtual Machines Dv3 Series',
      'Standard_D2s_v3',
      '1 year',
      'one time',
      '2',
      '1,400.00 USD',
      'Not cancellable here',
      'registered',
      'Production web tier',
      'PR-TEST0001',
    ]) {
      expect(text).toContain(expected);
    }
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
});

describe('request modal', () => {
  it('uses the stable callback and block ids, with the subscription field only for reservations', () => {
    const software = buildRequestModal({
      kind: 'software_subscription',
      maxQuantity: 50,
      metadata: { v: 1 },
    });
    const ids = (v: typeof software) =>
      v.blocks.map((b) => (b as { block_id?: string }).block_id).filter(Boolean);
    expect(software.callback_id).toBe('purchase_request');
    expect(ids(software)).toEqual([
      'customer',
      'kind',
      'product',
      'sku',
      'availability',
      'quantity',
      'justification',
    ]);
    const reservation = buildRequestModal({ kind: 'azure_reservation', maxQuantity: 50, metadata: { v: 1 } });
    expect(ids(reservation)).toContain('azure_subscription');
    for (const b of reservation.blocks as { block_id?: string; element?: { action_id?: string } }[]) {
      if (b.block_id && b.element) expect(b.element.action_id).toBe(b.block_id);
    }
    expect((software as { title: { text: string } }).title.text.length).toBeLessThanOrEqual(
      LIMITS.modalTitle,
    );
  });

  it('round-trips private_metadata and survives garbage', () => {
    const m = { v: 1 as const, channel: 'C0GENERAL' };
    expect(decodeMetadata(encodeMetadata(m))).toEqual(m);
    expect(decodeMetadata('not json')).toEqual({ v: 1 });
    expect(decodeMetadata(undefined)).toEqual({ v: 1 });
  });
});

describe('options', () => {
  it('truncates long option text to 75 characters and refuses values Slack would reject', () => {
    const o = option('y'.repeat(200), 'v', 'd'.repeat(200));
    expect(o.text.text.length).toBeLessThanOrEqual(LIMITS.optionText);
    expect(o.description!.text.length).toBeLessThanOrEqual(LIMITS.optionText);
    expect(() => option('t', 'v'.repeat(76))).toThrow();
  });
});

describe('other views', () => {
  it('asks for a reason when rejecting and remembers which request', () => {
    const v = buildRejectModal('PR-ABC12345');
    expect(v.callback_id).toBe('reject_reason');
    expect(JSON.parse(v.private_metadata!)).toEqual({ requestId: 'PR-ABC12345' });
  });

  it('shows the audit trail in the status answer without any buttons', () => {
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
    ]);
    expect(buttons(s.blocks as AnyBlock[])).toHaveLength(0);
    expect(allText(s.blocks as AnyBlock[]).join('\n')).toMatch(/Audit trail[\s\S]*created/);
  });
});
