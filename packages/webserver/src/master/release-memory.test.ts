/**
 * worker_release_memory_after in a real worker: it runs a full GC once idle, and again after its
 * next request (the poll's rules are tested in tsgi-idle-memory).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { httpGet, spawnCli } from '../testing/helpers.js';
import { freePort, tempDir, waitFor } from 'tsgi-test-support';

describe('worker_release_memory_after', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let port: number;
  let cli: ReturnType<typeof spawnCli>;

  before(async () => {
    tmp = await tempDir();
    port = await freePort();
    const conf = join(tmp.dir, 'site.toml');
    await writeFile(
      conf,
      `workers = 1\nerror_log_level = "debug"\nworker_release_memory_after = "1s"\n[[server]]\nlisten = "127.0.0.1:${port}"\n  [[server.location]]\n  path = "/"\n  return = "200 ok"\n`,
    );
    cli = spawnCli(['-c', conf]);
    await waitFor(() => /listening on http:\/\/127\.0\.0\.1:/.test(cli.stderr()), { timeoutMs: 60_000, what: 'the master to listen' });
  });
  after(async () => {
    if (cli.child.exitCode === null) {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
    await tmp.cleanup();
  });

  it('an idle worker runs a full GC, and again after its next request', { timeout: 60_000 }, async () => {
    const released = /\[debug\][^\n]*idle: released memory with a full GC in [\d.]+ ms \(V8 heap [\d.]+ -> [\d.]+ MB\)/g;
    const count = () => cli.stderr().match(released)?.length ?? 0;
    assert.equal((await httpGet(port, '/')).status, 200);
    await waitFor(() => count() > 0, { timeoutMs: 15_000, what: 'a release once idle' });
    const first = count();
    assert.equal((await httpGet(port, '/')).status, 200);
    await waitFor(() => count() > first, { timeoutMs: 15_000, what: 'a release after the next request' });
    assert.doesNotMatch(cli.stderr(), /worker_release_memory_after is off/);
  });
});
