import { msRequestId } from '../purchases/idempotency';
import type { RegistrationState } from '../purchases/model';
import type { SharedCache } from '../store/cache';
import type { Locks } from '../store/lock';
import type { OnceRecords } from '../store/once';
import type { PartnerCenterApi } from './partner-center-api';

/**
 * Registration of an Azure subscription for reservations ("Register a subscription", then poll
 * "Get subscription registration status"): asynchronous at Microsoft, and shared by every request
 * on the same subscription. One register call and one poll series per subscription, whatever the
 * number of requests waiting on it: the last answer is shared through the cache, and only the
 * holder of the subscription's poll lock asks Partner Center again.
 */
export interface RegistrationAnswer {
  status: RegistrationState;
  /** True when this call sent the register request. */
  registeredNow: boolean;
}

interface Seen {
  status: RegistrationState;
  at: number;
}

export class RegistrationService {
  constructor(
    private readonly pc: Pick<PartnerCenterApi, 'getRegistrationStatus' | 'registerSubscription'>,
    private readonly cache: SharedCache,
    private readonly locks: Locks,
    private readonly once: OnceRecords,
    private readonly now: () => number = Date.now,
  ) {}

  /** The last known status, without asking Partner Center. */
  async known(subscriptionId: string): Promise<RegistrationState | undefined> {
    return (await this.cache.peek<Seen>('registration', key(subscriptionId)))?.status;
  }

  /**
   * Where the subscription stands, asking Partner Center at most once per `pollMs` across all
   * callers, and registering it (once) when it is not registered.
   */
  async check(customerId: string, subscriptionId: string, pollMs: number): Promise<RegistrationAnswer> {
    const seen = await this.cache.peek<Seen>('registration', key(subscriptionId));
    if (seen?.status === 'registered') return { status: 'registered', registeredNow: false };
    if (seen && this.now() - seen.at < pollMs) return { status: seen.status, registeredNow: false };
    // Short, and renewed while its holder runs: a worker killed holding it blocks the subscription's
    // polls (and every reservation waiting on it) only until it lapses.
    const locked = await this.locks.withLock(
      'registration-poll',
      key(subscriptionId),
      POLL_LOCK_MS,
      async () => {
        const status = normalize((await this.pc.getRegistrationStatus(customerId, subscriptionId)).status);
        let registeredNow = false;
        let shared = status;
        // The claim's value, kept: a release compares it, so it must be the same string.
        const claim = String(this.now());
        // The claim lapses: a worker killed between claiming and sending the register call leaves a
        // claim nobody will release, and Partner Center still saying NotRegistered once it lapsed means
        // the call never arrived. Registering again is harmless (see above), and the same MS-RequestId
        // lets Partner Center answer a call it did get with its first answer.
        const lapseMs = Math.max(REGISTER_CLAIM_MIN_MS, 3 * pollMs);
        if (
          status === 'not_registered' &&
          (await this.once.claim('register', key(subscriptionId), claim, lapseMs))
        ) {
          try {
            // Registering twice is harmless at Microsoft, so the id only needs to be stable per subscription.
            await this.pc.registerSubscription(customerId, subscriptionId, {
              requestId: msRequestId(key(subscriptionId), 'register', 0),
            });
          } catch (err) {
            await this.once.release('register', key(subscriptionId), claim).catch(() => undefined);
            throw err;
          }
          registeredNow = true;
          shared = 'registering';
        }
        await this.cache.put<Seen>('registration', key(subscriptionId), { status: shared, at: this.now() });
        return { status: shared, registeredNow };
      },
    );
    if (!locked.acquired) return { status: seen?.status ?? 'registering', registeredNow: false };
    return locked.value;
  }
}

/** The poll lock's life; its holder renews it every third of it while it runs. */
const POLL_LOCK_MS = 5_000;

/** Shortest time before a register call that left Partner Center saying NotRegistered is sent again. */
const REGISTER_CLAIM_MIN_MS = 5_000;

function key(subscriptionId: string): string {
  return subscriptionId.toLowerCase();
}

function normalize(status: string): RegistrationState {
  switch (status) {
    case 'registered':
    case 'registering':
    case 'not_registered':
      return status;
    default:
      return 'unknown';
  }
}
