// The Request a view gets, over real sockets (tsgi's serve()): every attribute the issue lists.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { JsonResponse, HttpResponse } from './response.js';
import type { HttpRequest } from './request.js';

/** Sends raw bytes, returns the raw response text (the connection is closed by `Connection: close`). */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
  });
}

let viewCalls = 0;
const describe = async (request: HttpRequest) => {
  viewCalls++;
  return new JsonResponse({
    method: request.method,
    path: request.path,
    pathInfo: request.pathInfo,
    mountPath: request.mountPath,
    fullPath: request.getFullPath(),
    scheme: request.scheme,
    secure: request.isSecure(),
    host: request.getHost(),
    absolute: request.buildAbsoluteUri(),
    absoluteLogin: request.buildAbsoluteUri('/login/?next=1'),
    client: request.client,
    remoteAddress: request.remoteAddress,
    headerMixed: request.headers.get('X-CuStOm'),
    headerFast: request.header('x-custom'),
    a: request.GET.get('a'),
    aAll: request.GET.getAll('a'),
    e: request.GET.get('e'),
    space: request.GET.get('c d'),
    missing: request.GET.get('nope') ?? null,
    cookies: request.COOKIES,
    accepts: request.accepts('text/html', 'application/json'),
    acceptedTypes: request.acceptedTypes,
    rawIsRequest: request.raw instanceof Request,
    worker: request.context.worker.id,
    params: request.params,
    paramTypes: Object.fromEntries(Object.entries(request.params).map(([k, v]) => [k, typeof v])),
  });
};

let served: ServedApp;
let mounted: ServedApp;
const baseSettings = { DEBUG: false, SECRET_KEY: 'k'.repeat(50), MIDDLEWARE: [], ROOT_URLCONF: [path('describe/', describe)] };

/** The fields of a describe answer a host test compares. */
function pick(answer: { status: number; host?: string; absolute?: string }) {
  return { status: answer.status, host: answer.host, absolute: answer.absolute };
}

before(async () => {
  const settings = {
    DEBUG: false,
    SECRET_KEY: 'k'.repeat(50),
    ALLOWED_HOSTS: ['127.0.0.1', 'example.com'],
    DATA_UPLOAD_MAX_MEMORY_SIZE: 1024,
    DATA_UPLOAD_MAX_NUMBER_FIELDS: 5,
    SECURE_PROXY_SSL_HEADER: ['X-Proxy-Secure', 'on'] as [string, string],
    MIDDLEWARE: [],
    ROOT_URLCONF: [
      path('describe/', describe),
      path('items/<int:id>/<slug:slug>/', describe),
      path('body/', async (request) => {
        const body = await request.bytes();
        return new JsonResponse({ length: body.length, contentType: request.contentType, params: { ...request.contentParams }, encoding: request.encoding });
      }),
      path('text/', async (request) => new HttpResponse(await request.text(), { contentType: 'text/plain' })),
      path('json/', async (request) => new JsonResponse({ got: await request.json() })),
      path('form/', async (request) => {
        await request.load();
        return new JsonResponse({ title: request.POST.get('title'), tags: request.POST.getAll('tag'), encoding: request.encoding });
      }),
      path('lazy/', () => new HttpResponse('did not read anything')),
      path('where/<int:n>/', (request) => new HttpResponse(request.reverse('where', { params: { n: 7 }, query: { q: 'x y' } })), { name: 'where' }),
      path('query/', (request) => new JsonResponse({ n: request.GET.size })),
      path('stream/', async (request) => {
        let total = 0;
        for await (const chunk of request.stream() as unknown as AsyncIterable<Uint8Array>) total += chunk.byteLength;
        let again = '';
        try {
          await request.load();
        } catch (error) {
          again = (error as Error).message;
        }
        return new JsonResponse({ total, again });
      }),
      path('signed/', (request) => {
        const response = new JsonResponse({ lang: request.getSignedCookie('lang', { fallback: 'none' }) ?? null });
        if (request.GET.has('set')) response.setCookie('lang', request.signCookie('lang', request.GET.get('set') as string));
        return response;
      }),
      path('no-session/', (request) => new JsonResponse({ s: request.session.get('x') })),
      path('id/', (request) => new JsonResponse({ id: request.id, again: request.id })),
    ],
  };
  served = await serveApp(settings);
  mounted = await serveApp(settings, { mountPath: '/app' });
});

after(async () => {
  await served?.close();
  await mounted?.close();
});

