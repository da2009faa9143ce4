// The proxy behind node's HTTP/2 compatibility API (as the server runs it for h2 clients): no
// pseudo-headers or connection-specific headers go up, duplicates come back, bodies both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createProxy } from './index.js';
import { passOptions, serverOptions, startH2Front } from './test-fixtures/helpers.js';

test('HTTP/2 requests are forwarded as HTTP/1.1 and answered over HTTP/2', async () => {
  const upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, [
        'Set-Cookie', 'a=1',
        'Set-Cookie', 'b=2',
        'Connection', 'keep-alive',
        'Keep-Alive', 'timeout=5',
        'Content-Type', 'application/json',
      ]);
      res.end(JSON.stringify({ method: req.method, url: req.url, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const proxy = createProxy(passOptions([serverOptions('a', (upstream.address() as AddressInfo).port)]));
  const { front, port } = await startH2Front(proxy);
  const client = connect(`http://127.0.0.1:${port}`);
  const ask = (headers: Record<string, string>, body?: string): Promise<{ headers: Record<string, unknown>; body: string }> =>
    new Promise((resolve, reject) => {
      const s = client.request(headers, { endStream: body === undefined });
      let h: Record<string, unknown> = {};
      let data = '';
      s.on('response', (x) => (h = x as Record<string, unknown>));
      s.setEncoding('utf8');
      s.on('data', (c: string) => (data += c));
      s.on('end', () => resolve({ headers: h, body: data }));
      s.on('error', reject);
      if (body !== undefined) s.end(body);
    });
  try {
    const get = await ask({ ':path': '/h2?x=1', ':authority': 'site.example', 'x-dup': 'one' });
    assert.equal(get.headers[':status'], 200);
    assert.deepEqual(get.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(get.headers['keep-alive'], undefined);
    const echo = JSON.parse(get.body) as { method: string; url: string; rawHeaders: string[]; body: string };
    assert.equal(echo.method, 'GET');
    assert.equal(echo.url, '/h2?x=1');
    assert.ok(!echo.rawHeaders.some((h) => h.startsWith(':')), 'no pseudo-headers upstream');
    const host = echo.rawHeaders.findIndex((h) => h.toLowerCase() === 'host');
    assert.equal(echo.rawHeaders[host + 1], 'site.example');
    assert.ok(echo.rawHeaders.includes('X-Forwarded-Proto') && echo.rawHeaders[echo.rawHeaders.indexOf('X-Forwarded-Proto') + 1] === 'https');
    const post = await ask({ ':path': '/h2', ':method': 'POST', ':authority': 'site.example' }, 'h2 body');
    const echo2 = JSON.parse(post.body) as { method: string; body: string; rawHeaders: string[] };
    assert.equal(echo2.method, 'POST');
    assert.equal(echo2.body, 'h2 body');
  } finally {
    client.close();
    await new Promise<void>((r) => front.close(() => r()));
    await proxy.close();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
  }
});
