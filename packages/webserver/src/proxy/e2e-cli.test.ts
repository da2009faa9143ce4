// End to end through the tsgi-webserver CLI: the `reverse-proxy` one-liner in front of two real
// tsgi-appserver processes (one killed -9 under load), and a config file with an upstream block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnCli } from '../testing/helpers.js';
import { fetchRaw, loadWithKill, spawnUpstream } from './test-fixtures/helpers.js';
import { freePort, tempDir, waitFor, waitForOutput } from 'tsgi-test-support';

const APPSERVER_BIN = fileURLToPath(new URL('../../../appserver/bin/tsgi-appserver.js', import.meta.url));
const APPSERVER_DIST = fileURLToPath(new URL('../../../appserver/dist/cli.js', import.meta.url));
const APP = fileURLToPath(new URL('./test-fixtures/tsgi-app.mjs', import.meta.url));
const noAppserver = existsSync(APPSERVER_DIST) ? false : 'tsgi-appserver is not built (packages/appserver/dist/cli.js); run `npx tsc -b`';

/** A tsgi-appserver in its own process group (so kill -9 takes the master and its workers). */
async function startAppserver(name: string): Promise<{ port: number; child: ChildProcess; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, [APPSERVER_BIN, '-b', '127.0.0.1:0', '-w', '1', APP], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NAME: name },
  });
  // Both lines, in either order: the port is known and the worker is ready.
  const [, port] = await waitForOutput(child, /^(?=[\s\S]*Ready)[\s\S]*?Listening at: http:\/\/127\.0\.0\.1:(\d+)/, { what: `tsgi-appserver ${name}` });
  return {
    port: Number(port),
    child,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await gone;
    },
  };
}

/** Waits until the web server on `port` answers `path` with 200 (it is up and its upstream too). */
async function waitAnswering(port: number, path: string): Promise<void> {
  await waitFor(async () => {
    try {
      return (await fetchRaw(port, path, { timeoutMs: 2_000 })).status === 200;
    } catch {
      return false;
    }
  }, { timeoutMs: 30_000, what: `tsgi-webserver on ${port} to answer ${path}` });
}

test('reverse-proxy in front of two tsgi-appservers: kill -9 one under load, zero failures; both gone: 502', { skip: noAppserver, timeout: 120_000 }, async () => {
  const a = await startAppserver('a');
  const b = await startAppserver('b');
  const port = await freePort();
  const web = spawnCli(['reverse-proxy', '--listen', `127.0.0.1:${port}`, '--to', `127.0.0.1:${a.port}`, '--to', `127.0.0.1:${b.port}`, '--access-log', 'off']);
  try {
    await waitAnswering(port, '/hello');
    const total = 2_000;
    const { statuses, bodies: by } = await loadWithKill(port, { total, concurrency: 20, path: '/hello', atQuarter: () => void a.kill() });
    assert.deepEqual([...statuses], [[200, total]], `every request answered 200 (${JSON.stringify([...by])}); stderr: ${web.stderr().slice(-2000)}`);
    assert.ok((by.get('hello from a') ?? 0) > 0 && (by.get('hello from b') ?? 0) > total / 2, JSON.stringify([...by]));
    await b.kill();
    const t0 = Date.now();
    const r = await fetchRaw(port, '/hello');
    assert.equal(r.status, 502);
    assert.ok(Date.now() - t0 < 5_000, 'both upstreams refused: 502 well before the connect timeout');
  } finally {
    web.child.kill('SIGTERM');
    await web.exited;
    await a.kill();
    await b.kill();
  }
});

test('a config file: upstream block, proxy_pass with a URI, proxy_set_header, and the request id in the access log', { timeout: 60_000 }, async () => {
  const up1 = await spawnUpstream('one');
  const up2 = await spawnUpstream('two');
  const { dir, cleanup } = await tempDir('tsgi-proxy-e2e-');
  const port = await freePort();
  const config = join(dir, 'web.toml');
  await writeFile(
    config,
    `access_log = "stdout"
access_log_format = "json"
error_log = "stderr"
master_process = false

[[upstream]]
name = "app"
server = ["127.0.0.1:${up1.port}", "127.0.0.1:${up2.port} weight=1"]

[[server]]
listen = "127.0.0.1:${port}"

  [[server.location]]
  path = "/api/"
  proxy_pass = "http://app/"
  proxy_set_header = { "X-Env" = "test", "X-Client" = "$remote_addr/$scheme" }
`,
  );
  const web = spawnCli(['--config', config]);
  try {
    await waitAnswering(port, '/api/hello');
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(String((await fetchRaw(port, '/api/hello')).headers['x-upstream']));
    assert.deepEqual([...seen].sort(), ['one', 'two'], 'round robin over the block');
    const r = await fetchRaw(port, '/api/headers?q=1', { headers: { host: 'example.test' } });
    assert.equal(r.status, 200);
    const echo = JSON.parse(r.body.toString()) as { url: string; rawHeaders: string[] };
    assert.equal(echo.url, '/headers?q=1', 'the location prefix /api/ is replaced by the URI /');
    const h = (name: string): string | undefined => {
      const i = echo.rawHeaders.findIndex((x, j) => j % 2 === 0 && x.toLowerCase() === name);
      return i === -1 ? undefined : echo.rawHeaders[i + 1];
    };
    assert.equal(h('x-env'), 'test');
    assert.equal(h('x-client'), '127.0.0.1/http');
    assert.equal(h('host'), 'example.test');
    const id = h('x-request-id');
    assert.match(id ?? '', /^[0-9a-f-]{36}$/);
    await waitFor(() => web.stdout().includes(id!), { timeoutMs: 10_000, what: 'the access log line with the request id' });
  } finally {
    web.child.kill('SIGTERM');
    await web.exited;
    await up1.kill();
    await up2.kill();
    await cleanup();
  }
});

test('WebSocket through the CLI (reverse-proxy)', { timeout: 60_000 }, async () => {
  const { createServer } = await import('node:http');
  const { WebSocket, WebSocketServer } = await import('ws');
  const upstream = createServer((_req, res) => res.end('plain'));
  const wss = new WebSocketServer({ server: upstream });
  wss.on('connection', (ws, req) => {
    ws.send(`xff=${String(req.headers['x-forwarded-for'])}`);
    ws.on('message', (d) => ws.send(`echo: ${d.toString()}`));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upPort = (upstream.address() as { port: number }).port;
  const port = await freePort();
  const web = spawnCli(['reverse-proxy', '--listen', `127.0.0.1:${port}`, '--to', `127.0.0.1:${upPort}`, '--access-log', 'off']);
  try {
    await waitAnswering(port, '/');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`);
    const got: string[] = [];
    ws.on('message', (d) => got.push(d.toString()));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send('ping');
    await waitFor(() => got.length >= 2, { timeoutMs: 10_000, what: 'two messages' });
    assert.deepEqual(got, ['xff=127.0.0.1', 'echo: ping']);
    ws.close();
  } finally {
    web.child.kill('SIGTERM');
    await web.exited;
    wss.close();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
  }
});
