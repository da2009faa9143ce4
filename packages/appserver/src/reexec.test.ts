/**
 * USR2 (reexec.ts) through real processes under load: a new master on the same sockets, then
 * TERM to the old one completes the upgrade with 0 failed requests and the pid file renamed;
 * HUP to the old one instead rolls back.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from 'tsgi-test-support';
import { keepAliveLoad } from './keep-alive-load.test.util.js';
import { startAppserver, tempProject } from './testing/spawn-appserver.js';

const app = (version: string) => `export const application = () => new Response('${version}');\n`;

/** Polls until `test()` holds. */
async function until(test: () => boolean, what: string): Promise<void> {
  await waitFor(test, { timeoutMs: 60_000, what });
}

function pidIn(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('USR2 upgrade', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
  });
  after(() => project.remove());

  it('USR2 then TERM of the old master under load: 0 failed, the new code answers, the pid file moves', async () => {
    writeFileSync(join(project.dir, 'up.ts'), app('old'));
    const pidfile = join(project.dir, 'up.pid');
    const server = await startAppserver(['-w', '2', '--pid', pidfile, 'up.ts'], { cwd: project.dir });
    let newMaster: number | undefined;
    try {
      assert.equal(pidIn(pidfile), server.child.pid);
      const load = keepAliveLoad(server.url, { connections: 20 });
      await load.until((c) => c.ok >= 200);
      writeFileSync(join(project.dir, 'up.ts'), app('new'));
      server.child.kill('SIGUSR2');
      await until(() => pidIn(`${pidfile}.2`) !== undefined, 'the new master\'s pid file');
      newMaster = pidIn(`${pidfile}.2`)!;
      // Both generations accept (the kept-alive connections stay with the old workers) until the old master is told to go.
      await server.waitFor(new RegExp(`\\[${newMaster}\\] \\[INFO\\] Ready: 2 worker`));
      const fresh = await fetch(server.url, { headers: { connection: 'close' } });
      assert.match(await fresh.text(), /^(old|new)$/);
      server.child.kill('SIGTERM');
      assert.equal(await server.exited(), 0, 'the old master exits cleanly');
      await until(() => pidIn(pidfile) === newMaster && !existsSync(`${pidfile}.2`), 'the new master to take the pid file');
      const before = load.counts.ok;
      await load.until((c) => c.ok >= before + 300);
      const counts = await load.stop();
      assert.deepEqual(counts.failures, {});
      assert.equal(counts.failed, 0);
      assert.equal(counts.resets, 0);
      assert.equal(counts.last, 'new');
      // The port stayed open throughout and is now the new master's.
      assert.equal(await (await fetch(server.url)).text(), 'new');
    } finally {
      if (server.child.exitCode === null) await server.stop();
      if (newMaster !== undefined && alive(newMaster)) {
        process.kill(newMaster, 'SIGTERM');
        await until(() => !alive(newMaster!), 'the new master to stop');
      }
    }
  });

  it('HUP to the old master before TERM rolls back: the new master stops, the old code keeps answering', async () => {
    writeFileSync(join(project.dir, 'back.ts'), app('old'));
    const pidfile = join(project.dir, 'back.pid');
    const server = await startAppserver(['-w', '1', '--pid', pidfile, 'back.ts'], { cwd: project.dir });
    let newMaster: number | undefined;
    try {
      writeFileSync(join(project.dir, 'back.ts'), app('new'));
      server.child.kill('SIGUSR2');
      await until(() => pidIn(`${pidfile}.2`) !== undefined, 'the new master\'s pid file');
      newMaster = pidIn(`${pidfile}.2`)!;
      server.child.kill('SIGUSR2');
      await server.waitFor(/USR2 ignored: a new master \(pid \d+\) is already running/);
      server.child.kill('SIGHUP');
      await server.waitFor(/Upgrade rolled back/);
      await until(() => !alive(newMaster!), 'the new master to exit');
      assert.ok(!existsSync(`${pidfile}.2`), 'the new master removed its pid file');
      assert.equal(pidIn(pidfile), server.child.pid);
      for (let i = 0; i < 20; i++) assert.equal(await (await fetch(server.url)).text(), 'old');
    } finally {
      if (newMaster !== undefined && alive(newMaster)) process.kill(newMaster, 'SIGKILL');
      assert.equal(await server.stop(), 0);
    }
  });
});
