/**
 * Proof of swapping, one way: the real `hono` package's app runs unchanged on tsgi's `serve()`
 * (routes, JSON, streaming, a multipart upload), and under `validate()` neither side breaks the
 * contract. Hono receives the TSGI context as its `c.env`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { serve, type TsgiServer } from '../index.js';
import type { TsgiContext } from '../types.js';
import { validate } from '../validate.js';
import type { TsgiViolation } from '../validate-codes.js';
import { RawConnection } from '../conformance/raw-http.js';
import { describeAppConformance } from '../conformance/app-suite.js';

function honoApp(): Hono<{ Bindings: TsgiContext }> {
  const app = new Hono<{ Bindings: TsgiContext }>();
  app.get('/', (c) => c.text('Hello from Hono'));
  app.get('/users/:id', (c) => c.json({ id: c.req.param('id'), q: c.req.query('q') ?? null }));
  app.post('/echo', async (c) => c.json({ received: await c.req.json<unknown>() }, 201));
  app.get('/whoami', (c) => c.json({ remoteAddress: c.env.remoteAddress, remotePort: c.env.remotePort, protocol: c.env.protocol }));
  app.get('/stream', (c) =>
    stream(c, async (s) => {
      for (let i = 0; i < 3; i++) {
        await s.write(`part ${i}\n`);
        await s.sleep(20);
      }
    }),
  );
  app.post('/upload', async (c) => {
    const form = await c.req.formData();
    const file = form.get('file');
    if (!(file instanceof File)) return c.json({ error: 'no file' }, 400);
    const bytes = new Uint8Array(await file.arrayBuffer());
    return c.json({ name: file.name, type: file.type, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), title: form.get('title') });
  });
  app.notFound((c) => c.text('nothing here', 404));
  return app;
}

describe('a Hono app, unchanged, on serve()', () => {
  let server: TsgiServer;
  const violations: TsgiViolation[] = [];

  before(async () => {
    const app = honoApp();
    server = await serve(validate(app, { onViolation: (v) => violations.push(v) }), { port: 0, log: { debug() {}, info() {}, warn() {}, error() {} } });
  });
  after(async () => {
    await server.close();
  });

  it('routes and answers text', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'Hello from Hono');
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  });

  it('answers JSON with route params and query', async () => {
    const response = await fetch(`${server.url}/users/42?q=x%20y`);
    assert.deepEqual(await response.json(), { id: '42', q: 'x y' });
  });

  it('reads a JSON request body', async () => {
    const response = await fetch(`${server.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: [1, 2] }) });
    assert.equal(response.status, 201);
    assert.deepEqual(await response.json(), { received: { a: [1, 2] } });
  });

  it('sees the TSGI context as c.env', async () => {
    const conn = await RawConnection.open(server.url);
    try {
      await conn.write(`GET /whoami HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nConnection: close\r\n\r\n`);
      const body = JSON.parse((await conn.readFinal()).body.toString()) as Record<string, unknown>;
      assert.deepEqual(body, { remoteAddress: '127.0.0.1', remotePort: conn.localPort, protocol: 'HTTP/1.1' });
    } finally {
      conn.destroy();
    }
  });

  it('streams with hono/streaming', async () => {
    const conn = await RawConnection.open(server.url);
    try {
      await conn.write(`GET /stream HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nConnection: close\r\n\r\n`);
      const response = await conn.readFinal();
      assert.equal(response.framing, 'chunked');
      assert.equal(response.body.toString(), 'part 0\npart 1\npart 2\n');
    } finally {
      conn.destroy();
    }
  });

  it('accepts a multipart file upload through formData()', async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
    const form = new FormData();
    form.append('title', 'holiday');
    form.append('file', new File([bytes], 'photo.bin', { type: 'application/octet-stream' }));
    const response = await fetch(`${server.url}/upload`, { method: 'POST', body: form });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      name: 'photo.bin',
      type: 'application/octet-stream',
      size: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      title: 'holiday',
    });
  });

  it("answers HEAD and unknown paths the Hono way", async () => {
    const head = await fetch(`${server.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const missing = await fetch(`${server.url}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), 'nothing here');
  });

  it('kept the TSGI contract on both sides throughout (validate found no error)', () => {
    assert.deepEqual(violations.filter((v) => v.severity === 'error').map((v) => v.message), []);
  });
});

describeAppConformance('a Hono app', honoApp(), {
  requests: [
    { method: 'GET', path: '/users/7', status: 200 },
    { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{"a":1}', status: 201 },
    { method: 'GET', path: '/stream', status: 200 },
  ],
});
