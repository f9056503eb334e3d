/**
 * The soak's worker process: `src/main.ts` with ROLE=worker, except that the Partner Center timeout
 * is short (SOAK_PC_TIMEOUT_MS). The bot reads that timeout from code, not from the environment, and
 * its 30 s default would turn every injected timeout into half a minute of a held worker slot.
 * No signal handlers: the soak only ever stops this process with SIGKILL.
 */
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { startBot } from '../../src/main';

async function run(): Promise<void> {
  const config = loadConfig();
  const timeoutMs = Number(process.env.SOAK_PC_TIMEOUT_MS ?? '2000');
  await startBot(config, { logger: pino({ level: config.logLevel }), partnerCenterTimeoutMs: timeoutMs });
}

run().catch((err: unknown) => {
  process.stderr.write(
    `soak worker failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
