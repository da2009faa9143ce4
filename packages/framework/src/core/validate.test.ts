// The application under tsgi's validate(): every kind of response the framework produces keeps
// the TSGI contract (status, header names/values, no hop-by-hop headers, no body on HEAD/304,
// Content-Length matching the body, tsgi.file marker shape), and HEAD mirrors GET's headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, validate, type TsgiServer } from 'tsgi';
import { getTsgiApplication } from './handler.js';
import { path } from '../urls/conf.js';
import { HttpResponse, JsonResponse, HttpResponseNotModified, StreamingHttpResponse, HttpResponseRedirect } from '../http/response.js';
import { FileResponse } from '../http/file-response.js';
import { Http404 } from './exceptions.js';
import { View } from '../views/generic.js';

let dir: string;
let server: TsgiServer;
const violations: { code: string; message: string }[] = [];

class Item extends View {
  get() {
    return new JsonResponse({ ok: true });
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsgi-fw-validate-'));
  await writeFile(join(dir, 'a.txt'), 'file contents');
  const app = getTsgiApplication({
    DEBUG: true,
    SECRET_KEY: 'v'.repeat(50),
    ALLOWED_HOSTS: ['127.0.0.1'],
    ROOT_URLCONF: [
      path('html/', (request) => {
        request.session.set('seen', true);
        return new HttpResponse('<p>hi</p>');
      }),
      path('json/', () => new JsonResponse({ a: 1 })),
      path('empty/', () => new HttpResponse('', { status: 204 })),
      path('not-modified/', () => new HttpResponseNotModified()),
      path('stream/', () => new StreamingHttpResponse(['a', 'b'])),
      path('file/', () => new FileResponse(join(dir, 'a.txt'))),
      path('redirect/', () => new HttpResponseRedirect('/json/')),
      path('missing/', () => {
        throw new Http404();
      }),
      path('error/', () => {
        throw new Error('x');
      }),
      path('item/', Item.asView()),
    ],
  });
  const checked = validate(app, { onViolation: (v) => void violations.push({ code: v.code, message: v.message }) });
  server = await serve(checked, { host: '127.0.0.1', port: 0, log: { debug() {}, info() {}, warn() {}, error() {} } });
});

after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

test('every response kind passes validate()', async () => {
  const cases: [string, string, number][] = [
    ['GET', '/html/', 200],
    ['HEAD', '/html/', 200],
    ['GET', '/json/', 200],
    ['GET', '/empty/', 204],
    ['GET', '/not-modified/', 304],
    ['GET', '/stream/', 200],
    ['GET', '/file/', 200],
    ['HEAD', '/file/', 200],
    ['GET', '/redirect/', 302],
    ['GET', '/missing/', 404],
    ['GET', '/error/', 500],
    ['GET', '/nowhere', 404],
    ['OPTIONS', '/item/', 200],
    ['DELETE', '/item/', 405],
    ['POST', '/json/', 403],
  ];
  for (const [method, p, status] of cases) {
    const res = await fetch(`${server.url}${p}`, { method, redirect: 'manual' });
    assert.equal(res.status, status, `${method} ${p}`);
    await res.arrayBuffer();
  }
  assert.deepEqual(violations, []);
});

test('HEAD gets the header fields GET would, Content-Length included, and no body', async () => {
  for (const p of ['/json/', '/file/']) {
    const get = await fetch(`${server.url}${p}`);
    const body = await get.arrayBuffer();
    const head = await fetch(`${server.url}${p}`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), String(body.byteLength), p);
    assert.equal(head.headers.get('content-type'), get.headers.get('content-type'));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  }
});
