// Failover with real processes: two upstream children behind the proxy, one killed -9 under load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createProxy } from './index.js';
import { fetchRaw, loadWithKill, passOptions, serverOptions, spawnUpstream, startFront } from './test-fixtures/helpers.js';
import { assertStaysQuiet, waitFor } from 'tsgi-test-support';

test('kill -9 of one upstream under load: zero failed requests; both stopped: 502 before the connect timeout', async () => {
  const a = await spawnUpstream('a');
  const b = await spawnUpstream('b');
  const proxy = createProxy(passOptions([serverOptions('a', a.port), serverOptions('b', b.port)], { connectTimeoutMs: 3_000 }));
  const front = await startFront(proxy);
  try {
    const total = 2_000;
    const { statuses, bodies: by } = await loadWithKill(front.port, { total, concurrency: 20, path: '/hello', atQuarter: () => void a.kill() });
    assert.deepEqual([...statuses], [[200, total]], `every request answered 200 (${JSON.stringify([...by])})`);
    assert.ok((by.get('hello from a') ?? 0) > 0 && (by.get('hello from b') ?? 0) > total / 2, JSON.stringify([...by]));
    const st = proxy.stats();
    assert.equal(st.upstream.servers[0]!.state, 'failed', 'the killed server is marked failed (max_fails 1)');
    await b.kill();
    const t0 = Date.now();
    const r = await fetchRaw(front.port, '/hello');
    assert.equal(r.status, 502);
    assert.ok(Date.now() - t0 < 3_000, 'refused connections answer 502 before the connect timeout');
  } finally {
    await front.close();
    await proxy.close();
    await a.kill();
    await b.kill();
  }
});

test('passive health: a failed server is skipped for fail_timeout, then tried again', async () => {
  const b = await spawnUpstream('b');
  const a = await spawnUpstream('a');
  const aPort = a.port;
  await a.kill();
  // 2 s, not less: the six requests below must all fall inside it, also on a loaded machine.
  const proxy = createProxy(passOptions([serverOptions('a', aPort, { failTimeoutMs: 2_000 }), serverOptions('b', b.port)]));
  const front = await startFront(proxy);
  try {
    const firstTry = Date.now();
    for (let i = 0; i < 6; i++) {
      const r = await fetchRaw(front.port, '/hello');
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), 'hello from b\n');
    }
    const s = proxy.stats().upstream.servers[0]!;
    assert.equal(s.failures, 1, 'a was tried once, then skipped while failed');
    assert.equal(s.state, 'failed');
    await waitFor(() => proxy.stats().upstream.servers[0]!.state === 'up', { what: 'a to be back after fail_timeout' });
    assert.equal(proxy.stats().upstream.servers[0]!.state, 'up', 'back after fail_timeout');
    assert.ok(Date.now() - firstTry >= 2_000, 'not back before fail_timeout (2 s) passed');
    for (let i = 0; i < 2; i++) assert.equal((await fetchRaw(front.port, '/hello')).status, 200);
    assert.equal(proxy.stats().upstream.servers[0]!.failures, 2, 'tried again after fail_timeout');
  } finally {
    await front.close();
    await proxy.close();
    await b.kill();
  }
});

test('active health checks take a server out after `fall` failures and back after `rise` passes', async () => {
  const a = await spawnUpstream('a');
  const b = await spawnUpstream('b');
  const proxy = createProxy(
    passOptions([serverOptions('a', a.port), serverOptions('b', b.port)], {}, {
      // A check's timeout well above a loaded machine's answer time (a healthy child slower than
      // it twice in a row reads as down); a killed one is refused at once, so this costs nothing.
      healthCheck: { intervalMs: 100, timeoutMs: 3_000, path: '/status?code=200', expectStatus: [200], rise: 2, fall: 2 },
    }),
  );
  const front = await startFront(proxy);
  try {
    // Passing checks must leave both up: with a 100 ms interval and fall 2, a wrong verdict would
    // show within 200 ms; no event says "still up", so watch for twice that.
    await assertStaysQuiet(400, () => proxy.stats().upstream.servers.some((s) => s.state !== 'up'), () => `a healthy server leaving 'up': ${JSON.stringify(proxy.stats().upstream.servers.map((s) => s.state))}`);
    await a.kill();
    await waitFor(() => proxy.stats().upstream.servers[0]!.state === 'unhealthy', { what: 'a to be marked unhealthy' });
    assert.equal(proxy.stats().upstream.servers[0]!.state, 'unhealthy');
    const failuresBefore = proxy.stats().upstream.servers[0]!.failures;
    for (let i = 0; i < 4; i++) assert.equal((await fetchRaw(front.port, '/hello')).body.toString(), 'hello from b\n');
    assert.equal(proxy.stats().upstream.servers[0]!.failures, failuresBefore, 'no request is sent to an unhealthy server');
  } finally {
    await front.close();
    await proxy.close();
    await a.kill();
    await b.kill();
  }
});

