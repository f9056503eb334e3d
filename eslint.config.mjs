import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers, as lint enforces them (STYLE.md "Where things live"; BullMQ guards its own layers the
 * same way, with no-restricted-imports and a cycle check). Each rule says why in its message.
 */

/** Packages that do I/O: the domain and the Block Kit builders stay pure. */
const IO_PACKAGES = [
  '@slack/bolt',
  '@slack/web-api',
  '@slack/socket-mode',
  '@azure/msal-node',
  'undici',
  'bullmq',
  'ioredis',
  'pino',
  'express',
  'raw-body',
  'prom-client',
  'node:fs',
  'node:http',
  'node:https',
  'node:net',
  'node:child_process',
  'fs',
  'http',
  'https',
  'net',
  'child_process',
];
const REDIS_AND_QUEUES = ['bullmq', 'ioredis'];

const paths = (names, message) => names.map((name) => ({ name, message }));
const group = (patterns, message) => ({ group: patterns, message });

const NO_FAKES = group(
  ['**/fakes/**', '**/fakes'],
  'The bot never imports a stand-in (fakes/ is for tests, the demo and benchmarks).',
);
const NO_TESTS = group(['**/test/**'], 'Only tests import from test/.');
const PURE = 'The domain and the Block Kit builders are pure: no I/O.';
const NO_ADAPTERS = group(
  ['**/store', '**/store/**', '**/partner-center', '**/partner-center/**', '**/queues', '**/queues/**'],
  'The domain and the Block Kit builders import no store, Partner Center client or queue: pass them facts.',
);
const NO_OUTER = group(
  ['**/services/**', '**/handlers/**', '**/jobs/**', '**/http/**', '**/main'],
  'Dependencies point inward: the domain imports no service, listener, job or wiring.',
);

/** One no-restricted-imports per file group: flat config replaces a rule's options, it does not merge them. */
const layer = (files, restrictions, extra = {}) => ({
  files,
  ignores: extra.ignores ?? [],
  rules: {
    'no-restricted-imports': [
      'error',
      { paths: restrictions.paths ?? [], patterns: restrictions.patterns ?? [] },
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'coverage/**',
      'demo-output/**',
      'jest.config.js',
      'eslint.config.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  // Every runtime import is a declared dependency (the production install has no devDependencies):
  // the bot and the simulator (which `npm ci --omit=dev && npm run simulator` must run) may use
  // dependencies only; tests, benchmarks, scripts and the Slack fake may use devDependencies too.
  {
    files: ['src/**/*.ts', 'handlers/**/*.ts', 'jobs/**/*.ts', 'fakes/partner-center/**/*.ts'],
    rules: { 'import-x/no-extraneous-dependencies': ['error', { devDependencies: false }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'harness/**/*.ts', 'fakes/slack/**/*.ts'],
    rules: { 'import-x/no-extraneous-dependencies': ['error', { devDependencies: true }] },
  },
  // The domain: pure, and the innermost layer.
  layer(['src/purchases/**/*.ts'], {
    paths: paths(IO_PACKAGES, PURE),
    patterns: [NO_ADAPTERS, NO_OUTER, NO_FAKES, NO_TESTS, group(['**/slack/**'], PURE)],
  }),
  // The Block Kit builders and messages: pure functions of state. The Slack port's adapter is the
  // one file in src/slack that talks to Slack.
  layer(
    ['src/slack/**/*.ts'],
    { paths: paths(IO_PACKAGES, PURE), patterns: [NO_ADAPTERS, NO_OUTER, NO_FAKES, NO_TESTS] },
    { ignores: ['src/slack/adapter.ts'] },
  ),
  // Services: use the store's and the queues' ports, never Redis or BullMQ themselves.
  layer(['src/services/**/*.ts'], {
    paths: paths(
      REDIS_AND_QUEUES,
      'Only src/store and src/queues use Redis and BullMQ; services receive their ports.',
    ),
    patterns: [
      NO_FAKES,
      NO_TESTS,
      group(['**/handlers/**', '**/jobs/**', '**/main'], 'Services do not know their callers.'),
    ],
  }),
  // Listeners: Slack in, one service call, Slack out.
  layer(['handlers/**/*.ts'], {
    paths: paths(
      [...REDIS_AND_QUEUES, 'undici', '@azure/msal-node'],
      'Listeners call services; they reach no Redis, queue or Partner Center themselves.',
    ),
    patterns: [NO_FAKES, NO_TESTS, group(['**/jobs/**'], 'Listeners do not run jobs.')],
  }),
  // Job processors: BullMQ yes (they are its processors), Redis no.
  layer(['jobs/**/*.ts'], {
    paths: paths(
      ['ioredis', 'undici', '@azure/msal-node'],
      'Jobs call services; Redis belongs to src/store.',
    ),
    patterns: [NO_FAKES, NO_TESTS, group(['**/handlers/**'], 'Jobs do not call listeners.')],
  }),
  // The rest of the bot: no stand-ins, no tests.
  layer(
    ['src/**/*.ts'],
    { patterns: [NO_FAKES, NO_TESTS] },
    { ignores: ['src/purchases/**', 'src/slack/**', 'src/services/**'] },
  ),
  // The simulator stands alone (it is started on its own in production images).
  layer(['fakes/partner-center/**/*.ts'], {
    patterns: [
      NO_TESTS,
      group(
        ['**/src/**', '**/handlers/**', '**/jobs/**', '**/fakes/slack/**'],
        'The simulator stands alone: it imports nothing of the bot or of the Slack fake.',
      ),
    ],
  }),
  // The demo, the soak and the benchmarks use the stand-ins, never the tests.
  layer(['scripts/**/*.ts', 'bench/**/*.ts', 'harness/**/*.ts'], { patterns: [NO_TESTS] }),
  // Configuration is read once: only src/config.ts reads the environment.
  {
    files: ['src/**/*.ts', 'handlers/**/*.ts', 'jobs/**/*.ts'],
    ignores: ['src/config.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Only src/config.ts reads process.env; take the Config.',
        },
      ],
    },
  },
  // Plain JavaScript tools (scripts/*.mjs) are outside the TypeScript project: lint them without types.
  {
    files: ['**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', URL: 'readonly' },
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
