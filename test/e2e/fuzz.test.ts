import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { IDS } from '../../src/slack/ids';
import {
  blockActions,
  blockSuggestion,
  encodeInbound,
  sign,
  slashCommand,
  viewClosed,
  viewSubmission,
} from '../../fakes/slack/inbound';
import { formValues, SOFTWARE } from '../../harness/flows';
import { startWorld, SIGNING_SECRET, type World } from '../../harness/world';

/**
 * Property-based fuzzing of the bot's only public door, POST /slack/events, with the bot running
 * for real (in-process, on Redis, with the simulator and the Slack fake). Whatever arrives: never a
 * 5xx, never a crash, no listener for anything unsigned, and a 2xx or 4xx for signed garbage.
 *
 * Each property has a number of runs and a time budget: on a busy machine it stops at the budget and
 * what ran counts. A failure names fast-check's seed and path (`{ seed: …, path: "…" }`); replay it
 * with `FUZZ_SEED=<seed> FUZZ_PATH=<path> npx jest test/e2e/fuzz.test.ts`.
 */

const REPLAY: { seed?: number; path?: string } = {
  ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
  ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
};

function budget(numRuns: number, seconds: number, extra: { endOnFailure?: boolean } = {}) {
  return { numRuns, interruptAfterTimeLimit: seconds * 1000, ...extra, ...REPLAY };
}

interface Answer {
  status: number;
  body: string;
  ms: number;
}

type Outcome = Answer | { error: string; ms: number };

/** One POST on its own connection. `chunked` streams the body without a Content-Length. */
function post(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  opts: { chunked?: boolean; timeoutMs?: number } = {},
): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(o);
    };
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: opts.chunked
          ? { ...headers, 'transfer-encoding': 'chunked' }
          : { ...headers, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: Date.now() - started,
          }),
        );
        res.on('error', (err) => done({ error: err.message, ms: Date.now() - started }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      done({ error: 'no answer in time', ms: Date.now() - started });
    }, opts.timeoutMs ?? 8000);
    // A server that answers 413 early may close the socket while we still write: the answer counts.
    req.on('error', (err) => setTimeout(() => done({ error: err.message, ms: Date.now() - started }), 50));
    if (opts.chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    } else {
      req.end(body);
    }
  });
}

const statusOf = (o: Outcome): number | string => ('status' in o ? o.status : o.error);

/** Bodies that would run a listener if they were accepted: the shapes Slack really sends. */
function validBodies(w: World): { name: string; body: string; contentType: string }[] {
  const trigger = (): string => w.slack.issueTriggerId();
  const responseUrl = w.slack.responseUrl({ channel: 'C0GENERAL', user: 'U0REQUEST1' });
  const card = { ts: '1700000000.000100', text: '', blocks: [] };
  const list: [string, 'command' | 'interactive', unknown][] = [
    ['/purchase', 'command', slashCommand({ text: '', trigger_id: trigger(), response_url: responseUrl })],
    ['/purchase help', 'command', slashCommand({ text: 'help', response_url: responseUrl })],
    ['/purchase mine', 'command', slashCommand({ text: 'mine', response_url: responseUrl })],
    [
      'approve',
      'interactive',
      blockActions({
        action_id: IDS.actions.approve,
        value: 'PR-ABCDEF12',
        message: card,
        channel_id: 'C0APPROVALS',
        response_url: responseUrl,
      }),
    ],
    [
      'reject',
      'interactive',
      blockActions({
        action_id: IDS.actions.reject,
        value: 'PR-ABCDEF12',
        message: card,
        channel_id: 'C0APPROVALS',
        response_url: responseUrl,
      }),
    ],
    ['options', 'interactive', blockSuggestion({ action_id: IDS.blocks.customer, value: 'contoso' })],
    [
      'submit',
      'interactive',
      viewSubmission({
        callback_id: IDS.requestModal,
        values: formValues({ ...SOFTWARE, justification: 'fuzzing the signature check here' }),
      }),
    ],
  ];
  return list.map(([name, kind, payload]) => ({ name, ...encodeInbound(kind, payload) }));
}

