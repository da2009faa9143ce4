/**
 * Recycling under load drops nothing: --max-requests (with jitter) and --max-worker-memory
 * start the replacement, wait for it to be ready, then stop the old worker gracefully; 0
 * failed requests on 20 keep-alive connections, and a leaking worker is recycled before its
 * RSS reaches 1.5x the limit.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keepAliveLoad } from './keep-alive-load.test.util.js';
import { startAppserver, tempProject, type AppserverProcess } from './testing/spawn-appserver.js';

const LOAD_MS = 3000;
const MB = 1024 * 1024;

const APP = `import { setTimeout as sleep } from 'node:timers/promises';
const kept: Buffer[] = [];
export const application = {
  async fetch(request: Request) {
    if (new URL(request.url).pathname === '/leak') {
      // 512 KB kept per request, at most 20 a second: a leak of <= 10 MB/s.
      kept.push(Buffer.alloc(512 * 1024, 1));
      await sleep(50);
    }
    return new Response(String(process.pid));
  },
};
`;

/** The peak RSS (VmHWM, bytes) of every worker the server booted, sampled every 50 ms until stopped. */
function watchPeakRss(server: AppserverProcess): { stop(): Map<number, number> } {
  const peaks = new Map<number, number>();
  const timer = setInterval(() => {
    for (const [, pid] of server.output().matchAll(/Booting worker \d+ with pid: (\d+)/g)) {
      try {
        const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (kb !== null) peaks.set(Number(pid), Math.max(peaks.get(Number(pid)) ?? 0, Number(kb[1]) * 1024));
      } catch {
        // exited
      }
    }
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return peaks;
    },
  };
}

describe('recycling under load', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.ts'), APP);
  });
  after(() => project.remove());

  it('--max-requests 200 --max-requests-jitter 50 on 20 keep-alive connections: workers recycled, 0 failed, 0 resets', async () => {
    const server = await startAppserver(['-w', '2', '--max-requests', '200', '--max-requests-jitter', '50', 'app.ts'], { cwd: project.dir });
    try {
      const started = Date.now();
      const load = keepAliveLoad(server.url, { connections: 20 });
      const recycled = () => (server.output().match(/recycled \(\d+ requests/g) ?? []).length;
      await load.until(() => recycled() >= 3 && Date.now() - started >= LOAD_MS, 60_000);
      const counts = await load.stop();
      assert.deepEqual(counts.failures, {});
      assert.equal(counts.failed, 0);
      assert.equal(counts.resets, 0);
      for (const [, n] of server.output().matchAll(/to be recycled: (\d+) requests \(--max-requests 200, --max-requests-jitter 50\)/g)) {
        assert.ok(Number(n) >= 200 && Number(n) <= 250, `recycled after ${n} requests`);
      }
      console.log(`--max-requests: ${recycled()} recycles, ${counts.ok} requests, 0 failed`);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('--max-worker-memory on a leaking app: recycled before 1.5x the limit, 0 failed', { skip: process.platform !== 'linux' && '/proc is Linux-only' }, async () => {
    const limit = 160 * MB;
    const server = await startAppserver(['-w', '2', '--max-worker-memory', '160m', 'app.ts'], { cwd: project.dir });
    const rss = watchPeakRss(server);
    try {
      const started = Date.now();
      const load = keepAliveLoad(server.url, { connections: 20 });
      const leak = keepAliveLoad(server.url, { connections: 1, path: '/leak' });
      const [, pid] = await server.waitFor(/Worker \d+ \(pid: (\d+)\) to be recycled: RSS [\d.]+ MB over --max-worker-memory 160\.0 MB; starting its replacement/, 60_000);
      await server.waitFor(new RegExp(`Worker \\d+ \\(pid: ${pid}\\) stopped \\(code 0\\)`), 60_000);
      await load.until(() => Date.now() - started >= LOAD_MS);
      const leaked = await leak.stop();
      const counts = await load.stop();
      assert.deepEqual(counts.failures, {});
      assert.deepEqual(leaked.failures, {});
      assert.equal(counts.failed + leaked.failed, 0);
      const peaks = rss.stop();
      const peak = peaks.get(Number(pid)) ?? 0;
      assert.ok(peak > limit, `the leaking worker went over the limit (${(peak / MB).toFixed(1)} MB)`);
      for (const [p, bytes] of peaks) assert.ok(bytes < 1.5 * limit, `worker ${p} peaked at ${(bytes / MB).toFixed(1)} MB, over 1.5x ${limit / MB} MB`);
      console.log(`--max-worker-memory 160m: the leaking worker peaked at ${(peak / MB).toFixed(1)} MB; ${counts.ok + leaked.ok} requests, 0 failed`);
    } finally {
      rss.stop();
      assert.equal(await server.stop(), 0);
    }
  });
});
