import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { generate } from 'selfsigned';
import { json, type Json, type SimResponse } from './http';
import { SEED } from './seed';

/** The resource a Partner Center token is for. */
export const PARTNER_CENTER_RESOURCE = 'https://api.partnercenter.microsoft.com';
/** The Partner API (pricing, referrals): its own resource (secure-sample-application.md, referral-api-authentication.md). */
export const PARTNER_API_RESOURCE = 'https://api.partner.microsoft.com';

export type AuthKind = 'app' | 'user';

/** Which Entra ID issued a token: the public one or the US Government one (login.microsoftonline.us). */
export type AuthorityCloud = 'public' | 'usgov';

export interface TokenRecord {
  kind: AuthKind;
  clientId: string;
  audience: string;
  cloud: AuthorityCloud;
  expiresAt: number;
}

/** Tokens the authority issued: opaque strings the API server looks up (and so knows app-only from App+User). */
export class TokenStore {
  private readonly tokens = new Map<string, TokenRecord>();
  lifetimeSeconds = 3600;

  constructor(private readonly now: () => number) {}

  issue(
    kind: AuthKind,
    clientId: string,
    audience: string,
    cloud: AuthorityCloud = 'public',
  ): { token: string; expiresIn: number; expiresOn: number } {
    const token = randomBytes(32).toString('base64url');
    const expiresIn = this.lifetimeSeconds;
    const expiresAt = this.now() + expiresIn * 1000;
    this.tokens.set(token, { kind, clientId, audience, cloud, expiresAt });
    return { token, expiresIn, expiresOn: Math.floor(expiresAt / 1000) };
  }

  lookup(token: string): TokenRecord | undefined {
    return this.tokens.get(token);
  }

  isExpired(record: TokenRecord): boolean {
    return this.now() >= record.expiresAt;
  }
}

// ---------------------------------------------------------------------------------------------------
// TLS: MSAL refuses an http authority, so the token endpoint is HTTPS with a self-signed certificate.

export interface TlsMaterial {
  key: string;
  cert: string;
}

let cachedTls: TlsMaterial | undefined;

/** One certificate per process: RSA key generation is the slow part and tests start many simulators. */
export function tlsMaterial(): TlsMaterial {
  if (cachedTls) return cachedTls;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const options = {
    days: 3650,
    algorithm: 'sha256',
    keyPair: { privateKey, publicKey },
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  } as Parameters<typeof generate>[1];
  const pems = generate([{ name: 'commonName', value: '127.0.0.1' }], options);
  cachedTls = { key: pems.private, cert: pems.cert };
  return cachedTls;
}

// ---------------------------------------------------------------------------------------------------
// The authority (Entra ID stand-in)

function entraError(status: number, error: string, code: number, message: string): SimResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

