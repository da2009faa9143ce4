import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RawConnection } from './conformance/raw-http.js';
import { FastResponse, requestTrailers, serve, withTrailers, type TsgiServer } from './index.js';
import { recordingLogger } from './raw-socket.test.util.js';

let server: TsgiServer;
const log = recordingLogger();
let calls = 0;

function stream(parts: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      const next = parts.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(encoder.encode(next));
    },
  });
}

before(async () => {
  server = await serve(
    async (request, context) => {
      const path = new URL(request.url).pathname;
      if (path === '/upload') {
        const before = requestTrailers(context);
        const text = await request.text();
        const trailers = requestTrailers(context);
        return Response.json({ text, before: before === undefined ? null : [...before], trailers: trailers === undefined ? null : [...trailers], headerHasDigest: request.headers.has('digest') });
      }
      if (path === '/stream') {
        let bytes = 0;
        const counted = stream(['one,', 'two,', 'three']).pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform(chunk, out) { bytes += chunk.byteLength; out.enqueue(chunk); } }));
        return withTrailers(new Response(counted, { headers: { trailer: 'x-bytes, server-timing' } }), async () => {
          calls++;
          return { 'x-bytes': String(bytes), 'server-timing': 'app;dur=1.5', 'content-type': 'text/html' };
        });
      }
      if (path === '/fast') return withTrailers(new FastResponse('small'), () => ({ 'x-done': '1' }));
      if (path === '/fixed') return withTrailers(new Response('fixed', { headers: { 'content-length': '5' } }), () => { calls++; return { 'x-done': '1' }; });
      if (path === '/throws') return withTrailers(new Response(stream(['partial'])), () => { throw new Error('no trailers today'); });
      return new Response('?', { status: 404 });
    },
    { port: 0, log },
  );
});

after(() => server.close());

async function exchange(bytes: string): Promise<Awaited<ReturnType<RawConnection['readFinal']>>> {
  const conn = await RawConnection.open(server.url);
  try {
    await conn.write(bytes);
    return await conn.readFinal();
  } finally {
    conn.destroy();
  }
}

test('request trailers of a chunked body: readable after the body, never in request.headers', async () => {
  const response = await exchange(
    'POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: digest\r\nConnection: close\r\n\r\n' +
      '5\r\nhello\r\n0\r\nDigest: sha-256=:abc:\r\nX-Count: 1\r\n\r\n',
  );
  assert.equal(response.status, 200);
  const report = JSON.parse(response.body.toString()) as { text: string; before: unknown; trailers: Array<[string, string]>; headerHasDigest: boolean };
  assert.equal(report.text, 'hello');
  assert.equal(report.before, null, 'before the body was read there are no trailers yet');
  assert.deepEqual(report.trailers, [['digest', 'sha-256=:abc:'], ['x-count', '1']]);
  assert.equal(report.headerHasDigest, false);
});

test('a Content-Length body has an empty trailer section', async () => {
  const response = await exchange('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi');
  const report = JSON.parse(response.body.toString()) as { trailers: unknown[] };
  assert.deepEqual(report.trailers, []);
});

test('response trailers follow the last chunk; forbidden fields are dropped; Trailer announced', async () => {
  const before = calls;
  const response = await exchange('GET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.equal(response.status, 200);
  assert.equal(response.framing, 'chunked');
  assert.equal(response.complete, true);
  assert.equal(response.body.toString(), 'one,two,three');
  assert.equal(response.header('trailer'), 'x-bytes, server-timing');
  assert.deepEqual(response.trailers, [['server-timing', 'app;dur=1.5'], ['x-bytes', '13']]);
  assert.equal(calls, before + 1);
  assert.ok(log.lines.some((line) => line.includes('dropped trailer field "content-type"')), 'the dropped field is logged');
});

test('a FastResponse with trailers is sent chunked with them', async () => {
  const response = await exchange('GET /fast HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.equal(response.body.toString(), 'small');
  assert.deepEqual(response.trailers, [['x-done', '1']]);
});

test('no trailers where the message cannot carry them: HTTP/1.0, HEAD, an app Content-Length (not called)', async () => {
  const before = calls;
  const old = await exchange('GET /stream HTTP/1.0\r\nHost: a\r\n\r\n');
  assert.equal(old.body.toString(), 'one,two,three');
  assert.notEqual(old.framing, 'chunked');
  const fixed = await exchange('GET /fixed HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.equal(fixed.framing, 'length');
  assert.equal(fixed.body.toString(), 'fixed');
  const conn = await RawConnection.open(server.url);
  try {
    await conn.write('HEAD /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    const head = await conn.readFinal({ head: true });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  } finally {
    conn.destroy();
  }
  assert.equal(calls, before, 'the trailers function is not called when no trailers can be sent');
});

test('a trailers function that throws truncates the message (no terminating chunk)', async () => {
  const response = await exchange('GET /throws HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal(response.status, 200);
  assert.equal(response.complete, false, 'the client must not see a complete message');
  assert.ok(log.lines.some((line) => line.includes('no trailers today')));
});