/** Every way a signature can be wrong. Each returns the headers to send for `body`. */
const badSignature = fc.oneof(
  fc.constant((_b: string) => ({})),
  fc.constant((b: string) => ({ 'x-slack-signature': sign(SIGNING_SECRET, b)['x-slack-signature'] })),
  fc.constant((b: string) => ({
    'x-slack-request-timestamp': sign(SIGNING_SECRET, b)['x-slack-request-timestamp'],
  })),
  fc
    .stringMatching(/^[0-9a-f]{64}$/)
    .map((hex) => (b: string) => ({ ...sign(SIGNING_SECRET, b), 'x-slack-signature': `v0=${hex}` })),
  fc
    .string({ minLength: 1, maxLength: 40 })
    .map((secret) => (b: string) => sign(`${SIGNING_SECRET}${secret}`, b)),
  fc
    .integer({ min: 301, max: 10_000_000 })
    .map((age) => (b: string) => sign(SIGNING_SECRET, b, Math.floor(Date.now() / 1000) - age)),
  fc
    .integer({ min: 301, max: 10_000_000 })
    .map((ahead) => (b: string) => sign(SIGNING_SECRET, b, Math.floor(Date.now() / 1000) + ahead)),
  fc
    .constantFrom('', 'abc', '-1', '1e10', ' 1700000000', '1700000000.5', '0x10')
    .map((ts) => (b: string) => ({ ...sign(SIGNING_SECRET, b, ts), 'x-slack-request-timestamp': ts })),
  fc
    .string({ minLength: 1, maxLength: 30 })
    .map((extra) => (b: string) => sign(SIGNING_SECRET, `${b}${extra}`)),
  fc
    .constantFrom('v0=', 'v1=', '', 'v0=abc')
    .map((sig) => (b: string) => ({ ...sign(SIGNING_SECRET, b), 'x-slack-signature': sig })),
  fc.constant((b: string) => {
    const s = sign(SIGNING_SECRET, b);
    return { ...s, 'x-slack-signature': s['x-slack-signature'].toUpperCase() };
  }),
);

// ------------------------------------------------------------------ signed garbage

/** Paths to every value in a JSON tree, except the URLs the bot would post to (they stay the fake's). */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v))
      if (k !== 'response_url' && k !== 'response_urls') out.push(...paths(x, [...prefix, k]));
  return out;
}

function mutate(
  root: unknown,
  at: (string | number)[],
  action: { kind: 'delete' } | { kind: 'set'; value: unknown },
): unknown {
  if (at.length === 0) return action.kind === 'set' ? action.value : {};
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = at[at.length - 1]!;
  if (action.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    parent[last] = action.value;
  }
  return copy;
}

const hugeString = fc.integer({ min: 10_000, max: 100_000 }).map((n) => 'x'.repeat(n));
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: hugeString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      null,
      0,
      -1,
      1e308,
      '',
      [],
      {},
      true,
      'PR-',
      'PR-ABCDEF12',
      'U0APPROVE1',
      IDS.requestModal,
      IDS.rejectModal,
    ),
  },
);

