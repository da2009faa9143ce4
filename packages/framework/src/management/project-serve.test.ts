/**
 * Acceptance, part 2: the same kind of project served by runserver (static files, reload,
 * keep-last-good), tsgi-appserver, srvx and the test client, and grown by startapp, over real
 * processes and sockets.
 */
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { TsgiAppObject } from 'tsgi';
import { APPSERVER_ENTRY, LiveProcess, makeProject, pollUntil, run, withEdit } from './testing/processes.js';
import { serveOnSrvx } from './testing/srvx-adapter.js';
import type { TsgiApplication } from '../core/handler.js';
import { Client } from '../test/client.js';

const WELCOME = /The install worked successfully! Congratulations!/;

describe('a project made by startproject: served', () => {
  let root: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    ({ root, cleanup } = await makeProject('mysite'));
  });
  after(() => cleanup?.());

  const manage = (args: string[], env: NodeJS.ProcessEnv = {}) => run(['manage.ts', ...args], { cwd: root, env });

  it('is served by `manage.ts runserver`, with static files, and restarts on a change (keeping the last good code on a syntax error)', async () => {
    const server = new LiveProcess(['manage.ts', 'runserver', '127.0.0.1:0'], { cwd: root });
    try {
      const [, url] = await server.waitFor(/Starting development server at (http:\/\/\S+)\//);
      const home = await fetch(`${url}/`);
      assert.equal(home.status, 200);
      assert.match(await home.text(), WELCOME);
      assert.match(home.headers.get('x-frame-options') ?? '', /DENY/);

      const css = await fetch(`${url}/static/site.css`);
      assert.equal(css.status, 200);
      assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
      const etag = css.headers.get('etag') ?? '';
      assert.match(etag, /^"/);
      await css.text();
      const again = await fetch(`${url}/static/site.css`, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      assert.equal((await fetch(`${url}/static/%2e%2e/mysite/settings.ts`)).status, 404);
      await server.waitFor(/"GET \/static\/site\.css HTTP\/1\.1" 304/);

      // A second server on the same port cannot start: it says why and exits non-zero.
      const busy = await run(['manage.ts', 'runserver', new URL(url!).host], { cwd: root });
      assert.equal(busy.code, 1, busy.stdout + busy.stderr);
      assert.match(busy.stderr, /EADDRINUSE/);
      assert.match(busy.stderr, /The server could not start; exiting\./);

      const views = join(root, 'mysite/views.ts');
      const original = await readFile(views, 'utf8');
      const v2 = `import { HttpResponse } from 'tsgi-framework';\nexport function home() {\n  return new HttpResponse('version two');\n}\n`;
      let mark = server.output.length;
      await writeFile(views, v2);
      await server.waitFor(/views\.ts changed, reloading\./, 30_000, mark);
      await pollUntil(`${url}/`, (body) => body === 'version two');

      mark = server.output.length;
      await writeFile(views, `${v2}export const broken = ;\n`);
      await server.waitFor(/the last good version keeps serving/, 30_000, mark);
      assert.match(server.output.slice(mark), /views\.ts:\d+:\d+/, 'the error names file, line and column');
      assert.equal(await (await fetch(`${url}/`)).text(), 'version two');

      mark = server.output.length;
      await writeFile(views, original);
      await server.waitFor(/Starting development server/, 30_000, mark);
      await pollUntil(`${url}/`, (body) => WELCOME.test(body));
    } finally {
      const code = await server.stop();
      assert.equal(code, 0, server.output);
    }
  });

  it('is served by tsgi-appserver from mysite/tsgi.ts:application', async (t) => {
    try {
      await stat(APPSERVER_ENTRY);
    } catch {
      t.skip(`tsgi-appserver's CLI entry is missing (${APPSERVER_ENTRY})`);
      return;
    }
    const appserver = new LiveProcess([APPSERVER_ENTRY, '-b', '127.0.0.1:0', '-w', '1', 'mysite/tsgi.ts:application'], { cwd: root });
    try {
      const [, url] = await appserver.waitFor(/Listening at: (http:\/\/[\d.:]+)/);
      await appserver.waitFor(/Ready: 1 worker/);
      const home = await fetch(`${url}/`);
      assert.equal(home.status, 200);
      assert.match(await home.text(), WELCOME);
      // DEBUG static serving is runserver's job; the app server answers the app's 404.
      assert.equal((await fetch(`${url}/nope/`)).status, 404);
    } finally {
      await appserver.stop();
    }
  });

  it('is served by srvx (a third-party fetch server) unchanged', async () => {
    const module = (await import(pathToFileURL(join(root, 'mysite/tsgi.ts')).href)) as { application: TsgiAppObject };
    const server = await serveOnSrvx(module.application);
    try {
      const home = await fetch(`${server.url}/`);
      assert.equal(home.status, 200);
      assert.match(await home.text(), WELCOME);
      // fetch() will not send a foreign Host; node:http will.
      const status = await new Promise<number>((resolve, reject) => {
        const { hostname, port } = new URL(server.url);
        httpRequest({ hostname, port, path: '/', headers: { host: 'evil.example' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject).end();
      });
      assert.equal(status, 400, 'a Host outside ALLOWED_HOSTS never reaches the view');
    } finally {
      await server.close();
    }
  });

  it('is served through the framework\'s test client (whole middleware stack, in process)', async () => {
    const module = (await import(pathToFileURL(join(root, 'mysite/tsgi.ts')).href)) as { application: TsgiApplication };
    const client = new Client(module.application);
    const home = await client.get('/');
    assert.equal(home.status, 200);
    assert.match(home.text, WELCOME);
    assert.equal(home.headers.get('x-frame-options'), 'DENY', 'the default MIDDLEWARE ran');
    assert.equal(home.request.resolverMatch?.viewName, 'home');
    const missing = await client.get('/no/such/page/');
    assert.equal(missing.status, 404);
  });

  it('`manage.ts startapp` adds an app whose templates and static files are found', async () => {
    const r = await run(['manage.ts', 'startapp', 'polls'], { cwd: root });
    assert.equal(r.code, 0, r.stderr);
    await withEdit(root, 'mysite/settings.ts', (t) => t.replace('INSTALLED_APPS: [],', "INSTALLED_APPS: ['polls'],"), async () => {
      await withEdit(root, 'mysite/urls.ts', (t) => t
        .replace("import { path } from 'tsgi-framework';", "import { include, path } from 'tsgi-framework';\nimport { urlpatterns as pollsUrls } from '../polls/urls.js';")
        .replace("path('', home, { name: 'home' }),", "path('', home, { name: 'home' }),\n  path('polls/', include(pollsUrls, { namespace: 'polls' })),"), async () => {
        assert.equal((await manage(['check'])).code, 0);
        const server = new LiveProcess(['manage.ts', 'runserver', '127.0.0.1:0', '--noreload'], { cwd: root });
        try {
          const [, url] = await server.waitFor(/Starting development server at (http:\/\/\S+)\//);
          const page = await fetch(`${url}/polls/?name=Ada`);
          assert.equal(page.status, 200);
          assert.match(await page.text(), /Hello, Ada!/);
          const api = await fetch(`${url}/polls/api/?a=1&a=2`);
          assert.deepEqual(await api.json(), { app: 'polls', method: 'GET', query: { a: '2' } });
          const css = await fetch(`${url}/static/polls/style.css`);
          assert.equal(css.status, 200);
          assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
        } finally {
          await server.stop();
        }
      });
    });
  });
});
