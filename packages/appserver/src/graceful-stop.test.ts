/**
 * Graceful stops under load drop nothing (drain.ts's rule): HUP and TTOU during load on 20
 * keep-alive connections give 0 failed requests and 0 resets, for a TSGI app and an Express
 * app; TERM lets 50 slow requests finish while new connections are refused at once.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canConnect, waitFor } from 'tsgi-test-support';
import { keepAliveLoad } from './keep-alive-load.test.util.js';
import { startAppserver, tempProject, type AppserverProcess } from './testing/spawn-appserver.js';

/** How long each load runs at least (the issue measured 10 s; 3 s keeps the suite fast and still spans the whole reload). */
const LOAD_MS = 3000;

const tsgiApp = (version: string) => `import { setTimeout as sleep } from 'node:timers/promises';
export const application = {
  async fetch(request: Request, context: { log: { info(m: string): void } }) {
    if (new URL(request.url).pathname === '/slow') {
      context.log.info('slow request started');
      await sleep(1500);
    }
    return new Response('${version}');
  },
};
`;

const expressApp = (version: string) => `import express from 'express';
const app = express();
app.get('/', (_req, res) => { res.send('${version}'); });
export const application = app;
`;

/** Resolves once `pattern` has matched `count` times in the output. */
async function waitForCount(server: AppserverProcess, pattern: RegExp, count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((server.output().match(pattern) ?? []).length < count) {
    if (Date.now() > deadline) throw new Error(`saw ${pattern} ${(server.output().match(pattern) ?? []).length} of ${count} times; output:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('graceful stop under load', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
  });
  after(() => project.remove());

  for (const [name, app, args] of [
    ['TSGI', tsgiApp, []],
    ['Express', expressApp, ['--interface', 'node']],
  ] as const) {
    it(`HUP during load on 20 keep-alive connections (${name} app): 0 failed, 0 resets, the new code answers`, async () => {
      const file = `hup-${name}.ts`;
      writeFileSync(join(project.dir, file), app('one'));
      const server = await startAppserver(['-w', '2', ...args, file], { cwd: project.dir });
      try {
        const started = Date.now();
        const load = keepAliveLoad(server.url, { connections: 20 });
        await load.until((c) => c.ok >= 200);
        writeFileSync(join(project.dir, file), app('two'));
        server.child.kill('SIGHUP');
        await server.waitFor(/Reload done: stopping 2 old worker\(s\)/);
        await waitForCount(server, /Worker [12] \(pid: \d+\) stopped/g, 2);
        await load.until((c) => (c.bodies.get('two') ?? 0) >= 200 && Date.now() - started >= LOAD_MS);
        const counts = await load.stop();
        assert.deepEqual(counts.failures, {});
        assert.equal(counts.failed, 0);
        assert.equal(counts.resets, 0);
        assert.ok((counts.bodies.get('one') ?? 0) >= 200, 'the old code answered before the reload');
        assert.equal(counts.last, 'two', 'the new code answers after the reload');
        assert.deepEqual([...counts.bodies.keys()].sort(), ['one', 'two']);
      } finally {
        assert.equal(await server.stop(), 0);
      }
    });
  }

  it('TTOU during load on 20 keep-alive connections: 0 failed, 0 resets', async () => {
    writeFileSync(join(project.dir, 'ttou.ts'), tsgiApp('same'));
    const server = await startAppserver(['-w', '3', 'ttou.ts'], { cwd: project.dir });
    try {
      const started = Date.now();
      const load = keepAliveLoad(server.url, { connections: 20 });
      await load.until((c) => c.ok >= 200);
      server.child.kill('SIGTTOU');
      await server.waitFor(/Worker 1 \(pid: \d+\) stopped/);
      await load.until(() => Date.now() - started >= LOAD_MS);
      const okBefore = load.counts.ok;
      await load.until((c) => c.ok >= okBefore + 200);
      const counts = await load.stop();
      assert.deepEqual(counts.failures, {});
      assert.equal(counts.failed, 0);
      assert.equal(counts.resets, 0);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('TERM with 50 slow requests in flight: all 50 complete, a connection after TERM is refused, exit 0', async () => {
    writeFileSync(join(project.dir, 'term.ts'), tsgiApp('slow done'));
    const server = await startAppserver(['-w', '2', '--graceful-timeout', '10', 'term.ts'], { cwd: project.dir });
    const slow = Array.from({ length: 50 }, () => fetch(`${server.url}/slow`).then(async (r) => `${r.status} ${await r.text()}`));
    await waitForCount(server, /slow request started/g, 50);
    const termAt = Date.now();
    server.child.kill('SIGTERM');
    // The master closes its sockets right after it logs the signal; a loaded machine may run it
    // later than any fixed wait, so wait for the log line and then for the socket to close.
    await server.waitFor(/Handling signal: term/);
    const port = Number(new URL(server.url).port);
    await waitFor(async () => !(await canConnect(port)), { timeoutMs: 5000, what: 'the master to close its listening socket' });
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('accepted');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    assert.equal(refused, 'ECONNREFUSED');
    const results = await Promise.all(slow);
    assert.deepEqual(results, Array.from({ length: 50 }, () => '200 slow done'));
    assert.equal(await server.exited(), 0);
    assert.ok(Date.now() - termAt < 10_000, 'exited within --graceful-timeout');
  });
});
