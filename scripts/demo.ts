/**
 * `npm run demo`: the whole purchase story on this machine, no Slack or Microsoft account needed.
 * Real bot code; local stand-ins only at the two borders (the Slack Web API fake and the Partner
 * Center simulator); its own redis-server unless REDIS_URL is set. Prints the conversation as it
 * happens and saves the invoice PDF finance received under demo-output/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { startBot } from '../src/main';
import { SEED, startSimulator } from '../fakes/partner-center';
import { startSlackFake } from '../fakes/slack';
import { SlackInbound } from '../fakes/slack/inbound';
import type { RecordedCall } from '../fakes/slack/types';
import { messageToText, viewToText } from '../harness/blocks-text';
import { requestPurchase, RESERVATION, SOFTWARE } from '../harness/flows';
import { waitFor } from '../harness/processes';
import { startRedisServer, type RedisServer } from '../harness/redis-server';

const SIGNING_SECRET = 'demo-signing-secret';
const OUT_DIR = join(__dirname, '..', 'demo-output');
const color = process.stdout.isTTY;
const dim = (s: string): string => (color ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string): string => (color ? `\x1b[1m${s}\x1b[0m` : s);

const NAMES: Record<string, string> = {
  U0REQUEST1: 'Riya (requester)',
  U0APPROVE1: 'Ade (approver)',
  U0APPROVE2: 'Mei (approver)',
  U0FINANCE1: 'Finn (finance)',
  C0APPROVALS: '#purchase-approvals',
  C0FINANCE: '#finance',
  S0APPROVERS: 'purchase-approvers',
};
const started = Date.now();

function say(who: string, text: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  const body = text
    .replace(/<@(U\w+)>/g, (_m, id: string) => `@${NAMES[id] ?? id}`)
    .replace(/<!date\^\d+\^[^|]*\|([^>]+)>/g, '$1')
    .replace(/<([^|>]+)\|([^>]+)>/g, '$2');
  process.stdout.write(`${dim(`[${t}s]`)} ${bold(who)}: ${body.split('\n').join('\n          ')}\n`);
}

/** A surface as people see it in Slack (harness/blocks-text.ts), framed so it stands out from the log. */
function show(title: string, text: string): void {
  const body = text
    .split('\n')
    .map((l) => `          ${l}`)
    .join('\n');
  process.stdout.write(`\n${bold(`          ── ${title} ──`)}\n${body}\n\n`);
}

/** DM channel id → whose DM it is, filled in once the Slack fake is up. */
const DMS = new Map<string, string>();

function where(channel: unknown, threadTs: unknown): string {
  const ch = typeof channel === 'string' ? channel : '?';
  const dm = DMS.get(ch);
  const name = NAMES[ch] ?? (dm ? `DM to ${(NAMES[dm] ?? dm).replace(/ \(.*\)$/, '')}` : ch);
  return threadTs ? `${name} (thread)` : name;
}

/** The bot's side of the conversation, as the Slack fake receives it. */
function narrate(call: RecordedCall): void {
  const a = call.args;
  const text = typeof a.text === 'string' ? a.text : '';
  switch (call.method) {
    case 'views.open':
      say('bot', `opens the "${String((a.view as { title?: { text?: string } })?.title?.text ?? '')}" form`);
      break;
    case 'chat.postMessage':
      say(`bot → ${where(a.channel, a.thread_ts)}`, text);
      break;
    case 'chat.update':
      say(`bot ✎ ${where(a.channel, undefined)}`, `card now reads: ${text}`);
      break;
    case 'views.publish':
      say('bot', `publishes the App Home of ${NAMES[String(a.user_id)] ?? String(a.user_id)}`);
      break;
    case 'chat.postEphemeral':
      say(`bot → only ${NAMES[String(a.user)] ?? String(a.user)}`, text);
      break;
    case 'files.completeUploadExternal': {
      const files = (a.files as { title?: string }[] | undefined) ?? [];
      say(
        `bot → ${where(a.channel_id, a.thread_ts)}`,
        `📎 uploads ${files.map((f) => f.title ?? 'a file').join(', ')}`,
      );
      break;
    }
    default:
      break;
  }
}