test('method, path, query (multi-value), headers, cookies, client, negotiation, raw and context', async () => {
  const res = await fetch(`${served.url}/describe/?a=1&a=2&e=%C3%A9t%C3%A9&c+d=x+y`, {
    headers: { 'X-Custom': 'Yes', Cookie: 'theme=dark; n=1', Accept: 'application/json;q=0.9, text/html;q=0.5' },
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.method, 'GET');
  assert.equal(body.path, '/describe/');
  assert.equal(body.pathInfo, '/describe/');
  assert.equal(body.mountPath, '');
  assert.equal(body.fullPath, '/describe/?a=1&a=2&e=%C3%A9t%C3%A9&c+d=x+y');
  assert.equal(body.a, '2', 'get() gives the last value');
  assert.deepEqual(body.aAll, ['1', '2']);
  assert.equal(body.e, 'été');
  assert.equal(body.space, 'x y');
  assert.equal(body.missing, null);
  assert.equal(body.headerMixed, 'Yes');
  assert.equal(body.headerFast, 'Yes');
  assert.deepEqual(body.cookies, { theme: 'dark', n: '1' });
  assert.equal(body.accepts, 'application/json');
  assert.deepEqual(body.acceptedTypes, ['application/json', 'text/html']);
  assert.equal(body.rawIsRequest, true);
  assert.equal(body.worker, 1);
  assert.equal(body.remoteAddress, '127.0.0.1');
  assert.equal(body.scheme, 'http');
  assert.equal(body.secure, false);
  assert.equal(body.host, `127.0.0.1:${served.port}`);
  assert.equal(body.absolute, `http://127.0.0.1:${served.port}/describe/?a=1&a=2&e=%C3%A9t%C3%A9&c+d=x+y`);
  assert.equal(body.absoluteLogin, `http://127.0.0.1:${served.port}/login/?next=1`);
});

test('typed route parameters reach the view converted', async () => {
  const res = await fetch(`${served.url}/items/42/hello-world/`);
  const body = (await res.json()) as Record<string, unknown>;
  assert.deepEqual(body.params, { id: 42, slug: 'hello-world' });
  assert.deepEqual(body.paramTypes, { id: 'number', slug: 'string' });
});

test('mount path: path keeps it, pathInfo drops it, URLs resolve below it', async () => {
  const res = await fetch(`${mounted.url}/app/describe/?a=1`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.path, '/app/describe/');
  assert.equal(body.pathInfo, '/describe/');
  assert.equal(body.mountPath, '/app');
  assert.equal((await fetch(`${mounted.url}/describe/`)).status, 404, 'outside the mount path');
  assert.equal(await (await fetch(`${mounted.url}/app/where/1/`)).text(), '/app/where/7/?q=x+y', 'request.reverse() includes the mount path');
  assert.equal(await (await fetch(`${served.url}/where/1/`)).text(), '/where/7/?q=x+y');
});

test('isSecure honours SECURE_PROXY_SSL_HEADER; the client address comes from the trusted proxy', async () => {
  const res = await fetch(`${served.url}/describe/`, { headers: { 'X-Proxy-Secure': 'on', 'X-Forwarded-For': '203.0.113.9' } });
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body.scheme, 'https');
  assert.equal(body.secure, true);
  assert.equal(body.remoteAddress, '203.0.113.9');
  assert.deepEqual((body.client as { address: string }).address, '203.0.113.9');
  const off = (await (await fetch(`${served.url}/describe/`, { headers: { 'X-Proxy-Secure': 'off' } })).json()) as Record<string, unknown>;
  assert.equal(off.secure, false);
});

