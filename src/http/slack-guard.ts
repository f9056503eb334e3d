import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import getRawBody from 'raw-body';

/**
 * Sits in front of Bolt on /slack/events. Bolt verifies signatures too, but it reads bodies of any
 * size, accepts timestamps from the future and lets a broken stream surface as a 500. Here a bad
 * request gets a 4xx before any listener can run: 413 too large, 415 wrong content type, 401 bad,
 * stale, future-dated or missing signature, 400 unreadable body.
 */
export interface SlackGuardOptions {
  signingSecret: string;
  maxBodyBytes?: number;
  toleranceSec?: number;
  now?: () => number;
}

const ACCEPTED_TYPES = ['application/x-www-form-urlencoded', 'application/json'];

export function verifySlackSignature(
  secret: string,
  body: string,
  timestamp: string,
  signature: string,
): boolean {
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function slackGuard(opts: SlackGuardOptions) {
  const maxBytes = opts.maxBodyBytes ?? 1_000_000;
  const tolerance = opts.toleranceSec ?? 300;
  const now = opts.now ?? Date.now;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!ACCEPTED_TYPES.includes(contentType)) {
      res.status(415).send('unsupported content type');
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > maxBytes) {
      res.status(413).send('payload too large');
      req.resume();
      return;
    }
    let raw: string;
    try {
      raw = await getRawBody(req, { limit: maxBytes, encoding: 'utf8' });
    } catch (err) {
      const status = (err as { status?: number }).status ?? 400;
      res.status(status >= 400 && status < 500 ? status : 400).send('unreadable body');
      return;
    }
    const ts = req.headers['x-slack-request-timestamp'];
    const sig = req.headers['x-slack-signature'];
    if (typeof ts !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(ts)) {
      res.status(401).send('missing signature');
      return;
    }
    const age = Math.floor(now() / 1000) - Number(ts);
    if (Math.abs(age) > tolerance) {
      res.status(401).send('stale or future-dated request');
      return;
    }
    if (!verifySlackSignature(opts.signingSecret, raw, ts, sig)) {
      res.status(401).send('bad signature');
      return;
    }
    // Bolt's parser reads this instead of the (already consumed) stream.
    (req as Request & { rawBody?: Buffer }).rawBody = Buffer.from(raw, 'utf8');
    // Malformed payloads would otherwise reach Bolt as a JSON.parse exception.
    if (!isParsable(raw, contentType)) {
      res.status(400).send('malformed payload');
      return;
    }
    next();
  };
}

function isParsable(raw: string, contentType: string): boolean {
  try {
    if (contentType === 'application/json') {
      const v: unknown = JSON.parse(raw);
      return typeof v === 'object' && v !== null;
    }
    const params = new URLSearchParams(raw);
    const payload = params.get('payload');
    if (payload !== null) {
      const v: unknown = JSON.parse(payload);
      return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
    }
    return params.has('command') || params.has('type');
  } catch {
    return false;
  }
}
