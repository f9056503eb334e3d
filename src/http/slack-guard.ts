import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';
import type { NextFunction, Request, Response } from 'express';

/**
 * Sits in front of Bolt on /slack/events and decides, as cheaply as it can, whether a request could
 * be Slack's. In this order, so that nobody without a fresh-looking signature makes us read a byte
 * of body:
 *
 * 1. the signature headers (X-Slack-Signature `v0=<64 hex>`, X-Slack-Request-Timestamp) → else 401;
 * 2. the timestamp within 5 minutes of now, either way ("Verifying requests from Slack": reject
 *    requests older than five minutes; one from the future is no more Slack's) → else 401;
 * 3. the content type: a form or JSON, nothing else, no content encoding → else 415;
 * 4. a declared Content-Length over the cap → 413;
 *
 * each answered at once, with `Connection: close`, without reading the body. Then the body is read
 * against the size cap (413) and a deadline (408), the HMAC is checked over the exact bytes (401),
 * and the payload must be one of the shapes Slack sends to a Request URL (400): a slash command, an
 * interactivity payload of a kind Bolt routes, an Events API `event_callback`, `url_verification`
 * or `app_rate_limited`, or the certificate check `ssl_check=1`. Bolt verifies signatures too, but
 * only after buffering the whole body (up to 4 MB), and it accepts timestamps from the future.
 */
export interface SlackGuardOptions {
  signingSecret: string;
  maxBodyBytes?: number;
  toleranceSec?: number;
  /** how long the body may take to arrive once its headers passed */
  bodyTimeoutMs?: number;
  now?: () => number;
}

/**
 * The largest request Slack sends us carries a view: views are capped at 250 kB (views.open's
 * `view_too_large`), a view_submission adds the state of its inputs, and form encoding can triple
 * the JSON (each `{`, `"`, `:` becomes `%XX`). 1 MB keeps all of that with room; Bolt's own default
 * (4 MB) is far above anything Slack documents.
 */
export const MAX_BODY_BYTES = 1_000_000;
/** Slack's replay window ("Verifying requests from Slack"): five minutes. */
export const TIMESTAMP_TOLERANCE_SEC = 300;
/**
 * Slack gives up on an answer after 3 seconds, and sends the whole body at once: a body that has not
 * arrived by then belongs to nobody waiting for our answer.
 */
export const BODY_TIMEOUT_MS = 3000;

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

const SIGNATURE = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP = /^\d{1,12}$/;

export function verifySlackSignature(
  secret: string,
  body: string | Buffer,
  timestamp: string,
  signature: string,
): boolean {
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  return a.length === b.length && timingSafeEqual(a, b);
}

type Refusal = { status: number; text: string };

/** What the headers alone say about a request: a refusal, or the media type to read it as. */
export function checkHeaders(
  headers: Request['headers'],
  nowSec: number,
  opts: { toleranceSec: number; maxBodyBytes: number },
): Refusal | { contentType: string } {
  const ts = headers['x-slack-request-timestamp'];
  const sig = headers['x-slack-signature'];
  if (typeof ts !== 'string' || typeof sig !== 'string' || !TIMESTAMP.test(ts) || !SIGNATURE.test(sig))
    return { status: 401, text: 'missing or malformed signature' };
  if (Math.abs(nowSec - Number(ts)) > opts.toleranceSec)
    return { status: 401, text: 'stale or future-dated request' };
  const contentType = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if ((contentType !== FORM && contentType !== JSON_TYPE) || encoding !== 'identity')
    return { status: 415, text: 'unsupported content type' };
  const declared = headers['content-length'];
  if (declared !== undefined && Number(declared) > opts.maxBodyBytes)
    return { status: 413, text: 'payload too large' };
  return { contentType };
}

