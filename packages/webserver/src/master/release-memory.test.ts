/**
 * worker_release_memory_after in a real worker: it runs a full GC once idle, and again after its
 * next request (the poll's rules are tested in tsgi-idle-memory).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { httpGet, spawnCli } from '../testing/helpers.js';
import { freePort, tempDir, waitFor } from 'tsgi-test-support';

const RELEASED = /\[debug\][^\n]*idle: released memory with a full GC in [\d.]+ ms \(V8 heap [\d.]+ -> [\d.]+ MB\)/g;

it('worker_release_memory_after: an idle worker runs a full GC, and again after its next request', { timeout: 90_000 }, async () => {
  const tmp = await tempDir();
  const port = await freePort();
  const conf = join(tmp.dir, 'site.toml');
  await writeFile(conf, `workers = 1\nerror_log_level = "debug"\nworker_release_memory_after = "1s"\n[[server]]\nlisten = "127.0.0.1:${port}"\n  [[server.location]]\n  path = "/"\n  return = "200 ok"\n`);
  const cli = spawnCli(['-c', conf]);
  const releases = () => cli.stderr().match(RELEASED)?.length ?? 0;
  try {
    await waitFor(() => /listening on http:\/\/127\.0\.0\.1:/.test(cli.stderr()), { timeoutMs: 60_000, what: 'the master to listen' });
    assert.equal((await httpGet(port, '/')).status, 200);
    await waitFor(() => releases() > 0, { timeoutMs: 15_000, what: () => `a release once idle; stderr:\n${cli.stderr()}` });
    const first = releases();
    assert.equal((await httpGet(port, '/')).status, 200);
    await waitFor(() => releases() > first, { timeoutMs: 15_000, what: () => `a release after the next request; stderr:\n${cli.stderr()}` });
    assert.doesNotMatch(cli.stderr(), /worker_release_memory_after is off/);
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited;
    await tmp.cleanup();
  }
});
