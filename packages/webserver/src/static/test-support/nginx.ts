/**
 * Test support: runs the real nginx (Debian package) on a temp config for side-by-side checks.
 * One process (`master_process off`), every path (pid, logs, temp dirs) inside a temp directory,
 * loopback only. Returns undefined when nginx is not installed, so callers can skip cleanly.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect, freePort, waitFor } from 'tsgi-test-support';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

export interface RunningNginx {
  readonly port: number;
  /** The error log so far (for assertion messages). */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

export async function nginxInstalled(): Promise<boolean> {
  try {
    await access(NGINX_BIN);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts nginx serving `root` with `serverExtra` directives inside `server { }` and `httpExtra`
 * inside `http { }`.
 *
 * @example
 * ```ts
 * const ngx = await startNginx(root, 'max_ranges 16;');
 * if (ngx) try { ... } finally { await ngx.stop(); }
 * ```
 */
export async function startNginx(root: string, serverExtra = '', httpExtra = ''): Promise<RunningNginx | undefined> {
  if (!(await nginxInstalled())) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'tsgi-nginx-'));
  const port = await freePort();
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  ${httpExtra}
  server {
    listen 127.0.0.1:${port};
    root ${root};
    ${serverExtra}
  }
}
`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const errorLog = () => readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
  const stop = async () => {
    if (!exited) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const listening = await waitFor(async () => (exited ? 'exited' : (await canConnect(port)) && 'listening'), { timeoutMs: 5_000, what: 'nginx to listen' }).catch(() => 'not in time');
  if (listening === 'listening') return { port, errorLog, stop };
  const log = await errorLog();
  await stop();
  throw new Error(`nginx did not start: ${stderr}${log}`);
}
