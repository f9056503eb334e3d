import { createHmac, randomBytes, randomInt } from 'node:crypto';

/**
 * Trigger ids are self-describing: `<issued ms>.<nonce>.<mac>`, shaped like Slack's
 * `398738663015.47445629121.803a0bc8…`. The fake can then accept a trigger minted by the inbound
 * helpers (which never talk to the fake) and still tell expired, forged and reused ones apart.
 */
const TRIGGER_KEY = 'slack-fake-trigger-ids';

function triggerMac(issuedMs: number, nonce: string): string {
  return createHmac('sha256', TRIGGER_KEY).update(`${issuedMs}.${nonce}`).digest('hex').slice(0, 32);
}

export function mintTriggerId(nowMs: number = Date.now()): string {
  const nonce = String(randomInt(1_000_000_000, 9_999_999_999));
  return `${nowMs}.${nonce}.${triggerMac(nowMs, nonce)}`;
}

/** The issue time of a trigger id this module minted, or undefined for anything else. */
export function triggerIssuedAt(triggerId: string): number | undefined {
  const m = /^(\d{13})\.(\d{10})\.([0-9a-f]{32})$/.exec(triggerId);
  if (!m) return undefined;
  const issued = Number(m[1]);
  return triggerMac(issued, m[2]!) === m[3] ? issued : undefined;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `prefix` + 10 upper-case alphanumerics, like `V0123ABCDEF` / `F07…` / `D0…`. */
export function slackId(prefix: string): string {
  let s = prefix;
  const bytes = randomBytes(10);
  for (const b of bytes) s += ALNUM[b % ALNUM.length];
  return s;
}

export function viewHash(nowMs: number): string {
  return `${Math.floor(nowMs / 1000)}.${randomBytes(6).toString('base64url').slice(0, 8)}`;
}

/** Message timestamps: `"<unix seconds>.<6 digits>"`, strictly increasing like Slack's per-channel ts. */
export class TsClock {
  private lastMicros = 0;

  next(nowMs: number): string {
    const micros = Math.max(nowMs * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    const sec = Math.floor(micros / 1_000_000);
    const frac = String(micros % 1_000_000).padStart(6, '0');
    return `${sec}.${frac}`;
  }

  reset(): void {
    this.lastMicros = 0;
  }
}
