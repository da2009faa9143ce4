// Responses over real sockets: cookies with every attribute, JSON, redirects (and the refused
// ones), 405, streaming (with client disconnect), FileResponse through tsgi.file, templates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import {
  HttpResponse,
  JsonResponse,
  HttpResponseRedirect,
  HttpResponseNotAllowed,
  StreamingHttpResponse,
} from './response.js';
import { FileResponse } from './file-response.js';
import { TSGI_FILE } from 'tsgi';
import { DisallowedRedirect } from '../core/exceptions.js';
import { render, redirect } from '../shortcuts.js';
import { Client } from '../test/client.js';
import { getTsgiApplication } from '../core/handler.js';

let dir: string;
let served: ServedApp;
let streamFinished: Promise<string>;
let finishStream: (how: string) => void;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsgi-fw-response-'));
  await writeFile(join(dir, 'report.pdf'), Buffer.alloc(20_000, 1));
  await writeFile(join(dir, 'notes.txt'), 'hello file');
  await mkdir(join(dir, 'templates', 'polls'), { recursive: true });
  await mkdir(join(dir, 'polls', 'templates', 'polls'), { recursive: true });
  await writeFile(join(dir, 'templates', 'base.html'), '<title><%= it.title %></title><%~ it.body %>');
  await writeFile(join(dir, 'templates', 'polls', 'index.html'), "<% layout('base.html', { title: it.title }) %><ul><% it.items.forEach(function (i) { %><li><%= i %></li><% }) %></ul><%~ it.csrfInput %>");
  await writeFile(join(dir, 'polls', 'templates', 'polls', 'detail.html'), 'app template: <%= it.request.path %> <%= it.url("json", {}, { a: 1 }) %>');
  streamFinished = new Promise((resolve) => (finishStream = resolve));
  served = await serveApp({
    BASE_DIR: dir,
    SECRET_KEY: 'x'.repeat(50),
    ALLOWED_HOSTS: ['127.0.0.1'],
    INSTALLED_APPS: ['polls'],
    TEMPLATES: { DIRS: ['templates'] },
    ROOT_URLCONF: [
      path('cookies/', () => {
        const r = new HttpResponse('c');
        r.setCookie('plain', 'v');
        r.setCookie('all', 'a b;c', { maxAge: 60, path: '/x', domain: 'example.com', secure: true, httpOnly: true, sameSite: 'None', partitioned: true, priority: 'high' });
        r.setCookie('exp', '1', { expires: new Date(Date.UTC(2030, 0, 1)) });
        r.deleteCookie('old', { path: '/p' });
        return r;
      }),
      path('json/', () => new JsonResponse({ a: 1, list: [1, 2] }, { status: 201 })),
      path('redirect/', () => new HttpResponseRedirect('/target/?a=1')),
      path('redirect-named/', (request) => redirect('json', { params: {}, request })),
      path('redirect-js/', () => new HttpResponseRedirect('javascript:alert(1)')),
      path('not-allowed/', () => new HttpResponseNotAllowed(['get', 'post'])),
      path('stream/', () => {
        async function* rows() {
          try {
            for (let i = 0; i < 3; i++) yield `row ${i}\n`;
          } finally {
            finishStream('done');
          }
        }
        return new StreamingHttpResponse(rows(), { contentType: 'text/plain' });
      }),
      path('endless/', () => {
        async function* forever() {
          try {
            for (let i = 0; ; i++) {
              yield `${'x'.repeat(1000)}\n`;
              await new Promise((r) => setTimeout(r, 1));
            }
          } finally {
            finishStream('cancelled');
          }
        }
        return new StreamingHttpResponse(forever());
      }),
      path('file/', () => new FileResponse(join(dir, 'report.pdf'), { asAttachment: true, filename: 'rapport été.pdf' })),
      path('inline/', () => new FileResponse(join(dir, 'notes.txt'))),
      path('missing-file/', () => new FileResponse(join(dir, 'nope.bin'))),
      path('page/', (request) => render(request, 'polls/index.html', { title: '<Polls>', items: ['<b>one</b>', 'two'] }), { name: 'json' }),
      path('app-template/', (request) => render(request, 'polls/detail.html')),
      path('no-template/', (request) => render(request, 'nope.html')),
    ],
  });
});

