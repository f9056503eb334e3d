import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ZodTypeAny } from 'zod';
import * as s from '../../src/partner-center/schemas';
import * as more from '../../src/partner-center/schemas-more';

const FIXTURES = path.resolve(__dirname, '../fixtures/partner-center');

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
}

/** Every documented response body and the schema that must read it. A new fixture needs a row here. */
const SCHEMA_FOR: Record<string, ZodTypeAny> = {
  'create-customer-agreement.response.json': more.AgreementSchema,
  'error.example-600061.response.json': s.ApiFaultSchema,
  'get-agreement-metadata.mca.response.json': more.AgreementMetadataCollectionSchema,
  'get-azure-entitlements.response.json': more.AzureEntitlementCollectionSchema,
  'get-customer-agreements.mca.response.json': more.AgreementCollectionSchema,
  'get-customer-qualifications.approved.response.json': more.QualificationsSchema,
  'get-customer-qualifications.denied.response.json': more.QualificationsSchema,
  'get-customer-qualifications.gcc-soe.response.json': more.QualificationsSchema,
  'get-customer-qualifications.in-review.response.json': more.QualificationsSchema,
  'get-customers.filter-companyname.response.json': s.CustomerCollectionSchema,
  'get-customers.response.json': s.CustomerCollectionSchema,
  'get-direct-sign-status.response.json': more.DirectSignStatusSchema,
  'get-sku.azure-plan.response.json': s.SkuSchema,
  'auth.app-only-client-credentials-v1.response.json': s.TokenResponseSchema,
  'auth.refresh-token-grant.response.json': s.TokenResponseSchema,
  'cancel-order.response.json': s.OrderSchema,
  'check-inventory.response.json': s.InventoryCheckResultSchema,
  // The doc shows a single Order under "checkout result" here.
  'checkout-cart.nce-order.response.json': s.OrderSchema,
  'checkout-cart.response.json': s.CartCheckoutResultSchema,
  'create-cart.attestation-participants.response.json': s.CartSchema,
  'create-cart.nce.response.json': s.CartSchema,
  'create-cart.response.json': s.CartSchema,
  'error.example-400-with-data.response.json': s.ApiFaultSchema,
  'error.example-403-conditional-access.response.json': s.ApiFaultSchema,
  'error.example-404.response.json': s.ApiFaultSchema,
  'error.example-800090.response.json': s.ApiFaultSchema,
  'error.throttled-429.response.json': s.ThrottledBodySchema,
  'get-artifact.reservedinstance.response.json': s.ReservationArtifactSchema,
  'get-artifact.virtualmachinereservedinstance.response.json': s.ReservationArtifactSchema,
  'get-availabilities.azure-vm-reservation-azureplan.response.json': s.AvailabilityCollectionSchema,
  // The doc labels this a collection but shows one Availability.
  'get-availabilities.nce.response.json': s.AvailabilitySchema,
  'get-availability.azure-vm-reservation.response.json': s.AvailabilitySchema,
  'get-availability.nce.response.json': s.AvailabilitySchema,
  'get-entitlements.response.json': s.EntitlementCollectionSchema,
  'get-entitlements.software-showexpiry.response.json': s.EntitlementCollectionSchema,
  'get-invoice-lineitems.onetime.next.response.json': s.OneTimeInvoiceLineItemCollectionSchema,
  'get-invoice-lineitems.onetime.page1.response.json': s.OneTimeInvoiceLineItemCollectionSchema,
  'get-invoice-summaries.response.json': s.InvoiceSummariesSchema,
  'get-invoice-summary.response.json': s.InvoiceSummarySchema,
  'get-invoice.response.json': s.InvoiceSchema,
  'get-invoices.response.json': s.InvoiceCollectionSchema,
  'get-order-provisioning-status.response.json': s.ProvisioningStatusCollectionSchema,
  'get-order.response.json': s.OrderSchema,
  'get-orders-by-billing-type.onetime.response.json': s.OrderCollectionSchema,
  'get-orders.response.json': s.OrderCollectionSchema,
  'get-product.azure-vm-reservation.response.json': s.ProductSchema,
  'get-product.nce.response.json': s.ProductSchema,
  'get-products.azure-vm-reservations-azureplan.response.json': s.ProductCollectionSchema,
  'get-products.online-services-nce.response.json': s.ProductCollectionSchema,
  'get-sku.azure-vm-reservation.response.json': s.SkuSchema,
  'get-sku.nce.response.json': s.SkuSchema,
  'get-skus.azure-vm-reservation-azureplan.response.json': s.SkuCollectionSchema,
  'get-skus.nce.response.json': s.SkuCollectionSchema,
  'get-subscription-registration-status.response.json': s.RegistrationStatusSchema,
  'update-cart.response.json': s.CartSchema,
};

const responseFixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.response.json'))
  .sort();

describe('Partner Center schemas against the documented examples', () => {
  it('finds the fixtures folder beside the repository', () => {
    expect(responseFixtures.length).toBeGreaterThan(30);
  });

  it('has a schema for every response fixture, so a new fixture cannot go unchecked', () => {
    const missing = responseFixtures.filter((f) => !(f in SCHEMA_FOR));
    expect(missing).toEqual([]);
  });

  it('names no fixture that does not exist', () => {
    const stale = Object.keys(SCHEMA_FOR).filter((f) => !responseFixtures.includes(f));
    expect(stale).toEqual([]);
  });

  it.each(responseFixtures)('parses %s with its schema', (file) => {
    const schema = SCHEMA_FOR[file];
    if (!schema) throw new Error(`no schema for ${file}`);
    const result = schema.safeParse(fixture(file));
    if (!result.success) throw new Error(`${file}: ${JSON.stringify(result.error.issues, null, 2)}`);
  });
});

describe('a checkout answer, in both documented shapes', () => {
  it('reads the CartCheckoutResult of "Checkout a cart" as orders and order errors', () => {
    const answer = more.CheckoutAnswerSchema.parse(fixture('checkout-cart.response.json'));
    expect(answer.shape).toBe('result');
    expect(answer.orders.length + answer.orderErrors.length).toBeGreaterThan(0);
  });

  it('reads the bare Order of the new-commerce example as one order', () => {
    const answer = more.CheckoutAnswerSchema.parse(fixture('checkout-cart.nce-order.response.json'));
    expect(answer).toMatchObject({ shape: 'bare_order', orderErrors: [] });
    expect(answer.orders).toHaveLength(1);
  });

  it('reads an answer with neither orders nor errors as empty, which the pipeline treats as outcome unknown', () => {
    expect(more.CheckoutAnswerSchema.parse({})).toEqual({ orders: [], orderErrors: [], shape: 'result' });
  });
});

