import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Envelope<T = unknown> {
  name: string;
  mode: 'full' | 'quick';
  at: string;
  machine: string;
  data: T;
}

export interface Row {
  measure: string;
  bot: string;
  baseline: string;
  ratio: string;
  goal: string;
  met: boolean | undefined;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- results are our own JSON, read back loosely */
type Any = any;

export function loadResults(dir: string): Record<string, Envelope<Any>> {
  const out: Record<string, Envelope<Any>> = {};
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const e = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Envelope<Any>;
    out[e.name] = e;
  }
  return out;
}

const x = (r: number): string => (Number.isFinite(r) ? `×${r.toFixed(2)}` : 'n/a');
const ms = (v: number): string =>
  Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v.toFixed(v >= 10 ? 1 : 2)) : 'n/a';
const trio = (s: { p50: number; p99: number; max: number }): string =>
  `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`;
const ENDPOINT: Record<string, string> = {
  command: '`/purchase`',
  button: 'Approve button',
  options: '`customer` option load',
};

export function summaryRows(r: Record<string, Envelope<Any>>): Row[] {
  const rows: Row[] = [];
  const ack = r['ack-latency']?.data;
  if (ack) {
    for (const row of ack.rows as Any[]) {
      rows.push({
        measure: `ack ${ENDPOINT[row.endpoint as string] ?? String(row.endpoint)}, ${row.rate ? `${row.rate} req/s open loop` : `${row.connections} conn`}: p50 / p99 / max ms`,
        bot: trio(row.bot.latency),
        baseline: trio(row.bare.latency),
        ratio: `${x(row.ratio.p50)} / ${x(row.ratio.p99)} / ${x(row.ratio.max)}`,
        goal: 'p99 ≤ ×1.2',
        met: row.ratio.p99 <= 1.2,
      });
    }
  }
  const views = r['views-open']?.data;
  if (views) {
    for (const row of views.rows as Any[]) {
      rows.push({
        measure: `\`/purchase\` → \`views.open\` at the Slack fake, ${row.concurrency} at a time: p50 / p99 ms`,
        bot: `${ms(row.bot.p50)} / ${ms(row.bot.p99)}`,
        baseline: `${ms(row.bare.p50)} / ${ms(row.bare.p99)}`,
        ratio: `${x(row.ratio.p50)} / ${x(row.ratio.p99)}`,
        goal: 'p99 ≤ 300 ms',
        met: row.bot.p99 <= 300,
      });
    }
  }
  const opt = r['options-5000']?.data;
  if (opt) {
    rows.push({
      measure: `\`sku\` option load, ${opt.skus} extra SKUs, cold (cache flushed): p50 / p99 ms`,
      bot: `${ms(opt.cold.p50)} / ${ms(opt.cold.p99)}`,
      baseline: `${ms(opt.bare.p50)} / ${ms(opt.bare.p99)}`,
      ratio: `${x(opt.cold.p50 / opt.bare.p50)} / ${x(opt.cold.p99 / opt.bare.p99)}`,
      goal: '—',
      met: undefined,
    });
    rows.push({
      measure: `\`sku\` option load, ${opt.skus} extra SKUs, cached: p50 / p99 ms (1 / 10 at a time)`,
      bot: `${ms(opt.cached.p50)} / ${ms(opt.cached.p99)} (c10 p99 ${ms(opt.cachedConcurrency10.p99)})`,
      baseline: `${ms(opt.bare.p50)} / ${ms(opt.bare.p99)} (c10 p99 ${ms(opt.bareConcurrency10.p99)})`,
      ratio: `${x(opt.ratio.cachedP99)} (c10 ${x(opt.ratio.cachedC10P99)})`,
      goal: 'p99 ≤ 100 ms',
      met: opt.cached.p99 <= 100 && opt.cachedConcurrency10.p99 <= 100,
    });
  }
  const pipeRuns: Any[] = (r.pipeline?.data?.runs as Any[] | undefined) ?? [];
  for (const pipe of pipeRuns) {
    const limit =
      pipe.clientLimit === 'unset'
        ? 'no client-side limit (default)'
        : `\`PARTNER_CENTER_RATE_LIMIT=${pipe.clientLimit}\``;
    rows.push({
      measure: `${pipe.requests} approved purchases, simulator ${pipe.simulator.latencyMs} ms + ${pipe.simulator.rateLimit}, ${limit}: total s`,
      bot: `${pipe.totalS}`,
      baseline: `${pipe.boundS} (calls made ÷ rate)`,
      ratio: x(pipe.ratioToBound),
      goal: '≤ ×1.1',
      met: pipe.ratioToBound <= 1.1 && !pipe.timedOut,
    });
    rows.push({
      measure: `… Partner Center calls per purchase (all / not throttled)`,
      bot: `${pipe.calls.perPurchase} / ${pipe.calls.usefulPerPurchase}`,
      baseline: '4 (availability, cart, checkout, order list)',
      ratio: x(pipe.calls.usefulPerPurchase / 4),
      goal: '—',
      met: undefined,
    });
    rows.push({
      measure: '… share of Partner Center calls answered 429',
      bot: `${(pipe.throttledShare * 100).toFixed(1)} %`,
      baseline: '0 %',
      ratio: 'n/a',
      goal: '≤ 1 %',
      met: pipe.throttledShare <= 0.01,
    });
    rows.push({
      measure: '… confirmation lateness: p50 / p99 / max ms',
      bot: trio(pipe.confirmationLatenessMs),
      baseline: '—',
      ratio: 'n/a',
      goal: '—',
      met: undefined,
    });
  }
  const budget = r.pipeline?.data?.budget;
  if (budget) {
    rows.push({
      measure: `the \`PARTNER_CENTER_RATE_LIMIT\` budget alone (${budget.limit}, 8 callers): grants per second / most in any second`,
      bot: `${budget.admittedPerSec} / ${budget.maxInAnySecond}`,
      baseline: `${budget.configuredPerSec} / ${budget.configuredPerSec + budget.burstAllowed} (as configured, + burst)`,
      ratio: x(budget.admittedPerSec / budget.configuredPerSec),
      goal: '≤ configured',
      met:
        budget.admittedPerSec <= budget.configuredPerSec * 1.02 &&
        budget.maxInAnySecond <= budget.configuredPerSec + budget.burstAllowed,
    });
  }
  const reg = r.registration?.data;
  if (reg) {
    rows.push({
      measure: `worker slots held while ${reg.requests} reservations wait ${reg.registrationDelayMs} ms for registration: mean / max`,
      bot: `${reg.whileWaiting.activeMean} / ${reg.whileWaiting.activeMax} (poll calls alone: ${reg.whileWaiting.pollCallsOnly}; delayed jobs: ${reg.whileWaiting.delayedMean})`,
      baseline: `${reg.baselineSleepingWorkerSlots} (jobs that sleep)`,
      ratio: x(reg.whileWaiting.activeMean / reg.baselineSleepingWorkerSlots),
      goal: "0 besides the polls' own calls",
      // Nothing held beyond the polls' own HTTP calls (with a little slack for Redis round trips).
      met: reg.whileWaiting.activeMean <= reg.whileWaiting.pollCallsOnly * 1.5 + 0.1,
    });
    rows.push({
      measure: 'registration-status polls per reservation',
      bot: `${reg.pollsPerRequest} (${reg.registrationStatusPolls} for ${reg.registrationsStarted} registration)`,
      baseline: '—',
      ratio: 'n/a',
      goal: '—',
      met: undefined,
    });
  }
  const late = r['confirmation-lateness']?.data;
  if (late) {
    rows.push({
      measure: `confirmation lateness (confirmed − ordered − ${late.delayMs} ms), ${late.requests} orders: p50 / p99 / max ms`,
      bot: `${trio(late.bot)}${late.botJobStartLateness ? ` (job start late p50 ${ms(late.botJobStartLateness.p50)}, job ran p50 ${ms(late.botJobRunMs.p50)})` : ''}`,
      baseline: `${trio(late.bareBullmq)} (bare BullMQ delayed job)`,
      ratio: `${x(late.ratio.p50)} / ${x(late.ratio.p99)}`,
      goal: '—',
      met: undefined,
    });
  }
  const mem = r.rss?.data;
  if (mem) {
    rows.push({
      measure: 'RSS of the web process, idle: MB',
      bot: `${mem.bot.idleMb}`,
      baseline: `${mem.bare.idleMb}`,
      ratio: x(mem.bot.idleMb / mem.bare.idleMb),
      goal: '—',
      met: undefined,
    });
    rows.push({
      measure: 'RSS of the web process, under ack load: MB (max)',
      bot: `${mem.bot.loadMaxMb}`,
      baseline: `${mem.bare.loadMaxMb}`,
      ratio: x(mem.bot.loadMaxMb / mem.bare.loadMaxMb),
      goal: '—',
      met: undefined,
    });
  }
  for (const pipe of pipeRuns) {
    rows.push({
      measure: `RSS of the worker process, idle / during the ${pipe.requests} purchases (client limit ${pipe.clientLimit}): MB`,
      bot: `${pipe.workerRss.idleMb} / ${pipe.workerRss.loadMaxMb}`,
      baseline: '—',
      ratio: 'n/a',
      goal: '—',
      met: undefined,
    });
  }
  return rows;
}

