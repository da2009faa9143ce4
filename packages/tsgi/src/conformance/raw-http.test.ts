import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { decodeHttpFixture, matchSubset } from './fixtures.js';
import { exchange, parseResponse } from './raw-http.js';

const b = (text: string) => Buffer.from(text, 'latin1');

describe('the kit client parses responses strictly', () => {
  it('reads a Content-Length body and leaves the next message in the buffer', () => {
    const parsed = parseResponse(b('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\nX-A: 2\r\n\r\nabcHTTP/1.1 204'), false, false);
    assert.ok(parsed !== undefined);
    assert.equal(parsed.response.body.toString(), 'abc');
    assert.deepEqual(parsed.response.all('x-a'), ['1', '2']);
    assert.equal(parsed.consumed, b('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\nX-A: 2\r\n\r\nabc').length);
  });

  it('decodes chunks, extensions and trailers, and counts chunks', () => {
    const parsed = parseResponse(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n'), false, false);
    assert.equal(parsed?.response.body.toString(), 'abcde');
    assert.equal(parsed?.response.chunks, 2);
    assert.equal(parsed?.response.complete, true);
    assert.deepEqual(parsed?.response.trailers, [['T', '1']]);
    const two = parseResponse(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: x\r\nB:  y \r\n\r\n'), false, false);
    assert.deepEqual(two?.response.trailers, [['A', 'x'], ['B', 'y']]);
    const none = parseResponse(b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'), false, false);
    assert.deepEqual(none?.response.trailers, []);
  });

  it('waits for more bytes, then calls a message cut by the close incomplete', () => {
    const partial = b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n');
    assert.equal(parseResponse(partial, false, false), undefined);
    const ended = parseResponse(partial, true, false);
    assert.equal(ended?.response.complete, false);
    assert.equal(ended?.response.body.toString(), 'abc');
    const short = parseResponse(b('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc'), true, false);
    assert.equal(short?.response.complete, false);
  });

  it('knows HEAD, 1xx, 204 and 304 responses have no body', () => {
    assert.equal(parseResponse(b('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'), false, true)?.response.body.length, 0);
    assert.equal(parseResponse(b('HTTP/1.1 100 Continue\r\n\r\n'), false, false)?.response.status, 100);
    assert.equal(parseResponse(b('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n'), false, false)?.response.framing, 'none');
  });

  it('reads a close-delimited body to the end', () => {
    assert.equal(parseResponse(b('HTTP/1.0 200 OK\r\n\r\nabc'), false, false), undefined);
    assert.equal(parseResponse(b('HTTP/1.0 200 OK\r\n\r\nabc'), true, false)?.response.framing, 'close');
  });

  it('rejects a garbage status line', () => {
    assert.throws(() => parseResponse(b('HTTP/1.1 OK\r\n\r\n'), false, false), /bad status line/);
  });

  it('sends bytes exactly and skips interim responses over a real socket', async () => {
    let received = '';
    const server = createServer((socket) => {
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        if (received.endsWith('\r\n\r\n')) socket.end('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await exchange(`http://127.0.0.1:${port}`, 'GET /\0x HTTP/1.1\r\nHost: a\r\n\r\n', { closeWaitMs: 2_000 });
      assert.equal(received, 'GET /\0x HTTP/1.1\r\nHost: a\r\n\r\n');
      assert.deepEqual(response.interim.map((r) => r.status), [100]);
      assert.equal(response.body.toString(), 'ok');
      assert.equal(response.closed, true);
    } finally {
      server.close();
    }
  });
});

describe('fixture files', () => {
  it('decode escapes and ignore real line breaks', () => {
    assert.equal(decodeHttpFixture('GET / HTTP/1.1\\r\\n\nX: a\\0b\\x01\\t\\\\\\r\\n\n\\r\\n\n'), 'GET / HTTP/1.1\r\nX: a\0b\x01\t\\\r\n\r\n');
  });

  it('compare objects by the expected keys and arrays exactly', () => {
    assert.deepEqual(matchSubset({ a: 1, b: { c: [1, 2], d: 3 } }, { b: { c: [1, 2] } }), []);
    assert.deepEqual(matchSubset({ b: { c: [1, 2, 3] } }, { b: { c: [1, 2] } }), ['saw.b.c: expected [1,2], got [1,2,3]']);
    assert.deepEqual(matchSubset({}, { x: null }), ['saw.x: expected null, got undefined']);
  });
});