describe('Partner Center schemas are lenient where the documents disagree', () => {
  it('reads numbers that arrive as strings and as numbers alike', () => {
    const page = s.OneTimeInvoiceLineItemCollectionSchema.parse(
      fixture('get-invoice-lineitems.onetime.next.response.json'),
    );
    const prices = page.items.map((i) => i.unitPrice);
    expect(prices).toEqual([0, 16, 820, 16]);
    expect(page.items.map((i) => i.resellerMpnId)).toEqual(['4649221', '0', '0', '0']);
  });

  it('folds every spelling of a billing cycle into one value', () => {
    for (const spelling of ['one_time', 'OneTime', 'onetime', 'ONE_TIME', 'One Time']) {
      expect(s.normalizeBillingCycle(spelling)).toBe('one_time');
    }
    expect(s.normalizeBillingCycle('Monthly')).toBe('monthly');
  });

  it('keeps an enum value it does not know, in snake_case, instead of failing', () => {
    expect(s.normalizeBillingCycle('QuarterlyPlan')).toBe('quarterly_plan');
  });

  it('reads the registration status whatever its casing', () => {
    const status = s.RegistrationStatusSchema.parse(
      fixture('get-subscription-registration-status.response.json'),
    );
    expect(status.status).toBe('not_registered');
    expect(s.RegistrationStatusSchema.parse({ subscriptionId: 'x', status: 'registered' }).status).toBe(
      'registered',
    );
  });

  it('reads PascalCase keys as camelCase, as the update-cart example sends them', () => {
    const cart = s.CartSchema.parse(fixture('update-cart.response.json'));
    expect(cart.lineItems[0]?.provisioningContext).toEqual({
      subscriptionId: '3D5ECED6-1151-44C7-AEE6-70A4BB725666',
      scope: 'shared',
      duration: '1Year',
    });
    const request = s.CartSchema.safeParse({
      Id: 'c',
      LineItems: [{ Id: 0, CatalogItemId: 'a:b:c', Quantity: 1, BillingCycle: 'OneTime' }],
    });
    expect(request.success && request.data.lineItems[0]?.billingCycle).toBe('one_time');
  });

  it('keeps fields it does not model', () => {
    const order = s.OrderSchema.parse({
      ...(fixture('get-order.response.json') as object),
      brandNewField: 42,
    });
    expect(order['brandNewField']).toBe(42);
  });

  it('reads a cart line error with a numeric or a named code', () => {
    const base = { id: 0, catalogItemId: 'a:b:c', quantity: 1, billingCycle: 'one_time' };
    const numericCode = s.CartLineItemSchema.parse({
      ...base,
      error: { errorCode: 10011, errorDescription: 'not registered' },
    });
    const namedCode = s.CartLineItemSchema.parse({
      ...base,
      error: { errorCode: 'subscription_not_registered' },
    });
    expect(numericCode.error?.errorCode).toBe(10011);
    expect(namedCode.error?.errorCode).toBe('subscription_not_registered');
  });

  it('reads both checkout outcomes: orders and order errors', () => {
    const result = s.CartCheckoutResultSchema.parse({
      orders: [],
      orderErrors: [{ orderGroupId: '0', code: 800030, description: 'This subscription is not registered' }],
    });
    expect(result.orderErrors[0]?.code).toBe(800030);
    expect(s.CartCheckoutResultSchema.parse(fixture('checkout-cart.response.json')).orderErrors).toEqual([]);
  });

  it('reads reservations from either list name of the artifact details', () => {
    const artifact = s.ReservationArtifactSchema.parse(
      fixture('get-artifact.reservedinstance.response.json'),
    );
    expect(artifact.type).toBe('reserved_instance');
    expect(artifact.reservations.map((r) => r.reservationId)).toEqual([
      '99f320db-c029-4c1b-a157-dad76e4481b6',
    ]);
    const legacy = s.ReservationArtifactSchema.parse(
      fixture('get-artifact.virtualmachinereservedinstance.response.json'),
    );
    expect(legacy.type).toBe('virtual_machine_reserved_instance');
  });

  it('reads nested entitlements of a software bundle', () => {
    const page = s.EntitlementCollectionSchema.parse(fixture('get-entitlements.response.json'));
    expect(page.items[0]?.entitlementType).toBe('reserved_instance');
    expect(page.items[1]?.includedEntitlements?.map((e) => e.productId)).toEqual([
      'DG7GMGF0DWTJ',
      'DG7GMGF0DWLG',
    ]);
  });

  it('exposes the continuation token of a seek-paged line-item page', () => {
    const page = s.OneTimeInvoiceLineItemCollectionSchema.parse(
      fixture('get-invoice-lineitems.onetime.page1.response.json'),
    );
    expect(page.continuationToken).toMatch(/^d19617b8/);
    expect(page.links?.['next']?.headers?.[0]?.key).toBe('MS-ContinuationToken');
  });

  it("derives a customer's billing country from the billing profile", () => {
    const customer = s.CustomerSchema.parse({
      id: 'c1',
      companyProfile: { companyName: 'Contoso' },
      billingProfile: { defaultAddress: { country: 'de' } },
    });
    expect(customer.billingCountry).toBe('DE');
    expect(s.CustomerSchema.parse({ id: 'c2' }).billingCountry).toBeUndefined();
  });

  it('rejects a response that lacks a field the bot depends on', () => {
    const { catalogItemId: _omit, ...availability } = fixture(
      'get-availability.azure-vm-reservation.response.json',
    ) as Record<string, unknown>;
    expect(s.AvailabilitySchema.safeParse(availability).success).toBe(false);
    expect(
      s.OneTimeInvoiceLineItemSchema.safeParse({ invoiceNumber: 'G1', unitPrice: 'sixteen' }).success,
    ).toBe(false);
  });
});
