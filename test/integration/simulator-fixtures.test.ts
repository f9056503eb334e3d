import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import {
  authorityAgent,
  call,
  parseQuotedCsv,
  priceSheetPath,
  requestToken,
  sheetRecords,
  type CallOptions,
  type LooseJson,
} from '../../fakes/partner-center/testkit';

const FIXTURES = path.resolve(__dirname, '../fixtures/partner-center');

function fixture(name: string): LooseJson {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
}

/**
 * Every key path the documented example has and our answer lacks. Arrays are compared as the union
 * of their items' keys (the examples mix kinds of line in one array). `ignore` lists paths (prefixes)
 * that are documented quirks or optional features we do not seed.
 */
function missingKeys(documented: unknown, ours: unknown, ignore: string[] = [], at = ''): string[] {
  const merge = (value: unknown): unknown => {
    if (!Array.isArray(value)) return value;
    const objects = value.filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    if (objects.length === 0) return value.length > 0 ? value[0] : undefined;
    return objects.reduce((acc: Record<string, unknown>, item: Record<string, unknown>) => {
      for (const [k, v] of Object.entries(item)) {
        const prev = acc[k];
        acc[k] = Array.isArray(prev) && Array.isArray(v) ? [...prev, ...v] : (prev ?? v);
      }
      return acc;
    }, {});
  };
  const doc = merge(documented);
  const our = merge(ours);
  if (typeof doc !== 'object' || doc === null) return [];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(doc)) {
    const p = at ? `${at}.${key}` : key;
    if (ignore.some((i) => p === i || p.startsWith(`${i}.`))) continue;
    if (typeof our !== 'object' || our === null || !(key in our)) {
      missing.push(p);
      continue;
    }
    missing.push(...missingKeys(value, (our as Record<string, unknown>)[key], ignore, p));
  }
  return missing;
}

