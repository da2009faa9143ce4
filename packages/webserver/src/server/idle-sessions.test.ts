/**
 * keepalive_timeout on HTTP/2 (idle-sessions.ts): a session with no request in progress is
 * closed once it has been idle that long, not before; a request in progress (a slow upstream)
 * keeps it open however long it takes; every finished response starts the idle time again.
 * Over node's http2 client, with keepalive_timeout = 1s.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import http2 from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { assertStaysQuiet, slowPeerPause, tempDir, waitFor } from 'tsgi-test-support';
import { makeCert } from '../testing/certs.js';
import { startFromText } from '../testing/helpers.js';
import type { WebServer } from './web-server.js';

const TIMEOUT_MS = 1000;

/** A session and when it closed (its GOAWAY from the server, or the connection's end). */
function connect(port: number): { client: http2.ClientHttp2Session; closedAt: () => number | undefined } {
  const client = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  let at: number | undefined;
  const mark = () => (at ??= Date.now());
  client.on('goaway', mark);
  client.on('close', mark);
  client.on('error', () => {});
  return { client, closedAt: () => at };
}

function get(client: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': path });
    let status = 0;
    let body = '';
    req.setEncoding('utf8');
    req.setTimeout(20_000, () => req.close(http2.constants.NGHTTP2_CANCEL));
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve({ status, body }));
    req.on('error', reject);
  });
}

describe('HTTP/2 sessions idle for keepalive_timeout are closed by the sweep', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let server: WebServer;
  let upstream: Server;
  let port: number;
  /** Upstream responses held until the test releases them: a request in progress for as long as it needs. */
  const held: ServerResponse[] = [];

  before(async () => {
    tmp = await tempDir();
    const cert = await makeCert(tmp.dir, 'localhost');
    upstream = createServer((_req, res) => held.push(res));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const up = (upstream.address() as { port: number }).port;
    server = await startFromText(`keepalive_timeout = "${TIMEOUT_MS}ms"
[[server]]
listen = "127.0.0.1:0 ssl http2"
ssl_certificate = "${cert.cert}"
ssl_certificate_key = "${cert.key}"
  [[server.location]]
  path = "/"
  return = "200 hello"
  [[server.location]]
  path = "/slow"
  proxy_pass = "http://127.0.0.1:${up}"
`);
    port = server.addresses()[0]!.port!;
  });
  after(async () => {
    for (const res of held.splice(0)) res.end();
    await server?.close();
    await new Promise((r) => upstream?.close(r));
    await tmp?.cleanup();
  });

  it('closes a session idle for keepalive_timeout, not before', async () => {
    const { client, closedAt } = connect(port);
    try {
      assert.equal((await get(client, '/')).body, 'hello');
      const answered = Date.now();
      // Generous margins: the sweep runs every timeout/4; a loaded machine delays timers.
      await assertStaysQuiet(TIMEOUT_MS * 0.6, () => closedAt() !== undefined, 'session close before keepalive_timeout');
      await waitFor(() => closedAt() !== undefined, { timeoutMs: 10_000, what: 'the idle session to be closed' });
      assert.ok(closedAt()! - answered >= TIMEOUT_MS - 50, `closed ${closedAt()! - answered} ms after the response`);
    } finally {
      client.destroy();
    }
  });

  it('keeps a session open while a request is in progress, then closes it once idle', async () => {
    const { client, closedAt } = connect(port);
    try {
      const pending = get(client, '/slow');
      await waitFor(() => held.length === 1, { timeoutMs: 10_000, what: 'the request to reach the upstream' });
      await assertStaysQuiet(TIMEOUT_MS * 2.5, () => closedAt() !== undefined, 'session close while a request is in progress');
      held.shift()!.end('slow done');
      assert.deepEqual(await pending, { status: 200, body: 'slow done' });
      await waitFor(() => closedAt() !== undefined, { timeoutMs: 10_000, what: 'the session to be closed once idle' });
    } finally {
      client.destroy();
    }
  });

  it('starts the idle time again with every response', async () => {
    const { client, closedAt } = connect(port);
    try {
      // Requests every 0.4 timeouts for 2.5 timeouts: never idle long enough.
      for (let i = 0; i < 6; i++) {
        assert.equal((await get(client, '/')).body, 'hello');
        assert.equal(closedAt(), undefined, `closed while in use (request ${i})`);
        await slowPeerPause(TIMEOUT_MS * 0.4);
      }
      assert.equal((await get(client, '/')).body, 'hello');
      await waitFor(() => closedAt() !== undefined, { timeoutMs: 10_000, what: 'the session to be closed once idle' });
    } finally {
      client.destroy();
    }
  });
});
