/**
 * tsgi.websocket on serve(): what the kit cannot see (SPEC 7.3.9's graceful stop, R7.3.11), the
 * helper's errors, order under a burst, and no state left behind after many connections.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { open as openSocket, rawExchange, waitFor, waitForData } from 'tsgi-test-support';
import { serve } from './serve.js';
import type { TsgiContext, TsgiLogger } from './types.js';
import { upgradeWebSocket, WebSocketUpgradeError, type TsgiWebSocket } from './websocket.js';

const quiet: TsgiLogger = { debug() {}, info() {}, warn() {}, error() {} };

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function echoApp(sockets: TsgiWebSocket[] = []) {
  return (request: Request, context: TsgiContext): Response => {
    const { socket, response } = upgradeWebSocket(request, context);
    sockets.push(socket);
    socket.onmessage = (event) => socket.send(event.data as string | ArrayBuffer);
    return response;
  };
}

describe('tsgi.websocket on serve()', () => {
  it('upgradeWebSocket throws a named error where the server cannot upgrade', async () => {
    const seen: string[] = [];
    const app = (request: Request, context: TsgiContext): Response => {
      try {
        upgradeWebSocket(request, context);
        return new Response('upgraded?');
      } catch (error) {
        seen.push(error instanceof WebSocketUpgradeError ? error.reason : String(error));
        return new Response('plain');
      }
    };
    const on = await serve(app, { port: 0, log: quiet });
    const off = await serve(app, { port: 0, log: quiet, websocket: false });
    try {
      await fetch(on.url);
      await fetch(off.url);
      assert.deepEqual(seen, ['not-websocket', 'unsupported']);
      const plain = new WebSocket(off.url.replace('http', 'ws'));
      plain.on('error', () => {}); // terminate() while CONNECTING reports one
      const status = await new Promise<number>((resolve) => plain.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
      plain.terminate();
      assert.equal(status, 200, 'without the extension a handshake is an ordinary request');
    } finally {
      await on.close();
      await off.close();
    }
  });

  it('a handshake passes the request-head gate like any request: two Host fields get 400, the app is not called', async () => {
    let called = 0;
    const server = await serve((request, context) => {
      called++;
      return echoApp()(request, context);
    }, { port: 0, log: quiet });
    try {
      const handshake = (hosts: string[]) =>
        `GET / HTTP/1.1\r\n${hosts.map((h) => `Host: ${h}\r\n`).join('')}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
      const refused = await rawExchange(server.address.port, handshake(['a.example', 'b.example']));
      assert.match(refused, /^HTTP\/1\.1 400 /);
      assert.equal(called, 0, 'the app saw a request the gate refused');
      // A well-formed handshake to the same server is upgraded.
      const conn = await open(server.url.replace('http', 'ws'));
      conn.terminate();
      assert.equal(called, 1);
    } finally {
      await server.close();
    }
  });

  it('another Upgrade (curl --http2\'s h2c) is declined: the request reaches the app whole, body included, and the connection stays HTTP/1.1', async () => {
    const server = await serve(async (request) => new Response(`${request.method} ${await request.text()} upgrade=${request.headers.get('upgrade')}`), { port: 0, log: quiet });
    try {
      const socket = await openSocket(server.address.port);
      try {
        socket.write('POST /x HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nContent-Length: 5\r\n\r\nhello');
        const first = await waitForData(socket, /POST hello upgrade=null/);
        assert.doesNotMatch(first, /101 Switching/);
        socket.write('POST /y HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nagain');
        await waitForData(socket, /POST again upgrade=null/);
      } finally {
        socket.destroy();
      }
    } finally {
      await server.close();
    }
  });

  it('1,000 messages each way arrive in order', async () => {
    const server = await serve(echoApp(), { port: 0, log: quiet });
    try {
      const ws = await open(server.url.replace('http', 'ws'));
      const got: string[] = [];
      ws.on('message', (data: Buffer) => got.push(data.toString()));
      for (let i = 0; i < 1000; i++) ws.send(`m${i}`);
      await waitFor(() => got.length === 1000, { timeoutMs: 20_000, what: '1,000 echoes' });
      assert.deepEqual(got, Array.from({ length: 1000 }, (_, i) => `m${i}`));
      ws.close();
    } finally {
      await server.close();
    }
  });

  it('a graceful stop sends 1001 to open WebSockets and waits for their closing handshake (R7.3.11)', async () => {
    const infos: string[] = [];
    const log: TsgiLogger = { ...quiet, info: (m: string) => void infos.push(m) };
    const server = await serve(echoApp(), { port: 0, log, shutdownTimeoutMs: 30_000 });
    const clients = await Promise.all([1, 2, 3].map(() => open(server.url.replace('http', 'ws'))));
    const codes = clients.map((ws) => new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code))));
    const started = Date.now();
    await server.close();
    assert.deepEqual(await Promise.all(codes), [1001, 1001, 1001]);
    assert.ok(Date.now() - started < 15_000, `the stop took ${Date.now() - started} ms: it waited for the timeout instead of the closing handshakes`);
    assert.ok(infos.some((m) => m.includes('closing 3 WebSocket(s) with 1001')), `no count in the log: ${infos.join(' | ')}`);
  });

  it('1,000 connect/disconnect cycles leave no WebSocket or request behind', async () => {
    const sockets: TsgiWebSocket[] = [];
    const server = await serve(echoApp(sockets), { port: 0, log: quiet });
    try {
      const url = server.url.replace('http', 'ws');
      for (let i = 0; i < 1000; i++) {
        const ws = await open(url);
        if (i % 2 === 0) ws.terminate();
        else ws.close();
      }
      await waitFor(() => sockets.every((s) => s.readyState === 3), { timeoutMs: 20_000, what: 'every server socket closed' });
      assert.equal(sockets.length, 1000);
      await waitFor(async () => (await countOpen(server)) === 0, { timeoutMs: 5_000, what: 'no connection left' });
    } finally {
      await server.close();
    }
  });
});

function countOpen(server: { node: Server }): Promise<number> {
  return new Promise((resolve) => server.node.getConnections((_e, count) => resolve(count)));
}
