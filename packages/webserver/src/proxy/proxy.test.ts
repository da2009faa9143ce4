// Forwarding and headers: the proxy on a plain http.createServer in front of real upstream servers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProxy, UpstreamRegistry } from './index.js';
import type { ProxyContext } from './index.js';
import { fetchRaw, passOptions, serverOptions, startFront } from './test-fixtures/helpers.js';
import { rawRequest } from '../testing/helpers.js';
import { waitFor } from 'tsgi-test-support';

let upstream: Server;
let upPort = 0;
let hanging = 0;
const seen: IncomingMessage[] = [];
/** `/slow` requests, held until `answerSlow()`: late for exactly as long as a test needs. */
const slowHeld = new Set<ServerResponse>();
const answerSlow = (): void => {
  for (const res of slowHeld) res.end('late');
  slowHeld.clear();
};

function upstreamHandler(req: IncomingMessage, res: ServerResponse): void {
  seen.push(req);
  const url = new URL(req.url ?? '/', 'http://x');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (url.pathname === '/hop') {
      // Hop-by-hop headers in the response, and one named by Connection: none may reach the client.
      res.writeHead(200, [
        'Connection', 'keep-alive, X-Secret',
        'Keep-Alive', 'timeout=5',
        'X-Secret', 'hidden',
        'Set-Cookie', 'a=1',
        'Set-Cookie', 'b=2',
        'X-Accel-Buffering', 'yes',
        'Server', 'upstream/1.0',
        'Date', 'Thu, 01 Jan 1970 00:00:00 GMT',
        'Content-Length', '2',
      ]);
      res.end('ok');
      return;
    }
    if (url.pathname === '/hang') {
      // Never answers; counts itself until the proxy cancels it.
      hanging++;
      res.on('close', () => hanging--);
      return;
    }
    if (url.pathname === '/slow') {
      slowHeld.add(res);
      res.on('close', () => slowHeld.delete(res));
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() }));
  });
}

before(async () => {
  upstream = createServer(upstreamHandler);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upPort = (upstream.address() as AddressInfo).port;
});
after(async () => {
  answerSlow();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

interface Echo {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}
const headerValues = (raw: string[], name: string): string[] =>
  raw.flatMap((v, i) => (i % 2 === 0 && v.toLowerCase() === name ? [raw[i + 1]!] : []));

test('forwards method, path, body and client headers; strips hop-by-hop ones; keeps duplicates in order', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort)]));
  const front = await startFront(proxy);
  try {
    const r = await fetchRaw(front.port, '/p/q?x=1&y=2', {
      method: 'POST',
      headers: [
        'Host', 'front.example',
        'Connection', 'keep-alive, X-Drop-Me',
        'X-Drop-Me', 'secret',
        'Keep-Alive', 'timeout=10',
        'TE', 'trailers',
        'Proxy-Connection', 'keep-alive',
        'X-Dup', 'one',
        'X-Dup', 'two',
        'Cookie', 'a=1',
        'Cookie', 'b=2',
        'Content-Type', 'text/plain',
      ],
      body: 'hello body',
    });
    assert.equal(r.status, 200);
    const echo = JSON.parse(r.body.toString()) as Echo;
    assert.equal(echo.method, 'POST');
    assert.equal(echo.url, '/p/q?x=1&y=2');
    assert.equal(echo.body, 'hello body');
    for (const h of ['x-drop-me', 'keep-alive', 'te', 'proxy-connection']) assert.deepEqual(headerValues(echo.rawHeaders, h), [], h);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-dup'), ['one', 'two']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'cookie'), ['a=1', 'b=2']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'content-length'), ['10']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'host'), ['front.example']);
  } finally {
    await front.close();
    await proxy.close();
  }
});

test('response: hop-by-hop and Connection-named headers stripped, duplicates kept, X-Accel-* hidden', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort)]));
  const front = await startFront(proxy);
  try {
    const r = await fetchRaw(front.port, '/hop');
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'ok');
    assert.equal(r.headers['x-secret'], undefined);
    assert.equal(r.headers['x-accel-buffering'], undefined);
    assert.notEqual(r.headers['keep-alive'], 'timeout=5');
    assert.deepEqual(headerValues(r.rawHeaders, 'set-cookie'), ['a=1', 'b=2']);
    assert.equal(r.headers.server, undefined, 'the upstream Server is hidden (the front sets its own)');
    assert.notEqual(r.headers.date, 'Thu, 01 Jan 1970 00:00:00 GMT', 'Date is the front\'s own');
    assert.ok(r.headers.date);
  } finally {
    await front.close();
    await proxy.close();
  }
});