test('active health checks: an unhealthy server comes back after `rise` passes', async () => {
  const { createServer } = await import('node:http');
  let healthy = true;
  const served: string[] = [];
  const flaky = createServer((req, res) => {
    if (req.url?.startsWith('/status')) {
      res.statusCode = healthy ? 204 : 503;
      res.end();
      return;
    }
    served.push(req.url ?? '');
    res.end('flaky\n');
  });
  await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
  const other = await spawnUpstream('other');
  const port = (flaky.address() as AddressInfo).port;
  const proxy = createProxy(
    passOptions([serverOptions('flaky', port), serverOptions('other', other.port)], {}, {
      // The fixture answers /status?code=204 with 204; "flaky" answers 204 or 503 as told.
      healthCheck: { intervalMs: 50, timeoutMs: 1_000, path: '/status?code=204', expectStatus: [204], rise: 3, fall: 1 },
    }),
  );
  const front = await startFront(proxy);
  const state = (): string => proxy.stats().upstream.servers[0]!.state;
  const until = async (want: string): Promise<void> => {
    await waitFor(() => state() === want, { what: () => `state ${want} (now ${state()})` });
    assert.equal(state(), want);
  };
  try {
    healthy = false;
    await until('unhealthy');
    served.length = 0;
    for (let i = 0; i < 4; i++) assert.equal((await fetchRaw(front.port, '/hello')).body.toString(), 'hello from other\n');
    assert.deepEqual(served, [], 'an unhealthy server gets no requests');
    healthy = true;
    await until('up');
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await fetchRaw(front.port, '/hello')).body.toString());
    assert.ok(bodies.has('flaky\n'), 'back in rotation');
  } finally {
    await front.close();
    await proxy.close();
    await other.kill();
    await new Promise<void>((r) => flaky.close(() => r()));
  }
});

test('active health checks: a restarted server rejoins at the first passing check, not when fail_timeout (10 s) runs out, and each change is logged', async () => {
  const { createServer } = await import('node:http');
  const app = createServer((_req, res) => res.end('restarted\n'));
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const port = (app.address() as AddressInfo).port;
  await new Promise<void>((r) => app.close(() => r())); // "a" is down: refused
  const other = await spawnUpstream('other');
  const log: string[] = [];
  const proxy = createProxy(
    // fall 100: the passive mark alone takes "a" out; only the checks can bring it back early.
    passOptions([serverOptions('a', port), serverOptions('other', other.port)], {}, {
      healthCheck: { intervalMs: 100, timeoutMs: 500, path: '/', expectStatus: [], rise: 1, fall: 100 },
    }),
    { log: (level, message) => log.push(`[${level}] ${message}`) },
  );
  const front = await startFront(proxy);
  const state = (): string => proxy.stats().upstream.servers[0]!.state;
  try {
    // The refused connect is retried on "other": served, and "a" is marked failed for fail_timeout.
    const bodies = new Set<string>();
    for (let i = 0; i < 2; i++) bodies.add((await fetchRaw(front.port, '/hello')).body.toString());
    assert.deepEqual([...bodies], ['hello from other\n']);
    assert.equal(state(), 'failed');
    assert.ok(log.some((l) => l.startsWith('[warn]') && l.includes('upstream server a in "app" temporarily disabled for 10000 ms')), log.join('\n'));
    await new Promise<void>((r) => app.listen(port, '127.0.0.1', r)); // restarted
    const restarted = Date.now();
    await waitFor(() => state() === 'up', { what: () => `"a" back in rotation (now ${state()})`, timeoutMs: 5_000 });
    const rejoinMs = Date.now() - restarted;
    assert.ok(rejoinMs < 5_000, `back after ${rejoinMs} ms: within the checks' pace, not fail_timeout's 10 s`);
    assert.ok(log.some((l) => l.startsWith('[notice]') && l.includes('upstream server a in "app" is back before its fail_timeout')), log.join('\n'));
    for (let i = 0; i < 4; i++) bodies.add((await fetchRaw(front.port, '/hello')).body.toString());
    assert.ok(bodies.has('restarted\n'), `served again: ${JSON.stringify([...bodies])}`);
  } finally {
    await front.close();
    await proxy.close();
    await other.kill();
    app.closeAllConnections();
    await new Promise<void>((r) => app.close(() => r()));
  }
});

