/**
 * Socket Mode, Slack's side of it: the WebSocket server behind the URL `apps.connections.open` hands out.
 *
 * Follows docs.slack.dev "Using Socket Mode" (apis/events-api/using-socket-mode):
 * - the URL is `wss://…/link/?ticket=…&app_id=…`; here `ws://127.0.0.1:<port>/link/?ticket=…&app_id=…`.
 *   Appending `&debug_reconnects=true` shortens the connection's life to 360 s.
 * - on connect Slack sends `hello` with `num_connections`, `debug_info` (`host`, `started`, `build_number`,
 *   `approximate_connection_time` in seconds) and `connection_info.app_id`;
 * - at most 10 connections at once; each payload goes to any one of them;
 * - payloads arrive as envelopes `{ envelope_id, payload, type, accepts_response_payload }` (`type`:
 *   `events_api`, `interactive`, `slash_commands`); events also carry `retry_attempt` / `retry_reason`
 *   (fixture `socket-mode/envelope.events_api.json`);
 * - the app acks with `{ envelope_id, payload? }`; the payload is what an HTTP response body would be;
 * - `disconnect` frames with `reason` `warning` (about 10 s before the disconnect), `refresh_requested`,
 *   `link_disabled` (Socket Mode switched off), each with `debug_info.host`.
 * Retries of unacked events follow docs.slack.dev "The Events API" (Retries): up to 3, nearly immediately,
 * after 1 minute, after 5 minutes, each after a 3 s wait for the ack.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export type EnvelopeType = 'events_api' | 'interactive' | 'slash_commands';
export type DisconnectReason = 'warning' | 'refresh_requested' | 'link_disabled';

export interface SocketModeOptions {
  /** How long Slack waits for an ack. Slack's is 3 s. */
  ackTimeoutMs?: number;
  /**
   * Waits before retry 1, 2, 3 of an unacked `events_api` envelope (counted from the failed attempt's
   * timeout). Slack's: nearly immediately, 1 minute, 5 minutes. Tests may compress them; the count stays 3.
   */
  retryDelaysMs?: readonly number[];
  /** How long a connection lives before Slack refreshes it (`hello.debug_info.approximate_connection_time`). Default 3600 s, the docs' example; `debug_reconnects=true` makes it 360 s. */
  connectionLifetimeMs?: number;
  /** After `warning` or `refresh_requested`, how long the fake waits for the client to leave before it closes the socket itself. Default 10 s (the docs' "about 10 seconds"). */
  disconnectGraceMs?: number;
  /** Slack pings its side of the socket; the SDK disconnects when pings stop (serverPingTimeout). Default 10 s. */
  pingIntervalMs?: number;
  /** Slack allows up to 10 connections per app. */
  maxConnections?: number;
}

export interface SocketDelivery {
  envelopeType: EnvelopeType;
  /** envelope ids of every attempt, first one first */
  envelopeIds: string[];
  acked: boolean;
  /** the ack's `payload` (what an HTTP response body would be); undefined when there was none */
  payload: unknown;
  /** 1 + retries sent */
  attempts: number;
  elapsedMs: number;
  /** the connection the acked attempt went to */
  connectionId?: number;
  /** true when at least one attempt found no open connection */
  noConnection?: boolean;
}

export interface SocketFrame {
  connectionId: number;
  direction: 'sent' | 'received';
  at: number;
  frame: unknown;
}

export interface SocketConnectionInfo {
  id: number;
  openedAt: number;
  closedAt?: number;
  /** set once a disconnect frame went out on it; no more envelopes are sent there */
  disconnectReason?: DisconnectReason | 'too_many_websockets';
  debugReconnects: boolean;
}

export interface DeliverOptions {
  /** default: true for `events_api`, false otherwise (Slack never retries interactions or commands) */
  retry?: boolean;
  /** overrides the hub's retry waits for this delivery */
  retryDelaysMs?: readonly number[];
  /** overrides the hub's ack timeout for this delivery */
  ackTimeoutMs?: number;
  /** send one envelope that says it is this retry (`retry_attempt`, `retry_reason`), and nothing more */
  retryAttempt?: number;
  retryReason?: string;
  /** default: true for slash commands, view submissions and options requests (docs' examples), false otherwise */
  acceptsResponsePayload?: boolean;
}

