import type { PurchaseRequest } from '../src/purchases/model';

/**
 * A pending reservation request as intake would store it; tests override what they exercise. The
 * overrides are loose on purpose (a test may build a state by hand), so the result is cast.
 */
export function sampleRequest(overrides: Record<string, unknown> = {}): PurchaseRequest {
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
    segment: 'commercial',
    kind: 'azure_reservation',
    productId: 'DZH318Z0BQ3Q',
    productTitle: 'Virtual Machines Dv3 Series',
    skuId: '0001',
    skuTitle: 'Reserved VM Instance, Standard_D2s_v3, US West 2, 1 Year',
    availabilityId: 'DZH318XZXVNF',
    catalogItemId: 'DZH318Z0BQ3Q:0001:DZH318XZXVNF',
    termDuration: 'P1Y',
    billingCycle: 'one_time',
    quantity: 2,
    azure: {
      kind: 'existing',
      subscriptionId: '22222222-2222-4222-8222-222222222222',
      plan: 'azure_plan',
      registration: 'registered',
    },
    justification: 'Production web tier needs reserved capacity',
    price: { known: true, unit: 700, currency: 'USD', source: 'azure_reservations price sheet' },
    ...overrides,
  } as PurchaseRequest;
}

/** Where a request's purchase cart stands, whatever its state (tests watch it to kill a worker at a step). */
export function cartStage(r: PurchaseRequest): 'none' | 'cart' | 'checkout' | undefined {
  return 'progress' in r && r.progress ? r.progress.cart.stage : undefined;
}
