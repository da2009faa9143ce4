import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FastResponse, serve, type TsgiApp } from './index.js';
import { portOf, recordingLogger, statusLines } from './raw-socket.test.util.js';
import { assertStaysQuiet, open, rawExchange, readUntilClose, slowPeerPause, waitFor, waitForData } from 'tsgi-test-support';

const enc = new TextEncoder();

/** Runs `app` on serve(), hands its port and log to `fn`, and closes it. */
async function withServer(app: TsgiApp, fn: (port: number, log: ReturnType<typeof recordingLogger>) => Promise<void>) {
  const log = recordingLogger();
  const server = await serve(app, { port: 0, log, shutdownTimeoutMs: 2000 });
  try {
    await fn(portOf(server.url), log);
  } finally {
    await server.close();
  }
}

function stream(...parts: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(enc.encode(p));
      c.close();
    },
  });
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`;

test('hop-by-hop headers set by the app are removed and logged; Date is added unless the app set one', async () => {
  await withServer(
    (request) => {
      const headers = { connection: 'upgrade', 'keep-alive': 'timeout=99', 'transfer-encoding': 'gzip', upgrade: 'h2c', te: 'trailers', trailer: 'x', 'proxy-connection': 'x', 'x-kept': 'yes' };
      if (request.url.endsWith('/fast')) return new FastResponse('hi', { headers });
      if (request.url.endsWith('/date')) return new FastResponse('hi', { headers: { date: 'Mon, 01 Jan 2024 00:00:00 GMT' } });
      return new Response('hi', { headers });
    },
    async (port, log) => {
      for (const path of ['/fast', '/std']) {
        const raw = await rawExchange(port, get(path));
        const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
        assert.match(head, /x-kept: yes/);
        assert.doesNotMatch(head, /upgrade|keep-alive|transfer-encoding|^te:|trailer|proxy-connection/im);
        assert.match(head, /^Connection: close$/im, 'the server frames the connection itself');
        assert.match(head, /^Date: /im);
        assert.ok(raw.endsWith('\r\n\r\nhi'));
      }
      assert.ok(log.lines.some((l) => l.startsWith('warn:') && l.includes('"upgrade"')));
      const dated = await rawExchange(port, get('/date'));
      assert.match(dated, /date: Mon, 01 Jan 2024 00:00:00 GMT/i);
      assert.equal(dated.match(/^date:/gim)?.length, 1);
    },
  );
});

test('the fields the writer watches are recognised in any case; every other field is written as given', async () => {
  await withServer(
    () => new FastResponse('hi', { headers: { 'Transfer-Encoding': 'gzip', TE: 'trailers', 'Content-Type': 'text/x-kept', 'CONTENT-LENGTH': '2', 'X-Frame-Options': 'DENY', 'Cross-Origin-Opener-Policy': 'same-origin' } }),
    async (port) => {
      const raw = await rawExchange(port, get('/'));
      const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
      assert.doesNotMatch(head, /transfer-encoding|^te:/im, head);
      assert.equal(head.match(/^content-type:/gim)?.length, 1, 'the app set Content-Type: no default added');
      assert.match(head, /^Content-Type: text\/x-kept$/m);
      assert.equal(head.match(/^content-length:/gim)?.length, 1, 'the app set Content-Length: none added');
      assert.match(head, /^X-Frame-Options: DENY$/m);
      assert.match(head, /^Cross-Origin-Opener-Policy: same-origin$/m);
      assert.ok(raw.endsWith('\r\n\r\nhi'));
    },
  );
});

test('Content-Length: added for known sizes, chunked for streams on HTTP/1.1, close-delimited on HTTP/1.0', async () => {
  await withServer(
    (request) => {
      if (request.url.endsWith('/bytes')) return new FastResponse(new Uint8Array([1, 2, 3]));
      if (request.url.endsWith('/ab')) return new FastResponse(new ArrayBuffer(4));
      if (request.url.endsWith('/empty')) return new FastResponse(null);
      if (request.url.endsWith('/one-chunk')) return new Response(stream('single'));
      return new Response(stream('a', 'b', 'c'));
    },
    async (port) => {
      assert.match(await rawExchange(port, get('/bytes')), /content-length: 3\r\n/i);
      assert.match(await rawExchange(port, get('/ab')), /content-length: 4\r\n/i);
      assert.match(await rawExchange(port, get('/empty')), /content-length: 0\r\n/i);
      const one = await rawExchange(port, get('/one-chunk'));
      assert.match(one, /content-length: 6\r\n[\s\S]*\r\n\r\nsingle$/i);
      const chunked = await rawExchange(port, get('/stream'));
      assert.match(chunked, /transfer-encoding: chunked/i);
      assert.ok(chunked.endsWith('1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n'), JSON.stringify(chunked));
      const old = await rawExchange(port, 'GET /stream HTTP/1.0\r\n\r\n');
      assert.doesNotMatch(old, /transfer-encoding/i);
      assert.ok(old.endsWith('\r\n\r\nabc'), JSON.stringify(old));
    },
  );
});

test('an app Content-Length shorter than the body: exactly that many bytes, then close; longer: close after the short body', async () => {
  await withServer(
    (request) => {
      const u = request.url;
      if (u.endsWith('/fast-long')) return new FastResponse('0123456789', { headers: { 'content-length': '4' } });
      if (u.endsWith('/fast-short')) return new FastResponse('0123', { headers: { 'content-length': '10' } });
      if (u.endsWith('/stream-long')) return new Response(stream('01', '23', '45', '67'), { headers: { 'content-length': '5' } });
      return new Response(stream('01', '23'), { headers: { 'content-length': '10' } });
    },
    async (port, log) => {
      // keep-alive requests: the server must close even though the client did not ask it to
      for (const [path, body] of [['/fast-long', '0123'], ['/stream-long', '01234'], ['/fast-short', '0123'], ['/stream-short', '0123']] as const) {
        const raw = await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
        assert.equal(raw.slice(raw.indexOf('\r\n\r\n') + 4), body, path);
      }
      assert.equal(log.lines.filter((l) => l.includes('Content-Length')).length, 4);
    },
  );
});

test('HEAD: GET headers (Content-Length included), no body; 204 without Content-Length; 304 without body', async () => {
  await withServer(
    (request) => {
      if (request.url.endsWith('/204')) return new Response(null, { status: 204, headers: { 'content-length': '0' } });
      if (request.url.endsWith('/304')) return new FastResponse(null, { status: 304, headers: { etag: '"x"' } });
      if (request.url.endsWith('/std')) return new Response('standard body');
      return new FastResponse('fast body');
    },
    async (port) => {
      const head = await rawExchange(port, 'HEAD /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.match(head, /content-length: 9\r\n/i);
      assert.ok(head.endsWith('\r\n\r\n'), 'no body');
      const headStd = await rawExchange(port, 'HEAD /std HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.match(headStd, /content-length: 13\r\n/i);
      assert.ok(headStd.endsWith('\r\n\r\n'));
      const r204 = await rawExchange(port, get('/204'));
      assert.match(r204, /^HTTP\/1\.1 204 /);
      assert.doesNotMatch(r204, /content-length/i);
      const r304 = await rawExchange(port, get('/304'));
      assert.match(r304, /^HTTP\/1\.1 304 [\s\S]*etag: "x"/i);
      assert.ok(r304.endsWith('\r\n\r\n'));
    },
  );
});

test('application errors become 500: bad status, invalid header value, non-Response; a body error after commit truncates', async () => {
  await withServer(
    (request) => {
      const u = request.url;
      if (u.endsWith('/status')) return { status: 200 } as unknown as Response;
      if (u.endsWith('/header')) return new FastResponse('x', { headers: { 'x-bad': 'a\r\nInjected: yes' } });
      if (u.endsWith('/name')) return new FastResponse('x', { headers: { 'bad name': 'v' } });
      if (u.endsWith('/undefined')) return undefined as unknown as Response;
      return new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(enc.encode('part1'));
            c.enqueue(enc.encode('part2'));
          },
          pull(c) {
            c.error(new Error('stream broke'));
          },
        }),
      );
    },
    async (port, log) => {
      for (const path of ['/status', '/header', '/name', '/undefined']) {
        const raw = await rawExchange(port, get(path));
        assert.match(raw, /^HTTP\/1\.1 500 /, path);
        assert.doesNotMatch(raw, /Injected/);
        assert.ok(raw.endsWith('Internal Server Error'));
      }
      const broken = await rawExchange(port, `GET /broken HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.match(broken, /^HTTP\/1\.1 200 /);
      assert.match(broken, /part1/);
      assert.ok(!broken.endsWith('0\r\n\r\n'), 'no terminating chunk: the client sees a truncated message');
      assert.ok(log.lines.some((l) => l.includes('"GET /broken HTTP/1.1"') && l.includes('stream broke')));
    },
  );
});

