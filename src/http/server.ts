import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import { createEdgeServer, type EdgeLimits } from './edge';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle';

export interface HealthProbe {
  name: string;
  /** true/false, or false with the reason an operator needs. */
  check(): Promise<boolean | { ok: boolean; detail?: string | undefined }>;
}

export interface HttpOptions {
  readiness: HealthProbe[];
}

/**
 * The public port's own routes, for load balancers and orchestrators: /healthz (the process
 * answers) and /readyz (it can do its work). Slack's /slack/events joins them in web.ts.
 */
export function createHttpApp(opts: HttpOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      opts.readiness.map(async (p) => {
        try {
          const r = await withTimeout(p.check(), 2000);
          return typeof r === 'boolean'
            ? { name: p.name, ok: r }
            : { name: p.name, ok: r.ok, detail: r.detail };
        } catch {
          return { name: p.name, ok: false };
        }
      }),
    );
    const checks = Object.fromEntries(results.map((r) => [r.name, r.ok]));
    const problems = results.filter((r) => !r.ok && r.detail).map((r) => r.detail);
    const ok = results.every((r) => r.ok);
    res.status(ok ? 200 : 503).json({ ok, checks, ...(problems.length ? { problems } : {}) });
  });
  return app;
}

export interface OpsOptions {
  metrics: Registry;
  queues: Queue[];
  bullBoard: { user: string; password: string | undefined; readWrite: boolean };
  /** how wrong Bull Board passwords are slowed down; defaults in login-throttle.ts */
  loginThrottle?: Partial<LoginThrottleOptions>;
}

/**
 * The operators' port (OPS_PORT, loopback unless OPS_HOST says otherwise): /metrics for Prometheus
 * and Bull Board at /admin/queues. Bull Board only looks unless BULL_BOARD_READ_WRITE is set
 * (bull-board's readOnlyMode: its write routes answer 405), and is off without a password.
 */
export function createOpsApp(opts: OpsOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.set('content-type', opts.metrics.contentType);
    res.send(await opts.metrics.metrics());
  });
  if (opts.bullBoard.password) {
    const adapter = new ExpressAdapter();
    adapter.setBasePath('/admin/queues');
    const readOnlyMode = !opts.bullBoard.readWrite;
    createBullBoard({
      queues: opts.queues.map((q) => new BullMQAdapter(q, { readOnlyMode })),
      serverAdapter: adapter,
    });
    app.use(
      '/admin/queues',
      basicAuth(opts.bullBoard.user, opts.bullBoard.password, new LoginThrottle(opts.loginThrottle)),
      adapter.getRouter() as express.Router,
    );
  }
  return app;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * HTTP Basic authentication. A request without credentials gets the 401 challenge and counts for
 * nothing (that is how a browser asks); every request with credentials is an attempt for the
 * throttle, keyed by the client's address as the socket sees it (the ops port is not behind a proxy).
 */
export function basicAuth(user: string, password: string, throttle = new LoginThrottle()) {
  const challenge = (res: Response): void => {
    res.set('WWW-Authenticate', 'Basic realm="queues"').status(401).send('authentication required');
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    if (scheme !== 'Basic' || !encoded) {
      challenge(res);
      return;
    }
    const [u, ...rest] = Buffer.from(encoded, 'base64').toString('utf8').split(':');
    const right = safeEqual(u ?? '', user) && safeEqual(rest.join(':'), password);
    const verdict = throttle.attempt(req.socket.remoteAddress ?? 'unknown', right);
    switch (verdict.kind) {
      case 'allow':
        next();
        return;
      case 'locked':
        res
          .set('Retry-After', String(verdict.retryAfterSec))
          .status(429)
          .send('too many wrong passwords from this address; try again later');
        return;
      case 'deny': {
        const timer = setTimeout(() => challenge(res), verdict.delayMs);
        res.once('close', () => clearTimeout(timer));
        return;
      }
    }
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Listens with the edge's timeouts and connection cap (edge.ts). */
export function listen(
  app: Express,
  port: number,
  host = '0.0.0.0',
  limits: Partial<EdgeLimits> = {},
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createEdgeServer(app, limits);
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** A loopback URL for a listening server (its own address when bound to one). */
export function urlOf(server: Server): string | undefined {
  const a = server.address();
  if (typeof a !== 'object' || a === null) return undefined;
  const unspecified = a.address === '0.0.0.0' || a.address === '::';
  const host = unspecified ? '127.0.0.1' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}

/**
 * Stops accepting, lets requests in flight finish, and closes idle connections at once. A client
 * still sending is cut off by the edge's timeouts within seconds; after graceMs nothing waits longer.
 */
export function closeServer(server: Server, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
