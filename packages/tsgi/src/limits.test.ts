import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request as httpRequest } from 'node:http';
import { DEFAULT_LIMITS, resolveLimits, serve } from './index.js';
import { portOf, recordingLogger } from './raw-socket.test.util.js';
import { assertStaysQuiet, open, rawExchange, readUntilClose, slowPeerPause, waitFor, waitForData } from 'tsgi-test-support';

test('resolveLimits merges over the defaults and rejects bad values with the key named', () => {
  assert.equal(resolveLimits({ maxBodyBytes: 5 }).maxBodyBytes, 5);
  assert.equal(resolveLimits({ maxBodyBytes: 5 }).maxHeaderCount, DEFAULT_LIMITS.maxHeaderCount);
  assert.throws(() => resolveLimits({ maxBodyBytes: -1 }), /"maxBodyBytes" must be a non-negative number/);
  assert.throws(() => resolveLimits({ maxBody: 1 } as never), /unknown limit "maxBody"/);
});

/** A server whose app counts its calls and echoes the body length. */
async function counting(options: Parameters<typeof serve>[1] = {}) {
  const calls = { n: 0 };
  const server = await serve(
    async (request) => {
      calls.n++;
      const text = request.body === null ? '' : await request.text();
      return new Response(`len=${text.length}`);
    },
    { port: 0, log: recordingLogger(), ...options },
  );
  return { server, calls };
}

