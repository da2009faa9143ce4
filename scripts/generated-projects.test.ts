/**
 * A project made inside this repository (`tsgi-admin startproject mysite` at the root, as the
 * README's tutorial goes) is the user's code: the repository's lint and typecheck leave it alone,
 * while every folder of the repository itself stays covered.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('..', import.meta.url));

test('npm run lint ignores a project generated at the root, and still lints the repository', async () => {
  const eslint = new ESLint({ cwd: root });
  for (const path of ['mysite/manage.ts', 'mysite/mysite/views.ts', 'blog/urls.ts']) {
    assert.equal(await eslint.isPathIgnored(join(root, path)), true, `${path} is not the repository's`);
  }
  for (const path of ['packages/tsgi/src/index.ts', 'examples/mysite/manage.ts', 'examples/mysite/mysite/views.ts', 'scripts/pack.ts', 'bench/run.mjs', 'eslint.config.js']) {
    assert.equal(await eslint.isPathIgnored(join(root, path)), false, `${path} is linted`);
  }
});

test('npm run typecheck (tsc -b) compiles only the referenced projects, never a folder at the root', () => {
  const config = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { files?: unknown[]; include?: unknown; references: Array<{ path: string }> };
  assert.deepEqual(config.files, [], 'the root tsconfig compiles no file of its own');
  assert.equal(config.include, undefined);
  for (const { path } of config.references) assert.match(path, /^(?:packages\/[a-z-]+|examples|bench|scripts|interop)$/);
});

test('a project made inside the repository runs without an install of its own, and says so', async (t) => {
  const bin = join(root, 'packages/framework/bin/tsgi-admin.js');
  if (!existsSync(join(root, 'packages/framework/dist/cli.js'))) {
    t.skip('packages/framework/dist is not built (npx tsc -b)');
    return;
  }
  // .tmp/ is the repository's scratch folder (gitignored); the lookup from it reaches the root's node_modules.
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const scratch = mkdtempSync(join(root, '.tmp', 'generated-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));
  const run = (args: string[], cwd: string) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000 });

  const made = run([bin, 'startproject', 'insite'], scratch);
  assert.equal(made.status, 0, made.stderr);
  assert.ok(made.stdout.includes(`No npm install needed: it uses the packages in ${join(root, 'node_modules')}.`), made.stdout);
  assert.doesNotMatch(made.stdout, /npm install\n/);
  const project = join(scratch, 'insite');
  assert.equal(existsSync(join(project, 'node_modules')), false);

  const checked = run(['--import', 'tsx', 'manage.ts', 'check'], project);
  assert.equal(checked.status, 0, checked.stderr);
  assert.match(checked.stdout, /System check identified no issues/);
  const typed = run([join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.'], project);
  assert.equal(typed.status, 0, typed.stdout + typed.stderr);
});
