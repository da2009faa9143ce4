/**
 * Debian's Gunicorn (/usr/bin/gunicorn, on /usr/bin/python3 with Debian's Django and Flask; the
 * `python3` on PATH may be another one) serving a WSGI app on a loopback port, with its own pid
 * file and error log in a temp dir. A missing package fails the test naming it; it never skips.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from 'tsgi-test-support';
import { FrontProcess, requireBinary } from './front-process.js';

export const GUNICORN = '/usr/bin/gunicorn';
const PYTHON = '/usr/bin/python3';

/** Fails with the Debian package to install when Debian's python3 cannot import `module`. */
export function requirePythonModule(module: string, debianPackage: string): void {
  requireBinary(PYTHON, 'python3');
  const r = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${PYTHON} cannot import ${module}: install the Debian package ${debianPackage} (apt-get install ${debianPackage}; .ci/run does). This test does not skip.\n${r.stderr}`);
}

/** What {@link startGunicorn} serves. */
export interface GunicornOptions {
  /** Names it in failure messages and is the app's TSGI_TEST_INSTANCE, e.g. `a`. */
  readonly instance: string;
  /** The directory the app module is imported from (`--chdir`). */
  readonly chdir: string;
  /** The WSGI app, `module:variable`. */
  readonly app: string;
  /** `sync` (one request per connection, Connection: close) or `gthread` (keep-alive). */
  readonly workerClass: 'sync' | 'gthread';
}

/** Starts Gunicorn with one worker on a free loopback port and resolves once it accepts connections. */
export async function startGunicorn(options: GunicornOptions): Promise<FrontProcess> {
  requireBinary(GUNICORN, 'gunicorn');
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-interop-gunicorn-'));
  const port = await freePort();
  return FrontProcess.start({
    name: `gunicorn ${options.instance} (${options.app}, ${options.workerClass})`,
    binary: GUNICORN,
    debianPackage: 'gunicorn',
    args: [
      ...['--chdir', options.chdir, '--bind', `127.0.0.1:${port}`, '--workers', '1', '--worker-class', options.workerClass],
      ...(options.workerClass === 'gthread' ? ['--threads', '4'] : []),
      ...['--pid', join(dir, 'gunicorn.pid'), '--error-logfile', join(dir, 'error.log'), '--log-level', 'info', '--graceful-timeout', '10'],
      options.app,
    ],
    port,
    errorLog: join(dir, 'error.log'),
    // No __pycache__ left in the repository's fixtures.
    env: { PYTHONDONTWRITEBYTECODE: '1', TSGI_TEST_INSTANCE: options.instance },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
}