test('bad Host: 400, a security log line, and the view never runs', async () => {
  const before = viewCalls;
  const evil = await raw(served.port, 'GET /describe/ HTTP/1.1\r\nHost: evil.example.net\r\nConnection: close\r\n\r\n');
  assert.match(evil, /^HTTP\/1\.1 400 /);
  const malformed = await raw(served.port, 'GET /describe/ HTTP/1.1\r\nHost: bad_host!\r\nConnection: close\r\n\r\n');
  assert.match(malformed, /^HTTP\/1\.1 400 /);
  const good = await raw(served.port, 'GET /describe/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
  assert.match(good, /^HTTP\/1\.1 200 /);
  assert.equal(viewCalls, before + 1, 'only the allowed host reached the view');
  const line = served.logs.find(([level, m]) => level === 'error' && m.includes('security.DisallowedHost') && m.includes('evil.example.net'));
  assert.ok(line, `security log line missing: ${JSON.stringify(served.logs)}`);
  assert.match(line[1], /You may need to add "evil\.example\.net" to ALLOWED_HOSTS/);
});

test('a host that starts like the one accepted last is checked in full (the Host check compares the last good host in place)', async () => {
  // /lazy/ never reads the host itself: only the handler's check stands between it and a bad Host.
  const ask = (host: string, at = '/lazy/') => raw(served.port, `GET ${at} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  assert.match(await ask('example.com'), /^HTTP\/1\.1 200 /);
  for (const evil of ['example.com.evil.net', 'example.comx', 'example.com@evil.net']) {
    assert.match(await ask(evil), /^HTTP\/1\.1 400 /, `${evil} right after example.com`);
    assert.match(await ask('example.com'), /^HTTP\/1\.1 200 /);
  }
  const port = await ask('example.com:8080', '/describe/');
  assert.match(port, /^HTTP\/1\.1 200 /);
  assert.match(port, /"host":"example\.com:8080"/);
});

test('absolute-form: the authority in the request line is the host ALLOWED_HOSTS checks, not the Host field (RFC 9112 section 3.2.2)', async () => {
  const before = viewCalls;
  const smuggled = await raw(served.port, 'GET http://evil.example.net/describe/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
  assert.match(smuggled, /^HTTP\/1\.1 400 /);
  assert.equal(viewCalls, before, 'a disallowed authority must not reach the view behind an allowed Host');
  const allowed = await raw(served.port, 'GET http://example.com/describe/ HTTP/1.1\r\nHost: evil.example.net\r\nConnection: close\r\n\r\n');
  assert.match(allowed, /^HTTP\/1\.1 200 /);
  assert.match(allowed, /"host":"example\.com"/);
  assert.equal(viewCalls, before + 1);
});

test('X-Forwarded-Host: a trusted proxy\'s is the host (it is request.url\'s); anyone else\'s only with USE_X_FORWARDED_HOST, whole, as Django', async () => {
  const ask = async (port: number, headers: string) => {
    const answer = await raw(port, `GET /describe/ HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`);
    const status = Number(answer.slice(9, 12));
    return status === 200 ? { status, ...(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { host: string; absolute: string }) } : { status };
  };
  // serve() trusts loopback: the proxy's X-Forwarded-Host names the host, still checked against ALLOWED_HOSTS.
  assert.deepEqual(pick(await ask(served.port, 'X-Forwarded-Host: example.com\r\nX-Forwarded-Proto: https\r\n')), { status: 200, host: 'example.com', absolute: 'https://example.com/describe/' });
  assert.deepEqual(await ask(served.port, 'X-Forwarded-Host: evil.example.net\r\n'), { status: 400 });
  const untrusted = await serveApp({ ...baseSettings, ALLOWED_HOSTS: ['127.0.0.1', 'example.com'] }, { trustedProxies: [] });
  const useForwarded = await serveApp({ ...baseSettings, ALLOWED_HOSTS: ['127.0.0.1', 'example.com'], USE_X_FORWARDED_HOST: true }, { trustedProxies: [] });
  try {
    assert.deepEqual(pick(await ask(untrusted.port, 'X-Forwarded-Host: example.com\r\n')), { status: 200, host: '127.0.0.1', absolute: 'http://127.0.0.1/describe/' });
    assert.deepEqual(pick(await ask(useForwarded.port, 'X-Forwarded-Host: example.com\r\n')), { status: 200, host: 'example.com', absolute: 'http://example.com/describe/' });
    assert.deepEqual(await ask(useForwarded.port, 'X-Forwarded-Host: example.com, 127.0.0.1\r\n'), { status: 400 });
  } finally {
    await untrusted.close();
    await useForwarded.close();
  }
});

test('body, content type and its parameters, encoding', async () => {
  const res = await fetch(`${served.url}/body/`, {
    method: 'POST',
    body: 'hello',
    headers: { 'Content-Type': 'Text/Plain; Charset="ISO-8859-1"; format=flowed' },
  });
  assert.deepEqual(await res.json(), { length: 5, contentType: 'text/plain', params: { charset: 'ISO-8859-1', format: 'flowed' }, encoding: 'ISO-8859-1' });
  const latin = await fetch(`${served.url}/text/`, { method: 'POST', body: new Uint8Array([0x63, 0x61, 0x66, 0xe9]), headers: { 'Content-Type': 'text/plain; charset=latin1' } });
  assert.equal(await latin.text(), 'café');
});

test('urlencoded forms: POST is a multi-value dict, decoded with the request charset', async () => {
  const res = await fetch(`${served.url}/form/`, {
    method: 'POST',
    body: 'title=Hello+there&tag=a&tag=b',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.deepEqual(await res.json(), { title: 'Hello there', tags: ['a', 'b'], encoding: 'utf-8' });
});

test('json(): parsed; malformed or empty is a clear 400', async () => {
  const ok = await fetch(`${served.url}/json/`, { method: 'POST', body: '{"a":[1,2]}', headers: { 'Content-Type': 'application/json' } });
  assert.deepEqual(await ok.json(), { got: { a: [1, 2] } });
  const bad = await fetch(`${served.url}/json/`, { method: 'POST', body: '{"a":', headers: { 'Content-Type': 'application/json' } });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /Bad Request/);
  const empty = await fetch(`${served.url}/json/`, { method: 'POST', body: '', headers: { 'Content-Type': 'application/json' } });
  assert.equal(empty.status, 400);
  assert.ok(served.logs.some(([, m]) => m.includes('Malformed JSON')), 'the reason is logged');
});

test('oversized bodies: 413 from Content-Length before reading, and from a chunked stream while reading', async () => {
  const big = 'x'.repeat(5000);
  const declared = await fetch(`${served.url}/json/`, { method: 'POST', body: big, headers: { 'Content-Type': 'application/json' } });
  assert.equal(declared.status, 413);
  const chunked = await raw(
    served.port,
    'POST /text/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n' +
      `800\r\n${'y'.repeat(0x800)}\r\n0\r\n\r\n`,
  );
  assert.match(chunked, /^HTTP\/1\.1 413 /);
  const within = await fetch(`${served.url}/text/`, { method: 'POST', body: 'z'.repeat(1024) });
  assert.equal((await within.text()).length, 1024, 'exactly the limit is accepted');
});

test('laziness: a view that reads nothing is not hurt by a query it never parses; one that reads it gets 400', async () => {
  const q = 'a=1&b=2&c=3&d=4&e=5&f=6&g=7';
  assert.equal((await fetch(`${served.url}/lazy/?${q}`)).status, 200);
  const read = await fetch(`${served.url}/query/?${q}`);
  assert.equal(read.status, 400, 'TooManyFieldsSent');
  assert.equal((await fetch(`${served.url}/query/?a=1&b=2`)).status, 200);
});

test('stream(): the body as it arrives, beyond DATA_UPLOAD_MAX_MEMORY_SIZE; afterwards load() refuses', async () => {
  const res = await fetch(`${served.url}/stream/`, { method: 'POST', body: 'q'.repeat(10_000) });
  const json = (await res.json()) as { total: number; again: string };
  assert.equal(json.total, 10_000);
  assert.match(json.again, /after reading it as a stream/);
});

test('request.session without SessionMiddleware says which middleware is missing', async () => {
  const res = await fetch(`${served.url}/no-session/`);
  assert.equal(res.status, 500);
  assert.ok(served.logs.some(([, m]) => m.includes("request.session needs 'SessionMiddleware' in MIDDLEWARE")));
});

test('signed cookies: round trip; tampered, unsigned or missing gives the fallback', async () => {
  const set = await fetch(`${served.url}/signed/?set=fr`);
  const cookie = (set.headers.getSetCookie()[0] as string).split(';')[0] as string;
  const value = cookie.slice('lang='.length);
  assert.match(value, /^fr\./);
  const read = async (header: string) => ((await (await fetch(`${served.url}/signed/`, { headers: { Cookie: header } })).json()) as { lang: string }).lang;
  assert.equal(await read(cookie), 'fr');
  assert.equal(await read(`lang=${value.replace(/^fr/, 'de')}`), 'none', 'tampered');
  assert.equal(await read('lang=fr'), 'none', 'unsigned');
  assert.equal(await read(''), 'none', 'missing');
});

test('request.id: the id the server gave (a trusted peer\'s X-Request-Id, else a new UUID), in the framework\'s log lines too', async () => {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const kept = (await (await fetch(`${served.url}/id/`, { headers: { 'X-Request-Id': 'abc-123' } })).json()) as { id: string; again: string };
  assert.deepEqual(kept, { id: 'abc-123', again: 'abc-123' }, 'loopback is a trusted proxy by default');
  const made = (await (await fetch(`${served.url}/id/`)).json()) as { id: string; again: string };
  assert.match(made.id, uuid);
  assert.equal(made.again, made.id, 'one id per request');
  const invalid = (await (await fetch(`${served.url}/id/`, { headers: { 'X-Request-Id': 'x'.repeat(300) } })).json()) as { id: string };
  assert.match(invalid.id, uuid);
  const missing = await raw(served.port, 'GET /nowhere/ HTTP/1.1\r\nHost: example.com\r\nX-Request-Id: req-404\r\nConnection: close\r\n\r\n');
  assert.match(missing, /^HTTP\/1\.1 404 /);
  assert.ok(served.logs.some(([level, m]) => level === 'warn' && m === 'Not Found: /nowhere/ request_id=req-404'), JSON.stringify(served.logs));
});
