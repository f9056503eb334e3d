/**
 * Raw-HTTP helpers for tests of the simulator (and of anything that talks to it): no client code of
 * ours in between, so the tests see exactly what a real client would.
 */
import { inflateRawSync } from 'node:zlib';
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

/**
 * Asks a token endpoint. By default the authority of the simulator's cloud: the US Government one
 * (`sim.usGovAuthorityUrl`) for a `cloud: 'usgov'` simulator, the public one otherwise.
 */
export async function requestToken(
  sim: Simulator,
  form: Record<string, string>,
  opts: { path?: string; agent?: Agent; authority?: 'public' | 'usgov' } = {},
): Promise<CallResult> {
  const agent = opts.agent ?? authorityAgent(sim);
  const authority = opts.authority ?? (sim.cloud === 'usgov' ? 'usgov' : 'public');
  const base = authority === 'usgov' ? sim.usGovAuthorityUrl : sim.authorityUrl;
  try {
    return await call(base, 'POST', opts.path ?? '/partner-tenant/oauth2/v2.0/token', {
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

/** An App+User token for the Partner API (`https://api.partner.microsoft.com`): what the price sheet wants. */
export async function pricingToken(sim: Simulator): Promise<string> {
  const res = await requestToken(sim, {
    grant_type: 'refresh_token',
    client_id: 'test-app',
    client_secret: 'test-secret',
    refresh_token: 'a-refresh-token',
    scope: `${SEED.auth.pricingScope} offline_access openid profile`,
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.text}`);
  return String((res.json as { access_token: string }).access_token);
}

/** The price sheet path for a market and view (D get-a-price-sheet.md). */
export function priceSheetPath(market: string, view: string, query = ''): string {
  return `/v1.0/sales/pricesheets(Market='${market}',PricesheetView='${view}')/$value${query}`;
}

/**
 * Parses a CSV whose every field is double-quoted (the documented price sheet): one array per line,
 * the header first. Quotes inside a field are doubled.
 */
export function parseQuotedCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const cells: string[] = [];
    let i = 0;
    while (i < line.length) {
      if (line[i] !== '"') throw new Error(`unquoted field at ${i} in: ${line.slice(0, 80)}`);
      let value = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) throw new Error(`unterminated field in: ${line.slice(0, 80)}`);
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      cells.push(value);
      if (line[i] === ',') i++;
    }
    rows.push(cells);
  }
  return rows;
}

/** The rows of a parsed sheet as objects keyed by the header. */
export function sheetRecords(rows: string[][]): Record<string, string>[] {
  const [header, ...data] = rows;
  if (!header) return [];
  return data.map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
}

/**
 * One entry of a zip archive, found through the central directory (so entries written with a data
 * descriptor read as well as any other). Stored and deflated entries only.
 */
export function unzipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory entry');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const entryName = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    if (entryName === name) {
      const localNameLength = zip.readUInt16LE(localOffset + 26);
      const localExtraLength = zip.readUInt16LE(localOffset + 28);
      const start = localOffset + 30 + localNameLength + localExtraLength;
      const data = zip.subarray(start, start + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`unsupported compression method ${method}`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`no entry ${name} in the archive`);
}