test('active health checks log a server taken out (warn, with the last reason) and brought back (notice)', async () => {
  const { createServer } = await import('node:http');
  let healthy = true;
  const app = createServer((_req, res) => {
    res.statusCode = healthy ? 200 : 503;
    res.end();
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const other = await spawnUpstream('other');
  const log: string[] = [];
  const proxy = createProxy(
    passOptions([serverOptions('a', (app.address() as AddressInfo).port), serverOptions('other', other.port)], {}, {
      name: 'pool',
      healthCheck: { intervalMs: 50, timeoutMs: 1_000, path: '/', expectStatus: [200], rise: 2, fall: 2 },
    }),
    { log: (level, message) => log.push(`[${level}] ${message}`) },
  );
  const state = (): string => proxy.stats().upstream.servers[0]!.state;
  try {
    healthy = false;
    await waitFor(() => state() === 'unhealthy', { what: () => `"a" unhealthy (now ${state()})` });
    // "other" answers the check's path with 404, so it may be marked too: only a's lines count here.
    assert.deepEqual(log.filter((l) => l.includes('unhealthy') && l.includes('server a ')), ['[warn] upstream server a in "pool" is unhealthy: 2 health check(s) failed in a row, the last: status 503']);
    healthy = true;
    await waitFor(() => state() === 'up', { what: () => `"a" up (now ${state()})` });
    assert.ok(log.includes('[notice] upstream server a in "pool" is healthy again: 2 health check(s) passed in a row'), log.join('\n'));
  } finally {
    await proxy.close();
    await other.kill();
    app.closeAllConnections();
    await new Promise<void>((r) => app.close(() => r()));
  }
});

test('active health checks send the server\'s address and port as Host, or the configured host', async () => {
  const { createServer } = await import('node:http');
  const hosts: string[][] = [[], []];
  const apps = [0, 1].map((i) => createServer((req, res) => {
    hosts[i]!.push(req.headers.host ?? '(none)');
    res.end();
  }));
  for (const app of apps) await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  const ports = apps.map((app) => (app.address() as AddressInfo).port);
  const check = { intervalMs: 50, timeoutMs: 1_000, path: '/', expectStatus: [200], rise: 1, fall: 2 };
  const plain = createProxy(passOptions([serverOptions('a', ports[0]!)], {}, { healthCheck: check }));
  const named = createProxy(passOptions([serverOptions('b', ports[1]!)], {}, { healthCheck: { ...check, host: 'app.example' } }));
  try {
    await waitFor(() => hosts[0]!.length > 0 && hosts[1]!.length > 0, { what: 'a check on each server' });
    assert.equal(hosts[0]![0], `127.0.0.1:${ports[0]}`);
    assert.equal(hosts[1]![0], 'app.example');
  } finally {
    await plain.close();
    await named.close();
    for (const app of apps) await new Promise<void>((r) => app.close(() => r()));
  }
});

test('a lone server is never marked failed (nginx: max_fails and fail_timeout ignored): one failed POST is one 502, the next request is served', async () => {
  const { createServer } = await import('node:http');
  let requests = 0;
  // The first request has its connection cut before any answer, as a stopping app server's
  // keep-alive close can; every later one is answered.
  const upstream = createServer((req, res) => {
    requests++;
    if (requests === 1) {
      req.socket.destroy();
      return;
    }
    req.resume();
    req.once('end', () => res.end('served\n'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  // Defaults: max_fails 1, fail_timeout 10 s, which would take a server of a group of two out.
  const proxy = createProxy(passOptions([serverOptions('lone', port)]));
  const front = await startFront(proxy);
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetchRaw(front.port, '/form', { method: 'POST', body: 'a=1' })).status);
    assert.deepEqual(statuses, [502, 200, 200], 'only the cut POST fails (not retried: not idempotent)');
    const s = proxy.stats().upstream.servers[0]!;
    assert.equal(s.failures, 1, 'the failure is still counted');
    assert.equal(s.state, 'up');
    assert.equal(requests, 3);
  } finally {
    await front.close();
    await proxy.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  }
});