/** Payloads Slack's kinds would have, each mutated a few times: fields deleted, given other types, made huge. */
function signedGarbage(w: World): fc.Arbitrary<{ contentType: string; body: string }> {
  const responseUrl = w.slack.responseUrl({ channel: 'C0GENERAL', user: 'U0REQUEST1' });
  const view = {
    id: 'V0FUZZ0001',
    blocks: [],
    private_metadata: '{"v":1}',
    callback_id: IDS.requestModal,
    hash: '1.a',
  };
  const templates: [string, 'command' | 'interactive' | 'event', unknown][] = [
    ['command', 'command', slashCommand({ text: 'status PR-ABCDEF12', response_url: responseUrl })],
    [
      'approve',
      'interactive',
      blockActions({
        action_id: IDS.actions.approve,
        value: 'PR-ABCDEF12',
        channel_id: 'C0APPROVALS',
        response_url: responseUrl,
      }),
    ],
    [
      'reject',
      'interactive',
      blockActions({
        action_id: IDS.actions.reject,
        value: 'PR-ABCDEF12',
        channel_id: 'C0APPROVALS',
        response_url: responseUrl,
      }),
    ],
    [
      'kind',
      'interactive',
      blockActions({ action_id: IDS.blocks.kind, view, selected_option: { value: 'azure_reservation' } }),
    ],
    [
      'submit',
      'interactive',
      viewSubmission({
        view,
        values: formValues({ ...SOFTWARE, justification: 'a justification long enough' }),
      }),
    ],
    [
      'reject reason',
      'interactive',
      viewSubmission({
        callback_id: IDS.rejectModal,
        private_metadata: '{"requestId":"PR-ABCDEF12"}',
        values: { reason: { reason: { type: 'plain_text_input', value: 'too dear' } } },
      }),
    ],
    ['closed', 'interactive', viewClosed({ view })],
    ...(['customer', 'product', 'sku', 'availability', 'azure_subscription'] as const).map(
      (a): [string, 'interactive', unknown] => [
        `options ${a}`,
        'interactive',
        blockSuggestion({
          action_id: a,
          value: '',
          view: { ...view, state: { values: formValues(SOFTWARE) } },
        }),
      ],
    ),
    [
      'event',
      'event',
      {
        type: 'event_callback',
        team_id: 'T0TEAM0001',
        api_app_id: 'A0PCBOT001',
        event: { type: 'app_mention', user: 'U0REQUEST1', text: 'hi', channel: 'C0GENERAL', ts: '1.2' },
      },
    ],
  ];
  const mutated = fc
    .record({
      template: fc.constantFrom(...templates),
      edits: fc.array(
        fc.tuple(
          fc.nat(),
          fc.oneof(
            fc.constant({ kind: 'delete' as const }),
            wrongValue.map((value) => ({ kind: 'set' as const, value })),
          ),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    })
    .map(({ template: [, kind, payload], edits }) => {
      let p = payload;
      for (const [n, action] of edits) {
        const all = paths(p);
        p = mutate(p, all[n % all.length]!, action);
      }
      if (kind === 'command' && (typeof p !== 'object' || p === null || Array.isArray(p)))
        p = { command: '/purchase', text: JSON.stringify(p) };
      return encodeInbound(kind, p);
    });
  const randomTyped = fc
    .record(
      {
        type: fc.oneof(
          fc.constantFrom(
            'block_actions',
            'view_submission',
            'view_closed',
            'block_suggestion',
            'shortcut',
            'message_action',
            'url_verification',
            'event_callback',
            'ssl_check',
            'interactive_message',
            'dialog_submission',
          ),
          fc.string(),
        ),
      },
      { requiredKeys: ['type'] },
    )
    .chain((head) =>
      fc
        .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 })
        .map((rest) => ({ ...rest, ...head })),
    )
    .chain((payload) =>
      fc
        .constantFrom<'interactive' | 'event'>('interactive', 'event')
        .map((kind) => encodeInbound(kind, payload)),
    );
  const anyJson = fc.jsonValue({ maxDepth: 4 }).chain((v) =>
    fc.constantFrom(
      { body: JSON.stringify(v), contentType: 'application/json' },
      {
        body: new URLSearchParams({ payload: JSON.stringify(v) }).toString(),
        contentType: 'application/x-www-form-urlencoded',
      },
    ),
  );
  const anyForm = fc
    .dictionary(
      fc.oneof(
        fc.string({ maxLength: 10 }),
        fc.constantFrom('command', 'type', 'payload', 'text', 'trigger_id', 'user_id'),
      ),
      fc.string({ maxLength: 200 }),
      { maxKeys: 8 },
    )
    .map((fields) => ({
      body: new URLSearchParams(fields).toString(),
      contentType: 'application/x-www-form-urlencoded',
    }));
  return (
    fc
      .oneof(
        { weight: 5, arbitrary: mutated },
        { weight: 2, arbitrary: randomTyped },
        { weight: 1, arbitrary: anyJson },
        { weight: 1, arbitrary: anyForm },
      )
      // A failing batch is printed by its shapes, not by megabytes of bodies.
      .map((g) => ({ ...g, [fc.toStringMethod]: () => describeSent({ status: 'sent', ...g }) }))
  );
}

