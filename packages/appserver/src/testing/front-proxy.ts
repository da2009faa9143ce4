/**
 * Test support: a real reverse proxy in front of tsgi-appserver, as deployed: nginx or Apache
 * httpd (mod_proxy_http) from the Debian packages, each on its own config file, pid file, logs
 * and temp paths in a temp directory, listening on a loopback port. A missing binary throws: a
 * test that needs one fails loudly, it never skips (.ci/run installs both).
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { waitFor } from 'tsgi-test-support';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
export const APACHE_BIN = process.env.APACHE_BIN ?? '/usr/sbin/apache2';
const APACHE_MODULES = process.env.APACHE_MODULES ?? '/usr/lib/apache2/modules';

/** A running front proxy. */
export interface FrontProxy {
  /** Where clients connect: `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Its error log so far (for assertion messages). */
  errorLog(): string;
  stop(): Promise<void>;
}

function requireBinary(path: string, pkg: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing: install the Debian package ${pkg} (.ci/run does); this test does not skip`);
  }
}

/** A free loopback port (bound then released: a small race, acceptable in tests). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts `command` and waits until `port` accepts; on failure stops it and throws with its output and log. */
async function run(command: string, args: string[], port: number, dir: string, errorLogPath: string, name: string): Promise<FrontProxy> {
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const errorLog = () => {
    try {
      return readFileSync(errorLogPath, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    if (!gone) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(kill);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const state = await waitFor(async () => (gone ? 'exited' : (await accepts(port)) && 'listening'), { timeoutMs: 15_000, what: `${name} to listen on ${port}` }).catch(() => 'not in time');
  if (state === 'listening') return { url: `http://127.0.0.1:${port}`, errorLog, stop };
  const log = errorLog();
  await stop();
  throw new Error(`${name} did not start (${state}): ${output}\n${log}`);
}

/**
 * nginx proxying everything to `upstream` (`http://127.0.0.1:8000`), with nginx's defaults
 * (request buffering on, HTTP/1.0 upstream) and uploads up to 64 MB.
 *
 * @example
 * ```ts
 * const nginx = await startNginxFront(server.url);
 * try { await fetch(nginx.url); } finally { await nginx.stop(); }
 * ```
 */
export async function startNginxFront(upstream: string): Promise<FrontProxy> {
  requireBinary(NGINX_BIN, 'nginx');
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-nginx-front-'));
  const port = await freePort();
  const errorLog = join(dir, 'error.log');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${errorLog} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_max_body_size 64m;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass ${upstream}; }
  }
}
`,
  );
  return run(NGINX_BIN, ['-p', dir, '-e', errorLog, '-c', join(dir, 'nginx.conf')], port, dir, errorLog, 'nginx');
}

/**
 * Apache httpd (event MPM, mod_proxy + mod_proxy_http) proxying everything to `upstream`, in the
 * foreground. As root, its children run as nobody (Apache refuses root children).
 *
 * @example
 * ```ts
 * const apache = await startApacheFront(server.url);
 * try { await fetch(apache.url); } finally { await apache.stop(); }
 * ```
 */
export async function startApacheFront(upstream: string): Promise<FrontProxy> {
  requireBinary(APACHE_BIN, 'apache2');
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-apache-front-'));
  const port = await freePort();
  const errorLog = join(dir, 'error.log');
  const asRoot = userInfo().uid === 0;
  const modules = ['mpm_event', 'authz_core', 'proxy', 'proxy_http'].map((m) => `LoadModule ${m}_module ${APACHE_MODULES}/mod_${m}.so`).join('\n');
  writeFileSync(
    join(dir, 'httpd.conf'),
    `ServerRoot ${dir}
${modules}
${asRoot ? 'User nobody\nGroup nogroup' : ''}
ServerName localhost
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
DefaultRuntimeDir ${dir}
Mutex file:${dir} default
ErrorLog ${errorLog}
LogLevel warn
ProxyPass / ${upstream.replace(/\/?$/, '/')}
ProxyPassReverse / ${upstream.replace(/\/?$/, '/')}
`,
  );
  return run(APACHE_BIN, ['-f', join(dir, 'httpd.conf'), '-DFOREGROUND'], port, dir, errorLog, 'apache2');
}
