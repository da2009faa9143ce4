import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnAppserver, startAppserver, tempProject } from './testing/spawn-appserver.js';

describe('tsgi-appserver command', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(
      join(project.dir, 'app.ts'),
      `import type { TsgiAppObject } from 'tsgi';
export const application: TsgiAppObject = {
  startup: () => ({ greeting: 'hello' }),
  fetch: (request, context) => new Response(\`\${String(context.state.greeting)} from worker \${context.worker.id} pid \${process.pid}\`),
};
`,
    );
    writeFileSync(join(project.dir, 'broken.ts'), `throw new Error('database unreachable at import');\n`);
    writeFileSync(join(project.dir, 'bad-startup.ts'), `export default { fetch: () => new Response('x'), startup() { throw new Error('startup says no'); } };\n`);
    writeFileSync(join(project.dir, 'not-an-app.ts'), `export const application = 42;\n`);
  });
  after(() => project.remove());

  it('--help prints the options and exits 0', async () => {
    const p = spawnAppserver(['--help']);
    assert.equal(await p.exited(), 0);
    assert.match(p.stdout(), /^Usage: tsgi-appserver \[OPTIONS\] APP/);
    assert.match(p.stdout(), /--limit-request-field-size BYTES/);
  });

  it('--print-config prints effective settings from every source', async () => {
    const p = spawnAppserver(['--print-config', '-w', '3', 'app.ts'], { cwd: project.dir, env: { TSGI_APPSERVER_ARGS: '--keep-alive 11' } });
    assert.equal(await p.exited(), 0);
    assert.match(p.stdout(), /^workers\s+= 3$/m);
    assert.match(p.stdout(), /^keepAlive\s+= 11$/m);
    assert.match(p.stdout(), /^app\s+= "app.ts"$/m);
  });

  it('a bad option exits 2 naming the option, the value and what is allowed', async () => {
    const p = spawnAppserver(['--workers', 'x', 'app.ts']);
    assert.equal(await p.exited(), 2);
    assert.match(p.output(), /--workers: got "x"; expected an integer from 1 to 1024/);
  });

  it('no APP exits 2 with the usage', async () => {
    const p = spawnAppserver([], { cwd: project.dir });
    assert.equal(await p.exited(), 2);
    assert.match(p.output(), /no APP given/);
  });

  it('--check-config loads the app and says what it is', async () => {
    const ok = spawnAppserver(['--check-config', 'app.ts'], { cwd: project.dir });
    assert.equal(await ok.exited(), 0);
    assert.match(ok.stdout(), /Config OK; app .*app\.ts:application is a TSGI app/);
    const bad = spawnAppserver(['--check-config', 'not-an-app.ts'], { cwd: project.dir });
    assert.equal(await bad.exited(), 4);
    assert.match(bad.output(), /not-an-app\.ts:application: expected a TSGI app .* found number 42/);
  });

  it('a worker that cannot import the app stops the server at once with the error (exit 4)', async () => {
    const started = Date.now();
    const p = spawnAppserver(['-b', '127.0.0.1:0', '-w', '2', 'broken.ts'], { cwd: project.dir });
    assert.equal(await p.exited(20_000), 4);
    assert.match(p.output(), /database unreachable at import/);
    assert.match(p.output(), /Reason: App failed to load/);
    assert.equal((p.output().match(/Booting worker/g) ?? []).length, 2, 'no respawn loop');
    assert.ok(Date.now() - started < 20_000);
  });

  it('a startup hook that throws stops the server (exit 3)', async () => {
    const p = spawnAppserver(['-b', '127.0.0.1:0', 'bad-startup.ts'], { cwd: project.dir });
    assert.equal(await p.exited(20_000), 3);
    assert.match(p.output(), /startup says no/);
  });

  it('serves with 2 workers, replaces a killed worker, stops gracefully on TERM', async () => {
    const p = await startAppserver(['-w', '2', 'app.ts'], { cwd: project.dir });
    try {
      const res = await fetch(p.url);
      assert.equal(res.status, 200);
      const body = await res.text();
      assert.match(body, /^hello from worker [12] pid \d+$/);
      const pids = [...p.output().matchAll(/Booting worker \d+ with pid: (\d+)/g)].map((m) => Number(m[1]));
      assert.equal(pids.length, 2);
      process.kill(pids[0]!, 'SIGKILL');
      await p.waitFor(/Worker \d+ \(pid: \d+\) died unexpectedly \(signal SIGKILL\)/);
      await p.waitFor(/Booting worker 3 with pid/);
      await p.waitFor(/Worker 3 \(pid: \d+\) ready/);
      for (let i = 0; i < 10; i++) {
        const r = await fetch(p.url, { headers: { connection: 'close' } });
        assert.equal(r.status, 200);
        assert.doesNotMatch(await r.text(), new RegExp(`pid ${pids[0]}$`));
      }
    } finally {
      assert.equal(await p.stop('SIGTERM'), 0);
    }
    assert.match(p.output(), /Handling signal: term/);
  });
});
