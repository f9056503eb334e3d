import { isAppError } from '../errors';
import { PartnerCenterError } from '../partner-center/errors';

/**
 * What to do after a Partner Center call failed: one small pure decision, tested on its own.
 *
 * - `wait`: throttled; wait as told without burning an attempt.
 * - `retry`: nothing was decided (a 5xx, a timeout, a dropped connection, a conflict that clears by
 *   itself); try again later. `answered` says whether Partner Center responded, which decides the next
 *   MS-RequestId (same id after no response, a fresh one after any response).
 * - `refused`: a business rule refused the call; retrying cannot help.
 * - `ambiguous`: the answer says an earlier call may already have done it (800065: "can't check out
 *   an already submitted cart").
 * - `bug`: anything else (our own error, a Redis outage); the job's retries handle it.
 */
export type RetryDecision =
  | { kind: 'wait'; delayMs: number }
  | { kind: 'retry'; answered: boolean }
  | { kind: 'refused'; pcCode: string | undefined; pcMessage: string | undefined }
  | { kind: 'ambiguous'; pcCode: string; pcMessage: string | undefined }
  | { kind: 'bug' };

/** 409s that clear up by themselves: "order in progress" (800060) and "cart being processed" (800064). */
const TRANSIENT_CONFLICTS = new Set(['800060', '800064']);
/** "Can't check out an already submitted cart": an order may exist. */
export const ALREADY_SUBMITTED = '800065';

export function decideRetry(err: unknown): RetryDecision {
  if (!(err instanceof PartnerCenterError)) {
    return isAppError(err, 'pc_credentials_missing')
      ? { kind: 'refused', pcCode: undefined, pcMessage: undefined }
      : { kind: 'bug' };
  }
  const pcCode = err.pcCode === undefined ? undefined : String(err.pcCode);
  switch (err.code) {
    case 'pc_throttled':
      return { kind: 'wait', delayMs: Math.max(err.retryAfterMs ?? 5000, 100) };
    case 'pc_server':
    case 'pc_invalid_response':
      return { kind: 'retry', answered: true };
    case 'pc_network':
    case 'pc_timeout':
      return { kind: 'retry', answered: err.status !== undefined };
    case 'pc_conflict':
      if (pcCode === ALREADY_SUBMITTED) return { kind: 'ambiguous', pcCode, pcMessage: err.description };
      return pcCode !== undefined && TRANSIENT_CONFLICTS.has(pcCode)
        ? { kind: 'retry', answered: true }
        : { kind: 'refused', pcCode, pcMessage: err.description };
    case 'pc_bad_request':
    case 'pc_not_found':
    case 'pc_auth':
      if (pcCode === ALREADY_SUBMITTED) return { kind: 'ambiguous', pcCode, pcMessage: err.description };
      return { kind: 'refused', pcCode, pcMessage: err.description };
    default:
      return { kind: 'bug' };
  }
}
