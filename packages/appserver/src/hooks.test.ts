/**
 * The config file's server hooks through real processes: every Gunicorn moment we serve calls
 * its hook in the right process (master or worker) with the right arguments, and a hook that
 * throws is logged without taking anything down.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from 'tsgi-test-support';
import { spawnAppserver, startAppserver, tempProject } from './testing/spawn-appserver.js';

const APP = `export const application = (request: Request) => new Response('hello ' + new URL(request.url).pathname);\n`;

/** A config whose every hook appends `<name> <master|worker> <details>` to HOOK_LOG. */
const RECORDING_CONFIG = `import { appendFileSync } from 'node:fs';
const masterPid = process.env.TSGI_APPSERVER_WORKER_ID === undefined ? process.pid : -1;
const note = (name: string, ...details: unknown[]) =>
  appendFileSync(process.env.HOOK_LOG!, [name, process.pid === masterPid ? 'master' : 'worker', ...details].join(' ') + '\\n');
export default {
  workers: 1,
  onStarting: (server: { pid: number; listeners: string[] }) => note('onStarting', server.pid === process.pid, server.listeners.length),
  onReload: () => note('onReload'),
  whenReady: (server: { listeners: string[] }) => note('whenReady', server.listeners.length),
  preFork: (_server: unknown, worker: { id: number; pid: number }) => note('preFork', worker.id, worker.pid),
  postFork: (_server: unknown, worker: { id: number; pid: number }) => note('postFork', worker.id, worker.pid === process.pid),
  postWorkerInit: (worker: { id: number }) => note('postWorkerInit', worker.id),
  workerInt: (worker: { id: number }) => note('workerInt', worker.id),
  workerAbort: (_server: unknown, worker: { id: number }) => note('workerAbort', worker.id),
  preRequest: (worker: { id: number }, req: { url: string }) => note('preRequest', worker.id, req.url),
  postRequest: (worker: { id: number }, req: { url: string }, res: { statusCode: number }) => note('postRequest', worker.id, req.url, res.statusCode),
  childExit: (_server: unknown, worker: { id: number }) => note('childExit', worker.id),
  workerExit: (_server: unknown, worker: { id: number }) => note('workerExit', worker.id),
  nworkersChanged: (_server: unknown, newValue: number, oldValue: number) => note('nworkersChanged', newValue, oldValue),
  preExec: () => note('preExec'),
  onExit: () => note('onExit'),
};
`;

/** Waits until `file` has a line starting with `prefix` (hooks run asynchronously to the test); returns every line. */
function waitForLine(file: string, prefix: string): Promise<string[]> {
  const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);
  return waitFor(() => lines().some((l) => l.startsWith(prefix)) && lines(), { timeoutMs: 60_000, what: () => `a line "${prefix}..." in ${file}; got:\n${lines().join('\n')}` });
}