function fakeJwt(payload: Json): string {
  const enc = (o: Json): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ typ: 'JWT', alg: 'RS256', kid: 'simulator' })}.${enc(payload)}.${randomBytes(32).toString('base64url')}`;
}

const PARTNER_TENANT_ID = '934f3416-bc2f-47f3-b492-77e517d4e572';
const PARTNER_USER_OID = '1824b7fc-2fac-4478-b177-66823c40ab75';

function tenantIdOf(tenant: string | undefined): string {
  if (!tenant || ['common', 'organizations', 'consumers'].includes(tenant.toLowerCase()))
    return PARTNER_TENANT_ID;
  return tenant;
}

export interface AuthorityRequest {
  method: string;
  url: URL;
  body: Buffer;
  authorization?: string;
}

/**
 * Answers what MSAL-node (v3 to v7) asks an authority for: instance discovery, the OpenID configuration, the
 * keys, and the token endpoint (v2 `/oauth2/v2.0/token`, and the v1 `/oauth2/token` the docs show).
 */
export function handleAuthority(
  req: AuthorityRequest,
  tokens: TokenStore,
  authorityUrl: string,
  cloud: AuthorityCloud = 'public',
): SimResponse {
  const segments = req.url.pathname.split('/').filter(Boolean);
  const host = new URL(authorityUrl).host;
  const lower = segments.map((s) => s.toLowerCase());

  if (req.method === 'GET' && lower.join('/') === 'common/discovery/instance') {
    const tenant = 'common';
    return json(200, {
      tenant_discovery_endpoint: `${authorityUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  }

  if (req.method === 'GET' && lower.slice(-2).join('/') === '.well-known/openid-configuration') {
    const tenant = segments[0] ?? 'common';
    const v2 = lower[1] === 'v2.0';
    const issuerTenant = ['common', 'organizations'].includes(tenant.toLowerCase()) ? '{tenantid}' : tenant;
    const base = `${authorityUrl}/${tenant}`;
    return json(200, {
      token_endpoint: v2 ? `${base}/oauth2/v2.0/token` : `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: v2 ? `${base}/discovery/v2.0/keys` : `${base}/discovery/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? `${authorityUrl}/${issuerTenant}/v2.0` : `${authorityUrl}/${issuerTenant}/`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${authorityUrl}/oidc/userinfo`,
      authorization_endpoint: v2 ? `${base}/oauth2/v2.0/authorize` : `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: v2 ? `${base}/oauth2/v2.0/logout` : `${base}/oauth2/logout`,
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'nbf',
        'name',
        'oid',
        'tid',
        'preferred_username',
      ],
      tenant_region_scope: 'NA',
      cloud_instance_name: host,
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    });
  }

  if (req.method === 'GET' && lower.includes('keys') && lower.includes('discovery')) {
    return json(200, { keys: [] });
  }

  // Token endpoint: [tenant]/oauth2/v2.0/token (v2) or [tenant]/oauth2/token (v1).
  const tokenAt = lower.indexOf('oauth2');
  if (tokenAt >= 0 && lower[lower.length - 1] === 'token') {
    if (req.method !== 'POST')
      return entraError(405, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
    const tenant = tokenAt > 0 ? segments[0] : undefined;
    const v2 = lower[tokenAt + 1] === 'v2.0';
    return tokenEndpoint(req, tokens, { v2, tenant, authorityUrl, cloud });
  }

  return json(404, {
    error: 'not_found',
    error_description: `No authority endpoint at ${req.url.pathname}.`,
  });
}

