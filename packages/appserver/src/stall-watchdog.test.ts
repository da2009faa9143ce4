/**
 * The stall watchdog's thread (stall-watchdog.ts): a thread that fails reaches the worker's
 * `onError` and does not end the process (without a listener node throws a Worker's 'error'
 * in the main thread); the thread stops after RETIRE_BEATS beats without a request start, and
 * the next request starts one that reports a stall. The master's line naming a blocked request
 * is liveness.test.ts's case.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RETIRE_BEATS, StallWatchdog, WATCHDOG_ENV } from './stall-watchdog.js';

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
      const watchdog = StallWatchdog.start(50, { onError: resolve }, 'throw new Error("thread failed on purpose")');
      assert.ok(watchdog, 'started: the pipe is set');
    });
    // The thread is unref'd: this timer keeps the loop alive while the error comes.
    let timer: NodeJS.Timeout | undefined;
    const error = await Promise.race([failed, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no error within 10 s')), 10_000)))]);
    clearTimeout(timer);
    assert.match(error.message, /thread failed on purpose/);
  });

  it('a thread that cannot even be created reaches onError, and requests go on without one', () => {
    const errors: Error[] = [];
    // A program that is not a string: node's Worker constructor throws at once.
    const watchdog = StallWatchdog.start(50, { onError: (error) => errors.push(error) }, 42 as never);
    assert.ok(watchdog);
    assert.equal(errors.length, 1);
    assert.equal(watchdog.watching, false);
    watchdog.noteRequest({ method: 'GET', url: '/', httpVersion: '1.1' } as never);
    assert.equal(errors.length, 1, 'not tried again for each request');
    assert.equal(watchdog.watching, false);
  });

  it('the real thread, within its resource limits, reports a loop stalled for two beats', async () => {
    const errors: Error[] = [];
    const watchdog = StallWatchdog.start(50, { onError: (error) => errors.push(error) });
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

  it('stops the thread after RETIRE_BEATS beats without a request start, and a request starts one that reports a stall', () => {
    const errors: Error[] = [];
    let idle = 0;
    const watchdog = StallWatchdog.start(50, { onError: (error) => errors.push(error), onIdle: () => idle++ });
    assert.ok(watchdog);
    const request = (url: string) => ({ method: 'GET', url, httpVersion: '1.1' }) as never;
    for (let i = 0; i < RETIRE_BEATS + 2; i++) {
      watchdog.noteRequest(request('/busy'));
      watchdog.beat();
    }
    assert.equal(watchdog.watching, true, 'a request between beats keeps the thread');
    for (let i = 0; i < RETIRE_BEATS - 1; i++) watchdog.beat();
    assert.equal(watchdog.watching, true, `kept until the ${RETIRE_BEATS}th idle beat`);
    watchdog.beat();
    assert.equal(watchdog.watching, false, `stopped after ${RETIRE_BEATS} idle beats`);
    assert.equal(idle, 1, 'onIdle heard once');
    watchdog.beat();
    assert.equal(idle, 1, 'a stopped thread is not stopped again');

    const reports = join(dir, 'reports');
    const from = statSync(reports).size;
    watchdog.noteRequest(request('/after-idle'));
    assert.equal(watchdog.watching, true, 'a request starts the thread again');
    // Block the loop: the new thread starts on its own and reports once the beat has been still
    // for two intervals after its start.
    const deadline = Date.now() + 10_000;
    let report = '';
    while (report === '' && Date.now() < deadline) report = readFileSync(reports, 'utf8').slice(from);
    assert.deepEqual(errors, []);
    assert.notEqual(report, '', 'a report within 10 s of blocking');
    const first = JSON.parse(report.split('\n')[0]!) as { stalledMs: number; startedSinceBeat?: string };
    assert.equal(first.startedSinceBeat, 'GET /after-idle HTTP/1.1');
  });
});
