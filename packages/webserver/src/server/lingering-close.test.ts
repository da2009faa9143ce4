/**
 * The web server's own early answers on 3 MB uploads: the 413 of client_max_body_size (declared
 * by Content-Length, or a chunked body crossing it) and a `return 403` to a client that asked to
 * close. A client writing on like a proxy or a browser mid-upload writes every byte and reads the
 * answer: the close lingers (lingering_close, lingering_time, lingering_timeout, nginx's names
 * and defaults), never a reset. `lingering_close = "off"` is the control.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { uploadRaw } from 'tsgi-test-support';
import { parseConfigText } from '../config/load.js';
import type { WebServer } from './web-server.js';
import { portOf, startFromText } from '../testing/helpers.js';

const MB3 = 3 * 1024 * 1024;

/** `/upload` proxies to an upstream that reads the body (so a chunked body crosses the limit); the rest answers 403 at once. */
const site = (lingering: string, upstreamPort = 9) => `
client_max_body_size = "1m"
${lingering}

[[server]]
listen = "127.0.0.1:0"

[[server.location]]
path = "/"
return = 403

[[server.location]]
path = "/upload"
proxy_pass = "http://127.0.0.1:${upstreamPort}"
proxy_request_buffering = false
`;

describe('lingering close of early answers', () => {
  let server: WebServer;
  let off: WebServer;
  let upstream: Server;
  before(async () => {
    upstream = createServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(`got ${n}`));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    server = await startFromText(site('', upstreamPort));
    off = await startFromText(site('lingering_close = "off"', upstreamPort));
  });
  after(async () => {
    await server?.close();
    await off?.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  const upload = (to: WebServer, head: string, bodyBytes: number, chunked = false) => uploadRaw({ port: portOf(to), head, bodyBytes, chunked });

  it('the 413 of client_max_body_size: every byte written, the 413 read (Content-Length and chunked)', async () => {
    for (const chunked of [false, true]) {
      const outcome = await upload(server, 'POST /upload HTTP/1.1\r\nHost: x', MB3, chunked);
      assert.equal(outcome.status, 413, outcome.response);
      assert.match(outcome.response, /\r\nConnection: close\r\n/i);
      assert.equal(outcome.error, undefined, `chunked=${chunked}: ${outcome.error} after ${outcome.bodyWritten} bytes`);
      assert.equal(outcome.bodyWritten, MB3);
    }
  });

  it('an answer before the body is read, to a client that asked to close: no reset either', async () => {
    const outcome = await upload(server, 'POST /csrf HTTP/1.1\r\nHost: x\r\nConnection: close', 900 * 1024);
    assert.equal(outcome.status, 403, outcome.response);
    assert.equal(outcome.error, undefined, `${outcome.error} after ${outcome.bodyWritten} bytes`);
    assert.equal(outcome.bodyWritten, 900 * 1024);
  });

  it('lingering_close = "off" (the control): the same 413 upload is reset', async () => {
    // 32 MB: more than the socket buffers of both ends hold, so the reset cannot be outrun.
    const outcome = await upload(off, 'POST /upload HTTP/1.1\r\nHost: x', 32 << 20);
    assert.ok(outcome.error === 'EPIPE' || outcome.error === 'ECONNRESET', `expected a reset, got ${String(outcome.error)} after ${outcome.bodyWritten} bytes`);
  });

  it('the settings: nginx names and defaults, checked values', () => {
    const config = parseConfigText(site('lingering_time = "10s"'), 'test.toml');
    assert.deepEqual(config.limits.lingering, { close: 'on', timeMs: 10_000, timeoutMs: 5_000 });
    assert.throws(() => parseConfigText(site('lingering_close = "always"'), 'test.toml'), /lingering_close.*expected one of "on", "off", got "always"/s);
    assert.throws(() => parseConfigText(site('lingering_timeout = "soon"'), 'test.toml'), /lingering_timeout.*expected a duration/s);
  });
});
