/**
 * The several-hosts recipe (hosts/: one web host in front of two app hosts, README "Several
 * hosts") as far as it runs on one machine: the web server's config passes `tsgi-webserver -t`,
 * the three units pass `systemd-analyze verify`, the settings that must agree across hosts do
 * (upstream ports and the socket's, keep-alive timeouts, graceful timeouts, trusted proxies, the
 * health check's Host against ALLOWED_HOSTS, the request id in both access logs), and the app
 * unit's own ExecStart, run here on loopback with the example env file, answers the health
 * check's request and writes the request id the web server sent to its access log.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, tempDir, waitFor } from 'tsgi-test-support';
import { parseConfigText } from 'tsgi-webserver';
import { BIN, execArgs, flagValue, mapPaths, one, parseUnit, ROOT, type Unit } from './unit-file.js';

const HOSTS = fileURLToPath(new URL('./hosts/', import.meta.url));
/** The layout the README draws and the recipe's files use. */
const WEB_HOST = '10.0.0.10';
const APP_HOSTS = ['10.0.0.21', '10.0.0.22'];
const SERVE_TIMEOUT_MS = 90_000;

type WebConfig = ReturnType<typeof parseConfigText>;

/** GET / on 127.0.0.1:port with these headers: status and body. */
function get(port: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers, agent: false, timeout: SERVE_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (s: string) => (body += s));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('timeout', () => req.destroy(new Error('no answer')));
    req.once('error', reject);
    req.end();
  });
}

