import { ConfidentialClientApplication } from '@azure/msal-node';
import { request, type Agent } from 'undici';
import { startSimulator, SEED, type Simulator } from '../../fakes/partner-center';
import { UndiciNetworkClient } from '../../src/partner-center/auth';
import {
  appToken,
  authorityAgent,
  call,
  manualClock,
  requestToken,
  userToken,
  type CallOptions,
} from '../../fakes/partner-center/testkit';

const OPEN = SEED.customers.open.id;

/** The operations D documents as App+User only, each a GET path. */
const APP_USER_ONLY = [
  `/v1/customers/${OPEN}/orders/${SEED.orders.reservation}/provisioningstatus`,
  `/v1/customers/${OPEN}/entitlements`,
  '/v1/invoices/summaries',
  `/v1/invoices/${SEED.invoices.oneTime}`,
  `/v1/invoices/${SEED.invoices.oneTime}/documents/statement`,
];

/** Operations that take an app-only token. */
const APP_ALLOWED = [
  `/v1/customers/${OPEN}`,
  `/v1/customers/${OPEN}/orders/${SEED.orders.reservation}`,
  `/v1/customers/${OPEN}/orders?billingType=OneTime`,
  `/v1/customers/${OPEN}/subscriptions/${SEED.subscriptions.registered.id}/registrationstatus`,
  '/v1/products?country=US&targetView=AzureReservations',
  '/v1/invoices/summary',
  '/v1/invoices',
  `/v1/invoices/${SEED.invoices.oneTime}/lineitems/OneTime/BillingLineItems`,
];

