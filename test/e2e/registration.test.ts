import { SEED } from '../../fakes/partner-center';
import { click, finalState, requestPurchase, RESERVATION } from '../../harness/flows';
import { simControl, simOrdersOf } from '../../harness/sim';
import { startWorld, type World } from '../../harness/world';

/**
 * Registration is shared (issue 13.3): several reservations waiting on one unregistered Azure
 * subscription cause one register call and one poll series, not one per request. Microsoft's
 * "Register a subscription" / "Get subscription registration status" pages: registration is
 * asynchronous and per subscription, so asking once for everyone is all that is needed.
 */
describe('reservations waiting on one unregistered subscription', () => {
  let w: World;
  const POLL_MS = 500;
  const REGISTRATION_MS = 3000;
  const REQUESTS = 5;
  beforeAll(async () => {
    w = await startWorld({
      sim: { registrationDelayMs: REGISTRATION_MS },
      env: {
        REGISTRATION_POLL_BASE_MS: String(POLL_MS),
        REGISTRATION_POLL_CAP_MS: String(POLL_MS),
        PURCHASE_CONCURRENCY: String(REQUESTS),
      },
    });
  });
  afterAll(async () => {
    await w.close();
  });

  it('share one register call and one poll series, and each buys once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < REQUESTS; i++)
      ids.push(
        await requestPurchase(w, {
          ...RESERVATION,
          quantity: String(i + 1),
          azureSubscription: SEED.subscriptions.unregistered.id,
        }),
      );
    await simControl(w.sim.url, '/_sim/requests', undefined, 'DELETE');
    for (const id of ids) expect((await click(w, id, 'approve_request', 'U0APPROVE1')).status).toBe(200);
    for (const id of ids) expect((await finalState(w, id, undefined, 60_000)).status).toBe('confirmed');

    const requests = (await simControl(w.sim.url, '/_sim/requests', undefined, 'GET')) as {
      items: { method: string; path: string }[];
    };
    const sub = SEED.subscriptions.unregistered.id;
    const registers = requests.items.filter(
      (q) => q.method === 'POST' && q.path.includes(sub) && q.path.endsWith('/registrations'),
    );
    const polls = requests.items.filter(
      (q) => q.path.includes(sub) && q.path.includes('/registrationstatus'),
    );
    expect(registers).toHaveLength(1);
    // Microsoft takes REGISTRATION_MS to register; one series asks at most once per poll interval
    // meanwhile (plus the first look and the answer that says registered). Five independent series
    // would ask about five times as often.
    expect(polls.length).toBeGreaterThan(1);
    expect(polls.length).toBeLessThanOrEqual(REGISTRATION_MS / POLL_MS + 3);
    for (const id of ids) expect(await simOrdersOf(w.sim.url, id)).toHaveLength(1);
  });
});
