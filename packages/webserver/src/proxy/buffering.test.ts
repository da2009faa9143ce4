// Buffering both ways: a slow uploader and a slow reader never hold the upstream; bodies past
// bufferSize go through temp files that never outlive the request; streaming responses flow per chunk.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProxy } from './index.js';
import type { Proxy } from './index.js';
import { fetchRaw, passOptions, serverOptions, spawnUpstream, startFront } from './test-fixtures/helpers.js';
import { slowPeerPause, waitFor } from 'tsgi-test-support';
import type { UpstreamProcess } from './test-fixtures/helpers.js';

let up: UpstreamProcess;
let tempDir: string;
let proxy: Proxy;
let front: Awaited<ReturnType<typeof startFront>>;

const openFds = (): number => readdirSync('/proc/self/fd').length;
const upstreamInflight = async (): Promise<number> => Number((await fetchRaw(up.port, '/inflight')).body.toString());

before(async () => {
  up = await spawnUpstream('buf');
  tempDir = await mkdtemp(join(tmpdir(), 'tsgi-proxy-buf-'));
  proxy = createProxy(passOptions([serverOptions('buf', up.port)], { tempPath: tempDir, bufferSize: 64 * 1024 }));
  front = await startFront(proxy);
});
after(async () => {
  await front.close();
  await proxy.close();
  await up.kill();
  await rm(tempDir, { recursive: true, force: true });
});

test('a slow uploader does not hold the upstream: the body is read fully first', async () => {
  const sock = connect(front.port, '127.0.0.1');
  const body = 'x'.repeat(20);
  let answer = '';
  sock.on('data', (d: Buffer) => (answer += d.toString()));
  sock.write(`POST /sha256 HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
  try {
    for (let i = 0; i < body.length; i++) {
      sock.write(body[i]!);
      await slowPeerPause(50);
      if (i % 5 === 0) assert.equal(await upstreamInflight(), 0, 'the upstream has nothing in flight while the client dribbles');
    }
    await waitFor(() => answer.includes('}'), { timeoutMs: 10_000, what: 'the answer' });
    const expected = createHash('sha256').update(body).digest('hex');
    assert.match(answer, new RegExp(`"sha256":"${expected}","length":20`));
  } finally {
    sock.destroy();
  }
});

test('a slowloris client (headers dribbled) never reaches the upstream', async () => {
  const sock = connect(front.port, '127.0.0.1');
  try {
    const head = 'GET /hello HTTP/1.1\r\nHost: x\r\nX-Slow: ';
    for (let i = 0; i < head.length; i += 4) {
      sock.write(head.slice(i, i + 4));
      await slowPeerPause(20);
    }
    for (let i = 0; i < 5; i++) {
      sock.write('a');
      await slowPeerPause(100);
      assert.equal(await upstreamInflight(), 0);
    }
    assert.equal(proxy.stats().upstream.servers[0]!.active, 0);
  } finally {
    sock.destroy();
  }
});

test('a reader that does not read does not hold the upstream: the response spills to a temp file', async () => {
  // Larger than what loopback socket buffers can absorb (tcp_rmem max is 32 MiB here).
  const n = 96 * 1024 * 1024;
  const expected = (await fetchRaw(up.port, `/bytes-sha256?n=${n}`)).body.toString();
  const fdsBefore = openFds();
  const served = proxy.stats().upstream.servers[0]!.requests;
  const sock = connect(front.port, '127.0.0.1');
  const hash = createHash('sha256');
  let headerDone = false;
  let head = Buffer.alloc(0);
  let got = 0;
  const finished = new Promise<void>((resolve) => {
    sock.on('data', (d: Buffer) => {
      if (!headerDone) {
        head = Buffer.concat([head, d]);
        const i = head.indexOf('\r\n\r\n');
        if (i < 0) return;
        headerDone = true;
        d = head.subarray(i + 4);
      }
      hash.update(d);
      got += d.length;
      if (got >= n) resolve();
    });
  });
  sock.write(`GET /bytes?n=${n} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  // Read nothing: the upstream must still be done quickly, its bytes waiting in the proxy.
  sock.pause();
  try {
    // First the request must have gone upstream: before that, "nothing in flight" is trivially true.
    await waitFor(() => proxy.stats().upstream.servers[0]!.requests > served, { timeoutMs: 15_000, what: 'the request to reach the upstream' });
    await waitFor(async () => proxy.stats().upstream.servers[0]!.active === 0 && (await upstreamInflight()) === 0, { timeoutMs: 15_000, what: 'the upstream to finish while the client reads nothing' });
    assert.equal(proxy.stats().active, 1, 'the proxy still holds the response');
    assert.deepEqual(await readdir(tempDir), [], 'temp files are unlinked as soon as they are opened');
    assert.ok(openFds() > fdsBefore, 'a temp file is open');
    sock.resume();
    await finished;
    assert.equal(hash.digest('hex'), expected);
    await waitFor(() => proxy.stats().active === 0, { timeoutMs: 5_000, what: 'the proxy to finish' });
    await waitFor(() => openFds() <= fdsBefore, { timeoutMs: 5_000, what: 'the temp file to be closed' });
  } finally {
    sock.destroy();
  }
});

test('a client that leaves mid-response frees the temp file and the upstream', async () => {
  const fdsBefore = openFds();
  const sock = connect(front.port, '127.0.0.1');
  sock.write(`GET /bytes?n=${96 * 1024 * 1024} HTTP/1.1\r\nHost: x\r\n\r\n`);
  sock.pause();
  await waitFor(() => openFds() > fdsBefore + 1, { timeoutMs: 10_000, what: 'the spill file to open' });
  sock.destroy();
  await waitFor(() => openFds() <= fdsBefore && proxy.stats().active === 0, { timeoutMs: 10_000, what: 'every descriptor to be closed' });
  await waitFor(async () => (await upstreamInflight()) === 0, { timeoutMs: 10_000, what: 'the upstream to be free' });
});

test('request bodies past bufferSize go through a temp file and arrive intact', async () => {
  const body = Buffer.alloc(3 * 1024 * 1024 + 7);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
  const r = await fetchRaw(front.port, '/sha256', { method: 'POST', body });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body.toString()), { sha256: createHash('sha256').update(body).digest('hex'), length: body.length });
  assert.deepEqual(await readdir(tempDir), []);
});

