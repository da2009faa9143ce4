// getTsgiApplication: the exception table, per-layer conversion, error views, DEBUG technical
// pages (HTML and text, secrets masked), lifespan hooks, plain fetch Responses from views.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { getTsgiApplication } from './handler.js';
import { tsgiAppVersion, TSGI_VERSION } from 'tsgi';
import { path } from '../urls/conf.js';
import { HttpResponse, HttpResponseBase } from '../http/response.js';
import { Http404, PermissionDenied, BadRequest, SuspiciousOperation, ImproperlyConfigured, statusForError, RequestDataTooBig, MethodNotAllowed } from './exceptions.js';
import type { Middleware, MiddlewareHandler } from './types.js';
import { Client } from '../test/client.js';
import { CommonMiddleware } from '../middleware/common.js';
import { FileResponse } from '../http/file-response.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const servers: ServedApp[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const boom = () => {
  throw new TypeError('kaboom in the view');
};

const urlpatterns = [
  path('404/', () => {
    throw new Http404('No such article');
  }),
  path('403/', () => {
    throw new PermissionDenied();
  }),
  path('400/', () => {
    throw new BadRequest('bad input');
  }),
  path('suspicious/', () => {
    throw new SuspiciousOperation('looks like an attack');
  }),
  path('500/', boom),
  path('fetch-response/', () => new Response('plain fetch', { status: 202, headers: { 'X-From': 'fetch' } })),
  path('returns-nothing/', (() => undefined) as never),
];

test('the exception table', () => {
  assert.equal(statusForError(new Http404()), 404);
  assert.equal(statusForError(new PermissionDenied()), 403);
  assert.equal(statusForError(new BadRequest()), 400);
  assert.equal(statusForError(new SuspiciousOperation('x')), 400);
  assert.equal(statusForError(new RequestDataTooBig('x')), 413);
  assert.equal(statusForError(new MethodNotAllowed('PUT', ['GET'])), 405);
  assert.equal(statusForError(new Error('x')), 500);
});

test('without DEBUG: plain pages, configured error views, errors logged with the request line', async () => {
  const headerAdder: Middleware = (getResponse) => async (request) => {
    const response = await getResponse(request);
    response.headers.set('X-Outer', 'ran');
    return response;
  };
  const served = await serveApp({
    DEBUG: false,
    SECRET_KEY: 'x'.repeat(50),
    ALLOWED_HOSTS: ['127.0.0.1'],
    MIDDLEWARE: [headerAdder],
    ROOT_URLCONF: { urlpatterns, handler404: (request: { path: string }) => new HttpResponse(`custom 404 for ${request.path}`, { status: 404 }) },
    handler500: () => new HttpResponse('custom 500', { status: 500 }),
  });
  servers.push(served);
  const r404 = await fetch(`${served.url}/404/`);
  assert.equal(r404.status, 404);
  assert.equal(await r404.text(), 'custom 404 for /404/');
  assert.equal(r404.headers.get('x-outer'), 'ran', 'the middleware above still runs');
  const r403 = await fetch(`${served.url}/403/`);
  assert.equal(r403.status, 403);
  assert.match(await r403.text(), /403 Forbidden/);
  assert.equal((await fetch(`${served.url}/400/`)).status, 400);
  assert.equal((await fetch(`${served.url}/suspicious/`)).status, 400);
  const r500 = await fetch(`${served.url}/500/`);
  assert.equal(r500.status, 500);
  assert.equal(await r500.text(), 'custom 500');
  assert.equal(r500.headers.get('x-outer'), 'ran');
  const line = served.logs.find(([level, m]) => level === 'error' && m.includes('Internal Server Error: GET /500/'));
  assert.ok(line, JSON.stringify(served.logs));
  assert.match(line[1], /kaboom in the view/);
  assert.ok(served.logs.some(([level, m]) => level === 'error' && m.includes('[security.SuspiciousOperation] looks like an attack')));
  const plain = await fetch(`${served.url}/fetch-response/`);
  assert.equal(plain.status, 202);
  assert.equal(plain.headers.get('x-from'), 'fetch');
  assert.equal(plain.headers.get('x-outer'), 'ran', 'middleware can decorate a plain Response');
  assert.equal(await plain.text(), 'plain fetch');
  const nothing = await fetch(`${served.url}/returns-nothing/`);
  assert.equal(nothing.status, 500);
  assert.ok(served.logs.some(([, m]) => m.includes("didn't return an HttpResponse or a Response. It returned undefined instead. Did you forget a return statement?")));
});

