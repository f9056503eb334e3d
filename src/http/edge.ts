import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long a client may take and how many may be connected at once, on every port the bot serves.
 * Slack sends a whole request at once and gives up on the answer after 3 seconds; a client that
 * needs longer to say what it wants is not Slack, and must not hold a connection (or memory) for
 * the minutes Node allows by default (headersTimeout 60 s, requestTimeout 300 s, checked every 30 s).
 */
export interface EdgeLimits {
  /** the request line and headers must be in by then (408 and closed otherwise) */
  headersTimeoutMs: number;
  /** the whole request, body included, must be in by then (408 and closed otherwise) */
  requestTimeoutMs: number;
  /** how often Node looks for connections past those two limits */
  checkIntervalMs: number;
  /** an idle keep-alive connection is closed after this */
  keepAliveTimeoutMs: number;
  /** connections open at once; see capConnections */
  maxConnections: number;
}

export const EDGE_LIMITS: EdgeLimits = {
  headersTimeoutMs: 4000,
  requestTimeoutMs: 6000,
  checkIntervalMs: 1000,
  keepAliveTimeoutMs: 5000,
  maxConnections: 256,
};

export function createEdgeServer(handler: RequestListener, limits: Partial<EdgeLimits> = {}): Server {
  const l = { ...EDGE_LIMITS, ...limits };
  const server = createServer(
    {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: l.requestTimeoutMs,
      connectionsCheckingInterval: l.checkIntervalMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
    },
    handler,
  );
  capConnections(server, l.maxConnections);
  return server;
}

/**
 * At most `max` connections. Node's own `server.maxConnections` refuses the newcomer when full, so
 * 256 slow clients would lock Slack out until the timeouts free their slots. Here a newcomer
 * displaces the oldest connection that is not working on a request it has fully sent: idle
 * keep-alive connections and clients still dribbling headers or a body. A connection whose request
 * has arrived whole (Slack's do, at once) is never displaced; when all are such, the newcomer is
 * refused.
 */
export function capConnections(server: Server, max: number): void {
  // Insertion order is connection age: Map.set on a known key keeps its place.
  const open = new Map<Socket, IncomingMessage | undefined>();
  const busy = (req: IncomingMessage | undefined): boolean => req !== undefined && req.complete;
  server.on('connection', (socket: Socket) => {
    if (open.size >= max) {
      let victim: Socket | undefined;
      for (const [s, req] of open) {
        if (!busy(req)) {
          victim = s;
          break;
        }
      }
      if (!victim) {
        socket.destroy();
        return;
      }
      open.delete(victim);
      victim.destroy();
    }
    open.set(socket, undefined);
    socket.once('close', () => open.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res) => {
    const socket = req.socket;
    if (!open.has(socket)) return;
    open.set(socket, req);
    res.once('close', () => {
      if (open.get(socket) === req) open.set(socket, undefined);
    });
  });
}
