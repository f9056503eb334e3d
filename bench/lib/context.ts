/** What every benchmark section gets from bench/run.ts. */
export interface BenchContext {
  redisUrl: string;
  quick: boolean;
  /** Seconds per autocannon run. */
  durationS: number;
  connections: number[];
  /** Runs per ack cell and side; the table shows medians. */
  ackRepetitions: number;
  /** Requests per second of the open-loop ack run (10 connections). */
  ackRate: number;
  pipeline: { requests: number; ratePerSec: number; latencyMs: number };
  registrations: { requests: number; delayMs: number };
  lateness: { requests: number; delayMs: number };
  skus: number;
  log(line: string): void;
  /** Writes bench/results/<name>.json. */
  save(name: string, data: unknown): void;
}
