import { z } from 'zod';
import { faultBody, json, throttled, type SimResponse } from './http';

export const FaultRuleSchema = z.object({
  method: z.string().optional(),
  /** A substring of the request path (with its query), or a `/regex/flags` literal. */
  path: z.string().min(1),
  status: z.number().int().min(100).max(599).optional(),
  /** Seconds, sent as `Retry-After` (429 defaults to 1). */
  retryAfter: z.number().int().min(0).optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  /** Destroy the socket without answering. */
  drop: z.boolean().optional(),
  /** 200 with a truncated JSON body. */
  malformed: z.boolean().optional(),
  /** `after`: run the request first (the write happens), then replace or drop its response. */
  when: z.enum(['before', 'after']).default('before'),
  count: z.number().int().min(1).default(1),
});
export type FaultRuleInput = z.input<typeof FaultRuleSchema>;
export type FaultRule = z.infer<typeof FaultRuleSchema>;

interface ActiveRule extends FaultRule {
  id: number;
  remaining: number;
  matcher: (path: string) => boolean;
}

/**
 * `/regex/flags` is a regular expression, anything else a substring. (A plain path with a trailing
 * slash such as `/v1/` reads as the regex `v1`, which matches the same requests.) Throws on a bad regex.
 */
export function matcherFor(pattern: string): (path: string) => boolean {
  const literal = /^\/(.+)\/([dgimsuy]*)$/.exec(pattern);
  if (literal?.[1] !== undefined) {
    const re = new RegExp(literal[1], literal[2]);
    return (path) => re.test(path);
  }
  return (path) => path.includes(pattern);
}

/** The error code a 4xx/5xx fault carries in the standard error body. */
const FAULT_CODES: Record<number, [number, string]> = {
  400: [800002, 'Invalid request input.'],
  401: [800001, 'Partner token missing in request context.'],
  403: [900308, 'Insufficient privileges.'],
  404: [20000, 'Resource not found.'],
  409: [800060, 'Your order is in progress. Check order history in a few minutes.'],
  500: [800003, 'Unexpected service error.'],
  502: [800003, 'Bad gateway.'],
  503: [800003, 'The service is temporarily unavailable. Try again later.'],
  504: [800003, 'Gateway timeout.'],
};

export function faultResponse(rule: FaultRule): SimResponse {
  const status = rule.status ?? 500;
  if (status === 429) return throttled(rule.retryAfter ?? 1);
  const [code, description] = FAULT_CODES[status] ?? [800003, 'Unexpected service error.'];
  const headers: Record<string, string> = {};
  if (rule.retryAfter !== undefined) headers['Retry-After'] = String(rule.retryAfter);
  return json(status, faultBody(code, description), headers);
}

/** A 200 whose JSON body is cut short: what a proxy that gives up half-way delivers. */
export function malformed(original?: SimResponse): SimResponse {
  const text =
    original && original.body.length > 2
      ? original.body.toString('utf8')
      : '{"id":"4f3c2a1b","lineItems":[{"lineItemNumber":0,';
  const cut = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  return {
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: Buffer.from(cut),
  };
}

export class FaultStore {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  add(input: FaultRule): number {
    const id = this.nextId++;
    this.rules.push({ ...input, id, remaining: input.count, matcher: matcherFor(input.path) });
    return id;
  }

  clear(): void {
    this.rules = [];
  }

  list(): (FaultRule & { id: number; remaining: number })[] {
    return this.rules.map(({ matcher: _matcher, ...rest }) => rest);
  }

  /** Takes (consumes one use of) the first rule matching the request at this stage. */
  take(method: string, path: string, when: 'before' | 'after'): FaultRule | undefined {
    const rule = this.rules.find(
      (r) =>
        r.when === when && (!r.method || r.method.toUpperCase() === method.toUpperCase()) && r.matcher(path),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return rule;
  }
}
