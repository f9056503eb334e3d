import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Agent } from 'undici';
import { createLogger } from '../../src/logger';
import {
  NoAuthTokenProvider,
  PartnerCenterClient,
  PartnerCenterError,
  type PartnerCenterClientOptions,
  type TokenKind,
  type TokenOptions,
  type TokenProvider,
} from '../../src/partner-center';

/**
 * The client's request path against a tiny loopback server whose answers each test scripts:
 * retries, backoff, headers, timeouts and parsing, without the simulator.
 */

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Reply =
  | {
      status: number;
      body?: unknown;
      headers?: Record<string, string>;
      delayMs?: number;
      raw?: string | Buffer;
    }
  | 'drop';

class ScriptedServer {
  readonly seen: Seen[] = [];
  private replies: Reply[] = [];
  private fallback: Reply = { status: 200, body: {} };
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const reply = this.replies.shift() ?? this.fallback;
        if (reply === 'drop') {
          req.socket.destroy();
          return;
        }
        const send = (): void => {
          if (res.destroyed) return;
          const payload = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
          res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
          res.end(payload);
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  script(...replies: Reply[]): void {
    this.replies.push(...replies);
  }

  otherwise(reply: Reply): void {
    this.fallback = reply;
  }

  reset(): void {
    this.seen.length = 0;
    this.replies = [];
    this.fallback = { status: 200, body: {} };
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

class RecordingTokens implements TokenProvider {
  readonly calls: { kind: TokenKind; options: TokenOptions | undefined }[] = [];
  private n = 0;
  getToken(kind: TokenKind, options?: TokenOptions): Promise<string> {
    this.calls.push({ kind, options });
    this.n += 1;
    return Promise.resolve(`tok-${kind}-${this.n}`);
  }
}

const registration = {
  subscriptionId: 'sub-1',
  status: 'Registered',
  attributes: { objectType: 'SubscriptionRegistrationStatus' },
};
const fault = (code: number, description = 'boom'): { code: number; description: string } => ({
  code,
  description,
});
const cart = {
  id: 'cart-1',
  status: 'Active',
  lineItems: [{ id: 0, catalogItemId: 'P:S:A', quantity: 1, billingCycle: 'one_time', orderGroup: '0' }],
};

const server = new ScriptedServer();
let agent: Agent;
let sleeps: number[];

function client(overrides: Partial<PartnerCenterClientOptions> = {}): PartnerCenterClient {
  return new PartnerCenterClient({
    baseUrl: server.url,
    tokens: new RecordingTokens(),
    dispatcher: agent,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    ...overrides,
  });
}

beforeAll(async () => {
  await server.start();
  agent = new Agent({ keepAliveTimeout: 1000 });
});

afterAll(async () => {
  await agent.close();
  await server.stop();
});

beforeEach(() => {
  server.reset();
  sleeps = [];
});

describe('PartnerCenterClient request path', () => {
  it('sends the bearer token, Accept, X-Locale, a correlation id and a request id on every call', async () => {
    server.script({ status: 200, body: registration });
    await client({ locale: 'de-DE' }).getRegistrationStatus('cust-1', 'sub-1');
    const [req] = server.seen;
    expect(req?.url).toBe('/v1/customers/cust-1/subscriptions/sub-1/registrationstatus');
    expect(req?.headers['authorization']).toBe('Bearer tok-app-1');
    expect(req?.headers['accept']).toBe('application/json');
    expect(req?.headers['x-locale']).toBe('de-DE');
    expect(req?.headers['ms-correlationid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(req?.headers['ms-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('uses a fresh correlation id and request id for each call', async () => {
    server.otherwise({ status: 200, body: registration });
    const pc = client();
    await pc.getRegistrationStatus('c', 's');
    await pc.getRegistrationStatus('c', 's');
    const [a, b] = server.seen;
    expect(a?.headers['ms-correlationid']).not.toBe(b?.headers['ms-correlationid']);
    expect(a?.headers['ms-requestid']).not.toBe(b?.headers['ms-requestid']);
  });

  it('encodes path segments so an id cannot change the route', async () => {
    server.script({ status: 200, body: cart });
    await client().getCart('a/b', 'c?d');
    expect(server.seen[0]?.url).toBe('/v1/customers/a%2Fb/carts/c%3Fd');
  });

  it('sends no Authorization header when the token provider has no token (simulator open-auth)', async () => {
    server.script({ status: 200, body: registration });
    await client({ tokens: new NoAuthTokenProvider() }).getRegistrationStatus('c', 's');
    expect(server.seen[0]?.headers['authorization']).toBeUndefined();
  });

  it('retries a read after 500 and 503 with growing jittered delays, then returns the answer', async () => {
    server.script(
      { status: 500, body: fault(800003) },
      { status: 503, body: fault(800003) },
      { status: 200, body: registration },
    );
    const status = await client({ retryBaseDelayMs: 100 }).getRegistrationStatus('c', 's');
    expect(status.status).toBe('registered');
    expect(server.seen).toHaveLength(3);
    // equal jitter with random()=0.5: 3/4 of 100, then of 200
    expect(sleeps).toEqual([75, 150]);
  });

  it('keeps one correlation id across the retries of a call but takes a new request id after each response', async () => {
    server.script({ status: 500, body: fault(800003) }, { status: 200, body: registration });
    await client().getRegistrationStatus('c', 's');
    const [first, second] = server.seen;
    expect(second?.headers['ms-correlationid']).toBe(first?.headers['ms-correlationid']);
    expect(second?.headers['ms-requestid']).not.toBe(first?.headers['ms-requestid']);
  });

  it('gives up on a read after maxReadRetries and throws the last failure', async () => {
    server.otherwise({ status: 503, body: fault(800003) });
    const err = await client({ maxReadRetries: 2 })
      .getRegistrationStatus('c', 's')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartnerCenterError);
    expect((err as PartnerCenterError).code).toBe('pc_server');
    expect(server.seen).toHaveLength(3);
  });

  it('waits as long as Retry-After says on a throttled read, then succeeds', async () => {
    server.script(
      {
        status: 429,
        headers: { 'retry-after': '2' },
        body: { statusCode: 429, message: 'Rate limit is exceeded. Try again in 2 seconds.' },
      },
      { status: 200, body: registration },
    );
    await client().getRegistrationStatus('c', 's');
    expect(sleeps).toEqual([2000]);
  });

  it('waits for the time named in the 429 body when there is no Retry-After header', async () => {
    server.script(
      { status: 429, body: { statusCode: 429, message: 'Rate limit is exceeded. Try again in 3 seconds.' } },
      { status: 200, body: registration },
    );
    await client().getRegistrationStatus('c', 's');
    expect(sleeps).toEqual([3000]);
  });

  it('does not block a read for longer than maxThrottleWaitMs: it throws pc_throttled with the wait', async () => {
    server.script({
      status: 429,
      headers: { 'retry-after': '120' },
      body: { statusCode: 429, message: 'Try again in 120 seconds.' },
    });
    const err = (await client({ maxThrottleWaitMs: 60_000 })
      .getRegistrationStatus('c', 's')
      .catch((e: unknown) => e)) as PartnerCenterError;
    expect(err.code).toBe('pc_throttled');
    expect(err.retryAfterMs).toBe(120_000);
    expect(sleeps).toEqual([]);
  });

  it('retries a read whose connection was dropped', async () => {
    server.script('drop', { status: 200, body: registration });
    await expect(client().getRegistrationStatus('c', 's')).resolves.toMatchObject({ status: 'registered' });
    expect(server.seen).toHaveLength(2);
  });

  it('retries a read that timed out, with the same request id', async () => {
    server.script({ status: 200, body: registration, delayMs: 500 }, { status: 200, body: registration });
    await client({ timeoutMs: 100 }).getRegistrationStatus('c', 's');
    const [first, second] = server.seen;
    expect(second?.headers['ms-requestid']).toBe(first?.headers['ms-requestid']);
  });

  it('does not retry a read that got a 4xx business error', async () => {
    server.script({ status: 404, body: fault(20000, 'Order not found') });
    await expect(client().getOrder('c', 'o')).rejects.toMatchObject({
      code: 'pc_not_found',
      pcCode: 20000,
      status: 404,
    });
    expect(server.seen).toHaveLength(1);
  });

  it('turns a 2xx whose body fails its schema into pc_invalid_response without retrying', async () => {
    server.script({ status: 200, body: { subscriptionId: 's' } });
    await expect(client().getRegistrationStatus('c', 's')).rejects.toMatchObject({
      code: 'pc_invalid_response',
    });
    server.script({ status: 200, raw: '{"subscriptionId": "s", "sta' });
    await expect(client().getRegistrationStatus('c', 's')).rejects.toMatchObject({
      code: 'pc_invalid_response',
    });
    expect(server.seen).toHaveLength(2);
  });

  it('never retries a write after a 5xx', async () => {
    server.script({ status: 500, body: fault(800005) });
    await expect(client().createCart('c', { lineItems: [] })).rejects.toMatchObject({ code: 'pc_server' });
    expect(server.seen).toHaveLength(1);
  });

  it('never retries a write after a timeout and reports the request id it sent', async () => {
    server.script({ status: 201, body: cart, delayMs: 400 });
    const err = (await client({ timeoutMs: 100 })
      .createCart('c', { lineItems: [] }, { requestId: 'req-42' })
      .catch((e: unknown) => e)) as PartnerCenterError;
    expect(err.code).toBe('pc_timeout');
    expect(err.requestId).toBe('req-42');
    expect(server.seen).toHaveLength(1);
  });

  it('never retries a write whose connection dropped', async () => {
    server.script('drop');
    await expect(client().checkoutCart('c', 'cart-1', { requestId: 'r' })).rejects.toMatchObject({
      code: 'pc_network',
      requestId: 'r',
    });
    expect(server.seen).toHaveLength(1);
  });

  it('sends the caller request id on a write and JSON with camelCase keys', async () => {
    server.script({ status: 201, body: cart });
    await client().createCart(
      'c',
      { lineItems: [{ id: 0, catalogItemId: 'P:S:A', quantity: 1, billingCycle: 'one_time' }] },
      { requestId: 'fixed-id' },
    );
    const [req] = server.seen;
    expect(req?.method).toBe('POST');
    expect(req?.headers['ms-requestid']).toBe('fixed-id');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({
      lineItems: [{ id: 0, catalogItemId: 'P:S:A', quantity: 1, billingCycle: 'one_time' }],
    });
  });

  it('asks once for a fresh token after a 401, keeping the request id, even on a write', async () => {
    const tokens = new RecordingTokens();
    server.script({ status: 401, body: fault(800001) }, { status: 201, body: cart });
    await client({ tokens }).createCart('c', { lineItems: [] }, { requestId: 'w-1' });
    expect(tokens.calls.map((c) => c.options?.forceRefresh)).toEqual([false, true]);
    expect(server.seen.map((s) => s.headers['ms-requestid'])).toEqual(['w-1', 'w-1']);
    expect(server.seen[1]?.headers['authorization']).toBe('Bearer tok-app-2');
  });

  it('gives up after a second 401', async () => {
    server.otherwise({ status: 401, body: fault(800001) });
    await expect(client().getOrder('c', 'o')).rejects.toMatchObject({ code: 'pc_auth', status: 401 });
    expect(server.seen).toHaveLength(2);
  });

  it('asks the token provider for the kind each operation needs, naming the operation', async () => {
    const tokens = new RecordingTokens();
    server.otherwise({ status: 200, body: { totalCount: 0, items: [] } });
    const pc = client({ tokens });
    await pc.listEntitlements('c');
    await pc.listOrders('c');
    expect(tokens.calls.map((c) => [c.kind, c.options?.operation])).toEqual([
      ['user', 'listEntitlements'],
      ['app', 'listOrders'],
    ]);
  });

  it('builds the documented query strings', async () => {
    server.otherwise({ status: 200, body: { totalCount: 0, items: [] } });
    const pc = client();
    await pc.listCustomers({ nameStartsWith: 'Cont', size: 10 });
    await pc.listProducts({ country: 'US', targetView: 'AzureReservations', reservationScope: 'AzurePlan' });
    await pc.listOrdersByBillingType('c', 'OneTime');
    await pc.listEntitlements('c', { entitlementType: 'reserved_instance', showExpiry: true });
    expect(server.seen.map((s) => s.url)).toEqual([
      '/v1/customers?size=10&filter=%7B%22Field%22%3A%22CompanyName%22%2C%22Value%22%3A%22Cont%22%2C%22Operator%22%3A%22starts_with%22%7D',
      '/v1/products?country=US&targetView=AzureReservations&reservationScope=AzurePlan',
      '/v1/customers/c/orders?billingType=onetime',
      '/v1/customers/c/entitlements?entitlementType=reservedInstance&showExpiry=true',
    ]);
  });

  it('returns the Location of a registration', async () => {
    server.script({ status: 202, headers: { location: '/customers/c/subscriptions/s/registrationstatus' } });
    await expect(client().registerSubscription('c', 's')).resolves.toEqual({
      location: '/customers/c/subscriptions/s/registrationstatus',
    });
    expect(server.seen[0]?.headers['content-length']).toBe('0');
  });

  it('follows continuation tokens through every page of OneTime line items', async () => {
    const item = (n: number): Record<string, unknown> => ({
      invoiceNumber: 'G1',
      orderId: `o${n}`,
      unitPrice: String(n),
    });
    server.script(
      {
        status: 200,
        body: {
          totalCount: 2,
          continuationToken: 'tok-1',
          items: [item(1), item(2)],
          links: {
            next: {
              uri: '/invoices/G1/lineitems?seekOperation=Next',
              method: 'GET',
              headers: [{ key: 'MS-ContinuationToken', value: 'tok-1' }],
            },
          },
        },
      },
      { status: 200, body: { totalCount: 1, items: [item(3)], links: { self: { uri: '/x' } } } },
    );
    const seen: unknown[] = [];
    for await (const line of client().listOneTimeLineItems('G1', { size: 2 })) seen.push(line.unitPrice);
    expect(seen).toEqual([1, 2, 3]);
    expect(server.seen[0]?.url).toBe(
      '/v1/invoices/G1/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&size=2',
    );
    expect(server.seen[1]?.url).toBe(
      '/v1/invoices/G1/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&size=2&seekOperation=Next',
    );
    expect(server.seen[1]?.headers['ms-continuationtoken']).toBe('tok-1');
  });

  it('follows the next links of the invoice collection', async () => {
    const invoice = (id: string): Record<string, unknown> => ({ id, invoiceType: 'OneTime' });
    server.script(
      {
        status: 200,
        body: {
          totalCount: 3,
          items: [invoice('I1'), invoice('I2')],
          links: { next: { uri: '/invoices?size=2&offset=2' } },
        },
      },
      { status: 200, body: { totalCount: 3, items: [invoice('I3')], links: {} } },
    );
    const ids: string[] = [];
    for await (const inv of client().iterateInvoices({ size: 2 })) ids.push(inv.id);
    expect(ids).toEqual(['I1', 'I2', 'I3']);
    expect(server.seen.map((s) => s.url)).toEqual([
      '/v1/invoices?size=2&offset=0',
      '/v1/invoices?size=2&offset=2',
    ]);
  });

  it('returns the statement PDF bytes and refuses a body that is not a PDF', async () => {
    const pdf = Buffer.from('%PDF-1.7\n%%EOF\n');
    server.script({ status: 200, raw: pdf, headers: { 'content-type': 'application/pdf' } });
    await expect(client().getInvoiceStatement('G1')).resolves.toEqual(pdf);
    server.script({ status: 200, body: { not: 'a pdf' } });
    await expect(client().getInvoiceStatement('G1')).rejects.toMatchObject({ code: 'pc_invalid_response' });
  });

  it('never writes the bearer token to its logs', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ level: 'trace', destination });
    server.script(
      { status: 500, body: fault(800003) },
      { status: 401, body: fault(800001) },
      { status: 200, body: registration },
    );
    await client({ logger }).getRegistrationStatus('c', 's');
    const all = lines.join('');
    expect(all).toContain('getRegistrationStatus');
    expect(all).not.toMatch(/tok-app-\d/);
  });
});
