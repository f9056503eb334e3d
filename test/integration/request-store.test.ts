import { RedisLocks } from '../../src/store/lock';
import { RedisOnceRecords } from '../../src/store/once';
import { Keys } from '../../src/store/redis';
import { RequestRepository } from '../../src/store/requests';
import { sampleRequest } from '../../harness/requests';
import { testRedis } from '../support/redis';

describe('request repository on real Redis', () => {
  const { redis, prefix } = testRedis();
  const keys = new Keys(prefix);
  const repo = new RequestRepository(redis, keys);
  afterAll(async () => {
    await redis.quit();
  });

  it('stores a request once and refuses a second create with the same id', async () => {
    const r = sampleRequest({ id: 'PR-CREATE01' });
    expect(await repo.create(r, 'U0REQUEST1')).toBe(true);
    expect(await repo.create(r, 'U0REQUEST1')).toBe(false);
    expect(await repo.get('PR-CREATE01')).toMatchObject({
      id: 'PR-CREATE01',
      version: 1,
      status: 'pending_approval',
    });
  });

  it('gives exactly one winner when many approvers click at the same moment', async () => {
    const r = sampleRequest({ id: 'PR-RACE0001' });
    await repo.create(r, 'U0REQUEST1');
    const approvers = Array.from({ length: 20 }, (_, i) => `U0APPR${String(i).padStart(4, '0')}`);
    const results = await Promise.all(approvers.map((a) => repo.apply(r.id, { type: 'approve', by: a }, a)));
    const winners = results.filter((x) => x.ok);
    expect(winners).toHaveLength(1);
    expect(results.filter((x) => !x.ok).every((x) => !x.ok && x.code === 'not_pending')).toBe(true);
    const stored = await repo.get(r.id);
    expect(stored?.approvals).toHaveLength(1);
    expect(stored?.status).toBe('approved');
    const audit = await repo.audit(r.id);
    expect(audit.map((a) => a.event)).toEqual(['created', 'approve']);
    expect(audit[1]).toMatchObject({ actor: stored!.approvals[0]!.by, status: 'approved' });
  });

  it('keeps an append-only audit trail of every transition with who and when', async () => {
    const r = sampleRequest({ id: 'PR-AUDIT001' });
    await repo.create(r, 'U0REQUEST1');
    await repo.apply(
      r.id,
      { type: 'reject', by: 'U0APPROVE1', reason: 'not this quarter' },
      'U0APPROVE1',
      'not this quarter',
    );
    const audit = await repo.audit(r.id);
    expect(audit).toHaveLength(2);
    expect(audit[1]).toMatchObject({
      event: 'reject',
      actor: 'U0APPROVE1',
      status: 'rejected',
      detail: 'not this quarter',
    });
    expect(audit[1]!.at).toBeGreaterThanOrEqual(audit[0]!.at);
  });

  it('indexes open requests per requester and pending ones by expiry', async () => {
    const a = sampleRequest({ id: 'PR-INDEX001', requesterId: 'U0INDEXER1', expiresAt: 1000 });
    const b = sampleRequest({ id: 'PR-INDEX002', requesterId: 'U0INDEXER1', expiresAt: Date.now() + 1e9 });
    await repo.create(a, 'U0INDEXER1');
    await repo.create(b, 'U0INDEXER1');
    expect((await repo.openForUser('U0INDEXER1')).map((r) => r.id).sort()).toEqual([
      'PR-INDEX001',
      'PR-INDEX002',
    ]);
    expect(await repo.pendingUntil(5000)).toContain('PR-INDEX001');
    expect(await repo.pendingUntil(5000)).not.toContain('PR-INDEX002');
    await repo.apply('PR-INDEX001', { type: 'expire' }, 'scheduler');
    expect((await repo.openForUser('U0INDEXER1')).map((r) => r.id)).toEqual(['PR-INDEX002']);
    expect(await repo.pendingUntil(5000)).not.toContain('PR-INDEX001');
  });

  it('tracks approved requests as in flight until they reach a final state', async () => {
    const r = sampleRequest({ id: 'PR-FLIGHT01' });
    await repo.create(r, 'U0REQUEST1');
    await repo.apply(r.id, { type: 'approve', by: 'U0APPROVE1' }, 'U0APPROVE1');
    expect(await repo.inflightIds()).toContain(r.id);
    await repo.apply(r.id, { type: 'fail', failure: { code: 'refused', nothingBought: true } }, 'pipeline');
    expect(await repo.inflightIds()).not.toContain(r.id);
  });

  it('claims a once-only record for exactly one of many concurrent callers, and gives it back only by its value', async () => {
    const once = new RedisOnceRecords(redis, keys);
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => once.claim('submit', 'V123', `r${i}`)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = await once.get('submit', 'V123');
    await once.release('submit', 'V123', 'someone-else');
    expect(await once.get('submit', 'V123')).toBe(winner);
    await once.release('submit', 'V123', winner!);
    expect(await once.get('submit', 'V123')).toBeUndefined();
  });

  it('indexes every order of a request in the same atomic write as the transition', async () => {
    const r = sampleRequest({ id: 'PR-ORDERS01' });
    await repo.create(r, 'U0REQUEST1');
    for (const event of [
      { type: 'approve' as const, by: 'U0APPROVE1' },
      { type: 'start_ordering' as const },
      { type: 'cart_created' as const, scope: 'purchase' as const, cartId: 'c1' },
      { type: 'checkout_sent' as const, scope: 'purchase' as const },
      {
        type: 'ordered' as const,
        orders: [
          { id: 'ord-A', status: 'pending', lineItems: [] },
          { id: 'ord-B', status: 'pending', lineItems: [] },
        ],
      },
    ]) {
      const res = await repo.apply(r.id, event, 'test');
      expect(res.ok).toBe(true);
    }
    expect(await repo.byOrderId('ord-A')).toBe(r.id);
    expect(await repo.byOrderId('ord-B')).toBe(r.id);
    expect(await repo.recentForUser('U0REQUEST1', 50)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: r.id })]),
    );
  });
});

describe('the lock', () => {
  const { redis, prefix } = testRedis();
  const locks = new RedisLocks(redis, new Keys(prefix));
  afterAll(async () => {
    await redis.quit();
  });

  it('lets one holder in at a time and frees the lock when the work ends', async () => {
    let inside = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        locks.withLock('t', 'one', 5000, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 30));
          inside--;
          return 'ran';
        }),
      ),
    );
    expect(most).toBe(1);
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    expect((await locks.withLock('t', 'one', 5000, () => Promise.resolve('again'))).acquired).toBe(true);
  });

  it('renews the lock while its holder works, past its first lifetime', async () => {
    const outcome = await locks.withLock('t', 'long', 300, async () => {
      await new Promise((r) => setTimeout(r, 800));
      return locks.withLock('t', 'long', 300, () => Promise.resolve('stolen'));
    });
    expect(outcome).toEqual({ acquired: true, value: { acquired: false } });
  });

  it('never releases a lock that another holder took after it lapsed', async () => {
    const key = `${prefix}:lock:t:lapsed`;
    await locks.withLock('t', 'lapsed', 200, async () => {
      // Simulate a lapse: another holder takes the key.
      await redis.set(key, 'other-holder');
    });
    expect(await redis.get(key)).toBe('other-holder');
  });
});
