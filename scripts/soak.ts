/**
 * `npm run soak -- --cycles N [--seed S] [--faults LIST] [--concurrency C]`
 *
 * Request → approve → checkout → confirm cycles under random, seeded faults (see scripts/soak/lib.ts).
 * `--faults` is a comma-separated list of fault kinds (FAULT_KINDS; all of them when absent).
 * Prints a progress line a minute, then cycles, faults by kind, duplicate orders, orders with no request, lost and unfinished
 * requests; exits 1 when any of those is not zero.
 */
import { parseArgs } from 'node:util';
import { formatReport, parseFaultKinds, runSoak, soakFailed } from './soak/lib';

/** A bad command line: said in one line, without a stack trace. */
class UsageError extends Error {}

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

async function main(): Promise<void> {
  const { values } = usage(() =>
    parseArgs({
      options: {
        cycles: { type: 'string', default: '50' },
        seed: { type: 'string' },
        concurrency: { type: 'string', default: '4' },
        faults: { type: 'string' },
        'fault-interval': { type: 'string', default: '300-1200' },
        quiet: { type: 'boolean', default: false },
      },
    }),
  );
  const int = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be a whole number ≥ ${min}`);
    return n;
  };
  const cycles = int('cycles', values.cycles, 1);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : int('seed', values.seed, 0);
  const concurrency = int('concurrency', values.concurrency, 1);
  const faults = usage(() => parseFaultKinds(values.faults));
  const [lo, hi] = (values['fault-interval'] ?? '').split('-').map(Number);
  if (lo === undefined || hi === undefined || !(lo >= 50) || !(hi >= lo))
    throw new UsageError('--fault-interval is MIN-MAX in ms, e.g. 400-1600');

  const report = await runSoak({
    cycles,
    seed,
    concurrency,
    faults,
    faultIntervalMs: [lo, hi],
    log: values.quiet ? undefined : (line) => process.stdout.write(`${line}\n`),
    progress: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`\n${formatReport(report)}\n`);
  const failed = soakFailed(report);
  process.stdout.write(failed ? `\nSOAK FAILED (seed ${seed})\n` : '\nsoak passed\n');
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`soak: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `soak could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(2);
});
