// Retry rules (nginx's proxy_next_upstream "error timeout" with RFC 9110 9.2.2): connect failures
// and stale keep-alive connections move on; a request the app may have seen moves on only if idempotent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { createProxy } from './index.js';
import { fetchRaw, passOptions, serverOptions, startFront } from './test-fixtures/helpers.js';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}
async function close(server: Server): Promise<void> {
  await new Promise<void>((r) => server.close(() => r()));
}

/** An upstream that reads a whole request, then drops the connection without answering. */
function dropper(): { server: Server; seen: string[] } {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.socket?.destroy());
  });
  server.on('connection', (s: Socket) => sockets.add(s));
  return { server: server as unknown as Server, seen };
}

function answerer(name: string): { server: Server; seen: string[] } {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.end(`${name}\n`));
  });
  return { server: server as unknown as Server, seen };
}

test('an idempotent request the first server dropped goes to the next; a POST does not (unless retryNonIdempotent)', async () => {
  const a = dropper();
  const b = answerer('b');
  const aPort = await listen(a.server);
  const bPort = await listen(b.server);
  const servers = (): ReturnType<typeof serverOptions>[] => [serverOptions('a', aPort, { maxFails: 0 }), serverOptions('b', bPort)];
  // Fresh proxies so that round robin starts at "a" each time.
  const cases: [string, string, boolean, number, string[]][] = [
    ['GET', '', false, 200, ['GET /x']],
    ['PUT', 'body', false, 200, ['PUT /x']],
    ['POST', 'body', false, 502, []],
    ['PATCH', 'body', false, 502, []],
    ['POST', 'body', true, 200, ['POST /x']],
  ];
  try {
    for (const [method, body, retryNonIdempotent, status, bSeen] of cases) {
      a.seen.length = 0;
      b.seen.length = 0;
      const proxy = createProxy(passOptions(servers(), { retryNonIdempotent }));
      const front = await startFront(proxy);
      try {
        const r = await fetchRaw(front.port, '/x', { method, body: body || undefined, headers: body ? { 'content-type': 'text/plain' } : {} });
        assert.equal(r.status, status, `${method} retryNonIdempotent=${retryNonIdempotent}`);
        assert.deepEqual(a.seen, [`${method} /x`]);
        assert.deepEqual(b.seen, bSeen, `${method}: what the second server saw`);
        if (status === 200) assert.equal(proxy.stats().retries, 1);
      } finally {
        await front.close();
        await proxy.close();
      }
    }
  } finally {
    await close(a.server);
    await close(b.server);
  }
});

test('a stale keep-alive connection (closed by the upstream as the request arrives) moves a bodiless POST to the next server', async () => {
  // "a" answers the first request on a connection with keep-alive, then drops the connection on the
  // next request without answering: what an upstream closing an idle connection looks like.
  const seenA: string[] = [];
  const a = createNetServer((s) => {
    let n = 0;
    s.on('data', (d: Buffer) => {
      seenA.push(d.toString('latin1').split('\r\n')[0]!);
      if (n++ === 0) s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=60\r\n\r\na\n');
      else s.destroy();
    });
  });
  const b = answerer('b');
  const aPort = await listen(a);
  const bPort = await listen(b.server);
  // b is a backup: every request goes to a first, and to b only once a failed it.
  const proxy = createProxy(passOptions([serverOptions('a', aPort, { maxFails: 0 }), serverOptions('b', bPort, { backup: true })]));
  const front = await startFront(proxy);
  try {
    assert.equal((await fetchRaw(front.port, '/one')).body.toString(), 'a\n');
    const r = await fetchRaw(front.port, '/two', { method: 'POST' });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'b\n');
    assert.deepEqual(b.seen, ['POST /two']);
    assert.equal(seenA.length, 2);
  } finally {
    await front.close();
    await proxy.close();
    await close(a);
    await close(b.server);
  }
});

test('nextUpstreamTries bounds the tries; no retry once a byte reached the client', async () => {
  const a = dropper();
  const b = dropper();
  const c = answerer('c');
  const ports = [await listen(a.server), await listen(b.server), await listen(c.server)];
  const proxy = createProxy(passOptions(ports.map((p, i) => serverOptions('abc'[i]!, p, { maxFails: 0 })), { nextUpstreamTries: 2 }));
  const front = await startFront(proxy);
  // An upstream that sends headers and part of the body, then dies: the client sees a cut response, no retry.
  const half = createNetServer((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial')));
  const halfPort = await listen(half);
  const proxy2 = createProxy(passOptions([serverOptions('half', halfPort), serverOptions('c', ports[2]!)]));
  const front2 = await startFront(proxy2);
  try {
    const r = await fetchRaw(front.port, '/x');
    assert.equal(r.status, 502, 'two tries (a, b), both dropped: c never tried');
    assert.equal(c.seen.length, 0);
    await assert.rejects(fetchRaw(front2.port, '/y'), 'the client connection is cut mid-body');
    assert.equal(c.seen.length, 0, 'nothing retried after the status line went out');
  } finally {
    await front.close();
    await proxy.close();
    await front2.close();
    await proxy2.close();
    for (const s of [a.server, b.server, c.server, half]) await close(s);
  }
});
