/**
 * What `appendfsync always` costs the money path (README, "3. Redis").
 *
 * Two redis-servers side by side, on the same disk, in the same run: one with `appendfsync
 * everysec`, one with `always`. Against each, the request store's own writes: `create` (one
 * compare-and-set script: the request, its audit entry, its indexes) and a transition (`apply`: a
 * read, then that script), which is what the purchase pipeline does before each Partner Center call
 * (cart_created, checkout_sent). One writer measures latency; 16 concurrent writers measure
 * throughput (Redis groups the fsync of writes that arrive together). Rounds alternate between the
 * two servers so that drift in a shared machine falls on both alike.
 */
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { startRedisNode, type RedisNode } from '../../harness/redis-sentinel';
import { sampleRequest } from '../../harness/requests';
import { Keys } from '../../src/store/redis';
import { RequestRepository } from '../../src/store/requests';
import type { BenchContext } from '../lib/context';
import { ratio, round, summarize, type Summary } from '../lib/stats';

type Mode = 'everysec' | 'always';
const MODES: readonly Mode[] = ['everysec', 'always'];
const CONCURRENCY = 16;

/** statfs magic numbers of the file systems worth naming; tmpfs makes fsync free and the comparison moot. */
const FS_TYPES: Record<number, string> = {
  0x01021994: 'tmpfs',
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
};

interface ModeResult {
  create: Summary;
  transition: Summary;
  concurrentWritesPerSec: number;
}

export async function redisFsyncBenchmark(ctx: BenchContext): Promise<void> {
  const writes = ctx.quick ? 200 : 1000;
  const rounds = ctx.quick ? 2 : 4;
  const parentDir = tmpdir();
  const fsType =
    FS_TYPES[Number(statfsSync(parentDir).type)] ?? `0x${Number(statfsSync(parentDir).type).toString(16)}`;
  if (fsType === 'tmpfs') ctx.log(`  warning: ${parentDir} is tmpfs, where fsync costs nothing`);

  const nodes: Partial<Record<Mode, RedisNode>> = {};
  const conns: Redis[] = [];
  try {
    const repos = {} as Record<Mode, RequestRepository>;
    for (const mode of MODES) {
      const node = await startRedisNode({ appendfsync: mode, parentDir });
      nodes[mode] = node;
      const conn = new Redis({ host: '127.0.0.1', port: node.port, maxRetriesPerRequest: 3 });
      conns.push(conn);
      repos[mode] = new RequestRepository(conn, new Keys(`bench-${mode}`));
    }
    const samples = Object.fromEntries(
      MODES.map((m) => [
        m,
        { create: [] as number[], transition: [] as number[], concurrent: [] as number[] },
      ]),
    ) as Record<Mode, { create: number[]; transition: number[]; concurrent: number[] }>;

    let serial = 0;
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? MODES : [...MODES].reverse()) {
        const repo = repos[mode];
        const s = samples[mode];
        // One writer: the latency a purchase step sees.
        for (let i = 0; i < writes; i++) {
          const id = `PR-F${(serial++).toString(16).toUpperCase().padStart(8, '0')}`;
          let t = performance.now();
          await repo.create(sampleRequest({ id }), 'U0REQUEST1');
          s.create.push(performance.now() - t);
          t = performance.now();
          await repo.apply(id, { type: 'approve', by: 'U0APPROVE1' }, 'U0APPROVE1');
          s.transition.push(performance.now() - t);
        }
        // Many writers at once: how many request writes per second the server takes.
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < writes) {
              next++;
              const id = `PR-F${(serial++).toString(16).toUpperCase().padStart(8, '0')}`;
              await repo.create(sampleRequest({ id }), 'U0REQUEST1');
            }
          }),
        );
        s.concurrent.push((writes / (performance.now() - t0)) * 1000);
      }
    }

    const result = {} as Record<Mode, ModeResult>;
    for (const mode of MODES) {
      const s = samples[mode];
      const sorted = [...s.concurrent].sort((a, b) => a - b);
      result[mode] = {
        create: summarize(s.create),
        transition: summarize(s.transition),
        // Median of the rounds.
        concurrentWritesPerSec: round(sorted[Math.floor(sorted.length / 2)] ?? NaN, 0),
      };
    }
    const cost = {
      transitionP50AddedMs: round(result.always.transition.p50 - result.everysec.transition.p50, 3),
      transitionP50Ratio: ratio(result.always.transition.p50, result.everysec.transition.p50),
      transitionP99Ratio: ratio(result.always.transition.p99, result.everysec.transition.p99),
      createP50Ratio: ratio(result.always.create.p50, result.everysec.create.p50),
      concurrentThroughputRatio: ratio(
        result.always.concurrentWritesPerSec,
        result.everysec.concurrentWritesPerSec,
      ),
    };
    for (const mode of MODES) {
      const r = result[mode];
      ctx.log(
        `  ${mode.padEnd(8)} create p50/p99 ${r.create.p50}/${r.create.p99} ms, transition p50/p99 ${r.transition.p50}/${r.transition.p99} ms, ${r.concurrentWritesPerSec} writes/s with ${CONCURRENCY} writers`,
      );
    }
    ctx.log(
      `  always vs everysec: transition p50 +${cost.transitionP50AddedMs} ms (×${cost.transitionP50Ratio}), throughput ×${cost.concurrentThroughputRatio}`,
    );
    ctx.save('redis-fsync', {
      disk: { dir: parentDir, fsType },
      writesPerRound: writes,
      rounds,
      concurrency: CONCURRENCY,
      everysec: result.everysec,
      always: result.always,
      cost,
    });
  } finally {
    for (const c of conns) c.disconnect();
    await Promise.all(Object.values(nodes).map((n) => n.stop()));
  }
}