test('X-Forwarded-*, X-Real-IP, Forwarded and X-Request-Id: replaced for untrusted peers, extended for trusted ones', async () => {
  const spoof = ['X-Forwarded-For', '6.6.6.6', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'evil.example', 'X-Real-IP', '6.6.6.6', 'Forwarded', 'for=6.6.6.6', 'X-Request-Id', 'given-id-1'];
  // Untrusted: nothing the client claims survives.
  let ctxSeen: ProxyContext | undefined;
  const untrusted = createProxy(passOptions([serverOptions('a', upPort)], { trustedProxies: ['10.0.0.0/8'] }));
  let front = await startFront(untrusted, {}, (c) => (ctxSeen = c));
  try {
    const echo = JSON.parse((await fetchRaw(front.port, '/', { headers: ['Host', 'site.example', ...spoof] })).body.toString()) as Echo;
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-forwarded-for'), ['127.0.0.1']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-forwarded-host'), ['site.example']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-real-ip'), ['127.0.0.1']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'forwarded'), ['for=127.0.0.1;host=site.example;proto=http']);
    const id = headerValues(echo.rawHeaders, 'x-request-id');
    assert.equal(id.length, 1);
    assert.notEqual(id[0], 'given-id-1');
    assert.equal(ctxSeen?.requestId, id[0], 'the request id is written to ctx for the access log');
    assert.equal(ctxSeen?.upstreamStatus, 200);
    assert.equal(ctxSeen?.upstreamAddr, 'a');
  } finally {
    await front.close();
    await untrusted.close();
  }
  // Trusted (loopback): appended to, and the request id kept.
  const trusted = createProxy(passOptions([serverOptions('a', upPort)]));
  front = await startFront(trusted);
  try {
    const echo = JSON.parse((await fetchRaw(front.port, '/', { headers: ['Host', 'site.example', ...spoof] })).body.toString()) as Echo;
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-forwarded-for'), ['6.6.6.6, 127.0.0.1']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-forwarded-proto'), ['https']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-forwarded-host'), ['evil.example']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'forwarded'), ['for=6.6.6.6, for=127.0.0.1;host=site.example;proto=http']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-request-id'), ['given-id-1']);
  } finally {
    await front.close();
    await trusted.close();
  }
});

test('Forwarded quotes IPv6 clients (RFC 7239 section 6)', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort)]));
  const front = await startFront(proxy, { remoteAddress: '2001:db8::17' });
  try {
    const echo = JSON.parse((await fetchRaw(front.port, '/', { headers: { host: 'h' } })).body.toString()) as Echo;
    assert.deepEqual(headerValues(echo.rawHeaders, 'forwarded'), ['for="[2001:db8::17]";host=h;proto=http']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-forwarded-for'), ['2001:db8::17']);
  } finally {
    await front.close();
    await proxy.close();
  }
});

test('setHeaders: $msec and ${name} (X-Request-Start = "t=${msec}", as New Relic reads it) and $$', async () => {
  const proxy = createProxy(
    passOptions([serverOptions('a', upPort)], {
      setHeaders: { 'X-Request-Start': 't=${msec}', 'X-Port': '${server_port}$$${request_id}x' },
    }),
  );
  const front = await startFront(proxy, { requestId: 'rid-8' });
  try {
    const before = Date.now();
    const echo = JSON.parse((await fetchRaw(front.port, '/')).body.toString()) as Echo;
    const after = Date.now();
    const [start] = headerValues(echo.rawHeaders, 'x-request-start');
    assert.match(String(start), /^t=\d{10}\.\d{3}$/, 'seconds with milliseconds, as nginx\'s $msec');
    const ms = Number(String(start).slice(2)) * 1000;
    assert.ok(ms >= before - 1 && ms <= after + 1, `${ms} within [${before}, ${after}]`);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-port'), [`${front.port}$rid-8x`]);
  } finally {
    await front.close();
    await proxy.close();
  }
});

