import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpGet, spawnCli } from '../testing/helpers.js';
import { freePort, tempDir, waitFor } from 'tsgi-test-support';

/** The first CPU this process may run on (Linux: /proc/self/status), so the pin stays inside any mask the tests run under. */
function firstAllowedCpu(): string {
  const line = /^Cpus_allowed_list:\s*(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
  assert.ok(line, 'Cpus_allowed_list in /proc/self/status');
  return line[1]!;
}

// `workers = "auto"` is one worker per core the server may run on: libuv's
// uv_available_parallelism (os.availableParallelism()) reads sched_getaffinity on Linux, so a
// server started under `taskset` or in a cpuset gets as many workers as it has cores, not as
// many as the machine has (two workers on one core halved the static row in the bench).
describe('workers = "auto" follows the CPU affinity mask', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let cli: ReturnType<typeof spawnCli>;
  let port: number;

  before(async () => {
    const taskset = spawnSync('taskset', ['-c', firstAllowedCpu(), 'true']);
    assert.equal(taskset.status, 0, `taskset (Debian package util-linux) must run: ${String(taskset.error ?? taskset.stderr)}`);
    tmp = await tempDir();
    port = await freePort();
    const conf = join(tmp.dir, 'site.toml');
    await writeFile(
      conf,
      `workers = "auto"\npid = "${join(tmp.dir, 'web.pid')}"\n[[server]]\nlisten = "127.0.0.1:${port}"\n  [[server.location]]\n  path = "/metrics"\n  status = "prometheus"\n`,
    );
    cli = spawnCli(['-c', conf], undefined, ['taskset', '-c', firstAllowedCpu()]);
    await waitFor(() => /listening on http:\/\/127\.0\.0\.1:/.test(cli.stderr()), { timeoutMs: 60_000, what: 'the master to listen' });
  });
  after(async () => {
    if (cli?.child.exitCode === null) {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
    await tmp?.cleanup();
  });

  it('starts one worker when pinned to one core', async () => {
    const metrics = (await httpGet(port, '/metrics')).body;
    assert.match(metrics, /^tsgi_webserver_workers 1$/m, metrics);
    assert.match(cli.stderr(), /\[notice\] \d+#0: started 1 worker\(s\)/, cli.stderr());
  });

});
