// Lint rules for the whole monorepo: typescript-eslint's recommended set, warnings fail CI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', '.tmp/**', '**/*.d.ts'] },
  // Only the repository's own folders: a project made here by `tsgi-admin startproject NAME` (or
  // create-tsgi) is the user's code, with its own tsconfig and rules, not part of this lint.
  { ignores: ['*/', '!packages/', '!examples/', '!bench/', '!scripts/', '!interop/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // On Node 22+ (measured on 24.21) an ESM import of node:http, even of one name, builds its
    // module namespace, whose lazy WebSocket/MessageEvent/CloseEvent getters load node's bundled
    // undici: +14 MB of RSS in every process, fetch used or not. The servers take node:http's
    // values with `process.getBuiltinModule('node:http')` (the exports object; nothing else is
    // touched) and import only its types (bench/README.md, idle rows).
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing/**', '**/test-fixtures/**', '**/test-support/**', '**/testdata/**', 'packages/test-support/**'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [
          ...['node:http', 'http'].map((name) => ({ name, allowTypeImports: true, message: "values through process.getBuiltinModule('node:http'): importing node:http loads node's undici on Node 22+ (+14 MB RSS; see eslint.config.js)" })),
          // node:http2 costs +11 MB of RSS on Node 24 (+2.7 on Node 20), node:tls or node:https +5
          // (+1.3) (bare script, 2026-12-07): loaded where a TLS or HTTP/2 listener is set up, so a
          // process serving plain HTTP does without them.
          ...['node:http2', 'http2', 'node:https', 'https', 'node:tls', 'tls'].map((name) => ({ name, allowTypeImports: true, message: `values through process.getBuiltinModule('${name.replace(/^(node:)?/, 'node:')}') where TLS or HTTP/2 is set up: importing it costs up to +11 MB RSS in every process (see eslint.config.js)` })),
        ],
      }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
