import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { serve, type TsgiContext, type TsgiServer } from './index.js';
import { portOf, recordingLogger } from './raw-socket.test.util.js';
import { rawExchange } from 'tsgi-test-support';

/** What the probe app saw, per request id (the `x-id` header). */
const seen = new Map<string, { request: Request; context: TsgiContext; body?: string; instance: boolean }>();
let server: TsgiServer;

before(async () => {
  server = await serve(
    async (request, context) => {
      const id = request.headers.get('x-id') ?? 'none';
      const entry: { request: Request; context: TsgiContext; body?: string; instance: boolean } = {
        request,
        context,
        instance: request instanceof Request,
      };
      seen.set(id, entry);
      if (request.body !== null) entry.body = await request.text();
      return new Response('ok');
    },
    { port: 0, log: recordingLogger() },
  );
});
after(() => server.close());

test('the request is an instanceof Request with method, absolute url and headers', async () => {
  await fetch(`${server.url}/path/x?q=1&r`, { headers: { 'x-id': 'basic', 'X-Custom': 'v' } });
  const { request, instance } = seen.get('basic')!;
  assert.equal(instance, true);
  assert.equal(request.method, 'GET');
  assert.equal(request.url, `${server.url}/path/x?q=1&r`);
  assert.equal(request.headers.get('x-custom'), 'v');
  assert.equal(request.body, null, 'GET has a null body');
  assert.equal(request.bodyUsed, false);
  assert.equal(Object.prototype.toString.call(request), '[object Request]');
});

test('duplicate header fields join in arrival order; cookie with "; "; set-cookie stays separate; rawHeaders keep case and order', async () => {
  const raw = await rawExchange(
    portOf(server.url),
    'GET /dups HTTP/1.1\r\nHost: h.test\r\nX-Id: dups\r\nX-Multi: a\r\nCookie: a=1\r\nx-multi: b\r\nCookie: b=2\r\nSet-Cookie: s=1\r\nSet-Cookie: t=2\r\nConnection: close\r\n\r\n',
  );
  assert.match(raw, /^HTTP\/1\.1 200/);
  const { request, context } = seen.get('dups')!;
  assert.equal(request.headers.get('x-multi'), 'a, b');
  assert.equal(request.headers.get('cookie'), 'a=1; b=2');
  assert.deepEqual(request.headers.getSetCookie(), ['s=1', 't=2']);
  assert.deepEqual(context.rawHeaders.slice(0, 6), ['Host', 'h.test', 'X-Id', 'dups', 'X-Multi', 'a']);
  assert.equal(context.rawHeaders[8], 'x-multi');
  assert.equal(request.url, 'http://h.test/dups');
  assert.equal(context.serverName, 'h.test');
});

test('a POST body streams to the app; text(), clone() and the real Request agree', async () => {
  const r = await fetch(`${server.url}/post`, { method: 'POST', body: 'a'.repeat(100_000), headers: { 'x-id': 'post' } });
  assert.equal(r.status, 200);
  const { request, body } = seen.get('post')!;
  assert.equal(body, 'a'.repeat(100_000));
  assert.equal(request.bodyUsed, true);
  assert.equal(request.method, 'POST');
});

