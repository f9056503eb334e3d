/**
 * Raw-HTTP helpers for tests of the simulator (and of anything that talks to it): no client code of
 * ours in between, so the tests see exactly what a real client would.
 */
import { Agent, request } from 'undici';
import type { Simulator } from './index';
import { SEED } from './seed';

/**
 * A parsed JSON document as tests read it: field by field, asserting as they go. `any` on purpose; the
 * documented shapes are checked by the assertions, not by the type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LooseJson = any;

export interface CallOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (with `contentType`). */
  rawBody?: string;
  contentType?: string;
  dispatcher?: Agent;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  buffer: Buffer;
  /** The parsed JSON body (undefined when the body is empty or not JSON). */
  json: LooseJson;
}

export async function call(
  baseUrl: string,
  method: string,
  path: string,
  opts: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  } else if (opts.rawBody !== undefined) {
    body = opts.rawBody;
    headers['content-type'] = opts.contentType ?? 'application/json';
  }
  const res = await request(`${baseUrl}${path}`, {
    method: method as 'GET',
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
  });
  const buffer = Buffer.from(await res.body.arrayBuffer());
  const text = buffer.toString('utf8');
  let parsed: unknown;
  if (text.length > 0) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  return { status: res.statusCode, headers: res.headers, text, buffer, json: parsed };
}

/** An undici dispatcher that trusts the simulator's self-signed authority. */
export function authorityAgent(sim: Simulator): Agent {
  return new Agent({ connect: { ca: sim.tlsCaPem } });
}

export async function requestToken(
  sim: Simulator,
  form: Record<string, string>,
  opts: { path?: string; agent?: Agent } = {},
): Promise<CallResult> {
  const agent = opts.agent ?? authorityAgent(sim);
  try {
    return await call(sim.authorityUrl, 'POST', opts.path ?? '/partner-tenant/oauth2/v2.0/token', {
      rawBody: new URLSearchParams(form).toString(),
      contentType: 'application/x-www-form-urlencoded',
      dispatcher: agent,
    });
  } finally {
    if (!opts.agent) await agent.close();
  }
}

/** An app-only (client credentials) access token. */
export async function appToken(sim: Simulator): Promise<string> {
  const res = await requestToken(sim, {
    grant_type: 'client_credentials',
    client_id: 'test-app',
    client_secret: 'test-secret',
    scope: SEED.auth.scope,
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.text}`);
  return String((res.json as { access_token: string }).access_token);
}

/** An App+User access token (refresh-token grant, as the secure application model does it). */
export async function userToken(sim: Simulator): Promise<string> {
  const res = await requestToken(sim, {
    grant_type: 'refresh_token',
    client_id: 'test-app',
    client_secret: 'test-secret',
    refresh_token: 'a-refresh-token',
    scope: `${SEED.auth.scope} offline_access openid profile`,
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.text}`);
  return String((res.json as { access_token: string }).access_token);
}

/** A clock tests move by hand (pass `now` to startSimulator). */
export function manualClock(start = Date.parse('2025-03-03T09:00:00Z')): {
  now: () => number;
  advance: (ms: number) => void;
} {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}
