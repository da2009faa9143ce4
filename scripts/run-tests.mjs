#!/usr/bin/env node
// Runs every `*.test.ts` under packages/, examples/, bench/, scripts/ and interop/ with node:test through tsx.
// Node 20's --test takes no globs, so the files are listed here. Usage:
//   node scripts/run-tests.mjs [path-filter ...]   e.g. `npm run test:only -- packages/tsgi`
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const roots = ['packages', 'examples', 'bench', 'scripts', 'interop'];
const skip = new Set(['node_modules', 'dist', '.tmp']);

function find(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) find(path, out);
    else if (entry.name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((r) => find(join(root, r), []))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
// `source` makes workspace packages resolve to their TypeScript sources, so tests never run stale builds.
// `--test-force-exit`: a file whose tests have all finished ends even if a failed test left a server
// process or a timer behind; without it one red test could hold the whole run until CI's limit.
const args = ['--conditions=source', '--import', 'tsx', '--test', '--test-concurrency=2', '--test-force-exit', ...files];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, TSGI_TEST: '1' } });
process.exit(result.status ?? 1);
