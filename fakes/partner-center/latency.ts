/**
 * How long the simulator takes to answer: a distribution, not a constant, with per-path overrides
 * where Partner Center is slower (checkout, inventory checks and cart writes take longer than catalog
 * reads). Zero unless asked for: tests stay fast.
 */
import { z } from 'zod';
import { matcherFor } from './faults';

/** `ms ± jitterMs` (uniform), or a log-normal wait with the given median and 99th percentile. */
export type LatencySpec = { ms: number; jitterMs?: number } | { p50Ms: number; p99Ms: number };

export interface LatencyRoute {
  /** Only this method (any when absent). */
  method?: string;
  /** A substring of the path with its query, or a `/regex/flags` literal (as for faults). */
  path: string;
  spec: LatencySpec;
}

export interface LatencyConfig {
  /** For API requests no route matches (the authorities get only route latency). */
  default?: LatencySpec;
  /** First match wins. */
  routes: LatencyRoute[];
}

/** The option and control shape (flat, as flags and JSON read best). */
export const LatencyOptionsSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    latencyJitterMs: z.number().int().min(0).max(120_000).optional(),
    latencyP50Ms: z.number().int().min(0).max(120_000).optional(),
    latencyP99Ms: z.number().int().min(0).max(120_000).optional(),
    latencyProfile: z.enum(['none', 'realistic']).optional(),
    latencyRoutes: z
      .array(
        z.object({
          method: z.string().optional(),
          path: z.string().min(1),
          ms: z.number().int().min(0).max(120_000).optional(),
          jitterMs: z.number().int().min(0).max(120_000).optional(),
          p50Ms: z.number().int().min(0).max(120_000).optional(),
          p99Ms: z.number().int().min(0).max(120_000).optional(),
        }),
      )
      .optional(),
  })
  .strict();
export type LatencyOptions = z.infer<typeof LatencyOptionsSchema>;

/**
 * `realistic`: what a partner sees at a real distance from Partner Center (our estimate; Microsoft
 * publishes no latency figures): catalog reads ~600 ms, inventory checks and cart writes 1–2 s,
 * checkout ~2 s with a long tail, price sheets seconds, tokens ~150 ms.
 */
export const REALISTIC_PROFILE: LatencyConfig = {
  default: { p50Ms: 400, p99Ms: 1500 },
  routes: [
    { path: '/oauth2/', spec: { p50Ms: 150, p99Ms: 600 } },
    { path: '/v1.0/sales/pricesheets', spec: { p50Ms: 3000, p99Ms: 12000 } },
    { method: 'POST', path: '/checkout', spec: { p50Ms: 2000, p99Ms: 6000 } },
    { method: 'POST', path: '/checkinventory/i', spec: { p50Ms: 1500, p99Ms: 4000 } },
    { method: 'POST', path: '/registrations', spec: { p50Ms: 1000, p99Ms: 3000 } },
    { method: 'POST', path: '/carts', spec: { p50Ms: 1200, p99Ms: 3000 } },
    { method: 'PUT', path: '/carts/', spec: { p50Ms: 1200, p99Ms: 3000 } },
    { method: 'PATCH', path: '/orders/', spec: { p50Ms: 1500, p99Ms: 4000 } },
    { method: 'GET', path: '/\\/products(\\/|\\?)/i', spec: { p50Ms: 600, p99Ms: 1800 } },
  ],
};

function specOf(o: {
  ms?: number;
  jitterMs?: number;
  p50Ms?: number;
  p99Ms?: number;
}): LatencySpec | undefined {
  if (o.p50Ms !== undefined) return { p50Ms: o.p50Ms, p99Ms: Math.max(o.p50Ms, o.p99Ms ?? o.p50Ms) };
  if (o.ms !== undefined || o.jitterMs !== undefined) return { ms: o.ms ?? 0, jitterMs: o.jitterMs ?? 0 };
  return undefined;
}

