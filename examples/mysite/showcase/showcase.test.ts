/**
 * The demo project over a real socket: the same `mysite/tsgi.ts` application production
 * serves, on tsgi's reference server (with runserver's DEBUG static handler in front), and
 * every view of the showcase app reading its part of the Request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TsgiServer } from 'tsgi';
import { serve } from 'tsgi';
import { withStaticFiles } from 'tsgi-framework/management';
import { application } from '../mysite/tsgi.js';
import { settings } from '../mysite/settings.js';

describe('examples/mysite: the showcase app over a real socket', () => {
  let server: TsgiServer;
  let base: string;
  /** The CSRF cookie and a form token, as a browser gets them from the page. */
  let csrf: { cookie: string; token: string };

  before(async () => {
    server = await serve(withStaticFiles(application, settings), { port: 0 });
    base = server.url.replace(/\/$/, '');
    const page = await fetch(`${base}/showcase/`);
    const cookie = page.headers.getSetCookie().find((c) => c.startsWith('csrftoken='));
    const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(await page.text())?.[1];
    assert.ok(cookie && token, 'the page sets a CSRF cookie and embeds a token');
    csrf = { cookie: cookie.split(';')[0]!, token };
  });
  after(() => server?.close());

  it('home links to the showcase; static CSS is served with validators', async () => {
    const home = await fetch(`${base}/`);
    assert.match(await home.text(), /href="\/showcase\/\?name=Ada/);
    const css = await fetch(`${base}/static/showcase/style.css`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    await css.arrayBuffer();
    const again = await fetch(`${base}/static/showcase/style.css`, { headers: { 'if-none-match': css.headers.get('etag')! } });
    assert.equal(again.status, 304);
  });

  it('reads the query string (multi-value), cookies, host and client address', async () => {
    const response = await fetch(`${base}/showcase/?name=Ada&tag=a&tag=b`, { headers: { cookie: 'visits=41' } });
    const html = await response.text();
    assert.match(html, /Hello, Ada!/);
    assert.match(html, /<span class="tag">a<\/span> <span class="tag">b<\/span>/);
    assert.match(html, /<strong id="visits">42<\/strong>/);
    assert.match(html, /<th>client<\/th><td>127\.0\.0\.1<\/td>/);
    assert.match(html, new RegExp(`<th>host</th><td>127\\.0\\.0\\.1:${server.address.port}</td>`));
    assert.ok(response.headers.getSetCookie().some((c) => /^visits=42; Max-Age=3600; Path=\/; (Expires=[^;]+; )?HttpOnly; SameSite=Lax$/i.test(c)));
    const escaped = await (await fetch(`${base}/showcase/?name=%3Cscript%3E`)).text();
    assert.match(escaped, /Hello, &lt;script&gt;!/, 'templates escape what the user sent');
  });

  it('takes a form POST with the CSRF token, refuses one without', async () => {
    const body = new URLSearchParams([['csrfmiddlewaretoken', csrf.token], ['title', 'Hi'], ['color', 'red'], ['color', 'blue']]);
    const ok = await fetch(`${base}/showcase/form/`, { method: 'POST', body, headers: { cookie: csrf.cookie, origin: base } });
    assert.equal(ok.status, 200);
    const html = await ok.text();
    assert.match(html, /<th>color<\/th><td>red, blue<\/td>/);
    assert.match(html, /Content-Type <code>application\/x-www-form-urlencoded<\/code>/);
    const forged = await fetch(`${base}/showcase/form/`, { method: 'POST', body: 'title=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(forged.status, 403);
    assert.equal((await fetch(`${base}/showcase/form/`)).status, 405, 'GET on a POST-only view');
  });

  it('takes a multipart upload; a big file goes to a temp file', async () => {
    const form = new FormData();
    form.append('csrfmiddlewaretoken', csrf.token);
    form.append('document', new Blob([new Uint8Array(3 * 1024 * 1024).fill(7)]), 'big.bin');
    form.append('document', new Blob(['hello']), 'small.txt');
    form.append('note', 'two files');
    const response = await fetch(`${base}/showcase/upload/`, { method: 'POST', body: form, headers: { cookie: csrf.cookie, origin: base } });
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /big\.bin · 3145728 bytes · application\/octet-stream · temp file/);
    assert.match(html, /small\.txt · 5 bytes · application\/octet-stream · in memory · sha256 2cf24dba5fb0a30e/);
    assert.match(html, /<th>note<\/th><td>two files<\/td>/);
  });

  it('answers JSON: the request as JSON, a POSTed body parsed, malformed JSON a 400', async () => {
    const get = await fetch(`${base}/showcase/api/?a=1&a=2`, { headers: { accept: 'application/json', 'x-demo': 'yes' } });
    const info = (await get.json()) as { request: { query: Record<string, string[]>; headers: Record<string, string>; accepts: string; client: string } };
    assert.deepEqual(info.request.query, { a: ['1', '2'] });
    assert.equal(info.request.headers['x-demo'], 'yes');
    assert.equal(info.request.accepts, 'application/json');
    const headers = { cookie: csrf.cookie, 'x-csrftoken': csrf.token, origin: base, 'content-type': 'application/json' };
    const post = await fetch(`${base}/showcase/api/`, { method: 'POST', headers, body: JSON.stringify({ hello: 'world' }) });
    assert.deepEqual(((await post.json()) as { json: unknown }).json, { hello: 'world' });
    const bad = await fetch(`${base}/showcase/api/`, { method: 'POST', headers: { ...headers, accept: 'text/plain' }, body: '{oops' });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /Malformed JSON/);
  });

  it('converts typed route parameters and reverses names', async () => {
    assert.deepEqual(await (await fetch(`${base}/showcase/items/42/`)).json(), { id: 42, type: 'number', url: '/showcase/items/42/' });
    assert.equal((await fetch(`${base}/showcase/items/abc/`)).status, 404);
    const go = await fetch(`${base}/showcase/go/`, { redirect: 'manual' });
    assert.equal(go.status, 302);
    assert.equal(go.headers.get('location'), '/showcase/');
  });
});
