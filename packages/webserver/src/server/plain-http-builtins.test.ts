// A tsgi-webserver serving plain HTTP loads neither node:tls, node:https nor node:http2, in its
// master or its workers: on Node 24 node:http2 costs +11 MB of RSS a process and node:tls +5
// (bench/README.md, idle memory). They are loaded where a TLS or HTTP/2 listener is set up
// (listeners.ts, responses.ts, tls-setup.ts); the lint rule in eslint.config.js keeps imports out.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { builtinsProbeEnv, freePort, probeReports, tempDir, waitFor } from 'tsgi-test-support';
import { makeCert } from '../testing/certs.js';
import { httpGet, spawnCli } from '../testing/helpers.js';
import { tlsRequest } from '../testing/tls-client.js';

/** Runs the CLI with the probe until `serve` is done, stops it, and returns each process's report. */
async function loadedBy(dir: string, args: readonly string[], serve: () => Promise<void>) {
  const cli = spawnCli(args, undefined, [], builtinsProbeEnv(dir));
  try {
    await waitFor(() => /started 1 worker\(s\)/.test(cli.stderr()), { timeoutMs: 60_000, what: `the master to start its worker; stderr:\n${cli.stderr()}` });
    await serve();
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited;
  }
  const reports = probeReports(dir);
  assert.equal(reports.length, 2, `a report from the master and the worker: ${JSON.stringify(reports)}\n${cli.stderr()}`);
  return reports;
}

describe('which of node:tls, node:https and node:http2 the processes load', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    tmp = await tempDir();
    await writeFile(join(tmp.dir, 'a.txt'), 'hello');
  });
  after(() => tmp?.cleanup());

  it('file-server over plain HTTP: none of them, in the master or the worker, before or after a request', async () => {
    const dir = join(tmp.dir, 'plain');
    await mkdir(dir);
    const port = await freePort();
    const reports = await loadedBy(dir, ['file-server', '--listen', `127.0.0.1:${port}`, '--root', tmp.dir, '--workers', '1'], async () => {
      const reply = await httpGet(port, '/a.txt');
      assert.equal(reply.status, 200);
    });
    for (const r of reports) assert.deepEqual(r.loaded, [], `pid ${r.pid} (${r.argv.join(' ')})`);
  });

  it('with an HTTP/2 TLS listener the worker loads node:tls and node:http2 (the probe sees them)', async () => {
    const dir = join(tmp.dir, 'tls');
    await mkdir(dir);
    const { cert, key } = await makeCert(tmp.dir, 'localhost');
    const port = await freePort();
    const conf = join(tmp.dir, 'tls.toml');
    await writeFile(
      conf,
      `workers = 1\npid = "${join(tmp.dir, 'web.pid')}"\n[[server]]\nlisten = "127.0.0.1:${port} ssl http2"\nssl_certificate = "${cert}"\nssl_certificate_key = "${key}"\nroot = "${tmp.dir}"\n`,
    );
    const reports = await loadedBy(dir, ['-c', conf], async () => {
      const reply = await tlsRequest(port, { servername: 'localhost', path: '/a.txt' });
      assert.equal(reply.body, 'hello');
    });
    const worker = reports.find((r) => r.loaded.includes('http2'));
    assert.ok(worker, JSON.stringify(reports));
    assert.ok(worker.loaded.includes('tls'), JSON.stringify(worker));
  });
});