test('setHeaders with variables, removal with an empty value; Host set explicitly; uri replaces the location prefix', async () => {
  const proxy = createProxy(
    passOptions([serverOptions('a', upPort)], {
      uri: '/backend/',
      setHeaders: { Host: 'internal.example', 'X-Who': '$remote_addr via $scheme for $host ($request_id)', 'X-Real-IP': '', 'User-Agent': '' },
    }),
  );
  const front = await startFront(proxy, { locationPrefix: '/api/', requestId: 'rid-7' });
  try {
    const echo = JSON.parse((await fetchRaw(front.port, '/api/users?id=3', { headers: { host: 'public.example', 'user-agent': 'ua' } })).body.toString()) as Echo;
    assert.equal(echo.url, '/backend/users?id=3');
    assert.deepEqual(headerValues(echo.rawHeaders, 'host'), ['internal.example']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-who'), ['127.0.0.1 via http for public.example (rid-7)']);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-real-ip'), []);
    assert.deepEqual(headerValues(echo.rawHeaders, 'user-agent'), []);
    assert.deepEqual(headerValues(echo.rawHeaders, 'x-request-id'), ['rid-7']);
  } finally {
    await front.close();
    await proxy.close();
  }
  assert.throws(() => createProxy(passOptions([serverOptions('a', upPort)], { setHeaders: { 'Content-Length': '5' } })), /framing/);
});

test('upstream on a unix socket', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsgi-proxy-unix-'));
  const path = join(dir, 'app.sock');
  const unixUp = createServer(upstreamHandler);
  await new Promise<void>((r) => unixUp.listen(path, r));
  const proxy = createProxy(passOptions([serverOptions('unix:' + path, path)]));
  const front = await startFront(proxy);
  try {
    const r = await fetchRaw(front.port, '/via-unix');
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body.toString()) as Echo).url, '/via-unix');
  } finally {
    await front.close();
    await proxy.close();
    unixUp.closeAllConnections();
    await new Promise<void>((r) => unixUp.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  }
});

test('refused upstream gives 502 at once; a silent one 504 at the read timeout', async () => {
  // A port with nothing listening: bind one, note it, close it.
  const tmp = createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  const deadPort = (tmp.address() as AddressInfo).port;
  await new Promise<void>((r) => tmp.close(() => r()));
  const refused = createProxy(passOptions([serverOptions('dead', deadPort)], { connectTimeoutMs: 3_000 }));
  let front = await startFront(refused);
  try {
    const t0 = Date.now();
    const r = await fetchRaw(front.port, '/');
    assert.equal(r.status, 502);
    assert.ok(Date.now() - t0 < 3_000, 'a refused connection answers before the connect timeout');
    assert.equal(refused.stats().badGateway, 1);
  } finally {
    await front.close();
    await refused.close();
  }
  const slow = createProxy(passOptions([serverOptions('a', upPort)], { readTimeoutMs: 400 }));
  front = await startFront(slow);
  try {
    const t0 = Date.now();
    const r = await fetchRaw(front.port, '/slow');
    const took = Date.now() - t0;
    assert.equal(r.status, 504);
    assert.ok(took >= 350 && took < 1_900, `504 after the read timeout (took ${took} ms)`);
    assert.equal(slow.stats().gatewayTimeout, 1);
  } finally {
    await front.close();
    await slow.close();
  }
});

test('a client that goes away cancels the upstream request and frees its connection', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort)]));
  const front = await startFront(proxy);
  try {
    const pending = rawRequest(front.port, 'GET /hang HTTP/1.1\r\nHost: x\r\n\r\n', 400);
    await waitFor(() => hanging === 1, { timeoutMs: 5_000, what: 'the upstream to get the request' });
    assert.equal(proxy.stats().upstream.servers[0]!.active, 1);
    await pending; // rawRequest closes the socket after 400 ms
    await waitFor(() => hanging === 0, { timeoutMs: 5_000, what: 'the upstream request to be cancelled' });
    await waitFor(() => proxy.stats().upstream.servers[0]!.active === 0 && proxy.stats().active === 0, { timeoutMs: 5_000, what: 'the proxy to free it' });
  } finally {
    await front.close();
    await proxy.close();
  }
});

test('an upstream response with invalid framing gives 502', async () => {
  const { createServer: createNet } = await import('node:net');
  const bad = createNet((s) => {
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'));
  });
  await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
  // A good second server: an invalid answer is not retried (the app got the request).
  const good = createServer((_req, res) => res.end('good'));
  await new Promise<void>((r) => good.listen(0, '127.0.0.1', r));
  const proxy = createProxy(passOptions([serverOptions('bad', (bad.address() as AddressInfo).port), serverOptions('good', (good.address() as AddressInfo).port)]));
  const front = await startFront(proxy);
  try {
    const r = await fetchRaw(front.port, '/');
    assert.equal(r.status, 502);
    assert.equal(proxy.stats().retries, 0);
  } finally {
    await front.close();
    await proxy.close();
    await new Promise<void>((r) => bad.close(() => r()));
    await new Promise<void>((r) => good.close(() => r()));
  }
});

