/**
 * Server cases for the `tsgi.early-hints` (SPEC 7.4) and `tsgi.trailers` (SPEC 7.5) extensions:
 * S-HINTS-* and S-TRAILERS-*. Each runs only when the server declares the extension and is
 * reported as skipped ("not applicable") otherwise. The probe's routes: probe-hints-trailers.ts.
 * @module
 */
import assert from 'node:assert/strict';
import { RawConnection } from './raw-http.js';
import { echoReport, rawRequest, send, type Kit } from './kit.js';
import { readObservation } from './observations.js';

const HINTS = { extension: 'tsgi.early-hints' } as const;
const TRAILERS = { extension: 'tsgi.trailers' } as const;

/** Sends `bytes` on a fresh connection and reads the final response (with the 1xx before it). */
async function exchangeOn(base: string, bytes: string, head = false): Promise<Awaited<ReturnType<RawConnection['readFinal']>>> {
  const conn = await RawConnection.open(base);
  try {
    await conn.write(bytes);
    return await conn.readFinal({ head });
  } finally {
    conn.destroy();
  }
}

export function registerHintsTrailersCases(kit: Kit): void {
  kit.test('S-HINTS-DECLARED', 'tsgi.early-hints declared: every context has the hints function (R7.4.1)', async () => {
    const id = kit.id('hints-declared');
    const response = await send(kit.root(), 'GET', `/hints?id=${id}`);
    assert.equal(response.status, 200);
    const observed = await kit.observation(`${id}.hints`, 'the /hints route');
    assert.equal(observed.field, 'function', "context['tsgi.early-hints'] is not a function on a server that declares the extension");
  }, undefined, HINTS);

  kit.test('S-HINTS-SEND', 'each call sends one 103 with the fields given, before the response (R7.4.2)', async () => {
    const id = kit.id('hints-send');
    const response = await exchangeOn(kit.root(), rawRequest(kit.root(), 'GET', `/hints?id=${id}`));
    assert.equal(response.status, 200);
    assert.equal(response.body.toString('utf8'), 'hinted');
    assert.deepEqual(response.interim.map((r) => r.status), [103, 103], 'two 103 Early Hints before the final response');
    assert.deepEqual(response.interim[0]!.all('link'), ['</probe.css>; rel=preload; as=style']);
    assert.deepEqual(response.interim[1]!.all('link'), ['</probe.js>; rel=modulepreload']);
    assert.equal(response.interim[1]!.header('x-probe-hint'), '2');
    assert.equal(response.header('link'), undefined, 'the hints must not be merged into the final response');
    const observed = await kit.observation(`${id}.hints`, 'the /hints route');
    assert.deepEqual(observed.sent, [true, true]);
  }, undefined, HINTS);

  kit.test('S-HINTS-LATE', 'no 103 once the response is committed: the call returns false (R7.4.3)', async () => {
    const base = kit.root();
    const id = kit.id('hints-late');
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'GET', `/hints-late?id=${id}`, { close: false }));
      const first = await conn.readFinal();
      assert.equal(first.status, 200);
      assert.equal(first.interim.length, 0);
      const observed = await kit.observation(`${id}.hints`, 'the late hint');
      assert.deepEqual(observed.sent, [false], 'a hint after the response was sent');
      if (conn.ended) return;
      // Nothing stray on the connection: the next response comes without a 103 in front.
      await conn.write(rawRequest(base, 'GET', '/echo'));
      const next = await conn.readFinal();
      assert.equal(next.interim.length, 0, 'a 103 was sent after the response it belonged to');
      echoReport(next);
    } finally {
      conn.destroy();
    }
  }, undefined, HINTS);

  kit.test('S-HINTS-HTTP10', 'no 103 to an HTTP/1.0 client: the call returns false (R7.4.4)', async () => {
    const id = kit.id('hints-10');
    const response = await exchangeOn(kit.root(), rawRequest(kit.root(), 'GET', `/hints?id=${id}`, { version: 'HTTP/1.0', close: false }));
    assert.equal(response.status, 200);
    assert.equal(response.interim.length, 0, 'a 1xx was sent to an HTTP/1.0 client');
    const observed = await kit.observation(`${id}.hints`, 'the /hints route');
    assert.deepEqual(observed.sent, [false, false]);
  }, undefined, HINTS);

  kit.test('S-HINTS-INVALID', 'hints without a Link or with a framing field throw a TypeError and send nothing (R7.4.5)', async () => {
    const response = await exchangeOn(kit.root(), rawRequest(kit.root(), 'GET', '/hints-invalid'));
    assert.equal(response.status, 200);
    assert.equal(response.interim.length, 0);
    assert.deepEqual((JSON.parse(response.body.toString('utf8')) as { errors: string[] }).errors, ['TypeError', 'TypeError', 'TypeError']);
  }, undefined, HINTS);

  kit.test('S-TRAILERS-REQUEST', 'request trailers are readable after the body and absent from request.headers (R7.5.1 R7.5.1b)', async () => {
    const base = kit.root();
    const bytes =
      `POST /trailers-upload HTTP/1.1\r\nHost: ${new URL(base).host}\r\nTransfer-Encoding: chunked\r\nTrailer: x-probe-digest\r\nConnection: close\r\n\r\n` +
      '5\r\nhello\r\n6\r\n world\r\n0\r\nX-Probe-Digest: abc\r\nX-Probe-Count: 2\r\n\r\n';
    const response = await exchangeOn(base, bytes);
    assert.equal(response.status, 200, response.body.toString('utf8'));
    const report = JSON.parse(response.body.toString('utf8')) as { field: string; length: number; before: unknown; after: Array<[string, string]> | null; headers: string[] };
    assert.equal(report.field, 'object', "context['tsgi.trailers'] is missing on a server that declares the extension");
    assert.equal(report.length, 11);
    assert.equal(report.before, null, 'trailers were given before the body was read');
    assert.deepEqual(report.after, [['x-probe-count', '2'], ['x-probe-digest', 'abc']]);
    assert.ok(!report.headers.includes('x-probe-digest'), 'a trailer field was merged into request.headers');
    const plain = await exchangeOn(base, rawRequest(base, 'POST', '/trailers-upload', { body: 'abc' }));
    assert.deepEqual((JSON.parse(plain.body.toString('utf8')) as { after: unknown }).after, [], 'a Content-Length body has an empty trailer section');
  }, undefined, TRAILERS);

  kit.test('S-TRAILERS-RESPONSE', 'response trailers follow the last chunk; fields kept out of trailers are dropped (R7.5.3 R7.5.5)', async () => {
    const id = kit.id('trailers');
    const response = await exchangeOn(kit.root(), rawRequest(kit.root(), 'GET', `/trailers-stream?id=${id}`));
    assert.equal(response.status, 200);
    assert.equal(response.framing, 'chunked');
    assert.equal(response.complete, true);
    assert.equal(response.body.toString('utf8'), 'first,second');
    assert.equal(response.header('trailer'), 'x-probe-sum', 'the app\'s Trailer field goes out with the trailers');
    assert.deepEqual(response.trailers, [['x-probe-sum', '12']], 'the trailer section (content-type must be dropped)');
    const observed = await kit.observation(`${id}.trailers`, 'the trailers function');
    assert.equal(observed.calls, 1);
  }, undefined, TRAILERS);

  kit.test('S-TRAILERS-NONE', 'no trailers where the message cannot carry them, and the function is not called (R7.5.4)', async () => {
    const base = kit.root();
    const ids = [kit.id('trailers-10'), kit.id('trailers-head'), kit.id('trailers-fixed')];
    const old = await exchangeOn(base, rawRequest(base, 'GET', `/trailers-stream?id=${ids[0]}`, { version: 'HTTP/1.0', close: false }));
    assert.equal(old.body.toString('utf8'), 'first,second');
    assert.notEqual(old.framing, 'chunked', 'chunked framing to an HTTP/1.0 client');
    const head = await exchangeOn(base, rawRequest(base, 'HEAD', `/trailers-stream?id=${ids[1]}`), true);
    assert.equal(head.status, 200);
    const fixed = await exchangeOn(base, rawRequest(base, 'GET', `/trailers-fixed?id=${ids[2]}`));
    assert.equal(fixed.framing, 'length', 'the app\'s Content-Length must be kept');
    assert.equal(fixed.body.toString('utf8'), 'fixed');
    // The function would have run before the last byte went out, so its record would be there now.
    for (const id of ids) assert.equal(readObservation(kit.dir(), `${id}.trailers`), undefined, `the trailers function was called for ${id}`);
  }, undefined, TRAILERS);

  kit.test('S-TRAILERS-FAIL', 'a trailers function that throws aborts the connection: no terminating chunk (R7.5.6)', async () => {
    const response = await exchangeOn(kit.root(), rawRequest(kit.root(), 'GET', '/trailers-throw'));
    assert.equal(response.status, 200);
    assert.equal(response.complete, false, 'the message looked complete although its trailers failed');
    echoReport(await send(kit.root(), 'GET', '/echo'));
  }, undefined, TRAILERS);
}
