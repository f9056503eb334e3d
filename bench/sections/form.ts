/**
 * The requester's journey through the form, as Slack delivers it: `/purchase`, the first keystroke
 * in each external select as soon as it is on screen (right after the modal opens, or right after
 * the choice that re-rendered the form), each choice dispatched, the submission, and the approval
 * card. Every journey runs on a fresh bot (its own Redis prefix): nothing is cached but what the
 * bot fetched for this modal since it opened, the worst case for the prefetch. The simulator and
 * the Slack fake are shared within a distance.
 *
 * Goals (issue 13), at distance: first keystroke of each select p99 ≤ 500 ms; submission ack p99
 * < 1 s; submission → approval card p99 ≤ 4 × Partner Center's latency. The baseline is one
 * Partner Center call at the same distance (the customers list), measured in the same pass: what
 * any answer that waited on Partner Center would cost at least.
 */
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startBot } from '../../src/main';
import { SEED, startSimulator } from '../../fakes/partner-center';
import { startSlackFake } from '../../fakes/slack';
import { SlackInbound } from '../../fakes/slack/inbound';
import { baseEnv } from '../../harness/env';
import { choose, formValues, openModal, RESERVATION, type FormChoice } from '../../harness/flows';
import type { World } from '../../harness/world';
import { simLatency, type BenchContext, type Distance } from '../lib/context';
import { SECRET } from '../lib/slack';
import { summarize } from '../lib/stats';

type Select = 'customer' | 'azure_subscription' | 'product' | 'sku' | 'availability';
const FIELD: Record<Select, keyof FormChoice> = {
  customer: 'customer',
  azure_subscription: 'azureSubscription',
  product: 'product',
  sku: 'sku',
  availability: 'availability',
};

export async function formBenchmarks(ctx: BenchContext, d: Distance): Promise<void> {
  const sim = await startSimulator({
    port: 0,
    openAuth: true,
    registrationDelayMs: 300,
    orderListDelayMs: 800,
    ...simLatency(d),
  });
  const slack = await startSlackFake({ latencyMs: d.slackMs });
  const keystrokes: Record<Select, { ms: number; hasChoice: boolean; options: number }[]> = {
    customer: [],
    azure_subscription: [],
    product: [],
    sku: [],
    availability: [],
  };
  const modalOpen: number[] = [];
  const submitAck: number[] = [];
  const toCard: number[] = [];
  const submitAnswers: string[] = [];
  const pcCall: number[] = [];
  try {
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const res = await fetch(`${sim.url}/v1/customers?size=100`);
      await res.arrayBuffer();
      pcCall.push(performance.now() - t);
    }
    for (let i = 0; i < ctx.forms; i++) {
      const prefix = `benchform${Date.now().toString(36)}${i}`;
      const bot = await startBot(
        loadConfig(
          baseEnv({
            REDIS_URL: ctx.redisUrl,
            REDIS_KEY_PREFIX: prefix,
            SLACK_SIGNING_SECRET: SECRET,
            SLACK_API_URL: slack.apiUrl,
            PARTNER_CENTER_API_URL: sim.url,
            PARTNER_PRICING_API_URL: sim.url,
            ORDER_CONFIRMATION_DELAY_MS: '600000',
          }),
        ),
        { logger: pino({ level: 'silent' }) },
      );
      const inbound = new SlackInbound(`${bot.url}/slack/events`, SECRET, { fake: slack, timeoutMs: 10_000 });
      const w: World = { mode: 'http', sim, slack, bot, inbound, close: () => bot.stop() };
      try {
        const opened = performance.now();
        let view = await openModal(w);
        modalOpen.push(performance.now() - opened);
        let state: Partial<FormChoice> = {};
        const order = ['customer', 'kind', 'azure_subscription', 'product', 'sku', 'availability'] as const;
        for (const field of order) {
          if (field !== 'kind') {
            const want = RESERVATION[FIELD[field]];
            const r = await inbound.options({
              action_id: field,
              value: '',
              view: { ...view, state: { values: formValues(state) } },
            });
            if (r.status !== 200) throw new Error(`options ${field} answered ${r.status}`);
            const options = (r.options ?? []) as { value: string }[];
            keystrokes[field].push({
              ms: r.elapsedMs,
              hasChoice: options.some((o) => o.value === want),
              options: options.length,
            });
            state = { ...state, [FIELD[field]]: want };
          } else state = { ...state, kind: RESERVATION.kind };
          view = await choose(w, view, field, state);
        }
        const cards = slack.messages('C0APPROVALS').filter((m) => !m.thread_ts).length;
        const sent = Date.now();
        const res = await inbound.submit({ view, values: formValues(RESERVATION), user: 'U0REQUEST1' });
        submitAck.push(res.elapsedMs);
        submitAnswers.push(
          (res.json as { response_action?: string } | undefined)?.response_action ??
            (res.body ? 'body' : 'empty'),
        );
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          if (slack.messages('C0APPROVALS').filter((m) => !m.thread_ts).length > cards) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        toCard.push(Date.now() - sent);
      } finally {
        await bot.stop();
      }
      ctx.log(
        `  form ${i + 1}/${ctx.forms} (${d.name}): keystrokes ${Object.entries(keystrokes)
          .map(([k, v]) => `${k} ${v.at(-1)?.ms}${v.at(-1)?.hasChoice ? '' : '(miss)'}`)
          .join(', ')} ms; submit ack ${submitAck.at(-1)} ms, card after ${toCard.at(-1)} ms`,
      );
    }
  } finally {
    await slack.close();
    await sim.close();
  }
  const all = Object.values(keystrokes).flat();
  const perSelect = Object.fromEntries(
    Object.entries(keystrokes).map(([k, v]) => [
      k,
      { ...summarize(v.map((x) => x.ms)), withoutTheChoice: v.filter((x) => !x.hasChoice).length },
    ]),
  );
  const pcLatencyMs = d.pcMs;
  ctx.save(`form.${d.name}`, {
    distance: d,
    journeys: ctx.forms,
    kind: 'azure_reservation (every select of the form)',
    customer: SEED.customers.open.id,
    modalOpenMs: summarize(modalOpen),
    firstKeystroke: {
      all: summarize(all.map((x) => x.ms)),
      perSelect,
      withoutTheChoice: all.filter((x) => !x.hasChoice).length,
    },
    submitAckMs: summarize(submitAck),
    submitAnswers,
    submitToCardMs: summarize(toCard),
    partnerCenterCallMs: summarize(pcCall),
    goals: {
      firstKeystrokeP99Ms: 500,
      submitAckP99Ms: 1000,
      submitToCardP99Ms: pcLatencyMs > 0 ? 4 * pcLatencyMs : undefined,
    },
  });
}