describe('Partner Center simulator: the documented examples', () => {
  let sim: Simulator;
  const api = (method: string, p: string, opts?: CallOptions) => call(sim.url, method, p, opts);
  const OPEN = SEED.customers.open.id;

  beforeAll(async () => {
    sim = await startSimulator({
      openAuth: true,
      fulfillmentDelayMs: 0,
      orderListDelayMs: 0,
      registrationDelayMs: 0,
    });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  describe('request examples', () => {
    const accepted: Record<string, () => Promise<number>> = {
      'create-cart.request.json': async () =>
        (await api('POST', `/v1/customers/${OPEN}/carts`, { body: fixture('create-cart.request.json') }))
          .status,
      'create-cart.nce.request.json': async () =>
        (await api('POST', `/v1/customers/${OPEN}/carts`, { body: fixture('create-cart.nce.request.json') }))
          .status,
      'create-cart.attestation-participants.request.json': async () =>
        (
          await api('POST', `/v1/customers/${OPEN}/carts`, {
            body: fixture('create-cart.attestation-participants.request.json'),
          })
        ).status,
      'update-cart.request.json': async () => {
        const cart = await api('POST', `/v1/customers/${OPEN}/carts`, {
          body: fixture('create-cart.nce.request.json'),
        });
        return (
          await api('PUT', `/v1/customers/${OPEN}/carts/${cart.json.id}`, {
            body: fixture('update-cart.request.json'),
          })
        ).status;
      },
      'check-inventory.request.json': async () =>
        (
          await api('POST', '/v1/extensions/product/checkInventory?country=US', {
            body: fixture('check-inventory.request.json'),
          })
        ).status,
      'create-customer-agreement.request.json': async () =>
        (
          await api('POST', `/v1/customers/${SEED.customers.noAgreement.id}/agreements`, {
            body: fixture('create-customer-agreement.request.json'),
          })
        ).status,
      'cancel-order.request.json': async () => {
        const body = fixture('cancel-order.request.json');
        return (await api('PATCH', `/v1/customers/${OPEN}/orders/${body.id}`, { body })).status;
      },
    };

    it('knows an endpoint for every documented request example', () => {
      const requests = readdirSync(FIXTURES).filter((f) => f.endsWith('.request.json'));
      expect(requests.sort()).toEqual(Object.keys(accepted).sort());
    });

    it.each(Object.keys(accepted))('accepts %s as the documented endpoint does', async (name) => {
      const status = await accepted[name]!();
      expect([200, 201]).toContain(status);
    });

    it('reads PascalCase keys and PascalCase enum values as the documented examples send them', async () => {
      const res = await api('POST', `/v1/customers/${OPEN}/carts`, {
        body: fixture('create-cart.nce.request.json'),
      });
      expect(res.json.lineItems[0]).toMatchObject({
        catalogItemId: 'CFQ7TTC0LFLZ:0002:CFQ7TTC0K4TS',
        billingCycle: 'monthly',
        termDuration: 'P1M',
      });
    });

    it('echoes the provisioning context it was sent, camelCase, values as sent', async () => {
      const cart = await api('POST', `/v1/customers/${OPEN}/carts`, {
        body: fixture('create-cart.request.json'),
      });
      const put = await api('PUT', `/v1/customers/${OPEN}/carts/${cart.json.id}`, {
        body: fixture('update-cart.request.json'),
      });
      expect(put.json.id).toBe(cart.json.id);
      expect(put.json.lineItems[0].provisioningContext).toEqual({
        subscriptionId: '3D5ECED6-1151-44C7-AEE6-70A4BB725666',
        scope: 'shared',
        duration: '1Year',
      });
      expect(cart.json.lineItems.map((l: { orderGroup: string }) => l.orderGroup)).toEqual([
        'OMS-0',
        '0',
        '0',
        '0',
        '1',
        '2',
      ]);
      expect(cart.json.lineItems[2].provisioningContext.scope).toBe('single');
    });
  });

  describe('response shapes', () => {
    async function get(p: string) {
      const res = await api('GET', p);
      expect(res.status).toBe(200);
      return res.json;
    }

    async function checkedOut(requestFixture: string) {
      const cart = await api('POST', `/v1/customers/${OPEN}/carts`, { body: fixture(requestFixture) });
      expect(cart.status).toBe(201);
      const checkout = await api('POST', `/v1/customers/${OPEN}/carts/${cart.json.id}/checkout`);
      expect(checkout.status).toBe(201);
      return { cart: cart.json, checkout: checkout.json };
    }

    async function reservationEntitlement() {
      const item = `${SEED.products.reservation.productId}:0001:${SEED.availabilities.reservationAzurePlan}`;
      const cart = await api('POST', `/v1/customers/${OPEN}/carts`, {
        body: {
          lineItems: [
            {
              catalogItemId: item,
              quantity: 1,
              billingCycle: 'one_time',
              termDuration: 'P1Y',
              provisioningContext: {
                subscriptionId: SEED.subscriptions.registered.id,
                scope: 'shared',
                duration: '1Year',
              },
            },
          ],
        },
      });
      await api('POST', `/v1/customers/${OPEN}/carts/${cart.json.id}/checkout`);
      return get(`/v1/customers/${OPEN}/entitlements?entitlementType=reservedInstance`);
    }

    const table: [string, () => Promise<unknown>, string[]?][] = [
      ['get-product.azure-vm-reservation.response.json', () => get('/v1/products/DZH318Z0BQ3Q?country=US')],
      ['get-product.nce.response.json', () => get('/v1/products/CFQ7TTC0LH18?country=US')],
      [
        'get-products.azure-vm-reservations-azureplan.response.json',
        () => get('/v1/products?country=US&targetView=Azure'),
      ],
      [
        'get-products.online-services-nce.response.json',
        () => get('/v1/products?country=US&targetView=OnlineServices'),
      ],
      [
        'get-sku.azure-vm-reservation.response.json',
        () => get('/v1/products/DZH318Z0BQ3V/skus/00G1?country=US'),
      ],
      // dynamicAttributes are free-form and "may change" (D).
      [
        'get-sku.nce.response.json',
        () => get('/v1/products/CFQ7TTC0LH18/skus/0001?country=US'),
        ['dynamicAttributes'],
      ],
      // One-term reservation SKUs: the duration is part of the SKU, as in the example.
      [
        'get-skus.azure-vm-reservation-azureplan.response.json',
        () => get('/v1/products/DZH318Z0BQ36/skus?country=US'),
      ],
      [
        'get-skus.nce.response.json',
        () => get('/v1/products/CFQ7TTC0LH18/skus?country=US'),
        ['items.dynamicAttributes'],
      ],
      [
        'get-availability.azure-vm-reservation.response.json',
        () =>
          get(
            `/v1/products/DZH318Z0BQ3Q/skus/0001/availabilities/${SEED.availabilities.reservation}?country=US`,
          ),
      ],
      [
        'get-availability.nce.response.json',
        () => get('/v1/products/CFQ7TTC0LH18/skus/0001/availabilities/CFQ7TTC0K971?country=US'),
      ],
      [
        'get-availabilities.azure-vm-reservation-azureplan.response.json',
        () => get('/v1/products/DZH318Z0BQ3Q/skus/0001/availabilities?country=US&reservationScope=AzurePlan'),
      ],
      // The documented "collection" is a single availability.
      [
        'get-availabilities.nce.response.json',
        async () => (await get('/v1/products/CFQ7TTC0LH18/skus/0001/availabilities?country=US')).items[0],
      ],
      [
        'check-inventory.response.json',
        async () =>
          (
            await api('POST', '/v1/extensions/product/checkInventory?country=US', {
              body: fixture('check-inventory.request.json'),
            })
          ).json,
      ],
      [
        'create-cart.response.json',
        async () =>
          (await api('POST', `/v1/customers/${OPEN}/carts`, { body: fixture('create-cart.request.json') }))
            .json,
      ],
      [
        'create-cart.nce.response.json',
        async () =>
          (
            await api('POST', `/v1/customers/${OPEN}/carts`, {
              body: fixture('create-cart.nce.request.json'),
            })
          ).json,
      ],
      [
        'create-cart.attestation-participants.response.json',
        async () =>
          (
            await api('POST', `/v1/customers/${OPEN}/carts`, {
              body: fixture('create-cart.attestation-participants.request.json'),
            })
          ).json,
      ],
      [
        'update-cart.response.json',
        async () => {
          const cart = await api('POST', `/v1/customers/${OPEN}/carts`, {
            body: fixture('create-cart.nce.request.json'),
          });
          return (
            await api('PUT', `/v1/customers/${OPEN}/carts/${cart.json.id}`, {
              body: fixture('update-cart.request.json'),
            })
          ).json;
        },
        // The example's `ProvisioningContext` is PascalCase in a camelCase body: a doc slip; we answer camelCase.
        ['lineItems.ProvisioningContext'],
      ],
      ['checkout-cart.response.json', async () => (await checkedOut('create-cart.request.json')).checkout],
      [
        'checkout-cart.nce-order.response.json',
        async () => (await checkedOut('create-cart.nce.request.json')).checkout.orders[0],
      ],
      ['get-order.response.json', () => get(`/v1/customers/${OPEN}/orders/${SEED.orders.reservation}`)],
      ['get-orders.response.json', () => get(`/v1/customers/${OPEN}/orders`)],
      [
        'get-orders-by-billing-type.onetime.response.json',
        () => get(`/v1/customers/${OPEN}/orders?billingType=onetime`),
      ],
      [
        'get-order-provisioning-status.response.json',
        () => get(`/v1/customers/${OPEN}/orders/${SEED.orders.reservation}/provisioningstatus`),
      ],
      [
        'cancel-order.response.json',
        async () => {
          const body = fixture('cancel-order.request.json');
          return (await api('PATCH', `/v1/customers/${OPEN}/orders/${body.id}`, { body })).json;
        },
      ],
      // Software bundles (includedEntitlements with members) are not seeded.
      [
        'get-entitlements.response.json',
        () => get(`/v1/customers/${OPEN}/entitlements`),
        ['items.includedEntitlements'],
      ],
      [
        'get-entitlements.software-showexpiry.response.json',
        () => get(`/v1/customers/${OPEN}/entitlements?entitlementType=software&showExpiry=true`),
        ['items.includedEntitlements'],
      ],
      [
        'get-artifact.reservedinstance.response.json',
        async () => {
          const list = await reservationEntitlement();
          return get(`/v1${list.items[0].entitledArtifacts[0].link.uri}`);
        },
      ],
      [
        'get-artifact.virtualmachinereservedinstance.response.json',
        async () => {
          await reservationEntitlement();
          const list = await get(
            `/v1/customers/${OPEN}/entitlements?entitlementType=virtualmachinereservedinstance`,
          );
          return get(`/v1${list.items[0].entitledArtifacts[0].link.uri}`);
        },
      ],
      ['get-invoice-summary.response.json', () => get('/v1/invoices/summary')],
      ['get-invoice-summaries.response.json', () => get('/v1/invoices/summaries')],
      // Tax receipts and amendments (void and adjustment notes) are not seeded.
      [
        'get-invoices.response.json',
        () => get('/v1/invoices?size=2&offset=0'),
        ['items.taxReceipts', 'items.amendments'],
      ],
      ['get-invoice.response.json', () => get(`/v1/invoices/${SEED.invoices.oneTime}`), ['taxReceipts']],
      [
        'get-invoice-lineitems.onetime.page1.response.json',
        () =>
          get(
            `/v1/invoices/${SEED.invoices.oneTime}/lineitems?provider=OneTime&invoiceLineItemType=BillingLineItems&size=2`,
          ),
        ['items.attributes/objectType'],
      ],
      [
        'get-invoice-lineitems.onetime.next.response.json',
        async () => {
          const first = await get(
            `/v1/invoices/${SEED.invoices.oneTime}/lineitems/OneTime/BillingLineItems?size=2`,
          );
          const next = first.links.next;
          return (
            await api('GET', `/v1${next.uri}`, { headers: { 'MS-ContinuationToken': next.headers[0].value } })
          ).json;
        },
        // A doc slip: a flattened "attributes/objectType" key beside the real attributes object.
        ['items.attributes/objectType'],
      ],
      [
        'get-subscription-registration-status.response.json',
        () =>
          get(`/v1/customers/${OPEN}/subscriptions/${SEED.subscriptions.unregistered.id}/registrationstatus`),
      ],
      ['get-sku.azure-plan.response.json', () => get('/v1/products/DZH318Z0BPS6/skus/0001?country=US')],
      [
        'get-customer-qualifications.approved.response.json',
        () => get(`/v1/customers/${SEED.customers.education.id}/qualifications`),
      ],
      [
        'get-customer-qualifications.in-review.response.json',
        () => get(`/v1/customers/${SEED.customers.education.id}/qualifications`),
      ],
      // No customer with a denied qualification is seeded.
      [
        'get-customer-qualifications.denied.response.json',
        () => get(`/v1/customers/${SEED.customers.education.id}/qualifications`),
        ['vettingReason'],
      ],
      [
        'get-customer-qualifications.gcc-soe.response.json',
        () => get(`/v1/customers/${SEED.customers.government.id}/qualifications`),
      ],
      [
        'get-customer-agreements.mca.response.json',
        () => get(`/v1/customers/${OPEN}/agreements?agreementType=MicrosoftCustomerAgreement`),
      ],
      [
        'create-customer-agreement.response.json',
        async () =>
          (
            await api('POST', `/v1/customers/${SEED.customers.noAgreement.id}/agreements`, {
              body: fixture('create-customer-agreement.request.json'),
            })
          ).json,
      ],
      [
        'error.example-600061.response.json',
        async () => {
          const path = `/v1/customers/${SEED.customers.noAgreement.id}/agreements`;
          const body = fixture('create-customer-agreement.request.json');
          await api('POST', path, { body });
          return (await api('POST', path, { body })).json;
        },
      ],
      [
        'get-agreement-metadata.mca.response.json',
        () => get('/v1/agreements?agreementType=MicrosoftCustomerAgreement'),
      ],
      [
        'get-direct-sign-status.response.json',
        () => get(`/v1/customers/${OPEN}/directSignedMicrosoftCustomerAgreementStatus`),
      ],
      [
        'get-azure-entitlements.response.json',
        () =>
          get(`/v1/customers/${OPEN}/subscriptions/${SEED.subscriptions.registered.id}/azureEntitlements`),
      ],
      ['get-customers.response.json', () => get('/v1/customers?size=40')],
      [
        'get-customers.filter-companyname.response.json',
        () =>
          get(
            `/v1/customers?size=0&filter=${encodeURIComponent(JSON.stringify({ Field: 'CompanyName', Value: 'Cont', Operator: 'starts_with' }))}`,
          ),
      ],
      [
        'error.example-404.response.json',
        async () => (await api('GET', `/v1/customers/${OPEN}/orders/nosuchorder`)).json,
      ],
      [
        'error.example-800090.response.json',
        async () => (await api('GET', `/v1/customers/${OPEN}/carts/nosuchcart`)).json,
      ],
    ];

    // Every row gets its ignore list, so jest never mistakes the third parameter for a `done` callback.
    const cases = table.map(([name, fetchOurs, ignore]): [string, () => Promise<unknown>, string[]] => [
      name,
      fetchOurs,
      ignore ?? [],
    ]);

    it.each(cases)('answers with every field of %s', async (name, fetchOurs, ignore) => {
      const ours = await fetchOurs();
      expect(missingKeys(fixture(name), ours, ignore)).toEqual([]);
    });

    it('answers the price sheet with the documented headers and the documented license-based header row', async () => {
      const meta = fixture('get-price-sheet.response-meta.json');
      const documented = readFileSync(
        path.join(FIXTURES, 'get-price-sheet.updatedlicensebased.response.csv'),
        'utf8',
      );
      const [documentedHeader, documentedRow] = parseQuotedCsv(documented);
      const res = await api(
        'GET',
        priceSheetPath('US', 'updatedlicensebased', '?timeline=history&month=202101'),
      );
      expect(res.status).toBe(meta.status);
      for (const [name, value] of Object.entries(meta.headers as Record<string, string>)) {
        expect(res.headers[name.toLowerCase()]).toBe(value);
      }
      const ours = parseQuotedCsv(res.text);
      expect(ours[0]).toEqual(documentedHeader);
      expect(ours.length).toBeGreaterThan(1);
      for (const row of ours.slice(1)) expect(row).toHaveLength(documentedRow!.length);
      // The documented row's shapes: a term, a billing plan, a market, a currency, numbers as text.
      const basic = sheetRecords(ours).find(
        (r) => r.ProductId === 'CFQ7TTC0LH18' && r.BillingPlan === 'Annual',
      );
      expect(basic).toMatchObject({ TermDuration: 'P1Y', Market: 'US', Currency: 'USD', Tags: 'License' });
      expect(basic?.EffectiveStartDate).toMatch(/^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/);
    });

    it('answers a registration with 202, no body and the documented headers', async () => {
      const meta = fixture('register-subscription.response-meta.json');
      const res = await api(
        'POST',
        `/v1/customers/${OPEN}/subscriptions/${SEED.subscriptions.unregistered.id}/registrations`,
        {
          headers: {
            'MS-RequestId': 'ec8f62e5-1d92-47e9-8d5d-1924af105123',
            'MS-CorrelationId': 'ca7c39f7-1a80-43bc-90d8-ee7d1cad3123',
          },
        },
      );
      expect(res.status).toBe(meta.status);
      expect(res.text).toBe('');
      for (const header of Object.keys(meta.headers)) expect(res.headers[header.toLowerCase()]).toBeDefined();
      expect(res.headers['content-length']).toBe('0');
    });

    it('answers a statement with the documented PDF headers', async () => {
      const meta = fixture('get-invoice-statement.response-meta.json');
      const res = await api('GET', `/v1/invoices/${SEED.invoices.oneTime}/documents/statement`);
      expect(res.headers['content-type']).toBe(meta.headers['Content-Type']);
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename=Invoice_${SEED.invoices.oneTime}.pdf`,
      );
    });

    it('answers the token endpoint in the documented v1 shapes, times as strings', async () => {
      const agent = authorityAgent(sim);
      try {
        const app = await requestToken(
          sim,
          {
            grant_type: 'client_credentials',
            client_id: 'app',
            client_secret: 'secret',
            resource: 'https://api.partnercenter.microsoft.com',
          },
          { path: '/partner-tenant/oauth2/token', agent },
        );
        expect(missingKeys(fixture('auth.app-only-client-credentials-v1.response.json'), app.json)).toEqual(
          [],
        );
        expect(typeof app.json.expires_in).toBe('string');
        const user = await requestToken(
          sim,
          {
            grant_type: 'refresh_token',
            client_id: 'app',
            client_secret: 'secret',
            refresh_token: 'stored-refresh-token',
            resource: 'https://api.partnercenter.microsoft.com',
            scope: 'openid',
          },
          { path: '/partner-tenant/oauth2/token', agent },
        );
        expect(missingKeys(fixture('auth.refresh-token-grant.response.json'), user.json)).toEqual([]);
        expect(user.json).toMatchObject({
          scope: 'user_impersonation',
          resource: 'https://api.partnercenter.microsoft.com',
        });
      } finally {
        await agent.close();
      }
    });
  });
});
