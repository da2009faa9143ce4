import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfigText } from './config/load.js';
import { fileServerConfig, reverseProxyConfig } from './quick-forms.js';
import { freePort, runCli, spawnCli, tempDir, waitFor } from './testing/helpers.js';

function get(port: number, path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    })
      .on('error', reject)
      .end();
  });
}

describe('quick forms', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  const upstreams: Server[] = [];
  before(async () => {
    tmp = await tempDir();
    await mkdir(join(tmp.dir, 'pub', 'sub'), { recursive: true });
    await writeFile(join(tmp.dir, 'pub', 'hello.txt'), 'hello file\n');
    await writeFile(join(tmp.dir, 'pub', 'sub', 'x.txt'), 'x\n');
    for (const id of ['A', 'B']) {
      const s = createServer((req, res) => res.end(`app ${id} ${req.url} ${req.headers['x-forwarded-for'] ?? ''}`));
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
      upstreams.push(s);
    }
  });
  after(async () => {
    for (const s of upstreams) await new Promise((r) => s.close(r));
    await tmp.cleanup();
  });

  it('file-server serves a directory, lists it with --browse, logs to stdout when asked', async () => {
    const port = await freePort();
    const cli = spawnCli(['file-server', '--listen', `127.0.0.1:${port}`, '--root', join(tmp.dir, 'pub'), '--browse', '--access-log', 'stdout']);
    try {
      await waitFor(() => /listening on/.test(cli.stderr()) || undefined, 20_000, 'the file server');
      const r = await get(port, '/hello.txt');
      assert.equal(r.status, 200);
      assert.equal(r.body, 'hello file\n');
      const listing = await get(port, '/sub/');
      assert.equal(listing.status, 200);
      assert.match(listing.body, /x\.txt/);
      await waitFor(() => /"GET \/hello\.txt HTTP\/1\.1" 200 11 /.test(cli.stdout()) || undefined, 5000, 'the access log line');
    } finally {
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0);
    }
  });

  it('reverse-proxy balances over --to servers and serves --static from a directory', async () => {
    const port = await freePort();
    const to = upstreams.map((s) => `127.0.0.1:${(s.address() as { port: number }).port}`);
    const cli = spawnCli(['reverse-proxy', '--listen', `127.0.0.1:${port}`, '--to', to[0]!, '--to', to[1]!, '--static', `/static/=${join(tmp.dir, 'pub')}`, '--access-log', 'off']);
    try {
      await waitFor(() => /listening on/.test(cli.stderr()) || undefined, 20_000, 'the proxy');
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const r = await get(port, '/api/x?y=1');
        assert.equal(r.status, 200);
        assert.match(r.body, /^app [AB] \/api\/x\?y=1 127\.0\.0\.1$/);
        seen.add(r.body.slice(4, 5));
      }
      assert.deepEqual([...seen].sort(), ['A', 'B']);
      const file = await get(port, '/static/hello.txt');
      assert.equal(file.body, 'hello file\n');
    } finally {
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0);
    }
  });

  it('produce configs the normal loader accepts', () => {
    const fs = parseConfigText(fileServerConfig(['--listen', '127.0.0.1:8080', '--root', '/srv', '--workers', '2']), '<file-server>');
    assert.equal(fs.workers, 2);
    assert.equal(fs.masterProcess, true);
    assert.equal(fs.servers[0]!.locations[0]!.static?.root, '/srv');
    const rp = parseConfigText(reverseProxyConfig(['--to', '10.0.0.1:8000', '--to', '10.0.0.2:8000']), '<reverse-proxy>');
    assert.deepEqual(rp.upstreams.get('app')!.servers.map((s) => s.name), ['10.0.0.1:8000', '10.0.0.2:8000']);
    assert.equal(rp.servers[0]!.listen[0]!.key, '127.0.0.1:8080');
  });

  it('answers usage mistakes with exit code 2 and the usage', async () => {
    const r = await runCli(['file-server', '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--root is required/);
    assert.match(r.stderr, /usage:/);
    const p = await runCli(['reverse-proxy', '--to']);
    assert.equal(p.code, 2);
    assert.match(p.stderr, /--to needs a value/);
  });
});
