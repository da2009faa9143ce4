/**
 * Acceptance: a project made by `tsgi-admin startproject` (in a temp directory, resolving this
 * checkout's packages through a symlinked node_modules) passes `manage.ts check` as generated,
 * and fails it with the right id for each misconfiguration — real processes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeProject, run, withEdit } from './testing/processes.js';

describe('a project made by startproject: manage.ts check', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  const manage = (args: string[], env: NodeJS.ProcessEnv = {}) => run(['manage.ts', ...args], { cwd: root, env });

  before(async () => {
    ({ root, cleanup } = await makeProject('mysite'));
  });
  after(() => cleanup?.());

  it('passes `manage.ts check` as generated', async () => {
    const result = await manage(['check']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'System check identified no issues (0 silenced).\n');
  });

  it('`check` catches each misconfiguration with its id and a non-zero exit', async () => {
    const production = { TSGI_DEBUG: '0' };
    const noHosts = await manage(['check'], production);
    assert.equal(noHosts.code, 1);
    assert.match(noHosts.stderr, /settings\.ALLOWED_HOSTS: \(tsgi\.E003\) ALLOWED_HOSTS is empty and DEBUG is false/);
    const hosts = { ...production, TSGI_ALLOWED_HOSTS: 'example.com' };

    await withEdit(root, 'mysite/settings.ts', (t) => t.replace(/SECRET_KEY: .*,/, "SECRET_KEY: '',"), async () => {
      const r = await manage(['check'], hosts);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(tsgi\.E002\) The SECRET_KEY setting must not be empty when DEBUG is false\./);
    });
    await withEdit(root, 'mysite/settings.ts', (t) => t.replace("'CsrfViewMiddleware'", "'CsrfMiddleware'"), async () => {
      const r = await manage(['check']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(tsgi\.E004\) Unknown middleware 'CsrfMiddleware' in MIDDLEWARE\.\n\tHINT: Did you mean 'CsrfViewMiddleware'\?/);
    });
    await withEdit(root, 'mysite/settings.ts', (t) => t.replace("DEBUG: process.env.TSGI_DEBUG !== '0'", "DEBUG: 'yes' as unknown as boolean"), async () => {
      const r = await manage(['check']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /CommandError: \(tsgi\.E001\) .*settings\.ts: settings\.DEBUG must be a boolean, got "yes"/);
    });
    await withEdit(root, 'mysite/urls.ts', (t) => t.replace("path('', home, { name: 'home' }),", "path('', home, { name: 'home' }),\n  path('again/', home, { name: 'home' }),"), async () => {
      const r = await manage(['check']);
      assert.equal(r.code, 0, 'a warning alone does not fail');
      assert.match(r.stderr, /\(urls\.W006\) URL name 'home' is used by 2 patterns \('', 'again\/'\)/);
      assert.equal((await manage(['check', '--fail-level', 'WARNING'])).code, 1);
    });
    await withEdit(root, 'mysite/tsgi.ts', (t) => t.replace('export const application = getTsgiApplication(settings);', 'export const app = getTsgiApplication(settings);'), async () => {
      const r = await manage(['check']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /tsgi\.ts: \(tsgi\.E009\) The application .*tsgi\.ts:application does not load: .*has no TSGI application named 'application'/);
    });
    await withEdit(root, 'mysite/views.ts', (t) => `${t}\nexport const broken = ;\n`, async () => {
      const r = await manage(['check']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(tsgi\.E008\) ROOT_URLCONF failed to load: .*views\.ts:\d+:\d+/s);
    });
  });
});
