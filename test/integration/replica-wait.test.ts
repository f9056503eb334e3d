import { Redis } from 'ioredis';
import { sampleRequest } from '../../harness/requests';
import { startReplicatedRedis, type ReplicatedRedis } from '../../harness/redis-sentinel';
import { Keys } from '../../src/store/redis';
import { ReplicaWait, type ReplicaWaitOutcome } from '../../src/store/replication';
import { RequestRepository } from '../../src/store/requests';
import { testRedis } from '../support/redis';

/** Request writes wait for a replica when the primary has one (real primary and replica). */
describe('request writes wait for a replica', () => {
  let set: ReplicatedRedis;
  let primary: Redis;
  let replica: Redis;

  beforeAll(async () => {
    set = await startReplicatedRedis();
    primary = new Redis({ host: '127.0.0.1', port: set.primary.port, maxRetriesPerRequest: 3 });
    replica = new Redis({ host: '127.0.0.1', port: set.replica.port, maxRetriesPerRequest: 3 });
  }, 60_000);

  afterAll(async () => {
    if (set.replica.process.signalCode === null) set.replica.process.kill('SIGCONT');
    primary.disconnect();
    replica.disconnect();
    await set.stop();
  });

  it('has each saved transition on the replica when the write returns', async () => {
    const outcomes: ReplicaWaitOutcome[] = [];
    const wait = new ReplicaWait(primary, { timeoutMs: 5000, replicaCacheMs: 1000 });
    wait.observe((o) => outcomes.push(o));
    const keys = new Keys('rw1');
    const repo = new RequestRepository(primary, keys, Date.now, wait);
    const r = sampleRequest({ id: 'PR-WAIT0001' });
    expect(await repo.create(r, 'U0REQUEST1')).toBe(true);
    // Read at once from the replica: WAIT returned only once the replica had the write.
    expect(await replica.hget(keys.request(r.id), 'version')).toBe('1');
    expect((await repo.apply(r.id, { type: 'approve', by: 'U0APPROVE1' }, 'U0APPROVE1')).ok).toBe(true);
    expect(await replica.hget(keys.request(r.id), 'version')).toBe('2');
    expect(outcomes).toEqual(['acked', 'acked']);
  });

  it('goes on after the timeout when the replica does not answer, and says so', async () => {
    const outcomes: [ReplicaWaitOutcome, number][] = [];
    const wait = new ReplicaWait(primary, { timeoutMs: 300, replicaCacheMs: 60_000 });
    wait.observe((o, acked) => outcomes.push([o, acked]));
    const keys = new Keys('rw2');
    const repo = new RequestRepository(primary, keys, Date.now, wait);
    // The replica stays connected but stops answering (a stalled host): the primary still counts it.
    set.replica.process.kill('SIGSTOP');
    try {
      expect(await repo.create(sampleRequest({ id: 'PR-WAIT0002' }), 'U0REQUEST1')).toBe(true);
    } finally {
      set.replica.process.kill('SIGCONT');
    }
    expect(outcomes).toEqual([['timeout', 0]]);
    // The write is on the primary: a timeout delays, it never undoes.
    expect(await primary.hget(keys.request('PR-WAIT0002'), 'version')).toBe('1');
  });

  it('does not wait on a primary without replicas', async () => {
    const { redis, prefix } = testRedis();
    try {
      const outcomes: ReplicaWaitOutcome[] = [];
      const wait = new ReplicaWait(redis, { timeoutMs: 5000, replicaCacheMs: 1000 });
      wait.observe((o) => outcomes.push(o));
      const repo = new RequestRepository(redis, new Keys(prefix), Date.now, wait);
      expect(await repo.create(sampleRequest({ id: 'PR-WAIT0003' }), 'U0REQUEST1')).toBe(true);
      expect(await wait.afterWrite()).toBe('no_replica');
      expect(outcomes).toEqual([]);
    } finally {
      await redis.quit();
    }
  });
});