describe('Partner Center simulator: authentication', () => {
  let sim: Simulator;
  const clock = manualClock();
  const api = (method: string, path: string, opts?: CallOptions) => call(sim.url, method, path, opts);

  beforeAll(async () => {
    sim = await startSimulator({ now: clock.now });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => sim.reset());

  it('refuses a request without a token with 401 and the documented error body', async () => {
    const res = await api('GET', '/v1/customers');
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      code: 800001,
      description: expect.any(String),
      data: [],
      source: 'PartnerFD',
    });
    expect(res.headers['www-authenticate']).toContain('Bearer');
  });

  it('refuses a token it never issued', async () => {
    const res = await api('GET', '/v1/customers', { token: 'made-up' });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe(400);
  });

  it('serves its token endpoint over HTTPS with a certificate a client must be told to trust', async () => {
    expect(sim.authorityUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.tokenUrl).toBe(`${sim.authorityUrl}/oauth2/v2.0/token`);
    expect(sim.tlsCaPem).toContain('BEGIN CERTIFICATE');
    await expect(request(`${sim.authorityUrl}/common/discovery/instance`)).rejects.toThrow();
    const agent = authorityAgent(sim);
    try {
      const res = await call(
        sim.authorityUrl,
        'GET',
        '/partner-tenant/v2.0/.well-known/openid-configuration',
        { dispatcher: agent },
      );
      expect(res.json.token_endpoint).toBe(`${sim.authorityUrl}/partner-tenant/oauth2/v2.0/token`);
      const discovery = await call(sim.authorityUrl, 'GET', '/common/discovery/instance?api-version=1.1', {
        dispatcher: agent,
      });
      expect(discovery.json.metadata[0].aliases).toEqual([new URL(sim.authorityUrl).host]);
    } finally {
      await agent.close();
    }
  });

  it('issues an app-only token for client credentials, at the tenant-less path too', async () => {
    const form = {
      grant_type: 'client_credentials',
      client_id: 'app',
      client_secret: 's3cret',
      scope: SEED.auth.scope,
    };
    for (const path of ['/partner-tenant/oauth2/v2.0/token', '/oauth2/v2.0/token']) {
      const res = await requestToken(sim, form, { path });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        token_type: 'Bearer',
        expires_in: 3600,
        access_token: expect.any(String),
      });
      expect(res.json.refresh_token).toBeUndefined();
      expect((await api('GET', '/v1/customers', { token: res.json.access_token })).status).toBe(200);
    }
  });

  it('refuses the client secret "bad-secret" with invalid_client, as Entra does', async () => {
    const res = await requestToken(sim, {
      grant_type: 'client_credentials',
      client_id: 'app',
      client_secret: SEED.auth.badClientSecret,
      scope: SEED.auth.scope,
    });
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
  });

  it('refuses a bad refresh token, an unknown grant and a missing scope', async () => {
    const bad = await requestToken(sim, {
      grant_type: 'refresh_token',
      client_id: 'app',
      refresh_token: SEED.auth.badRefreshToken,
      scope: SEED.auth.scope,
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_grant');
    const grant = await requestToken(sim, {
      grant_type: 'password',
      client_id: 'app',
      scope: SEED.auth.scope,
    });
    expect(grant.json.error).toBe('unsupported_grant_type');
    const scope = await requestToken(sim, {
      grant_type: 'client_credentials',
      client_id: 'app',
      client_secret: 's',
    });
    expect(scope.json.error).toBe('invalid_scope');
  });

  it('does not accept a token issued for another resource', async () => {
    const res = await requestToken(
      sim,
      {
        grant_type: 'client_credentials',
        client_id: 'app',
        client_secret: 's',
        resource: 'https://graph.windows.net',
      },
      { path: '/partner-tenant/oauth2/token' },
    );
    expect(res.status).toBe(200);
    expect((await api('GET', '/v1/customers', { token: res.json.access_token })).status).toBe(401);
  });

  it('refuses App+User-only operations to an app-only token with 403/900329', async () => {
    const token = await appToken(sim);
    for (const path of APP_USER_ONLY) {
      const res = await api('GET', path, { token });
      expect([path, res.status]).toEqual([path, 403]);
      expect(res.json).toEqual({
        code: 900329,
        description: 'This resource does not support application-only authentication.',
        data: [],
        source: 'PartnerFD',
      });
    }
    for (const path of APP_ALLOWED) {
      expect([path, (await api('GET', path, { token })).status]).toEqual([path, 200]);
    }
  });

  it('issues an App+User token for the refresh-token grant that every operation accepts', async () => {
    const res = await requestToken(sim, {
      grant_type: 'refresh_token',
      client_id: 'app',
      client_secret: 's',
      refresh_token: 'stored',
      scope: `${SEED.auth.scope} offline_access openid profile`,
    });
    expect(res.json).toMatchObject({
      token_type: 'Bearer',
      refresh_token: expect.any(String),
      id_token: expect.any(String),
    });
    const token = res.json.access_token as string;
    for (const path of [...APP_USER_ONLY, ...APP_ALLOWED]) {
      expect([path, (await api('GET', path, { token })).status]).toEqual([path, 200]);
    }
  });

  it('expires tokens after the lifetime set through /_sim/tokens/lifetime', async () => {
    await api('POST', '/_sim/tokens/lifetime', { body: { seconds: 2 } });
    const res = await requestToken(sim, {
      grant_type: 'client_credentials',
      client_id: 'a',
      client_secret: 'b',
      scope: SEED.auth.scope,
    });
    expect(res.json.expires_in).toBe(2);
    const token = res.json.access_token as string;
    expect((await api('GET', '/v1/customers', { token })).status).toBe(200);
    clock.advance(2_000);
    const expired = await api('GET', '/v1/customers', { token });
    expect(expired.status).toBe(401);
    expect(expired.json.description).toContain('expired');
    const fresh = await appToken(sim);
    expect((await api('GET', '/v1/customers', { token: fresh })).status).toBe(200);
  });

  it('records the ids, locale and kind of token of each request for the client tests', async () => {
    await api('DELETE', '/_sim/requests');
    const app = await appToken(sim);
    const user = await userToken(sim);
    const headers = { 'MS-RequestId': 'r-1', 'MS-CorrelationId': 'c-1', 'X-Locale': 'en-US' };
    await api('GET', '/v1/customers', { token: app, headers });
    await api('GET', `/v1/customers/${OPEN}/entitlements`, { token: user });
    await api('GET', '/v1/customers');
    const log = (await api('GET', '/_sim/requests')).json.items.filter(
      (e: { server: string }) => e.server === 'api',
    );
    expect(log).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/v1/customers',
        msRequestId: 'r-1',
        msCorrelationId: 'c-1',
        xLocale: 'en-US',
        auth: 'app',
        status: 200,
      }),
      expect.objectContaining({ path: `/v1/customers/${OPEN}/entitlements`, auth: 'user', status: 200 }),
      expect.objectContaining({ path: '/v1/customers', auth: 'none', status: 401 }),
    ]);
  });

  describe('with MSAL-node', () => {
    // MSAL Node 5 dropped system.customAgentOptions: the simulator's CA is trusted through a network
    // client (ours, on undici) instead.
    let agent: Agent;
    beforeAll(() => {
      agent = authorityAgent(sim);
    });
    afterAll(() => agent.close());

    function msal(clientSecret = 'msal-secret') {
      return new ConfidentialClientApplication({
        auth: {
          clientId: 'msal-app',
          clientSecret,
          authority: `${sim.authorityUrl}/partner-tenant`,
          // Without this MSAL asks login.microsoftonline.com whether the host is a valid authority.
          knownAuthorities: [new URL(sim.authorityUrl).host],
        },
        system: { networkClient: new UndiciNetworkClient(agent) },
      });
    }

    it('gets an app-only token with client credentials that the API accepts', async () => {
      const result = await msal().acquireTokenByClientCredential({ scopes: [SEED.auth.scope] });
      expect(result?.accessToken).toBeTruthy();
      expect((await api('GET', '/v1/customers', { token: result!.accessToken })).status).toBe(200);
      expect(
        (await api('GET', `/v1/customers/${OPEN}/entitlements`, { token: result!.accessToken })).status,
      ).toBe(403);
    });

    it('gets an App+User token from a refresh token', async () => {
      const result = await msal().acquireTokenByRefreshToken({
        refreshToken: 'stored-refresh-token',
        scopes: [SEED.auth.scope],
      });
      expect(result?.accessToken).toBeTruthy();
      expect(
        (await api('GET', `/v1/customers/${OPEN}/entitlements`, { token: result!.accessToken })).status,
      ).toBe(200);
    });

    it('reports invalid_client for the secret "bad-secret"', async () => {
      await expect(
        msal(SEED.auth.badClientSecret).acquireTokenByClientCredential({ scopes: [SEED.auth.scope] }),
      ).rejects.toMatchObject({
        errorCode: 'invalid_client',
      });
    });
  });
});

describe('Partner Center simulator: open auth', () => {
  it('accepts any request, with or without a token, when started with openAuth', async () => {
    const sim = await startSimulator({ openAuth: true });
    try {
      expect((await call(sim.url, 'GET', '/v1/customers')).status).toBe(200);
      expect(
        (await call(sim.url, 'GET', `/v1/customers/${OPEN}/entitlements`, { token: 'anything' })).status,
      ).toBe(200);
      const app = await appToken(sim);
      expect(
        (await call(sim.url, 'GET', `/v1/invoices/${SEED.invoices.oneTime}`, { token: app })).status,
      ).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
