/**
 * closeLingering over real sockets: a node:http server answers 403 before reading a 3 MB upload;
 * the client, writing on like a proxy, gets the 403 and writes every byte (no EPIPE, no reset),
 * and each bound (lingering_timeout, lingering_time, bytes) ends the close. `off` is the control:
 * the same upload then hits the reset this module exists to avoid.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { uploadRaw, waitFor } from 'tsgi-test-support';
import { closeLingering, DEFAULT_LINGERING_CLOSE, type LingeringClose } from './lingering-close.js';

const MB3 = 3 * 1024 * 1024;

/** Per path: when the answer finished and the server's side of its connection closed. */
const seen = new Map<string, { answeredAt: number; closedAt: number }>();

/** A server answering every request 403 at once, unread, closing with `lingering` (per path). */
function startServer(lingeringFor: (path: string) => LingeringClose): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    closeLingering(req, res, lingeringFor(req.url ?? '/'));
    const times = { answeredAt: 0, closedAt: 0 };
    seen.set(req.url ?? '/', times);
    res.on('finish', () => (times.answeredAt = Date.now()));
    req.socket.once('close', () => (times.closedAt = Date.now()));
    res.writeHead(403, { 'content-type': 'text/plain', 'content-length': '9' }).end('Forbidden');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('closeLingering', () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = await startServer((path) => {
      if (path === '/off') return { ...DEFAULT_LINGERING_CLOSE, close: 'off' };
      if (path === '/idle') return { ...DEFAULT_LINGERING_CLOSE, timeoutMs: 300 };
      if (path === '/total') return { ...DEFAULT_LINGERING_CLOSE, timeMs: 600 };
      if (path === '/bytes') return { ...DEFAULT_LINGERING_CLOSE, maxBytes: 256 * 1024 };
      return DEFAULT_LINGERING_CLOSE;
    });
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('an early 403 on a 3 MB upload: the client writes every byte and reads the 403 (Content-Length and chunked)', async () => {
    for (const chunked of [false, true]) {
      const outcome = await uploadRaw({ port, head: 'POST /csrf HTTP/1.1\r\nHost: x', bodyBytes: MB3, chunked });
      assert.equal(outcome.status, 403, outcome.response);
      assert.match(outcome.response, /\r\nConnection: close\r\n/);
      assert.ok(outcome.response.endsWith('\r\n\r\nForbidden'), outcome.response);
      assert.equal(outcome.error, undefined, `chunked=${chunked}: the client hit ${outcome.error} after ${outcome.bodyWritten} bytes`);
      assert.equal(outcome.bodyWritten, MB3);
    }
  });

  it('lingering_close off (the control): the same upload is reset', async () => {
    // 32 MB: more than the socket buffers of both ends hold, so the reset cannot be outrun.
    const outcome = await uploadRaw({ port, head: 'POST /off HTTP/1.1\r\nHost: x', bodyBytes: 32 << 20 });
    assert.ok(outcome.error === 'EPIPE' || outcome.error === 'ECONNRESET', `expected a reset, got ${String(outcome.error)} after ${outcome.bodyWritten} bytes`);
    assert.ok(outcome.bodyWritten < 32 << 20);
  });

  it('a client that goes quiet is closed after lingering_timeout', async () => {
    const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => {});
    try {
      let response = '';
      client.on('data', (chunk: Buffer) => (response += chunk.toString('latin1')));
      client.write(`POST /idle HTTP/1.1\r\nHost: x\r\nContent-Length: ${MB3}\r\n\r\n`);
      client.write(Buffer.alloc(128 * 1024, 0x61)); // then nothing more, the socket left open
      const times = await waitFor(() => ((seen.get('/idle')?.closedAt ?? 0) > 0 ? seen.get('/idle') : undefined), { timeoutMs: 20_000, what: 'the server to close the quiet connection' });
      assert.match(response, /^HTTP\/1\.1 403 /);
      const lingered = times.closedAt - times.answeredAt;
      // 300 ms of silence; a generous upper bound for a busy machine, far below the 30 s lingering_time.
      assert.ok(lingered >= 250 && lingered < 10_000, `closed ${lingered} ms after the answer`);
    } finally {
      client.destroy();
    }
  });

  it('a client that never stops is cut at lingering_time, and beyond the byte bound', async () => {
    // 64 KiB every turn for 600 ms is far less than 1 GiB, so the time bound ends it.
    const slow = await uploadRaw({ port, head: 'POST /total HTTP/1.1\r\nHost: x', bodyBytes: 1 << 30, chunkBytes: 16 * 1024, timeoutMs: 20_000 });
    assert.equal(slow.status, 403);
    assert.ok(slow.closedAfterMs >= 500 && slow.closedAfterMs < 10_000, `closed ${slow.closedAfterMs} ms after the answer`);
    assert.ok(slow.bodyWritten < 1 << 30);
    const big = await uploadRaw({ port, head: 'POST /bytes HTTP/1.1\r\nHost: x', bodyBytes: MB3 });
    assert.equal(big.status, 403);
    assert.ok(big.bodyWritten < MB3, 'the byte bound did not end the close');
  });

  it('a request read to its end closes as node would (no lingering), and keep-alive is untouched', async () => {
    const outcome = await uploadRaw({ port, head: 'POST /csrf HTTP/1.1\r\nHost: x', bodyBytes: 10 });
    assert.equal(outcome.status, 403);
    assert.equal(outcome.error, undefined);
    assert.ok(outcome.closedAfterMs < 5_000, `closed ${outcome.closedAfterMs} ms after the answer`);
  });
});
