import type { IncomingMessage } from 'node:http';

/** What a handler returns. Kept as data so idempotent replays and `when: 'after'` faults can reuse it. */
export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** A body produced while it is sent (price sheets); `body` is then empty and no Content-Length is set. */
  stream?: AsyncIterable<Buffer> | Iterable<Buffer>;
}

export type Json = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

export function empty(status: number, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'Content-Length': '0', ...headers }, body: Buffer.alloc(0) };
}

/** The standard Partner Center error body (D error-codes.md; SDK ApiFault): `{code, description, data, source}`. */
export function faultBody(code: number, description: string, data: string[] = []): Json {
  return { code, description, data, source: 'PartnerFD' };
}

/** A documented Partner Center failure; thrown by handlers and turned into the standard error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    description: string,
    readonly data: string[] = [],
  ) {
    super(description);
    this.name = 'ApiError';
  }

  toResponse(): SimResponse {
    return json(this.status, faultBody(this.code, this.message, this.data));
  }
}

/** 429 has its own body shape (D api-throttling-guidance.md), not the ApiFault one. */
export function throttled(retryAfterSeconds: number): SimResponse {
  return json(
    429,
    { statusCode: 429, message: `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.` },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

export function link(uri: string, method = 'GET', headers: { key: string; value: string }[] = []): Json {
  return { uri, method, headers };
}

export function collection(items: unknown[], selfUri: string, extra: Json = {}): Json {
  return {
    totalCount: items.length,
    items,
    links: { self: link(selfUri) },
    attributes: { objectType: 'Collection' },
    ...extra,
  };
}

export async function readBody(req: IncomingMessage, limit = 5 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ApiError(413, 800002, 'Request body too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Reads PascalCase keys as camelCase, recursively (the documented request examples send `LineItems`,
 * `CatalogItemId`, `ProvisioningContext.SubscriptionId`; the service reads keys case-insensitively).
 */
export function camelizeDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeDeep);
  if (!isPlainObject(value)) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    const camel = key.length > 0 ? key.charAt(0).toLowerCase() + key.slice(1) : key;
    if (camel !== key && Object.prototype.hasOwnProperty.call(value, camel)) out[key] = camelizeDeep(v);
    else out[camel] = camelizeDeep(v);
  }
  return out;
}

/** Enum comparison key: case, spaces, underscores and hyphens ignored (`OneTime` = `one_time` = `onetime`). */
export function enumKey(value: string): string {
  return value.replace(/[\s_-]/g, '').toLowerCase();
}

const BILLING_CYCLES: Record<string, string> = {
  onetime: 'one_time',
  monthly: 'monthly',
  annual: 'annual',
  triennial: 'triennial',
  biennial: 'biennial',
  none: 'none',
};

/** Any spelling of a billing cycle → the lower snake_case the service answers with, or undefined. */
export function canonicalBillingCycle(value: unknown): string | undefined {
  if (typeof value === 'number') return ['unknown', 'monthly', 'annual', 'none', 'one_time'][value];
  if (typeof value !== 'string') return undefined;
  return BILLING_CYCLES[enumKey(value)];
}

/** Case-insensitive query parameter lookup (the service treats `targetView` and `targetview` alike). */
export function queryParam(url: URL, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of url.searchParams) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** Case-insensitive lookup in a string map (provisioningContext, inventoryContext). */
export function mapValue(map: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!map) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(map)) {
    if (key.toLowerCase() !== wanted) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      return String(value);
  }
  return undefined;
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  if (Array.isArray(value)) return value[0];
  return value;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Sets a key in a map used as a bounded store: the oldest entries go first (benchmarks write a lot). */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, limit = 10_000): void {
  map.set(key, value);
  while (map.size > limit) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}
