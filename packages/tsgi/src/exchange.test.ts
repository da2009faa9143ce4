import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FastResponse, serve, type TsgiCompletion, type TsgiContext } from './index.js';
import { portOf, recordingLogger } from './raw-socket.test.util.js';
import { assertStaysQuiet, open, rawExchange, slowPeerPause, waitFor, waitForData } from 'tsgi-test-support';

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;

test('request.signal aborts when the client disconnects while the app is working', async () => {
  let signal: AbortSignal | undefined;
  let abortedAt = 0;
  const server = await serve(
    async (request) => {
      signal = request.signal;
      await new Promise<void>((resolve) => request.signal.addEventListener('abort', () => resolve(), { once: true }));
      abortedAt = Date.now();
      return new Response('too late');
    },
    { port: 0, log: recordingLogger() },
  );
  try {
    const socket = await open(portOf(server.url));
    socket.write(get('/'));
    await waitFor(() => signal !== undefined, { timeoutMs: 5_000, what: 'the app to start' });
    socket.destroy();
    await waitFor(() => abortedAt > 0, { timeoutMs: 5_000, what: 'the signal to abort' });
    assert.equal(signal!.aborted, true);
    assert.equal((signal!.reason as DOMException).name, 'AbortError');
  } finally {
    await server.close();
  }
});

test('request.signal never aborts on normal completion (read during and after the response)', async () => {
  const signals: AbortSignal[] = [];
  const completions: Promise<TsgiCompletion>[] = [];
  const server = await serve(
    (request, context) => {
      signals.push(request.signal);
      completions.push(context.completed);
      if (request.url.endsWith('/stream')) {
        return new Response(new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([1])), c.enqueue(new Uint8Array([2])), c.close()) }));
      }
      return new FastResponse('done');
    },
    { port: 0 },
  );
  try {
    for (const path of ['/', '/stream']) {
      const r = await fetch(server.url + path);
      await r.arrayBuffer();
    }
    await Promise.all(completions);
    // Nothing announces that a signal did not abort: watch them for a while after completion.
    await assertStaysQuiet(100, () => signals.some((s) => s.aborted), 'an aborted request.signal after a normal completion');
    assert.equal(signals.length, 2);
    for (const s of signals) assert.equal(s.aborted, false);
  } finally {
    await server.close();
  }
  for (const s of signals) assert.equal(s.aborted, false, 'not even after the server closed');
});

