import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FastResponse } from './fast-response.js';
import { serve } from './serve.js';
import { TSGI_FILE, type TsgiApp, type TsgiContext } from './types.js';
import { validate } from './validate.js';
import { TSGI_VIOLATIONS, TsgiValidationError, type TsgiViolation, type TsgiViolationCode } from './validate-codes.js';
import { createTestContext } from './conformance/test-context.js';

const URL_BASE = 'http://127.0.0.1:8000';
const produced = new Set<TsgiViolationCode>();

/** A Response whose fields are whatever the test says: what a buggy FastResponse-like class could hand a server. */
function fakeResponse(fields: { status?: number; statusText?: string; headers?: Array<[string, string]>; body?: ReadableStream<Uint8Array> | null }): Response {
  const fake = Object.create(Response.prototype) as Response;
  Object.defineProperties(fake, {
    status: { value: fields.status ?? 200 },
    statusText: { value: fields.statusText ?? '' },
    headers: { value: fields.headers ?? [] },
    body: { value: fields.body ?? null },
  });
  return fake;
}

/** A Request with overridden fields (what a buggy lazy Request could look like). */
function fakeRequest(fields: { url?: string; method?: string; body?: ReadableStream<Uint8Array> | null }): Request {
  const real = new Request(`${URL_BASE}/`);
  const fake = Object.create(Request.prototype) as Request;
  Object.defineProperties(fake, {
    url: { value: fields.url ?? real.url },
    method: { value: fields.method ?? 'GET' },
    body: { value: fields.body ?? null },
    headers: { value: real.headers },
    signal: { value: real.signal },
  });
  return fake;
}

function stream(text: string): ReadableStream<Uint8Array> {
  return new Response(text).body as ReadableStream<Uint8Array>;
}

/** Runs one call of `app` under validate in collecting mode; returns the codes reported. */
async function run(app: TsgiApp, request: Request = new Request(`${URL_BASE}/`), tweak?: (context: Record<string, unknown>) => unknown): Promise<TsgiViolationCode[]> {
  const found: TsgiViolation[] = [];
  const validated = validate(app, { onViolation: (v) => found.push(v) });
  const { context, finish } = createTestContext(request);
  const ctx = tweak === undefined ? context : (tweak({ ...context }) as TsgiContext);
  const response = await validated.fetch(request, ctx);
  // Fake Responses have no internal state: reading them may throw synchronously (Node 24).
  if (response instanceof Response) await Promise.resolve().then(() => (response.body === null ? undefined : response.arrayBuffer())).catch(() => undefined);
  finish({ aborted: false, bytesWritten: 0, status: 200 });
  await new Promise((resolve) => setImmediate(resolve));
  for (const v of found) produced.add(v.code);
  return found.map((v) => v.code);
}

const ok: TsgiApp = () => new Response('ok');

