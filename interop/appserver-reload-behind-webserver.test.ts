/**
 * HUP of tsgi-appserver behind tsgi-webserver, under POSTs: tsgi-webserver (the quick form
 * `reverse-proxy`) in front of `tsgi-appserver -w 2`, 20 keep-alive client connections sending
 * small POSTs through it for at least 3 s, the app edited and the appserver sent HUP mid-load.
 * A POST is not idempotent, so the proxy may not simply repeat one that failed upstream: every
 * status is counted, and there must be no failure and no 502, and the new code answers at the end.
 * (The same reload on a direct connection: packages/appserver/src/graceful-stop.test.ts.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canConnect, freePort, waitFor } from 'tsgi-test-support';
import { keepAliveLoad } from '../packages/appserver/src/keep-alive-load.test.util.js';
import { startAppserver, tempProject, type AppserverProcess } from '../packages/appserver/src/testing/spawn-appserver.js';
import { REPO_ROOT } from './support/servers.js';

/** How long the load runs at least (spans the whole reload). */
const LOAD_MS = 3000;

/** The POST body each request carries; the app reads it all and checks its length. */
const BODY = 'name=tsgi&payload=' + 'x'.repeat(200);

const app = (version: string) => `export const application = async (request: Request) => {
  const body = await request.text();
  if (request.method !== 'POST' || body.length !== ${BODY.length}) return new Response('bad request', { status: 400 });
  return new Response('${version}');
};
`;

describe('tsgi-webserver -> tsgi-appserver: HUP under POST load', () => {
  let project: ReturnType<typeof tempProject>;
  let appserver: (AppserverProcess & { url: string }) | undefined;
  let webserver: ReturnType<typeof spawn> | undefined;
  let webOutput = '';
  let port: number;

  before(async () => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.ts'), app('one'));
    appserver = await startAppserver(['-w', '2', 'app.ts'], { cwd: project.dir });
    port = await freePort();
    const to = new URL(appserver.url).host;
    const cli = join(REPO_ROOT, 'packages/webserver/src/testing/run-cli.ts');
    webserver = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', cli, 'reverse-proxy', '--listen', `127.0.0.1:${port}`, '--to', to], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    webserver.stdout!.on('data', (c: Buffer) => (webOutput += c.toString()));
    webserver.stderr!.on('data', (c: Buffer) => (webOutput += c.toString()));
    await waitFor(async () => webserver!.exitCode !== null || (await canConnect(port)), { timeoutMs: 30_000, what: () => `tsgi-webserver to listen; output:\n${webOutput}` });
    assert.equal(webserver.exitCode, null, `tsgi-webserver exited; output:\n${webOutput}`);
  });

  after(async () => {
    if (webserver !== undefined && webserver.exitCode === null) {
      const exited = new Promise((resolve) => webserver!.once('exit', resolve));
      webserver.kill('SIGTERM');
      await exited;
    }
    if (appserver !== undefined) assert.equal(await appserver.stop(), 0);
    project?.remove();
  });

  it('20 keep-alive connections of POSTs, HUP mid-load: 0 failed, 0 502s, the new code answers', async (t) => {
    const server = appserver!;
    const started = Date.now();
    const load = keepAliveLoad(`http://127.0.0.1:${port}`, { connections: 20, method: 'POST', body: BODY });
    try {
      await load.until((c) => c.ok >= 200);
      writeFileSync(join(project.dir, 'app.ts'), app('two'));
      server.child.kill('SIGHUP');
      await server.waitFor(/Reload done: stopping 2 old worker\(s\)/);
      await waitFor(() => (server.output().match(/Worker [12] \(pid: \d+\) stopped/g) ?? []).length >= 2, { timeoutMs: 30_000, what: () => `both old workers to stop; output:\n${server.output()}` });
      await load.until((c) => (c.bodies.get('two') ?? 0) >= 200 && Date.now() - started >= LOAD_MS);
    } finally {
      await load.stop();
    }
    const counts = load.counts;
    t.diagnostic(`${Date.now() - started} ms: ${counts.ok} ok (${counts.bodies.get('one') ?? 0} one, ${counts.bodies.get('two') ?? 0} two), ${counts.failed} failed ${JSON.stringify(counts.failures)}`);
    const why = `counts ${JSON.stringify({ ...counts, bodies: [...counts.bodies] })}\nappserver:\n${server.output()}\nwebserver:\n${webOutput}`;
    assert.deepEqual(counts.failures, {}, why);
    assert.equal(counts.failed, 0, why);
    assert.equal(counts.failures['502'], undefined, why);
    assert.ok((counts.bodies.get('one') ?? 0) >= 200, 'the old code answered before the reload');
    assert.deepEqual([...counts.bodies.keys()].sort(), ['one', 'two'], why);
    assert.deepEqual(new Set(counts.lastByLoop), new Set(['two']), 'every connection ends on the new code');
    assert.equal(counts.ok, [...counts.bodies.values()].reduce((a, b) => a + b, 0));
  });
});
