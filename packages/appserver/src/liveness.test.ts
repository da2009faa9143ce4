/**
 * --timeout (liveness) and dead workers: a worker whose event loop is blocked is killed and
 * replaced within timeout + 2 s while the others keep answering, and the log names the request;
 * a worker idle long enough to stop its stall watchdog thread still names the request that blocks
 * it; a worker blocked during a reload's graceful stop is killed by the same rule; a worker killed
 * with SIGKILL under load is replaced and only the requests on its connections fail.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'undici';
import { keepAliveLoad } from './keep-alive-load.test.util.js';
import { startAppserver, tempProject } from './testing/spawn-appserver.js';

const APP = `import { setTimeout as sleep } from 'node:timers/promises';
export const application = {
  async fetch(request: Request) {
    const path = new URL(request.url).pathname;
    if (path === '/spin') while (true) {}
    if (path === '/busy') await sleep(20);
    return new Response(String(process.pid));
  },
};
`;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The loops whose connection was on `pid` (their last answer came from it). */
function loopsOn(lastByLoop: ReadonlyArray<string | undefined>, pid: number): number[] {
  return lastByLoop.flatMap((body, i) => (body === String(pid) ? [i] : []));
}

describe('liveness', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.ts'), APP);
  });
  after(() => project.remove());

  it('a blocked worker is killed within --timeout + 2 s and replaced, the log names its request, and the other worker keeps answering', async () => {
    const timeout = 2;
    const server = await startAppserver(['-w', '2', '--timeout', String(timeout), 'app.ts'], { cwd: project.dir });
    try {
      const load = keepAliveLoad(server.url, { connections: 20 });
      await load.until((c) => c.ok >= 200);
      // A connection of its own, on some worker: that worker will hang.
      const spinner = new Client(server.url);
      const spinnerPid = await (await spinner.request({ path: '/', method: 'GET' })).body.text();
      // Each loop's connection stays on one worker until it fails: where they were at the block.
      const before = [...load.counts.lastByLoop];
      const okAtBlock = load.counts.ok;
      const blockedAt = Date.now();
      const spin = spinner.request({ path: '/spin', method: 'GET' }).then(
        () => 'answered',
        (err: NodeJS.ErrnoException) => err.code ?? err.message,
      );
      // Once the hung worker's watchdog has spoken, new connections can only be accepted by the
      // other worker (the kernel spreads the 20 above unevenly, possibly all onto the hung one).
      await server.waitFor(new RegExp(`\\(pid: ${spinnerPid}\\): event loop blocked for [\\d.]+ s; the last request to start: "GET /spin HTTP/1.1"`), 15_000);
      const probe = keepAliveLoad(server.url, { connections: 4 });
      const [, pid] = await server.waitFor(/WORKER TIMEOUT \(pid (\d+)\)[^\n]*"GET \/spin/, 15_000);
      const probeOkAtKill = probe.counts.ok;
      const killedAfter = Date.now() - blockedAt;
      assert.ok(killedAfter < (timeout + 2) * 1000, `killed ${killedAfter} ms after the block; --timeout ${timeout}`);
      assert.equal(pid, spinnerPid, 'the worker that ran /spin was killed');
      const okAtKill = load.counts.ok;
      await server.waitFor(/Worker 3 \(pid: \d+\) ready/);
      assert.notEqual(await spin, 'answered');
      await spinner.destroy();
      await load.until((c) => c.ok >= okAtKill + 200);
      const counts = await load.stop();
      await probe.stop();
      // The other worker answered during the hang, and only connections that were on the hung
      // worker lost a request, one each.
      assert.ok(probeOkAtKill > 0, `the other worker answered new connections during the hang (${probeOkAtKill} ok)`);
      const hungLoops = new Set(loopsOn(before, Number(pid)));
      counts.failuresByLoop.forEach((codes, i) => {
        assert.ok(codes.length <= 1, `loop ${i} failed ${codes.length} times`);
        if (codes.length > 0) assert.ok(hungLoops.has(i), `loop ${i} failed without being on the hung worker`);
      });
      assert.ok(counts.failed <= hungLoops.size);
      console.log(`hung worker: killed ${killedAfter} ms after the block; ${okAtKill - okAtBlock + probeOkAtKill} ok meanwhile; ${counts.failed} failed of ${counts.ok + counts.failed}; ${hungLoops.size} connection(s) on it`);
      assert.match(server.output(), new RegExp(`Worker \\d \\(pid: ${pid}\\) killed \\(signal SIGKILL\\); starting a replacement`));
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('a worker idle long enough to stop its watchdog thread still names the request that blocks it on arrival', async () => {
    // 4 s: the new thread must start and see two beat intervals (2 s here) pass before the
    // master's kill at --timeout, with room for a loaded machine's slower thread start.
    const timeout = 4;
    const server = await startAppserver(['-w', '1', '--timeout', String(timeout), '--log-level', 'debug', 'app.ts'], { cwd: project.dir });
    const client = new Client(server.url);
    try {
      const pid = await (await client.request({ path: '/', method: 'GET' })).body.text();
      // RETIRE_BEATS heartbeats (a quarter of --timeout each) without a request stop the thread.
      const stopped = new RegExp(`\\[${pid}\\] \\[DEBUG\\] stall watchdog thread stopped`);
      await server.waitFor(stopped, 15_000);
      const spin = client.request({ path: '/spin', method: 'GET' }).then(
        () => 'answered',
        (err: NodeJS.ErrnoException) => err.code ?? err.message,
      );
      // Only the thread (started again by this request) can name a request that began after the last heartbeat.
      await server.waitFor(new RegExp(`\\(pid: ${pid}\\): event loop blocked for [\\d.]+ s; the last request to start: "GET /spin HTTP/1.1"`), 15_000);
      await server.waitFor(new RegExp(`WORKER TIMEOUT \\(pid ${pid}\\)[^\\n]*"GET /spin`), 15_000);
      assert.notEqual(await spin, 'answered');
    } finally {
      await client.destroy();
      assert.equal(await server.stop(), 0);
    }
  });

  it('a worker blocked during a reload\'s graceful stop is killed at --timeout, not left spinning', async () => {
    const timeout = 2;
    const server = await startAppserver(['--timeout', String(timeout), '--graceful-timeout', '60', '--keep-alive', '30', 'app.ts'], { cwd: project.dir });
    const client = new Client(server.url);
    try {
      const first = await client.request({ path: '/', method: 'GET' });
      const oldPid = await first.body.text();
      server.child.kill('SIGHUP');
      await server.waitFor(/Reload done: stopping 1 old worker\(s\)/);
      // The old worker is stopping but keeps the kept-alive connection for --keep-alive: the
      // request on it is served there, and blocks its event loop.
      const blockedAt = Date.now();
      const spin = client.request({ path: '/spin', method: 'GET' }).then(
        () => 'answered',
        (err: NodeJS.ErrnoException) => err.code ?? err.message,
      );
      await server.waitFor(new RegExp(`WORKER TIMEOUT \\(pid ${oldPid}\\)[^\\n]*"GET /spin`), 15_000);
      // The bound tells --timeout from --graceful-timeout 60 (the first test holds the 2 s margin).
      assert.ok(Date.now() - blockedAt < 20_000, `killed by --timeout, long before --graceful-timeout 60 (${Date.now() - blockedAt} ms)`);
      assert.notEqual(await spin, 'answered');
      await server.waitFor(new RegExp(`Worker 1 \\(pid: ${oldPid}\\) stopped \\(signal SIGKILL\\)`));
      // Connection: close, or the stop below would wait out the 30 s keep-alive of an idle connection (drain.ts).
      const res = await fetch(server.url, { headers: { connection: 'close' } });
      assert.notEqual(await res.text(), oldPid);
    } finally {
      await client.destroy();
      assert.equal(await server.stop(), 0);
    }
  });

  it('kill -9 of a worker under load: replaced; only the requests on its connections fail, one per connection', async () => {
    const server = await startAppserver(['-w', '2', 'app.ts'], { cwd: project.dir });
    try {
      const [, victim] = server.output().match(/Booting worker 1 with pid: (\d+)/)!;
      const load = keepAliveLoad(server.url, { connections: 20, path: '/busy' });
      await load.until((c) => c.lastByLoop.filter((b) => b === victim).length > 0 && c.ok >= 200);
      const onVictim = new Set(loopsOn(load.counts.lastByLoop, Number(victim)));
      process.kill(Number(victim), 'SIGKILL');
      await server.waitFor(/Worker 1 \(pid: \d+\) died unexpectedly \(signal SIGKILL\); starting a replacement/);
      await server.waitFor(/Worker 3 \(pid: \d+\) ready/);
      const okAfter = load.counts.ok;
      await load.until((c) => c.ok >= okAfter + 200);
      await sleep(50);
      const counts = await load.stop();
      const failedLoops = counts.failuresByLoop.flatMap((codes, i) => (codes.length > 0 ? [i] : []));
      for (const i of failedLoops) {
        assert.ok(onVictim.has(i), `loop ${i} failed but its connection was not on the killed worker`);
        assert.equal(counts.failuresByLoop[i]!.length, 1, `loop ${i} failed more than once`);
      }
      assert.ok(counts.failed <= onVictim.size, `${counts.failed} failed, ${onVictim.size} connection(s) were on the killed worker`);
      // Reported for the record: how many requests were lost.
      console.log(`kill -9: ${counts.failed} failed of ${counts.ok + counts.failed}; ${onVictim.size} connection(s) on the killed worker; ${JSON.stringify(counts.failures)}`);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
