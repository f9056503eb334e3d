import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '../../scripts/check-self-contained.mjs');

/** A scratch git repository with the given files, checked by the real script. */
function check(files: Record<string, string>): { status: number | null; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'pcbot-repo-'));
  try {
    execFileSync('git', ['init', '-q'], { cwd: root });
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      writeFileSync(join(root, name), text);
    }
    const res = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
    return { status: res.status, output: `${res.stdout}${res.stderr}` };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('the self-contained check (part of npm run lint)', () => {
  it('passes a repository whose paths stay inside it', () => {
    const res = check({
      'test/unit/a.test.ts':
        "const f = join(__dirname, '..', 'fixtures', 'x.json');\nimport x from '../../src/x';\n",
      'src/x.ts': 'export const x = 1;\n',
    });
    expect(res.status).toBe(0);
  });

  it('passes an import of a module of its own named shared', () => {
    const res = check({
      'handlers/actions/a.ts': "import { openForm } from '../shared';\n",
      'handlers/shared.ts': 'export const openForm = 1;\n',
    });
    expect(res.status).toBe(0);
  });

  it("fails on a mention of the workspace's shared folder next to the repository", () => {
    const res = check({ 'src/a.ts': "// see '../shared/STYLE.md'\n" });
    expect(res.status).toBe(1);
    expect(res.output).toMatch(/names the workspace's shared folder/);
  });

  it("fails on a test that reads the workspace's shared folder", () => {
    const res = check({
      'test/unit/a.test.ts': "const f = path.resolve(__dirname, '../../../shared/fixtures/x.json');\n",
    });
    expect(res.status).toBe(1);
    expect(res.output).toMatch(/test\/unit\/a\.test\.ts:1/);
  });

  it('fails on a path that climbs above the repository', () => {
    const res = check({ 'src/a.ts': "const f = join(__dirname, '..', '..', 'elsewhere.json');\n" });
    expect(res.status).toBe(1);
    expect(res.output).toMatch(/climbs 2 folders/);
  });

  it('fails on a relative string that leaves the repository', () => {
    const res = check({ 'scripts/a.ts': "readFileSync('../../outside/data.csv');\n" });
    expect(res.status).toBe(1);
    expect(res.output).toMatch(/reaches outside the repository/);
  });
});
