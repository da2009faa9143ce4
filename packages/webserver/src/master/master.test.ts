import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { Agent, createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpGet, runCli, spawnCli } from '../testing/helpers.js';
import { assertStaysQuiet, canConnect, freePort, tempDir, waitFor } from 'tsgi-test-support';

const get = async (port: number, path: string, agent: Agent | false = false): Promise<{ status: number; body: string }> => {
  const { status, body } = await httpGet(port, path, { agent });
  return { status, body };
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('master and workers: shared sockets, status over workers, HUP reload, crash restart, QUIT', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let slow: Server;
  /** Requests the slow upstream holds until `release()`: in flight for exactly as long as a test needs. */
  const held: ServerResponse[] = [];
  const release = (): void => {
    for (const res of held.splice(0)) res.end('slow done');
  };
  let port: number;
  let conf: string;
  let pidFile: string;
  let cli: ReturnType<typeof spawnCli>;

  const config = (generation: string) => `workers = 2
pid = "${pidFile}"
error_log_level = "info"
worker_shutdown_timeout = "20s"
[[server]]
listen = "127.0.0.1:${port}"
  [[server.location]]
  path = "/"
  return = "200 ${generation}"
  [[server.location]]
  path = "= /status"
  status = "stub"
  [[server.location]]
  path = "= /metrics"
  status = "prometheus"
  [[server.location]]
  path = "/slow"
  proxy_pass = "http://127.0.0.1:${(slow.address() as { port: number }).port}"
`;

  before(async () => {
    tmp = await tempDir();
    slow = createServer((_req, res) => held.push(res));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    port = await freePort();
    conf = join(tmp.dir, 'site.toml');
    pidFile = join(tmp.dir, 'web.pid');
    await writeFile(conf, config('generation-1'));
    cli = spawnCli(['-c', conf]);
    await waitFor(() => /listening on http:\/\/127\.0\.0\.1:/.test(cli.stderr()), { timeoutMs: 60_000, what: 'the master to listen' });
  });
  after(async () => {
    if (cli.child.exitCode === null) {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
    release();
    await new Promise((r) => slow.close(r));
    await tmp.cleanup();
  });

  it('writes the pid file and serves from two workers whose counters are summed', async () => {
    assert.equal(Number((await readFile(pidFile, 'utf8')).trim()), cli.child.pid);
    for (let i = 0; i < 20; i++) assert.equal((await get(port, '/')).body, 'generation-1');
    const stub = (await get(port, '/status')).body;
    const m = /^Active connections: (\d+) \nserver accepts handled requests\n (\d+) (\d+) (\d+) \nReading: (\d+) Writing: (\d+) Waiting: (\d+) \n$/.exec(stub);
    assert.ok(m, stub);
    assert.ok(Number(m[2]) >= 21 && Number(m[4]) >= 21, stub);
    assert.ok(Number(m[6]) >= 1, 'the status request itself is writing');
    const metrics = (await get(port, '/metrics')).body;
    assert.match(metrics, /^tsgi_webserver_workers 2$/m);
    assert.match(metrics, /^# TYPE tsgi_webserver_http_requests_total counter$/m);
    assert.match(metrics, /^tsgi_webserver_connections\{state="writing"\} \d+$/m);
    const workerPids = new Set([...cli.stderr().matchAll(/\] (\d+)#[12]: listening on/g)].map((x) => Number(x[1])));
    assert.equal(workerPids.size, 2, cli.stderr());
  });

  it('reloads on HUP without failing a request, finishing requests in flight on the old workers', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    let failures = 0;
    const reasons: string[] = [];
    let ok = 0;
    let sawNew = false;
    let running = true;
    const load = (async () => {
      while (running) {
        const results = await Promise.allSettled([get(port, '/', agent), get(port, '/', agent), get(port, '/'), get(port, '/')]);
        for (const r of results) {
          if (r.status === 'fulfilled' && r.value.status === 200) {
            ok++;
            if (r.value.body === 'generation-2') sawNew = true;
          } else {
            failures++;
            reasons.push(r.status === 'rejected' ? String((r.reason as Error).message) : `status ${r.value.status}`);
          }
        }
      }
    })();
    const inFlight = get(port, '/slow');
    await waitFor(() => held.length === 1, { what: 'the slow request to reach the upstream' });
    await writeFile(conf, config('generation-2'));
    cli.child.kill('SIGHUP');
    await waitFor(() => sawNew, { timeoutMs: 30_000, what: 'the new configuration to serve' });
    // The notice comes after the old workers were told to drain: /slow is now in flight on a
    // draining worker. Let it finish, with the load still running through the old workers' exit.
    await waitFor(() => /reloaded: generation 2/.test(cli.stderr()), { timeoutMs: 10_000, what: 'the reload notice' });
    release();
    const slowAnswer = await inFlight;
    running = false;
    await load;
    agent.destroy();
    assert.deepEqual(slowAnswer, { status: 200, body: 'slow done' });
    assert.equal(failures, 0, `${failures} failed of ${ok + failures}: ${reasons.join('; ')}`);
    assert.ok(ok > 10);
    // Totals survive the reload (the old workers' counts are kept), as in nginx.
    const stub = (await get(port, '/status')).body;
    const requests = Number(/\n \d+ \d+ (\d+) \n/.exec(stub)?.[1]);
    assert.ok(requests >= ok + 21, `requests ${requests} after ${ok} + 21 before`);
  });

  it('keeps serving the old configuration when the new one is bad, and says why', async () => {
    await writeFile(conf, config('generation-3').replace('path = "/"', 'path = "/"\n  rooot = "/x"'));
    cli.child.kill('SIGHUP');
    await waitFor(() => /reload failed, still serving the previous configuration: .*site\.toml:\d+: rooot: unknown key/.test(cli.stderr()), { timeoutMs: 10_000, what: 'the reload error' });
    assert.equal((await get(port, '/')).body, 'generation-2');
  });

  it('keeps serving the old configuration when the new workers cannot start', async () => {
    const blocker = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as { port: number }).port;
    try {
      await writeFile(conf, config('generation-4').replace(`listen = "127.0.0.1:${port}"`, `listen = ["127.0.0.1:${port}", "127.0.0.1:${busy}"]`));
      const before = cli.stderr().length;
      cli.child.kill('SIGHUP');
      await waitFor(() => /reload failed, still serving the previous configuration: .*cannot listen on 127\.0\.0\.1:\d+/.test(cli.stderr().slice(before)), { timeoutMs: 20_000, what: 'the failed start' });
      // A repair would follow the failed workers' exit within milliseconds; nothing announces
      // that it did not happen, so watch the log for a while.
      await assertStaysQuiet(1500, () => /exited unexpectedly/.test(cli.stderr().slice(before)), () => `repair of the failed generation ("exited unexpectedly"): ${cli.stderr().slice(before)}`);
      assert.equal((await get(port, '/')).body, 'generation-2');
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('replaces a worker that dies', async () => {
    const before = [...cli.stderr().matchAll(/\] (\d+)#\d: listening on/g)].map((x) => Number(x[1]));
    const victim = before.filter(alive).pop()!;
    process.kill(victim, 'SIGKILL');
    await waitFor(() => /exited unexpectedly/.test(cli.stderr()), { timeoutMs: 10_000, what: 'the master to notice' });
    await waitFor(() => {
      const now = [...cli.stderr().matchAll(/\] (\d+)#\d: listening on/g)].map((x) => Number(x[1]));
      return now.length > before.length || undefined;
    }, { timeoutMs: 20_000, what: 'a replacement worker' });
    for (let i = 0; i < 5; i++) assert.equal((await get(port, '/')).status, 200);
  });

  it('stops gracefully on QUIT (tsgi-webserver -s quit): requests in flight finish, the pid file goes', async () => {
    const pids = [...cli.stderr().matchAll(/\] (\d+)#\d: listening on/g)].map((x) => Number(x[1])).filter(alive);
    assert.equal(pids.length, 2, 'two workers, no leftover from the failed generation');
    const inFlight = get(port, '/slow');
    await waitFor(() => held.length === 1, { what: 'the slow request to reach the upstream' });
    await writeFile(conf, config('generation-2'));
    const signal = await runCli(['-s', 'quit', '-c', conf]);
    assert.equal(signal.code, 0, signal.stderr);
    // Draining workers close their listeners at once; /slow is still in flight: now let it finish.
    await waitFor(async () => !(await canConnect(port)), { what: 'the listeners to close on QUIT' });
    release();
    assert.deepEqual(await inFlight, { status: 200, body: 'slow done' });
    assert.equal(await cli.exited, 0);
    await assert.rejects(readFile(pidFile));
    await waitFor(() => pids.every((p) => !alive(p)), { timeoutMs: 10_000, what: 'every worker to exit' });
  });
});