function tokenEndpoint(
  req: AuthorityRequest,
  tokens: TokenStore,
  ctx: { v2: boolean; tenant: string | undefined; authorityUrl: string; cloud: AuthorityCloud },
): SimResponse {
  const form = new URLSearchParams(req.body.toString('utf8'));
  let clientId = form.get('client_id') ?? undefined;
  let clientSecret = form.get('client_secret') ?? undefined;
  if (req.authorization?.toLowerCase().startsWith('basic ')) {
    const [id, secret] = Buffer.from(req.authorization.slice(6), 'base64').toString('utf8').split(':');
    clientId ??= id ? decodeURIComponent(id) : undefined;
    clientSecret ??= secret ? decodeURIComponent(secret) : undefined;
  }
  const grantType = form.get('grant_type');
  if (!grantType) {
    return entraError(
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'grant_type'.",
    );
  }
  if (!clientId) {
    return entraError(
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'client_id'.",
    );
  }
  if (clientSecret === SEED.auth.badClientSecret) {
    return entraError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    );
  }

  // Which resource the token is for: v2 names it in the scope, v1 in `resource`.
  const scope = form.get('scope') ?? '';
  let audience: string;
  if (ctx.v2) {
    const scopes = scope.split(/\s+/).filter(Boolean);
    const resourceScope = scopes.find(
      (s) => !['openid', 'profile', 'offline_access', 'email'].includes(s.toLowerCase()),
    );
    if (!resourceScope) {
      return entraError(
        400,
        'invalid_scope',
        70011,
        "The provided request must include a 'scope' input parameter.",
      );
    }
    const m = /^(https?:\/\/[^/]+)\/(\.default|user_impersonation)$/i.exec(resourceScope);
    if (!m?.[1]) {
      return entraError(
        400,
        'invalid_scope',
        70011,
        `The provided value for the input parameter 'scope' is not valid. The scope ${resourceScope} is not valid.`,
      );
    }
    audience = m[1].toLowerCase();
  } else {
    audience = (form.get('resource') ?? '').replace(/\/$/, '').toLowerCase();
    if (!audience) {
      return entraError(
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'resource'.",
      );
    }
  }

  const tenantId = tenantIdOf(ctx.tenant);
  switch (grantType) {
    case 'client_credentials': {
      if (!clientSecret && !form.get('client_assertion')) {
        return entraError(
          401,
          'invalid_client',
          7000218,
          "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
      }
      const issued = tokens.issue('app', clientId, audience, ctx.cloud);
      return tokenResponse(ctx.v2, issued, { audience });
    }
    case 'refresh_token':
    case 'authorization_code': {
      const grant = grantType === 'refresh_token' ? form.get('refresh_token') : form.get('code');
      if (!grant) {
        const param = grantType === 'refresh_token' ? 'refresh_token' : 'code';
        return entraError(
          400,
          'invalid_request',
          900144,
          `The request body must contain the following parameter: '${param}'.`,
        );
      }
      if (grant === SEED.auth.badRefreshToken) {
        return entraError(
          400,
          'invalid_grant',
          700082,
          'The refresh token has expired due to inactivity. The token was issued on 2024-01-01T00:00:00Z and was inactive for 90.00:00:00.',
        );
      }
      const issued = tokens.issue('user', clientId, audience, ctx.cloud);
      const now = Math.floor(Date.now() / 1000);
      const idToken = fakeJwt({
        aud: clientId,
        iss: `${ctx.authorityUrl}/${tenantId}/v2.0`,
        iat: now,
        nbf: now,
        exp: now + issued.expiresIn,
        name: 'Partner Admin',
        oid: PARTNER_USER_OID,
        preferred_username: 'admin@partner.onmicrosoft.com',
        sub: PARTNER_USER_OID,
        tid: tenantId,
        ver: '2.0',
      });
      return tokenResponse(ctx.v2, issued, {
        audience,
        user: {
          refreshToken: randomBytes(48).toString('base64url'),
          idToken,
          clientInfo: Buffer.from(JSON.stringify({ uid: PARTNER_USER_OID, utid: tenantId })).toString(
            'base64url',
          ),
        },
      });
    }
    default:
      return entraError(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType}'.`,
      );
  }
}

function tokenResponse(
  v2: boolean,
  issued: { token: string; expiresIn: number; expiresOn: number },
  extra: { audience: string; user?: { refreshToken: string; idToken: string; clientInfo: string } },
): SimResponse {
  const now = Math.floor(Date.now() / 1000);
  if (v2) {
    const body: Json = {
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      ext_expires_in: issued.expiresIn,
      access_token: issued.token,
    };
    if (extra.user) {
      body.scope = `${extra.audience}/user_impersonation`;
      body.refresh_token = extra.user.refreshToken;
      body.id_token = extra.user.idToken;
      body.client_info = extra.user.clientInfo;
    }
    return json(200, body);
  }
  // v1 answers with strings for every time (the documented examples).
  const body: Json = { token_type: 'Bearer' };
  if (extra.user) body.scope = 'user_impersonation';
  Object.assign(body, {
    expires_in: String(issued.expiresIn),
    ext_expires_in: String(issued.expiresIn),
    expires_on: String(issued.expiresOn),
    not_before: String(now),
    resource: extra.audience,
    access_token: issued.token,
  });
  if (extra.user) {
    body.refresh_token = extra.user.refreshToken;
    body.id_token = extra.user.idToken;
  }
  return json(200, body);
}
