/**
 * Row 6 of the interop matrix: the demo project (examples/mysite, DEBUG off) through
 * `toFetchHandler` on srvx and on @hono/node-server, each a real process: its pages, its
 * CSRF-protected form and its multipart upload (3 MB, above FILE_UPLOAD_MAX_MEMORY_SIZE, so the
 * view spools it to a temp file) answer as under tsgi's own servers.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { tempDir, waitForOutput } from 'tsgi-test-support';
import { collectStatic } from './support/demo-appserver.js';
import { REPO_ROOT } from './support/servers.js';

const HOSTS = ['srvx', '@hono/node-server'] as const;
const UPLOAD_BYTES = 3 * 1024 * 1024;

/** The CSRF cookie (`csrftoken=...`) a page sets and the form token it embeds, as a browser gets them. */
async function csrfOf(page: Response): Promise<{ cookie: string; token: string }> {
  const cookie = page.headers.getSetCookie().find((c) => c.startsWith('csrftoken='));
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await page.text())?.[1];
  assert.ok(cookie !== undefined && token !== undefined, 'the page sets a CSRF cookie and embeds a form token');
  return { cookie: cookie.split(';')[0]!, token };
}

for (const hostName of HOSTS) {
  describe(`the demo project through toFetchHandler on ${hostName}`, () => {
    let child: ChildProcess;
    let output = '';
    let base: string;
    let staticDir: { dir: string; cleanup: () => Promise<void> } | undefined;
    before(async () => {
      // DEBUG off: the pages link the hashed static names from collectstatic's manifest.
      staticDir = await tempDir('tsgi-demo-static-');
      await collectStatic(staticDir.dir);
      child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'interop/fixtures/demo-on-fetch-host.ts', hostName], {
        cwd: REPO_ROOT,
        env: { ...process.env, TSGI_DEBUG: '0', TSGI_ALLOWED_HOSTS: '127.0.0.1', TSGI_SECRET_KEY: randomBytes(32).toString('hex'), TSGI_STATIC_ROOT: staticDir.dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      const [, url] = await waitForOutput(child, /Listening at: (\S+)/, { timeoutMs: 60_000, what: `the demo on ${hostName}` });
      base = url!;
    });
    after(async () => {
      await staticDir?.cleanup();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      assert.equal(await exited, 0, `the host did not stop cleanly on SIGTERM; output:\n${output}`);
      clearTimeout(timer);
    });

    it('serves the pages: the home page, the showcase with its query, and a 404', async () => {
      const home = await fetch(`${base}/`);
      const homeHtml = await home.text();
      assert.equal(home.status, 200, homeHtml);
      assert.match(home.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(homeHtml, /<title>mysite: it works<\/title>/);
      assert.doesNotMatch(homeHtml, /DEBUG is on/, 'the demo runs with DEBUG off');
      // A body complete in memory keeps its Content-Length through the host (F6), and HEAD
      // announces the same one (RFC 9110 §9.3.2).
      assert.equal(home.headers.get('content-length'), String(Buffer.byteLength(homeHtml)));
      const head = await fetch(`${base}/`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(homeHtml)));
      assert.equal(await head.text(), '');
      const showcase = await fetch(`${base}/showcase/?name=Ada&tag=a&tag=b`);
      const showcaseHtml = await showcase.text();
      assert.equal(showcase.status, 200, showcaseHtml);
      assert.match(showcaseHtml, /<h1>Hello, Ada!<\/h1>/);
      assert.match(showcaseHtml, /<span class="tag">a<\/span> <span class="tag">b<\/span>/);
      assert.match(showcaseHtml, new RegExp(`<th>absoluteUri</th><td>${base}/showcase/\\?name=Ada&amp;tag=a&amp;tag=b</td>`));
      const missing = await fetch(`${base}/no/such/page/`);
      assert.equal(missing.status, 404);
      await missing.arrayBuffer();
    });

    it('takes the form POST with the page\'s CSRF cookie and token; without the token, 403', async () => {
      const csrf = await csrfOf(await fetch(`${base}/showcase/`));
      const fields = [['title', 'Hi'], ['color', 'red'], ['color', 'blue']];
      const ok = await fetch(`${base}/showcase/form/`, { method: 'POST', headers: { cookie: csrf.cookie, origin: base }, body: new URLSearchParams([['csrfmiddlewaretoken', csrf.token], ...fields]) });
      const okHtml = await ok.text();
      assert.equal(ok.status, 200, okHtml);
      assert.match(okHtml, /Form received/);
      assert.match(okHtml, /<th>title<\/th>\s*<td>Hi<\/td>/);
      assert.match(okHtml, /<th>color<\/th>\s*<td>red, blue<\/td>/);
      const forged = await fetch(`${base}/showcase/form/`, { method: 'POST', headers: { cookie: csrf.cookie, origin: base }, body: new URLSearchParams(fields) });
      const forgedHtml = await forged.text();
      assert.equal(forged.status, 403, forgedHtml);
      assert.match(forgedHtml, /CSRF verification failed/);
    });

    it(`takes a ${UPLOAD_BYTES / 1024 / 1024} MB multipart upload: the view reads every byte (size and sha256) from a temp file`, async () => {
      const csrf = await csrfOf(await fetch(`${base}/showcase/`));
      const bytes = randomBytes(UPLOAD_BYTES);
      const form = new FormData();
      form.append('csrfmiddlewaretoken', csrf.token);
      form.append('document', new Blob([bytes], { type: 'application/octet-stream' }), 'three.bin');
      form.append('note', 'through the fetch host');
      const response = await fetch(`${base}/showcase/upload/`, { method: 'POST', headers: { cookie: csrf.cookie, origin: base }, body: form });
      const html = await response.text();
      assert.equal(response.status, 200, html);
      const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
      assert.match(html, new RegExp(`three\\.bin · ${UPLOAD_BYTES} bytes · application/octet-stream · temp file · sha256 ${sha}…`));
      assert.match(html, /<th>note<\/th>\s*<td>through the fetch host<\/td>/);
    });
  });
}