test('Content-Length over maxBodyBytes: 413 before the app, connection closed', async () => {
  const { server, calls } = await counting({ limits: { maxBodyBytes: 10 } });
  try {
    const raw = await rawExchange(portOf(server.url), 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890');
    assert.match(raw, /^HTTP\/1\.1 413 /);
    assert.match(raw, /connection: close/i);
    assert.equal(calls.n, 0);
    const ok = await rawExchange(portOf(server.url), 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789');
    assert.match(ok, /^HTTP\/1\.1 200 [\s\S]*len=10$/);
  } finally {
    await server.close();
  }
});

test('a chunked body growing past maxBodyBytes errors the stream and gets 413 even if the app answers', async () => {
  let appError = '';
  const server = await serve(
    async (request) => {
      try {
        await request.text();
      } catch (error) {
        appError = (error as Error).message;
        return new Response('app caught it', { status: 400 });
      }
      return new Response('read all');
    },
    { port: 0, limits: { maxBodyBytes: 1000 }, log: recordingLogger() },
  );
  try {
    const chunk = `${(600).toString(16)}\r\n${'x'.repeat(600)}\r\n`;
    const raw = await rawExchange(portOf(server.url), `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}${chunk}0\r\n\r\n`);
    assert.match(raw, /^HTTP\/1\.1 413 /);
    assert.match(appError, /exceeds the limit of 1000 bytes/);
  } finally {
    await server.close();
  }
});

test('Expect: 100-continue: 100 is sent only when the app reads, not before; never when it does not read', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let reached = false;
  const server = await serve(
    async (request) => {
      if (request.url.endsWith('/noread')) return new Response('no read');
      reached = true;
      await gate;
      return new Response(await request.text());
    },
    { port: 0 },
  );
  try {
    const port = portOf(server.url);
    const socket = await open(port);
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    socket.write('POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    await waitFor(() => reached, { what: 'the request to reach the app' });
    // A 100 sent too early would arrive within milliseconds; nothing announces that none came.
    await assertStaysQuiet(150, () => received !== '', () => `a 100 Continue before the app reads: ${JSON.stringify(received)}`);
    assert.equal(received, '', 'no 100 Continue before the app reads');
    release();
    await waitForData(socket, /100 Continue/);
    socket.write('hello');
    await waitForData(socket, /hello$/);
    assert.match(received, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    socket.destroy();

    const raw = await rawExchange(port, 'POST /noread HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n');
    assert.doesNotMatch(raw, /100 Continue/);
    assert.match(raw, /^HTTP\/1\.1 200 [\s\S]*no read$/);
  } finally {
    await server.close();
  }
});

test('Expect: 100-continue over the limit: 413 without 100 and without the app', async () => {
  const { server, calls } = await counting({ limits: { maxBodyBytes: 4 } });
  try {
    const raw = await rawExchange(portOf(server.url), 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 413 /);
    assert.doesNotMatch(raw, /100 Continue/);
    assert.equal(calls.n, 0);
    const bad = await rawExchange(portOf(server.url), 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: something-else\r\n\r\n');
    assert.match(bad, /^HTTP\/1\.1 417 /);
  } finally {
    await server.close();
  }
});

test('header limits: too many fields and too large a field get 431; a long target gets 414; the app is not called', async () => {
  const { server, calls } = await counting({ limits: { maxHeaderCount: 5, maxHeaderFieldBytes: 100, maxRequestLineBytes: 200 } });
  const port = portOf(server.url);
  try {
    const many = Array.from({ length: 6 }, (_, i) => `X-H${i}: v\r\n`).join('');
    assert.match(await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\n${many}\r\n`), /^HTTP\/1\.1 431 /);
    assert.match(await rawExchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(120)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
    assert.match(await rawExchange(port, `GET /${'p'.repeat(200)} HTTP/1.1\r\nHost: x\r\n\r\n`), /^HTTP\/1\.1 414 /);
    assert.equal(calls.n, 0);
  } finally {
    await server.close();
  }
});

test('malformed requests get 400 and never reach the app', async () => {
  const { server, calls } = await counting();
  const port = portOf(server.url);
  try {
    const cases = [
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'GET / HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n',
      'GARBAGE\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n  b\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc',
    ];
    for (const bytes of cases) {
      assert.match(await rawExchange(port, bytes), /^HTTP\/1\.1 400 /, JSON.stringify(bytes));
    }
    // HTTP/0.9 (no version): node parses it; the server still refuses it
    assert.match(await rawExchange(port, 'GET /path\r\n\r\n'), /^HTTP\/1\.1 400 /);
    assert.equal(calls.n, 0);
  } finally {
    await server.close();
  }
});

test('mountPath: requests outside it get 404 without the app; inside, the url keeps the full path', async () => {
  const urls: string[] = [];
  const server = await serve(
    (request, context) => {
      urls.push(`${request.url} ${context.mountPath}`);
      return new Response('in');
    },
    { port: 0, mountPath: '/api/' },
  );
  try {
    assert.equal((await fetch(`${server.url}/other`)).status, 404);
    assert.equal((await fetch(`${server.url}/apix`)).status, 404);
    assert.equal((await fetch(`${server.url}/api`)).status, 200);
    assert.equal((await fetch(`${server.url}/api/users?x=1`)).status, 200);
    assert.deepEqual(urls, [`${server.url}/api /api`, `${server.url}/api/users?x=1 /api`]);
  } finally {
    await server.close();
  }
});

test('bodyTimeoutMs: a stalled upload gets 408 (inactivity, not total time)', async () => {
  const server = await serve(async (request) => new Response(await request.text()), { port: 0, limits: { bodyTimeoutMs: 300 }, log: recordingLogger() });
  try {
    const socket = await open(portOf(server.url));
    const done = readUntilClose(socket);
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n');
    // steady trickle longer than the timeout in total, never silent that long
    for (let i = 0; i < 5; i++) {
      await slowPeerPause(100);
      socket.write('a');
    }
    const raw = await done; // then silence: 408
    assert.match(raw, /^HTTP\/1\.1 408 /);
  } finally {
    await server.close();
  }
});

test('a 100 MB upload streams through with bounded memory', async () => {
  const server = await serve(
    async (request) => {
      let n = 0;
      for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) n += chunk.byteLength;
      return new Response(String(n));
    },
    { port: 0, limits: { maxBodyBytes: 0 } },
  );
  try {
    const size = 100 * 1024 * 1024;
    const before = process.memoryUsage().rss;
    const result = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(server.url, { method: 'POST', headers: { 'content-length': size } }, (res) => {
        let data = '';
        res.on('data', (c: Buffer) => (data += c.toString())).on('end', () => resolve(data));
      });
      req.on('error', reject);
      const block = Buffer.alloc(1024 * 1024, 1);
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += block.length;
          if (!req.write(block)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    assert.equal(result, String(size));
    // loose bound: a buffering server would grow by ~100 MB
    assert.ok(process.memoryUsage().rss - before < 80 * 1024 * 1024, 'memory stayed bounded');
  } finally {
    await server.close();
  }
});

test('GET with content: the app sees a null body, the content is drained and the connection reused', async () => {
  const bodies: string[] = [];
  const server = await serve((request) => {
    bodies.push(String(request.body));
    return new Response('ok');
  }, { port: 0 });
  try {
    const raw = await rawExchange(portOf(server.url), 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(raw.match(/HTTP\/1\.1 200/g)?.length, 2);
    assert.deepEqual(bodies, ['null', 'null']);
  } finally {
    await server.close();
  }
});

test('headersTimeoutMs: a client that never finishes its headers gets 408 and is closed', async () => {
  const { server, calls } = await counting({ limits: { headersTimeoutMs: 400 } });
  try {
    const socket = await open(portOf(server.url));
    const done = readUntilClose(socket);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const raw = await done;
    assert.match(raw, /^HTTP\/1\.1 408 /);
    assert.equal(calls.n, 0);
  } finally {
    await server.close();
  }
});

test('keepAliveTimeoutMs: an idle kept-alive connection is closed', async () => {
  const { server } = await counting({ limits: { keepAliveTimeoutMs: 200 } });
  try {
    const socket = await open(portOf(server.url));
    const done = readUntilClose(socket);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const started = Date.now();
    const raw = await done;
    assert.match(raw, /^HTTP\/1\.1 200 /);
    assert.ok(Date.now() - started < 5000);
  } finally {
    await server.close();
  }
});