test('a request with Content-Length: 0 or no framing has a null body; chunked has a stream', async () => {
  const port = portOf(server.url);
  await rawExchange(port, 'POST /e HTTP/1.1\r\nHost: x\r\nX-Id: cl0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  assert.equal(seen.get('cl0')!.request.body, null);
  await rawExchange(port, 'DELETE /e HTTP/1.1\r\nHost: x\r\nX-Id: none-framing\r\nConnection: close\r\n\r\n');
  assert.equal(seen.get('none-framing')!.request.body, null);
  await rawExchange(port, 'PUT /e HTTP/1.1\r\nHost: x\r\nX-Id: chunked\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
  assert.equal(seen.get('chunked')!.body, 'hello world');
});

test('method is as sent; HEAD has a null body', async () => {
  const port = portOf(server.url);
  await rawExchange(port, 'PATCH /m HTTP/1.1\r\nHost: x\r\nX-Id: patch\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi');
  assert.equal(seen.get('patch')!.request.method, 'PATCH');
  assert.equal(seen.get('patch')!.body, 'hi');
  await rawExchange(port, 'HEAD /m HTTP/1.1\r\nHost: x\r\nX-Id: head\r\nConnection: close\r\n\r\n');
  assert.equal(seen.get('head')!.request.body, null);
});

test('json() and formData() build the real Request lazily and work', async () => {
  const s = await serve(
    async (request) => {
      if (request.headers.get('content-type')?.startsWith('application/json')) return Response.json(await request.json());
      const form = await request.formData();
      return new Response(String(form.get('name')));
    },
    { port: 0 },
  );
  try {
    const j = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2]}' });
    assert.deepEqual(await j.json(), { a: [1, 2] });
    const f = await fetch(s.url, { method: 'POST', body: new URLSearchParams({ name: 'Ada' }) });
    assert.equal(await f.text(), 'Ada');
  } finally {
    await s.close();
  }
});

test('clone() gives an independent Request whose body can be read too', async () => {
  const s = await serve(
    async (request) => {
      const copy = request.clone();
      assert.ok(copy instanceof Request);
      const [a, b] = await Promise.all([request.text(), copy.text()]);
      return new Response(`${a}|${b}|${copy.url === request.url}`);
    },
    { port: 0 },
  );
  try {
    const r = await fetch(`${s.url}/c?x=1`, { method: 'POST', body: 'data' });
    assert.equal(await r.text(), 'data|data|true');
  } finally {
    await s.close();
  }
});

test('reading the body as a stream then the signal works without building the real Request', async () => {
  const s = await serve(
    async (request) => {
      const reader = request.body!.getReader();
      let n = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        assert.ok(value instanceof Uint8Array);
        n += value.byteLength;
      }
      return new Response(`${n} ${request.signal.aborted}`);
    },
    { port: 0 },
  );
  try {
    const r = await fetch(s.url, { method: 'POST', body: new Uint8Array(3 * 1024 * 1024) });
    assert.equal(await r.text(), `${3 * 1024 * 1024} false`);
  } finally {
    await s.close();
  }
});

test('text(), json(), arrayBuffer() and bytes() read the body once; a second read is a TypeError; BOM stripped', async () => {
  const s = await serve(
    async (request) => {
      const kind = new URL(request.url).pathname.slice(1);
      let first: unknown;
      if (kind === 'text') first = await request.text();
      else if (kind === 'json') first = await request.json();
      else if (kind === 'ab') first = new TextDecoder().decode(await request.arrayBuffer());
      else first = (await request.bytes()).length;
      const second = await request.text().then(
        () => 'read twice',
        (e: unknown) => (e instanceof TypeError ? 'TypeError' : String(e)),
      );
      return Response.json({ first, second, used: request.bodyUsed });
    },
    { port: 0 },
  );
  try {
    const post = async (path: string, body: string | Uint8Array<ArrayBuffer>) => (await fetch(s.url + path, { method: 'POST', body })).json();
    assert.deepEqual(await post('/text', '\uFEFFhéllo'), { first: 'héllo', second: 'TypeError', used: true });
    assert.deepEqual(await post('/json', '{"a":1}'), { first: { a: 1 }, second: 'TypeError', used: true });
    assert.deepEqual(await post('/ab', 'bytes'), { first: 'bytes', second: 'TypeError', used: true });
    assert.deepEqual(await post('/bytes', new Uint8Array(70_000)), { first: 70_000, second: 'TypeError', used: true });
    const bad = await fetch(s.url + '/json', { method: 'POST', body: '{not json' });
    assert.equal(bad.status, 500);
  } finally {
    await s.close();
  }
});
