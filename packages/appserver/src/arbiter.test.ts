/**
 * The arbiter's signals through real processes: TERM drains in-flight requests and runs the
 * app's shutdown hook; HUP replaces every worker without refusing a request; TTIN and TTOU
 * add and remove a worker.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from 'undici';
import { startAppserver, tempProject } from './testing/spawn-appserver.js';

describe('arbiter signals', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(
      join(project.dir, 'app.ts'),
      `import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
export const application = {
  async fetch(request: Request, context: { worker: { id: number }; log: { info(m: string): void } }) {
    if (new URL(request.url).pathname === '/slow') {
      context.log.info('slow request started');
      await sleep(1500);
    }
    return new Response(\`worker \${context.worker.id} pid \${process.pid}\`);
  },
  shutdown(context: { worker: { id: number } }) {
    writeFileSync(process.env.SHUTDOWN_MARK + '.' + context.worker.id, 'done');
  },
};
`,
    );
  });
  after(() => project.remove());

  it('TERM lets an in-flight request finish, then runs shutdown, exit 0', async () => {
    const mark = join(project.dir, 'term');
    const server = await startAppserver(['app.ts'], { cwd: project.dir, env: { SHUTDOWN_MARK: mark } });
    try {
      const slow = fetch(`${server.url}/slow`);
      await server.waitFor(/slow request started/);
      server.child.kill('SIGTERM');
      const res = await slow;
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^worker 1 /);
      assert.equal(await server.exited(), 0);
      assert.equal(readFileSync(`${mark}.1`, 'utf8'), 'done');
      await assert.rejects(fetch(server.url), 'the port is closed after exit');
    } finally {
      // Not left running when an assertion failed first: it would keep the file's process alive.
      if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
    }
  });

  it('TERM lets a Node app\'s in-flight request finish too', async () => {
    writeFileSync(
      join(project.dir, 'node-app.ts'),
      `import type { IncomingMessage, ServerResponse } from 'node:http';\nexport const application = (req: IncomingMessage, res: ServerResponse) => {\n  if (req.url === '/slow') console.error('slow request started');\n  setTimeout(() => res.end('slow done'), req.url === '/slow' ? 1500 : 0);\n};\n`,
    );
    // A (req, res) function has the shape of fetch(request, context): the interface is named.
    // drain.ts: an idle connection holds a stop at most --keep-alive (2 s here), never until
    // --graceful-timeout (60 s here): the bound below tells the two apart with room to spare.
    const server = await startAppserver(['--interface', 'node', '--keep-alive', '2', '--graceful-timeout', '60', 'node-app.ts'], { cwd: project.dir });
    // A client of its own, so the connection stays idle (fetch's pool would reuse it for /slow).
    const idle = new Client(server.url, { keepAliveTimeout: 60_000 });
    try {
      const keptAlive = await idle.request({ path: '/', method: 'GET' });
      assert.equal(await keptAlive.body.text(), 'slow done');
      const slow = fetch(`${server.url}/slow`, { headers: { connection: 'close' } });
      await server.waitFor(/slow request started/);
      const stopping = Date.now();
      server.child.kill('SIGTERM');
      const res = await slow;
      assert.equal(await res.text(), 'slow done');
      assert.equal(await server.exited(), 0);
      assert.ok(Date.now() - stopping < 20_000, `an idle keep-alive connection held the stop past --keep-alive, toward --graceful-timeout (${Date.now() - stopping} ms)`);
    } finally {
      await idle.destroy();
      if (server.child.exitCode === null && server.child.signalCode === null) await server.stop('SIGKILL');
    }
  });

  it('HUP starts new workers, then stops the old ones; requests keep succeeding', async () => {
    const server = await startAppserver(['-w', '2', 'app.ts'], { cwd: project.dir, env: { SHUTDOWN_MARK: join(project.dir, 'hup') } });
    try {
      const before = new Set<string>();
      for (let i = 0; i < 6; i++) before.add((await (await fetch(server.url, { headers: { connection: 'close' } })).text()).replace(/^worker \d+ /, ''));
      let failures = 0;
      let stop = false;
      const load = (async () => {
        while (!stop) {
          try {
            const r = await fetch(server.url, { headers: { connection: 'close' } });
            await r.text();
            if (r.status !== 200) failures++;
          } catch {
            failures++;
          }
        }
      })();
      server.child.kill('SIGHUP');
      await server.waitFor(/Reload done: stopping 2 old worker\(s\)/);
      await server.waitFor(/Worker 2 \(pid: \d+\) stopped[\s\S]*Worker 1 \(pid: \d+\) stopped|Worker 1 \(pid: \d+\) stopped[\s\S]*Worker 2 \(pid: \d+\) stopped/);
      stop = true;
      await load;
      assert.equal(failures, 0);
      const text = await (await fetch(server.url, { headers: { connection: 'close' } })).text();
      assert.match(text, /^worker [34] /);
      assert.ok(!before.has(text.replace(/^worker \d+ /, '')), 'served by a new process');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('workers do not outlive a master killed with SIGKILL', async () => {
    const server = await startAppserver(['-w', '2', 'app.ts'], { cwd: project.dir, env: { SHUTDOWN_MARK: join(project.dir, 'orphan') } });
    const pids = [...server.output().matchAll(/Booting worker \d+ with pid: (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(pids.length, 2);
    server.child.kill('SIGKILL');
    await server.exited();
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 15_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(pids.filter(alive), [], 'orphaned workers still running');
  });

  it('HUP re-reads the config file; a broken one is refused and the workers keep serving', async () => {
    const config = join(project.dir, 'hup.config.ts');
    writeFileSync(config, `export default { workers: 1 };\n`);
    const server = await startAppserver(['-c', config, 'app.ts'], { cwd: project.dir, env: { SHUTDOWN_MARK: join(project.dir, 'hupcfg') } });
    try {
      writeFileSync(config, `export default { workers: 2 };\n`);
      server.child.kill('SIGHUP');
      await server.waitFor(/Reloading: starting 2 new worker\(s\)/);
      await server.waitFor(/Reload done: stopping 1 old worker\(s\)/);
      writeFileSync(config, `export default { workers: 'two' };\n`);
      server.child.kill('SIGHUP');
      await server.waitFor(/Reload refused, the settings are invalid; keeping the running workers: .*hup\.config\.ts:1: workers: got "two"/);
      assert.equal((await fetch(server.url)).status, 200);
    } finally {
      await server.stop();
    }
  });

  it('TTIN adds a worker, TTOU removes one', async () => {
    const server = await startAppserver(['app.ts'], { cwd: project.dir, env: { SHUTDOWN_MARK: join(project.dir, 'ttin') } });
    try {
      server.child.kill('SIGTTIN');
      await server.waitFor(/Worker 2 \(pid: \d+\) ready/);
      server.child.kill('SIGTTOU');
      await server.waitFor(/Worker 1 \(pid: \d+\) stopped/);
      assert.equal((await fetch(server.url)).status, 200);
    } finally {
      await server.stop();
    }
    assert.ok(existsSync(join(project.dir, 'ttin.1')), 'the removed worker ran shutdown');
  });
});
