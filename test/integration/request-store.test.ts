import { OnceStore, RequestRepository } from '../../src/store/requests';
import { sampleRequest } from '../support/requests';
import { testRedis } from '../support/redis';

describe('request repository on real Redis', () => {
  const { redis, prefix } = testRedis();
  const repo = new RequestRepository(redis, prefix);
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
    await repo.apply(r.id, { type: 'fail', failure: { code: 'x', message: 'y', nextStep: 'z' } }, 'pipeline');
    expect(await repo.inflightIds()).not.toContain(r.id);
  });

  it('claims a once-only record for exactly one of many concurrent callers', async () => {
    const once = new OnceStore(redis, prefix);
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => once.claim('submit', 'V123', `r${i}`)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
  });
});
