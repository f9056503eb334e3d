/**
 * How far away Slack is. Every call the bot makes to the fake (Web API methods, upload URLs,
 * response_urls) waits this long before it is answered: a fixed part plus a uniform jitter of ± `jitterMs`,
 * never below zero. Zero by default, so tests that do not ask for distance pay nothing.
 */
export interface LatencySpec {
  ms: number;
  /** the answer comes `ms ± jitterMs` later (uniform) */
  jitterMs?: number;
}

export interface LatencyOptions {
  /** applied to every call; default 0 */
  latencyMs?: number;
  /** ± this much, uniformly; default 0 */
  latencyJitterMs?: number;
  /** per method (`chat.postMessage`, `views.open`, … and the pseudo-methods `upload`, `response_url`); replaces the default for that method */
  latencyByMethod?: Readonly<Record<string, number | LatencySpec>>;
  /** source of randomness for the jitter, in [0, 1); default Math.random */
  random?: () => number;
}

export class Latency {
  private base: LatencySpec;
  private readonly byMethod = new Map<string, LatencySpec>();
  private readonly random: () => number;

  constructor(opts: LatencyOptions = {}) {
    this.base = { ms: opts.latencyMs ?? 0, jitterMs: opts.latencyJitterMs ?? 0 };
    this.random = opts.random ?? Math.random;
    for (const [method, spec] of Object.entries(opts.latencyByMethod ?? {})) this.setFor(method, spec);
  }

  /** Changes the default latency (or one method's, with `method`). */
  set(spec: number | LatencySpec, method?: string): void {
    if (method === undefined) this.base = normalise(spec);
    else this.setFor(method, spec);
  }

  /** The wait for one call of `method`, in ms. */
  for(method: string): number {
    const spec = this.byMethod.get(method) ?? this.base;
    const jitter = spec.jitterMs ?? 0;
    const ms = spec.ms + (jitter > 0 ? (this.random() * 2 - 1) * jitter : 0);
    return Math.max(0, Math.round(ms));
  }

  private setFor(method: string, spec: number | LatencySpec): void {
    this.byMethod.set(method, normalise(spec));
  }
}

function normalise(spec: number | LatencySpec): LatencySpec {
  return typeof spec === 'number' ? { ms: spec, jitterMs: 0 } : { ms: spec.ms, jitterMs: spec.jitterMs ?? 0 };
}
