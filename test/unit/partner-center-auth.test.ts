import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';
import { Agent } from 'undici';
import { isAppError } from '../../src/errors';
import { MsalTokenProvider, type MsalTokenProviderOptions } from '../../src/partner-center';

/**
 * MsalTokenProvider against a local HTTPS token endpoint with a self-signed certificate: real MSAL,
 * real TLS, our undici network client. The simulator's token endpoint is covered in the integration
 * tests; this one lets each test script the answers.
 */

interface TokenCall {
  method: string;
  url: string;
  form: URLSearchParams;
}

const pems = selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
  days: 1,
  keySize: 2048,
  algorithm: 'sha256',
  extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
});

let server: Server;
let authorityUrl: string;
let calls: TokenCall[];
let answer: (call: TokenCall) => { status: number; body: unknown };
let agent: Agent;

beforeAll(async () => {
  server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const call = { method: req.method ?? '', url: req.url ?? '', form: new URLSearchParams(body) };
      calls.push(call);
      const { status, body: out } = answer(call);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  authorityUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  agent = new Agent({ connect: { ca: pems.cert } });
});

afterAll(async () => {
  await agent.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  calls = [];
  answer = (call) => ({
    status: 200,
    body: {
      token_type: 'Bearer',
      expires_in: 3600,
      access_token: `token-${call.form.get('grant_type')}-${calls.length}`,
    },
  });
});

function provider(overrides: Partial<MsalTokenProviderOptions> = {}): MsalTokenProvider {
  return new MsalTokenProvider({
    tenantId: 'partner-tenant',
    clientId: 'client-id',
    clientSecret: 'client-secret-value',
    refreshToken: 'refresh-token-value',
    authorityUrl,
    dispatcher: agent,
    ...overrides,
  });
}

describe('MsalTokenProvider', () => {
  it('gets an app-only token by client credentials for the Partner Center scope, with no discovery calls', async () => {
    const token = await provider().getToken('app');
    expect(token).toBe('token-client_credentials-1');
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.method).toBe('POST');
    expect(call?.url.split('?')[0]).toBe('/partner-tenant/oauth2/v2.0/token');
    expect(call?.form.get('grant_type')).toBe('client_credentials');
    expect(call?.form.get('scope')).toBe('https://api.partnercenter.microsoft.com/.default');
    expect(call?.form.get('client_id')).toBe('client-id');
    expect(call?.form.get('client_secret')).toBe('client-secret-value');
  });

  it('gets an App+User token from the configured refresh token', async () => {
    const token = await provider().getToken('user');
    expect(token).toBe('token-refresh_token-1');
    expect(calls[0]?.form.get('refresh_token')).toBe('refresh-token-value');
    expect(calls[0]?.form.get('scope')).toContain('https://api.partnercenter.microsoft.com/.default');
  });

  it('reuses a cached token for many calls and shares one request between concurrent callers', async () => {
    const tokens = provider();
    const concurrent = await Promise.all([
      tokens.getToken('app'),
      tokens.getToken('app'),
      tokens.getToken('app'),
    ]);
    await tokens.getToken('app');
    await tokens.getToken('app');
    expect(new Set(concurrent).size).toBe(1);
    expect(calls).toHaveLength(1);
  });

  it('asks for a new token once the cached one is in its refresh margin', async () => {
    let now = 1_000_000;
    const tokens = provider({ now: () => now, refreshMarginMs: 5 * 60_000 });
    const first = await tokens.getToken('app');
    now += 54 * 60_000; // 6 minutes left: still outside the 5-minute margin
    expect(await tokens.getToken('app')).toBe(first);
    now += 2 * 60_000; // 4 minutes left
    const second = await tokens.getToken('app');
    expect(second).not.toBe(first);
    expect(calls).toHaveLength(2);
  });

  it('reuses a short-lived token for the first half of its life', async () => {
    answer = () => ({
      status: 200,
      body: { token_type: 'Bearer', expires_in: 60, access_token: `short-${calls.length}` },
    });
    let now = 0;
    const tokens = provider({ now: () => now });
    await tokens.getToken('app');
    now += 20_000;
    await tokens.getToken('app');
    expect(calls).toHaveLength(1);
    now += 15_000;
    await tokens.getToken('app');
    expect(calls).toHaveLength(2);
  });

  it('forces a new token when the caller says Partner Center refused the cached one', async () => {
    const tokens = provider();
    await tokens.getToken('app');
    await tokens.getToken('app', { forceRefresh: true });
    expect(calls).toHaveLength(2);
  });

  it('fails fast with pc_credentials_missing naming the setting when App+User is needed and no refresh token is set', async () => {
    const err = await provider({ refreshToken: undefined })
      .getToken('user', { operation: 'listEntitlements' })
      .catch((e: unknown) => e);
    expect(isAppError(err, 'pc_credentials_missing')).toBe(true);
    expect((err as Error).message).toBe(
      'PARTNER_CENTER_REFRESH_TOKEN is not set: listEntitlements needs App+User credentials',
    );
    expect(calls).toHaveLength(0);
  });

  it('maps a refused client secret to pc_auth without quoting the secret', async () => {
    answer = () => ({
      status: 401,
      body: {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
        error_codes: [7000215],
      },
    });
    const err = await provider()
      .getToken('app')
      .catch((e: unknown) => e);
    expect(isAppError(err, 'pc_auth')).toBe(true);
    expect((err as Error).message).toContain('invalid_client');
    expect((err as Error).message).not.toContain('client-secret-value');
  });

  it('reports an unreachable token endpoint as pc_network', async () => {
    const err = await provider({ authorityUrl: 'https://127.0.0.1:1' })
      .getToken('app')
      .catch((e: unknown) => e);
    expect(isAppError(err, 'pc_network')).toBe(true);
  });

  it('goes through the injected dispatcher: without the trusted CA the self-signed endpoint is refused', async () => {
    const err = await provider({ dispatcher: undefined })
      .getToken('app')
      .catch((e: unknown) => e);
    expect(isAppError(err, 'pc_network')).toBe(true);
    expect(calls).toHaveLength(0);
  });
});
