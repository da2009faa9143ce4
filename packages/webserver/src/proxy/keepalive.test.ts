// Upstream `keepalive N` (nginx semantics) over real sockets: at most N idle connections stay open
// per upstream block after a burst, the warm ones are reused, and `keepalive 0` reuses nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createProxy, UpstreamRegistry } from './index.js';
import type { Proxy } from './index.js';
import { fetchRaw, passOptions, serverOptions, startFront } from './test-fixtures/helpers.js';
import { assertStaysQuiet, waitFor } from 'tsgi-test-support';

/**
 * An upstream that counts its connections. Requests are held until `gate` of them are in flight
 * (or 5 s passed), so a burst really needs that many connections at once.
 */
interface CountingUpstream {
  readonly port: number;
  /** Sockets open now. */
  open(): number;
  /** Connections accepted so far. */
  accepted(): number;
  /** `Connection` header of every request seen. */
  readonly connectionHeaders: Array<string | undefined>;
  gate: number;
  close(): Promise<void>;
}

async function countingUpstream(): Promise<CountingUpstream> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let held: Array<() => void> = [];
  const connectionHeaders: Array<string | undefined> = [];
  const state = { gate: 1 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    connectionHeaders.push(req.headers.connection);
    const answer = (): void => {
      res.end(`hello ${req.url}`);
    };
    held.push(answer);
    if (held.length >= state.gate) {
      const now = held;
      held = [];
      for (const f of now) f();
    } else {
      // The backstop only keeps a broken test from hanging: a burst whose requests take longer
      // than it to arrive (a loaded machine) would see early answers free connections for reuse.
      setTimeout(() => {
        const i = held.indexOf(answer);
        if (i >= 0) {
          held.splice(i, 1);
          answer();
        }
      }, 30_000).unref();
    }
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    open: () => sockets.size,
    accepted: () => accepted,
    connectionHeaders,
    get gate() {
      return state.gate;
    },
    set gate(n: number) {
      state.gate = n;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function withProxy(
  ports: number[],
  keepalive: number,
  body: (front: number, proxy: Proxy) => Promise<void>,
): Promise<void> {
  const registry = new UpstreamRegistry();
  const proxy = createProxy(passOptions(ports.map((p, i) => serverOptions(`s${i}`, p)), {}, { keepalive }), { registry });
  const front = await startFront(proxy);
  try {
    await body(front.port, proxy);
  } finally {
    await front.close();
    await proxy.close();
    registry.close();
  }
}

const burst = (front: number, n: number): Promise<Array<{ status: number; body: string }>> =>
  Promise.all(Array.from({ length: n }, (_, i) => fetchRaw(front, `/r${i}`).then((r) => ({ status: r.status, body: r.body.toString() }))));

test('keepalive 4: a burst of 20 opens 20 connections, then at most 4 stay open, and the next request reuses one', async () => {
  const up = await countingUpstream();
  try {
    await withProxy([up.port], 4, async (front) => {
      up.gate = 20;
      const replies = await burst(front, 20);
      for (const [i, r] of replies.entries()) assert.deepEqual(r, { status: 200, body: `hello /r${i}` });
      // keepalive does not limit busy connections (max_conns does): all 20 were open at once.
      assert.equal(up.accepted(), 20);
      await waitFor(() => up.open() <= 4, { timeoutMs: 15_000, what: 'the upstream to see surplus idle connections closed' });
      // The cache keeps exactly its capacity (the keep-alive timeout is 60 s): the proxy closed 16.
      // Closing one too many would show at once; nothing announces that it did not happen.
      await assertStaysQuiet(200, () => up.open() < 4, () => `the cache closing below its capacity (open: ${up.open()})`);
      assert.equal(up.open(), 4);
      up.gate = 1;
      for (let i = 0; i < 3; i++) {
        const r = await fetchRaw(front, `/again${i}`);
        assert.equal(r.status, 200);
        assert.equal(r.body.toString(), `hello /again${i}`);
      }
      assert.equal(up.accepted(), 20, 'later requests ride on a cached idle connection');
      assert.equal(up.open(), 4);
      assert.ok(up.connectionHeaders.every((h) => h === 'keep-alive'), `Connection headers: ${[...new Set(up.connectionHeaders)].join(', ')}`);
    });
  } finally {
    await up.close();
  }
});

test('keepalive 0: every request is answered, sent with Connection: close, and no connection stays open', async () => {
  const up = await countingUpstream();
  try {
    await withProxy([up.port], 0, async (front) => {
      up.gate = 10;
      const replies = await burst(front, 10);
      for (const [i, r] of replies.entries()) assert.deepEqual(r, { status: 200, body: `hello /r${i}` });
      await waitFor(() => up.open() === 0, { timeoutMs: 15_000, what: 'every upstream connection to close' });
      up.gate = 1;
      for (let i = 0; i < 3; i++) {
        const r = await fetchRaw(front, `/seq${i}`);
        assert.equal(r.status, 200);
        assert.equal(r.body.toString(), `hello /seq${i}`);
      }
      // No reuse: one connection per request.
      assert.equal(up.accepted(), 13);
      assert.ok(up.connectionHeaders.every((h) => h === 'close'), `Connection headers: ${[...new Set(up.connectionHeaders)].join(', ')}`);
      await waitFor(() => up.open() === 0, { timeoutMs: 15_000, what: 'every upstream connection to close' });
    });
  } finally {
    await up.close();
  }
});

test('the keepalive count is per upstream block, across its servers (nginx), least recently used closed first', async () => {
  const a = await countingUpstream();
  const b = await countingUpstream();
  try {
    await withProxy([a.port, b.port], 3, async (front) => {
      // Round robin: 6 concurrent requests to each server.
      a.gate = 6;
      b.gate = 6;
      const replies = await burst(front, 12);
      assert.ok(replies.every((r) => r.status === 200));
      assert.equal(a.accepted() + b.accepted(), 12);
      await waitFor(() => a.open() + b.open() <= 3, { timeoutMs: 15_000, what: 'surplus idle connections to close' });
      await assertStaysQuiet(200, () => a.open() + b.open() < 3, () => `the cache closing below its capacity (open: ${a.open() + b.open()})`);
      assert.equal(a.open() + b.open(), 3);
      a.gate = 1;
      b.gate = 1;
      // The upstream alternates; a server whose idle connections were all evicted opens a new one,
      // which then displaces the least recently used cached one: still 3 in all.
      for (let i = 0; i < 4; i++) assert.equal((await fetchRaw(front, `/x${i}`)).status, 200);
      await waitFor(() => a.open() + b.open() <= 3, { timeoutMs: 15_000, what: 'the cache to stay at 3' });
      assert.ok(a.open() + b.open() >= 1);
    });
  } finally {
    await a.close();
    await b.close();
  }
});
