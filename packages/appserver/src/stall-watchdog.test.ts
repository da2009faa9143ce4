/**
 * The stall watchdog's thread (stall-watchdog.ts): a thread that fails reaches the worker's
 * `onError` and does not end the process (without a listener node throws a Worker's 'error'
 * in the main thread). That the real thread names a blocked request is liveness.test.ts's case.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StallWatchdog, WATCHDOG_ENV } from './stall-watchdog.js';

describe('stall watchdog thread', () => {
  let dir: string;
  let fd: number;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsgi-watchdog-'));
    fd = openSync(join(dir, 'reports'), 'w');
    process.env[WATCHDOG_ENV] = String(fd);
  });
  after(() => {
    delete process.env[WATCHDOG_ENV];
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a thread that throws reaches onError, and the process goes on', async () => {
    const failed = new Promise<Error>((resolve) => {
      const watchdog = StallWatchdog.start(50, resolve, 'throw new Error("thread failed on purpose")');
      assert.ok(watchdog, 'started: the pipe is set');
    });
    // The thread is unref'd: this timer keeps the loop alive while the error comes.
    let timer: NodeJS.Timeout | undefined;
    const error = await Promise.race([failed, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no error within 10 s')), 10_000)))]);
    clearTimeout(timer);
    assert.match(error.message, /thread failed on purpose/);
  });

  it('the real thread, within its resource limits, reports a loop stalled for two beats', async () => {
    const errors: Error[] = [];
    const watchdog = StallWatchdog.start(50, (error) => errors.push(error));
    assert.ok(watchdog);
    // Let the thread start and see a first beat, then start a request and block the loop.
    const deadline = Date.now() + 10_000;
    let report = '';
    while (report === '' && Date.now() < deadline) {
      watchdog.beat();
      await new Promise((resolve) => setTimeout(resolve, 60));
      watchdog.noteRequest({ method: 'GET', url: '/blocked', httpVersion: '1.1' } as never);
      const until = Date.now() + 400;
      while (Date.now() < until) {
        // blocked on purpose: the thread must notice without the main loop
      }
      report = readFileSync(join(dir, 'reports'), 'utf8');
    }
    assert.deepEqual(errors, []);
    const first = JSON.parse(report.split('\n')[0]!) as { stalledMs: number; startedSinceBeat?: string };
    assert.ok(first.stalledMs >= 100, `stalled ${first.stalledMs} ms`);
    assert.equal(first.startedSinceBeat, 'GET /blocked HTTP/1.1');
  });
});
