// An upstream's 103 Early Hints and response trailers through the proxy (interim.ts): passed on
// by `early_hints` / `proxy_pass_trailers`, never to HTTP/1.0, over HTTP/1.1 and HTTP/2 fronts.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { rawExchange } from 'tsgi-test-support';
import { createProxy } from './index.js';
import type { ProxyPassOptions } from './options.js';
import { passOptions, serverOptions, startFront, startH2Front } from './test-fixtures/helpers.js';

const HINT_LINK = '</f.css>; rel=preload; as=style; media="(min-width: 40em)", </m.js>; rel=modulepreload';

let upstream: Server;
let upstreamPort = 0;

before(async () => {
  upstream = createServer((req, res) => {
    // A 103 as an app server writes it, with a field that must not be passed on.
    res.socket!.write(`HTTP/1.1 103 Early Hints\r\nLink: ${HINT_LINK}\r\nConnection: keep-alive\r\n\r\n`);
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      res.write('hello ');
      res.addTrailers({ 'x-checksum': 'abc', 'content-type': 'text/html' });
      res.end('world');
    }, 20);
    req.resume();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
});

after(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

async function throughFront(over: Partial<ProxyPassOptions>, bytes: string): Promise<string> {
  const proxy = createProxy(passOptions([serverOptions('a', upstreamPort)], over));
  const front = await startFront(proxy);
  try {
    return await rawExchange(front.port, bytes);
  } finally {
    await front.close();
    await proxy.close();
  }
}

const GET = 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';

test('early_hints on: the upstream 103 reaches an HTTP/1.1 client before the 200, Link intact, connection fields left out', async () => {
  for (const buffering of [true, false]) {
    const text = await throughFront({ earlyHints: 'on', buffering }, GET);
    assert.match(text, /^HTTP\/1\.1 103 Early Hints\r\n/, `buffering ${buffering}: the 103 comes first`);
    const hints = text.slice(0, text.indexOf('\r\n\r\n'));
    assert.ok(hints.includes(`link: ${HINT_LINK}`), hints);
    assert.ok(!/connection:/i.test(hints), 'Connection in the 103');
    assert.match(text, /\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    // Trailers: after the last chunk, content-type (kept out of trailers by RFC 9110 6.5.1) dropped.
    assert.match(text, /\r\n0\r\nx-checksum: abc\r\n\r\n$/, `buffering ${buffering}: trailer section`);
    assert.ok(!/0\r\n[^]*content-type: text\/html/.test(text));
  }
});

test('early_hints off (the default, as nginx) or an HTTP/1.0 client: no 103; proxy_pass_trailers false: no trailers', async () => {
  const off = await throughFront({}, GET);
  assert.match(off, /^HTTP\/1\.1 200 OK\r\n/);
  const old = await throughFront({ earlyHints: 'on' }, 'GET / HTTP/1.0\r\nHost: a\r\n\r\n');
  assert.match(old, /^HTTP\/1\.1 200 OK\r\n/);
  assert.ok(old.endsWith('hello world'), 'HTTP/1.0: close-delimited body, no trailers');
  const http2Only = await throughFront({ earlyHints: 'http2' }, GET);
  assert.match(http2Only, /^HTTP\/1\.1 200 OK\r\n/, 'early_hints http2 sends no 103 to HTTP/1.1');
  const noTrailers = await throughFront({ passTrailers: false }, GET);
  assert.match(noTrailers, /\r\n0\r\n\r\n$/);
});

test('HTTP/2 front: the 103 arrives as an informational HEADERS frame, trailers as trailing HEADERS', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upstreamPort)], { earlyHints: 'http2' }));
  const { front, port } = await startH2Front(proxy);
  const client = connect(`http://127.0.0.1:${port}`);
  try {
    const events: string[] = [];
    const seen = await new Promise<{ hints: IncomingHttpHeaders | undefined; trailers: IncomingHttpHeaders | undefined; body: string }>((resolve, reject) => {
      const stream = client.request({ ':path': '/', ':authority': 'a' });
      let hints: IncomingHttpHeaders | undefined;
      let trailers: IncomingHttpHeaders | undefined;
      let body = '';
      stream.on('headers', (headers) => {
        events.push(`informational ${String(headers[':status'])}`);
        hints = headers;
      });
      stream.on('response', (headers) => events.push(`response ${String(headers[':status'])}`));
      stream.on('trailers', (headers) => (trailers = headers));
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (body += chunk));
      stream.on('end', () => resolve({ hints, trailers, body }));
      stream.on('error', reject);
      stream.setTimeout(10_000, () => reject(new Error('no HTTP/2 response within 10 s')));
    });
    assert.deepEqual(events, ['informational 103', 'response 200']);
    assert.equal(seen.hints?.link, HINT_LINK);
    assert.equal(seen.hints?.connection, undefined);
    assert.equal(seen.body, 'hello world');
    assert.equal(seen.trailers?.['x-checksum'], 'abc');
    assert.equal(seen.trailers?.['content-type'], undefined);
  } finally {
    client.close();
    await new Promise<void>((resolve) => front.close(() => resolve()));
    await proxy.close();
  }
});
