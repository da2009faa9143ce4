// UpstreamPool and IdleCache directly, over real sockets: max_conns queueing, MRU reuse, LRU
// eviction, idle sockets the server closes, and destroy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { IdleCache } from './idle-cache.js';
import type { IdleEntry } from './idle-cache.js';
import { UpstreamPool, undiciExport } from './upstream-pool.js';
import { assertStaysQuiet, waitFor } from 'tsgi-test-support';

interface Upstream {
  port: number;
  server: Server;
  sockets: Set<Socket>;
  /** Remote port of the connection each request came on, in order. */
  ports: number[];
  maxOpen: number;
  close(): Promise<void>;
}

async function upstream(delayMs = 0): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const u = { sockets, ports: [] as number[], maxOpen: 0 } as Upstream;
  u.server = createServer((req, res) => {
    u.ports.push(req.socket.remotePort ?? 0);
    setTimeout(() => res.end(`ok ${req.url}`), delayMs);
  });
  u.server.keepAliveTimeout = 60_000;
  u.server.on('connection', (s: Socket) => {
    sockets.add(s);
    u.maxOpen = Math.max(u.maxOpen, sockets.size);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => u.server.listen(0, '127.0.0.1', r));
  u.port = (u.server.address() as AddressInfo).port;
  u.close = async () => {
    u.server.closeAllConnections();
    await new Promise<void>((r) => u.server.close(() => r()));
  };
  return u;
}

/** One request through the pool with undici's handler interface; resolves with the body. */
function get(pool: UpstreamPool, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const handler = {
      onConnect: () => undefined,
      onHeaders: () => true,
      onData: (c: Buffer) => {
        chunks.push(c);
        return true;
      },
      onComplete: () => resolve(Buffer.concat(chunks).toString()),
      onError: (err: Error) => reject(err),
    };
    pool.dispatch({ method: 'GET', path, headers: { host: 'x' } } as Dispatcher.DispatchOptions, handler as unknown as Dispatcher.DispatchHandler);
  });
}

const poolFor = (port: number, cache: IdleCache, maxConns = 0): UpstreamPool =>
  new UpstreamPool({ origin: `http://127.0.0.1:${port}`, connectTimeoutMs: 5_000, keepaliveTimeoutMs: 60_000, maxConns }, cache);

test("undici's Client and buildConnector, taken from their own modules, are the ones undici's index exports; a module undici moved falls back to the index", async () => {
  const undici = await import('undici');
  assert.equal(undiciExport('dispatcher/client.js', 'Client'), undici.Client);
  assert.equal(undiciExport('core/connect.js', 'buildConnector'), undici.buildConnector);
  assert.equal(undiciExport('no/such/module.js', 'Client'), undici.Client);
});

test('IdleCache: least recently used out first, capacity 0 evicts at once', () => {
  const evicted: string[] = [];
  const entry = (name: string): IdleEntry => ({ cacheNewer: undefined, cacheOlder: undefined, cached: false, evict: () => evicted.push(name) });
  const cache = new IdleCache(2, 0);
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(entry) as [IdleEntry, IdleEntry, IdleEntry, IdleEntry];
  cache.add(a);
  cache.add(b);
  cache.add(c); // a is the oldest
  assert.deepEqual(evicted, ['a']);
  cache.remove(b); // taken for a request
  cache.add(d);
  assert.equal(cache.size, 2);
  cache.add(b); // b back: c is now the oldest
  assert.deepEqual(evicted, ['a', 'c']);
  assert.equal(a.cached, false);
  assert.equal(d.cached && b.cached, true);
  cache.remove(a); // not cached: no-op
  assert.equal(cache.size, 2);
  const none = new IdleCache(0);
  none.add(a);
  assert.deepEqual(evicted, ['a', 'c', 'a']);
  assert.equal(none.size, 0);
  assert.throws(() => new IdleCache(-1), RangeError);
});