/** A short account of a request that got a wrong answer: its type and the keys it had. */
function describeSent(b: { status: number | string; contentType: string; body: string }): string {
  let payload: unknown;
  try {
    const form = new URLSearchParams(b.body);
    payload =
      b.contentType === 'application/json'
        ? JSON.parse(b.body)
        : form.has('payload')
          ? JSON.parse(form.get('payload') ?? '')
          : Object.fromEntries(form);
  } catch {
    payload = b.body.slice(0, 80);
  }
  const shape =
    payload && typeof payload === 'object' && !Array.isArray(payload)
      ? Object.entries(payload)
          .map(
            ([k, v]) =>
              `${k}:${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'string' && v.length > 40 ? `string(${v.length})` : typeof v === 'object' ? 'object' : JSON.stringify(v)}`,
          )
          .join(' ')
      : JSON.stringify(payload).slice(0, 80);
  return `${b.status} ← ${b.contentType} ${shape.slice(0, 400)}`;
}

const SUBCOMMANDS = [
  '',
  'new',
  'help',
  'status',
  'mine',
  'cancel',
  'balance',
  'invoices',
  'invoice',
  'orders',
  'entitlements',
  'STATUS',
  'nope',
];

/**
 * Slack calls a listener could have made. The workers' sweep checks channel membership on its own
 * schedule (conversations.info), which says nothing about a request getting through.
 */
let listenerCalls: () => number;