test('a live stream that fails after its first chunk: committed 200, then a truncated message', async () => {
  await withServer(
    () =>
      new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(enc.encode('first'));
            void slowPeerPause(50).then(() => c.error(new Error('later failure'))); // fails while live, after the head went out
          },
        }),
      ),
    async (port) => {
      const raw = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.match(raw, /^HTTP\/1\.1 200 [\s\S]*first/);
      assert.ok(!raw.endsWith('0\r\n\r\n'));
    },
  );
});

test('a statusText with CR LF never reaches the wire: 500, and the server keeps answering', async () => {
  class BadText extends Response {
    override get statusText(): string {
      return 'OK\r\nInjected: yes';
    }
  }
  await withServer(
    (request) => (request.url.endsWith('/bad') ? new BadText('x') : new FastResponse('fine')),
    async (port) => {
      const raw = await rawExchange(port, get('/bad'));
      assert.match(raw, /^HTTP\/1\.1 500 Internal Server Error\r\n/);
      assert.doesNotMatch(raw, /Injected/);
      assert.match(await rawExchange(port, get('/ok')), /fine$/);
    },
  );
  assert.throws(() => new FastResponse('x', { statusText: 'a\nb' }), TypeError);
});

test('a status outside 200-599 from a Response-like subclass is a 500', async () => {
  await withServer(
    () => Response.error(),
    async (port) => {
      assert.match(await rawExchange(port, get('/')), /^HTTP\/1\.1 500 /);
    },
  );
});