after(async () => {
  await served?.close();
  await rm(dir, { recursive: true, force: true });
});

test('cookies with every attribute, and deletion', async () => {
  const res = await fetch(`${served.url}/cookies/`);
  const cookies = res.headers.getSetCookie();
  assert.equal(cookies.length, 4);
  assert.match(cookies[0] as string, /^plain=v; Path=\/$/);
  const all = cookies[1] as string;
  assert.match(all, /^all=a%20b%3Bc; /, 'value encoded only where the grammar requires');
  for (const attr of ['Max-Age=60', 'Domain=example.com', 'Path=/x', 'HttpOnly', 'Secure', 'Partitioned', 'Priority=High', 'SameSite=None']) {
    assert.ok(all.includes(attr), `${attr} missing in ${all}`);
  }
  assert.match(all, /Expires=\w{3}, \d\d \w{3} \d{4}/, 'Expires sent with Max-Age');
  assert.match(cookies[2] as string, /Expires=Tue, 01 Jan 2030 00:00:00 GMT/);
  assert.match(cookies[3] as string, /^old=; Max-Age=0; Path=\/p; Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
  assert.throws(() => new HttpResponse().setCookie('x', 'y', { sameSite: 'None' }), /SameSite=None requires secure/);
});

test('JsonResponse, redirects, 405', async () => {
  const json = await fetch(`${served.url}/json/`);
  assert.equal(json.status, 201);
  assert.equal(json.headers.get('content-type'), 'application/json');
  assert.deepEqual(await json.json(), { a: 1, list: [1, 2] });
  assert.throws(() => new JsonResponse([1]), /safe: false/);
  const r = await fetch(`${served.url}/redirect/`, { redirect: 'manual' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), '/target/?a=1');
  const named = await fetch(`${served.url}/redirect-named/`, { redirect: 'manual' });
  assert.equal(named.headers.get('location'), '/page/');
  assert.throws(() => new HttpResponseRedirect('data:text/html,x'), DisallowedRedirect);
  assert.throws(() => new HttpResponseRedirect(' javascript:alert(1)'), DisallowedRedirect);
  assert.doesNotThrow(() => new HttpResponseRedirect('https://example.com/x'));
  assert.equal(new HttpResponseRedirect('/search/?q=a%26b&r=a b').url, '/search/?q=a%26b&r=a%20b', 'escapes kept, spaces encoded');
  assert.equal(new HttpResponseRedirect('/café/%2F').url, '/caf%C3%A9/%2F');
  const js = await fetch(`${served.url}/redirect-js/`, { redirect: 'manual' });
  assert.equal(js.status, 400, 'DisallowedRedirect is a SuspiciousOperation');
  const na = await fetch(`${served.url}/not-allowed/`);
  assert.equal(na.status, 405);
  assert.equal(na.headers.get('allow'), 'GET, POST');
});

test('streaming: iterables stream in chunks; a client that goes away stops the generator', async () => {
  const res = await fetch(`${served.url}/stream/`);
  assert.equal(res.headers.get('transfer-encoding'), 'chunked');
  assert.equal(await res.text(), 'row 0\nrow 1\nrow 2\n');
  assert.equal(await streamFinished, 'done');
  streamFinished = new Promise((resolve) => (finishStream = resolve));
  const controller = new AbortController();
  const endless = await fetch(`${served.url}/endless/`, { signal: controller.signal });
  const reader = endless.body!.getReader();
  await reader.read();
  controller.abort();
  assert.equal(await streamFinished, 'cancelled', 'the generator ran its finally block');
});

test('FileResponse: Content-Disposition, Content-Length, type, the tsgi.file marker, 404 when missing', async () => {
  const res = await fetch(`${served.url}/file/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/pdf');
  assert.equal(res.headers.get('content-length'), '20000');
  assert.equal(res.headers.get('content-disposition'), `attachment; filename="rapport _t_.pdf"; filename*=UTF-8''rapport%20%C3%A9t%C3%A9.pdf`);
  assert.equal((await res.arrayBuffer()).byteLength, 20000);
  const inline = await fetch(`${served.url}/inline/`);
  assert.equal(inline.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(inline.headers.get('content-disposition'), null);
  assert.equal(await inline.text(), 'hello file');
  assert.equal((await fetch(`${served.url}/missing-file/`)).status, 404);
  // The fetch Response carries the extension marker, and its own body streams the same bytes.
  const file = new FileResponse(join(dir, 'notes.txt'));
  await file.prepare();
  const out = file.toResponse();
  assert.deepEqual((out as unknown as Record<symbol, unknown>)[TSGI_FILE], { path: join(dir, 'notes.txt'), offset: 0, length: 10 });
  assert.equal(await out.text(), 'hello file');
});

test('render(): eta templates from DIRS then app dirs, autoescaped, layouts, csrfInput on demand', async () => {
  const res = await fetch(`${served.url}/page/`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<title>&lt;Polls&gt;<\/title>/);
  assert.match(html, /<li>&lt;b&gt;one&lt;\/b&gt;<\/li><li>two<\/li>/);
  assert.match(html, /<input type="hidden" name="csrfmiddlewaretoken" value="[a-zA-Z0-9]{64}">/);
  assert.ok(res.headers.getSetCookie().some((c) => c.startsWith('csrftoken=')), 'using the token sets the cookie');
  const app = await fetch(`${served.url}/app-template/`);
  assert.equal(await app.text(), 'app template: /app-template/ /page/?a=1');
  assert.equal(app.headers.getSetCookie().length, 0, 'no token used, no cookie');
  const missing = await fetch(`${served.url}/no-template/`);
  assert.equal(missing.status, 500);
  assert.ok(served.logs.some(([, m]) => m.includes('Template "nope.html" does not exist. Tried:') && m.includes(join(dir, 'templates', 'nope.html'))));
});

test('the test client: cookie jar, sessions across requests, follow, HEAD, multipart and form bodies', async () => {
  const { path: p } = await import('../urls/conf.js');
  const app = getTsgiApplication({
    SECRET_KEY: 'y'.repeat(50),
    ROOT_URLCONF: [
      p('login/', (request) => {
        request.session.set('user', 'ada');
        return new HttpResponseRedirect('/me/');
      }),
      p('me/', (request) => new JsonResponse({ user: request.session.get('user') ?? null })),
      p('echo/', async (request) => {
        await request.load();
        const f = request.FILES.get('doc');
        return new JsonResponse({ method: request.method, fields: request.POST.toObject(), file: f ? await f.text() : null, type: request.contentType });
      }),
    ],
  });
  const client = new Client(app);
  const res = await client.get('/login/', { follow: true });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json(), { user: 'ada' });
  assert.deepEqual(res.redirectChain, [['/me/', 302]]);
  assert.ok(client.cookies.has('sessionid'));
  assert.deepEqual((await client.get('/me/')).json(), { user: 'ada' }, 'the jar sends the session back');
  const multi = await client.post('/echo/', { title: 'T', doc: { name: 'a.txt', content: 'file!' } });
  assert.deepEqual(multi.json(), { method: 'POST', fields: { title: 'T' }, file: 'file!', type: 'multipart/form-data' });
  const form = await client.put('/echo/', { form: { a: '1' } });
  assert.deepEqual(form.json(), { method: 'PUT', fields: { a: '1' }, file: null, type: 'application/x-www-form-urlencoded' });
  const head = await client.head('/me/');
  assert.equal(head.status, 200);
  assert.equal(head.content.byteLength, 0);
  const enforced = new Client(app, { enforceCsrfChecks: true });
  assert.equal((await enforced.post('/echo/', { form: { a: '1' } })).status, 403);
});