describe('fuzzing POST /slack/events', () => {
  let w: World;
  let events: string;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  beforeAll(async () => {
    // Bolt's own logger says "not acknowledged within 3 seconds" for every event no listener takes;
    // that is expected here and would bury the test output.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    process.on('unhandledRejection', onUnhandled);
    w = await startWorld();
    events = `${w.bot.url}/slack/events`;
    listenerCalls = () => w.slack.calls.filter((c) => c.method !== 'conversations.info').length;
  });

  afterAll(async () => {
    await w.close();
    process.off('unhandledRejection', onUnhandled);
    jest.restoreAllMocks();
  });

  async function healthy(): Promise<boolean> {
    const res = await fetch(`${w.bot.url}/healthz`);
    return res.status === 200;
  }

  it('refuses unsigned, forged, stale and future-dated requests with a 401 and runs no listener', async () => {
    const bodies = validBodies(w);
    const callsBefore = listenerCalls();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodies), badSignature, async (b, headersFor) => {
        const out = await post(
          events,
          { 'content-type': b.contentType, ...headersFor(b.body) },
          Buffer.from(b.body),
        );
        expect(statusOf(out)).toBe(401);
      }),
      budget(100, 6),
    );
    // Listeners run after the ack; give any that slipped through the time to show.
    await new Promise((r) => setTimeout(r, 500));
    expect(listenerCalls()).toBe(callsBefore);
    expect(await w.bot.repo.allIds()).toEqual([]);
    expect(await w.bot.producers.purchase.count()).toBe(0);
    expect(await healthy()).toBe(true);
  });

  it('answers wrong content types and malformed bodies with a 4xx, signed or not', async () => {
    const callsBefore = listenerCalls();
    const contentType = fc.oneof(
      fc.constantFrom(
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/json-patch+json',
        '',
        'application/x-www-form-urlencoded',
        'application/json',
        'APPLICATION/JSON; charset=utf-8',
      ),
      fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s) && /^[\t\x20-\x7e]*$/.test(s)),
    );
    const body = fc.oneof(
      fc.string({ maxLength: 1000 }),
      fc.uint8Array({ maxLength: 1000 }).map((a) => Buffer.from(a).toString('latin1')),
      fc.constantFrom(
        '{',
        '{"type":',
        'payload=%7B',
        'payload={not json}',
        'payload=%22just%20a%20string%22',
        'payload=null',
        'payload=%7B%7D',
        '[]',
        'null',
        '"x"',
        '1',
        'command=',
        '%',
        '%zz=1',
      ),
    );
    await fc.assert(
      fc.asyncProperty(contentType, body, fc.boolean(), async (type, text, signed) => {
        const headers: Record<string, string> = signed ? { ...sign(SIGNING_SECRET, text) } : {};
        if (type !== '') headers['content-type'] = type;
        const out = await post(events, headers, Buffer.from(text, 'utf8'));
        const status = statusOf(out);
        // A signed body that happens to be well formed reaches Bolt, which may ack it (200) or not (404).
        expect(typeof status === 'number' && status >= 400 && status < 500 ? 'refused' : status).toBe(
          'refused',
        );
      }),
      budget(100, 6),
    );
    expect(listenerCalls()).toBe(callsBefore);
    expect(await healthy()).toBe(true);
  });

  it('refuses bodies over 1 MB, declared or streamed: 413 when signed, 401 unread when not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1_000_001, max: 2_000_000 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded'),
        async (size, chunked, signed, type) => {
          const text =
            type === 'application/json'
              ? `{"type":"block_actions","x":"${'a'.repeat(size)}"}`
              : `payload=${'a'.repeat(size)}`;
          const headers = { 'content-type': type, ...(signed ? sign(SIGNING_SECRET, text) : {}) };
          const out = await post(events, headers, Buffer.from(text), { chunked });
          // Without a signature the answer comes from the headers alone, before any body is read.
          expect(statusOf(out)).toBe(signed ? 413 : 401);
        },
      ),
      budget(10, 6),
    );
    expect(await healthy()).toBe(true);
  });

  it('answers correctly signed garbage with a 2xx or 4xx, never a 5xx', async () => {
    const garbage = signedGarbage(w);
    const seen: Record<string, number> = {};
    await fc.assert(
      // Batches run concurrently: Bolt answers a payload no listener acks with a 404 after 3 s, so
      // each batch takes about that long however large it is.
      fc.asyncProperty(fc.array(garbage, { minLength: 40, maxLength: 40 }), async (batch) => {
        const outs = await Promise.all(
          batch.map((g) =>
            post(
              events,
              { 'content-type': g.contentType, ...sign(SIGNING_SECRET, g.body) },
              Buffer.from(g.body),
              { timeoutMs: 6000 },
            ),
          ),
        );
        const bad: { status: number | string; contentType: string; body: string }[] = [];
        for (const [i, out] of outs.entries()) {
          const status = statusOf(out);
          seen[String(status)] = (seen[String(status)] ?? 0) + 1;
          if (!(typeof status === 'number' && status >= 200 && status < 500))
            bad.push({ status, ...batch[i]! });
        }
        // Every sample of the batch at once: more useful here than one shrunk case.
        if (bad.length > 0)
          throw new Error(`${bad.length} wrong answer(s):\n${bad.map(describeSent).slice(0, 8).join('\n')}`);
      }),
      // Shrinking would re-run whole batches for little gain.
      budget(3, 15, { endOnFailure: true }),
    );
    expect(Object.keys(seen).length).toBeGreaterThan(0);
    expect(await healthy()).toBe(true);
  }, 60_000);

  it('acks /purchase at once whatever its text', async () => {
    const text = fc.oneof(
      {
        weight: 4,
        arbitrary: fc
          .tuple(fc.constantFrom(...SUBCOMMANDS), fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }))
          .map(([sub, args]) => [sub, ...args].join(' ')),
      },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 300 }) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 5_000, max: 50_000 }).map((n) => `status ${'Z'.repeat(n)}`),
      },
    );
    const user = fc.oneof(
      fc.constantFrom('U0REQUEST1', 'U0FINANCE1', 'U0APPROVE1', 'U0OUTSIDER'),
      fc.string({ maxLength: 20 }),
    );
    await fc.assert(
      fc.asyncProperty(text, user, async (t, u) => {
        const payload = slashCommand({
          text: t,
          user_id: u,
          trigger_id: w.slack.issueTriggerId(),
          response_url: w.slack.responseUrl({ channel: 'C0GENERAL', user: 'U0REQUEST1' }),
        });
        const { body, contentType } = encodeInbound('command', payload);
        const out = await post(
          events,
          { 'content-type': contentType, ...sign(SIGNING_SECRET, body) },
          Buffer.from(body),
          { timeoutMs: 5000 },
        );
        expect(statusOf(out)).toBe(200);
        expect((out as Answer).ms).toBeLessThan(3000);
      }),
      budget(60, 6),
    );
    expect(await healthy()).toBe(true);
  });

  it('is still up and never left a promise rejection unhandled', async () => {
    expect(await healthy()).toBe(true);
    expect((await fetch(`${w.bot.url}/readyz`)).status).toBe(200);
    expect(unhandled).toEqual([]);
  });
});