describe('validate(): the app side', () => {
  const cases: Array<[TsgiViolationCode, TsgiApp, Request?]> = [
    ['TSGI_E_RESPONSE_TYPE', () => ({ status: 200 }) as unknown as Response],
    ['TSGI_E_STATUS', () => fakeResponse({ status: 99 })],
    ['TSGI_E_STATUS_TEXT', () => fakeResponse({ statusText: 'OK\r\nX-Injected: 1' })],
    ['TSGI_E_HEADER_NAME', () => fakeResponse({ headers: [['bad name', 'x']] })],
    ['TSGI_E_HEADER_VALUE', () => fakeResponse({ headers: [['x-bad', 'a\r\nb']] })],
    ['TSGI_E_HOP_BY_HOP', () => new Response('x', { headers: { connection: 'close' } })],
    ['TSGI_E_BODY_ON_HEAD', () => new Response('x'), new Request(`${URL_BASE}/`, { method: 'HEAD' })],
    ['TSGI_E_BODY_ON_NULL_BODY_STATUS', () => fakeResponse({ status: 204, body: stream('x') })],
    ['TSGI_E_CONTENT_LENGTH_ON_204', () => fakeResponse({ status: 204, headers: [['content-length', '0']] })],
    ['TSGI_E_CONTENT_LENGTH_INVALID', () => new Response('x', { headers: { 'content-length': '1, 1' } })],
    ['TSGI_E_CONTENT_LENGTH_MISMATCH', () => new Response('abcdef', { headers: { 'content-length': '3' } })],
    ['TSGI_E_FILE_BODY', () => Object.defineProperty(new Response('x'), TSGI_FILE, { value: { path: 'relative/file.txt' } })],
  ];
  for (const [code, app, request] of cases) {
    it(`reports ${code}`, async () => {
      const codes = await run(app, request);
      assert.deepEqual(codes, [code]);
    });
  }

  it('reports a body shorter than its Content-Length', async () => {
    const codes = await run(() => new Response('ab', { headers: { 'content-length': '10' } }));
    assert.deepEqual(codes, ['TSGI_E_CONTENT_LENGTH_MISMATCH']);
  });

  it('passes a correct app, a correct Content-Length and a tsgi.file body untouched', async () => {
    assert.deepEqual(await run(ok), []);
    assert.deepEqual(await run(() => new Response('abc', { headers: { 'content-length': '3' } })), []);
    assert.deepEqual(await run(() => new Response(null, { status: 204 })), []);
    const file = Object.defineProperty(new Response('x'), TSGI_FILE, { value: { path: '/etc/hostname', offset: 0, length: 1 } });
    assert.deepEqual(await run(() => file), []);
  });

  it('throws TsgiValidationError with the code and a fix in throwing mode', async () => {
    const validated = validate(() => undefined as unknown as Response);
    const request = new Request(`${URL_BASE}/x`);
    const { context } = createTestContext(request);
    await assert.rejects(Promise.resolve(validated.fetch(request, context)), (error: unknown) => {
      assert.ok(error instanceof TsgiValidationError);
      assert.equal(error.code, 'TSGI_E_RESPONSE_TYPE');
      assert.equal(error.side, 'app');
      assert.match(error.message, /forget a `return`/);
      assert.match(error.message, /GET http:\/\/127\.0\.0\.1:8000\/x/);
      return true;
    });
  });

  it('logs warnings instead of throwing them', async () => {
    const validated = validate(() => new Response('body'));
    const request = new Request(`${URL_BASE}/`, { method: 'HEAD' });
    const { context, logged } = createTestContext(request);
    const response = await validated.fetch(request, context);
    assert.equal(response.status, 200);
    assert.equal(logged.length, 1);
    assert.match(logged[0] ?? '', /^warn: TSGI_E_BODY_ON_HEAD/);
  });

  it('rejects a non-app with TSGI_E_APP_SHAPE', () => {
    assert.throws(() => validate({ handler: () => null } as unknown as TsgiApp), (error: unknown) => {
      assert.ok(error instanceof TsgiValidationError);
      assert.equal(error.code, 'TSGI_E_APP_SHAPE');
      assert.match(error.message, /keys \[handler\]/);
      produced.add(error.code);
      return true;
    });
  });

  it('reports a startup that returns something other than an object', async () => {
    const found: TsgiViolation[] = [];
    const validated = validate({ fetch: ok, startup: () => 42 as unknown as void }, { onViolation: (v) => found.push(v) });
    const { context } = createTestContext(new Request(`${URL_BASE}/`));
    await validated.startup?.({ server: context.server, worker: context.worker, log: context.log, state: {} });
    assert.deepEqual(found.map((v) => v.code), ['TSGI_E_STARTUP_STATE']);
    produced.add('TSGI_E_STARTUP_STATE');
  });
});

describe('validate() and FastResponse', () => {
  it('accepts a correct FastResponse and keeps it as it is', async () => {
    const fast = new FastResponse('hi', { headers: { 'content-type': 'text/plain' } });
    const validated = validate(() => fast, { onViolation: (v) => assert.fail(v.message) });
    const request = new Request(`${URL_BASE}/`);
    assert.equal(await validated.fetch(request, createTestContext(request).context), fast);
  });

  it('reports hop-by-hop headers and a wrong Content-Length given as plain objects', async () => {
    assert.deepEqual(await run(() => new FastResponse('x', { headers: { 'transfer-encoding': 'chunked' } })), ['TSGI_E_HOP_BY_HOP']);
    assert.deepEqual(await run(() => new FastResponse('abc', { headers: { 'content-length': '2' } })), ['TSGI_E_CONTENT_LENGTH_MISMATCH']);
  });

  it('reports a header value with CR LF that plain-object headers would carry', async () => {
    assert.deepEqual(await run(() => new FastResponse('x', { headers: { 'x-bad': 'a\r\nInjected: 1' } })), ['TSGI_E_HEADER_VALUE']);
  });
});

