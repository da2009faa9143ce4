import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfigText } from './config/load.js';
import { fileServerConfig, reverseProxyConfig } from './quick-forms.js';
import { httpGet, runCli, spawnCli } from './testing/helpers.js';
import { freePort, tempDir, waitFor } from 'tsgi-test-support';

const get = (port: number, path: string) => httpGet(port, path);

/**
 * POSTs `size` bytes as a careful client does: `Expect: 100-continue`, the body only after
 * `100 Continue`; resolves to the status and body (a refusal comes before any body is sent).
 */
function post(port: number, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-length': size, expect: '100-continue' };
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode!, body });
      });
    });
    req.on('continue', () => req.end(Buffer.alloc(size, 0x61)));
    req.on('error', reject);
  });
}

/** Resolves when the CLI's stderr matches `pattern` (20 s at most). */
function announced(cli: { child: ChildProcess; stderr: () => string }, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not announced within 60 s; stderr: ${cli.stderr()}`)), 60_000);
    const check = () => {
      if (!pattern.test(cli.stderr())) return;
      clearTimeout(timer);
      cli.child.stderr?.off('data', check);
      resolve();
    };
    cli.child.stderr?.on('data', check);
    setImmediate(check);
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
      await waitFor(() => /listening on/.test(cli.stderr()), { timeoutMs: 60_000, what: 'the file server' });
      const r = await get(port, '/hello.txt');
      assert.equal(r.status, 200);
      assert.equal(r.body, 'hello file\n');
      const listing = await get(port, '/sub/');
      assert.equal(listing.status, 200);
      assert.match(listing.body, /x\.txt/);
      await waitFor(() => /"GET \/hello\.txt HTTP\/1\.1" 200 11 /.test(cli.stdout()), { timeoutMs: 5000, what: 'the access log line' });
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
      await waitFor(() => /listening on/.test(cli.stderr()), { timeoutMs: 60_000, what: 'the proxy' });
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

  it('--help and -h print the usage to stdout and exit 0, for both forms', async () => {
    for (const args of [['reverse-proxy', '--help'], ['file-server', '-h'], ['reverse-proxy', '--to', '127.0.0.1:1', '--help']]) {
      const r = await runCli(args);
      assert.equal(r.code, 0, args.join(' '));
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^usage:\n/);
      assert.match(r.stdout, /--client-max-body-size SIZE\|off\] \(default: 1m\)/);
    }
  });

  it('reverse-proxy --client-max-body-size sets client_max_body_size (default 1m), checked by the config loader', async () => {
    const config = (extra: string[]) => parseConfigText(reverseProxyConfig(['--to', '10.0.0.1:8000', ...extra]), '<reverse-proxy>').servers[0]!;
    assert.equal(config([]).fallback.clientMaxBodySize, 1024 * 1024);
    assert.equal(config(['--client-max-body-size', '100m']).fallback.clientMaxBodySize, 100 * 1024 * 1024);
    assert.equal(config(['--client-max-body-size=off']).fallback.clientMaxBodySize, 0);
    assert.throws(() => config(['--client-max-body-size', 'lots']), /client_max_body_size.*expected a size such as/);
    const r = await runCli(['reverse-proxy', '--to', '127.0.0.1:1', '--client-max-body-size', '1m', '--client-max-body-size', '2m']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--client-max-body-size is given more than once/);
  });

  it('reverse-proxy --client-max-body-size 4m passes a 3 MiB upload and answers 413 to 5 MiB', async () => {
    const counter = createServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(String(n)));
    });
    await new Promise<void>((r) => counter.listen(0, '127.0.0.1', r));
    const port = await freePort();
    const to = `127.0.0.1:${(counter.address() as { port: number }).port}`;
    const cli = spawnCli(['reverse-proxy', '--listen', `127.0.0.1:${port}`, '--to', to, '--client-max-body-size', '4m']);
    try {
      await announced(cli, /listening on http:\/\/127\.0\.0\.1:\d+/);
      assert.deepEqual(await post(port, 3 * 1024 * 1024), { status: 200, body: String(3 * 1024 * 1024) });
      assert.equal((await post(port, 5 * 1024 * 1024)).status, 413);
    } finally {
      cli.child.kill('SIGTERM');
      assert.equal(await cli.exited, 0);
      await new Promise((r) => counter.close(r));
    }
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
