import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Notice, Undelivered } from '../purchases/notices';
import type { Keys } from './redis';

/** A sweep's failure record: one per sweep step and request, while it keeps failing. */
export interface SweepFailure {
  step: string;
  requestId: string;
  /** Failures in a row. */
  count: number;
  /** Not tried again before this time. */
  until: number;
  /** Slack work the request's changed state still owes (its own retry, the request has left the step's list). */
  owed?: Undelivered | undefined;
}

/**
 * Where a sweep remembers the requests it could not handle, so that one poisoned request (a
 * requester who cannot be sent a DM, a card that cannot be updated) is retried with backoff instead
 * of being hammered on every sweep, and what its changed state still owes Slack is not forgotten.
 * In Redis (not in the worker's memory) so the backoff and the debt survive a restart and hold
 * whichever worker process runs the next sweep.
 */
export interface SweepRetries {
  /** Every request that is failing (read once per sweep: a few, not one read per request). */
  all(): Promise<SweepFailure[]>;
  /** Records a failure: backs off twice as long as last time (up to the cap). */
  failed(step: string, requestId: string, now: number, owed?: Undelivered): Promise<SweepFailure>;
  succeeded(step: string, requestId: string): Promise<void>;
}

const failureSchema = z.object({
  step: z.string(),
  requestId: z.string(),
  count: z.number().int().positive(),
  until: z.number(),
  owed: z
    .object({
      refresh: z.boolean(),
      notices: z.array(
        z.object({
          // Written by this module from a Notice; read back as it was written.
          notice: z.custom<Notice>((v) => typeof v === 'object' && v !== null && 'kind' in v),
          to: z.array(z.enum(['requester', 'approvers'])),
        }),
      ),
    })
    .optional(),
});

/** Exponential backoff from `baseMs`, doubling per failure in a row, never longer than `capMs`. */
export function backoffMs(count: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(count - 1, 30));
}

/** A hash `<prefix>:sweep:failures`, field `<step>:<request id>`: only requests that are failing. */
export class RedisSweepRetries implements SweepRetries {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly settings: { baseMs: number; capMs: number },
  ) {}

  private key(): string {
    return `${this.keys.prefix}:sweep:failures`;
  }

  private async read(field: string): Promise<SweepFailure | undefined> {
    const raw = await this.redis.hget(this.key(), field);
    if (!raw) return undefined;
    const parsed = failureSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  async all(): Promise<SweepFailure[]> {
    return (await this.redis.hvals(this.key())).flatMap((raw) => {
      const parsed = failureSchema.safeParse(JSON.parse(raw));
      return parsed.success ? [parsed.data] : [];
    });
  }

  async failed(step: string, requestId: string, now: number, owed?: Undelivered): Promise<SweepFailure> {
    const field = `${step}:${requestId}`;
    const f = nextFailure(await this.read(field), step, requestId, now, this.settings, owed);
    await this.redis.hset(this.key(), field, JSON.stringify(f));
    return f;
  }

  async succeeded(step: string, requestId: string): Promise<void> {
    await this.redis.hdel(this.key(), `${step}:${requestId}`);
  }
}

/** One more failure of a request at a step: counted, with its backoff (both stores record it alike). */
function nextFailure(
  previous: SweepFailure | undefined,
  step: string,
  requestId: string,
  now: number,
  settings: { baseMs: number; capMs: number },
  owed: Undelivered | undefined,
): SweepFailure {
  const count = (previous?.count ?? 0) + 1;
  return {
    step,
    requestId,
    count,
    until: now + backoffMs(count, settings.baseMs, settings.capMs),
    ...(owed ? { owed } : {}),
  };
}

/** The same in memory, for one process (unit tests, a one-off sweep). */
export class MemorySweepRetries implements SweepRetries {
  private readonly failures = new Map<string, SweepFailure>();
  constructor(private readonly settings: { baseMs: number; capMs: number }) {}

  all(): Promise<SweepFailure[]> {
    return Promise.resolve([...this.failures.values()]);
  }

  failed(step: string, requestId: string, now: number, owed?: Undelivered): Promise<SweepFailure> {
    const field = `${step}:${requestId}`;
    const f = nextFailure(this.failures.get(field), step, requestId, now, this.settings, owed);
    this.failures.set(field, f);
    return Promise.resolve(f);
  }

  succeeded(step: string, requestId: string): Promise<void> {
    this.failures.delete(`${step}:${requestId}`);
    return Promise.resolve();
  }
}