/** The control surface tests use (`fake.socketMode`). */
export interface SocketModeControl {
  /** open, usable connections */
  readonly openConnections: number;
  connections(): SocketConnectionInfo[];
  /** every frame sent or received, oldest first */
  frames(): SocketFrame[];
  waitForConnection(timeoutMs?: number): Promise<void>;
  deliver(type: EnvelopeType, payload: unknown, opts?: DeliverOptions): Promise<SocketDelivery>;
  /** Sends a disconnect frame on every open connection (or `connectionId`), as Slack does when it recycles one. */
  disconnect(reason: DisconnectReason, opts?: { connectionId?: number }): void;
}

interface Conn {
  info: SocketConnectionInfo;
  ws: WebSocket;
  timers: NodeJS.Timeout[];
}

interface Waiter {
  resolve: (ack: { payload: unknown; connectionId: number } | undefined) => void;
}

const DEFAULT_RETRY_DELAYS = [0, 60_000, 300_000] as const;
const DEBUG_RECONNECT_LIFETIME_MS = 360_000;

export class SocketModeHub implements SocketModeControl {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly conns = new Map<number, Conn>();
  private readonly tickets = new Set<string>();
  private readonly log: SocketFrame[] = [];
  /** envelope id → whoever waits for its ack */
  private readonly waiters = new Map<string, Waiter>();
  /** envelope ids that have been acked (late acks of a retried event count) */
  private readonly acked = new Map<string, { payload: unknown; connectionId: number }>();
  private readonly connectionListeners = new Set<() => void>();
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private nextId = 1;
  private roundRobin = 0;
  private closed = false;
  private readonly ackTimeoutMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly lifetimeMs: number;
  private readonly graceMs: number;
  private readonly pingMs: number;
  private readonly maxConnections: number;

