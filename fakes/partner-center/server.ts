import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  handleAuthority,
  PARTNER_API_RESOURCE,
  PARTNER_CENTER_RESOURCE,
  type AuthorityCloud,
  type TokenStore,
} from './auth';
import {
  FaultRuleSchema,
  faultResponse,
  malformed,
  matcherFor,
  type FaultRule,
  type FaultStore,
} from './faults';
import {
  ApiError,
  camelizeDeep,
  enumKey,
  faultBody,
  headerValue,
  iso,
  json,
  readBody,
  setBounded,
  throttled,
  type Json,
  type SimResponse,
} from './http';
import { latencyConfig, LatencyOptionsSchema, sample, specFor, type LatencyConfig } from './latency';
import { isPricingPath, matchPriceSheetPath, priceSheet } from './pricesheet';
import { renderInvoice, renderOrder } from './render';
import { matchRoute, ROUTES, type Ctx } from './routes';
import { ORDER_STATUSES, PROVISIONING_STATUSES, type SimulatorState } from './state';

export type AuthSeen = 'app' | 'user' | 'none' | 'invalid' | 'expired';

/** Which listener a request came in on: the API, the public authority or the US Government authority. */
export type ServerKind = 'api' | 'authority' | 'usgovAuthority';

export interface RequestLogEntry {
  at: string;
  server: 'api' | 'authority';
  /** Token endpoint and discovery calls: which Entra ID stand-in answered (`usgov`: login.microsoftonline.us). */
  authority?: AuthorityCloud;
  /** API calls with a known token: the cloud whose authority issued it. */
  cloud?: AuthorityCloud;
  method: string;
  /** Path with its query string. */
  path: string;
  status: number | 'dropped';
  msRequestId?: string;
  msCorrelationId?: string;
  xLocale?: string;
  auth: AuthSeen;
  /** Answered from the MS-RequestId idempotency store without running again. */
  replayed?: boolean;
  /** The wait drawn from the latency distribution for this request (absent when none). */
  latencyMs?: number;
  fault?: string;
}

export interface PipelineOptions {
  openAuth: boolean;
  /** Initial latency (latency.ts); `POST /_sim/latency` replaces it. */
  latency: LatencyConfig;
  /** Pad each price sheet to at least this many rows. */
  pricesheetRows?: number;
  rateLimit?: { requests: number; perMs: number };
  logger?: Logger;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const REQUEST_LOG_LIMIT = 1000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The request pipeline shared by the API server and the HTTPS authority. */
export class Pipeline {
  readonly requestLog: RequestLogEntry[] = [];
  authorityUrl = '';
  usGovAuthorityUrl = '';
  latency: LatencyConfig;
  private window = { start: 0, count: 0 };

  constructor(
    readonly state: SimulatorState,
    readonly tokens: TokenStore,
    readonly faults: FaultStore,
    readonly options: PipelineOptions,
    /** Shared with the state's clock: `POST /_sim/clock/advance` moves simulated time forward. */
    readonly clock: { offsetMs: number },
  ) {
    this.latency = options.latency;
  }

  reset(): void {
    this.latency = this.options.latency;
    this.state.reset();
    this.faults.clear();
    this.requestLog.length = 0;
    this.window = { start: 0, count: 0 };
    this.tokens.lifetimeSeconds = 3600;
  }

  private log(entry: RequestLogEntry): void {
    this.requestLog.push(entry);
    if (this.requestLog.length > REQUEST_LOG_LIMIT)
      this.requestLog.splice(0, this.requestLog.length - REQUEST_LOG_LIMIT);
  }

  /**
   * Which token a request carries. A token is only good for the resource it was issued for: the
   * Partner Center API (`https://api.partnercenter.microsoft.com`) or, for price sheets, the Partner API
   * (`https://api.partner.microsoft.com`).
   */
  private authenticate(req: IncomingMessage, audience: string): { seen: AuthSeen; cloud?: AuthorityCloud } {
    const header = headerValue(req, 'authorization');
    if (!header) return { seen: 'none' };
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!m?.[1]) return { seen: 'invalid' };
    const record = this.tokens.lookup(m[1].trim());
    if (!record) return { seen: 'invalid' };
    // A token from the other cloud's Entra ID is not one this Partner Center trusts (Partner Center for US
    // Government partners sign in at login.microsoftonline.us, PowerShell's AzureUSGovernment environment).
    if (record.audience !== audience || record.cloud !== this.state.options.cloud) {
      return { seen: 'invalid', cloud: record.cloud };
    }
    if (this.tokens.isExpired(record)) return { seen: 'expired', cloud: record.cloud };
    return { seen: record.kind, cloud: record.cloud };
  }