async function main(): Promise<void> {
  let redis: RedisServer | undefined;
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    redis = await startRedisServer();
    redisUrl = redis.url;
  }
  const sim = await startSimulator({
    port: 0,
    openAuth: true,
    registrationDelayMs: 3000,
    orderListDelayMs: 4000,
  });
  const slack = await startSlackFake();
  for (const user of ['U0REQUEST1', 'U0APPROVE1', 'U0APPROVE2', 'U0FINANCE1'])
    DMS.set(slack.dmChannelId(user), user);
  const config = loadConfig({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `demo${Date.now().toString(36)}`,
    PARTNER_CENTER_API_URL: sim.url,
    PARTNER_CENTER_AUTH: 'none',
    // Prices come from Microsoft's price sheet, which the simulator serves at the documented path.
    PARTNER_PRICING_API_URL: sim.url,
    APPROVALS_CHANNEL_ID: 'C0APPROVALS',
    FINANCE_CHANNEL_ID: 'C0FINANCE',
    APPROVER_USER_IDS: 'U0APPROVE1',
    APPROVER_USERGROUP_ID: 'S0APPROVERS',
    FINANCE_USER_IDS: 'U0FINANCE1',
    ORDER_CONFIRMATION_DELAY_MS: '5000',
    INVOICE_POLL_INTERVAL_MS: '2000',
    SWEEP_INTERVAL_MS: '1000',
    REGISTRATION_POLL_BASE_MS: '1000',
    REGISTRATION_POLL_CAP_MS: '2000',
    PORT: '0',
    OPS_PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
  });
  const bot = await startBot(config, { logger: pino({ level: config.logLevel }) });
  const world = {
    sim,
    slack,
    bot,
    inbound: new SlackInbound(`${bot.url}/slack/events`, SIGNING_SECRET, { fake: slack }),
  };
  const stopNarrating = slack.onCall(narrate);
  const shutdown = async (): Promise<void> => {
    stopNarrating();
    await bot.stop();
    await slack.close();
    await sim.close();
    if (redis) await redis.stop();
  };

  try {
    say(
      'demo',
      `bot on ${bot.url}, Partner Center simulator on ${sim.url}, Slack fake on ${slack.url}, Redis ${redisUrl}`,
    );
    // The invoice poller records the invoices that already exist as a baseline on its first run.
    await new Promise((r) => setTimeout(r, 2500));

    say(
      'Riya',
      `/purchase → 2 × reserved VM instances for ${SEED.customers.open.companyName}, on Azure subscription "${SEED.subscriptions.unregistered.friendlyName}" (not yet registered for reservations)`,
    );
    const reservation = await requestPurchase(world, {
      ...RESERVATION,
      azureSubscription: SEED.subscriptions.unregistered.id,
    });
    const firstCard = slack
      .messages('C0APPROVALS')
      .find((m) => !m.thread_ts && m.text.includes(reservation))!;
    show(
      `what the approvers see in ${NAMES.C0APPROVALS} (Slack shows the ↳ dialog when Approve is clicked)`,
      messageToText(firstCard, { names: NAMES }),
    );
    say(
      'Riya',
      `/purchase → 3 × ${SEED.products.softwareSubscription.title} for ${SEED.customers.open.companyName}`,
    );
    const software = await requestPurchase(world, SOFTWARE);
    say(
      'Riya',
      `/purchase → 2 × reserved VM instances for ${SEED.customers.noAzure.companyName}, which has no Azure subscription yet: she picks "New Azure plan"`,
    );
    const newPlan = await requestPurchase(world, {
      ...RESERVATION,
      customer: SEED.customers.noAzure.id,
      azureSubscription: 'new-azure-plan',
    });

    for (const id of [reservation, software, newPlan]) {
      const card = slack.messages('C0APPROVALS').find((m) => !m.thread_ts && m.text.includes(id))!;
      if (id === software) {
        say('Riya', `clicks Approve on her own request ${id}`);
        await world.inbound.action({
          action_id: 'approve_request',
          message: card,
          channel_id: 'C0APPROVALS',
          user: 'U0REQUEST1',
          value: id,
        });
        await new Promise((r) => setTimeout(r, 300));
      }
      say('Ade', `clicks Approve on ${id}`);
      await world.inbound.action({
        action_id: 'approve_request',
        message: card,
        channel_id: 'C0APPROVALS',
        user: 'U0APPROVE1',
        value: id,
      });
    }

    for (const id of [reservation, software, newPlan]) {
      const r = await waitFor(
        async () => {
          const req = await bot.repo.get(id);
          return req && ['confirmed', 'failed'].includes(req.status) ? req : undefined;
        },
        90_000,
        200,
      );
      if (r.status !== 'confirmed') {
        throw new Error(
          `${id} ended ${r.status}: ${r.status === 'failed' ? (r.failure.pcMessage ?? r.failure.code) : ''}`,
        );
      }
    }

    say('Riya', 'opens the Home tab of the purchase bot');
    const publishes = slack.callsTo('views.publish').length;
    await world.inbound.appHomeOpened({ user: 'U0REQUEST1' });
    await waitFor(() => slack.callsTo('views.publish')[publishes], 10_000, 100);
    show("Riya's App Home", viewToText(slack.homeView('U0REQUEST1')!, { names: NAMES }));

    say(
      'demo',
      'Microsoft closes the billing period: a new one-time invoice appears (it also bills two orders placed earlier in the Partner Center portal, which no request explains)',
    );
    await fetch(`${sim.url}/_sim/invoices/close`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const pdf = await waitFor(
      () => slack.files.find((f) => f.channel === 'C0FINANCE' && f.filename.endsWith('.pdf')),
      30_000,
      200,
    );
    await waitFor(
      async () => ((await bot.repo.get(software))?.invoices?.length ? true : undefined),
      30_000,
      200,
    );
    mkdirSync(OUT_DIR, { recursive: true });
    const file = join(OUT_DIR, pdf.filename);
    writeFileSync(file, pdf.bytes);

    say(
      'demo',
      `done: ${reservation} and ${software} ordered once each, ${newPlan} as two orders (the Azure plan, then the reservation on it), all confirmed in the customers' order lists; invoice PDF saved to ${file} (${pdf.bytes.length} bytes)`,
    );
  } finally {
    await shutdown();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
