import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Partner Center operations, told apart by method and path, for the counts. */
const OPERATIONS: [string, string, RegExp][] = [
  ['getAvailability', 'GET', /\/availabilities\/[^/?]+/],
  ['listAvailabilities', 'GET', /\/availabilities(\?|$)/],
  ['createCart', 'POST', /\/carts(\?|$)/],
  ['getCart', 'GET', /\/carts\/[^/?]+(\?|$)/],
  ['checkout', 'POST', /\/checkout(\?|$)/],
  ['listOrders', 'GET', /\/orders(\?|$)/],
  ['registrationStatus', 'GET', /\/registrationstatus/],
  ['register', 'POST', /\/registrations/],
];

export function operationOf(method: string, path: string): string {
  if (path.startsWith('/_sim/')) return 'control';
  for (const [name, m, re] of OPERATIONS) if (m === method && re.test(path)) return name;
  // Anything else by its shape, ids starred: `GET /v1/customers/*/orders/*`.
  const shape = path
    .replace(/\?.*$/, '')
    .replace(/\/(?=[^/]{5,})[^/]*\d[^/]*/g, '/*')
    .replace(/\(.*\)/, '(*)');
  return `${method} ${shape}`;
}

export interface CallRecord {
  at: number;
  op: string;
  status: number;
  ms: number;
}

/**
 * A counting proxy in front of the simulator: the bot talks to it as to Partner Center. Counts every
 * call by operation and status (the simulator's own request log keeps only the last 1000).
 */
export class CountingProxy {
  readonly calls: CallRecord[] = [];
  url = '';
  private server: Server | undefined;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      const started = Date.now();
      const path = req.url ?? '/';
      const op = operationOf(req.method ?? 'GET', path);
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path,
          headers: req.headers,
          agent: this.agent,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          up.on('end', () => {
            if (op !== 'control')
              this.calls.push({ at: started, op, status: up.statusCode ?? 0, ms: Date.now() - started });
          });
        },
      );
      upstream.on('error', () => {
        if (op !== 'control') this.calls.push({ at: started, op, status: 0, ms: Date.now() - started });
        res.destroy();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  reset(): void {
    this.calls.length = 0;
  }

  /** Calls since `since` (ms epoch), by operation and by status. */
  counts(since = 0): {
    total: number;
    byOp: Record<string, number>;
    byStatus: Record<string, number>;
    throttled: number;
  } {
    const byOp: Record<string, number> = {};
    const byStatus: Record<string, number> = {};
    let total = 0;
    let throttled = 0;
    for (const c of this.calls) {
      if (c.at < since) continue;
      total++;
      byOp[c.op] = (byOp[c.op] ?? 0) + 1;
      byStatus[String(c.status)] = (byStatus[String(c.status)] ?? 0) + 1;
      if (c.status === 429) throttled++;
    }
    return { total, byOp, byStatus, throttled };
  }

  async close(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
