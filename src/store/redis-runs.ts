import type { Redis } from 'ioredis';
import type { Keys } from './redis';

/**
 * Whether the Redis server restarted since the sweep last looked: its `run_id` (INFO server; a new
 * random id at every start, redis.io INFO docs) differs from the one recorded in Redis itself.
 * A restart may have come back from a snapshot or a lagging replica without its last writes, and
 * the record is then the one the snapshot held, so a rollback is seen as a restart too.
 */
export class RedisRuns {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** The server's run id if it is not the one recorded (a restart since, or the first look), else undefined. */
  async changed(): Promise<string | undefined> {
    const info = await this.redis.info('server');
    const runId = /^run_id:([0-9a-f]+)/m.exec(info)?.[1];
    if (!runId) return undefined;
    const recorded = await this.redis.get(this.keys.redisRun());
    return recorded === runId ? undefined : runId;
  }

  async record(runId: string): Promise<void> {
    await this.redis.set(this.keys.redisRun(), runId);
  }
}
