/**
 * The demo project (examples/mysite) as deployed behind a front: collectstatic into a directory the
 * front serves /static/ from, and tsgi-appserver with 2 workers (from source) listening on a
 * loopback port and on a unix socket at once, DEBUG off, trusting X-Forwarded-* from 127.0.0.1
 * only (and from unix-socket peers, which are local processes), as scripts/start.mjs runs it.
 * @module
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { spawnAppserver, type AppserverProcess } from 'tsgi-appserver/testing';
import { waitForOutput } from 'tsgi-test-support';
import { REPO_ROOT } from './servers.js';

/** The demo project's directory. */
export const DEMO_PROJECT = join(REPO_ROOT, 'examples/mysite');

/** The demo running under tsgi-appserver. */
export interface DemoAppserver {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** The path of its unix socket. */
  readonly socket: string;
  /** Where collectstatic copied the static files (the front's alias for /static/). */
  readonly staticRoot: string;
  output(): string;
  stop(): Promise<unknown>;
}

/** `examples/chain/collectstatic.ts TARGET`, the copy `npm start` makes, as a child process. */
export async function collectStatic(target: string): Promise<void> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', join(REPO_ROOT, 'examples/chain/collectstatic.ts'), target], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForOutput(child, /static files copied to/, { what: 'collectstatic', timeoutMs: 60_000 });
}

/**
 * Collects the demo's static files into `dir/static` and starts tsgi-appserver -w 2 on
 * 127.0.0.1:0 and `unix:dir/app.sock`; resolves once both workers are ready.
 *
 * @example
 * ```ts
 * const demo = await startDemoAppserver(tmp.dir);
 * try { await fetch(`${demo.url}/`); } finally { await demo.stop(); }
 * ```
 */
export async function startDemoAppserver(dir: string): Promise<DemoAppserver> {
  const staticRoot = join(dir, 'static');
  const socket = join(dir, 'app.sock');
  await collectStatic(staticRoot);
  const env = { TSGI_DEBUG: '0', TSGI_ALLOWED_HOSTS: '127.0.0.1,localhost', TSGI_SECRET_KEY: randomBytes(48).toString('base64url'), TSGI_STATIC_ROOT: staticRoot };
  const args = ['-b', '127.0.0.1:0', '-b', `unix:${socket}`, '-w', '2', '--forwarded-allow-ips', '127.0.0.1', 'mysite/tsgi.ts:application'];
  const p: AppserverProcess = spawnAppserver(args, { cwd: DEMO_PROJECT, env });
  try {
    const [, url] = await p.waitFor(/Listening at: (http:\/\/127\.0\.0\.1:\d+),unix:/, 60_000);
    await p.waitFor(/Ready: 2 worker/, 60_000);
    return { url: url!, socket, staticRoot, output: () => p.output(), stop: () => p.stop() };
  } catch (error) {
    await p.stop('SIGKILL');
    throw error;
  }
}
