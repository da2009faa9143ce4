import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckMessage } from './checks.js';
import { CheckLevel, checkUrlpatterns, formatCheckReport, runChecks } from './checks.js';
import type { SettingsInput } from './settings.js';
import { defineSettings } from './settings.js';
import { include, path, rePath } from '../urls/conf.js';

const GOOD_KEY = 'k'.repeat(10) + 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ';

const ids = (messages: readonly CheckMessage[]) => messages.map((m) => m.id).sort();

describe('system checks', () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'tsgi-checks-'));
    await mkdir(join(base, 'static'));
    await mkdir(join(base, 'templates'));
  });
  after(() => rm(base, { recursive: true, force: true }));

  const settings = (input: SettingsInput) =>
    defineSettings({
      BASE_DIR: base, DEBUG: false, SECRET_KEY: GOOD_KEY, ALLOWED_HOSTS: ['example.com'],
      STATICFILES_DIRS: ['static'], STATIC_ROOT: 'staticfiles', TEMPLATES: { DIRS: ['templates'] },
      ROOT_URLCONF: [], ...input,
    });

  it('a sound configuration has no findings (deploy checks aside)', async () => {
    assert.deepEqual(await runChecks(settings({})), []);
    const report = formatCheckReport([]);
    assert.equal(report.text, 'System check identified no issues (0 silenced).\n');
    assert.equal(report.failed, false);
  });

  it('tsgi.E002: empty SECRET_KEY with DEBUG off (allowed with DEBUG on)', async () => {
    const found = await runChecks(settings({ SECRET_KEY: '' }));
    assert.deepEqual(ids(found), ['tsgi.E002']);
    assert.equal(found[0]!.level, CheckLevel.ERROR);
    assert.match(found[0]!.hint ?? '', /TSGI_SECRET_KEY/);
    assert.deepEqual(await runChecks(settings({ SECRET_KEY: '', DEBUG: true })), []);
  });

  it('tsgi.E003: empty ALLOWED_HOSTS with DEBUG off', async () => {
    const found = await runChecks(settings({ ALLOWED_HOSTS: [] }));
    assert.deepEqual(ids(found), ['tsgi.E003']);
    assert.equal(found[0]!.obj, 'settings.ALLOWED_HOSTS');
    assert.match(found[0]!.hint ?? '', /ALLOWED_HOSTS: \['example\.com'/);
  });

  it('tsgi.E004: unknown middleware names, with a suggestion', async () => {
    const found = await runChecks(settings({ MIDDLEWARE: ['SecurityMiddleware', 'CsrfMiddleware'] as never }));
    assert.deepEqual(ids(found), ['tsgi.E004']);
    assert.match(found[0]!.msg, /Unknown middleware 'CsrfMiddleware'/);
    assert.match(found[0]!.hint ?? '', /Did you mean 'CsrfViewMiddleware'\?/);
    const dup = await runChecks(settings({ MIDDLEWARE: ['CommonMiddleware', 'CommonMiddleware'] }));
    assert.deepEqual(ids(dup), ['tsgi.W002']);
  });

  it('tsgi.E005/E006: STATIC_URL and MEDIA_URL must be a path or URL ending in a slash, and differ', async () => {
    for (const bad of ['static/', '/static', '', '//cdn/static/', 'ftp://x/']) {
      assert.deepEqual(ids(await runChecks(settings({ STATIC_URL: bad }))), ['tsgi.E005'], bad);
    }
    assert.deepEqual(await runChecks(settings({ STATIC_URL: 'https://cdn.example.com/static/' })), []);
    assert.deepEqual(ids(await runChecks(settings({ MEDIA_URL: 'media' }))), ['tsgi.E006']);
    assert.deepEqual(ids(await runChecks(settings({ MEDIA_URL: '/static/' }))), ['tsgi.E006']);
  });

  it('tsgi.E007, staticfiles.W004/E002, templates.W001: directories', async () => {
    assert.deepEqual(ids(await runChecks(settings({ INSTALLED_APPS: ['nope'] }))), ['tsgi.E007']);
    assert.deepEqual(ids(await runChecks(settings({ STATICFILES_DIRS: ['missing'] }))), ['staticfiles.W004']);
    assert.deepEqual(ids(await runChecks(settings({ STATIC_ROOT: 'static' }))), ['staticfiles.E002']);
    assert.deepEqual(ids(await runChecks(settings({ TEMPLATES: { DIRS: ['gone'] } }))), ['templates.W001']);
  });

  it('tsgi.W001 without ROOT_URLCONF; tsgi.E008 when it fails to load', async () => {
    assert.deepEqual(ids(await runChecks(settings({ ROOT_URLCONF: null }))), ['tsgi.W001']);
    const broken = await runChecks(settings({ ROOT_URLCONF: () => { throw new SyntaxError('Unexpected token (3:7)'); } }));
    assert.deepEqual(ids(broken), ['tsgi.E008']);
    assert.match(broken[0]!.msg, /Unexpected token \(3:7\)/);
    // path() itself refuses a leading slash when the URLconf is built: reported the same way.
    const slash = await runChecks(settings({ ROOT_URLCONF: () => [path('/about/', () => new Response(''))] }));
    assert.deepEqual(ids(slash), ['tsgi.E008']);
    assert.match(slash[0]!.msg, /URL route '\/about\/' starts with '\/'/);
  });

  it('URL patterns: leading slash, regex in path(), duplicate names and namespaces, non-patterns', () => {
    const view = () => new Response('');
    const p = (route: string, name?: string) => ({ route, view, name: name ?? null });
    const inc = (route: string, children: unknown[], namespace?: string) => ({ route, urlpatterns: children, namespace: namespace ?? null });
    const found = checkUrlpatterns([
      p('/about/', 'about'),
      p('^old/$'),
      inc('blog/', [p('', 'index'), p('archive/', 'index')], 'blog'),
      inc('news/', [p('', 'index')], 'blog'),
      'not a pattern',
    ]);
    assert.deepEqual(ids(found), ['urls.E004', 'urls.W002', 'urls.W005', 'urls.W006', 'urls.W010']);
    assert.match(found.find((m) => m.id === 'urls.W002')!.msg, /'\/about\/' \[name='about'\] has a route beginning with a '\/'/);
    assert.match(found.find((m) => m.id === 'urls.W006')!.msg, /'blog:index' is used by 3 patterns/);
    assert.deepEqual(checkUrlpatterns({ urlpatterns: [p('ok/', 'ok')] }), []);
    assert.deepEqual(ids(checkUrlpatterns({ nothing: true })), ['urls.E004']);
  });

  it('reads the resolver\'s own path()/rePath()/include() objects', () => {
    const view = () => new Response('');
    const found = checkUrlpatterns([
      path('', view, { name: 'home' }),
      rePath('^/legacy/$', view, { name: 'legacy' }),
      path('blog/', include([path('', view, { name: 'index' }), path('all/', view, { name: 'index' })], { namespace: 'blog' })),
      path('news/', include([path('', view, { name: 'index' })], { namespace: 'blog' })),
    ]);
    assert.deepEqual(ids(found), ['urls.W002', 'urls.W005', 'urls.W006']);
    assert.match(found.find((m) => m.id === 'urls.W006')!.msg, /'blog:index' is used by 3 patterns \('blog\/', 'blog\/all\/', 'news\/'\)/);
  });

  it('--deploy adds the security checks a production site must pass', async () => {
    const weak = settings({ SECRET_KEY: 'tsgi-insecure-' + GOOD_KEY, DEBUG: true });
    const found = ids(await runChecks(weak, { deploy: true }));
    for (const id of ['security.W004', 'security.W008', 'security.W009', 'security.W012', 'security.W016', 'security.W018']) {
      assert.ok(found.includes(id), `${id} in ${found.join(', ')}`);
    }
    assert.ok(!(await runChecks(weak)).some((m) => m.id.startsWith('security.')), 'security checks only with deploy');
    const hardened = settings({
      SECURE_HSTS_SECONDS: 31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS: true, SECURE_HSTS_PRELOAD: true,
      SECURE_SSL_REDIRECT: true, SESSION_COOKIE_SECURE: true, CSRF_COOKIE_SECURE: true,
    });
    assert.deepEqual(await runChecks(hardened, { deploy: true }), []);
    assert.deepEqual(ids(await runChecks(settings({ MIDDLEWARE: [] }), { deploy: true })), ['security.W001', 'security.W002', 'security.W003']);
    assert.deepEqual(ids(await runChecks(settings({ SECURE_REFERRER_POLICY: 'nope', SECURE_HSTS_SECONDS: 1, SECURE_HSTS_INCLUDE_SUBDOMAINS: true, SECURE_HSTS_PRELOAD: true, SECURE_SSL_REDIRECT: true, SESSION_COOKIE_SECURE: true, CSRF_COOKIE_SECURE: true }), { deploy: true })), ['security.E023']);
  });

  it('the report reads like Django and fails only at the fail level', async () => {
    const messages = await runChecks(settings({ ALLOWED_HOSTS: [], STATICFILES_DIRS: ['missing'] }));
    const report = formatCheckReport(messages);
    assert.equal(report.failed, true);
    assert.match(report.text, /^SystemCheckError: System check identified some issues:\n\nERRORS:\nsettings\.ALLOWED_HOSTS: \(tsgi\.E003\) /);
    assert.match(report.text, /\n\tHINT: List the host names/);
    assert.match(report.text, /WARNINGS:\nsettings\.STATICFILES_DIRS: \(staticfiles\.W004\)/);
    assert.match(report.text, /System check identified 2 issues \(0 silenced\)\.\n$/);
    const warningsOnly = formatCheckReport(messages.filter((m) => m.level < CheckLevel.ERROR));
    assert.equal(warningsOnly.failed, false);
    assert.equal(formatCheckReport(messages.filter((m) => m.level < CheckLevel.ERROR), CheckLevel.WARNING).failed, true);
  });
});
