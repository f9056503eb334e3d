import { ConfidentialClientApplication } from '@azure/msal-node';
import { Agent } from 'undici';
import { UndiciNetworkClient } from '../../src/partner-center/auth';
import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import { call, requestToken, userToken } from '../../fakes/partner-center/testkit';

const C = SEED.customers;
const SW = SEED.products.softwareSubscription;

async function tokenFrom(sim: Simulator, authority: 'public' | 'usgov'): Promise<string> {
  const res = await requestToken(
    sim,
    {
      grant_type: 'refresh_token',
      client_id: 'gov-app',
      client_secret: 'gov-secret',
      refresh_token: 'a-refresh-token',
      scope: `${SEED.auth.scope} offline_access`,
    },
    { authority },
  );
  expect(res.status).toBe(200);
  return String(res.json.access_token);
}

describe('Partner Center simulator: Partner Center for Microsoft Cloud for US Government (cloud: usgov)', () => {
  let sim: Simulator;
  let token: string;
  const api = (method: string, path: string, body?: unknown) =>
    call(sim.url, method, path, { token, ...(body !== undefined ? { body } : {}) });

  beforeAll(async () => {
    sim = await startSimulator({ cloud: 'usgov', fulfillmentDelayMs: 0 });
    token = await tokenFrom(sim, 'usgov');
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  it('accepts tokens from the US Government authority only, and logs which authority was asked', async () => {
    expect(sim.cloud).toBe('usgov');
    expect(sim.usGovAuthorityUrl).not.toBe(sim.authorityUrl);
    expect((await api('GET', `/v1/customers/${C.open.id}`)).status).toBe(200);
    const publicToken = await tokenFrom(sim, 'public');
    const refused = await call(sim.url, 'GET', `/v1/customers/${C.open.id}`, { token: publicToken });
    expect(refused.status).toBe(401);
    expect(refused.json.code).toBe(400);
    expect(refused.headers['www-authenticate']).toContain(sim.usGovAuthorityUrl);

    const log = (await call(sim.url, 'GET', '/_sim/requests')).json.items as {
      server: string;
      authority?: string;
      cloud?: string;
      status: number;
    }[];
    const tokenCalls = log.filter((e) => e.server === 'authority');
    expect(tokenCalls.map((e) => e.authority)).toEqual(['public']);
    const apiCalls = log.filter((e) => e.server === 'api');
    expect(apiCalls.map((e) => [e.cloud, e.status])).toEqual([
      ['usgov', 200],
      ['public', 401],
    ]);
  });

  it('works with MSAL against the US Government authority, for the same Partner Center scope', async () => {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: 'gov-msal-app',
        clientSecret: 'gov-msal-secret',
        authority: `${sim.usGovAuthorityUrl}/partner-tenant`,
        knownAuthorities: [new URL(sim.usGovAuthorityUrl).host],
      },
      // MSAL-node 5+ has no customAgentOptions: our network client trusts the simulator's authority.
      system: { networkClient: new UndiciNetworkClient(new Agent({ connect: { ca: sim.tlsCaPem } })) },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: [SEED.auth.scope] });
    expect((await call(sim.url, 'GET', '/v1/customers', { token: result!.accessToken })).status).toBe(200);
    const log = (await call(sim.url, 'GET', '/_sim/requests')).json.items as {
      authority?: string;
      path: string;
    }[];
    expect(log.filter((e) => e.path.includes('/oauth2/')).map((e) => e.authority)).toEqual(['usgov']);
  });

  it("sells the government segment's catalog only", async () => {
    const all = await api('GET', `/v1/products/${SW.productId}/skus/0001/availabilities?country=US`);
    expect(all.json.items.map((a: { segment: string }) => a.segment)).toEqual(['government']);
    const commercial = await api(
      'GET',
      `/v1/products/${SW.productId}/skus/0001/availabilities?country=US&targetSegment=commercial`,
    );
    expect(commercial.json.items).toEqual([]);
    const products = await api('GET', '/v1/products?country=US&targetView=Software&targetSegment=commercial');
    expect(products.json.items).toEqual([]);
  });

  it('treats every customer as a government customer and asks for no Microsoft Customer Agreement', async () => {
    const q = await api('GET', `/v1/customers/${C.noAgreement.id}/qualifications`);
    expect(q.json).toEqual([{ qualification: 'GovernmentCommunityCloud', vettingStatus: 'Approved' }]);
    const catalogItemId = (
      await api('GET', `/v1/products/${SW.productId}/skus/0001/availabilities?country=US`)
    ).json.items[0].catalogItemId;
    const cart = await api('POST', `/v1/customers/${C.noAgreement.id}/carts`, {
      lineItems: [{ id: 0, catalogItemId, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' }],
    });
    expect(cart.status).toBe(201);
    const done = await api('POST', `/v1/customers/${C.noAgreement.id}/carts/${cart.json.id}/checkout`);
    expect(done.json.orders).toHaveLength(1);
    // "Does not apply to ... Partner Center for Microsoft Cloud for US Government".
    const agreements = await api(
      'GET',
      `/v1/customers/${C.open.id}/agreements?agreementType=MicrosoftCustomerAgreement`,
    );
    expect(agreements.status).toBe(404);
  });
});

describe('Partner Center simulator: the public cloud refuses US Government tokens', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers 401 to a token from the US Government authority', async () => {
    expect(sim.cloud).toBe('public');
    expect((await call(sim.url, 'GET', '/v1/customers', { token: await userToken(sim) })).status).toBe(200);
    const gov = await tokenFrom(sim, 'usgov');
    expect((await call(sim.url, 'GET', '/v1/customers', { token: gov })).status).toBe(401);
  });
});
