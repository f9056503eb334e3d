import {
  AuthError,
  ConfidentialClientApplication,
  LogLevel,
  type AuthenticationResult,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import pino from 'pino';
import { request, type Dispatcher } from 'undici';
import type { Logger } from '../logger';
import { AppError } from '../errors';
import { PartnerCenterError } from './errors';

/**
 * App-only (client credentials) or App+User (secure application model, from a refresh token).
 * Some Partner Center operations refuse app-only tokens (403, code 900329). `pricing` is App+User
 * for the pricing API, whose audience is the Partner API (https://api.partner.microsoft.com), not
 * Partner Center ("Get a price sheet"; the secure application model lists it as its own resource).
 */
export type TokenKind = 'app' | 'user' | 'pricing';

export interface TokenOptions {
  /** The client operation asking, named in the error when credentials are missing. */
  operation?: string;
  /** Partner Center refused the cached token (401): ignore every cache and ask the authority again. */
  forceRefresh?: boolean;
}

export interface TokenProvider {
  /** A bearer token for Partner Center, or '' when the server needs none (the simulator's open-auth mode). */
  getToken(kind: TokenKind, options?: TokenOptions): Promise<string>;
}

/** The simulator started with open auth accepts requests without a token: the client then sends none. */
export class NoAuthTokenProvider implements TokenProvider {
  getToken(): Promise<string> {
    return Promise.resolve('');
  }
}

export const PARTNER_CENTER_SCOPE = 'https://api.partnercenter.microsoft.com/.default';
export const PRICING_SCOPE = 'https://api.partner.microsoft.com/.default';
export const DEFAULT_AUTHORITY_URL = 'https://login.microsoftonline.com';

// ---------------------------------------------------------------------------------------------------
// MSAL's network client, on undici

/**
 * MSAL's HTTP goes through undici with our dispatcher, so the same connection pool, proxy and trusted
 * CAs apply to the token endpoint as to Partner Center (tests trust the simulator's self-signed
 * certificate with `new Agent({ connect: { ca } })`).
 */
export class UndiciNetworkClient implements INetworkModule {
  /** The last transport failure: MSAL replaces non-MSAL errors with a generic `network_error`. */
  lastFailure: PartnerCenterError | undefined;

  constructor(
    private readonly dispatcher: Dispatcher | undefined,
    private readonly timeoutMs = 30_000,
  ) {}

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const controller = new AbortController();
    const limit = timeout ?? this.timeoutMs;
    const timer = setTimeout(() => controller.abort(), limit);
    try {
      const res = await request(url, {
        method,
        headers: options?.headers ?? {},
        body: method === 'POST' ? (options?.body ?? '') : undefined,
        dispatcher: this.dispatcher,
        signal: controller.signal,
      });
      const text = await res.body.text();
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
      }
      let body: unknown;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // MSAL's own client turns a non-JSON answer into an error object the same way.
        body = {
          error:
            res.statusCode >= 500 ? 'server_error' : res.statusCode >= 400 ? 'client_error' : 'unknown_error',
          error_description: `The token endpoint answered ${res.statusCode} with a body that is not JSON`,
        };
      }
      this.lastFailure = undefined;
      return { headers, body: body as T, status: res.statusCode };
    } catch (err) {
      const timedOut = controller.signal.aborted;
      this.lastFailure = new PartnerCenterError(
        timedOut ? 'pc_timeout' : 'pc_network',
        timedOut
          ? `Token endpoint did not answer within ${limit} ms`
          : `Token endpoint unreachable: ${(err as Error).message}`,
        { cause: err },
      );
      throw this.lastFailure;
    } finally {
      clearTimeout(timer);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// MSAL token provider

export interface MsalTokenProviderOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** App+User: the secure-application-model refresh token. Without it, App+User operations fail fast. */
  refreshToken?: string;
  /** Entra ID host (default https://login.microsoftonline.com); must be https, as MSAL insists. */
  authorityUrl?: string;
  /** Token endpoint; default `{authority}/{tenant}/oauth2/v2.0/token`, the Entra ID convention. */
  tokenEndpoint?: string;
  scopes?: string[];
  /** Scopes of App+User tokens for the pricing API. */
  pricingScopes?: string[];
  dispatcher?: Dispatcher;
  logger?: Logger;
  /** Our clock, for the refresh margin. */
  now?: () => number;
  /**
   * Refresh this long before expiry (default 5 minutes), but never more than half a token's life, so
   * a short-lived token is still reused for its first half.
   */
  refreshMarginMs?: number;
  timeoutMs?: number;
}