test('X-Accel-Buffering: no streams each event as it comes (SSE)', async () => {
  const sock = connect(front.port, '127.0.0.1');
  const events: number[] = [];
  let buf = '';
  const t0 = Date.now();
  sock.on('data', (d: Buffer) => {
    buf += d.toString();
    const count = (buf.match(/data: \d/g) ?? []).length;
    while (events.length < count) events.push(Date.now() - t0);
  });
  sock.pause();
  // A paused client socket: a buffering proxy would hold these; a streaming one writes them through.
  sock.write('GET /sse?n=3&ms=600 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  sock.resume();
  try {
    await waitFor(() => events.length === 3, { timeoutMs: 10_000, what: 'three events' });
    // Sent 1,200 ms apart (first to third); a buffering proxy hands them over together. Half that
    // leaves room for a first event the loaded machine delivers late.
    assert.ok(events[2]! - events[0]! >= 600, `events arrive spread out, as sent: ${events.join(', ')} ms`);
    assert.doesNotMatch(buf, /x-accel-buffering/i);
    assert.match(buf, /content-type: text\/event-stream/i);
  } finally {
    sock.destroy();
  }
});

test('requestBuffering off: the upstream gets the request before the upload ends', async () => {
  const streaming = createProxy(passOptions([serverOptions('buf', up.port)], { requestBuffering: false }));
  const f = await startFront(streaming);
  const sock = connect(f.port, '127.0.0.1');
  try {
    sock.write('POST /sha256 HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n12345');
    await waitFor(async () => (await upstreamInflight()) === 1, { timeoutMs: 10_000, what: 'the upstream to see the request mid-upload' });
    let answer = '';
    sock.on('data', (d: Buffer) => (answer += d.toString()));
    sock.write('67890');
    await waitFor(() => answer.includes('}'), { timeoutMs: 10_000, what: 'the answer' });
    assert.match(answer, new RegExp(createHash('sha256').update('1234567890').digest('hex')));
  } finally {
    sock.destroy();
    await f.close();
    await streaming.close();
  }
});

test('a temp dir that cannot be written: 500 for a large upload, nothing forwarded', async () => {
  const bad = createProxy(passOptions([serverOptions('buf', up.port)], { tempPath: join(tempDir, 'does-not-exist'), bufferSize: 1024 }));
  const f = await startFront(bad);
  try {
    const r = await fetchRaw(f.port, '/sha256', { method: 'POST', body: Buffer.alloc(10_000, 1) });
    assert.equal(r.status, 500);
    const small = await fetchRaw(f.port, '/sha256', { method: 'POST', body: 'fits in memory' });
    assert.equal(small.status, 200);
  } finally {
    await f.close();
    await bad.close();
  }
});
