import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import { summarize, type Summary } from './stats';
import type { Signed } from './slack';

export interface LoadResult {
  latency: Summary;
  /** 2xx answers per second */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
}

/**
 * Closed-loop load with autocannon: `connections` connections, each sending the next request when the
 * previous answer arrives, for `warmupS + durationS`. Every request is built (and signed) by `make`.
 * Latencies are taken from autocannon's per-response event in fractional ms (its own histogram rounds
 * to 1 ms, too coarse on loopback), and only for requests sent after the warm-up: opening 100
 * connections at once makes a first burst that queues for half a second, which says nothing about
 * the steady state and would otherwise be the whole p99.
 */
export function cannon(
  url: string,
  connections: number,
  durationS: number,
  make: () => Signed,
  warmupS = 0.5,
  overallRate?: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let non2xx = 0;
  const started = performance.now();
  const measureFrom = started + warmupS * 1000;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        connections,
        duration: durationS + warmupS,
        // With a rate, an open loop: requests go out on schedule whatever the answers take.
        ...(overallRate ? { overallRate } : {}),
        timeout: 10,
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => {
              const m = make();
              return { ...req, method: 'POST', body: m.body, headers: m.headers };
            },
          },
        ],
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) {
          reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
          return;
        }
        resolve({
          latency: summarize(latencies),
          rps: Math.round(latencies.length / durationS),
          ok: latencies.length,
          non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          durationS,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (performance.now() - ms < measureFrom) return;
      if (status >= 200 && status < 300) latencies.push(ms);
      else non2xx++;
    });
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One keep-alive POST; resolves with status, body and fractional ms. */
export function postTimed(url: string, s: Signed): Promise<{ status: number; body: string; ms: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...s.headers, 'content-length': String(Buffer.byteLength(s.body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(s.body);
  });
}

/** `count` requests over `concurrency` loops; each sample is one request's latency. */
export async function loop(
  concurrency: number,
  count: number,
  run: (i: number) => Promise<number>,
): Promise<number[]> {
  const samples: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        samples.push(await run(i));
      }
    }),
  );
  return samples;
}

export function closeAgent(): void {
  agent.destroy();
}
