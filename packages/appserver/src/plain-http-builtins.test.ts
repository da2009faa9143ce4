// A tsgi-appserver master serving plain HTTP loads neither node:tls, node:https nor node:http2:
// on Node 24 node:tls costs +5 MB of RSS a process (+11 with node:http2; bench/README.md, idle
// memory). http-server.ts takes node:https only with --certfile. A worker loads them anyway
// today: tsgi's Response classes load node's bundled undici, which loads both.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { builtinsProbeEnv, probeReports } from 'tsgi-test-support';
import { startAppserver, tempProject } from './testing/spawn-appserver.js';

const nodeApp = `export const application = (req, res) => { res.end(req.socket.encrypted ? 'tls' : 'plain'); };\n`;

describe('which of node:tls, node:https and node:http2 the processes load', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.mjs'), nodeApp);
  });
  after(() => project.remove());

  /** Serves one request with the probe in every process, stops, and returns each process's report. */
  async function loadedBy(name: string, args: readonly string[], get: (url: string) => Promise<string>, expected: string) {
    const dir = join(project.dir, name);
    mkdirSync(dir);
    const p = await startAppserver(['-w', '1', '--interface', 'node', ...args, 'app.mjs'], { cwd: project.dir, env: builtinsProbeEnv(dir) });
    try {
      assert.equal(await get(p.url), expected);
    } finally {
      assert.equal(await p.stop(), 0, p.output());
    }
    const reports = probeReports(dir);
    assert.equal(reports.length, 2, `a report from the master and the worker: ${JSON.stringify(reports)}\n${p.output()}`);
    return reports;
  }

  it('over plain HTTP the master loads none of them, before or after a request', async () => {
    const reports = await loadedBy('plain', [], async (url) => (await fetch(url)).text(), 'plain');
    const master = reports.filter((r) => !r.argv.some((a) => /worker-main/.test(a)));
    assert.equal(master.length, 1, JSON.stringify(reports));
    assert.deepEqual(master[0]!.loaded, [], JSON.stringify(master[0]));
  });

  it('with --certfile the worker loads node:tls and node:https (the probe sees them)', async () => {
    const cert = join(project.dir, 'cert.pem');
    const key = join(project.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const get = (url: string) => Promise.resolve(execFileSync('curl', ['-sk', url], { encoding: 'utf8', timeout: 15_000 }));
    const reports = await loadedBy('tls', ['--certfile', cert, '--keyfile', key], get, 'tls');
    const worker = reports.find((r) => r.loaded.includes('https'));
    assert.ok(worker, JSON.stringify(reports));
    assert.ok(worker.loaded.includes('tls'), JSON.stringify(worker));
  });
});
