export {
  PartnerCenterClient,
  linkPath,
  type CatalogOptions,
  type ListProductsQuery,
  type PartnerCenterClientOptions,
  type WriteOptions,
} from './client';
export {
  MsalTokenProvider,
  NoAuthTokenProvider,
  UndiciNetworkClient,
  PARTNER_CENTER_SCOPE,
  DEFAULT_AUTHORITY_URL,
  type MsalTokenProviderOptions,
  type TokenKind,
  type TokenOptions,
  type TokenProvider,
} from './auth';
export {
  APP_ONLY_REFUSED,
  PartnerCenterError,
  errorFromResponse,
  invalidResponseError,
  parseRetryAfter,
  type PartnerCenterErrorDetails,
  type ResponseHeaders,
} from './errors';
export * from './schemas';
