import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envSchema } from '../../src/config';

/**
 * The README's configuration table and .env.example stay true: every variable the bot reads is
 * documented, and every variable the example names is one the bot reads.
 */
const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const EXAMPLE = readFileSync(join(ROOT, '.env.example'), 'utf8');
/** Read by libraries or the runtime, not by the bot's own settings. */
const NOT_SETTINGS = new Set(['NODE_ENV']);

const variables = Object.keys(envSchema.shape).filter((v) => !NOT_SETTINGS.has(v));

describe('the documentation of the configuration', () => {
  it.each(variables)('the README documents %s', (name) => {
    expect(README).toContain(`\`${name}\``);
  });

  it('.env.example names only variables the bot reads', () => {
    const named = [...EXAMPLE.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((n) => !variables.includes(n))).toEqual([]);
  });
});
