/**
 * --release-memory-after in a real worker: it runs a full GC once idle, and again after its next
 * request (the poll's rules are tested in tsgi-idle-memory).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from 'tsgi-test-support';
import { startAppserver, tempProject } from './testing/spawn-appserver.js';

describe('--release-memory-after in a worker', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.ts'), 'export const application = () => new Response(String(process.pid));\n');
  });
  after(() => project.remove());

  it('an idle worker runs a full GC, and again after its next request', { timeout: 60_000 }, async () => {
    const server = await startAppserver(['-w', '1', '--release-memory-after', '1', '--log-level', 'debug', 'app.ts'], { cwd: project.dir });
    try {
      const released = (pid: string, flags = '') => new RegExp(`\\[${pid}\\] \\[DEBUG\\] idle: released memory with a full GC in [\\d.]+ ms \\(V8 heap [\\d.]+ -> [\\d.]+ MB\\)`, flags);
      const pid = await (await fetch(server.url)).text();
      await server.waitFor(released(pid), 15_000);
      const count = () => server.output().match(released(pid, 'g'))?.length ?? 0;
      const first = count();
      const res = await fetch(server.url, { headers: { connection: 'close' } });
      assert.equal(await res.text(), pid);
      await waitFor(() => count() > first, { timeoutMs: 15_000, what: () => `a release after the next request; output:\n${server.output()}` });
      assert.doesNotMatch(server.output(), /--release-memory-after is off/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
