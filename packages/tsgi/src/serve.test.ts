import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request as httpRequest } from 'node:http';
import { FastResponse, serve, type TsgiAppObject } from './index.js';
import { recordingLogger } from './raw-socket.test.util.js';
import { assertStaysQuiet, slowPeerPause, waitFor } from 'tsgi-test-support';

test('serve() answers a FastResponse and a standard Response over a real socket', async () => {
  const server = await serve(
    (request) => (new URL(request.url).pathname === '/fast' ? new FastResponse('Hello, World!') : new Response('standard')),
    { port: 0 },
  );
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const fast = await fetch(`${server.url}/fast`);
    assert.equal(fast.status, 200);
    assert.equal(fast.headers.get('content-length'), '13');
    assert.equal(fast.headers.get('content-type'), 'text/plain;charset=UTF-8');
    assert.ok(fast.headers.get('date'));
    assert.equal(await fast.text(), 'Hello, World!');
    const std = await fetch(`${server.url}/std`);
    assert.equal(await std.text(), 'standard');
    assert.equal(std.headers.get('content-length'), '8');
  } finally {
    await server.close();
  }
});

test('serve() runs startup before listening, hands state to requests as copies, and shutdown after drain', async () => {
  const events: string[] = [];
  const app: TsgiAppObject = {
    startup(context) {
      events.push('startup');
      context.state.counter = 1;
      return { db: 'connected' };
    },
    async fetch(_request, context) {
      events.push('fetch');
      const seen = JSON.stringify(context.state);
      context.state.counter = 99; // a copy: must not leak into the next request
      return new Response(seen);
    },
    shutdown() {
      events.push('shutdown');
    },
  };
  const server = await serve(app, { port: 0 });
  assert.deepEqual(events, ['startup']);
  const first = await (await fetch(server.url)).text();
  const second = await (await fetch(server.url)).text();
  assert.equal(first, '{"counter":1,"db":"connected"}');
  assert.equal(second, first);
  await server.close();
  assert.deepEqual(events, ['startup', 'fetch', 'fetch', 'shutdown']);
});

test('serve() rejects when startup fails and does not listen', async () => {
  await assert.rejects(
    serve({ fetch: () => new Response('x'), startup: () => Promise.reject(new Error('no database')) }, { port: 0 }),
    /no database/,
  );
});

test('close() waits for an in-flight request and waitUntil before shutdown', async () => {
  const events: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let answer!: () => void;
  const answered = new Promise<void>((r) => (answer = r));
  let started = false;
  const server = await serve(
    {
      async fetch(_request, context) {
        started = true;
        context.waitUntil(gate.then(() => events.push('waitUntil done')));
        await answered;
        return new Response('slow');
      },
      shutdown: () => void events.push('shutdown'),
    },
    { port: 0 },
  );
  const response = fetch(server.url).then((r) => r.text());
  await waitFor(() => started, { what: 'the request to reach the app' });
  let closeDone = false;
  const closed = server.close().then(() => void (closeDone = true));
  answer(); // the request is in flight while close() begins
  assert.equal(await response, 'slow');
  // close() must not finish while waitUntil work is pending; a close that did not wait would
  // run shutdown within a few milliseconds, and no event says it did not.
  await assertStaysQuiet(30, () => closeDone || events.includes('shutdown'), 'close() finishing before the waitUntil work');
  release();
  await closed;
  assert.deepEqual(events, ['waitUntil done', 'shutdown']);
});

test('a throwing app gets a 500 with the request line logged, and the server keeps serving', async () => {
  const log = recordingLogger();
  const server = await serve(
    (request) => {
      if (request.url.endsWith('/boom')) throw new Error('kaboom');
      if (request.url.endsWith('/reject')) return Promise.reject(new Error('rejected'));
      if (request.url.endsWith('/not')) return 'a string' as unknown as Response;
      return new Response('fine');
    },
    { port: 0, log },
  );
  try {
    for (const path of ['/boom', '/reject', '/not']) {
      const r = await fetch(server.url + path);
      assert.equal(r.status, 500, path);
      assert.equal(await r.text(), 'Internal Server Error');
    }
    assert.ok(log.lines.some((l) => l.includes('"GET /boom HTTP/1.1"') && l.includes('kaboom')));
    assert.ok(log.lines.some((l) => l.includes('"GET /not HTTP/1.1"') && l.includes('must return a Response')));
    assert.equal(await (await fetch(server.url)).text(), 'fine');
  } finally {
    await server.close();
  }
});

test('request bodies stream to the app (POST echo through node:http client)', async () => {
  const server = await serve(async (request) => new Response(`${request.method}:${await request.text()}`), { port: 0 });
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(server.url, { method: 'POST' }, (res) => {
        let data = '';
        res.setEncoding('utf8').on('data', (c: string) => (data += c)).on('end', () => resolve(data));
      });
      req.on('error', reject);
      req.write('part one, ');
      void slowPeerPause(20).then(() => req.end('part two'));
    });
    assert.equal(text, 'POST:part one, part two');
  } finally {
    await server.close();
  }
});
