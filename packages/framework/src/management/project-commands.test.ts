/**
 * Acceptance: a project made by `tsgi-admin startproject` type-checks with its own tsconfig,
 * passes or fails `check --deploy` as it should and collects its static files — real processes.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeProject, REPO_ROOT, run } from './testing/processes.js';

describe('a project made by startproject: its other commands', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  const manage = (args: string[], env: NodeJS.ProcessEnv = {}) => run(['manage.ts', ...args], { cwd: root, env });

  before(async () => {
    ({ root, cleanup } = await makeProject('mysite'));
  });
  after(() => cleanup?.());

  it('typechecks with its own tsconfig.json (strict, NodeNext)', async (t) => {
    try {
      await stat(join(REPO_ROOT, 'packages/framework/dist/management/index.d.ts'));
    } catch {
      t.skip('packages/framework/dist is not built (npx tsc -b): the project type-checks against the published types');
      return;
    }
    const result = await run([join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', root], { cwd: root, timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it('`check --deploy` adds the security checks', async () => {
    const r = await manage(['check', '--deploy']);
    assert.equal(r.code, 0, 'warnings only');
    for (const id of ['security.W004', 'security.W008', 'security.W009', 'security.W012', 'security.W016', 'security.W018']) {
      assert.match(r.stderr, new RegExp(`\\(${id.replace('.', '\\.')}\\)`), id);
    }
    const strict = await manage(['check', '--deploy', '--fail-level', 'WARNING']);
    assert.equal(strict.code, 1);
  });

  it('`diffsettings` shows what the project changed, secrets masked', async () => {
    const r = await manage(['diffsettings']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^DEBUG = true$/m);
    assert.match(r.stdout, /^STATIC_ROOT = '.*staticfiles'$/m);
    assert.match(r.stdout, /^SECRET_KEY = '\*{20}'$/m);
    assert.doesNotMatch(r.stdout, /tsgi-insecure-/, 'the key itself is never printed');
    assert.doesNotMatch(r.stdout, /^APPEND_SLASH/m, 'defaults are left out');
    assert.match((await manage(['diffsettings', '--all'])).stdout, /^APPEND_SLASH = true$/m);
  });

  it('`showurls` lists the URL patterns with views and names', async () => {
    const r = await manage(['showurls']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'route  view  name\n/      home  home\n');
  });

  it('`collectstatic` copies static files into STATIC_ROOT', async () => {
    const r = await manage(['collectstatic']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 static file copied to '.*staticfiles', 0 unmodified, 1 hashed; staticfiles\.json written\./);
    assert.equal(await readFile(join(root, 'staticfiles/site.css'), 'utf8'), await readFile(join(root, 'static/site.css'), 'utf8'));
    const { paths } = JSON.parse(await readFile(join(root, 'staticfiles/staticfiles.json'), 'utf8')) as { paths: Record<string, string> };
    assert.match(paths['site.css'] ?? '', /^site\.[0-9a-f]{12}\.css$/);
    assert.match((await manage(['collectstatic'])).stdout, /0 static files copied to .*, 1 unmodified, 0 hashed; staticfiles\.json unchanged\./);
  });
});