test('completed settles with status and bytesWritten, aborted false; HEAD writes 0 bytes', async () => {
  const completions: Promise<TsgiCompletion>[] = [];
  const server = await serve(
    (request, context) => {
      completions.push(context.completed);
      return new FastResponse('12345', { status: 201 });
    },
    { port: 0 },
  );
  try {
    await rawExchange(portOf(server.url), get('/'));
    await rawExchange(portOf(server.url), 'HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual(await completions[0], { aborted: false, bytesWritten: 5, status: 201 });
    assert.deepEqual(await completions[1], { aborted: false, bytesWritten: 0, status: 201 });
  } finally {
    await server.close();
  }
});

test('client disconnect mid-stream: the body stream is cancelled, completed says aborted, the signal aborts', async () => {
  let cancelled: unknown;
  let context: TsgiContext | undefined;
  let signal: AbortSignal | undefined;
  const server = await serve(
    (request, ctx) => {
      context = ctx;
      signal = request.signal;
      let i = 0;
      return new Response(
        new ReadableStream({
          async pull(c) {
            await slowPeerPause(5); // an endless, slow stream: the client leaves mid-way
            c.enqueue(new TextEncoder().encode(`tick ${i++}\n`));
          },
          cancel(reason) {
            cancelled = reason ?? 'cancelled';
          },
        }),
      );
    },
    { port: 0, log: recordingLogger() },
  );
  try {
    const socket = await open(portOf(server.url));
    socket.write(get('/'));
    await waitForData(socket, /tick 3/);
    socket.destroy();
    await waitFor(() => cancelled !== undefined, { timeoutMs: 5_000, what: 'the body to be cancelled' });
    const completion = await context!.completed;
    assert.equal(completion.aborted, true);
    assert.equal(completion.status, 200);
    assert.ok(completion.bytesWritten > 0);
    assert.equal(signal!.aborted, true);
  } finally {
    await server.close();
  }
});

test('client disconnect mid-upload: the request body stream errors (never ends as if complete)', async () => {
  let outcome = '';
  let reading = false;
  const server = await serve(
    async (request) => {
      reading = true;
      try {
        await request.text();
        outcome = 'ended';
      } catch (error) {
        outcome = `errored: ${(error as Error).name}`;
      }
      return new Response('x');
    },
    { port: 0, log: recordingLogger() },
  );
  try {
    const socket = await open(portOf(server.url));
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf');
    await waitFor(() => reading, { timeoutMs: 5_000, what: 'the app to start reading the body' });
    socket.destroy();
    await waitFor(() => outcome !== '', { timeoutMs: 5_000, what: 'the body stream to settle' });
    assert.match(outcome, /^errored/);
  } finally {
    await server.close();
  }
});

test('waitUntil: callable after the response; a rejection is logged, not thrown; close() waits for it', async () => {
  const log = recordingLogger();
  let later: TsgiContext | undefined;
  let finished = false;
  const server = await serve(
    (_request, context) => {
      later = context;
      context.waitUntil(Promise.reject(new Error('background failed')));
      return new Response('ok');
    },
    { port: 0, log },
  );
  await (await fetch(server.url)).text();
  await later!.completed;
  let finishWork!: () => void;
  later!.waitUntil(new Promise<void>((r) => (finishWork = r)).then(() => (finished = true)));
  let closeDone = false;
  const closed = server.close().then(() => void (closeDone = true));
  // A close() that did not wait would finish within milliseconds; no event says it did not.
  await assertStaysQuiet(30, () => closeDone, 'close() finishing before the waitUntil work');
  finishWork();
  await closed;
  assert.equal(finished, true);
  assert.ok(log.lines.some((l) => l.includes('waitUntil') && l.includes('background failed')));
  assert.throws(() => later!.waitUntil('nope' as never), /expects a promise/);
});

test('context fields: peer and local addresses, protocol, worker, server, state', async () => {
  let seen: Record<string, unknown> = {};
  const server = await serve(
    (_request, context) => {
      seen = {
        remoteAddress: context.remoteAddress,
        remotePort: context.remotePort,
        localAddress: context.localAddress,
        localPort: context.localPort,
        protocol: context.protocol,
        encrypted: context.encrypted,
        scheme: context.scheme,
        mountPath: context.mountPath,
        worker: context.worker,
        tsgiVersion: context.server.tsgiVersion,
        state: context.state,
        logType: typeof context.log.error,
      };
      return new Response('');
    },
    { port: 0 },
  );
  try {
    await rawExchange(portOf(server.url), 'GET / HTTP/1.0\r\n\r\n');
    assert.equal(seen.remoteAddress, '127.0.0.1');
    assert.ok((seen.remotePort as number) > 0);
    assert.equal(seen.localAddress, '127.0.0.1');
    assert.equal(seen.localPort, portOf(server.url));
    assert.equal(seen.protocol, 'HTTP/1.0');
    assert.equal(seen.encrypted, false);
    assert.equal(seen.scheme, 'http');
    assert.equal(seen.mountPath, '');
    assert.deepEqual(seen.worker, { id: 1, pid: process.pid });
    assert.equal(seen.tsgiVersion, '1.1');
    assert.deepEqual(seen.state, {});
    assert.equal(seen.logType, 'function');
  } finally {
    await server.close();
  }
});

test('the process survives early disconnects, resets and throwing bodies (no unhandled rejection)', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  const server = await serve(
    async (request) => {
      await slowPeerPause(20); // a slow app, so clients leave at every stage
      if (request.method === 'POST') await request.text();
      return new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(1024)) }));
    },
    { port: 0, log: recordingLogger() },
  );
  try {
    for (let i = 0; i < 10; i++) {
      const socket = await open(portOf(server.url));
      socket.write(i % 2 ? get('/') : 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nabc');
      await slowPeerPause(5 + i * 3); // clients leave at different moments
      if (i % 3 === 0) socket.resetAndDestroy();
      else socket.destroy();
    }
    // A rejection nobody handles surfaces a turn after the exchange it belongs to fails; no event
    // says that none came, so watch for a while.
    await assertStaysQuiet(200, () => unhandled.length > 0, () => `an unhandled rejection: ${String(unhandled[0])}`);
    const ok = await fetch(server.url, { method: 'HEAD' });
    assert.equal(ok.status, 200);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await server.close();
  }
});

test('reading the request body after the response is over fails loudly instead of hanging', async () => {
  let later: Promise<string> | undefined;
  const server = await serve(
    async (request) => {
      const reader = request.body!.getReader();
      await reader.read(); // start reading, then answer without finishing
      later = (async () => {
        try {
          for (;;) if ((await reader.read()).done) return 'ended';
        } catch (error) {
          return `errored: ${(error as Error).message}`;
        }
      })();
      return new Response('answered early');
    },
    { port: 0 },
  );
  try {
    const socket = await open(portOf(server.url));
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    socket.write(Buffer.alloc(1000, 97));
    await waitForData(socket, /answered early/);
    await waitFor(() => later !== undefined, { timeoutMs: 5_000, what: 'the app to start reading' });
    const outcome = await Promise.race([later!, new Promise<string>((r) => setTimeout(() => r('hung'), 5000))]);
    assert.match(outcome, /^errored: .*response was sent before the request body was read/);
    socket.destroy();
  } finally {
    await server.close();
  }
});

test('a body asked for after the client left fails at once with AbortError, not at the body timeout', async () => {
  let outcome: { error: unknown; ms: number } | undefined;
  let arrived = false;
  const server = await serve(
    async (request) => {
      arrived = true;
      // Wait until the client is gone, then ask for the body it never finished sending.
      await new Promise((resolve) => request.signal.addEventListener('abort', resolve, { once: true }));
      const start = Date.now();
      const error = await request.text().then(() => undefined, (e: unknown) => e);
      outcome = { error, ms: Date.now() - start };
      return new Response('unused');
    },
    { port: 0, log: recordingLogger(), limits: { bodyTimeoutMs: 60_000 } },
  );
  try {
    const socket = await open(portOf(server.url));
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nabc');
    await waitFor(() => arrived, { what: 'the app to get the request' });
    socket.destroy();
    const seen = await waitFor(() => outcome, { timeoutMs: 20_000, what: 'request.text() to settle after the client left' });
    assert.ok(seen.error instanceof DOMException && seen.error.name === 'AbortError', `rejected with ${String(seen.error)}`);
    // At once means far below the 60 s body timeout; the bound leaves room for a loaded machine.
    assert.ok(seen.ms < 10_000, `settled in ${seen.ms} ms`);
  } finally {
    await server.close();
  }
});
