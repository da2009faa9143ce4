// Upgrades: WebSocket tunnelled both ways, pipelined bytes after the handshake delivered, refusals
// passed back, h2c never forwarded, idle tunnels closed at the read timeout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createProxy } from './index.js';
import { passOptions, serverOptions, startFront } from './test-fixtures/helpers.js';
import { rawRequest } from '../testing/helpers.js';
import { waitFor, waitForData } from 'tsgi-test-support';

let upstream: Server;
let wss: WebSocketServer;
let upPort = 0;
const upgradeHeaders: IncomingMessage['headers'][] = [];
const plainRequests: IncomingMessage['headers'][] = [];

before(async () => {
  upstream = createServer((req, res) => {
    plainRequests.push(req.headers);
    res.end('plain answer\n');
  });
  wss = new WebSocketServer({ noServer: true });
  upstream.on('upgrade', (req, socket, head) => {
    upgradeHeaders.push(req.headers);
    if (req.url === '/refuse-slowly') {
      // A refusal whose body never ends: the client leaves before it does.
      socket.write('HTTP/1.1 403 Forbidden\r\nContent-Length: 100\r\nConnection: close\r\n\r\npartial');
      return;
    }
    if (req.url === '/refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\nConnection: close\r\n\r\nno way\n');
      return;
    }
    if (req.url === '/raw') {
      // A non-WebSocket upgrade: echo every byte back after the 101.
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
      if (head.length > 0) socket.write(head);
      socket.pipe(socket);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo: ${data.toString()}`));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upPort = (upstream.address() as AddressInfo).port;
});
after(async () => {
  wss.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

test('a WebSocket is tunnelled both ways, with X-Forwarded-For added to the handshake', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort)]));
  const front = await startFront(proxy);
  const ws = new WebSocket(`ws://127.0.0.1:${front.port}/chat`);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const replies: string[] = [];
    ws.on('message', (d) => replies.push(d.toString()));
    ws.send('one');
    ws.send('two');
    const big = Buffer.alloc(300_000, 7);
    ws.send(big);
    await waitFor(() => replies.length === 3, { timeoutMs: 10_000, what: 'three replies' });
    assert.deepEqual(replies.slice(0, 2), ['echo: one', 'echo: two']);
    assert.equal(replies[2]!.length, big.length);
    const h = upgradeHeaders.at(-1)!;
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    assert.equal(h.upgrade, 'websocket');
    assert.equal(proxy.stats().upgrades, 1);
    assert.equal(proxy.stats().upstream.servers[0]!.active, 1, 'the tunnel counts as a connection');
    ws.close();
    await waitFor(() => proxy.stats().upstream.servers[0]!.active === 0, { timeoutMs: 5_000, what: 'the tunnel to close' });
  } finally {
    ws.terminate();
    await front.close();
    await proxy.close();
  }
});

test('bytes pipelined after the handshake reach the upstream; a refusal is passed back', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort)]));
  const front = await startFront(proxy);
  try {
    // The tunnel stays open: read until the echoed bytes came back, then leave.
    const sock = connect(front.port, '127.0.0.1');
    const echoed = waitForData(sock, /PIPELINED-BYTES/);
    sock.write('GET /raw HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\nPIPELINED-BYTES');
    const answer = await echoed.finally(() => sock.destroy());
    assert.match(answer, /^HTTP\/1\.1 101 /);
    assert.match(answer, /\r\nUpgrade: echo\r\n/i);
    assert.ok(answer.endsWith('\r\n\r\nPIPELINED-BYTES'), JSON.stringify(answer));
    const refused = await rawRequest(front.port, 'GET /refuse HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n', 2_000);
    assert.match(refused, /^HTTP\/1\.1 403 /);
    assert.match(refused, /no way/);
  } finally {
    await front.close();
    await proxy.close();
  }
});

test('Upgrade: h2c is never forwarded: the request goes up as plain HTTP/1.1', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort)]));
  const front = await startFront(proxy);
  try {
    const before = upgradeHeaders.length;
    const answer = await rawRequest(front.port, 'GET /plain HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n', 2_000);
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(answer, /plain answer/);
    assert.equal(upgradeHeaders.length, before, 'no upgrade reached the upstream');
    const h = plainRequests.at(-1)!;
    assert.equal(h.upgrade, undefined);
    assert.equal(h['http2-settings'], undefined);
  } finally {
    await front.close();
    await proxy.close();
  }
});

test('a client that leaves during a refused upgrade\'s answer frees the upstream server, without counting a failure', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort)]));
  const front = await startFront(proxy);
  try {
    const sock = connect(front.port, '127.0.0.1');
    sock.write('GET /refuse-slowly HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    await new Promise<void>((resolve) => sock.once('data', () => resolve()));
    assert.equal(proxy.stats().upstream.servers[0]!.active, 1, 'the answer is in flight');
    // A reset, not a FIN: upgrade sockets are half-open, so a FIN alone is noticed only at the next write.
    sock.resetAndDestroy();
    await waitFor(() => proxy.stats().upstream.servers[0]!.active === 0, { timeoutMs: 5_000, what: 'the try to be released' });
    assert.equal(proxy.stats().upstream.servers[0]!.failures, 0);
  } finally {
    await front.close();
    await proxy.close();
  }
});

test('an idle tunnel is closed after readTimeoutMs; no upstream gives 502', async () => {
  const proxy = createProxy(passOptions([serverOptions('a', upPort)], { readTimeoutMs: 300 }));
  const front = await startFront(proxy);
  try {
    const t0 = Date.now();
    const answer = await rawRequest(front.port, 'GET /raw HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n', 5_000);
    assert.match(answer, /^HTTP\/1\.1 101 /);
    const took = Date.now() - t0;
    assert.ok(took >= 250 && took < 4_000, `closed after the idle timeout (${took} ms)`);
  } finally {
    await front.close();
    await proxy.close();
  }
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const p2 = createProxy(passOptions([serverOptions('dead', deadPort)]));
  const f2 = await startFront(p2);
  try {
    const answer = await rawRequest(f2.port, 'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', 3_000);
    assert.match(answer, /^HTTP\/1\.1 502 /);
    // One format for the proxy's own answers: the server's error page, on an upgrade's socket as
    // on an ordinary response, counted alike.
    const plain = await rawRequest(f2.port, 'GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 3_000);
    assert.match(plain, /^HTTP\/1\.1 502 /);
    const body = (raw: string): string => raw.slice(raw.indexOf('\r\n\r\n') + 4);
    assert.equal(body(answer), body(plain));
    assert.match(body(answer), /<h1>502 Bad Gateway<\/h1>/);
    for (const raw of [answer, plain]) assert.match(raw, /\r\ncontent-type: text\/html\r\n/i);
    assert.equal(p2.stats().badGateway, 2);
  } finally {
    await f2.close();
    await p2.close();
  }
});
