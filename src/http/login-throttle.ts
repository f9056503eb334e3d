/**
 * Slows down password guessing, per client address: each wrong password is answered later than the
 * one before (250 ms, 500 ms, 1 s, 2 s), and the fifth locks the address: every attempt, right or
 * wrong, gets 429 with Retry-After until 15 minutes after the wrong password that locked it. Failures are counted
 * as they arrive, not as they are answered, so guesses sent in parallel are counted too. A right
 * password before the lock forgets the address. Pure policy with an injected clock; the HTTP part is
 * in server.ts.
 */
export interface LoginThrottleOptions {
  /** the delay of the first wrong answer; each further one doubles it */
  baseDelayMs: number;
  /** wrong passwords from one address before it is locked out */
  maxFailures: number;
  /** how long an address stays locked (and its failures remembered) after its last wrong password */
  windowMs: number;
  /** addresses remembered at most; the oldest is forgotten first */
  maxTracked: number;
  now: () => number;
}

export const LOGIN_THROTTLE: Omit<LoginThrottleOptions, 'now'> = {
  baseDelayMs: 250,
  maxFailures: 5,
  windowMs: 15 * 60_000,
  maxTracked: 10_000,
};

export type Verdict =
  { kind: 'allow' } | { kind: 'deny'; delayMs: number } | { kind: 'locked'; retryAfterSec: number };

interface Failures {
  failures: number;
  lastFailureAt: number;
}

export class LoginThrottle {
  private readonly seen = new Map<string, Failures>();
  private readonly o: LoginThrottleOptions;

  constructor(opts: Partial<LoginThrottleOptions> = {}) {
    this.o = { ...LOGIN_THROTTLE, now: Date.now, ...opts };
  }

  /** Records one attempt from `address` and says how to answer it. */
  attempt(address: string, passwordRight: boolean): Verdict {
    const now = this.o.now();
    let r = this.seen.get(address);
    if (r && now - r.lastFailureAt >= this.o.windowMs) {
      this.seen.delete(address);
      r = undefined;
    }
    if (r && r.failures >= this.o.maxFailures) return this.locked(r, now);
    if (passwordRight) {
      this.seen.delete(address);
      return { kind: 'allow' };
    }
    if (!r) {
      this.forgetOldestIfFull();
      r = { failures: 0, lastFailureAt: now };
      this.seen.set(address, r);
    }
    r.failures += 1;
    r.lastFailureAt = now;
    if (r.failures >= this.o.maxFailures) return this.locked(r, now);
    return { kind: 'deny', delayMs: this.o.baseDelayMs * 2 ** (r.failures - 1) };
  }

  private locked(r: Failures, now: number): Verdict {
    return {
      kind: 'locked',
      retryAfterSec: Math.max(1, Math.ceil((r.lastFailureAt + this.o.windowMs - now) / 1000)),
    };
  }

  private forgetOldestIfFull(): void {
    if (this.seen.size < this.o.maxTracked) return;
    const oldest = this.seen.keys().next();
    if (!oldest.done) this.seen.delete(oldest.value);
  }
}
