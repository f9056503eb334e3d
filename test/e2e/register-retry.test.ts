import { SEED } from '../../fakes/partner-center';
import { click, finalState, requestPurchase, RESERVATION } from '../../harness/flows';
import { injectFault, simControl, simOrdersOf } from '../../harness/sim';
import { startWorld, type World } from '../../harness/world';

/**
 * The register call is sent once per subscription (a claim in Redis); when Partner Center refuses
 * it with a 5xx, the claim is given back so the next poll registers again.
 */
describe('registering a subscription for reservations', () => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld();
  });
  afterAll(async () => {
    await w.close();
  });

  it('registers again after Partner Center failed the first register call, then buys', async () => {
    await injectFault(w.sim.url, {
      method: 'POST',
      path: '/registrations',
      status: 503,
      when: 'before',
      count: 1,
    });
    const id = await requestPurchase(w, {
      ...RESERVATION,
      azureSubscription: SEED.subscriptions.unregistered.id,
    });
    await click(w, id, 'approve_request', 'U0APPROVE1');
    const r = await finalState(w, id, undefined, 30_000);
    expect(r.status).toBe('confirmed');
    const requests = (await simControl(w.sim.url, '/_sim/requests', undefined, 'GET')) as {
      items: { method: string; path: string; status: number }[];
    };
    const registers = requests.items.filter((q) => q.method === 'POST' && q.path.includes('/registrations'));
    expect(registers.map((q) => q.status)).toEqual([503, 202]);
    expect(await simOrdersOf(w.sim.url, id)).toHaveLength(1);
  }, 60_000);
});