  constructor(
    opts: SocketModeOptions,
    private readonly appId: string,
    private readonly now: () => number,
  ) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 3000;
    this.retryDelaysMs = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS;
    this.lifetimeMs = opts.connectionLifetimeMs ?? 3_600_000;
    this.graceMs = opts.disconnectGraceMs ?? 10_000;
    this.pingMs = opts.pingIntervalMs ?? 10_000;
    this.maxConnections = opts.maxConnections ?? 10;
  }

  /** A fresh WebSocket URL for apps.connections.open. Each ticket opens one connection. */
  issueUrl(baseUrl: string): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    const wsBase = baseUrl.replace(/^http/, 'ws');
    return `${wsBase}/link/?ticket=${ticket}&app_id=${this.appId}`;
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const ticket = url.searchParams.get('ticket') ?? '';
      if (url.pathname !== '/link/' || this.closed) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      // Not documented: what Slack answers for a ticket it never issued or one already used. A refused
      // handshake is the conservative choice; the SDK then asks apps.connections.open for a new URL.
      if (!this.tickets.delete(ticket)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
        return;
      }
      const debugReconnects = url.searchParams.get('debug_reconnects') === 'true';
      this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, debugReconnects));
    });
  }

  get openConnections(): number {
    return this.usable().length;
  }

  connections(): SocketConnectionInfo[] {
    return [...this.conns.values()].map((c) => ({ ...c.info }));
  }

  frames(): SocketFrame[] {
    return [...this.log];
  }

  waitForConnection(timeoutMs = 5000): Promise<void> {
    if (this.usable().length > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        if (this.usable().length === 0) return;
        clearTimeout(timer);
        this.connectionListeners.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.connectionListeners.delete(done);
        reject(new Error(`slack fake: no Socket Mode connection within ${timeoutMs} ms`));
      }, timeoutMs);
      this.connectionListeners.add(done);
    });
  }

  async deliver(type: EnvelopeType, payload: unknown, opts: DeliverOptions = {}): Promise<SocketDelivery> {
    const started = Date.now();
    const explicit = opts.retryAttempt !== undefined;
    const retry = !explicit && (opts.retry ?? type === 'events_api');
    const delays = opts.retryDelaysMs ?? this.retryDelaysMs;
    const ackTimeoutMs = opts.ackTimeoutMs ?? this.ackTimeoutMs;
    const accepts = opts.acceptsResponsePayload ?? defaultAcceptsResponsePayload(type, payload);
    const envelopeIds: string[] = [];
    let noConnection = false;
    const maxAttempts = retry ? 1 + delays.length : 1;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) {
        await this.sleep(delays[attempt - 1] ?? 0);
        // An ack for an earlier attempt that came in late still stops the retries.
        const late = envelopeIds.map((id) => this.acked.get(id)).find((a) => a !== undefined);
        if (late) return this.result(type, envelopeIds, late, attempt, started);
      }
      const conn = this.pick();
      if (!conn) {
        // Nobody connected: like a delivery that could not connect. Events are retried; the rest fail.
        noConnection = true;
        continue;
      }
      const envelopeId = randomUUID();
      envelopeIds.push(envelopeId);
      const envelope: Obj = { envelope_id: envelopeId, payload, type, accepts_response_payload: accepts };
      if (type === 'events_api' || explicit) {
        // First delivery: retry_attempt 0 and an empty reason (fixture envelope.events_api.json). Retries
        // after a missed ack say `timeout`, as real Socket Mode frames do (python-slack-events-api #93);
        // the HTTP Events API's equivalent is `http_timeout`.
        envelope.retry_attempt = explicit ? opts.retryAttempt : attempt;
        envelope.retry_reason = explicit ? (opts.retryReason ?? 'timeout') : attempt === 0 ? '' : 'timeout';
      }
      const ack = await this.sendAndWait(conn, envelope, envelopeId, ackTimeoutMs);
      if (ack) return this.result(type, envelopeIds, ack, attempt + 1, started);
    }
    const late = envelopeIds.map((id) => this.acked.get(id)).find((a) => a !== undefined);
    if (late) return this.result(type, envelopeIds, late, envelopeIds.length, started);
    return {
      envelopeType: type,
      envelopeIds,
      acked: false,
      payload: undefined,
      attempts: envelopeIds.length,
      elapsedMs: Date.now() - started,
      noConnection,
    };
  }

  disconnect(reason: DisconnectReason, opts: { connectionId?: number } = {}): void {
    for (const conn of this.conns.values()) {
      if (conn.info.closedAt !== undefined) continue;
      if (opts.connectionId !== undefined && conn.info.id !== opts.connectionId) continue;
      this.sendDisconnect(conn, reason);
    }
  }

  /** Forgets frames and acks; keeps the connections (the app is still connected). */
  reset(): void {
    this.log.length = 0;
    this.acked.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.pendingTimers) clearTimeout(t);
    this.pendingTimers.clear();
    for (const w of this.waiters.values()) w.resolve(undefined);
    this.waiters.clear();
    for (const conn of this.conns.values()) {
      conn.timers.forEach((t) => clearTimeout(t));
      conn.ws.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // ---------------------------------------------------------------- internals

  private open(ws: WebSocket, debugReconnects: boolean): void {
    const info: SocketConnectionInfo = { id: this.nextId++, openedAt: this.now(), debugReconnects };
    const conn: Conn = { info, ws, timers: [] };
    this.conns.set(info.id, conn);
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(conn, data, isBinary));
    ws.on('close', () => this.forget(conn));
    ws.on('error', () => this.forget(conn));
    if (this.usable().length > this.maxConnections) {
      // The docs allow "up to 10"; Slack's answer to an 11th is a disconnect with this reason
      // (Slack Customer Success in node-slack-sdk #1654).
      this.sendDisconnect(conn, 'too_many_websockets');
      return;
    }
    const lifetimeMs = debugReconnects ? DEBUG_RECONNECT_LIFETIME_MS : this.lifetimeMs;
    this.send(conn, {
      type: 'hello',
      num_connections: this.usable().length,
      debug_info: {
        host: `applink-fake-${info.id}`,
        started: new Date(this.now()).toISOString().replace('T', ' ').replace('Z', ''),
        build_number: 1,
        approximate_connection_time: Math.round(lifetimeMs / 1000),
      },
      connection_info: { app_id: this.appId },
    });
    const ping = setInterval(() => {
      if (ws.readyState === ws.OPEN) ws.ping(`Ping from applink-fake-${info.id}`);
    }, this.pingMs);
    ping.unref();
    const refresh = setTimeout(() => this.sendDisconnect(conn, 'refresh_requested'), lifetimeMs);
    refresh.unref();
    conn.timers.push(ping, refresh);
    for (const l of [...this.connectionListeners]) l();
  }

  private forget(conn: Conn): void {
    if (conn.info.closedAt === undefined) conn.info.closedAt = this.now();
    conn.timers.forEach((t) => clearTimeout(t));
    conn.timers.length = 0;
  }

  private usable(): Conn[] {
    return [...this.conns.values()].filter(
      (c) => c.info.closedAt === undefined && c.info.disconnectReason === undefined,
    );
  }

  /** "each payload may be sent to any of the connections": round robin over the usable ones. */
  private pick(): Conn | undefined {
    const open = this.usable();
    if (open.length === 0) return undefined;
    const conn = open[this.roundRobin % open.length];
    this.roundRobin += 1;
    return conn;
  }

  private send(conn: Conn, frame: Obj): void {
    this.log.push({ connectionId: conn.info.id, direction: 'sent', at: this.now(), frame });
    conn.ws.send(JSON.stringify(frame));
  }

  private sendDisconnect(conn: Conn, reason: DisconnectReason | 'too_many_websockets'): void {
    if (conn.info.closedAt !== undefined || conn.ws.readyState !== conn.ws.OPEN) return;
    conn.info.disconnectReason = reason;
    this.send(conn, {
      type: 'disconnect',
      reason,
      debug_info: { host: `applink-fake-${conn.info.id}` },
    });
    // link_disabled: Socket Mode was switched off, the link goes at once. Otherwise Slack gives the
    // client time to open a new connection and leave on its own.
    const closeIn = reason === 'link_disabled' || reason === 'too_many_websockets' ? 0 : this.graceMs;
    const t = setTimeout(() => {
      if (conn.ws.readyState === conn.ws.OPEN) conn.ws.close(1000, reason);
      const kill = setTimeout(() => conn.ws.terminate(), 1000);
      kill.unref();
    }, closeIn);
    t.unref();
    conn.timers.push(t);
  }

  private receive(conn: Conn, data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data).toString('utf8');
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      frame = text;
    }
    this.log.push({ connectionId: conn.info.id, direction: 'received', at: this.now(), frame });
    if (!isObj(frame) || typeof frame.envelope_id !== 'string') return;
    const ack = { payload: frame.payload, connectionId: conn.info.id };
    // Only the first ack of an envelope counts.
    if (this.acked.has(frame.envelope_id)) return;
    this.acked.set(frame.envelope_id, ack);
    const waiter = this.waiters.get(frame.envelope_id);
    if (waiter) {
      this.waiters.delete(frame.envelope_id);
      waiter.resolve(ack);
    }
  }

  private sendAndWait(
    conn: Conn,
    envelope: Obj,
    envelopeId: string,
    ackTimeoutMs: number,
  ): Promise<{ payload: unknown; connectionId: number } | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        this.waiters.delete(envelopeId);
        resolve(undefined);
      }, ackTimeoutMs);
      this.pendingTimers.add(timer);
      this.waiters.set(envelopeId, {
        resolve: (ack) => {
          clearTimeout(timer);
          this.pendingTimers.delete(timer);
          resolve(ack);
        },
      });
      this.send(conn, envelope);
    });
  }

  private result(
    type: EnvelopeType,
    envelopeIds: string[],
    ack: { payload: unknown; connectionId: number },
    attempts: number,
    started: number,
  ): SocketDelivery {
    return {
      envelopeType: type,
      envelopeIds,
      acked: true,
      payload: ack.payload,
      attempts,
      elapsedMs: Date.now() - started,
      connectionId: ack.connectionId,
    };
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pendingTimers.delete(t);
        resolve();
      }, ms);
      this.pendingTimers.add(t);
    });
  }
}

/**
 * The docs' examples set accepts_response_payload true for slash commands, view submissions and options
 * requests. The one recorded block_actions envelope (java-slack-sdk EnvelopeTest, fixture
 * envelope.interactive.json) has false, although the docs' button example says true; Slack ignores the
 * ack payload of a button click either way.
 */
function defaultAcceptsResponsePayload(type: EnvelopeType, payload: unknown): boolean {
  if (type === 'slash_commands') return true;
  if (type === 'events_api') return false;
  const kind = isObj(payload) ? payload.type : undefined;
  return kind === 'view_submission' || kind === 'block_suggestion';
}