test('a shared registry shares upstream state between proxies of the same upstream object', async () => {
  const registry = new UpstreamRegistry();
  const pass = passOptions([serverOptions('a', upPort)]);
  const p1 = createProxy(pass, { registry });
  const p2 = createProxy({ ...pass, uri: '/other/' }, { registry });
  const f1 = await startFront(p1);
  const f2 = await startFront(p2);
  try {
    await fetchRaw(f1.port, '/');
    await fetchRaw(f2.port, '/');
    assert.equal(registry.stats()[0]!.servers[0]!.requests, 2);
    assert.equal(p1.stats().upstream.servers[0]!.requests, 2);
  } finally {
    await f1.close();
    await f2.close();
    await p1.close();
    await p2.close();
    registry.close();
  }
});

test('upstream responses with invalid framing: a table (502 before the status line went out, a cut connection after)', async () => {
  const { createServer: createNet } = await import('node:net');
  // -1: the client connection is cut (headers were valid and sent; the body then broke), as nginx does.
  const cases: [string, string, number][] = [
    ['CL and TE', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 502],
    ['two different Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', 502],
    ['Content-Length not a number', 'HTTP/1.1 200 OK\r\nContent-Length: five\r\n\r\nhello', 502],
    ['garbage status line', 'HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n', 502],
    ['not HTTP at all', 'SSH-2.0-OpenSSH_9.2\r\n', 502],
    ['NUL in a header value', 'HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\nContent-Length: 0\r\n\r\n', 502],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', -1],
    ['closed without an answer', '', 502],
  ];
  for (const [name, answer, expected] of cases) {
    const bad = createNet((sock) => sock.once('data', () => sock.end(answer)));
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    const proxy = createProxy(passOptions([serverOptions('bad', (bad.address() as AddressInfo).port)]));
    const front = await startFront(proxy);
    try {
      let status = 0;
      try {
        const r = await fetchRaw(front.port, '/');
        status = r.status;
      } catch {
        status = -1;
      }
      assert.equal(status, expected, name);
    } finally {
      await front.close();
      await proxy.close();
      await new Promise<void>((r) => bad.close(() => r()));
    }
  }
});

test('an HTTP/1.0 request without Host gets the upstream server as Host', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort)]));
  const front = await startFront(proxy, { host: '' });
  try {
    const raw = await rawRequest(front.port, 'GET /old HTTP/1.0\r\n\r\n', 3_000);
    assert.match(raw, /^HTTP\/1\.[01] 200 /);
    const echo = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Echo;
    assert.deepEqual(headerValues(echo.rawHeaders, 'host'), [`127.0.0.1:${upPort}`]);
  } finally {
    await front.close();
    await proxy.close();
  }
});

test('absolute-form targets go up in origin-form; OPTIONS * as OPTIONS /', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort)]));
  const front = await startFront(proxy);
  try {
    const abs = await rawRequest(front.port, 'GET http://site.example/abs?x=1 HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n\r\n', 3_000);
    assert.equal((JSON.parse(abs.slice(abs.indexOf('\r\n\r\n') + 4)) as Echo).url, '/abs?x=1');
    const star = await rawRequest(front.port, 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 3_000);
    const echo = JSON.parse(star.slice(star.indexOf('\r\n\r\n') + 4)) as Echo;
    assert.equal(echo.method, 'OPTIONS');
    assert.equal(echo.url, '/');
  } finally {
    await front.close();
    await proxy.close();
  }
});

test('max_conns: a full server is not given more requests (502 when it is the only one, the other server otherwise)', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort, { maxConns: 1 })]));
  const front = await startFront(proxy);
  try {
    const slow = fetchRaw(front.port, '/slow');
    await waitFor(() => proxy.stats().upstream.servers[0]!.active === 1, { timeoutMs: 5_000, what: 'the slow request to be in flight' });
    const r = await fetchRaw(front.port, '/');
    assert.equal(r.status, 502, 'no live upstream while the only server is full');
    answerSlow();
    assert.equal((await slow).status, 200);
    assert.equal((await fetchRaw(front.port, '/')).status, 200, 'free again');
  } finally {
    await front.close();
    await proxy.close();
  }
});
