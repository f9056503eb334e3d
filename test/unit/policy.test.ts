import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import bundled from '../../src/purchases/data/unavailable-markets.json';
import {
  checkDraft,
  defaultMarketRules,
  marketRules,
  NEW_AZURE_PLAN,
  requiredApprovals,
  type CheckFacts,
  type DraftInput,
} from '../../src/purchases/policy';

const markets = defaultMarketRules;
const facts: CheckFacts = { markets, perpetualQualified: true, maxQuantity: 100 };
const draft: DraftInput = {
  kind: 'software_subscription',
  country: 'US',
  quantity: 1,
  azureChoice: undefined,
  justification: 'A good reason to buy',
};

// The seed documents' lists, as the project received them (test/fixtures/README.md).
const seedLists = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/unavailable-markets.seed-documents.json'), 'utf8'),
) as typeof bundled;

describe('purchase policy', () => {
  it('ships the market lists exactly as the seed documents give them', () => {
    expect(bundled).toEqual(seedLists);
  });

  it('closes every market the seed documents list, for the kind they list it for', () => {
    for (const m of seedLists.softwareSubscriptions)
      expect(markets.closed('software_subscription', m.iso2)).toContain(m.name);
    for (const m of seedLists.azureReservations)
      expect(markets.closed('azure_reservation', m.iso2)).toContain(m.name);
    expect(markets.closed('software_subscription', 'IN')).toBeUndefined();
    expect(markets.closed('azure_reservation', 'AD')).toBeUndefined();
    expect(markets.closed('perpetual_software', 'BR')).toBeUndefined();
  });

  it('takes an operator file instead of the bundled lists (MARKET_RULES_FILE)', () => {
    const rules = marketRules({
      softwareSubscriptions: [],
      azureReservations: [{ name: 'Andorra', iso2: 'AD' }],
    });
    expect(rules.closed('software_subscription', 'AD')).toBeUndefined();
    expect(rules.closed('azure_reservation', 'ad')).toBe('Andorra');
  });

  it('puts each refusal on the field the requester must change', () => {
    expect(checkDraft({ ...draft, country: 'AD' }, facts).kind).toMatchObject({
      code: 'market_closed',
      market: 'Andorra',
    });
    expect(checkDraft({ ...draft, quantity: 0 }, facts).quantity).toEqual({
      code: 'quantity_range',
      min: 1,
      max: 100,
    });
    expect(checkDraft({ ...draft, quantity: 101 }, facts).quantity).toBeDefined();
    expect(
      checkDraft({ ...draft, kind: 'perpetual_software' }, { ...facts, perpetualQualified: false }).kind,
    ).toEqual({
      code: 'perpetual_unqualified',
    });
    expect(checkDraft({ ...draft, kind: 'azure_reservation' }, facts).azure_subscription).toEqual({
      code: 'required',
      field: 'azure_subscription',
    });
    expect(checkDraft(draft, { ...facts, availabilityOffered: false }).availability).toEqual({
      code: 'availability_gone',
    });
    expect(
      checkDraft(draft, { ...facts, inventory: { available: false, region: 'westus' } }).sku,
    ).toMatchObject({
      code: 'out_of_stock',
      region: 'westus',
    });
    expect(checkDraft({ ...draft, justification: 'short' }, facts).justification).toMatchObject({
      code: 'justification_short',
    });
    expect(checkDraft({ ...draft, justification: 'x'.repeat(2001) }, facts).justification).toMatchObject({
      code: 'text_too_long',
    });
    expect(checkDraft(draft, facts)).toEqual({});
  });

  it('refuses a product of another kind than the one chosen', () => {
    expect(checkDraft(draft, { ...facts, productKind: 'perpetual_software' }).product).toEqual({
      code: 'kind_mismatch',
      chosen: 'software_subscription',
      product: 'perpetual_software',
    });
  });

  it('accepts only the customer’s active Azure subscriptions for a reservation, never a Microsoft 365 one', () => {
    const subscriptions = [
      { id: 'plan-1', type: 'azure_plan' as const, active: true },
      { id: 'm365-1', type: 'other' as const, active: true },
      { id: 'old-1', type: 'legacy' as const, active: false },
    ];
    const reservation = { ...draft, kind: 'azure_reservation' as const };
    const f = { ...facts, subscriptions };
    expect(checkDraft({ ...reservation, azureChoice: 'plan-1' }, f).azure_subscription).toBeUndefined();
    expect(checkDraft({ ...reservation, azureChoice: 'm365-1' }, f).azure_subscription).toEqual({
      code: 'subscription_not_azure',
    });
    expect(checkDraft({ ...reservation, azureChoice: 'old-1' }, f).azure_subscription).toEqual({
      code: 'subscription_inactive',
    });
    expect(checkDraft({ ...reservation, azureChoice: 'someone-elses' }, f).azure_subscription).toEqual({
      code: 'subscription_foreign',
    });
    // A new Azure plan only for a customer without one.
    expect(checkDraft({ ...reservation, azureChoice: NEW_AZURE_PLAN }, f).azure_subscription).toEqual({
      code: 'subscription_foreign',
    });
    expect(
      checkDraft(
        { ...reservation, azureChoice: NEW_AZURE_PLAN },
        { ...facts, subscriptions: [subscriptions[1]!] },
      ).azure_subscription,
    ).toBeUndefined();
  });

  it('refuses a term of another segment, a missing attestation and a customer without the agreement', () => {
    expect(
      checkDraft(draft, { ...facts, segment: { customer: 'commercial', offered: 'education' } }).availability,
    ).toMatchObject({
      code: 'segment_mismatch',
    });
    expect(
      checkDraft(draft, { ...facts, segment: { customer: 'education', offered: 'Education' } }).availability,
    ).toBeUndefined();
    expect(
      checkDraft(draft, { ...facts, attestation: { required: true, accepted: false } }).attestation,
    ).toEqual({
      code: 'attestation_required',
    });
    expect(checkDraft(draft, { ...facts, attestation: { required: true, accepted: true } })).toEqual({});
    expect(checkDraft(draft, { ...facts, agreementAccepted: false }).customer).toEqual({
      code: 'agreement_missing',
    });
  });
});