  /** The authority a client of this simulator's cloud signs in at (401 answers point there). */
  private cloudAuthorityUrl(): string {
    return this.state.options.cloud === 'usgov' ? this.usGovAuthorityUrl : this.authorityUrl;
  }

  private rateLimited(): number | undefined {
    const limit = this.options.rateLimit;
    if (!limit) return undefined;
    const now = Date.now();
    if (now - this.window.start >= limit.perMs) this.window = { start: now, count: 0 };
    this.window.count += 1;
    if (this.window.count <= limit.requests) return undefined;
    return Math.max(1, Math.ceil((this.window.start + limit.perMs - now) / 1000));
  }

  private send(res: ServerResponse, response: SimResponse, echo: Record<string, string>): void {
    const headers: Record<string, string> = { ...response.headers, ...echo };
    if (response.stream) {
      // Sent as it is produced (chunked): a price sheet never sits in memory whole.
      res.writeHead(response.status, headers);
      const body = Readable.from(response.stream);
      body.on('error', (err) => {
        this.options.logger?.error({ err }, 'simulator stream failed');
        res.destroy();
      });
      body.pipe(res);
      return;
    }
    if (response.body.length > 0 || headers['Content-Length'] === undefined) {
      headers['Content-Length'] = String(response.body.length);
    }
    res.writeHead(response.status, headers);
    res.end(response.body);
  }

  private drop(req: IncomingMessage, res: ServerResponse): void {
    res.socket?.destroy();
    req.socket.destroy();
  }

  /** Applies a fault's latency, then reports what should happen to the response. */
  private async applyFault(
    rule: FaultRule,
    original?: SimResponse,
  ): Promise<{ kind: 'drop' } | { kind: 'respond'; response: SimResponse } | { kind: 'continue' }> {
    if (rule.latencyMs) await sleep(rule.latencyMs);
    if (rule.drop) return { kind: 'drop' };
    if (rule.malformed) return { kind: 'respond', response: malformed(original) };
    if (rule.status !== undefined) return { kind: 'respond', response: faultResponse(rule) };
    return { kind: 'continue' };
  }

  private describe(rule: FaultRule): string {
    if (rule.drop) return `drop(${rule.when})`;
    if (rule.malformed) return `malformed(${rule.when})`;
    if (rule.status !== undefined) return `status ${rule.status}(${rule.when})`;
    return `latency ${rule.latencyMs ?? 0}ms(${rule.when})`;
  }

  async handle(req: IncomingMessage, res: ServerResponse, listener: ServerKind): Promise<void> {
    const server: 'api' | 'authority' = listener === 'api' ? 'api' : 'authority';
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    const pathWithQuery = `${url.pathname}${url.search}`;
    const givenRequestId = headerValue(req, 'ms-requestid');
    const givenCorrelationId = headerValue(req, 'ms-correlationid');
    const echo: Record<string, string> = {
      'MS-RequestId': givenRequestId ?? randomUUID(),
      'MS-CorrelationId': givenCorrelationId ?? randomUUID(),
      'MS-CV': `${randomBytes(12).toString('base64url')}.0`,
      'MS-ServerId': '030020525',
    };
    const xLocale = headerValue(req, 'x-locale');
    if (xLocale) echo['X-Locale'] = xLocale;

    const entry: RequestLogEntry = {
      at: iso(Date.now()),
      server,
      method,
      path: pathWithQuery,
      status: 0,
      ...(givenRequestId ? { msRequestId: givenRequestId } : {}),
      ...(givenCorrelationId ? { msCorrelationId: givenCorrelationId } : {}),
      ...(xLocale ? { xLocale } : {}),
      auth: 'none',
      ...(server === 'authority' ? { authority: listener === 'usgovAuthority' ? 'usgov' : 'public' } : {}),
    };

    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      const response =
        err instanceof ApiError ? err.toResponse() : json(400, faultBody(800002, 'Unreadable body.'));
      this.send(res, response, echo);
      return;
    }

    if (server === 'api' && url.pathname.startsWith('/_sim/')) {
      this.send(res, this.control(method, url, body), {});
      return;
    }

