/**
 * Early answers on large uploads through serve() (toNodeListener): the app's 403 without reading,
 * the server's 413s (Content-Length over the limit, a chunked body crossing it), and an app that
 * reads a little then answers. A client writing on like a proxy (nginx, Apache) must write every
 * byte and read the answer: the connection closes lingering (SPEC 5.11.2), never by a reset.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uploadRaw } from 'tsgi-test-support';
import { resolveLingering } from './adapter-config.js';
import { serve, type TsgiServer } from './index.js';

const MB3 = 3 * 1024 * 1024;

async function app(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  // Over the limit the read fails and the server has answered 413 already; this answer is dropped.
  if (path === '/read') return new Response(`read ${(await request.arrayBuffer().catch(() => new ArrayBuffer(0))).byteLength}`);
  if (path === '/read-some') {
    await request.body!.getReader().read();
    return new Response('Forbidden', { status: 403 });
  }
  return new Response('Forbidden', { status: 403 });
}

describe('lingering close after early answers (serve)', () => {
  let server: TsgiServer;
  let limited: TsgiServer;
  let off: TsgiServer;
  let port: number;
  const portOf = (s: TsgiServer) => Number(new URL(s.url).port);
  before(async () => {
    server = await serve(app, { port: 0 });
    limited = await serve(app, { port: 0, limits: { maxBodyBytes: 1024 * 1024 } });
    off = await serve(app, { port: 0, lingering: { close: 'off' } });
    port = portOf(server);
  });
  after(async () => {
    await server.close();
    await limited.close();
    await off.close();
  });

  const upload = (path: string, chunked = false, to = port, bodyBytes = MB3) => uploadRaw({ port: to, head: `POST ${path} HTTP/1.1\r\nHost: x`, bodyBytes, chunked });

  it("the app's 403 without reading: every byte written, the 403 read (Content-Length and chunked)", async () => {
    for (const chunked of [false, true]) {
      const outcome = await upload('/csrf', chunked);
      assert.equal(outcome.status, 403, outcome.response);
      assert.match(outcome.response, /\r\nConnection: close\r\n/);
      assert.ok(outcome.response.endsWith('\r\n\r\nForbidden'));
      assert.equal(outcome.error, undefined, `chunked=${chunked}: ${outcome.error} after ${outcome.bodyWritten} bytes`);
      assert.equal(outcome.bodyWritten, MB3);
    }
  });

  it("the server's 413s: Content-Length over maxBodyBytes, and a chunked body crossing it while the app reads", async () => {
    for (const chunked of [false, true]) {
      const outcome = await upload('/read', chunked, portOf(limited));
      assert.equal(outcome.status, 413, outcome.response);
      assert.ok(outcome.response.endsWith('\r\n\r\nContent Too Large'));
      assert.equal(outcome.error, undefined, `chunked=${chunked}: ${outcome.error} after ${outcome.bodyWritten} bytes`);
      assert.equal(outcome.bodyWritten, MB3);
    }
  });

  it('an app that reads a little then answers: the rest is discarded, not reset', async () => {
    const outcome = await upload('/read-some');
    assert.equal(outcome.status, 403, outcome.response);
    assert.equal(outcome.error, undefined, `${outcome.error} after ${outcome.bodyWritten} bytes`);
    assert.equal(outcome.bodyWritten, MB3);
  });

  it("lingering: { close: 'off' } (the control): the same upload is reset", async () => {
    // 32 MB: more than the socket buffers of both ends hold, so the reset cannot be outrun.
    const outcome = await upload('/csrf', false, portOf(off), 32 << 20);
    assert.ok(outcome.error === 'EPIPE' || outcome.error === 'ECONNRESET', `expected a reset, got ${String(outcome.error)} after ${outcome.bodyWritten} bytes`);
  });

  it('lingering options are checked', () => {
    assert.deepEqual(resolveLingering(undefined), { close: 'on', timeMs: 30_000, timeoutMs: 5_000 });
    assert.deepEqual(resolveLingering({ timeMs: 1000 }), { close: 'on', timeMs: 1000, timeoutMs: 5_000 });
    assert.throws(() => resolveLingering({ close: 'always' as 'on' }), /lingering\.close must be 'on' or 'off', got "always"/);
    assert.throws(() => resolveLingering({ timeoutMs: -1 }), /lingering\.timeoutMs must be a non-negative number, got -1/);
    assert.throws(() => resolveLingering({ time: 5 } as never), /unknown lingering option "time"/);
  });
});
