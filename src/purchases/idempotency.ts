import { createHash } from 'node:crypto';

/**
 * MS-RequestIds derived from the request and the step, never stored.
 *
 * Partner Center recognises a repeated write by its MS-RequestId: Microsoft's header rule is to send
 * the same id when retrying after a timeout or a dropped connection (no response), and a fresh id
 * after any response. A random id saved in Redis breaks when Redis loses its last second of writes
 * (power loss with `appendfsync everysec`, a failover to a replica that lagged): the retry would
 * send a new id for a write Partner Center already made, and a second cart would be checked out.
 * An id computed from (request, step, attempt) is the same after such a rollback, and `attempt` only
 * moves on after Partner Center answered, as the rule asks.
 *
 * Why this cannot create a second cart or order: the first send and every retry of a step without
 * an answer carry the same id, which Partner Center answers with the first result; a fresh id goes
 * out only after an answer, and an answer that may mean "an order exists" (800065, a cart already
 * Ordered, a 2xx without orders) stops the purchase in `attention` instead of retrying.
 */

export type WriteStep = 'plan-cart' | 'plan-checkout' | 'cart' | 'checkout' | 'cancel-order' | 'register';

/** The bot's UUID v5 namespace (a random UUID fixed once; changing it would change every id). */
const NAMESPACE = '6f1b7c1e-8a0d-4f1e-9a41-3c2a9e5b7d10';

function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function msRequestId(requestId: string, step: WriteStep, attempt: number): string {
  return uuidV5(`${requestId}/${step}/${attempt}`, NAMESPACE);
}
