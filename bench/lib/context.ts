/** How far away the two services are for one pass of a section (issue 13: every section runs at both). */
export interface Distance {
  name: 'zero' | 'far';
  /** Slack Web API latency (the Slack fake's `latencyMs`). */
  slackMs: number;
  /** Partner Center latency: `pcMs ± pcJitterMs`, uniform (the simulator's `latencyMs`/`latencyJitterMs`). */
  pcMs: number;
  pcJitterMs: number;
}

export const DISTANCES: Record<Distance['name'], Distance> = {
  zero: { name: 'zero', slackMs: 0, pcMs: 0, pcJitterMs: 0 },
  far: { name: 'far', slackMs: 120, pcMs: 600, pcJitterMs: 400 },
};

/** The simulator's latency options for a distance (fakes/partner-center/index.ts). */
export function simLatency(d: Distance): { latencyMs?: number; latencyJitterMs?: number } {
  return d.pcMs > 0 ? { latencyMs: d.pcMs, latencyJitterMs: d.pcJitterMs } : {};
}

/** What every benchmark section gets from bench/run.ts. */
export interface BenchContext {
  redisUrl: string;
  quick: boolean;
  /** Seconds per autocannon run. */
  durationS: number;
  connections: number[];
  /** Runs per ack cell and side; the table shows medians. */
  ackRepetitions: number;
  pipeline: { requests: number; ratePerSec: number; latencyMs: number };
  registrations: { requests: number; delayMs: number };
  lateness: { requests: number; delayMs: number };
  skus: number;
  /** Modal journeys per distance in the form section. */
  forms: number;
  /** Rows of the price sheet. */
  priceSheetRows: number;
  /** Purchases run one at a time for approval → order. */
  sequential: number;
  log(line: string): void;
  /** Writes bench/results/<name>.json. */
  save(name: string, data: unknown): void;
}