describe('the several-hosts recipe: a web host (tsgi-webserver) in front of app hosts (tsgi-appserver)', () => {
  let web: WebConfig;
  let webUnit: Unit;
  let appSocket: Unit;
  let appService: Unit;
  let appArgv: string[];
  let env: Map<string, string>;
  let dir: string;
  let cleanup: () => Promise<void>;
  let child: ChildProcess | undefined;

  before(async () => {
    ({ dir, cleanup } = await tempDir('tsgi-hosts-'));
    web = parseConfigText(await readFile(join(HOSTS, 'web/mysite.toml'), 'utf8'), join(HOSTS, 'web/mysite.toml'));
    webUnit = parseUnit(await readFile(join(HOSTS, 'web/tsgi-webserver.service'), 'utf8'));
    appSocket = parseUnit(await readFile(join(HOSTS, 'app/mysite.socket'), 'utf8'));
    appService = parseUnit(await readFile(join(HOSTS, 'app/mysite.service'), 'utf8'));
    appArgv = execArgs(one(appService, 'Service', 'ExecStart'));
    const envText = await readFile(join(HOSTS, 'app/mysite.env.example'), 'utf8');
    env = new Map(envText.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  });
  after(async () => {
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    await cleanup?.();
  });

  it('the web server config passes tsgi-webserver -t', () => {
    const checked = spawnSync(process.execPath, [join(ROOT, 'packages/webserver/bin/tsgi-webserver.js'), '-t', '-c', join(HOSTS, 'web/mysite.toml')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(checked.status, 0, checked.stderr);
    assert.match(checked.stderr + checked.stdout, /test is successful/);
    assert.deepEqual(web.warnings, []);
  });

  it('systemd-analyze verify accepts the web host\'s unit and the app hosts\' (paths mapped to this machine)', async () => {
    assert.ok(existsSync('/usr/bin/systemd-analyze'), 'systemd-analyze is missing: apt-get install systemd');
    for (const name of ['tsgi-webserver', 'tsgi-appserver']) assert.ok(existsSync(join(BIN, name)), `node_modules/.bin/${name} is missing: npm install`);
    for (const [from, to] of [['web/tsgi-webserver.service', 'tsgi-webserver.service'], ['app/mysite.socket', 'mysite.socket'], ['app/mysite.service', 'mysite.service']] as const) {
      await writeFile(join(dir, to), mapPaths(await readFile(join(HOSTS, from), 'utf8')));
    }
    const verified = spawnSync('/usr/bin/systemd-analyze', ['verify', '--man=no', 'tsgi-webserver.service', 'mysite.socket', 'mysite.service'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(verified.status, 0, verified.stderr);
    assert.equal(verified.stderr.trim(), '', 'no warning');
  });

  it('the settings that must agree across hosts do', () => {
    const upstream = web.upstreams.get('mysite');
    assert.ok(upstream, 'an upstream named mysite');
    // Every app host, on the port its socket listens on.
    const port = Number(one(appSocket, 'Socket', 'ListenStream'));
    assert.deepEqual(upstream.servers.map((s) => (s.address.kind === 'tcp' ? `${s.address.host}:${s.address.port}` : s.address.path)), APP_HOSTS.map((h) => `${h}:${port}`));
    assert.ok(upstream.servers.every((s) => s.maxFails > 0 && s.failTimeoutMs > 0), 'passive health: max_fails and fail_timeout');
    // Keep-alive: the web server drops an idle upstream connection before the app server would.
    const keepAlive = Number(flagValue(appArgv, '--keep-alive'));
    assert.ok(upstream.keepaliveTimeoutMs < keepAlive * 1000, `upstream keepalive_timeout ${upstream.keepaliveTimeoutMs} ms < --keep-alive ${keepAlive} s`);
    // Trust: the app servers believe X-Forwarded-* and X-Request-Id from the web host only.
    assert.equal(flagValue(appArgv, '--forwarded-allow-ips'), WEB_HOST);
    // Graceful stops: the same grace on both sides, and systemd waits longer than either.
    const graceful = Number(flagValue(appArgv, '--graceful-timeout'));
    assert.equal(web.shutdownTimeoutMs, graceful * 1000, 'worker_shutdown_timeout = --graceful-timeout');
    assert.ok(Number(one(appService, 'Service', 'TimeoutStopSec')) > graceful);
    assert.ok(Number(one(webUnit, 'Service', 'TimeoutStopSec')) * 1000 > web.shutdownTimeoutMs);
    assert.equal(one(webUnit, 'Service', 'KillSignal'), 'SIGQUIT', "tsgi-webserver's graceful stop is QUIT, as nginx's");
    // Health check: its Host is the server's address, which ALLOWED_HOSTS must accept.
    assert.ok(upstream.healthCheck, 'an active health check');
    assert.ok(env.get('TSGI_ALLOWED_HOSTS')?.split(',').includes(APP_HOSTS[0]!), 'the app host lists its own address in TSGI_ALLOWED_HOSTS');
    // The request id: the web server's log ends with it, the app server's format prints it.
    assert.equal(web.accessLogFormat, 'combined_id');
    assert.match(flagValue(appArgv, '--access-logformat') ?? '', /%\(\{x-request-id\}i\)s/);
    assert.equal(upstream.keepalive > 0, true, 'upstream keep-alive on');
  });

  it("the app unit's ExecStart answers the health check's request (its Host allowed) and logs the request id, replacing an untrusted peer's", async () => {
    // A deploy runs collectstatic first (DEBUG off: pages link the hashed names of its manifest).
    const collected = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'examples/chain/collectstatic.ts'), join(dir, 'static')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(collected.status, 0, collected.stderr);
    const port = await freePort();
    const [command, ...args] = execArgs(mapPaths(one(appService, 'Service', 'ExecStart')));
    // On loopback here (systemd would pass the socket); the peer, 127.0.0.1, is not the web host.
    const bin = command!.endsWith('tsgi-appserver') ? join(ROOT, 'packages/appserver/bin/tsgi-appserver.js') : command!;
    child = spawn(process.execPath, [bin, '-b', `127.0.0.1:${port}`, ...args], {
      cwd: mapPaths(one(appService, 'Service', 'WorkingDirectory')),
      env: { ...Object.fromEntries(env), TSGI_STATIC_ROOT: join(dir, 'static'), TSGI_DEBUG: '0', PATH: process.env.PATH, HOME: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
    const id = 'hosts-test-request-id';
    const health = await waitFor(async () => {
      // node:http, not fetch: fetch does not let a caller choose the Host header.
      return get(port, { host: APP_HOSTS[0]!, 'x-request-id': id }).catch(() => undefined);
    }, { timeoutMs: SERVE_TIMEOUT_MS, what: `the app server on 127.0.0.1:${port}`, intervalMs: 250 });
    assert.equal(health.status, 200, `the health check's Host ${APP_HOSTS[0]} is allowed: ${health.body}`);
    // 127.0.0.1 is not the web host: its X-Request-Id is replaced by a new one, and that is logged.
    await waitFor(() => /"GET \/ HTTP\/1\.1" 200 .* "[0-9a-f-]{36}" worker=\d/.test(output) || undefined, { timeoutMs: 10_000, what: 'the access log line with a new request id' });
    assert.ok(!output.includes(id), 'an id from a peer outside --forwarded-allow-ips is not kept');
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
  });
});
