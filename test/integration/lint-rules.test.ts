import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** Each text linted as if it were the named file, with the repository's ESLint config. */
function lint(files: { filePath: string; code: string }[]): string[][] {
  const out = execFileSync(process.execPath, [join(ROOT, 'test/support/lint-text.mjs')], {
    cwd: ROOT,
    input: JSON.stringify(files),
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[][];
}

/**
 * The layering STYLE.md states holds because lint fails on a violation: each case plants one
 * violation in a file of the layer it breaks and expects the rule that guards it. (The planted
 * files exist only as text; their type-aware rules are off so no TypeScript project is needed.)
 */
describe('npm run lint refuses a planted violation', () => {
  const cases: [string, string, string, RegExp][] = [
    [
      'the domain doing I/O',
      'src/purchases/planted-a.ts',
      "import Redis from 'ioredis';\nexport const x = Redis;\n",
      /no-restricted-imports: .*The domain and the Block Kit builders are pure/,
    ],
    [
      'the Block Kit builders reading the store',
      'src/slack/planted-b.ts',
      "import { RequestStore } from '../store/requests';\nexport const x = RequestStore;\n",
      /no-restricted-imports: .*import no store/,
    ],
    [
      'a service holding Redis',
      'src/services/planted-c.ts',
      "import type { Redis } from 'ioredis';\nexport type X = Redis;\n",
      /no-restricted-imports: .*services receive their ports/,
    ],
    [
      'a service holding a queue',
      'src/services/planted-d.ts',
      "import { Queue } from 'bullmq';\nexport const x = Queue;\n",
      /no-restricted-imports: .*services receive their ports/,
    ],
    [
      'a listener calling Partner Center itself',
      'handlers/planted-e.ts',
      "import { request } from 'undici';\nexport const x = request;\n",
      /no-restricted-imports: .*Listeners call services/,
    ],
    [
      'the bot importing the simulator',
      'src/planted-f.ts',
      "import { SEED } from '../fakes/partner-center';\nexport const x = SEED;\n",
      /no-restricted-imports: .*never imports a stand-in/,
    ],
    [
      'the benchmarks importing a test helper',
      'bench/planted-g.ts',
      "import { x } from '../test/support/redis';\nexport const y = x;\n",
      /no-restricted-imports: .*Only tests import from test/,
    ],
    [
      'the simulator importing the bot',
      'fakes/partner-center/planted-h.ts',
      "import { loadConfig } from '../../src/config';\nexport const x = loadConfig;\n",
      /no-restricted-imports: .*simulator stands alone/,
    ],
    [
      'a job reading the environment',
      'jobs/planted-i.ts',
      'export const x = process.env.FOO;\n',
      /no-restricted-properties: .*Only src\/config.ts reads process.env/,
    ],
    [
      'a value import used only as a type',
      'src/store/planted-j.ts',
      "import { Redis } from 'ioredis';\nexport type X = Redis;\n",
      /consistent-type-imports/,
    ],
  ];
  // One ESLint start-up for every case (it takes seconds).
  let results: string[][] = [];
  beforeAll(() => {
    results = lint([
      ...cases.map(([, filePath, code]) => ({ filePath, code })),
      { filePath: 'src/purchases/planted-k.ts', code: 'export const x = 1;\n' },
      {
        filePath: 'src/store/planted-l.ts',
        code: "import type { Redis } from 'ioredis';\nexport type X = Redis;\n",
      },
    ]);
  }, 120_000);

  it.each(cases.map((c, i) => [...c, i] as const))('%s', (_what, _file, _code, rule, i) => {
    expect(results[i]).toEqual([expect.stringMatching(rule)]);
  });

  it('passes the same files without the violation', () => {
    expect(results.slice(cases.length)).toEqual([[], []]);
  });

  it('refuses unformatted code (prettier --check)', () => {
    const formatted = (code: string) =>
      execFileSync(join(ROOT, 'node_modules/.bin/prettier'), ['--stdin-filepath', 'src/planted.ts'], {
        cwd: ROOT,
        input: code,
        encoding: 'utf8',
      });
    expect(formatted('export const x = {a:1}\n')).not.toBe('export const x = {a:1}\n');
    expect(formatted('export const x = { a: 1 };\n')).toBe('export const x = { a: 1 };\n');
  });
});
