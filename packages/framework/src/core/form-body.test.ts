// request.POST and request.FILES in every view not marked streaming: the handler reads form
// bodies first (csrfExempt views included, which used to get a 500), a streaming view reads the
// raw body itself, limits still answer before the view. Over real sockets, CSRF on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpResponse, JsonResponse } from '../http/response.js';
import { csrfExempt, getToken } from '../middleware/csrf.js';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { streaming } from '../views/streaming.js';

describe('form bodies are read before every view that is not streaming', () => {
  let served: ServedApp;
  let viewRuns = 0;

  before(async () => {
    served = await serveApp({
      ALLOWED_HOSTS: ['127.0.0.1'],
      SECRET_KEY: 'a-very-secret-key-that-is-long-enough-for-tests-0123456789',
      MIDDLEWARE: ['SessionMiddleware', 'CsrfViewMiddleware'],
      DATA_UPLOAD_MAX_MEMORY_SIZE: 64 * 1024,
      ROOT_URLCONF: [
        path('hook/', csrfExempt((request) => new JsonResponse({ title: request.POST.get('title'), tags: request.POST.getAll('tag') }))),
        path('upload/', csrfExempt(async (request) => {
          const file = request.FILES.get('doc');
          return new JsonResponse({ note: request.POST.get('note'), name: file?.name, size: file?.size, text: await file?.text() });
        })),
        path('raw/', csrfExempt(streaming(async (request) => {
          viewRuns++;
          const chunks: Uint8Array[] = [];
          const reader = (request.stream() as ReadableStream<Uint8Array>).getReader();
          for (let i = 0; i < 10_000; i++) {
            const { value, done } = await reader.read();
            if (done) break;
            chunks.push(value);
          }
          return new HttpResponse(`raw ${Buffer.concat(chunks).toString('utf8')}`);
        }))),
        path('token/', (request) => new HttpResponse(getToken(request))),
        path('guarded-raw/', streaming(async (request) => new HttpResponse(`raw ${await new Response(request.stream()).text()}`))),
        path('not-marked/', csrfExempt((request) => new HttpResponse(String(request.stream())))),
        path('counted/', csrfExempt(() => {
          viewRuns++;
          return new HttpResponse('ran');
        })),
      ],
    });
  });
  after(async () => served?.close());

  it('a csrfExempt view reads request.POST (urlencoded): 200 with the fields', async () => {
    const response = await fetch(`${served.url}/hook/`, { method: 'POST', body: new URLSearchParams([['title', 'héllo'], ['tag', 'a'], ['tag', 'b']]) });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { title: 'héllo', tags: ['a', 'b'] });
  });

  it('a csrfExempt view reads request.FILES (multipart)', async () => {
    const form = new FormData();
    form.append('note', 'see attached');
    form.append('doc', new Blob(['file body\n'], { type: 'text/plain' }), 'report.txt');
    const response = await fetch(`${served.url}/upload/`, { method: 'POST', body: form });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { note: 'see attached', name: 'report.txt', size: 10, text: 'file body\n' });
  });

  it('a streaming view gets the form body unread and reads it itself', async () => {
    const response = await fetch(`${served.url}/raw/`, { method: 'POST', body: new URLSearchParams({ a: '1', b: '2' }) });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'raw a=1&b=2');
  });

  it('a streaming view under CSRF takes the token from the header and still gets its body unread', async () => {
    const page = await fetch(`${served.url}/token/`);
    const token = await page.text();
    const cookie = (page.headers.getSetCookie().find((c) => c.startsWith('csrftoken=')) ?? '').split(';')[0] as string;
    assert.match(cookie, /^csrftoken=[A-Za-z0-9]{32}$/);
    const body = new URLSearchParams({ a: '1' });
    const ok = await fetch(`${served.url}/guarded-raw/`, { method: 'POST', body, headers: { cookie, 'x-csrftoken': token } });
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'raw a=1');
    // A token only in the form field is not read for a streaming view: refused, body untouched.
    const inField = await fetch(`${served.url}/guarded-raw/`, { method: 'POST', body: new URLSearchParams({ csrfmiddlewaretoken: token }), headers: { cookie } });
    assert.equal(inField.status, 403);
    await inField.arrayBuffer();
    assert.ok(served.logs.some(([level, line]) => level === 'warn' && line.includes('CSRF token missing')), 'the log gives the reason');
  });

  it('a view not marked streaming that asks for the stream of a form body is told to mark it', async () => {
    const response = await fetch(`${served.url}/not-marked/`, { method: 'POST', body: new URLSearchParams({ a: '1' }) });
    assert.equal(response.status, 500);
    await response.arrayBuffer();
    assert.ok(served.logs.some(([, line]) => line.includes('mark the view with streaming()')), 'the error says how to fix it');
  });

  it('a form body over the limit is answered 413 before the view runs', async () => {
    const runs = viewRuns;
    const response = await fetch(`${served.url}/counted/`, { method: 'POST', body: new URLSearchParams({ big: 'x'.repeat(100 * 1024) }) });
    assert.equal(response.status, 413);
    await response.arrayBuffer();
    assert.equal(viewRuns, runs, 'the view did not run');
    const json = await fetch(`${served.url}/counted/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ big: 'x'.repeat(100 * 1024) }) });
    assert.equal(json.status, 200, 'a JSON body is left for the view to read (or not)');
    assert.equal(await json.text(), 'ran');
  });
});