test('IdleCache: past capacity the surplus waits the trim delay, so a connection taken meanwhile is kept', async () => {
  const evicted: string[] = [];
  const entry = (name: string): IdleEntry => ({ cacheNewer: undefined, cacheOlder: undefined, cached: false, evict: () => evicted.push(name) });
  const cache = new IdleCache(1, 50);
  const [a, b, c] = ['a', 'b', 'c'].map(entry) as [IdleEntry, IdleEntry, IdleEntry];
  cache.add(a);
  cache.add(b);
  cache.add(c);
  assert.deepEqual(evicted, [], 'nothing is closed the instant the count passes capacity');
  assert.equal(cache.size, 3);
  cache.remove(a); // the oldest is taken for the next request before the trim
  await waitFor(() => evicted.length > 0, { what: 'the trim' });
  assert.deepEqual(evicted, ['b'], 'after the delay, the least recently used surplus is closed');
  assert.equal(cache.size, 1);
  assert.equal(c.cached, true);
  cache.add(a);
  cache.close();
  // A trim that close() failed to cancel would run 50 ms later; nothing announces that it did not.
  await assertStaysQuiet(150, () => evicted.length > 1, () => `a trim after close(): evicted ${JSON.stringify(evicted)}`);
  assert.deepEqual(evicted, ['b'], 'close() cancels the pending trim');
});

test('max_conns 2: six concurrent requests wait for a free connection and all complete on two sockets', async () => {
  const up = await upstream(50);
  const pool = poolFor(up.port, new IdleCache(8), 2);
  try {
    const bodies = await Promise.all(Array.from({ length: 6 }, (_, i) => get(pool, `/q${i}`)));
    assert.deepEqual(bodies, Array.from({ length: 6 }, (_, i) => `ok /q${i}`));
    assert.equal(up.maxOpen, 2);
    assert.equal(new Set(up.ports).size, 2);
    assert.equal(pool.connections, 2);
  } finally {
    await pool.destroy();
    await up.close();
  }
});

test('the most recently used idle connection is reused; one the server closed is dropped, not reused', async () => {
  const up = await upstream(30);
  const cache = new IdleCache(8);
  const pool = poolFor(up.port, cache);
  try {
    // Two connections: the one answering last is the most recently used.
    const slow = get(pool, '/a');
    await waitFor(() => up.ports.length === 1, { timeoutMs: 10_000, what: 'the first request' });
    const fast = get(pool, '/b');
    await Promise.all([slow, fast]);
    assert.equal(pool.connections, 2);
    // undici frees a connection one event-loop turn after its response completed.
    await waitFor(() => cache.size === 2, { what: () => `both connections idle (cached: ${cache.size})` });
    const [first, second] = up.ports;
    assert.notEqual(first, second);
    await get(pool, '/c');
    // /b finished last (it started later and both take 30 ms): it is reused first.
    assert.equal(up.ports[2], second);

    // The server closes every idle connection: the pool forgets them and opens a new one.
    for (const s of up.sockets) s.destroy();
    await waitFor(() => pool.connections === 0, { timeoutMs: 10_000, what: 'the pool to drop closed idle connections' });
    assert.equal(await get(pool, '/d'), 'ok /d');
    assert.ok(![first, second].includes(up.ports[3]!));
    assert.equal(pool.connections, 1);
  } finally {
    await pool.destroy();
    await up.close();
  }
});

test('destroy closes idle connections and fails requests still waiting for one', async () => {
  const up = await upstream(300);
  const pool = poolFor(up.port, new IdleCache(8), 1);
  try {
    const running = get(pool, '/running').catch((err: Error) => err);
    const waiting = get(pool, '/waiting').catch((err: Error) => err);
    await waitFor(() => up.ports.length === 1, { timeoutMs: 10_000, what: 'the first request' });
    await pool.destroy();
    const w = await waiting;
    assert.ok(w instanceof Error);
    assert.equal((w as Error & { code?: string }).code, 'UND_ERR_DESTROYED');
    assert.ok((await running) instanceof Error);
    await waitFor(() => up.sockets.size === 0, { timeoutMs: 10_000, what: 'the upstream connection to close' });
    assert.equal(up.ports.length, 1, 'the waiting request never went out');
    const after = await get(pool, '/late').catch((err: Error) => err);
    assert.ok(after instanceof Error);
  } finally {
    await up.close();
  }
});