export function markdownTable(rows: Row[]): string {
  const head = '| Measure | Bot | Baseline | Ratio | Goal | Met |\n|---|---|---|---|---|---|';
  const body = rows.map(
    (r) =>
      `| ${r.measure} | ${r.bot} | ${r.baseline} | ${r.ratio} | ${r.goal} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`,
  );
  return [head, ...body].join('\n');
}

/** The ack runs in full: throughput and errors next to the latencies. */
export function ackDetailTable(r: Record<string, Envelope<Any>>): string {
  const ack = r['ack-latency']?.data;
  if (!ack) return '';
  const head =
    '| Endpoint | Conn | Bare p50 / p99 / max ms | Bare req/s | Bot p50 / p99 / max ms | Bot req/s | Bot non-2xx / errors |\n|---|---|---|---|---|---|---|';
  const body = (ack.rows as Any[]).map(
    (row) =>
      `| ${ENDPOINT[row.endpoint as string] ?? String(row.endpoint)} | ${row.connections}${row.rate ? ` at ${row.rate}/s` : ''} | ${trio(row.bare.latency)} | ${row.bare.rps} | ${trio(row.bot.latency)} | ${row.bot.rps} | ${row.bot.non2xx} / ${row.bot.errors + row.bot.timeouts} |`,
  );
  return [head, ...body].join('\n');
}

export function writeBenchmarksMd(path: string, results: Record<string, Envelope<Any>>, notes: string): void {
  const rows = summaryRows(results);
  const envs = Object.values(results);
  const newest =
    envs
      .map((e) => e.at)
      .sort()
      .at(-1) ?? '';
  const modes = [...new Set(envs.map((e) => e.mode))].join(', ');
  const machine = envs[0]?.machine ?? '';
  const text = `# Benchmarks

\`npm run bench\` (about 9 minutes on 2 cores; \`npm run bench -- --quick\` for a short run, \`--only web,pipeline,registration,lateness\` for some sections, \`--help\` for the sizes). It starts its own \`redis-server\` (or uses \`REDIS_URL\`), writes each section to \`bench/results/<name>.json\`, prints the table below and rewrites this file.

Last run: ${newest} (${modes} mode) on ${machine}.

${markdownTable(rows)}

"Bot" is this bot, "Baseline" what the same measurement gives for the reference named in the cell, measured in the same run on the same machine; "Ratio" is bot ÷ baseline. "Met" is blank where no goal was set.

## Ack latency in full

${ackDetailTable(results)}

${notes}
`;
  writeFileSync(path, text);
}
