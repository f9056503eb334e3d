import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { Registry } from 'prom-client';

export interface HealthProbe {
  name: string;
  /** true/false, or false with the reason an operator needs. */
  check(): Promise<boolean | { ok: boolean; detail?: string | undefined }>;
}

export interface HttpOptions {
  readiness: HealthProbe[];
  metrics: Registry;
  queues: Queue[];
  bullBoard: { user: string; password: string | undefined };
}

/** The operational routes every role serves: /healthz, /readyz, /metrics, /admin/queues. */
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
  app.get('/metrics', async (_req, res) => {
    res.set('content-type', opts.metrics.contentType);
    res.send(await opts.metrics.metrics());
  });
  if (opts.bullBoard.password) {
    const adapter = new ExpressAdapter();
    adapter.setBasePath('/admin/queues');
    createBullBoard({
      queues: opts.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })),
      serverAdapter: adapter,
    });
    app.use(
      '/admin/queues',
      basicAuth(opts.bullBoard.user, opts.bullBoard.password),
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

export function basicAuth(user: string, password: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers.authorization ?? '';
    const [scheme, encoded] = header.split(' ');
    if (scheme === 'Basic' && encoded) {
      const [u, ...rest] = Buffer.from(encoded, 'base64').toString('utf8').split(':');
      if (safeEqual(u ?? '', user) && safeEqual(rest.join(':'), password)) {
        next();
        return;
      }
    }
    res.set('WWW-Authenticate', 'Basic realm="queues"').status(401).send('authentication required');
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

export function listen(app: Express, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    // Slack waits 3 s; a connection idling longer than this is not Slack.
    server.keepAliveTimeout = 5000;
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