    const audience = isPricingPath(url.pathname) ? PARTNER_API_RESOURCE : PARTNER_CENTER_RESOURCE;
    if (server === 'api') {
      const seen = this.authenticate(req, audience);
      entry.auth = seen.seen;
      if (seen.cloud) entry.cloud = seen.cloud;
    }
    const finish = (response: SimResponse | 'dropped'): void => {
      entry.status = response === 'dropped' ? 'dropped' : response.status;
      this.log(entry);
      if (response === 'dropped') this.drop(req, res);
      else this.send(res, response, echo);
    };

    const before = this.faults.take(method, pathWithQuery, 'before');
    if (before) {
      entry.fault = this.describe(before);
      const outcome = await this.applyFault(before);
      if (outcome.kind === 'drop') return finish('dropped');
      if (outcome.kind === 'respond') return finish(outcome.response);
    }

    const spec = specFor(this.latency, method, pathWithQuery, server === 'api');
    const wait = spec ? sample(spec) : 0;
    if (wait > 0) {
      entry.latencyMs = wait;
      await sleep(wait);
    }

    let response: SimResponse;
    if (server === 'authority') {
      response = handleAuthority(
        {
          method,
          url,
          body,
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        },
        this.tokens,
        listener === 'usgovAuthority' ? this.usGovAuthorityUrl : this.authorityUrl,
        listener === 'usgovAuthority' ? 'usgov' : 'public',
      );
    } else {
      const retryAfter = this.rateLimited();
      if (retryAfter !== undefined) return finish(throttled(retryAfter));
      const processed = await this.api(method, url, body, req, entry, givenRequestId);
      response = processed;
    }

