/**
 * toFetchHandler's defaults and its behaviour on a host that exposes no node request (Bun, Deno,
 * Workers: the handler gets a bare Request). The node hosts (srvx, @hono/node-server) are run
 * through the whole conformance kit over sockets in conformance/*.conformance.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import { Response as UndiciResponse } from 'undici';
import { toFetchHandler } from './to-fetch-handler.js';
import { DEFAULT_LIMITS } from './limits.js';
import type { TsgiCompletion, TsgiContext, TsgiLogger } from './types.js';

const quiet: TsgiLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function recordingLog(into: string[]): TsgiLogger {
  return { ...quiet, error: (message: string) => void into.push(message) };
}

describe('toFetchHandler on a host without a node request', () => {
  it('sends a Response of the undici package as the runtime\'s own (SPEC 2.1.5), status, headers and body', async () => {
    // The types say Response; at run time a library may hand back undici's own class.
    const handler = toFetchHandler(() => new UndiciResponse('from undici', { status: 201, headers: { 'x-from': 'undici' } }) as unknown as Response, { log: quiet });
    const response = await handler(new Request('http://h/'));
    assert.ok(response instanceof Response);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-from'), 'undici');
    assert.equal(await response.text(), 'from undici');
  });

  it('declares DEFAULT_LIMITS for what it enforces and 0 for the host-owned timeouts', async () => {
    let seen: TsgiContext | undefined;
    const handler = toFetchHandler((_request, context) => {
      seen = context;
      return new Response(null, { status: 204 });
    }, { log: quiet });
    assert.equal((await handler(new Request('http://h/'))).status, 204);
    assert.deepEqual(seen?.server.limits, { ...DEFAULT_LIMITS, headersTimeoutMs: 0, bodyTimeoutMs: 0, keepAliveTimeoutMs: 0 });
  });

  it('answers 431 for too many fields and 413 for a declared length over the limit, without the app', async () => {
    let called = 0;
    const handler = toFetchHandler(() => {
      called += 1;
      return new Response('in');
    }, { log: quiet, limits: { maxHeaderCount: 2, maxBodyBytes: 10 } });
    const many = await handler(new Request('http://h/', { headers: { a: '1', b: '2', c: '3' } }));
    assert.equal(many.status, 431);
    assert.equal(many.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(many.headers.get('connection'), 'close');
    assert.equal(await many.text(), 'Request Header Fields Too Large');
    const big = await handler(new Request('http://h/', { method: 'POST', body: 'x'.repeat(11), headers: { 'content-length': '11' } }));
    assert.equal(big.status, 413);
    assert.equal(await big.text(), 'Content Too Large');
    assert.equal(called, 0);
  });

  it('errors a body stream growing past maxBodyBytes and answers 413 whatever the app returns', async () => {
    let appError = '';
    const handler = toFetchHandler(async (request) => {
      try {
        await request.arrayBuffer();
      } catch (error) {
        appError = (error as Error).name;
      }
      return new Response('the app carried on');
    }, { log: quiet, limits: { maxBodyBytes: 8 } });
    const chunks = ['12345', '67890'];
    const body = new ReadableStream<Uint8Array>({ pull: (c) => (chunks.length > 0 ? c.enqueue(new TextEncoder().encode(chunks.shift())) : c.close()) });
    const response = await handler(new Request('http://h/up', { method: 'POST', body, duplex: 'half', headers: { 'transfer-encoding': 'chunked' } } as RequestInit));
    assert.equal(response.status, 413);
    assert.equal(response.headers.get('connection'), 'close');
    assert.equal(appError, 'BodyTooLargeError');
  });

  it('gives a request without content a null body', async () => {
    let bodyNull: boolean | undefined;
    const handler = toFetchHandler((request) => {
      bodyNull = request.body === null;
      return new Response('ok');
    }, { log: quiet });
    await handler(new Request('http://h/', { method: 'DELETE', body: '', headers: { 'content-length': '0' } }));
    assert.equal(bodyNull, true);
  });

  it('drops hop-by-hop fields and sends an in-memory body with its Content-Length', async () => {
    const handler = toFetchHandler(() => new Response('hop', { headers: { connection: 'x-a', 'keep-alive': 'timeout=9', 'transfer-encoding': 'chunked', 'x-kept': 'yes' } }), { log: quiet });
    const response = await handler(new Request('http://h/'));
    assert.deepEqual([...response.headers].sort(), [['content-length', '3'], ['content-type', 'text/plain;charset=UTF-8'], ['x-kept', 'yes']]);
    assert.equal(await response.text(), 'hop');
  });

  it('turns a throw into a 500 text/plain logged with the request line, and settles completed', async () => {
    const errors: string[] = [];
    let completed: Promise<TsgiCompletion> | undefined;
    const handler = toFetchHandler((_request, context) => {
      completed = context.completed;
      throw new Error('boom on purpose');
    }, { log: recordingLog(errors) });
    const response = await handler(new Request('http://h/fail?x=1'));
    assert.equal(response.status, 500);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await response.text(), 'Internal Server Error');
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^tsgi: "GET \/fail HTTP\/1\.1" failed: Error: boom on purpose\n\s+at /);
    assert.deepEqual(await completed, { aborted: false, bytesWritten: 0, status: 500 });
  });

  it('cuts a stream at the Content-Length the app gave, and errors it', async () => {
    const errors: string[] = [];
    const handler = toFetchHandler(() => {
      const parts = ['abc', 'defgh', 'ij'];
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          if (parts.length === 0) c.close();
          else c.enqueue(new TextEncoder().encode(parts.shift()));
        },
      });
      return new Response(body, { headers: { 'content-length': '5' } });
    }, { log: recordingLog(errors) });
    const response = await handler(new Request('http://h/'));
    assert.equal(response.headers.get('content-length'), '5');
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const got: string[] = [];
    await assert.rejects(async () => {
      for (let i = 0; i < 10; i++) {
        const { done, value } = await reader.read();
        if (done) return;
        got.push(new TextDecoder().decode(value));
      }
    }, /longer than its Content-Length 5/);
    assert.equal(got.join(''), 'abcde');
    assert.match(errors.join('\n'), /longer than its Content-Length 5; cut there and closed the connection/);
  });

  it('believes X-Forwarded-Proto from a loopback peer by default, and nobody with trustedProxies: []', async () => {
    const connection = () => ({ remoteAddress: '127.0.0.1', remotePort: 5000, localAddress: '127.0.0.1', localPort: 80, encrypted: false });
    const app = (request: Request, context: TsgiContext) => Response.json({ url: request.url, scheme: context.scheme, client: context.client.address });
    const request = () => new Request('http://h/x', { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' } });
    const trusting = await (await toFetchHandler(app, { log: quiet, connection })(request())).json();
    assert.deepEqual(trusting, { url: 'https://h/x', scheme: 'https', client: '203.0.113.9' });
    const untrusting = await (await toFetchHandler(app, { log: quiet, connection, trustedProxies: [] })(request())).json();
    assert.deepEqual(untrusting, { url: 'http://h/x', scheme: 'http', client: '127.0.0.1' });
  });
});

describe('toFetchHandler on a unix socket (@hono/node-server)', () => {
  /** GETs / over the socket with forwarding headers, returning what the app saw. */
  function get(socketPath: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ socketPath, path: '/who', headers: { host: 'example.com', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>));
      });
      req.on('error', reject);
      req.end();
    });
  }

  for (const [trustedProxies, expected] of [
    [undefined, { url: 'https://example.com/who', scheme: 'https', client: '203.0.113.9', remote: '' }],
    [[], { url: 'http://example.com/who', scheme: 'http', client: '', remote: '' }],
  ] as const) {
    it(`believes a unix-socket peer's forwarding headers ${trustedProxies === undefined ? 'by default' : 'not with trustedProxies: []'}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tsgi-shim-'));
      const handler = toFetchHandler((request, context) => Response.json({ url: request.url, scheme: context.scheme, client: context.client.address, remote: context.remoteAddress }), {
        log: quiet,
        ...(trustedProxies === undefined ? {} : { trustedProxies }),
      });
      const server = createAdaptorServer({ fetch: handler }) as Server;
      try {
        const socketPath = join(dir, 'app.sock');
        await new Promise<void>((resolve) => server.listen(socketPath, resolve));
        assert.deepEqual(await get(socketPath), expected);
      } finally {
        await new Promise((resolve) => server.close(resolve));
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
