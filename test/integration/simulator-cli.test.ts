import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SEED } from '../../fakes/partner-center';
import { call } from '../../fakes/partner-center/testkit';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const CLI = path.join(ROOT, 'fakes/partner-center/cli.ts');

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Running & { started: Promise<string> } {
  const child = spawn(TSX, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /Partner Center simulator listening on (http:\/\/\S+)\n/.exec(out);
      if (m?.[1] && out.includes('token endpoint')) resolve(m[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    void exited.then((code) => reject(new Error(`simulator exited with ${code}: ${out}`)));
  });
  return { child, output: () => out, exited, started };
}

describe('npm run simulator', () => {
  it('prints its URL, serves the API with the flags it was given, and exits cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pcsim-'));
    const caFile = path.join(dir, 'ca.pem');
    const sim = run(['--port', '0', '--open-auth', '--order-list-delay-ms', '0', '--ca-out', caFile]);
    try {
      const url = await sim.started;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sim.output()).toMatch(/Authority \(HTTPS, self-signed\) on https:\/\/127\.0\.0\.1:\d+/);
      expect(readFileSync(caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
      const res = await call(url, 'GET', `/v1/customers/${SEED.customers.open.id}`);
      expect(res.status).toBe(200);
      const orders = await call(url, 'GET', `/v1/customers/${SEED.customers.open.id}/orders`);
      expect(orders.json.items.length).toBe(Object.keys(SEED.orders).length);
      sim.child.kill('SIGTERM');
      expect(await sim.exited).toBe(0);
    } finally {
      sim.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads its settings from SIM_* environment variables and exits on SIGINT', async () => {
    const sim = run([], { SIM_PORT: '0', SIM_OPEN_AUTH: 'true', SIM_REGISTRATION_DELAY_MS: '0' });
    try {
      const url = await sim.started;
      const sub = SEED.subscriptions.unregistered;
      await call(url, 'POST', `/v1/customers/${sub.customerId}/subscriptions/${sub.id}/registrations`);
      const status = await call(
        url,
        'GET',
        `/v1/customers/${sub.customerId}/subscriptions/${sub.id}/registrationstatus`,
      );
      expect(status.json.status).toBe('Registered');
      sim.child.kill('SIGINT');
      expect(await sim.exited).toBe(0);
    } finally {
      sim.child.kill('SIGKILL');
    }
  });

  it('asks for a token unless started with open auth', async () => {
    const sim = run(['--port', '0']);
    try {
      const url = await sim.started;
      expect((await call(url, 'GET', '/v1/customers')).status).toBe(401);
      sim.child.kill('SIGTERM');
      await sim.exited;
    } finally {
      sim.child.kill('SIGKILL');
    }
  });

  it('takes the strict-simulator flags: cloud, checkout mode, latency, catalog and customer size', async () => {
    const sim = run([
      '--port',
      '0',
      '--open-auth',
      '--cloud',
      'usgov',
      '--checkout-mode',
      'idempotent',
      '--latency-ms',
      '1',
      '--latency-jitter-ms',
      '1',
      '--latency-path',
      'POST /checkout=20:5',
      '--latency-path',
      'checkInventory=30~90',
      '--reservation-skus',
      '1000',
      '--extra-customers',
      '40',
      '--plan-provisioning-delay-ms',
      '0',
    ]);
    try {
      const url = await sim.started;
      expect(sim.output()).toContain('cloud usgov');
      expect(sim.output()).toContain(
        "/v1.0/sales/pricesheets(Market='US',PricesheetView='azure_reservations')/$value",
      );
      expect((await call(url, 'GET', '/_sim/checkout-mode')).json.mode).toBe('idempotent');
      const latency = (await call(url, 'GET', '/_sim/latency')).json;
      expect(latency.default).toEqual({ ms: 1, jitterMs: 1 });
      expect(latency.routes).toEqual([
        { method: 'POST', path: '/checkout', spec: { ms: 20, jitterMs: 5 } },
        { path: 'checkInventory', spec: { p50Ms: 30, p99Ms: 90 } },
      ]);
      const customers = await call(url, 'GET', '/v1/customers?size=500');
      expect(customers.json.totalCount).toBe(40 + Object.keys(SEED.customers).length);
      const products = await call(url, 'GET', '/v1/products?country=US&targetView=AzureReservations');
      expect(products.json.items.filter((p: { id: string }) => p.id.startsWith('DZH318ZG'))).toHaveLength(2);
      sim.child.kill('SIGTERM');
      expect(await sim.exited).toBe(0);
    } finally {
      sim.child.kill('SIGKILL');
    }
  });

  it('reads the strict-simulator settings from SIM_* variables too', async () => {
    const sim = run([], {
      SIM_PORT: '0',
      SIM_OPEN_AUTH: 'true',
      SIM_CHECKOUT_MODE: 'bare-order',
      SIM_LATENCY_PROFILE: 'realistic',
      SIM_LATENCY_PATHS: 'GET /customers=0, /checkout=0:0',
      SIM_PRICESHEET_ROWS: '100',
    });
    try {
      const url = await sim.started;
      expect((await call(url, 'GET', '/_sim/checkout-mode')).json.mode).toBe('bare-order');
      const latency = (await call(url, 'GET', '/_sim/latency')).json;
      expect(latency.routes[0]).toEqual({ method: 'GET', path: '/customers', spec: { ms: 0, jitterMs: 0 } });
      expect(latency.routes.length).toBeGreaterThan(5);
      sim.child.kill('SIGTERM');
      expect(await sim.exited).toBe(0);
    } finally {
      sim.child.kill('SIGKILL');
    }
  });

  it('refuses an unknown cloud or checkout mode', async () => {
    const sim = run(['--port', '0', '--cloud', 'mars']);
    sim.started.catch(() => undefined);
    expect(await sim.exited).toBe(2);
    expect(sim.output()).toContain('cloud');
  });

  it('refuses a malformed flag with one message and exit code 2', async () => {
    const sim = run(['--port', '0', '--rate-limit', 'fast']);
    sim.started.catch(() => undefined);
    expect(await sim.exited).toBe(2);
    expect(sim.output()).toContain('rate-limit must look like REQUESTS/MILLISECONDS');
  });
});
