/**
 * Cases about how a server writes the app's response (SPEC.md section 5 and 7).
 * @module
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RawConnection } from './raw-http.js';
import { echoReport, rawRequest, send, type Kit } from './kit.js';
import { PROBE_MODULE } from './probe-app.js';

const HOP_BY_HOP = ['proxy-connection', 'upgrade', 'te', 'trailer'];

/** Registers the response cases. */
export function registerResponseCases(kit: Kit): void {
  kit.test('S-HOP', 'hop-by-hop headers set by the app are removed (R5.4.2)', async () => {
    const response = await send(kit.root(), 'GET', '/hop-by-hop');
    assert.equal(response.status, 200);
    for (const name of HOP_BY_HOP) assert.equal(response.header(name), undefined, `the server passed the app's ${name} header through`);
    assert.ok(!/x-probe-hop/i.test(response.header('connection') ?? ''), "the server passed the app's Connection: x-probe-hop through");
    assert.notEqual(response.header('keep-alive'), 'timeout=99', "the server passed the app's Keep-Alive through");
    assert.equal(response.framing, 'length', 'a string body must be sent with Content-Length, not the app-set Transfer-Encoding');
    assert.equal(response.body.toString(), 'hop');
    assert.equal(response.header('x-probe-hop'), 'kept', 'ordinary headers must stay');
  });

  kit.test('S-DATE', 'Date is added when absent and kept when set (R5.5.1 R5.5.1b)', async () => {
    const plain = await send(kit.root(), 'GET', '/text?size=1');
    const date = plain.header('date');
    assert.ok(date !== undefined && !Number.isNaN(Date.parse(date)), `missing or bad Date header: ${String(date)}`);
    const dated = await send(kit.root(), 'GET', '/date');
    assert.deepEqual(dated.all('date'), ['Tue, 01 Jan 2030 00:00:00 GMT']);
  });

  kit.test('S-LENGTH-KNOWN', 'a body of known size gets Content-Length (R5.6.1)', async () => {
    const response = await send(kit.root(), 'GET', '/text?size=1234');
    assert.equal(response.framing, 'length');
    assert.equal(response.header('content-length'), '1234');
    assert.equal(response.body.length, 1234);
  });

  kit.test('S-CHUNKED', 'a stream is sent chunked on HTTP/1.1, bytes intact (R5.6.2)', async () => {
    const response = await send(kit.root(), 'GET', '/stream?chunks=5&size=1000');
    assert.equal(response.framing, 'chunked');
    assert.equal(response.complete, true);
    assert.equal(response.body.length, 5000);
    for (let i = 0; i < 5; i++) assert.equal(response.body[i * 1000], i, `chunk ${i} has the wrong bytes`);
  });

  kit.test('S-HTTP10-STREAM', 'a stream is close-delimited on HTTP/1.0 (R5.6.3)', async () => {
    const base = kit.root();
    const response = await send(base, 'GET', '/stream?chunks=3&size=100', { version: 'HTTP/1.0' });
    assert.equal(response.status, 200);
    assert.equal(response.header('transfer-encoding'), undefined, 'HTTP/1.0 has no chunked coding');
    assert.equal(response.body.length, 300);
  });

  kit.test('S-CL-LONG', 'a body longer than its Content-Length is cut and the connection closed (R5.6.4)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'GET', '/cl-long', { close: false }));
      const response = await conn.readFinal();
      assert.equal(response.header('content-length'), '5');
      assert.equal(response.body.toString(), 'abcde');
      assert.ok(await conn.waitClosed(kit.waitMs), 'the connection stayed open after an over-long body');
      assert.equal(conn.pending.length, 0, `bytes beyond Content-Length reached the client: ${JSON.stringify(conn.pending.toString())}`);
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-CL-SHORT', 'a body shorter than its Content-Length ends in a closed connection (R5.6.5)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'GET', '/cl-short', { close: false }));
      const response = await conn.readFinal();
      assert.equal(response.complete, false, 'the client got a complete-looking message');
      assert.equal(response.body.toString(), 'abc');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-HEAD', 'HEAD gets the headers GET gets, and no body (R5.7.1 R5.7.1c R5.7.2)', async () => {
    const base = kit.root();
    const get = await send(base, 'GET', '/text?size=100');
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'HEAD', '/text?size=100', { close: false }));
      const head = await conn.readFinal({ head: true });
      for (const name of ['content-length', 'content-type', 'x-probe']) assert.equal(head.header(name), get.header(name), `HEAD and GET differ in ${name}`);
      // A body sent after a HEAD response would be read as the next response here.
      await conn.write(rawRequest(base, 'GET', '/text?size=2'));
      const next = await conn.readFinal();
      assert.equal(next.status, 200, 'bytes after the HEAD response: the server sent a body');
      assert.equal(next.body.toString(), 'xx');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-HEAD-NULL', 'HEAD answered with a null body: no Content-Length rather than a false 0, and no body (R5.7.1 R5.7.1c)', async () => {
    const base = kit.root();
    const get = await send(base, 'GET', '/text?size=10');
    assert.equal(get.header('content-length'), '10');
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'HEAD', '/text?size=10&head=null', { close: false }));
      const head = await conn.readFinal({ head: true });
      assert.equal(head.status, 200);
      // RFC 9110 section 8.6: a HEAD response's Content-Length, if sent, is what GET would send.
      assert.equal(head.header('content-length'), undefined, 'HEAD with a null body sent a Content-Length GET would not send');
      assert.equal(head.header('transfer-encoding'), undefined);
      await conn.write(rawRequest(base, 'GET', '/text?size=2'));
      const next = await conn.readFinal();
      assert.equal(next.body.toString(), 'xx', 'bytes after the HEAD response: the server sent a body');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-204-304', '204 and 304 have no body, 204 no Content-Length (R5.7.3 R5.7.4)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'GET', '/status?code=204', { close: false }));
      const noContent = await conn.readFinal();
      assert.equal(noContent.status, 204);
      assert.equal(noContent.header('content-length'), undefined);
      assert.equal(noContent.header('transfer-encoding'), undefined);
      await conn.write(rawRequest(base, 'GET', '/status?code=304', { close: false }));
      const notModified = await conn.readFinal();
      assert.equal(notModified.status, 304);
      assert.equal(notModified.header('transfer-encoding'), undefined);
      await conn.write(rawRequest(base, 'GET', '/text?size=2'));
      const next = await conn.readFinal();
      assert.equal(next.body.toString(), 'xx', 'bytes followed a 204/304 response');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-SET-COOKIE', 'repeated Set-Cookie fields are sent separately (R5.3.4)', async () => {
    const response = await send(kit.root(), 'GET', '/set-cookies');
    assert.deepEqual(response.all('set-cookie'), ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
  });

  kit.test('S-STREAM-LIVE', 'a streamed chunk reaches the client before the stream ends (R5.9.2)', async () => {
    const base = kit.root();
    const id = kit.id('live');
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'GET', `/hold?id=${id}`));
      const arrived = await conn.waitFor(() => conn.pending.includes('first\n'), kit.waitMs);
      assert.ok(arrived, 'the first chunk of a stream that is still open never reached the client');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-BACKPRESSURE', 'a slow client holds back the app stream, and leaving cancels it (R5.9.1 R5.10.1)', async () => {
    const base = kit.root();
    const id = kit.id('bp');
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'GET', `/backpressure?id=${id}`));
      await conn.waitFor(() => conn.pending.length > 0, kit.waitMs);
      conn.pause();
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      conn.destroy();
    }
    const observed = await kit.observation(`${id}.backpressure`, 'the app stream after the client left');
    assert.equal(observed.exhausted, undefined, 'the server pulled 256 MiB from the app while the client read nothing: no backpressure');
    assert.equal(observed.cancelled, true, 'the app stream was not cancelled when the client left');
    assert.ok(Number(observed.pulls) * 64 < 64 * 1024, `the server pulled ${String(observed.pulls)} blocks of 64 KiB while the client read nothing`);
  });

  kit.test('S-FILE', 'a tsgi.file response sends exactly the file region, and a server declaring tsgi.file cancels the ordinary body (R7.2.1 R7.2.2 R7.2.2b R2.5.5)', async () => {
    const source = readFileSync(PROBE_MODULE);
    const whole = await send(kit.root(), 'GET', '/file');
    assert.equal(whole.status, 200);
    assert.ok(whole.body.equals(source), 'the whole-file response differs from the file');
    const part = await send(kit.root(), 'GET', '/file?offset=10&length=100');
    assert.equal(part.header('content-length'), '100');
    assert.ok(part.body.equals(source.subarray(10, 110)), 'the file region differs from the file bytes 10-109');
    const head = await send(kit.root(), 'HEAD', '/file?offset=10&length=100');
    assert.equal(head.header('content-length'), '100');
    assert.equal(head.body.length, 0);
    if (!echoReport(await send(kit.root(), 'GET', '/echo')).context.server.extensions.includes('tsgi.file')) return;
    const id = kit.id('file');
    assert.equal((await send(kit.root(), 'GET', `/file?id=${id}`)).status, 200);
    const ordinary = await kit.observation(`${id}.filebody`, 'the ordinary body of a tsgi.file response');
    assert.equal(ordinary.cancelled, true, 'a server declaring tsgi.file read the ordinary body instead of cancelling it (R7.2.2b)');
  });

  kit.test('S-HEADER-LATIN1', 'a field value is written byte for byte from its code points (0xE9 as one byte, never UTF-8), from a Response and a FastResponse (R3.10.2 R5.1.2)', async () => {
    for (const target of ['/latin1', '/latin1?fast=1']) {
      const response = await send(kit.root(), 'GET', target);
      assert.equal(response.status, 200, target);
      // raw-http reads the head as latin1: one byte 0xE9 is 'é'; UTF-8's C3 A9 would read 'Ã©'.
      assert.equal(response.header('x-latin1'), 'caf\u00e9', `${target}: x-latin1 was not written as the bytes 63 61 66 E9`);
    }
  });

  kit.test('S-HEADER-WIDE', 'a FastResponse field value above U+00FF never reaches the wire; it is an app error (R3.10.3)', async () => {
    const response = await send(kit.root(), 'GET', '/wide');
    assert.equal(response.header('x-wide'), undefined, 'a value with a code point above U+00FF reached the wire');
    assert.equal(response.status, 500);
    assert.equal((await send(kit.root(), 'GET', '/text?size=1')).status, 200, 'the server stopped serving');
  });

  kit.test('S-UNREAD-SMALL', 'an unread small body does not break the next request on the connection (R5.11.1)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'POST', '/no-read', { close: false, body: 'GET /echo?smuggled=1 HTTP/1.1\r\nHost: x\r\n\r\n' }));
      const first = await conn.readFinal();
      assert.equal(first.status, 200);
      if (conn.ended) return; // Closing is allowed.
      await conn.write(rawRequest(base, 'GET', '/echo?n=2'));
      const second = echoReport(await conn.readFinal());
      assert.match(second.url, /\/echo\?n=2$/, 'the unread body was parsed as a request');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-UNREAD-LARGE', 'an unread large body is drained or the connection closed, never parsed (R5.11.1 R5.11.1b)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      const size = 1 << 20;
      await conn.write(rawRequest(base, 'POST', '/no-read', { close: false, headers: [['Content-Length', String(size)]] }));
      const first = await conn.readFinal();
      assert.equal(first.status, 200);
      // Keep sending what was promised; the server either swallows it or closes.
      const block = Buffer.alloc(64 * 1024, 0x47);
      for (let sent = 0; sent < size && !conn.ended; sent += block.length) await conn.write(block).catch(() => undefined);
      if (conn.ended) return;
      await conn.write(rawRequest(base, 'GET', '/echo?n=2')).catch(() => undefined);
      const next = await conn.readFinal().catch(() => undefined);
      if (next !== undefined) assert.match(echoReport(next).url, /\/echo\?n=2$/);
    } finally {
      conn.destroy();
    }
  });
}
