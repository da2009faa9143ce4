/**
 * Cases about the life of a request after the app returns: completed, request.signal,
 * waitUntil, and application errors (SPEC.md 3.7, 4.5, 4.6, 5.8, 6).
 * @module
 */
import assert from 'node:assert/strict';
import { RawConnection } from './raw-http.js';
import { rawRequest, send, type Kit } from './kit.js';
import { poll } from './observations.js';

/** Registers the lifecycle and error cases. */
export function registerLifecycleCases(kit: Kit): void {
  kit.test('S-COMPLETED', 'completed settles with { aborted: false, bytesWritten, status } (R4.5.1 R4.5.2 R4.5.3 R4.5.4 R2.5.3)', async () => {
    const id = kit.id('done');
    const response = await send(kit.root(), 'GET', `/completed?id=${id}`);
    assert.equal(response.body.toString(), 'done');
    const completion = await kit.observation(`${id}.completed`, 'context.completed of a normal response');
    assert.deepEqual(completion, { aborted: false, bytesWritten: 4, status: 200 });
  });

  kit.test('S-COMPLETED-HEAD', 'completed counts no body bytes for HEAD (R4.5.3)', async () => {
    const id = kit.id('head');
    const response = await send(kit.root(), 'HEAD', `/completed?id=${id}`);
    assert.equal(response.status, 200);
    const completion = await kit.observation(`${id}.completed`, 'context.completed of a HEAD response');
    assert.deepEqual(completion, { aborted: false, bytesWritten: 0, status: 200 });
  });

  kit.test('S-CLIENT-GONE', 'a client leaving mid-response aborts the signal, cancels the body, settles completed aborted (R3.7.1 R5.10.1 R4.5.2 R2.5.3)', async () => {
    const id = await leaveMidResponse(kit, 'gone');
    const [signal, cancel, completion] = await Promise.all([
      kit.observation(`${id}.signal`, 'request.signal after the client left'),
      kit.observation(`${id}.cancel`, 'the response body stream after the client left'),
      kit.observation(`${id}.completed`, 'context.completed after the client left'),
    ]);
    assert.equal(signal.aborted, true);
    assert.equal(cancel.cancelled, true);
    assert.equal(completion.aborted, true);
    assert.equal(completion.status, 200);
  });

  kit.test('S-ABORT-REASON', "a client leaving aborts request.signal with a DOMException named AbortError (R3.7.5)", async () => {
    const id = await leaveMidResponse(kit, 'reason');
    const signal = await kit.observation(`${id}.signal`, 'request.signal after the client left');
    assert.equal(signal.reason, 'AbortError', "request.signal.reason's name, for a client that left");
  });

  kit.test('S-SIGNAL-NORMAL', 'request.signal never aborts on normal completion (R3.7.2)', async () => {
    const id = kit.id('sig');
    const response = await send(kit.root(), 'GET', `/signal?id=${id}`);
    assert.equal(response.status, 200);
    const observed = await kit.observation(`${id}.signal`, 'request.signal after a normal completion');
    assert.equal(observed.aborted, false, 'request.signal was aborted after the response completed normally');
    assert.equal(observed.abortEvent, false, "request.signal fired 'abort' after the response completed normally");
  });

  kit.test('S-WAITUNTIL', 'a waitUntil promise runs to its end after the response (R4.6.1 R2.5.3)', async () => {
    const id = kit.id('wait');
    const response = await send(kit.root(), 'GET', `/waituntil?id=${id}&ms=300`);
    assert.equal(response.body.toString(), 'waiting');
    const observed = await kit.observation(`${id}.waituntil`, 'the waitUntil promise');
    assert.equal(observed.done, true);
  });

  kit.test('S-WAITUNTIL-LATE', 'waitUntil works after completed settled (R4.6.3)', async () => {
    const id = kit.id('late');
    await send(kit.root(), 'GET', `/waituntil-late?id=${id}`);
    const observed = await kit.observation(`${id}.waituntil`, 'waitUntil called after completion');
    assert.deepEqual(observed, { done: true });
  });

  kit.test('S-WAITUNTIL-REJECT', 'a rejected waitUntil promise does not hurt the server (R4.6.2 R6.3)', async () => {
    const base = kit.root();
    assert.equal((await send(base, 'GET', '/waituntil-reject')).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await send(base, 'GET', '/text?size=1')).status, 200, 'the server stopped serving after a waitUntil rejection');
  });

  for (const [tag, path, what] of [
    ['S-ERR-THROW', '/error', 'a throw'],
    ['S-ERR-REJECT', '/reject', 'a rejection'],
    ['S-ERR-NOT-RESPONSE', '/not-a-response', 'a non-Response'],
  ] as const) {
    kit.test(tag, `${what} becomes a 500 text/plain without details, and the server serves on (R6.1 R6.3 R2.1.4)`, async () => {
      const base = kit.root();
      const conn = await RawConnection.open(base);
      try {
        await conn.write(rawRequest(base, 'GET', path, { close: false }));
        const response = await conn.readFinal();
        assert.equal(response.status, 500);
        assert.match(response.header('content-type') ?? '', /^text\/plain/);
        assert.ok(!response.body.toString().includes('probe:'), 'the 500 body leaks the error message; it belongs in the log');
        if (!conn.ended) {
          await conn.write(rawRequest(base, 'GET', '/text?size=1'));
          assert.equal((await conn.readFinal()).status, 200);
        }
      } finally {
        conn.destroy();
      }
      assert.equal((await send(base, 'GET', '/text?size=1')).status, 200, 'the server stopped serving');
    });
  }

  kit.test('S-ERR-STATUS', 'a Response with a status outside 200-599 becomes a 500 (R5.2.1b)', async () => {
    const response = await send(kit.root(), 'GET', '/bad-status');
    assert.equal(response.status, 500);
  });

  kit.test('S-ERR-HEADER', 'a header value with CR LF never reaches the wire; it is an app error (R5.3.3)', async () => {
    const response = await send(kit.root(), 'GET', '/bad-header');
    assert.equal(response.header('x-injected'), undefined, 'a header injected through a CR LF in a value reached the client');
    assert.equal(response.status, 500, 'an invalid header value is an application error');
  });

  kit.test('S-ERR-STATUS-TEXT', 'a status text with CR LF never reaches the wire (R5.2.2 R6.3)', async () => {
    const response = await send(kit.root(), 'GET', '/bad-status-text');
    assert.equal(response.header('x-injected-status'), undefined, 'a header injected through a CR LF in statusText reached the client');
    assert.ok(response.status === 200 || response.status === 500, `expected 200 with the server's own reason phrase, or 500; got ${response.status}`);
  });

  kit.test('S-WAITUNTIL-LOGGED', 'a rejected waitUntil promise is logged with its error (R4.6.2)', async () => {
    const errorLog = kit.harness.errorLog?.bind(kit.harness);
    if (errorLog === undefined) throw new Error('unreachable: case registered only with errorLog');
    const marker = kit.id('rejected');
    assert.equal((await send(kit.root(), 'GET', `/waituntil-reject?marker=${marker}`)).status, 200);
    const entry = await poll(() => errorLog().find((line) => line.includes(marker)), kit.waitMs);
    assert.ok(entry !== undefined, "no error-log entry carries the rejected promise's error");
  }, 30_000, { needs: 'errorLog' });

  kit.test('S-ERR-LOG', 'an application error is logged with the request line and the stack (R6.2)', async () => {
    const errorLog = kit.harness.errorLog?.bind(kit.harness);
    if (errorLog === undefined) throw new Error('unreachable: case registered only with errorLog');
    const marker = kit.id('log');
    assert.equal((await send(kit.root(), 'GET', `/error?marker=${marker}`)).status, 500);
    const entry = await poll(() => errorLog().find((line) => line.includes(marker)), kit.waitMs);
    assert.ok(entry !== undefined, 'no error-log entry names the request');
    assert.match(entry, new RegExp(`GET [^ ]*/error\\?marker=${marker}`), 'the entry lacks the request line');
    assert.match(entry, /probe: fetch threw on purpose/);
    assert.match(entry, /\n\s+at /, 'the entry lacks the stack');
  }, 30_000, { needs: 'errorLog' });

  kit.test('S-FILE-MISSING', 'a tsgi.file response whose file is missing becomes a 500 (R7.2.3)', async () => {
    const response = await send(kit.root(), 'GET', '/file-missing');
    assert.equal(response.status, 500);
    assert.equal((await send(kit.root(), 'GET', '/text?size=1')).status, 200);
  });

  kit.test('S-ERR-AFTER-COMMIT', 'a body error after commit truncates the message and closes (R5.8.1)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'GET', '/error-after-commit', { close: false }));
      const response = await conn.readFinal();
      assert.equal(response.status, 200, 'the response was committed with 200 before the body failed');
      assert.equal(response.complete, false, 'the client got a complete-looking message although the body failed');
      assert.equal(response.body.toString(), 'partial');
      assert.ok(conn.ended);
    } finally {
      conn.destroy();
    }
    assert.equal((await send(base, 'GET', '/text?size=1')).status, 200, 'the server stopped serving');
  });

  kit.test('S-RESET', 'clients resetting mid-request and mid-response never crash the server (R6.3)', async () => {
    const base = kit.root();
    for (const bytes of [
      'POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nabc',
      'GET /stream?chunks=1000&size=65536 HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET /ec',
    ]) {
      const conn = await RawConnection.open(base);
      await conn.write(bytes);
      // Mid-response means after the first bytes came back; mid-request has no event to wait for.
      if (bytes.startsWith('GET /stream')) await conn.waitFor(() => conn.pending.length > 0, kit.waitMs);
      else await new Promise((resolve) => setTimeout(resolve, 50));
      conn.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await send(base, 'GET', '/text?size=1')).status, 200);
  });
}

/** Asks the probe's /hold, waits for its first chunk, then closes the connection: a client leaving mid-response. Returns the request's id. */
async function leaveMidResponse(kit: Kit, prefix: string): Promise<string> {
  const base = kit.root();
  const id = kit.id(prefix);
  const conn = await RawConnection.open(base);
  try {
    await conn.write(rawRequest(base, 'GET', `/hold?id=${id}`));
    assert.ok(await conn.waitFor(() => conn.pending.includes('first\n'), kit.waitMs), 'the first chunk never came');
  } finally {
    conn.destroy();
  }
  return id;
}
