import { startSimulator, SEED, type FaultRuleInput, type Simulator } from '../../fakes/partner-center';
import { call, requestToken, type CallOptions } from '../../fakes/partner-center/testkit';

const OPEN = SEED.customers.open.id;
const SOFTWARE = `${SEED.products.softwareSubscription.productId}:0001:${SEED.availabilities.softwareSubscription}`;
const CART = {
  lineItems: [{ catalogItemId: SOFTWARE, quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y' }],
};

describe('Partner Center simulator: faults, throttling and latency', () => {
  let sim: Simulator;
  const api = (method: string, path: string, opts?: CallOptions) => call(sim.url, method, path, opts);
  const fault = async (rule: FaultRuleInput) => {
    const res = await api('POST', '/_sim/faults', { body: rule });
    expect(res.status).toBe(201);
  };
  const orderCount = async () => (await api('GET', '/_sim/orders')).json.totalCount as number;

  beforeAll(async () => {
    sim = await startSimulator({ openAuth: true });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    await api('POST', '/_sim/reset');
  });

  it('answers 429 with Retry-After and the throttling body, then serves normally', async () => {
    await fault({ path: '/v1/customers', status: 429, retryAfter: 7, count: 1 });
    const throttled = await api('GET', '/v1/customers');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('7');
    expect(throttled.json).toEqual({
      statusCode: 429,
      message: 'Rate limit is exceeded. Try again in 7 seconds.',
    });
    expect((await api('GET', '/v1/customers')).status).toBe(200);
  });

  it.each([
    [500, 800003],
    [503, 800003],
  ])('answers %i with the standard error body as many times as the count says', async (status, code) => {
    await fault({ path: '/v1/customers', status, count: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await api('GET', '/v1/customers');
      expect(res.status).toBe(status);
      expect(res.json).toEqual({ code, description: expect.any(String), data: [], source: 'PartnerFD' });
    }
    expect((await api('GET', '/v1/customers')).status).toBe(200);
  });

  it('sends Retry-After on a 503 when the fault names one', async () => {
    await fault({ path: '/v1/customers', status: 503, retryAfter: 2, count: 1 });
    expect((await api('GET', '/v1/customers')).headers['retry-after']).toBe('2');
  });

  it('delays the answer by the latency the fault asks for', async () => {
    await fault({ path: '/v1/customers', latencyMs: 250, count: 1 });
    const started = Date.now();
    const res = await api('GET', '/v1/customers');
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('drops the connection without an answer', async () => {
    await fault({ path: '/v1/customers', drop: true, count: 1 });
    await expect(api('GET', '/v1/customers')).rejects.toThrow();
    expect((await api('GET', '/v1/customers')).status).toBe(200);
  });

  it('answers 200 with a body that is not valid JSON when asked for a malformed answer', async () => {
    await fault({ path: '/v1/customers', malformed: true, count: 1 });
    const res = await api('GET', '/v1/customers');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(() => JSON.parse(res.text)).toThrow();
  });

  it('truncates the real answer when the malformed fault comes after the request ran', async () => {
    await fault({ path: `/v1/customers/${OPEN}`, malformed: true, when: 'after', count: 1 });
    const res = await api('GET', `/v1/customers/${OPEN}`);
    expect(res.text.startsWith(`{"id":"${OPEN}"`)).toBe(true);
    expect(() => JSON.parse(res.text)).toThrow();
  });

  it('runs a checkout before dropping its answer, and a retry with the same MS-RequestId returns the first result', async () => {
    const cart = await api('POST', `/v1/customers/${OPEN}/carts`, { body: CART });
    const before = await orderCount();
    await fault({ method: 'POST', path: '/checkout', drop: true, when: 'after', count: 1 });
    const headers = { 'MS-RequestId': '6a0f8a3e-64ad-4c0c-8f43-3f63f5d2c9a1' };
    const checkoutPath = `/v1/customers/${OPEN}/carts/${cart.json.id}/checkout`;
    await expect(api('POST', checkoutPath, { headers })).rejects.toThrow();
    expect(await orderCount()).toBe(before + 1);
    const retry = await api('POST', checkoutPath, { headers });
    expect(retry.status).toBe(201);
    expect(retry.json.orders).toHaveLength(1);
    expect(await orderCount()).toBe(before + 1);
    const log = (await api('GET', '/_sim/requests')).json.items.filter(
      (e: { path: string }) => e.path === checkoutPath,
    );
    expect(log.map((e: { status: unknown; replayed?: boolean }) => [e.status, e.replayed ?? false])).toEqual([
      ['dropped', false],
      [201, true],
    ]);
  });

  it('replaces the answer of a write that happened with a 503 when the fault comes after', async () => {
    await fault({ method: 'POST', path: '/carts', status: 503, when: 'after', count: 1 });
    const res = await api('POST', `/v1/customers/${OPEN}/carts`, { body: CART });
    expect(res.status).toBe(503);
    expect(sim.state.carts.size).toBe(1);
  });

  it('matches faults by method and by /regex/ paths', async () => {
    await fault({ method: 'POST', path: '/carts', status: 500, count: 1 });
    await fault({ path: '/\\/orders\\/[^/?]+$/', status: 404, count: 5 });
    expect((await api('GET', `/v1/customers/${OPEN}/carts/nope`)).json.code).toBe(800008);
    expect((await api('GET', `/v1/customers/${OPEN}/orders`)).status).toBe(200);
    expect((await api('GET', `/v1/customers/${OPEN}/orders/${SEED.orders.reservation}`)).status).toBe(404);
    expect((await api('POST', `/v1/customers/${OPEN}/carts`, { body: CART })).status).toBe(500);
  });

  it('forgets every fault on DELETE /_sim/faults and on reset', async () => {
    await fault({ path: '/v1/', status: 500, count: 100 });
    expect((await api('GET', '/_sim/faults')).json.items).toHaveLength(1);
    await api('DELETE', '/_sim/faults');
    expect((await api('GET', '/v1/customers')).status).toBe(200);
    await fault({ path: '/v1/', status: 500, count: 100 });
    await api('POST', '/_sim/reset');
    expect((await api('GET', '/v1/customers')).status).toBe(200);
  });

  it('refuses a fault without a path or with a bad count', async () => {
    expect((await api('POST', '/_sim/faults', { body: { status: 500, count: 1 } })).status).toBe(400);
    expect((await api('POST', '/_sim/faults', { body: { path: '/v1', status: 500, count: 0 } })).status).toBe(
      400,
    );
  });

  it('never faults the control surface', async () => {
    await fault({ path: '/', status: 500, count: 10 });
    expect((await api('GET', '/_sim/orders')).status).toBe(200);
  });

  it('applies faults to the token endpoint too', async () => {
    await fault({ path: '/oauth2/', status: 503, count: 1 });
    const res = await requestToken(sim, {
      grant_type: 'client_credentials',
      client_id: 'a',
      client_secret: 'b',
      scope: SEED.auth.scope,
    });
    expect(res.status).toBe(503);
  });
});

describe('Partner Center simulator: built-in rate limit and latency', () => {
  it('throttles beyond the configured rate with the documented 429 body', async () => {
    const sim = await startSimulator({ openAuth: true, rateLimit: { requests: 3, perMs: 60_000 } });
    try {
      const statuses: number[] = [];
      let last = await call(sim.url, 'GET', '/_sim/health');
      for (let i = 0; i < 5; i++) {
        last = await call(sim.url, 'GET', '/v1/customers');
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(Number(last.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(last.json.message).toMatch(/^Rate limit is exceeded\. Try again in \d+ seconds\.$/);
    } finally {
      await sim.close();
    }
  });

  it('adds the configured latency to every /v1 request', async () => {
    const sim = await startSimulator({ openAuth: true, latencyMs: 150 });
    try {
      const started = Date.now();
      await call(sim.url, 'GET', '/v1/customers');
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await sim.close();
    }
  });
});
