#!/usr/bin/env node
// Fails when any file of the repository refers to a path outside it: a clone of the repository
// alone must install, test, lint and run. Part of `npm run lint` (and so of .ci/run).
//
//   node scripts/check-self-contained.mjs [--root DIR]
//
// What counts as leaving the repository:
// - a relative path in a string ('../x', "../../shared/…") that resolves outside the root, taken
//   from the file's own folder;
// - path.join/resolve(__dirname, '..', '..', …) climbing above the root;
// - a mention of the workspace's shared folder (`shared/fixtures`, `shared/data`, `shared/seeds`,
//   `../shared`), which only the original workspace has.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const args = process.argv.slice(2);
const rootArg = args.indexOf('--root');
const root = resolve(
  rootArg >= 0 ? args[rootArg + 1] : join(dirname(new URL(import.meta.url).pathname), '..'),
);

const CODE = /\.(c|m)?(t|j)sx?$|\.ya?ml$|\.json$|(^|\/)Dockerfile$|\.sh$|(^|\/)\.ci\/run$/;
const SKIP =
  /(^|\/)(node_modules|dist|coverage|demo-output)\/|^package-lock\.json$|^test\/fixtures\/|^bench\/results\//;

function files() {
  try {
    const out = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    });
    return out.split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const outside = (p) => {
  const rel = relative(root, p);
  return rel === '..' || rel.startsWith(`..${sep}`) || resolve(p) === resolve(root, '..');
};

/** A module of the repository itself: inside the root, and there (with any script extension). */
const ownModule = (p) =>
  !outside(p) &&
  ['.ts', '.js', '.mjs', '/index.ts'].some((ext) => {
    try {
      return statSync(`${p}${ext}`).isFile();
    } catch {
      return false;
    }
  });

const problems = [];
for (const file of files()) {
  if (!CODE.test(file) || SKIP.test(file)) continue;
  const abs = join(root, file);
  let text;
  try {
    if (!statSync(abs).isFile()) continue;
    text = readFileSync(abs, 'utf8');
  } catch {
    continue;
  }
  // This script and its test quote the very paths they look for.
  if (file === 'scripts/check-self-contained.mjs' || file === 'test/integration/repo-checks.test.ts')
    continue;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    // `../shared` is the workspace's folder unless it names a module of the repository's own
    // (a file such as handlers/shared.ts, imported as '../shared').
    const upShared = /(?:^|[^\w-])((?:\.\.\/)+shared)\b/.exec(line);
    if (
      /\bshared\/(fixtures|data|seeds|research)\b/.test(line) ||
      (upShared && !ownModule(resolve(dirname(abs), upShared[1])))
    ) {
      problems.push(`${where} names the workspace's shared folder: ${line.trim()}`);
      return;
    }
    for (const m of line.matchAll(/['"`]((?:\.\.\/)+[^'"`\s]*)['"`]/g)) {
      if (outside(resolve(dirname(abs), m[1])))
        problems.push(`${where} reaches outside the repository: ${m[1]}`);
    }
    const climb = /__dirname\s*,\s*((?:['"]\.\.['"]\s*,?\s*)+)/.exec(line);
    if (climb) {
      const ups = (climb[1].match(/\.\./g) ?? []).length;
      if (outside(resolve(dirname(abs), ...Array(ups).fill('..')))) {
        problems.push(`${where} climbs ${ups} folders, above the repository: ${line.trim()}`);
      }
    }
  });
}

if (problems.length) {
  process.stderr.write(`The repository must not read outside itself (copy what it needs into it):\n`);
  for (const p of problems) process.stderr.write(`  ${p}\n`);
  process.exit(1);
}
process.stdout.write('self-contained: nothing reads outside the repository\n');