describe('how many approvers a request needs', () => {
  const rule = { dualApprovalQuantity: 10, dualApprovalAmount: 5000, currency: 'USD' };
  const price = (unit: number, currency = 'USD') => ({
    known: true as const,
    unit,
    currency,
    source: 'test',
  });

  it('asks for two above the quantity or the amount, and says why', () => {
    expect(requiredApprovals({ quantity: 11, price: price(1) }, rule)).toEqual({
      count: 2,
      reasons: ['quantity'],
    });
    expect(requiredApprovals({ quantity: 2, price: price(3000) }, rule)).toEqual({
      count: 2,
      reasons: ['amount'],
    });
    expect(requiredApprovals({ quantity: 2, price: price(100) }, rule)).toEqual({ count: 1, reasons: [] });
  });

  it('never fails open: an unknown price needs the second approver while the amount rule is on', () => {
    const unknown = { known: false as const, reason: 'no_user_credentials' as const };
    expect(requiredApprovals({ quantity: 1, price: unknown }, rule)).toEqual({
      count: 2,
      reasons: ['price_unknown'],
    });
    expect(requiredApprovals({ quantity: 1, price: unknown }, { ...rule, dualApprovalAmount: 0 })).toEqual({
      count: 1,
      reasons: [],
    });
  });

  it("compares a price in another currency through Microsoft's own price in the rule's currency, or asks for two", () => {
    expect(requiredApprovals({ quantity: 1, price: price(100, 'EUR') }, rule)).toEqual({
      count: 2,
      reasons: ['price_unknown'],
    });
    const converted = { ...price(100, 'EUR'), converted: { amount: 110, currency: 'USD' } };
    expect(requiredApprovals({ quantity: 1, price: converted }, rule)).toEqual({ count: 1, reasons: [] });
    const big = { ...price(10000, 'EUR'), converted: { amount: 11000, currency: 'USD' } };
    expect(requiredApprovals({ quantity: 1, price: big }, rule)).toEqual({ count: 2, reasons: ['amount'] });
  });

  it('needs one approver when both rules are off, whatever the size', () => {
    expect(
      requiredApprovals(
        { quantity: 1000, price: price(1e6) },
        { dualApprovalQuantity: 0, dualApprovalAmount: 0, currency: 'USD' },
      ),
    ).toEqual({
      count: 1,
      reasons: [],
    });
  });
});
