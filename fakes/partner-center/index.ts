import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { TokenStore, tlsMaterial } from './auth';
import { FaultStore } from './faults';
import { faultBody, json } from './http';
import { Pipeline, type ServerKind } from './server';
import type { Cloud } from './catalog';
import { latencyConfig, LatencyOptionsSchema, type LatencyOptions } from './latency';
import { SimulatorState, type CheckoutMode } from './state';

export { SEED } from './seed';
export type { CheckoutMode, SimulatorState } from './state';
export type { RequestLogEntry } from './server';
export type { FaultRuleInput } from './faults';

export interface SimulatorOptions {
  /** 0 = a free port; the CLI defaults to 4010. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Time until a registration goes Registering → Registered (default 5000). */
  registrationDelayMs?: number;
  /** Time until a new order shows in list calls (default 900000); GET by id is immediate. */
  orderListDelayMs?: number;
  /** Time until a new order goes pending → completed and its entitlements appear (default 1000). */
  fulfillmentDelayMs?: number;
  /** Accept any request, with or without a token. */
  openAuth?: boolean;
  /** Whether the partner is qualified for perpetual software (default false). */
  perpetualQualified?: boolean;
  /**
   * Latency (latency.ts; zero unless set): `latencyMs ± latencyJitterMs` (uniform) or a log-normal wait
   * with `latencyP50Ms`/`latencyP99Ms`, for API requests; `latencyRoutes` override it per path (they also
   * reach the authorities); `latencyProfile: 'realistic'` sets Microsoft-like waits per kind of call.
   */
  latencyMs?: number;
  latencyJitterMs?: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  latencyProfile?: 'none' | 'realistic';
  latencyRoutes?: LatencyOptions['latencyRoutes'];
  /** Beyond it: 429 with Retry-After and the throttling body. */
  rateLimit?: { requests: number; perMs: number };
  /** Extra SKUs under the software-subscription product (benchmarks). */
  extraSkus?: number;
  /** Pad each price sheet to at least this many rows (streamed: 300 000 rows never sit in memory). */
  pricesheetRows?: number;
  /** Generated reservation SKUs (VM sizes × regions), made lazily: tens of thousands cost nothing at start. */
  reservationSkus?: number;
  /** `usgov`: Partner Center for Microsoft Cloud for US Government (README "US Government"). */
  cloud?: Cloud;
  /** More customers (thousands are fine): paged with MS-ContinuationToken, searchable by name and domain. */
  extraCustomers?: number;
  /** Time until an Azure plan order's subscription exists and the order is completed (default 5000). */
  planProvisioningDelayMs?: number;
  /** How a repeated or new-commerce checkout is answered (default `800065`; README "Checkout"). */
  checkoutMode?: CheckoutMode;
  /** Injectable clock (ms since the epoch). */
  now?: () => number;
  logger?: Logger;
}