test('set-cookie values are sent as separate fields', async () => {
  await withServer(
    (request) => {
      if (request.url.endsWith('/fast')) return new FastResponse('c', { headers: [['set-cookie', 'a=1'], ['set-cookie', 'b=2']] });
      const h = new Headers();
      h.append('set-cookie', 'a=1');
      h.append('set-cookie', 'b=2');
      return new Response('c', { headers: h });
    },
    async (port) => {
      for (const path of ['/fast', '/std']) {
        const raw = await rawExchange(port, get(path));
        assert.equal(raw.match(/^set-cookie: /gim)?.length, 2, path);
      }
    },
  );
});

test('a standard Response is sent as it stands when written, whichever way the runtime reads it', async () => {
  await withServer(
    (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/error') return Response.error();
      const r = new Response('body', { status: 201, statusText: 'Made It', headers: { 'x-first': '1' } });
      // Changed after construction: the wire must show the final state.
      r.headers.set('x-first', 'changed');
      r.headers.append('set-cookie', 'a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT');
      r.headers.append('set-cookie', 'b=2');
      r.headers.append('x-list', 'p');
      r.headers.append('x-list', 'q');
      r.headers.append('Connection', 'close');
      return r;
    },
    async (port) => {
      const raw = await rawExchange(port, get('/std'));
      assert.match(raw, /^HTTP\/1\.1 201 Made It\r\n/);
      assert.match(raw, /\r\nx-first: changed\r\n/i);
      assert.match(raw, /\r\nset-cookie: a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT\r\n/i, 'a cookie with a comma stays whole');
      assert.match(raw, /\r\nset-cookie: b=2\r\n/i);
      assert.match(raw, /\r\nx-list: p, q\r\n/i);
      assert.doesNotMatch(raw, /\r\nconnection: /, 'hop-by-hop fields from the app are removed (node writes its own as "Connection")');
      assert.match(raw, /\r\ncontent-length: 4\r\n[\s\S]*\r\n\r\nbody$/i);
      assert.match(await rawExchange(port, get('/error')), /^HTTP\/1\.1 500 /, 'Response.error() (status 0) is an app error');
    },
  );
});