interface CachedToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * Tokens from Entra ID through MSAL: app-only by client credentials, App+User by the configured refresh
 * token. Each kind is cached until it nears expiry, and concurrent callers share one token request.
 *
 * MSAL normally discovers the authority over the network (instance discovery at
 * login.microsoftonline.com, then the tenant's openid-configuration). We hand it both answers instead
 * (`knownAuthorities` + `authorityMetadata`), so the only call it makes is the token request itself:
 * that works offline against the simulator and saves two round trips in production.
 */
export class MsalTokenProvider implements TokenProvider {
  private readonly app: ConfidentialClientApplication;
  private readonly network: UndiciNetworkClient;
  private readonly cache = new Map<TokenKind, CachedToken>();
  private readonly inFlight = new Map<TokenKind, Promise<string>>();
  private readonly refreshToken: string | undefined;
  private readonly scopes: string[];
  private readonly pricingScopes: string[];
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly logger: Logger;

  constructor(options: MsalTokenProviderOptions) {
    const authorityHost = (options.authorityUrl ?? DEFAULT_AUTHORITY_URL).replace(/\/+$/, '');
    const authority = `${authorityHost}/${options.tenantId}`;
    const authorityMetadata = {
      token_endpoint: options.tokenEndpoint ?? `${authority}/oauth2/v2.0/token`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      issuer: `${authority}/v2.0`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
    };
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ module: 'partner-center-auth' });
    this.network = new UndiciNetworkClient(options.dispatcher, options.timeoutMs);
    this.refreshToken = options.refreshToken || undefined;
    this.scopes = options.scopes ?? [PARTNER_CENTER_SCOPE];
    this.pricingScopes = options.pricingScopes ?? [PRICING_SCOPE];
    this.now = options.now ?? Date.now;
    this.refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
    const logger = this.logger;
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        authority,
        knownAuthorities: [new URL(authorityHost).host],
        authorityMetadata: JSON.stringify(authorityMetadata),
      },
      system: {
        networkClient: this.network,
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (level, message) => {
            if (level <= LogLevel.Warning) logger.warn({ msalLevel: level }, message);
          },
        },
      },
    });
  }

  async getToken(kind: TokenKind, options: TokenOptions = {}): Promise<string> {
    if (kind !== 'app' && !this.refreshToken) {
      throw new AppError(
        'pc_credentials_missing',
        `PARTNER_CENTER_REFRESH_TOKEN is not set: ${options.operation ?? 'this operation'} needs App+User credentials`,
      );
    }
    const cached = this.cache.get(kind);
    if (!options.forceRefresh && cached && this.isFresh(cached)) return cached.token;
    const pending = this.inFlight.get(kind);
    if (pending) return pending;
    const acquisition = this.acquire(kind, options.forceRefresh === true || cached !== undefined).finally(
      () => {
        this.inFlight.delete(kind);
      },
    );
    this.inFlight.set(kind, acquisition);
    return acquisition;
  }

  /** Forget cached tokens (the next call asks Entra ID again). */
  clear(): void {
    this.cache.clear();
  }

  private isFresh(entry: CachedToken): boolean {
    const margin = Math.min(this.refreshMarginMs, (entry.expiresAt - entry.issuedAt) / 2);
    return this.now() < entry.expiresAt - margin;
  }

  private async acquire(kind: TokenKind, skipMsalCache: boolean): Promise<string> {
    let result: AuthenticationResult | null;
    try {
      result =
        kind === 'app'
          ? // Our cache decided the token is stale; MSAL's own cache must not hand the same one back.
            await this.app.acquireTokenByClientCredential({ scopes: this.scopes, skipCache: skipMsalCache })
          : await this.app.acquireTokenByRefreshToken({
              scopes: kind === 'pricing' ? this.pricingScopes : this.scopes,
              refreshToken: this.refreshToken ?? '',
            });
    } catch (err) {
      throw this.toError(kind, err);
    }
    if (!result?.accessToken) {
      throw new PartnerCenterError(
        'pc_auth',
        `The token endpoint returned no ${kind === 'app' ? 'app-only' : 'App+User'} access token`,
      );
    }
    const issuedAt = this.now();
    // MSAL reports an absolute time on the real clock; keep the lifetime and put it on ours.
    const lifetimeMs = result.expiresOn ? Math.max(0, result.expiresOn.getTime() - Date.now()) : 5 * 60_000;
    this.cache.set(kind, { token: result.accessToken, issuedAt, expiresAt: issuedAt + lifetimeMs });
    this.logger.debug({ kind, lifetimeMs }, 'acquired a Partner Center token');
    return result.accessToken;
  }

  private toError(kind: TokenKind, err: unknown): PartnerCenterError {
    const what = kind === 'app' ? 'app-only' : 'App+User';
    if (err instanceof AuthError) {
      if (err.errorCode === 'network_error' && this.network.lastFailure) return this.network.lastFailure;
      // errorMessage is Entra ID's AADSTS text: no secrets in it, but keep only its first line.
      const detail = err.errorMessage.split('\n')[0] ?? '';
      return new PartnerCenterError(
        'pc_auth',
        `Could not get an ${what} token (${err.errorCode}): ${detail}`,
        {
          pcCode: err.errorCode,
          description: detail,
          cause: err,
        },
      );
    }
    if (err instanceof PartnerCenterError) return err;
    return new PartnerCenterError('pc_auth', `Could not get an ${what} token: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
