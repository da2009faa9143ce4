import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TsgiServer } from 'tsgi';
import { serve } from 'tsgi';
import { defineSettings } from '../conf/settings.js';
import { collectStatic } from './collect.js';
import { listStaticFiles, safeStaticSegments, staticSources } from './finders.js';
import { withStaticFiles } from './serve.js';

/** A raw GET whose path is sent exactly as given (fetch would normalise `..`). */
function rawGet(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files (finders, DEBUG serving over a real socket, collectstatic)', () => {
  let base: string;
  let server: TsgiServer;
  let settings: ReturnType<typeof defineSettings>;
  const big = Buffer.alloc(600 * 1024, 'x');

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'tsgi-static-'));
    await mkdir(join(base, 'project/static/css'), { recursive: true });
    await mkdir(join(base, 'project/polls/static/polls'), { recursive: true });
    await writeFile(join(base, 'project/static/css/site.css'), 'body { color: red }\n');
    await writeFile(join(base, 'project/static/app.js'), 'console.log(1)\n');
    await writeFile(join(base, 'project/static/big.bin'), big);
    await writeFile(join(base, 'project/static/.hidden'), 'editor litter');
    await writeFile(join(base, 'project/polls/static/polls/logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    // Same path in the app: the project's STATICFILES_DIRS copy wins.
    await mkdir(join(base, 'project/polls/static/css'), { recursive: true });
    await writeFile(join(base, 'project/polls/static/css/site.css'), 'shadowed');
    await writeFile(join(base, 'secret.txt'), 'TOP SECRET');
    settings = defineSettings({
      BASE_DIR: join(base, 'project'), DEBUG: true, STATICFILES_DIRS: ['static'], INSTALLED_APPS: ['polls'], STATIC_ROOT: 'staticfiles',
    });
    const app = withStaticFiles({ fetch: () => new Response('from the app') }, settings);
    server = await serve(app, { port: 0 });
  });
  after(async () => {
    await server?.close();
    await rm(base, { recursive: true, force: true });
  });

  it('serves files from STATICFILES_DIRS and app static/ dirs with type, length and validators', async () => {
    const css = await rawGet(server.url, '/static/css/site.css');
    assert.equal(css.status, 200);
    assert.equal(css.body, 'body { color: red }\n');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(css.headers['content-length'], '20');
    assert.equal(css.headers['x-content-type-options'], 'nosniff');
    assert.match(String(css.headers.etag), /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.ok(css.headers['last-modified']);
    const svg = await rawGet(server.url, '/static/polls/logo.svg');
    assert.equal(svg.status, 200);
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal((await rawGet(server.url, '/static/app.js')).headers['content-type'], 'text/javascript; charset=utf-8');
    const large = await rawGet(server.url, '/static/big.bin');
    assert.equal(large.status, 200);
    assert.equal(large.body.length, big.length, 'a streamed file arrives whole');
    assert.equal(large.headers['content-type'], 'application/octet-stream');
  });

  it('answers revalidation with 304 (If-None-Match first, then If-Modified-Since)', async () => {
    const first = await rawGet(server.url, '/static/css/site.css');
    const etag = String(first.headers.etag);
    const revalidated = await rawGet(server.url, '/static/css/site.css', { 'if-none-match': etag });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.body, '');
    assert.equal(revalidated.headers.etag, etag);
    assert.equal((await rawGet(server.url, '/static/css/site.css', { 'if-none-match': `"other", W/${etag}` })).status, 304);
    assert.equal((await rawGet(server.url, '/static/css/site.css', { 'if-none-match': '"stale"' })).status, 200);
    const lm = String(first.headers['last-modified']);
    assert.equal((await rawGet(server.url, '/static/css/site.css', { 'if-modified-since': lm })).status, 304);
    assert.equal((await rawGet(server.url, '/static/css/site.css', { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status, 200);
    // If-None-Match wins over a matching If-Modified-Since (RFC 9110 section 13.2.2).
    assert.equal((await rawGet(server.url, '/static/css/site.css', { 'if-none-match': '"stale"', 'if-modified-since': lm })).status, 200);
  });

  it('never leaves the static directories (traversal, encoded slashes, NUL, backslashes, dotfiles)', async () => {
    // Dot segments that climb above the root, however spelled (encoded dots, encoded slashes or
    // backslashes), are refused by the server's request-head gate before the app runs.
    for (const path of ['/static/../../secret.txt', '/static/%2e%2e/%2e%2e/secret.txt', '/static/css%2f..%2f..%2f..%2fsecret.txt', '/static/..%5c..%5csecret.txt']) {
      const response = await rawGet(server.url, path);
      assert.equal(response.status, 400, path);
      assert.doesNotMatch(response.body, /TOP SECRET/, path);
    }
    // One that stays below the root: a server that resolves it (WHATWG URL parsing does) moves the
    // request out of /static/ and the app answers; one that passes it on gets a 404 here.
    const resolved = await rawGet(server.url, '/static/%2E%2E/secret.txt');
    assert.ok(resolved.status === 404 || resolved.body === 'from the app', `/static/%2E%2E/secret.txt: ${resolved.status} ${resolved.body}`);
    for (const path of ['/static/css/site.css%00.png', '/static//etc/passwd',
      '/static/css/', '/static/%zz', '/static/.hidden/',
    ]) {
      const response = await rawGet(server.url, path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(response.body, /TOP SECRET/, path);
    }
  });

  it('HEAD has the headers without a body; other methods get 405; other paths reach the app', async () => {
    const head = await rawGet(server.url, '/static/css/site.css', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '20');
    assert.equal(head.body, '');
    const post = await rawGet(server.url, '/static/css/site.css', {}, 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assert.equal((await rawGet(server.url, '/')).body, 'from the app');
    assert.equal((await rawGet(server.url, '/staticky')).body, 'from the app');
  });

  it('the segment check rejects what could escape', () => {
    assert.deepEqual(safeStaticSegments('css/site.css'), ['css', 'site.css']);
    assert.deepEqual(safeStaticSegments('a%20b.css'), ['a b.css']);
    for (const bad of ['', '../x', 'a/../b', 'a//b', '%2e%2e/x', 'a%2fb', 'a%5cb', 'C:%5cwin', 'x%00', 'dir/']) {
      assert.equal(safeStaticSegments(bad), null, bad);
    }
  });

  it('collectstatic copies every file once (first source wins) and skips unchanged files next time', async () => {
    const { files, shadowed } = await listStaticFiles(staticSources(settings));
    assert.deepEqual(files.map((f) => f.path), ['app.js', 'big.bin', 'css/site.css', 'polls/logo.svg']);
    assert.deepEqual(shadowed.map((f) => f.path), ['css/site.css']);
    const first = await collectStatic(settings);
    assert.equal(first.copied.length, 4);
    const root = join(base, 'project/staticfiles');
    assert.equal(await readFile(join(root, 'css/site.css'), 'utf8'), 'body { color: red }\n');
    assert.equal((await stat(join(root, 'big.bin'))).size, big.length);
    const again = await collectStatic(settings);
    assert.deepEqual(again.copied, []);
    assert.equal(again.unmodified.length, 4);
    await writeFile(join(base, 'project/static/app.js'), 'console.log(2) // changed\n');
    assert.deepEqual((await collectStatic(settings)).copied, ['app.js']);
    const dry = await collectStatic(settings, { clear: true, dryRun: true });
    assert.equal(dry.copied.length, 0, 'dry run with existing up-to-date files copies nothing');
    assert.ok((await stat(join(root, 'app.js'))).isFile(), 'dry run removes nothing');
  });

  it('collectstatic keeps each source mtime to the millisecond, so a second run copies nothing', async () => {
    // Sources with sub-millisecond mtimes, as real writes give them; copying the mtime as a Date
    // used to land a float rounding below it for about one file in four.
    const project = join(base, 'mtimes');
    await mkdir(join(project, 'static'), { recursive: true });
    const names = Array.from({ length: 40 }, (_, i) => `f${i}.txt`);
    for (const [i, name] of names.entries()) {
      const file = join(project, 'static', name);
      await writeFile(file, name);
      const seconds = 1_795_663_707 + i + (681 + i * 7) / 1000 + 0.0001204;
      await utimes(file, seconds, seconds);
    }
    const local = defineSettings({ BASE_DIR: project, STATICFILES_DIRS: ['static'], STATIC_ROOT: 'out', INSTALLED_APPS: [] });
    assert.equal((await collectStatic(local)).copied.length, names.length);
    for (const name of names) {
      const [source, copy] = await Promise.all([stat(join(project, 'static', name)), stat(join(project, 'out', name))]);
      assert.equal(Math.floor(copy.mtimeMs), Math.floor(source.mtimeMs), name);
    }
    const again = await collectStatic(local);
    assert.deepEqual(again.copied, []);
    assert.equal(again.unmodified.length, names.length);
  });
});
