/**
 * `--preload` through real processes: the master imports the app before binding and forking,
 * reports an import error itself before any worker starts, runs module-level code first; HUP
 * restarts the workers without re-importing the app in the master.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnAppserver, startAppserver, tempProject } from './testing/spawn-appserver.js';

/** An app that notes each process importing it, and warms a cache file in the master only. */
const app = (version: string) => `import { appendFileSync, writeFileSync } from 'node:fs';
appendFileSync(process.env.IMPORTS!, (process.env.TSGI_APPSERVER_WORKER_ID === undefined ? 'master' : 'worker') + ' ${version}\\n');
if (process.env.TSGI_APPSERVER_WORKER_ID === undefined) writeFileSync(process.env.CACHE!, 'warm ${version}');
export const application = () => new Response('${version}');
`;

describe('--preload', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'broken.ts'), `export const application = () => new Response('x');\nthrow new Error('database unreachable at import');\n`);
  });
  after(() => project.remove());

  it('the master reports an import error before binding or starting a worker (exit 4)', async () => {
    const p = spawnAppserver(['-b', '127.0.0.1:0', '-w', '2', '--preload', 'broken.ts'], { cwd: project.dir });
    assert.equal(await p.exited(), 4, p.output());
    assert.match(p.output(), /\[CRITICAL\] The app failed to load in the master \(--preload\): cannot import broken\.ts: Error: database unreachable at import/);
    assert.doesNotMatch(p.output(), /Listening at|Booting worker/);
  });

  it('module-level code runs in the master before the workers; HUP restarts the workers, the master keeps its import', async () => {
    const imports = join(project.dir, 'imports.txt');
    const cache = join(project.dir, 'cache.txt');
    writeFileSync(join(project.dir, 'app.ts'), app('v1'));
    writeFileSync(imports, '');
    const server = await startAppserver(['-w', '2', '--preload', 'app.ts'], { cwd: project.dir, env: { IMPORTS: imports, CACHE: cache } });
    try {
      assert.match(server.output(), /Preloading the app in the master: app\.ts[^]*Preloaded \S+app\.ts:application, a TSGI app[^]*Starting tsgi-appserver[^]*Listening at[^]*Booting worker 1/);
      assert.deepEqual(readFileSync(imports, 'utf8').split('\n').filter(Boolean), ['master v1', 'worker v1', 'worker v1']);
      assert.equal(readFileSync(cache, 'utf8'), 'warm v1');
      assert.equal(await (await fetch(server.url)).text(), 'v1');

      writeFileSync(join(project.dir, 'app.ts'), app('v2'));
      server.child.kill('SIGHUP');
      await server.waitFor(/Reload done: stopping 2 old worker/);
      // The new workers are new processes: they import the file as it is now. The master does not
      // import it again, so its once-only code (the cache) does not run again.
      assert.deepEqual(readFileSync(imports, 'utf8').split('\n').filter(Boolean), ['master v1', 'worker v1', 'worker v1', 'worker v2', 'worker v2']);
      assert.equal(readFileSync(cache, 'utf8'), 'warm v1');
      // A kept-alive connection may still reach an old worker while it drains: poll for the new code.
      let body = '';
      for (const deadline = Date.now() + 15_000; body !== 'v2' && Date.now() < deadline; ) {
        body = await (await fetch(server.url, { headers: { connection: 'close' } })).text();
        if (body !== 'v2') await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(body, 'v2');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
