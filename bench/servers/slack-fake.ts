/**
 * The Slack fake in a process of its own, so that the Web API calls the bot makes under load do not
 * compete with autocannon for the benchmark process's event loop. Answers IPC messages:
 * `reset` (forget calls and views, so memory stays flat between runs) and `calls` (the recorded
 * calls of a method: trigger id, arrival time, ok).
 */
import { startSlackFake } from '../../fakes/slack';

interface Msg {
  type: string;
  method?: string;
}

async function main(): Promise<void> {
  // Triggers minted by the load generator may wait in a queue longer than Slack's 3 s under load;
  // what is measured is the bot's work, not whether Slack would still accept the trigger.
  // BENCH_SLACK_LATENCY_MS: how far away Slack's Web API is (the fake's `latencyMs`, fakes/slack/latency.ts).
  const fake = await startSlackFake({
    triggerTtlMs: 120_000,
    latencyMs: Number(process.env.BENCH_SLACK_LATENCY_MS ?? '0'),
  });
  process.on('message', (raw: unknown) => {
    const m = raw as Msg;
    if (m.type === 'reset') {
      fake.reset();
      process.send?.({ type: 'reset-done' });
    } else if (m.type === 'calls') {
      const calls = fake.callsTo(m.method ?? '').map((c) => ({
        trigger: typeof c.args.trigger_id === 'string' ? c.args.trigger_id : undefined,
        at: c.at,
        ok: (c.response as { ok?: boolean } | undefined)?.ok === true,
      }));
      const byMethod: Record<string, number> = {};
      for (const c of fake.calls) byMethod[c.method] = (byMethod[c.method] ?? 0) + 1;
      process.send?.({ type: 'calls', calls, byMethod });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: fake.url, apiUrl: fake.apiUrl });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `slack fake failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