test('a throwing middleware becomes a response at its own layer', async () => {
  const thrower: Middleware = () => () => {
    throw new PermissionDenied('middleware says no');
  };
  const outer: Middleware = (getResponse) => async (request) => {
    const response = await getResponse(request);
    response.headers.set('X-Outer-Status', String(response.status));
    return response;
  };
  const client = new Client(getTsgiApplication({ ALLOWED_HOSTS: ['testserver'], MIDDLEWARE: [outer, thrower], ROOT_URLCONF: urlpatterns }));
  const res = await client.get('/404/');
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('x-outer-status'), '403');
});

test('a built-in middleware that throws answers at its own layer, named or passed as a function', async () => {
  // CommonMiddleware refuses the user agent before calling the layers below it: a 403 that the
  // outer SecurityMiddleware still decorates and the inner XFrameOptionsMiddleware never sees.
  // By name or as a function, the layer is wrapped like any other; same answer.
  for (const common of ['CommonMiddleware', CommonMiddleware] as const) {
    const client = new Client(
      getTsgiApplication({
        ALLOWED_HOSTS: ['testserver'],
        DISALLOWED_USER_AGENTS: [/^BadBot/],
        MIDDLEWARE: ['SecurityMiddleware', common, 'XFrameOptionsMiddleware'] as never,
        ROOT_URLCONF: urlpatterns,
      }),
    );
    const refused = await client.get('/404/', { headers: { 'User-Agent': 'BadBot/1.0' } });
    assert.equal(refused.status, 403, String(common));
    assert.equal(refused.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(refused.headers.get('x-frame-options'), null);
    const allowed = await client.get('/404/', { headers: { 'User-Agent': 'GoodBrowser/1.0' } });
    assert.equal(allowed.status, 404);
    assert.equal(allowed.headers.get('x-frame-options'), 'DENY');
  }
});

test('DEBUG: technical 500 page in HTML or text, with request and settings, secrets masked', async () => {
  const served = await serveApp({
    DEBUG: true,
    SECRET_KEY: 'super-secret-value-that-must-not-leak',
    ALLOWED_HOSTS: ['127.0.0.1'],
    MIDDLEWARE: [],
    ROOT_URLCONF: urlpatterns,
    STRIPE_API_KEY: 'sk_live_should_be_hidden',
    DATABASE: { NAME: 'app', PASSWORD: 'db-password-hidden' },
  });
  servers.push(served);
  const html = await fetch(`${served.url}/500/?q=visible`, { headers: { Accept: 'text/html', Cookie: 'sessionid=sess-secret; theme=dark', Authorization: 'Bearer token-secret' } });
  assert.equal(html.status, 500);
  assert.match(html.headers.get('content-type') ?? '', /text\/html/);
  const page = await html.text();
  assert.match(page, /TypeError at \/500\//);
  assert.match(page, /kaboom in the view/);
  assert.match(page, /handler\.test\.ts/, 'the stack points at the view');
  assert.match(page, /visible/);
  assert.match(page, /theme/);
  assert.match(page, /ALLOWED_HOSTS/);
  for (const secret of ['super-secret-value', 'sk_live_should_be_hidden', 'db-password-hidden', 'sess-secret', 'token-secret']) {
    assert.ok(!page.includes(secret), `${secret} leaked into the debug page`);
  }
  assert.match(page, /\*{20}/);
  const text = await fetch(`${served.url}/500/`, { headers: { Accept: 'application/json' } });
  assert.match(text.headers.get('content-type') ?? '', /text\/plain/);
  const body = await text.text();
  assert.match(body, /^TypeError at \/500\/\nkaboom in the view/);
  assert.match(body, /Traceback:/);
  assert.ok(!body.includes('super-secret-value'));
  // Client errors in DEBUG: the technical page with their own status.
  const bad = await fetch(`${served.url}/400/`, { headers: { Accept: 'text/plain' } });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /BadRequest at \/400\/\nbad input/);
});

test('DEBUG: technical 404 lists the tried patterns', async () => {
  const client = new Client(getTsgiApplication({ DEBUG: true, MIDDLEWARE: [], ROOT_URLCONF: urlpatterns }));
  const res = await client.get('/nope/', { headers: { Accept: 'text/plain' } });
  assert.equal(res.status, 404);
  assert.match(res.text, /the following patterns were tried, in this order:\n {2}1\. 404\/\n {2}2\. 403\//);
  assert.match(res.text, /The current path, nope\/, didn't match any of these\./);
  const html = await client.get('/nope/');
  assert.match(html.text, /<li><code>fetch-response\/<\/code><\/li>/);
  const raised = await client.get('/404/', { headers: { Accept: 'text/plain' } });
  assert.match(raised.text, /No such article/);
});

test('lifespan: startup loads a lazy URLconf, runs ready hooks, refuses bad settings', async () => {
  const ready: string[] = [];
  const app = getTsgiApplication({
    ALLOWED_HOSTS: ['127.0.0.1'],
    MIDDLEWARE: [],
    INSTALLED_APPS: [{ name: 'polls', path: '/tmp/polls', ready: () => void ready.push('polls') }],
    ROOT_URLCONF: async () => ({ urlpatterns: [path('lazy/', () => new HttpResponse('loaded'))] }),
  });
  const served = await serveApp(app);
  servers.push(served);
  assert.deepEqual(ready, ['polls']);
  assert.equal(await (await fetch(`${served.url}/lazy/`)).text(), 'loaded');

  const noKey = getTsgiApplication({ ALLOWED_HOSTS: ['x'], ROOT_URLCONF: [] });
  await assert.rejects(serveApp(noKey), (e: unknown) => e instanceof Error && /SECRET_KEY/.test(e.message));
  const noHosts = getTsgiApplication({ SECRET_KEY: 'k', MIDDLEWARE: [], ROOT_URLCONF: [] });
  await assert.rejects(serveApp(noHosts), /ALLOWED_HOSTS is empty and DEBUG is false/);
  assert.throws(() => getTsgiApplication({ MIDDLEWARE: ['NoSuchMiddleware' as never] }), (e: unknown) => e instanceof ImproperlyConfigured && /MIDDLEWARE\[0\]: unknown middleware "NoSuchMiddleware"/.test(e.message));
});

test('the test client re-raises view errors by default, or returns the 500 when asked not to', async () => {
  const app = getTsgiApplication({ MIDDLEWARE: [], ROOT_URLCONF: urlpatterns });
  await assert.rejects(new Client(app).get('/500/'), /kaboom in the view/);
  const res = await new Client(app, { raiseRequestException: false }).get('/500/');
  assert.equal(res.status, 500);
  assert.equal((await new Client(app).get('/404/')).status, 404, 'mapped errors are responses, not re-raised');
});

test('sync views answer synchronously through the default middleware; async views and hooks take the same path with the same result', async () => {
  const { serve } = await import('tsgi');
  const calls: string[] = [];
  const app = getTsgiApplication({
    DEBUG: false,
    SECRET_KEY: 'x'.repeat(50),
    ALLOWED_HOSTS: ['127.0.0.1'],
    ROOT_URLCONF: [
      path('sync/', () => new HttpResponse('sync body')),
      path('async/', async () => {
        await new Promise((r) => setTimeout(r, 5));
        return new HttpResponse('async body');
      }),
      path('async-404/', async () => {
        await Promise.resolve();
        throw new Http404('gone');
      }),
      path('async-boom/', async () => {
        await Promise.resolve();
        calls.push('view');
        throw new TypeError('async kaboom');
      }),
    ],
  });
  await app.startup({ log: { debug() {}, info() {}, warn() {}, error() {} } } as never);
  const server = await serve(app, { port: 0, lifespan: false, log: { debug() {}, info() {}, warn() {}, error() {} } } as never);
  try {
    // Called directly, the synchronous chain hands back the Response itself (no promise).
    const context = { mountPath: '', log: console, rawHeaders: ['Host', '127.0.0.1'], remoteAddress: '127.0.0.1', scheme: 'http' } as never;
    const direct = app.fetch(new Request('http://127.0.0.1/sync/'), context);
    assert.ok(direct instanceof Response, 'a sync view behind the default middleware answers synchronously');
    assert.equal(await direct.text(), 'sync body');
    const later = app.fetch(new Request('http://127.0.0.1/async/'), context);
    assert.ok(later instanceof Promise, 'an async view gives a promise');
    assert.equal(await (await later).text(), 'async body');

    for (const [route, status, body] of [['sync/', 200, 'sync body'], ['async/', 200, 'async body'], ['async-404/', 404, null], ['async-boom/', 500, null]] as const) {
      const response = await fetch(new URL(route, server.url));
      assert.equal(response.status, status, route);
      // Every default layer ran on the way out, whichever way the view answered.
      assert.equal(response.headers.get('x-frame-options'), 'DENY', route);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', route);
      assert.equal(response.headers.get('referrer-policy'), 'same-origin', route);
      const text = await response.text();
      if (body !== null) assert.equal(text, body, route);
    }
    assert.deepEqual(calls, ['view']);
    // CSRF's processView answers a POST with a promise: the hook's 403 comes back through every layer.
    const refused = await fetch(new URL('sync/', server.url), { method: 'POST', body: 'x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('x-frame-options'), 'DENY');
    assert.match(await refused.text(), /CSRF verification failed/);
  } finally {
    await server.close();
  }
});

test('one middleware protocol: a project layer gets the response itself while the layers below answer synchronously, and stays synchronous', async () => {
  const below: string[] = [];
  // A project middleware written like the built-in ones: no await, so no promise.
  const plain: Middleware = (getResponse) => (request) => {
    const response = getResponse(request);
    below.push(response instanceof HttpResponseBase ? 'response' : 'promise');
    return response;
  };
  const app = getTsgiApplication({
    ALLOWED_HOSTS: ['127.0.0.1'],
    SECRET_KEY: 'x'.repeat(50),
    MIDDLEWARE: ['SecurityMiddleware', plain, 'XFrameOptionsMiddleware'],
    ROOT_URLCONF: [
      path('sync/', () => new HttpResponse('sync body')),
      path('async/', async () => new HttpResponse('async body')),
    ],
  });
  const context = { mountPath: '', log: console, rawHeaders: ['Host', '127.0.0.1'], remoteAddress: '127.0.0.1', scheme: 'http' } as never;
  const direct = app.fetch(new Request('http://127.0.0.1/sync/'), context);
  assert.ok(direct instanceof Response, 'a sync project layer keeps a sync view synchronous');
  assert.equal(await direct.text(), 'sync body');
  assert.equal(direct.headers.get('x-frame-options'), 'DENY');
  assert.equal(direct.headers.get('x-content-type-options'), 'nosniff');
  const later = app.fetch(new Request('http://127.0.0.1/async/'), context);
  assert.ok(later instanceof Promise);
  const response = await later;
  assert.equal(await response.text(), 'async body');
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  assert.deepEqual(below, ['response', 'promise']);
});

test('processView runs outermost first and may answer; processException runs innermost first; sync and async hooks alike', async () => {
  const calls: string[] = [];
  const hooks = (name: string, asyncHooks: boolean, catches: boolean): Middleware => (getResponse) => {
    const layer: MiddlewareHandler = (request) => getResponse(request);
    const answer = <T>(value: T) => (asyncHooks ? Promise.resolve(value) : value);
    layer.processView = (request) => {
      calls.push(`view:${name}`);
      return answer(request.path === `/answered-by-${name}/` ? new HttpResponse(`${name} answered`) : null);
    };
    layer.processException = (_request, error) => {
      calls.push(`exception:${name}`);
      return answer(catches ? new HttpResponse(`${name} caught ${(error as Error).message}`, { status: 503 }) : null);
    };
    return layer;
  };
  const client = new Client(
    getTsgiApplication({
      ALLOWED_HOSTS: ['testserver'],
      MIDDLEWARE: [hooks('outer', false, true), hooks('middle', true, false), hooks('inner', false, false)],
      ROOT_URLCONF: [
        path('ok/', () => new HttpResponse('view')),
        path('answered-by-middle/', () => new HttpResponse('view')),
        path('sync-boom/', boom),
        path('async-boom/', async () => {
          await Promise.resolve();
          throw new TypeError('async kaboom');
        }),
      ],
    }),
  );
  const all = ['view:outer', 'view:middle', 'view:inner'];
  assert.equal((await client.get('/ok/')).text, 'view');
  assert.deepEqual(calls.splice(0), all);
  assert.equal((await client.get('/answered-by-middle/')).text, 'middle answered');
  assert.deepEqual(calls.splice(0), ['view:outer', 'view:middle'], 'an answer short-circuits the hooks below and the view');
  for (const [route, message] of [['/sync-boom/', 'kaboom in the view'], ['/async-boom/', 'async kaboom']] as const) {
    const caught = await client.get(route);
    assert.equal(caught.status, 503, route);
    assert.equal(caught.text, `outer caught ${message}`);
    assert.deepEqual(calls.splice(0), [...all, 'exception:inner', 'exception:middle', 'exception:outer'], route);
  }
});

test("a view's response is prepared in the view's layer: the middleware above sees a FileResponse with its length, and a missing file as a 404 that processException hears", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsgi-fw-prepare-'));
  try {
    await writeFile(join(dir, 'there.txt'), 'twelve bytes');
    const seen: string[] = [];
    const watch: Middleware = (getResponse) => {
      const layer: MiddlewareHandler = async (request) => {
        const response = await getResponse(request);
        seen.push(`${response.status} ${response.headers.get('Content-Length') ?? '-'}`);
        return response;
      };
      layer.processException = (_request, error) => {
        seen.push(`exception ${(error as Error).name}`);
        return null;
      };
      return layer;
    };
    const client = new Client(
      getTsgiApplication({
        ALLOWED_HOSTS: ['testserver'],
        MIDDLEWARE: [watch, 'XFrameOptionsMiddleware'],
        ROOT_URLCONF: [path('there/', () => new FileResponse(join(dir, 'there.txt'))), path('gone/', () => new FileResponse(join(dir, 'gone.txt')))],
      }),
    );
    const there = await client.get('/there/');
    assert.equal(there.status, 200);
    assert.equal(there.text, 'twelve bytes');
    assert.deepEqual(seen.splice(0), ['200 12']);
    assert.equal((await client.get('/gone/')).status, 404);
    assert.deepEqual(seen.splice(0), ['exception Http404', '404 -']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('getTsgiApplication() carries the TSGI app marker, so servers detect it without guessing (SPEC 2.4)', () => {
  const app = getTsgiApplication({ ROOT_URLCONF: [], ALLOWED_HOSTS: ['*'] });
  assert.equal(tsgiAppVersion(app), TSGI_VERSION);
  assert.equal(tsgiAppVersion(app), '1.1');
});
