/**
 * tsgi-webserver as a user runs it: the real CLI (from source) on a TOML config file in a temp
 * dir, with a pid file there, stopped like the other fronts (interop/support/front-process.ts).
 * @module
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrontProcess } from './front-process.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUN_CLI = join(REPO_ROOT, 'packages/webserver/src/testing/run-cli.ts');

/**
 * Writes `configText` to `web.toml` in a fresh temp dir (with `pid = "<dir>/tsgi-webserver.pid"`
 * put first unless the text sets `pid`), runs `tsgi-webserver --config web.toml`, and resolves
 * once the port of the text's first `listen = "127.0.0.1:PORT"` accepts connections. `stop()`
 * sends SIGTERM (a fast stop), waits (bounded), and removes the temp dir.
 *
 * @example
 * ```ts
 * const port = await freePort();
 * const web = await startWebserver(`[[server]]\nlisten = "127.0.0.1:${port}"\nreturn = "200 hi"\n`);
 * after(() => web.stop());
 * ```
 */
export async function startWebserver(configText: string): Promise<FrontProcess> {
  const port = Number(/^\s*listen\s*=\s*"127\.0\.0\.1:(\d+)/m.exec(configText)?.[1]);
  if (!Number.isInteger(port) || port === 0) throw new Error('startWebserver: the config needs a `listen = "127.0.0.1:PORT"` line with a fixed port (freePort()) to wait for');
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-interop-webserver-'));
  const config = join(dir, 'web.toml');
  writeFileSync(config, /^\s*pid\s*=/m.test(configText) ? configText : `pid = "${join(dir, 'tsgi-webserver.pid')}"\n${configText}`);
  return FrontProcess.start({
    name: 'tsgi-webserver',
    binary: process.execPath,
    debianPackage: 'nodejs',
    args: ['--conditions=source', '--import', 'tsx', RUN_CLI, '--config', config],
    port,
    // error_log defaults to stderr, which FrontProcess collects; a config may name this file.
    errorLog: join(dir, 'error.log'),
    cwd: REPO_ROOT,
    // It compiles its TypeScript sources at start (tsx), in the master and again in each worker.
    startTimeoutMs: 30_000,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
}