describe('server hooks', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.ts'), APP);
  });
  after(() => project.remove());

  it('each hook runs at its moment, in the master or the worker, with its arguments', async () => {
    const log = join(project.dir, 'hooks.log');
    writeFileSync(join(project.dir, 'recording.config.ts'), RECORDING_CONFIG);
    const server = await startAppserver(['-c', 'recording.config.ts', 'app.ts'], { cwd: project.dir, env: { HOOK_LOG: log } });
    const res = await fetch(`${server.url}/one`);
    assert.equal(await res.text(), 'hello /one');
    await waitForLine(log, 'postRequest');
    server.child.kill('SIGTTIN');
    await waitForLine(log, 'postWorkerInit worker 2');
    server.child.kill('SIGHUP');
    await waitForLine(log, 'childExit master 2');
    // INT reaches every process of a terminal's group; a worker notes it and goes on serving.
    const pid = Number((await server.waitFor(/Booting worker 3 with pid: (\d+)/))[1]);
    process.kill(pid, 'SIGINT');
    await waitForLine(log, 'workerInt worker 3');
    assert.equal((await fetch(`${server.url}/after-int`)).status, 200);
    assert.equal(await server.stop('SIGTERM'), 0);
    const lines = await waitForLine(log, 'onExit');
    const first = (prefix: string) => lines.find((l) => l.startsWith(prefix));

    assert.equal(first('onStarting'), 'onStarting master true 0', 'onStarting: in the master, before binding');
    assert.equal(first('preFork'), 'preFork master 1 0', 'preFork: in the master, before the worker exists');
    assert.equal(first('postFork'), 'postFork worker 1 true', 'postFork: in the worker itself');
    assert.equal(first('postWorkerInit'), 'postWorkerInit worker 1');
    assert.equal(first('whenReady'), 'whenReady master 1');
    assert.equal(first('preRequest'), 'preRequest worker 1 /one');
    assert.equal(first('postRequest'), 'postRequest worker 1 /one 200');
    assert.equal(first('nworkersChanged'), 'nworkersChanged master 2 1', 'TTIN: 1 -> 2');
    assert.equal(first('onReload'), 'onReload master');
    assert.ok(lines.includes('workerExit worker 1'), 'the old worker ran workerExit on its graceful stop');
    assert.ok(lines.includes('childExit master 1'), 'the master heard worker 1 exit');
    assert.equal(lines.at(-1), 'onExit master', 'onExit is last');
    const order = ['onStarting', 'preFork', 'postFork', 'postWorkerInit', 'whenReady', 'preRequest', 'postRequest'].map((n) => lines.findIndex((l) => l.startsWith(n)));
    assert.deepEqual([...order].sort((a, b) => a - b), order, `moments in order:\n${lines.join('\n')}`);
  });

  it('a hook that throws or rejects is logged by name and the server runs on', async () => {
    writeFileSync(
      join(project.dir, 'throwing.config.ts'),
      `export default {
  onStarting: () => { throw new Error('onStarting broke'); },
  whenReady: async () => { throw new Error('whenReady broke'); },
  preFork: () => { throw new Error('preFork broke'); },
  postFork: () => { throw new Error('postFork broke'); },
  preRequest: () => { throw new Error('preRequest broke'); },
  postRequest: async () => { throw new Error('postRequest broke'); },
  onExit: () => { throw new Error('onExit broke'); },
};
`,
    );
    const server = await startAppserver(['-c', 'throwing.config.ts', 'app.ts'], { cwd: project.dir });
    const res = await fetch(`${server.url}/two`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello /two');
    await server.waitFor(/postRequest hook failed: Error: postRequest broke/);
    assert.equal(await server.stop('SIGTERM'), 0);
    const out = server.output();
    for (const name of ['onStarting', 'whenReady', 'preFork', 'postFork', 'preRequest', 'postRequest', 'onExit']) {
      assert.match(out, new RegExp(`${name} hook failed: Error: ${name} broke`), `${name}'s failure is logged`);
    }
  });

  it('a TERM while the master is still starting stops it cleanly once started: exit 0, pid file removed', async () => {
    const gate = join(project.dir, 'starting.gate');
    const pidfile = join(project.dir, 'starting.pid');
    writeFileSync(
      join(project.dir, 'slow-start.config.ts'),
      `import { existsSync } from 'node:fs';
export default {
  // Holds the start (after the pid file, before binding) until the test opens the gate.
  onStarting: async () => { for (let i = 0; i < 600 && !existsSync(${JSON.stringify(gate)}); i++) await new Promise((r) => setTimeout(r, 50)); },
};
`,
    );
    const server = spawnAppserver(['-b', '127.0.0.1:0', '-c', 'slow-start.config.ts', '--pid', pidfile, 'app.ts'], { cwd: project.dir });
    try {
      await waitFor(() => existsSync(pidfile), { timeoutMs: 60_000, what: 'the pid file' });
      server.child.kill('SIGTERM');
      writeFileSync(gate, '');
      assert.equal(await server.exited(60_000), 0, server.output());
      assert.ok(!existsSync(pidfile), 'the pid file is removed');
    } finally {
      if (server.child.exitCode === null) await server.stop('SIGKILL');
    }
  });

  it('a config file with only master hooks is not imported by the workers', async () => {
    const log = join(project.dir, 'master-only.log');
    writeFileSync(
      join(project.dir, 'master-only.config.ts'),
      `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.HOOK_LOG!, 'imported ' + (process.env.TSGI_APPSERVER_WORKER_ID ?? 'master') + '\\n');
export default { whenReady: () => appendFileSync(process.env.HOOK_LOG!, 'ready\\n') };
`,
    );
    const server = await startAppserver(['-c', 'master-only.config.ts', '-w', '2', 'app.ts'], { cwd: project.dir, env: { HOOK_LOG: log } });
    await waitForLine(log, 'ready');
    assert.equal((await fetch(server.url)).status, 200);
    assert.equal(await server.stop('SIGTERM'), 0);
    const imports = readFileSync(log, 'utf8').trim().split('\n').filter((l) => l.startsWith('imported'));
    assert.deepEqual(imports, ['imported master'], 'only the master imported the config file');
  });
});
