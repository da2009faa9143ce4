// The connect timeout, with a connect that really hangs on loopback: a listener whose accept
// queue is full (Python's listen(0) with no accept()) leaves further SYNs unanswered, as a
// blackholed host would, so the proxy must give up at proxy_connect_timeout with 504.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { waitFor } from 'tsgi-test-support';
import { createProxy } from './index.js';
import { fetchRaw, passOptions, serverOptions, startFront } from './test-fixtures/helpers.js';

const python = ['python3', 'python'].find((p) => spawnSync(p, ['-c', 'pass']).status === 0);

/** A loopback listener that never accepts; resolves its port once it is listening. */
async function neverAccepting(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(python!, ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
  });
  return { port, stop: () => child.kill('SIGKILL') };
}

/**
 * Whether the listener's accept queue is full, as the kernel sees it (`ss`: Recv-Q, the queue,
 * above Send-Q, the backlog), so a further SYN is dropped. Asked of the kernel rather than
 * guessed from a connect that takes long: a test process the loaded machine does not run for
 * a while would see every connect as hanging.
 */
function acceptQueueFull(port: number): boolean {
  const ss = spawnSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
  assert.equal(ss.status, 0, `ss (Debian package iproute2) is needed to see the accept queue: ${ss.error?.message ?? ss.stderr}`);
  const [, queued, backlog] = ss.stdout.trim().split(/\s+/);
  return Number(queued) > Number(backlog);
}

/** Opens connections until the listener's accept queue is full: the next connect hangs. */
async function fillBacklog(port: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < 16; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    sockets.push(socket);
    await waitFor(() => !socket.connecting || acceptQueueFull(port), { what: 'a connect to complete or the accept queue to fill' });
    if (acceptQueueFull(port)) return sockets;
  }
  throw new Error('the accept queue never filled: connects cannot be made to hang here');
}

test('a connect that hangs gets 504 at proxy_connect_timeout, not earlier and not much later', { skip: python ? false : 'python3 is needed for a listener that never accepts' }, async () => {
  const listener = await neverAccepting();
  const sockets = await fillBacklog(listener.port);
  const proxy = createProxy(passOptions([serverOptions('blackhole', listener.port)], { connectTimeoutMs: 1_000, nextUpstreamTries: 1 }));
  const front = await startFront(proxy);
  try {
    const started = Date.now();
    const reply = await fetchRaw(front.port, '/hello', { timeoutMs: 20_000 });
    const elapsed = Date.now() - started;
    assert.equal(reply.status, 504, 'a connect timeout is a gateway timeout');
    assert.ok(elapsed >= 900, `answered after ${elapsed} ms: not before the connect timeout`);
    assert.ok(elapsed < 10_000, `answered after ${elapsed} ms: soon after the connect timeout`);
  } finally {
    await front.close();
    await proxy.close();
    for (const s of sockets) s.destroy();
    listener.stop();
  }
});