export function slackGuard(opts: SlackGuardOptions) {
  const limits = {
    maxBodyBytes: opts.maxBodyBytes ?? MAX_BODY_BYTES,
    toleranceSec: opts.toleranceSec ?? TIMESTAMP_TOLERANCE_SEC,
  };
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? BODY_TIMEOUT_MS;
  const now = opts.now ?? Date.now;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const head = checkHeaders(req.headers, Math.floor(now() / 1000), limits);
    if ('status' in head) {
      refuseUnread(res, head);
      return;
    }
    const read = await readBody(req, limits.maxBodyBytes, bodyTimeoutMs);
    if (!read.ok) {
      if (read.refusal) refuseUnread(res, read.refusal);
      return;
    }
    const ts = req.headers['x-slack-request-timestamp'] as string;
    const sig = req.headers['x-slack-signature'] as string;
    if (!verifySlackSignature(opts.signingSecret, read.body, ts, sig)) {
      res.status(401).send('bad signature');
      return;
    }
    const raw = read.body.toString('utf8');
    const shape = shapeOf(raw, head.contentType);
    if (shape === undefined) {
      // Malformed payloads would otherwise reach Bolt as a JSON.parse exception or wait 3 s for a
      // listener that cannot exist.
      res.status(400).send('malformed payload');
      return;
    }
    if (shape === 'app_rate_limited') {
      // Slack telling us it is dropping events (docs.slack.dev reference/events/app_rate_limited):
      // heard. Bolt has no route for it and would answer 404 after 3 s, and Slack disables event
      // subscriptions of an app that fails to answer 200 to 5% of its deliveries.
      res.status(200).end();
      return;
    }
    // Bolt compares the content type as a string and parses anything but the exact form type as
    // JSON: hand it the bare media type. Its parser reads rawBody instead of the consumed stream.
    req.headers['content-type'] = head.contentType;
    (req as Request & { rawBody?: Buffer }).rawBody = read.body;
    next();
  };
}

/**
 * Answers without reading (the rest of) the body and closes the connection once the answer is out
 * (Node ends a `Connection: close` response by closing the socket), so a client that keeps sending
 * is cut off instead of being drained.
 */
function refuseUnread(res: Response, refusal: Refusal): void {
  res.set('connection', 'close').status(refusal.status).send(refusal.text);
}

type BodyRead = { ok: true; body: Buffer } | { ok: false; refusal: Refusal | undefined };

/** The body, at most `maxBytes` of it and within `timeoutMs`; a client gone away gets no answer. */
function readBody(req: Request, maxBytes: number, timeoutMs: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: BodyRead): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onClose);
      if (!outcome.ok) req.pause();
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) finish({ ok: false, refusal: { status: 413, text: 'payload too large' } });
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onGone = (): void => finish({ ok: false, refusal: undefined });
    const onClose = (): void => {
      if (!req.complete) onGone();
    };
    const timer = setTimeout(
      () => finish({ ok: false, refusal: { status: 408, text: 'request body too slow' } }),
      timeoutMs,
    );
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onClose);
  });
}

type Shape =
  'command' | 'interactive' | 'ssl_check' | 'event_callback' | 'url_verification' | 'app_rate_limited';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The fields Bolt routes by and every listener reads, which Slack always sends (docs.slack.dev
 * "Interaction payloads": block_actions carries `actions`, view_submission the `view` with its
 * `state.values`, block_suggestion its `action_id`, shortcuts their `callback_id`). Without them no
 * listener could ack, and Bolt would hold the request 3 s before answering 404.
 */
function routable(v: Record<string, unknown>): boolean {
  const view = isObject(v.view) ? v.view : undefined;
  switch (v.type) {
    case 'block_actions':
      return (
        Array.isArray(v.actions) && v.actions.every((a) => isObject(a) && typeof a.action_id === 'string')
      );
    case 'block_suggestion':
      return typeof v.action_id === 'string';
    case 'view_submission':
      return (
        typeof view?.id === 'string' &&
        typeof view.callback_id === 'string' &&
        isObject(view.state) &&
        isObject(view.state.values)
      );
    case 'view_closed':
      return typeof view?.id === 'string' && typeof view.callback_id === 'string';
    case 'shortcut':
    case 'message_action':
      return typeof v.callback_id === 'string';
    default:
      return false;
  }
}

/** Which of Slack's Request URL deliveries this body is, parsed the way Bolt will parse it. */
export function shapeOf(raw: string, contentType: string): Shape | undefined {
  try {
    if (contentType === JSON_TYPE) {
      const v: unknown = JSON.parse(raw);
      if (!isObject(v)) return undefined;
      if (v.type === 'event_callback')
        return isObject(v.event) && typeof v.event.type === 'string' ? 'event_callback' : undefined;
      if (v.type === 'url_verification')
        return typeof v.challenge === 'string' ? 'url_verification' : undefined;
      if (v.type === 'app_rate_limited') return 'app_rate_limited';
      return undefined;
    }
    // node:querystring, as Bolt uses: a repeated field becomes an array, which Bolt cannot route.
    const form = parseQuery(raw);
    if (typeof form.payload === 'string') {
      const v: unknown = JSON.parse(form.payload);
      return isObject(v) && routable(v) ? 'interactive' : undefined;
    }
    if (typeof form.command === 'string') return form.command.startsWith('/') ? 'command' : undefined;
    // "Implementing slash commands", SSL certificate check: `ssl_check=1` (Bolt answers it, empty).
    if (form.ssl_check === '1') return 'ssl_check';
    return undefined;
  } catch {
    return undefined;
  }
}