export interface Simulator {
  /** http://127.0.0.1:PORT, no trailing slash; clients append /v1/... */
  url: string;
  /**
   * Where the pricing API (`https://api.partner.microsoft.com`) is served: the same port as `url`.
   * Clients append `/v1.0/sales/pricesheets(Market='US',PricesheetView='azure_reservations')/$value`.
   */
  pricingUrl: string;
  port: number;
  /** The token endpoint, tenant-less form: `${authorityUrl}/oauth2/v2.0/token`. */
  tokenUrl: string;
  /** https://127.0.0.1:TLSPORT (self-signed): the MSAL authority host; MSAL wants `${authorityUrl}/${tenant}`. */
  authorityUrl: string;
  /** The self-signed certificate, so a client can trust the authority. */
  tlsCaPem: string;
  /**
   * A second HTTPS authority standing in for the US Government Entra ID (`https://login.microsoftonline.us`).
   * Tokens it issues are the only ones the simulator accepts with `cloud: 'usgov'`, and the only ones it
   * refuses otherwise; `GET /_sim/requests` tells which authority each token call reached.
   */
  usGovAuthorityUrl: string;
  /** `${usGovAuthorityUrl}/oauth2/v2.0/token`. */
  usGovTokenUrl: string;
  /** The cloud this simulator is (`public` unless started with `cloud: 'usgov'`). */
  cloud: Cloud;
  reset(): void;
  close(): Promise<void>;
  /** Read-only access for tests (orders, carts, registrations, invoices, ...). */
  state: SimulatorState;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const host = opts.host ?? '127.0.0.1';
  const clock = opts.now ?? Date.now;
  const offset = { offsetMs: 0 };
  const now = (): number => clock() + offset.offsetMs;
  const state = new SimulatorState({
    registrationDelayMs: opts.registrationDelayMs ?? 5000,
    orderListDelayMs: opts.orderListDelayMs ?? 900_000,
    fulfillmentDelayMs: opts.fulfillmentDelayMs ?? 1000,
    perpetualQualified: opts.perpetualQualified ?? false,
    extraSkus: opts.extraSkus ?? 0,
    reservationSkus: opts.reservationSkus ?? 0,
    extraCustomers: opts.extraCustomers ?? 0,
    planProvisioningDelayMs: opts.planProvisioningDelayMs ?? 5000,
    checkoutMode: opts.checkoutMode ?? '800065',
    cloud: opts.cloud ?? 'public',
    now,
  });
  const tokens = new TokenStore(now);
  const p = new Pipeline(
    state,
    tokens,
    new FaultStore(),
    {
      openAuth: opts.openAuth ?? false,
      latency: latencyConfig(
        LatencyOptionsSchema.parse({
          ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
          ...(opts.latencyJitterMs !== undefined ? { latencyJitterMs: opts.latencyJitterMs } : {}),
          ...(opts.latencyP50Ms !== undefined ? { latencyP50Ms: opts.latencyP50Ms } : {}),
          ...(opts.latencyP99Ms !== undefined ? { latencyP99Ms: opts.latencyP99Ms } : {}),
          ...(opts.latencyProfile !== undefined ? { latencyProfile: opts.latencyProfile } : {}),
          ...(opts.latencyRoutes !== undefined ? { latencyRoutes: opts.latencyRoutes } : {}),
        }),
      ),
      pricesheetRows: opts.pricesheetRows ?? 0,
      ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
    },
    offset,
  );

  const handler =
    (kind: ServerKind) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      p.handle(req, res, kind).catch((err: unknown) => {
        opts.logger?.error({ err }, 'simulator request failed');
        if (!res.headersSent) {
          const response = json(500, faultBody(800003, 'Unexpected service error.'));
          res.writeHead(response.status, response.headers);
          res.end(response.body);
        } else {
          res.destroy();
        }
      });
    };

  const api = createServer(handler('api'));
  const tls = tlsMaterial();
  const authority = createTlsServer({ key: tls.key, cert: tls.cert }, handler('authority'));
  const usGovAuthority = createTlsServer({ key: tls.key, cert: tls.cert }, handler('usgovAuthority'));
  const port = await listen(api, opts.port ?? 0, host);
  let tlsPort: number;
  let usGovPort: number;
  try {
    tlsPort = await listen(authority, 0, host);
    usGovPort = await listen(usGovAuthority, 0, host);
  } catch (err) {
    await Promise.all([closeServer(api), closeServer(authority)]);
    throw err;
  }
  const url = `http://${host}:${port}`;
  const authorityUrl = `https://${host}:${tlsPort}`;
  const usGovAuthorityUrl = `https://${host}:${usGovPort}`;
  p.authorityUrl = authorityUrl;
  p.usGovAuthorityUrl = usGovAuthorityUrl;
  opts.logger?.info({ url, authorityUrl }, 'Partner Center simulator listening');

  let closed = false;
  return {
    url,
    pricingUrl: url,
    port,
    tokenUrl: `${authorityUrl}/oauth2/v2.0/token`,
    authorityUrl,
    usGovAuthorityUrl,
    usGovTokenUrl: `${usGovAuthorityUrl}/oauth2/v2.0/token`,
    cloud: state.options.cloud,
    tlsCaPem: tls.cert,
    state,
    reset: () => p.reset(),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all([closeServer(api), closeServer(authority), closeServer(usGovAuthority)]);
    },
  };
}
