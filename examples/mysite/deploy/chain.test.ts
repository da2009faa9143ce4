/**
 * The tutorial's deployment, run for real: collectstatic into a STATIC_ROOT, tsgi-appserver
 * serving mysite/tsgi.ts:application with DEBUG off, and tsgi-webserver with this directory's
 * tsgi-webserver.toml (ports and paths filled in) serving the static files itself and proxying
 * the rest. Every request goes browser -> webserver -> appserver -> framework.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { collectStatic } from 'tsgi-framework/management';
import { APPSERVER_ENTRY, LiveProcess, pollUntil } from '../../../packages/framework/src/management/testing/processes.js';
import { settings } from '../mysite/settings.js';

const PROJECT = fileURLToPath(new URL('..', import.meta.url));
const WEBSERVER_ENTRY = fileURLToPath(new URL('./webserver-entry.ts', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

describe('deployment: tsgi-webserver -> tsgi-appserver -> examples/mysite', () => {
  let tmp: string;
  let appserver: LiveProcess;
  let webserver: LiveProcess;
  let base: string;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'tsgi-chain-'));
    const staticRoot = join(tmp, 'staticfiles');
    const collected = await collectStatic({ ...settings, STATIC_ROOT: staticRoot });
    assert.ok(collected.copied.includes('showcase/style.css'));

    appserver = new LiveProcess([APPSERVER_ENTRY, '-b', '127.0.0.1:0', '-w', '1', 'mysite/tsgi.ts:application'], {
      cwd: PROJECT,
      env: { TSGI_DEBUG: '0', TSGI_ALLOWED_HOSTS: '127.0.0.1,localhost', TSGI_SECRET_KEY: randomBytes(48).toString('base64url') },
    });
    const [, appPort] = await appserver.waitFor(/Listening at: http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
    await appserver.waitFor(/Ready: 1 worker/, 60_000);

    const webPort = await freePort();
    // One process (master_process = false): this test is about what the tutorial's config does
    // with static files and proxying; the web server's own tests cover its master and workers.
    const config = 'master_process = false\n' + (await readFile(join(PROJECT, 'deploy/tsgi-webserver.toml'), 'utf8'))
      .replace('access_log = "stdout"', 'access_log = "off"')
      .replace('server = ["127.0.0.1:8000"]', `server = ["127.0.0.1:${appPort}"]`)
      .replace('listen = ["8080"]', `listen = ["127.0.0.1:${webPort}"]`)
      .replace('alias = "/srv/mysite/staticfiles/"', `alias = ${JSON.stringify(`${staticRoot}/`)}`);
    assert.match(config, new RegExp(`127\\.0\\.0\\.1:${appPort}`), 'the config template still has the lines this test fills in');
    const configFile = join(tmp, 'tsgi-webserver.toml');
    await writeFile(configFile, config);
    webserver = new LiveProcess([WEBSERVER_ENTRY, '-c', configFile], { cwd: tmp });
    base = `http://127.0.0.1:${webPort}`;
    await pollUntil(`${base}/static/site.css`, (_body, status) => status === 200, 60_000);
  });

  after(async () => {
    await webserver?.stop();
    await appserver?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('static files come from STATIC_ROOT through the web server (the app has DEBUG off)', async () => {
    const css = await fetch(`${base}/static/showcase/style.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(css.headers.get('cache-control') ?? '', /max-age=2592000/, 'expires = "30d" from the web server config');
    assert.match(await css.text(), /border-collapse/);
    assert.equal((await fetch(`${base}/static/nope.css`)).status, 404);
  });

  it('pages come from the app server, which sees the browser\'s address and host', async () => {
    const page = await fetch(`${base}/showcase/?name=Ada&tag=a&tag=b`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Hello, Ada!/);
    assert.match(html, /<th>client<\/th><td>127\.0\.0\.1<\/td>/);
    assert.match(html, new RegExp(`<th>host</th><td>127\\.0\\.0\\.1:${new URL(base).port}</td>`));
    assert.doesNotMatch(html, /Traceback/);
  });

  it('a CSRF-checked form POST and a multipart upload pass through the proxy', async () => {
    const page = await fetch(`${base}/showcase/`);
    const cookie = page.headers.getSetCookie().find((c) => c.startsWith('csrftoken='))!.split(';')[0]!;
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await page.text())![1]!;
    const form = await fetch(`${base}/showcase/form/`, {
      method: 'POST',
      headers: { cookie, origin: base },
      body: new URLSearchParams([['csrfmiddlewaretoken', token], ['color', 'red'], ['color', 'blue']]),
    });
    assert.equal(form.status, 200);
    assert.match(await form.text(), /<th>color<\/th><td>red, blue<\/td>/);
    const upload = new FormData();
    upload.append('csrfmiddlewaretoken', token);
    upload.append('document', new Blob([new Uint8Array(5 * 1024 * 1024).fill(1)]), 'five.bin');
    const uploaded = await fetch(`${base}/showcase/upload/`, { method: 'POST', headers: { cookie, origin: base }, body: upload });
    assert.equal(uploaded.status, 200);
    assert.match(await uploaded.text(), /five\.bin · 5242880 bytes · application\/octet-stream · temp file/);
    const forged = await fetch(`${base}/showcase/form/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'color=red' });
    assert.equal(forged.status, 403);
  });

  it('DEBUG is off: errors are plain pages, a foreign Host is refused', async () => {
    const missing = await fetch(`${base}/no/such/page/`);
    assert.equal(missing.status, 404);
    assert.doesNotMatch(await missing.text(), /urlpatterns|Traceback/, 'no technical 404 page in production');
    // fetch() cannot send a foreign Host; node:http can. The web server passes it on, the app refuses it.
    const status = await new Promise<number>((resolve, reject) => {
      const { hostname, port } = new URL(base);
      httpRequest({ hostname, port, path: '/showcase/', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject).end();
    });
    assert.equal(status, 400);
  });
});
