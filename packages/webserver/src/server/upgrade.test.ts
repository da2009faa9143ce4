import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import type { WebServer } from './web-server.js';
import { makeCert } from '../testing/certs.js';
import { portOf, rawRequest, startFromText, statusOf } from '../testing/helpers.js';
import { tempDir } from 'tsgi-test-support';

describe('Upgrade requests', () => {
  let upstream: Server;
  let wss: WebSocketServer;
  let server: WebServer;
  let port: number;

  before(async () => {
    upstream = createServer((_req, res) => res.end('plain upstream'));
    wss = new WebSocketServer({ server: upstream });
    wss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(`echo ${m.toString()} from ${req.url}`)));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const up = (upstream.address() as { port: number }).port;
    server = await startFromText(`[[server]]
listen = "127.0.0.1:0"
  [[server.location]]
  path = "/ws/"
  proxy_pass = "http://127.0.0.1:${up}"
  [[server.location]]
  path = "/plain"
  return = "200 plain answer"
`);
    port = portOf(server);
  });
  after(async () => {
    await server.close();
    wss.close();
    await new Promise((r) => upstream.close(r));
  });

  it('tunnels a WebSocket through a proxy_pass location', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat?room=1`);
    const reply = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('hi'));
      ws.once('message', (m) => resolve(m.toString()));
      ws.once('error', reject);
    });
    ws.close();
    assert.equal(reply, 'echo hi from /ws/chat?room=1');
  });

  it('tunnels wss:// on a TLS port that also speaks HTTP/2', async () => {
    const tmp = await tempDir();
    const cert = await makeCert(tmp.dir, 'a.test');
    const up = (upstream.address() as { port: number }).port;
    const tlsServer = await startFromText(`[[server]]\nlisten = "127.0.0.1:0 ssl http2"\nssl_certificate = "${cert.cert}"\nssl_certificate_key = "${cert.key}"\n  [[server.location]]\n  path = "/"\n  proxy_pass = "http://127.0.0.1:${up}"\n`);
    try {
      const ws = new WebSocket(`wss://127.0.0.1:${portOf(tlsServer)}/secure`, { rejectUnauthorized: false });
      const reply = await new Promise<string>((resolve, reject) => {
        ws.once('open', () => ws.send('tls'));
        ws.once('message', (m) => resolve(m.toString()));
        ws.once('error', reject);
      });
      ws.close();
      assert.equal(reply, 'echo tls from /secure');
    } finally {
      await tlsServer.close();
      await tmp.cleanup();
    }
  });

  it('answers an Upgrade to a location without a proxy as an ordinary request (h2c is ignored)', async () => {
    const raw = await rawRequest(port, 'GET /plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n');
    assert.equal(statusOf(raw), 200);
    assert.match(raw, /plain answer$/);
    const viaProxy = await rawRequest(port, 'GET /ws/x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
    assert.equal(statusOf(viaProxy), 200, viaProxy);
    assert.match(viaProxy, /plain upstream/);
  });
});