    const after = this.faults.take(method, pathWithQuery, 'after');
    if (after) {
      entry.fault = this.describe(after);
      const outcome = await this.applyFault(after, response);
      if (outcome.kind === 'drop') return finish('dropped');
      if (outcome.kind === 'respond') response = outcome.response;
    }
    finish(response);
  }

  private async api(
    method: string,
    url: URL,
    raw: Buffer,
    req: IncomingMessage,
    entry: RequestLogEntry,
    requestId: string | undefined,
  ): Promise<SimResponse> {
    if (isPricingPath(url.pathname)) return this.pricing(url, req, entry);
    if (!url.pathname.toLowerCase().startsWith('/v1/')) {
      return json(
        404,
        faultBody(800002, `No Partner Center resource at ${url.pathname}. Paths start with /v1.`),
      );
    }
    const match = matchRoute(ROUTES, method, url.pathname);
    if (!match) return json(404, faultBody(800002, `No Partner Center resource at ${url.pathname}.`));
    if ('methodNotAllowed' in match)
      return json(405, faultBody(800002, `${method} is not supported on ${url.pathname}.`));

    if (!this.options.openAuth) {
      if (entry.auth === 'none') {
        return json(401, faultBody(800001, 'Partner token missing in request context.'), {
          'WWW-Authenticate': `Bearer authorization_uri="${this.cloudAuthorityUrl()}", error="invalid_token"`,
        });
      }
      if (entry.auth === 'invalid' || entry.auth === 'expired') {
        const why =
          entry.auth === 'expired'
            ? 'The access token has expired.'
            : entry.cloud !== undefined && entry.cloud !== this.state.options.cloud
              ? `The access token was issued by the ${entry.cloud === 'usgov' ? 'US Government' : 'public'} cloud's authority, not this Partner Center's.`
              : 'The access token is not valid for Partner Center.';
        return json(401, faultBody(400, `Access denied. ${why}`), {
          'WWW-Authenticate': `Bearer authorization_uri="${this.cloudAuthorityUrl()}", error="invalid_token", error_description="${why}"`,
        });
      }
      if (match.route.appUserOnly && entry.auth === 'app') {
        return json(
          403,
          faultBody(900329, 'This resource does not support application-only authentication.'),
        );
      }
    }

    // A write repeated with an MS-RequestId seen before answers with the first response (D headers.md:
    // reuse the MS-RequestId when retrying after a timeout).
    const idempotencyKey =
      requestId && WRITE_METHODS.has(method)
        ? `${method} ${url.pathname.toLowerCase()}${url.search}|${requestId}`
        : undefined;
    if (idempotencyKey) {
      const stored = this.state.idempotency.get(idempotencyKey);
      if (stored) {
        entry.replayed = true;
        return stored;
      }
    }

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = camelizeDeep(JSON.parse(raw.toString('utf8')));
      } catch {
        return json(400, faultBody(800002, 'The request body is not valid JSON.'));
      }
    }
    this.state.advance();
    const ctx: Ctx = { method, url, params: match.params, body, headers: req.headers, state: this.state };
    let response: SimResponse;
    try {
      response = await match.route.handler(ctx);
    } catch (err) {
      if (err instanceof ApiError) response = err.toResponse();
      else {
        this.options.logger?.error({ err, path: url.pathname }, 'simulator handler failed');
        response = json(500, faultBody(800003, 'Unexpected service error.'));
      }
    }
    if (idempotencyKey) setBounded(this.state.idempotency, idempotencyKey, response);
    return response;
  }

  /**
   * The pricing API (D get-a-price-sheet.md): App+User only ("Application-only isn't yet supported"),
   * with a token for the Partner API. Its error bodies are not documented; we answer with the Partner
   * Center error shape.
   */
  private pricing(url: URL, req: IncomingMessage, entry: RequestLogEntry): SimResponse {
    const match = matchPriceSheetPath(url.pathname);
    if (!match) return json(404, faultBody(800002, `No pricing resource at ${url.pathname}.`));
    if (!this.options.openAuth) {
      if (entry.auth === 'none')
        return json(401, faultBody(800001, 'Partner token missing in request context.'));
      if (entry.auth === 'invalid' || entry.auth === 'expired') {
        return json(
          401,
          faultBody(
            400,
            entry.auth === 'expired'
              ? 'Access denied. The access token has expired.'
              : `Access denied. The price sheet needs a token for ${PARTNER_API_RESOURCE}.`,
          ),
        );
      }
      if (entry.auth === 'app') {
        return json(
          403,
          faultBody(900329, 'This resource does not support application-only authentication.'),
        );
      }
    }
    try {
      return priceSheet(
        {
          catalog: this.state.catalog,
          now: this.state.now(),
          minRows: this.options.pricesheetRows ?? 0,
          reservationSkus: this.state.options.reservationSkus,
        },
        url,
        headerValue(req, 'accept-encoding'),
        match.market,
        match.view,
      );
    } catch (err) {
      if (err instanceof ApiError) return err.toResponse();
      throw err;
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Controls: never part of the real API.

  /**
   * `PATCH /_sim/orders/{id}` `{status, provisioningStatus?}`: an order's final status, in any documented
   * spelling (D order-resources.md OrderStatus: "pending review", "partial success", ...), answered as
   * given; the provisioning status of its lines follows unless named (README "Order status").
   */
  private patchOrder(orderId: string, body: unknown): SimResponse {
    const parsed = z
      .object({
        status: z.string().refine((v) => ORDER_STATUSES.some((s) => enumKey(s) === enumKey(v)), {
          message: `must be one of ${ORDER_STATUSES.join(', ')}`,
        }),
        provisioningStatus: z
          .string()
          .refine((v) => PROVISIONING_STATUSES.some((s) => enumKey(s) === enumKey(v)), {
            message: `must be one of ${PROVISIONING_STATUSES.join(', ')}`,
          })
          .optional(),
      })
      .safeParse(body);
    if (!parsed.success) {
      return json(400, {
        error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
    }
    const order = this.state.orders.get(orderId);
    if (!order) return json(404, { error: `No order ${orderId}.` });
    order.statusOverride = parsed.data.status;
    if (parsed.data.provisioningStatus !== undefined)
      order.provisioningOverride = parsed.data.provisioningStatus;
    else delete order.provisioningOverride;
    return json(200, renderOrder(this.state, order));
  }

  private control(method: string, url: URL, raw: Buffer): SimResponse {
    const path = url.pathname.replace(/\/$/, '');
    let body: unknown = undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return json(400, { error: 'The body is not valid JSON.' });
      }
    }
    const bad = (error: z.ZodError): SimResponse =>
      json(400, { error: error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    const key = `${method} ${path}`;
    const orderPatch = /^\/_sim\/orders\/([^/]+)$/.exec(path);
    if (orderPatch?.[1] !== undefined && method === 'PATCH') {
      return this.patchOrder(decodeURIComponent(orderPatch[1]), body);
    }
    switch (key) {
      case 'GET /_sim/health':
        return json(200, { ok: true });
      case 'GET /_sim/orders': {
        this.state.advance();
        const items = [...this.state.orders.values()]
          .sort((a, b) => a.createdAt - b.createdAt)
          .map((o) => ({
            ...renderOrder(this.state, o),
            _sim: {
              customerId: o.customerId,
              listed: this.state.isListed(o),
              listedFrom: iso(o.createdAt + this.state.options.orderListDelayMs),
              ...(o.cartId ? { cartId: o.cartId } : {}),
            },
          }));
        return json(200, { totalCount: items.length, items });
      }
      case 'GET /_sim/latency':
        return json(200, this.latency);
      case 'POST /_sim/latency': {
        const parsed = LatencyOptionsSchema.safeParse(body ?? {});
        if (!parsed.success) return bad(parsed.error);
        try {
          this.latency = latencyConfig(parsed.data);
        } catch (err) {
          return json(400, { error: err instanceof Error ? err.message : String(err) });
        }
        return json(200, this.latency);
      }
      case 'GET /_sim/checkout-mode':
        return json(200, { mode: this.state.checkoutMode });
      case 'POST /_sim/checkout-mode': {
        const parsed = z.object({ mode: z.enum(['idempotent', '800065', 'bare-order']) }).safeParse(body);
        if (!parsed.success) return bad(parsed.error);
        this.state.checkoutMode = parsed.data.mode;
        return json(200, { mode: parsed.data.mode });
      }
      case 'POST /_sim/reset':
        this.reset();
        return json(200, { ok: true });
      case 'GET /_sim/faults':
        return json(200, { items: this.faults.list() });
      case 'POST /_sim/faults': {
        const list = Array.isArray(body) ? body : [body];
        const parsed = z.array(FaultRuleSchema).safeParse(list);
        if (!parsed.success) return bad(parsed.error);
        for (const rule of parsed.data) {
          try {
            matcherFor(rule.path);
          } catch {
            return json(400, { error: `path: ${rule.path} is not a valid regular expression.` });
          }
        }
        const ids = parsed.data.map((r) => this.faults.add(r));
        return json(201, { ids, items: this.faults.list() });
      }
      case 'DELETE /_sim/faults':
        this.faults.clear();
        return json(200, { ok: true });
      case 'POST /_sim/tokens/lifetime': {
        const parsed = z.object({ seconds: z.number().int().min(1).max(86_400) }).safeParse(body);
        if (!parsed.success) return bad(parsed.error);
        this.tokens.lifetimeSeconds = parsed.data.seconds;
        return json(200, { seconds: parsed.data.seconds });
      }
      case 'GET /_sim/requests':
        return json(200, { totalCount: this.requestLog.length, items: this.requestLog });
      case 'DELETE /_sim/requests':
        this.requestLog.length = 0;
        return json(200, { ok: true });
      case 'POST /_sim/invoices/close': {
        const parsed = z.object({ currencyCode: z.string().length(3).optional() }).safeParse(body ?? {});
        if (!parsed.success) return bad(parsed.error);
        const invoices = this.state.closeBillingPeriod(parsed.data.currencyCode);
        const first = invoices[0];
        if (!first)
          return json(409, { error: 'The open billing period has no charges: buy something first.' });
        return json(201, renderInvoice(first), { 'X-Sim-Invoice-Ids': invoices.map((i) => i.id).join(',') });
      }
      case 'POST /_sim/catalog/rotate': {
        const parsed = z.object({ productId: z.string(), skuId: z.string() }).safeParse(body);
        if (!parsed.success) return bad(parsed.error);
        try {
          this.state.catalog.rotate(parsed.data.productId, parsed.data.skuId);
        } catch (err) {
          if (err instanceof ApiError) return json(404, { error: err.message });
          throw err;
        }
        return json(200, { ok: true });
      }
      case 'POST /_sim/catalog/attestation': {
        const parsed = z
          .object({
            productId: z.string(),
            skuId: z.string(),
            attestationType: z.string().default('Windows365'),
            enforceAttestation: z.boolean().default(true),
          })
          .safeParse(body);
        if (!parsed.success) return bad(parsed.error);
        const { productId, skuId, attestationType, enforceAttestation } = parsed.data;
        this.state.catalog.setAttestation(
          productId,
          skuId,
          enforceAttestation ? { attestationType, enforceAttestation } : undefined,
        );
        return json(200, { ok: true });
      }
      case 'POST /_sim/inventory': {
        const parsed = z
          .object({ productId: z.string(), region: z.string(), inStock: z.boolean() })
          .safeParse(body);
        if (!parsed.success) return bad(parsed.error);
        this.state.catalog.setStock(parsed.data.productId, parsed.data.region, parsed.data.inStock);
        return json(200, { ok: true });
      }
      case 'POST /_sim/clock/advance': {
        const parsed = z.object({ ms: z.number().int().min(0) }).safeParse(body);
        if (!parsed.success) return bad(parsed.error);
        this.clock.offsetMs += parsed.data.ms;
        return json(200, { now: iso(this.state.now()) });
      }
      default:
        return json(404, { error: `No control at ${key}.` } satisfies Json);
    }
  }
}