test('pipelined requests are answered in order on one connection (keep-alive reuse)', async () => {
  // Later requests finish first: request n waits until request n + 1 has answered.
  const answered = new Map<number, () => void>();
  const done = [1, 2, 3].map((n) => new Promise<void>((r) => answered.set(n, r)));
  await withServer(
    async (request) => {
      const n = Number(new URL(request.url).searchParams.get('n'));
      if (n < 3) await done[n];
      answered.get(n)!();
      return new FastResponse(`r${n}`, { status: 200 + n });
    },
    async (port) => {
      const raw = await rawExchange(port, 'GET /?n=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /?n=2 HTTP/1.1\r\nHost: x\r\n\r\nGET /?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.deepEqual(
        statusLines(raw).map((l) => l.slice(9, 12)),
        ['201', '202', '203'],
      );
    },
  );
});

test('an unread small body is drained (connection reused); a large unread body closes the connection', async () => {
  await withServer(
    () => new FastResponse('ignored your body'),
    async (port) => {
      const small = await rawExchange(port, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n${'a'.repeat(1000)}GET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.equal(statusLines(small).length, 2, 'the second request on the same connection was served');

      const socket = await open(port);
      const all = readUntilClose(socket);
      socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
      socket.write(Buffer.alloc(100_000, 97));
      const raw = await all;
      assert.match(raw, /^HTTP\/1\.1 200 [\s\S]*connection: close/i);
    },
  );
});

test('a response streams chunk by chunk, with backpressure against a slow reader', async () => {
  let pulled = 0;
  await withServer(
    () =>
      new Response(
        new ReadableStream({
          pull(c) {
            pulled++;
            if (pulled > 2000) c.close();
            else c.enqueue(new Uint8Array(64 * 1024));
          },
        }),
      ),
    async (port) => {
      const socket = await open(port);
      socket.pause(); // a client that reads nothing
      socket.write(get('/'));
      await waitFor(() => pulled > 0, { what: 'the response to start' });
      // 2000 x 64 KiB = 125 MiB available; a server ignoring backpressure would pull it all, and
      // fast. Nothing announces that pulling stopped, so watch for a while.
      await assertStaysQuiet(500, () => pulled >= 200, () => `pulling on while the client read nothing (${pulled} chunks)`);
      assert.ok(pulled < 200, `pulled ${pulled} chunks while the client read nothing`);
      socket.destroy();
    },
  );
});

test('server-sent chunks reach the client before the stream ends', async () => {
  let push!: (s: string) => void;
  let end!: () => void;
  let started = false;
  await withServer(
    () =>
      new Response(
        new ReadableStream({
          start(c) {
            push = (s) => c.enqueue(enc.encode(s));
            end = () => c.close();
            started = true;
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      ),
    async (port) => {
      const socket = await open(port);
      socket.write(get('/'));
      await waitFor(() => started, { what: 'the app to start its stream' });
      push('data: one\n\n');
      // the first chunk alone must reach the client: never held back waiting for a second
      const head = await waitForData(socket, /data: one/);
      assert.match(head, /^HTTP\/1\.1 200 [\s\S]*transfer-encoding: chunked/i);
      push('data: two\n\n');
      await waitForData(socket, /data: two/);
      push('data: three\n\n');
      await waitForData(socket, /data: three/);
      end();
      socket.destroy();
    },
  );
});

test('standard in-memory bodies are sent whole with Content-Length, also after clone(); a locked body is a 500', async () => {
  await withServer(
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/json') return Response.json({ ok: 'é' });
      if (path === '/bytes') return new Response(new Uint8Array([104, 105]));
      if (path === '/cloned') {
        const r = new Response('original text');
        await r.clone().text();
        return r;
      }
      const locked = new Response('never readable');
      locked.body!.getReader();
      return locked;
    },
    async (port) => {
      // the raw client reads latin1: UTF-8 'é' is the two bytes C3 A9
      assert.match(await rawExchange(port, get('/json')), /content-length: 11\r\n[\s\S]*\r\n\r\n\{"ok":"\xc3\xa9"\}$/i);
      assert.match(await rawExchange(port, get('/bytes')), /content-length: 2\r\n[\s\S]*\r\n\r\nhi$/i);
      assert.match(await rawExchange(port, get('/cloned')), /content-length: 13\r\n[\s\S]*\r\n\r\noriginal text$/i);
      assert.match(await rawExchange(port, get('/locked')), /^HTTP\/1\.1 500 /);
    },
  );
});