describe('validate(): the server side', () => {
  const cases: Array<[TsgiViolationCode, Request, ((context: Record<string, unknown>) => unknown)?]> = [
    ['TSGI_E_REQUEST_URL', fakeRequest({ url: '/relative' })],
    ['TSGI_E_REQUEST_METHOD', fakeRequest({ method: 'G T' })],
    ['TSGI_E_REQUEST_BODY', fakeRequest({ method: 'GET', body: stream('x') })],
    ['TSGI_E_REQUEST_SIGNAL', new Request(`${URL_BASE}/`, { signal: AbortSignal.abort() })],
    ['TSGI_E_CONTEXT_TYPE', new Request(`${URL_BASE}/`), () => undefined],
    ['TSGI_E_CONTEXT_FIELD', new Request(`${URL_BASE}/`), (c) => ({ ...c, waitUntil: undefined })],
    ['TSGI_E_CONTEXT_SCHEME', new Request(`${URL_BASE}/`), (c) => ({ ...c, scheme: 'https' })],
    ['TSGI_E_CONTEXT_SERVER_NAME', new Request(`${URL_BASE}/`), (c) => ({ ...c, serverName: 'localhost' })],
    ['TSGI_E_CONTEXT_PROTOCOL', new Request(`${URL_BASE}/`), (c) => ({ ...c, protocol: 'http/1.1' })],
    ['TSGI_E_CONTEXT_RAW_HEADERS', new Request(`${URL_BASE}/`), (c) => ({ ...c, rawHeaders: ['host'] })],
    ['TSGI_E_CONTEXT_MOUNT_PATH', new Request(`${URL_BASE}/other`), (c) => ({ ...c, mountPath: '/api' })],
    ['TSGI_E_CONTEXT_WORKER', new Request(`${URL_BASE}/`), (c) => ({ ...c, worker: { id: 0, pid: 1 } })],
    ['TSGI_E_CONTEXT_SERVER_INFO', new Request(`${URL_BASE}/`), (c) => ({ ...c, server: { ...(c.server as object), tsgiVersion: '2' } })],
    ['TSGI_E_EXTENSION_NAME', new Request(`${URL_BASE}/`), (c) => ({ ...c, server: { ...(c.server as object), extensions: { sendfile: true } } })],
    ['TSGI_E_COMPLETED_REJECTED', new Request(`${URL_BASE}/`), (c) => ({ ...c, completed: Promise.reject(new Error('server bug')) })],
    ['TSGI_E_COMPLETION_SHAPE', new Request(`${URL_BASE}/`), (c) => ({ ...c, completed: Promise.resolve({ done: true }) })],
  ];
  for (const [code, request, tweak] of cases) {
    it(`reports ${code}`, async () => {
      const codes = await run(ok, request, tweak);
      assert.ok(codes.includes(code), `expected ${code}, got [${codes.join(', ')}]`);
    });
  }

  it('reports TSGI_E_FETCH_ARGUMENTS and TSGI_E_REQUEST_TYPE', async () => {
    const found: TsgiViolation[] = [];
    const validated = validate(ok, { onViolation: (v) => found.push(v) });
    await (validated.fetch as (...args: unknown[]) => Promise<Response>)('GET /');
    const codes = found.map((v) => v.code);
    assert.ok(codes.includes('TSGI_E_FETCH_ARGUMENTS'));
    assert.ok(codes.includes('TSGI_E_REQUEST_TYPE'));
    for (const code of codes) produced.add(code);
  });

  it('reports a context.server that changes between requests', async () => {
    const found: TsgiViolation[] = [];
    const validated = validate(ok, { onViolation: (v) => found.push(v) });
    for (let i = 0; i < 2; i++) {
      const request = new Request(`${URL_BASE}/`);
      const { context } = createTestContext(request, { server: { ...createTestContext(request).context.server } });
      await validated.fetch(request, context);
    }
    assert.deepEqual(found.map((v) => v.code), ['TSGI_E_CONTEXT_SERVER_CHANGED']);
    produced.add('TSGI_E_CONTEXT_SERVER_CHANGED');
  });
});

describe('validate() on a real server', () => {
  const found: TsgiViolation[] = [];
  const servers: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('finds nothing wrong with serve() and a correct app (both sides clean)', async () => {
    const app = validate(
      async (request) => {
        const text = request.body === null ? '' : await request.text();
        return new Response(`${request.method} ${text}`, { headers: { 'content-type': 'text/plain', 'content-length': String(request.method.length + 1 + text.length) } });
      },
      { onViolation: (v) => found.push(v) },
    );
    const server = await serve(app, { port: 0, log: { debug() {}, info() {}, warn() {}, error() {} } });
    servers.push(server);
    const get = await fetch(`${server.url}/a?b=c`);
    assert.equal(await get.text(), 'GET ');
    const post = await fetch(`${server.url}/`, { method: 'POST', body: 'hi' });
    assert.equal(await post.text(), 'POST hi');
    // The late checks (completion, Content-Length) run as each exchange completes; close() waits for those.
    await server.close();
    assert.deepEqual(found.map((v) => v.message), []);
  });

  it('makes the server answer 500 for an app violation in throwing mode', async () => {
    const errors: string[] = [];
    const app = validate(() => new Response('x', { headers: { 'transfer-encoding': 'chunked' } }));
    const server = await serve(app, { port: 0, log: { debug() {}, info() {}, warn() {}, error: (m, ...d) => void errors.push([m, ...d.map(String)].join(' ')) } });
    servers.push(server);
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 500);
    await response.arrayBuffer();
    assert.match(errors.join('\n'), /TSGI_E_HOP_BY_HOP/);
  });
});

describe('the violation catalogue', () => {
  it('every code has been produced by a test above', () => {
    const missing = Object.keys(TSGI_VIOLATIONS).filter((code) => !produced.has(code as TsgiViolationCode));
    assert.deepEqual(missing, []);
  });
});
