import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import bundled from '../../src/purchases/data/unavailable-markets.json';
import { checkDraft, closedMarket, requiredApprovals } from '../../src/purchases/policy';

const facts = { perpetualQualified: true, maxQuantity: 100 };
const draft = {
  kind: 'software_subscription' as const,
  country: 'US',
  quantity: 1,
  azureSubscriptionId: undefined,
  justification: 'A good reason to buy',
};

// The seed documents' lists, as the project received them (test/fixtures/README.md).
const markets = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/unavailable-markets.seed-documents.json'), 'utf8'),
) as typeof bundled;

describe('purchase policy', () => {
  it('ships the market lists exactly as the seed documents give them', () => {
    expect(bundled).toEqual(markets);
  });

  it('closes every market the seed documents list, for the kind they list it for', () => {
    for (const m of markets.softwareSubscriptions)
      expect(closedMarket('software_subscription', m.iso2)).toContain(m.name);
    for (const m of markets.azureReservations)
      expect(closedMarket('azure_reservation', m.iso2)).toContain(m.name);
    expect(closedMarket('software_subscription', 'IN')).toBeUndefined();
    expect(closedMarket('azure_reservation', 'AD')).toBeUndefined();
    expect(closedMarket('perpetual_software', 'BR')).toBeUndefined();
  });

  it('puts each refusal on the field the requester must change', () => {
    expect(checkDraft({ ...draft, country: 'AD' }, facts).kind).toMatch(/Andorra/);
    expect(checkDraft({ ...draft, quantity: 0 }, facts).quantity).toMatch(/1 to 100/);
    expect(checkDraft({ ...draft, quantity: 101 }, facts).quantity).toBeDefined();
    expect(
      checkDraft({ ...draft, kind: 'perpetual_software' }, { ...facts, perpetualQualified: false }).kind,
    ).toMatch(/qualified/);
    expect(checkDraft({ ...draft, kind: 'azure_reservation' }, facts).azure_subscription).toMatch(
      /needs the Azure subscription/,
    );
    expect(
      checkDraft(
        { ...draft, kind: 'azure_reservation', azureSubscriptionId: 'x' },
        { ...facts, customerSubscriptionIds: ['y'] },
      ).azure_subscription,
    ).toMatch(/does not belong/);
    expect(checkDraft(draft, { ...facts, availabilityOffered: false }).availability).toMatch(
      /no longer offers/,
    );
    expect(
      checkDraft(draft, {
        ...facts,
        inventory: { required: true, available: false, detail: 'none in westus' },
      }).sku,
    ).toMatch(/none in westus/);
    expect(checkDraft({ ...draft, justification: 'short' }, facts).justification).toBeDefined();
    expect(checkDraft(draft, facts)).toEqual({});
  });

  it('asks for two approvers above the quantity or amount threshold, never when the rule is off', () => {
    const rule = { dualApprovalQuantity: 10, dualApprovalAmount: 5000 };
    expect(requiredApprovals({ quantity: 11, unitPrice: undefined }, rule)).toBe(2);
    expect(requiredApprovals({ quantity: 2, unitPrice: 3000 }, rule)).toBe(2);
    expect(requiredApprovals({ quantity: 2, unitPrice: 100 }, rule)).toBe(1);
    expect(
      requiredApprovals(
        { quantity: 1000, unitPrice: 1e6 },
        { dualApprovalQuantity: 0, dualApprovalAmount: 0 },
      ),
    ).toBe(1);
  });
});