/** Options → config: the profile first, then explicit values over it (explicit routes are tried first). */
export function latencyConfig(o: LatencyOptions): LatencyConfig {
  const base: LatencyConfig =
    o.latencyProfile === 'realistic'
      ? { ...REALISTIC_PROFILE, routes: [...REALISTIC_PROFILE.routes] }
      : { routes: [] };
  const explicit = specOf({
    ...(o.latencyMs !== undefined ? { ms: o.latencyMs } : {}),
    ...(o.latencyJitterMs !== undefined ? { jitterMs: o.latencyJitterMs } : {}),
    ...(o.latencyP50Ms !== undefined ? { p50Ms: o.latencyP50Ms } : {}),
    ...(o.latencyP99Ms !== undefined ? { p99Ms: o.latencyP99Ms } : {}),
  });
  const routes: LatencyRoute[] = [];
  for (const r of o.latencyRoutes ?? []) {
    matcherFor(r.path); // throws on a bad regular expression
    const spec = specOf(r) ?? { ms: 0 };
    routes.push({ ...(r.method ? { method: r.method.toUpperCase() } : {}), path: r.path, spec });
  }
  return {
    ...(explicit ? { default: explicit } : base.default ? { default: base.default } : {}),
    routes: [...routes, ...base.routes],
  };
}

/** The spec for a request: the first matching route, else (API requests only) the default. */
export function specFor(
  config: LatencyConfig,
  method: string,
  pathWithQuery: string,
  isApi: boolean,
): LatencySpec | undefined {
  for (const r of config.routes) {
    if (r.method && r.method !== method.toUpperCase()) continue;
    if (matcherFor(r.path)(pathWithQuery)) return r.spec;
  }
  return isApi ? config.default : undefined;
}

/** Draws one wait, in whole milliseconds, from a spec (`random` in [0, 1), injectable for tests). */
export function sample(spec: LatencySpec, random: () => number = Math.random): number {
  if ('ms' in spec) {
    const jitter = spec.jitterMs ?? 0;
    return Math.max(0, Math.round(spec.ms + (random() * 2 - 1) * jitter));
  }
  if (spec.p50Ms <= 0) return 0;
  // Log-normal: median p50, and p99 = p50 · e^(2.3263 σ). Capped at 4 × p99 so one draw cannot stall a run.
  const sigma = Math.log(Math.max(spec.p99Ms, spec.p50Ms) / spec.p50Ms) / 2.3263;
  const u1 = Math.max(random(), Number.EPSILON);
  const u2 = random();
  const z0 = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  const value = spec.p50Ms * Math.exp(sigma * z0);
  return Math.round(Math.min(value, Math.max(spec.p99Ms, spec.p50Ms) * 4));
}

/**
 * Parses a `--latency-path` value: `[METHOD ]PATTERN=MS[:JITTER]` or `[METHOD ]PATTERN=P50~P99`,
 * e.g. `POST /checkout=2000:800`, `checkInventory=1500~4000`.
 */
export function parseLatencyPath(text: string): NonNullable<LatencyOptions['latencyRoutes']>[number] {
  const at = text.lastIndexOf('=');
  if (at <= 0)
    throw new Error(`latency path '${text}' must look like PATTERN=MS[:JITTER] or PATTERN=P50~P99`);
  let pattern = text.slice(0, at).trim();
  const value = text.slice(at + 1).trim();
  let method: string | undefined;
  const m = /^(GET|POST|PUT|PATCH|DELETE)\s+(.+)$/i.exec(pattern);
  if (m?.[1] && m[2]) {
    method = m[1].toUpperCase();
    pattern = m[2];
  }
  const percentiles = /^(\d+)~(\d+)$/.exec(value);
  const fixed = /^(\d+)(?::(\d+))?$/.exec(value);
  if (percentiles) {
    return {
      ...(method ? { method } : {}),
      path: pattern,
      p50Ms: Number(percentiles[1]),
      p99Ms: Number(percentiles[2]),
    };
  }
  if (fixed) {
    return {
      ...(method ? { method } : {}),
      path: pattern,
      ms: Number(fixed[1]),
      ...(fixed[2] !== undefined ? { jitterMs: Number(fixed[2]) } : {}),
    };
  }
  throw new Error(`latency path '${text}': '${value}' is neither MS[:JITTER] nor P50~P99`);
}
