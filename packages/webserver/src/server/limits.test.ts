import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WebServer } from './web-server.js';
import { portOf, rawRequest, startFromText, statusOf } from '../testing/helpers.js';
import { tempDir, waitFor } from 'tsgi-test-support';

/** A socket that records what it receives and whether the server closed it. */
function client(port: number): Promise<{ socket: Socket; data: () => string; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let closed = false;
    socket.on('data', (c) => (data += c.toString('latin1')));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, data: () => data, closed: () => closed }));
    socket.once('error', reject);
  });
}

describe('limits with nginx-like defaults', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let server: WebServer;
  let port: number;
  let upstream: Server;
  let upstreamBodies = 0;

  before(async () => {
    tmp = await tempDir();
    // A 32 MiB file: more than loopback socket buffers hold, for the send_timeout test.
    const fh = await open(join(tmp.dir, 'big.bin'), 'w');
    await fh.truncate(32 * 1024 * 1024);
    await fh.close();
    upstream = createServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => {
        upstreamBodies++;
        res.end(`got ${n}`);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const up = (upstream.address() as { port: number }).port;
    server = await startFromText(`
client_header_timeout = "1s"
client_body_timeout = "1s"
send_timeout = "1s"
keepalive_requests = 2
keepalive_timeout = "1s"
max_connections = 4

[[server]]
listen = "127.0.0.1:0"
root = "${tmp.dir}"
  [[server.location]]
  path = "/ok"
  return = "200 ok"
  [[server.location]]
  path = "/status"
  status = "stub"
  [[server.location]]
  path = "/upload"
  proxy_pass = "http://127.0.0.1:${up}"
  [[server.location]]
  path = "/small-upload"
  proxy_pass = "http://127.0.0.1:${up}"
  client_max_body_size = "1k"
`);
    port = portOf(server);
  });
  after(async () => {
    await server.close();
    await new Promise((r) => upstream.close(r));
    await tmp.cleanup();
  });

  it('414 for a request line longer than one header buffer (8k)', async () => {
    const raw = await rawRequest(port, `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(statusOf(raw), 414);
    assert.match(raw, /Connection: close/i);
  });

  it('414 for a request line longer than all header buffers (32k)', async () => {
    const raw = await rawRequest(port, `GET /${'a'.repeat(40_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(statusOf(raw), 414);
  });

  it('431 for one header line longer than a buffer, and for headers longer than all of them', async () => {
    assert.equal(statusOf(await rawRequest(port, `GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(9000)}\r\n\r\n`)), 431);
    const many = Array.from({ length: 50 }, (_, i) => `X-H${i}: ${'c'.repeat(1000)}\r\n`).join('');
    assert.equal(statusOf(await rawRequest(port, `GET /ok HTTP/1.1\r\nHost: x\r\n${many}\r\n`)), 431);
    assert.equal(statusOf(await rawRequest(port, `GET /ok HTTP/1.1\r\nHost: x\r\nX-Fine: ${'d'.repeat(4000)}\r\nConnection: close\r\n\r\n`)), 200);
  });

  it('413 when Content-Length exceeds client_max_body_size, without reading the body', async () => {
    const raw = await rawRequest(port, `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\nabc`);
    assert.equal(statusOf(raw), 413);
    assert.match(raw, /Connection: close/i);
  });

  it('413 before 100 Continue; 100 Continue when the size is allowed', async () => {
    const c = await client(port);
    c.socket.write(`POST /small-upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n`);
    await waitFor(() => c.closed(), { timeoutMs: 10_000, what: 'the connection to close' });
    assert.equal(statusOf(c.data()), 413);
    assert.doesNotMatch(c.data(), /100 Continue/);

    const d = await client(port);
    d.socket.write(`POST /small-upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
    await waitFor(() => /100 Continue/.test(d.data()), { timeoutMs: 10_000, what: '100 Continue' });
    d.socket.write('hello');
    await waitFor(() => d.closed(), { timeoutMs: 10_000, what: 'the response' });
    assert.match(d.data(), /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
    assert.match(d.data(), /got 5$/);
  });

  it('413 for a chunked body that grows past the limit', async () => {
    const chunk = 'x'.repeat(600);
    const body = `258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`;
    const before = upstreamBodies;
    const raw = await rawRequest(port, `POST /small-upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}`);
    assert.equal(statusOf(raw), 413);
    assert.equal(upstreamBodies, before, 'the body never reached the upstream');
  });

  it('408 for a slowloris client that dribbles its headers', async () => {
    const c = await client(port);
    c.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n');
    const started = Date.now();
    const drip = setInterval(() => {
      if (!c.closed()) c.socket.write('X-A: b\r\n');
    }, 200);
    try {
      await waitFor(() => c.closed(), { timeoutMs: 15_000, what: 'the server to close the slow connection' });
    } finally {
      clearInterval(drip);
    }
    const elapsed = Date.now() - started;
    assert.equal(statusOf(c.data()), 408);
    assert.ok(elapsed >= 900, `closed after ${elapsed} ms, before client_header_timeout`);
  });

  it('408 for a client that stops sending its body (client_body_timeout)', async () => {
    const c = await client(port);
    c.socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789');
    await waitFor(() => c.closed(), { timeoutMs: 15_000, what: 'the server to give up on the body' });
    assert.equal(statusOf(c.data()), 408);
  });

  it('closes a connection after keepalive_requests', async () => {
    const one = 'GET /ok HTTP/1.1\r\nHost: x\r\n\r\n';
    const raw = await rawRequest(port, one + one + one);
    const responses = raw.split('HTTP/1.1 ').slice(1);
    assert.ok(responses.length >= 2, raw);
    assert.match(responses[0]!, /^200/);
    assert.match(responses[1]!, /Connection: close/i);
  });

  it('closes an idle keep-alive connection after keepalive_timeout', async () => {
    const c = await client(port);
    c.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
    const started = Date.now();
    await waitFor(() => c.closed(), { timeoutMs: 15_000, what: 'the idle connection to close' });
    assert.equal(statusOf(c.data()), 200);
    assert.ok(Date.now() - started >= 800);
  });

  it('refuses connections beyond max_connections and counts them as not handled', async () => {
    const held = await Promise.all([client(port), client(port), client(port), client(port)]);
    for (const h of held) h.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\nX-Keep: 1\r\n\r\n');
    await waitFor(() => held.every((h) => statusOf(h.data()) === 200), { timeoutMs: 10_000, what: 'four answers' });
    const extra = await client(port);
    extra.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => extra.closed(), { timeoutMs: 10_000, what: 'the fifth connection to be dropped' });
    assert.equal(extra.data(), '');
    const s = server.counters.snapshot();
    assert.ok(s.accepts > s.handled, `accepts ${s.accepts} handled ${s.handled}`);
    for (const h of held) h.socket.destroy();
    await waitFor(() => server.counters.snapshot().active === 0, { timeoutMs: 10_000, what: 'connections to close' });
  });

  it('cuts a client that stops reading the response (send_timeout)', async () => {
    const c = await client(port);
    c.socket.pause();
    c.socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => server.counters.snapshot().active === 1, { timeoutMs: 5000, what: 'the connection' });
    await waitFor(() => server.counters.snapshot().active === 0, { timeoutMs: 20_000, what: 'the server to cut the stalled reader' });
    c.socket.destroy();
  });
});
