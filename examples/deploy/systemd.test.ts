/**
 * The systemd recipe (systemd/mysite.socket + mysite.service) as far as it can run here: both
 * units pass `systemd-analyze verify`, their settings agree with each other (TimeoutStopSec above
 * --graceful-timeout, KillMode=mixed, no --bind beside socket activation), and the service's own
 * ExecStart, with /srv/mysite mapped to the demo project, serves requests on a socket passed
 * the systemd way: `systemd-socket-activate` binds it and starts the command on the first
 * connection with LISTEN_FDS/LISTEN_PID, as systemd does. TERM (what `systemctl stop` sends,
 * KillMode=mixed) stops it gracefully with exit code 0.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, tempDir, waitFor, waitForOutput } from 'tsgi-test-support';
import { BIN, mapPaths, one, parseUnit, ROOT, type Unit } from './unit-file.js';

const UNITS = fileURLToPath(new URL('./systemd/', import.meta.url));
const SERVE_TIMEOUT_MS = 60_000;

describe('the systemd recipe: mysite.socket + mysite.service', () => {
  let socketUnit: Unit;
  let serviceUnit: Unit;
  let serviceText: string;
  let dir: string;
  let cleanup: () => Promise<void>;
  let child: ChildProcess | undefined;

  before(async () => {
    ({ dir, cleanup } = await tempDir('tsgi-systemd-'));
    socketUnit = parseUnit(await readFile(join(UNITS, 'mysite.socket'), 'utf8'));
    serviceText = await readFile(join(UNITS, 'mysite.service'), 'utf8');
    serviceUnit = parseUnit(serviceText);
  });
  after(async () => {
    if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    await cleanup?.();
  });

  it('the two units agree: socket activation, no --bind, a stop timeout above --graceful-timeout', () => {
    assert.equal(one(socketUnit, 'Socket', 'ListenStream'), '127.0.0.1:8000');
    assert.equal(one(serviceUnit, 'Unit', 'Requires'), 'mysite.socket');
    const execStart = one(serviceUnit, 'Service', 'ExecStart');
    assert.doesNotMatch(execStart, /\s(-b|--bind)\s/, 'the socket comes from systemd (LISTEN_FDS), not --bind');
    const graceful = Number(/--graceful-timeout (\d+)/.exec(execStart)?.[1]);
    assert.ok(graceful > 0, 'ExecStart sets --graceful-timeout');
    assert.ok(Number(one(serviceUnit, 'Service', 'TimeoutStopSec')) > graceful, 'TimeoutStopSec > --graceful-timeout');
    assert.equal(one(serviceUnit, 'Service', 'KillMode'), 'mixed', 'TERM to the master only');
    assert.equal(one(serviceUnit, 'Service', 'ExecReload'), '/bin/kill -HUP $MAINPID');
  });

  it('systemd-analyze verify accepts both units (paths mapped to this machine)', async () => {
    assert.ok(existsSync('/usr/bin/systemd-analyze'), 'systemd-analyze is missing: apt-get install systemd');
    assert.ok(existsSync(join(BIN, 'tsgi-appserver')), 'node_modules/.bin/tsgi-appserver is missing: npm install');
    await cp(join(UNITS, 'mysite.socket'), join(dir, 'mysite.socket'));
    await writeFile(join(dir, 'mysite.service'), mapPaths(serviceText));
    const verified = spawnSync('/usr/bin/systemd-analyze', ['verify', '--man=no', 'mysite.socket', 'mysite.service'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(verified.status, 0, verified.stderr);
    assert.equal(verified.stderr.trim(), '', 'no warning (unknown keys are only warnings)');
  });

  it("ExecStart serves on a socket passed by socket activation and stops gracefully on TERM", async () => {
    assert.ok(existsSync('/usr/bin/systemd-socket-activate'), 'systemd-socket-activate is missing: apt-get install systemd');
    const port = await freePort();
    const [command, ...args] = mapPaths(one(serviceUnit, 'Service', 'ExecStart')).split(/\s+/);
    // The unit's Environment= lines, then what this test needs: its Host header and a key.
    const env = (serviceUnit.get('Service')?.get('Environment') ?? []).map((kv) => kv.replace(/^TSGI_ALLOWED_HOSTS=.*/, 'TSGI_ALLOWED_HOSTS=127.0.0.1'));
    env.push(`TSGI_SECRET_KEY=${'systemd-recipe-test-'.repeat(3)}`, `PATH=${process.env.PATH ?? ''}`, `HOME=${dir}`);
    // A deploy runs collectstatic before the service starts (DEBUG off: pages link the hashed
    // names from its manifest); here into this test's folder.
    const staticRoot = join(dir, 'static');
    const collected = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'examples/chain/collectstatic.ts'), staticRoot], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    assert.equal(collected.status, 0, collected.stderr);
    env.push(`TSGI_STATIC_ROOT=${staticRoot}`);
    child = spawn('/usr/bin/systemd-socket-activate', ['-l', `127.0.0.1:${port}`, ...env.flatMap((kv) => ['-E', kv]), command!, ...args], {
      cwd: mapPaths(one(serviceUnit, 'Service', 'WorkingDirectory')),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForOutput(child, /Listening on 127\.0\.0\.1:\d+ as 3/, { timeoutMs: 10_000, what: 'systemd-socket-activate' });
    // The first connection starts tsgi-appserver (systemd-socket-activate execs it, same pid); it queues in the backlog meanwhile.
    const listening = waitForOutput(child, /Using 1 socket\(s\) from systemd \(LISTEN_FDS\)[^]*Listening at: fd:\/\/3 [^]*Ready: 2 worker/, { timeoutMs: SERVE_TIMEOUT_MS, what: 'tsgi-appserver on the passed socket' });
    const home = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(SERVE_TIMEOUT_MS) }).catch(() => undefined);
      return res === undefined ? undefined : { status: res.status, body: await res.text() };
    }, { timeoutMs: SERVE_TIMEOUT_MS, what: 'the home page on the activated socket', intervalMs: 200 });
    await listening;
    assert.equal(home.status, 200, home.body);
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 200, 'a second request, same server');

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), SERVE_TIMEOUT_MS).unref())]);
    assert.equal(code, 0, 'TERM stops tsgi-appserver gracefully');
  });
});
