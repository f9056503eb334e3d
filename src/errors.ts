/**
 * Coded errors. Expected outcomes are values (see purchases/); these are the surprises and the
 * failures of the outside world, each with a stable `code` a caller can switch on.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'internal'
  | 'redis_unavailable'
  | 'slack_api'
  | 'pc_auth'
  | 'pc_not_found'
  | 'pc_conflict'
  | 'pc_throttled'
  | 'pc_server'
  | 'pc_bad_request'
  | 'pc_invalid_response'
  | 'pc_network'
  | 'pc_timeout'
  | 'pc_credentials_missing';

export class AppError extends Error {
  readonly code: ErrorCode;
  override readonly cause?: unknown;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export class ConfigError extends AppError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('config_invalid', `Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

/** Turns anything thrown into an AppError without losing the original. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof Error) return new AppError('internal', err.message, { cause: err });
  return new AppError('internal', typeof err === 'string' ? err : 'Unknown error', { cause: err });
}

export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
