import type { PurchaseRequest } from '../../src/purchases/model';

/** A pending reservation request as intake would store it; tests override what they exercise. */
export function sampleRequest(overrides: Partial<PurchaseRequest> = {}): PurchaseRequest {
  const now = Date.now();
  return {
    id: 'PR-TEST0001',
    requesterId: 'U0REQUEST1',
    createdAt: now,
    expiresAt: now + 72 * 3_600_000,
    status: 'pending_approval',
    version: 1,
    requiredApprovals: 1,
    approvals: [],
    slack: {},
    customerId: '11111111-1111-4111-8111-111111111111',
    customerName: 'Contoso',
    country: 'US',
    kind: 'azure_reservation',
    productId: 'DZH318Z0BQ3Q',
    productTitle: 'Virtual Machines Dv3 Series',
    skuId: '0001',
    skuTitle: 'Reserved VM Instance, Standard_D2s_v3, US West 2, 1 Year',
    availabilityId: 'DZH318XZXPHL',
    catalogItemId: 'DZH318Z0BQ3Q:0001:DZH318XZXPHL',
    termDuration: 'P1Y',
    billingCycle: 'one_time',
    quantity: 2,
    azureSubscriptionId: '22222222-2222-4222-8222-222222222222',
    justification: 'Production web tier needs reserved capacity',
    unitPrice: 700,
    currency: 'USD',
    registrationStatus: 'registered',
    ...overrides,
  };
}
