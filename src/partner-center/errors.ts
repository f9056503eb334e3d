import type { core } from 'zod';
import { AppError, type ErrorCode } from '../errors';
import { ApiFaultSchema, ThrottledBodySchema } from './schemas';

/** Partner Center's "this resource does not support application-only authentication". */
export const APP_ONLY_REFUSED = 900329;

export type ResponseHeaders = Record<string, string | string[] | undefined> | Headers;

export interface PartnerCenterErrorDetails {
  /** HTTP status; undefined when no response came back (network failure, timeout). */
  status?: number;
  /** Partner Center's own code from the ApiFault body (800030, 900329, ...), number or string as sent. */
  pcCode?: string | number;
  description?: string;
  data?: readonly unknown[];
  requestId?: string;
  correlationId?: string;
  /** How long Partner Center asked us to wait (429, or 503 with Retry-After). */
  retryAfterMs?: number;
  /** For pc_invalid_response: what failed in the schema (never the body itself). */
  issues?: readonly core.$ZodIssue[];
  /** Which client operation failed, e.g. `createCart`. */
  operation?: string;
  cause?: unknown;
}

/**
 * A failure talking to Partner Center. `code` is the stable switch (`pc_throttled`, `pc_conflict`, ...);
 * the rest is what Partner Center told us, for logs and for the few callers that look deeper
 * (800030 "subscription not registered", 800064 "cart is being processed").
 */
export class PartnerCenterError extends AppError {
  readonly status: number | undefined;
  readonly pcCode: string | number | undefined;
  readonly description: string | undefined;
  readonly data: readonly unknown[];
  readonly requestId: string | undefined;
  readonly correlationId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly issues: readonly core.$ZodIssue[] | undefined;
  readonly operation: string | undefined;

  constructor(code: ErrorCode, message: string, details: PartnerCenterErrorDetails = {}) {
    super(code, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.pcCode = details.pcCode;
    this.description = details.description;
    this.data = details.data ?? [];
    this.requestId = details.requestId;
    this.correlationId = details.correlationId;
    this.retryAfterMs = details.retryAfterMs;
    this.issues = details.issues;
    this.operation = details.operation;
  }

  /** Worth trying again later (with the same MS-RequestId, for a write). */
  get retryable(): boolean {
    return ['pc_throttled', 'pc_server', 'pc_network', 'pc_timeout'].includes(this.code);
  }

  /** An app-only token was used on an operation that needs App+User credentials. */
  get appOnlyRefused(): boolean {
    return this.code === 'pc_auth' && String(this.pcCode) === String(APP_ONLY_REFUSED);
  }
}

export function header(headers: ResponseHeaders, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/** Some examples echo an id twice, comma-joined (`e75c...,e75c...`): keep the first. */
function firstId(value: string | undefined): string | undefined {
  const first = value?.split(',')[0]?.trim();
  return first ? first : undefined;
}

/** `Retry-After` as seconds or as an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** "Rate limit is exceeded. Try again in 57 seconds." → 57000. */
function retryAfterFromText(text: string | undefined): number | undefined {
  const match = text
    ? /try again in (\d+(?:\.\d+)?) ?(ms|milliseconds?|s|sec|seconds?|minutes?)?/i.exec(text)
    : null;
  if (!match?.[1]) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? 's').toLowerCase();
  if (unit === 'ms' || unit.startsWith('millisecond')) return Math.round(amount);
  if (unit.startsWith('minute')) return Math.round(amount * 60_000);
  return Math.round(amount * 1000);
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'pc_auth';
  if (status === 404) return 'pc_not_found';
  if (status === 409) return 'pc_conflict';
  if (status === 429) return 'pc_throttled';
  if (status >= 500) return 'pc_server';
  return 'pc_bad_request';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The one place a Partner Center error response becomes an error: 401/403 → pc_auth (403 with code
 * 900329: an app-only token on an App+User operation), 404 → pc_not_found, 409 → pc_conflict,
 * 429 → pc_throttled with `retryAfterMs` (from `Retry-After`, or from either 429 body shape),
 * 5xx → pc_server, any other status → pc_bad_request.
 */
export function errorFromResponse(
  status: number,
  headers: ResponseHeaders,
  bodyText: string,
  context: { now?: number; operation?: string; requestId?: string; correlationId?: string } = {},
): PartnerCenterError {
  const code = codeForStatus(status);
  const json = parseJson(bodyText);
  const fault = ApiFaultSchema.safeParse(json);
  const throttled = fault.success ? undefined : ThrottledBodySchema.safeParse(json);

  const pcCode = fault.success ? fault.data.code : undefined;
  const description = fault.success
    ? fault.data.description
    : throttled?.success
      ? throttled.data.message
      : undefined;
  const data = fault.success ? fault.data.data : undefined;

  let retryAfterMs = parseRetryAfter(header(headers, 'retry-after'), context.now);
  if (retryAfterMs === undefined && (status === 429 || status === 503))
    retryAfterMs = retryAfterFromText(description);

  // The ids we sent win: a job retries a write with *its* MS-RequestId, not the one the server logs.
  const requestId = context.requestId ?? firstId(header(headers, 'ms-requestid'));
  const correlationId = context.correlationId ?? firstId(header(headers, 'ms-correlationid'));

  let summary: string;
  if (code === 'pc_auth' && String(pcCode) === String(APP_ONLY_REFUSED)) {
    summary = 'refused an application-only token: this operation needs App+User credentials';
  } else if (description) {
    summary = description;
  } else if (code === 'pc_throttled') {
    summary = 'rate limit exceeded';
  } else {
    summary = 'no error description';
  }
  const codePart = pcCode === undefined ? '' : ` (code ${String(pcCode)})`;
  const prefix = context.operation ? `${context.operation}: ` : '';
  return new PartnerCenterError(
    code,
    `${prefix}Partner Center answered ${status}${codePart}: ${summary.slice(0, 1024)}`,
    {
      status,
      pcCode,
      description,
      data,
      requestId,
      correlationId,
      retryAfterMs,
      operation: context.operation,
    },
  );
}

/** A 2xx whose body is not what the schema says (or not JSON at all). Carries the issues, not the body. */
export function invalidResponseError(
  status: number,
  headers: ResponseHeaders,
  issues: readonly core.$ZodIssue[],
  context: { operation?: string; requestId?: string; correlationId?: string } = {},
): PartnerCenterError {
  const where = issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  const prefix = context.operation ? `${context.operation}: ` : '';
  return new PartnerCenterError(
    'pc_invalid_response',
    `${prefix}Partner Center answered ${status} with a body that does not match its schema (${where})`,
    {
      status,
      issues,
      requestId: context.requestId ?? firstId(header(headers, 'ms-requestid')),
      correlationId: context.correlationId ?? firstId(header(headers, 'ms-correlationid')),
      operation: context.operation,
    },
  );
}
