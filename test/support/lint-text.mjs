// Lints text as if it were the named files, with the repository's ESLint config, and prints each
// file's messages as JSON. A child process because ESLint loads its config by dynamic import, which
// Jest's module sandbox does not allow. Used by test/integration/lint-rules.test.ts.
// stdin: [{ "filePath": "src/x.ts", "code": "…" }]; stdout: [["rule: message", …], …]
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const eslint = new ESLint({
  cwd: new URL('../..', import.meta.url).pathname,
  // The planted files exist only as text: without a TypeScript project, type-aware rules are off.
  overrideConfig: [{ files: ['**/planted-*.ts'], ...tseslint.configs.disableTypeChecked }],
});
const out = [];
for (const { filePath, code } of JSON.parse(input)) {
  const [result] = await eslint.lintText(code, { filePath });
  out.push(result.messages.map((m) => `${m.ruleId}: ${m.message}`));
}
process.stdout.write(JSON.stringify(out));
