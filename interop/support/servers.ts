/**
 * The servers the head-gate corpus runs against, each started twice over (at the root, and
 * mounted at `/mnt`) on loopback ephemeral ports, each with a recorder of what reached its app or
 * upstream. Real processes for tsgi-appserver, tsgi-webserver and nginx (run from source, as
 * every test in this repository runs the packages); `serve()` and the reference in this process.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type TsgiServer } from 'tsgi';
import { spawnAppserver } from 'tsgi-appserver/testing';
import { admitRequest, createClientErrorHandler, normalizePath, refuseConnect, splitAbsoluteTarget, STATUS_TEXT } from 'tsgi-head-gate';
import { canConnect, freePort, waitFor } from 'tsgi-test-support';
import { recordingTsgiApp } from '../fixtures/tsgi-recorder.js';
import type { FrontProcess } from './front-process.js';
import { fileLog, memoryLog, RECORD_ENV, startRecordingUpstream, type SeenLog, type SeenSink } from './recording.js';
import { startWebserver } from './webserver.js';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where nginx must be: the corpus comparison fails (never skips) without it. */
export const NGINX = '/usr/sbin/nginx';

/** One listening server and the log of what reached the app or upstream behind it. */
export interface Target {
  /** Names the server in failure messages, e.g. `tsgi-appserver (Express) mounted at /mnt`. */
  readonly name: string;
  readonly port: number;
  readonly log: SeenLog;
  /** `''` at the root, `/mnt` for the mounted one: barrier requests go under it. */
  readonly prefix: '' | '/mnt';
  /** True for a proxy in front of a recording upstream (a case's `reachesUpstream` applies). */
  readonly proxy?: true;
  /** True when output() holds the server's log, where each refusal must be one info line naming its rule. */
  readonly logsRefusals?: true;
  /** The server's own log so far (a process's stderr), for failure messages. */
  output(): string;
}

/** A server family: the same server at the root and mounted at /mnt. */
export interface Family {
  readonly root: Target;
  readonly mount: Target;
  /** Stops everything the family started (idempotent, bounded). */
  stop(): Promise<void>;
}

/** The limits every tsgi server applies by default (tsgi's DEFAULT_LIMITS). */
const LIMITS = { maxRequestLineBytes: 8190, maxHeaderCount: 100, maxHeaderFieldBytes: 8190 };

const none = () => '';

/**
 * How long every server here keeps an idle keep-alive connection. A case the server answers and
 * keeps open ends when the server closes it, an event, instead of at rawExchange's 2 s silence
 * window: 28 of the ~110 cases did, on every family, which made this the suite's slowest file
 * (88 s, nginx's family). Node's servers close 1 s later than their keepAliveTimeout (node adds
 * that buffer), so a case ends ~1.1 s after its answer there and at once on nginx. No case
 * depends on it: cases are about the head, each on a fresh connection that carries nothing after.
 */
const IDLE_CLOSE_MS = 100;

function plainAnswer(res: ServerResponse, status: number, text: string, close: boolean): void {
  if (close) res.shouldKeepAlive = false;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/**
 * The reference: a plain node:http server applying tsgi-head-gate exactly as its TSDoc says
 * (admitRequest first, the clientError handler, CONNECT refused), the absolute-form authority
 * taken as the host, and the mount test on the normalised path. It tells a failure of the gate
 * package itself from a failure of a server's wiring.
 */
async function startReference(mount: '' | '/mnt', sink: SeenSink): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer({ maxHeaderSize: Math.max(16384, LIMITS.maxRequestLineBytes + 2 * LIMITS.maxHeaderFieldBytes) }, (req: IncomingMessage, res: ServerResponse) => {
    const rule = admitRequest(req, res, LIMITS);
    if (rule !== undefined) return plainAnswer(res, rule.status, STATUS_TEXT[rule.status], true);
    let target = req.url ?? '/';
    let host = req.headers.host;
    if (target !== '*' && !target.startsWith('/')) {
      const absolute = splitAbsoluteTarget(target)!;
      target = absolute.path;
      host = absolute.host;
    }
    if (mount !== '') {
      const q = target.indexOf('?');
      const path = normalizePath(q === -1 ? target : target.slice(0, q));
      if (path === undefined || !(path === mount || path.startsWith(`${mount}/`))) return plainAnswer(res, 404, 'Not Found', true);
    }
    const line = `${req.method ?? ''} ${target}`;
    let done = false;
    req.on('end', () => {
      done = true;
      sink({ line, host, complete: true });
      plainAnswer(res, 200, 'ok\n', false);
    });
    req.on('close', () => {
      if (!done) sink({ line, host, complete: false });
    });
    req.resume();
  });
  server.maxHeadersCount = LIMITS.maxHeaderCount + 1;
  server.keepAliveTimeout = IDLE_CLOSE_MS;
  server.on('clientError', createClientErrorHandler());
  server.on('connect', refuseConnect());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** node:http with tsgi-head-gate, nothing else: the gate package on its own. */
export async function startReferenceFamily(): Promise<Family> {
  const rootLog = memoryLog();
  const mountLog = memoryLog();
  const servers: Array<{ close(): Promise<void> }> = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.close()));
  };
  try {
    const root = await startReference('', rootLog.sink);
    servers.push(root);
    const mount = await startReference('/mnt', mountLog.sink);
    servers.push(mount);
    const name = 'reference (node:http + tsgi-head-gate)';
    return {
      root: { name, port: root.port, log: rootLog, prefix: '', output: none },
      mount: { name: `${name} mounted at /mnt`, port: mount.port, log: mountLog, prefix: '/mnt', output: none },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `serve()` from tsgi, in this process, with the recording TSGI app. */
export async function startServeFamily(): Promise<Family> {
  const rootLog = memoryLog();
  const mountLog = memoryLog();
  // What serve() logs, one `level: message` line each (debug left out).
  let logged = '';
  const line = (level: string) => (message: string) => void (logged += `${level}: ${message}\n`);
  const log = { debug: () => {}, info: line('info'), warn: line('warn'), error: line('error') };
  const servers: TsgiServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.close()));
  };
  try {
    const limits = { keepAliveTimeoutMs: IDLE_CLOSE_MS };
    const root = await serve(recordingTsgiApp(rootLog.sink), { port: 0, log, limits, shutdownTimeoutMs: 2_000 });
    servers.push(root);
    const mount = await serve(recordingTsgiApp(mountLog.sink), { port: 0, log, limits, mountPath: '/mnt', shutdownTimeoutMs: 2_000 });
    servers.push(mount);
    return {
      root: { name: 'serve()', port: root.address.port, log: rootLog, prefix: '', logsRefusals: true, output: () => logged },
      mount: { name: 'serve() mounted at /mnt', port: mount.address.port, log: mountLog, prefix: '/mnt', output: none },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A temporary directory, removed by `remove()`. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * tsgi-appserver as a real process (`-w 1`, from source), serving `app` (a fixture of this
 * folder) at the root and, in a second process, with `--mount /mnt`; the app appends what it
 * received to a file per process.
 */
export async function startAppserverFamily(label: string, app: string): Promise<Family> {
  const tmp = tempDir('tsgi-head-gate-appserver-');
  const started: Array<{ stop(): Promise<unknown> }> = [];
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop().catch(() => undefined)));
    tmp.remove();
  };
  const start = async (mount: '' | '/mnt'): Promise<Target> => {
    const file = join(tmp.dir, `seen${mount.replace('/', '-')}.jsonl`);
    writeFileSync(file, '');
    const args = ['--bind', '127.0.0.1:0', '-w', '1', '--keep-alive', String(IDLE_CLOSE_MS / 1000), ...(mount === '' ? [] : ['--mount', mount]), app];
    const p = spawnAppserver(args, { env: { [RECORD_ENV]: file } });
    started.push({ stop: () => p.stop() });
    const [, url] = await p.waitFor(/Listening at: (\S+) \(/);
    await p.waitFor(/Ready: \d+ worker/);
    const port = Number(new URL(url!.split(',')[0]!).port);
    return { name: `tsgi-appserver (${label})${mount === '' ? '' : ' mounted at /mnt'}`, port, log: fileLog(file), prefix: mount, logsRefusals: true, output: () => p.output() };
  };
  try {
    const [root, mount] = await Promise.all([start(''), start('/mnt')]);
    return { root, mount, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A spawned process with its output collected, stopped by signal (its whole process group on the last resort). */
interface Spawned {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

function spawnCollected(command: string, args: readonly string[], cwd: string): Spawned {
  // Its own process group, so a last-resort SIGKILL takes its workers with it.
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
      if ((await Promise.race([exited, timer])) === 'timeout') {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
        await exited;
      }
    },
  };
}

/** Waits until 127.0.0.1:`port` accepts a connection (polled, bounded), failing early if `p` exits. */
async function waitListening(p: Spawned, port: number, what: string, timeoutMs = 30_000): Promise<void> {
  const exited = () => p.child.exitCode !== null || p.child.signalCode !== null;
  await waitFor(async () => exited() || (await canConnect(port)), { timeoutMs, what: () => `${what} to listen on ${port}; output:\n${p.output()}` });
  if (exited()) throw new Error(`${what} exited (${p.child.exitCode ?? p.child.signalCode}) before listening on ${port}; output:\n${p.output()}`);
}

/**
 * Waits until `p` listens on every port of its family and returns the family's stop (the
 * process, its recording upstream, its temp dir); stops them all when it never comes up.
 */
async function familyListening(p: Spawned, upstream: { close(): Promise<void> }, tmp: { remove(): void }, ports: readonly number[], what: string): Promise<() => Promise<void>> {
  const stop = async () => {
    await p.stop();
    await upstream.close();
    tmp.remove();
  };
  try {
    for (const port of ports) await waitListening(p, port, what);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}

/**
 * tsgi-webserver as a real process (from source, `master_process = false`, started by
 * {@link startWebserver}) with two servers: `location /` proxying everything to a recording
 * upstream, and one whose only location is `/mnt/` (so everything outside it is 404).
 */
export async function startWebserverFamily(): Promise<Family> {
  const upstream = await startRecordingUpstream();
  const [rootPort, mountPort] = [await freePort(), await freePort()];
  let web: FrontProcess | undefined;
  const stop = async () => {
    await web?.stop();
    await upstream.close();
  };
  try {
    web = await startWebserver(`master_process = false
error_log = "stderr"
error_log_level = "info"
access_log = "off"
keepalive_timeout = "${IDLE_CLOSE_MS}ms"

[[upstream]]
name = "recorder"
server = ["127.0.0.1:${upstream.port}"]

[[server]]
listen = "127.0.0.1:${rootPort}"

  [[server.location]]
  path = "/"
  proxy_pass = "http://recorder"

[[server]]
listen = "127.0.0.1:${mountPort}"

  [[server.location]]
  path = "/mnt/"
  proxy_pass = "http://recorder"
`);
    await waitFor(() => canConnect(mountPort), { timeoutMs: 10_000, what: () => `tsgi-webserver to listen on ${mountPort}; ${web!.output()}` });
  } catch (error) {
    await stop();
    throw error;
  }
  const output = () => web!.output();
  return {
    root: { name: 'tsgi-webserver (proxy_pass)', port: rootPort, log: upstream, prefix: '', proxy: true, logsRefusals: true, output },
    mount: { name: 'tsgi-webserver (location /mnt/ proxy_pass)', port: mountPort, log: upstream, prefix: '/mnt', proxy: true, output },
    stop,
  };
}

/**
 * Debian's nginx in the foreground (`daemon off`) with its own config, pid file, error log and
 * temp paths under a temp dir, the same two servers as {@link startWebserverFamily}. The Host
 * sent upstream is `$host` (the absolute-form authority when there is one), as tsgi-webserver
 * forwards it.
 */
export async function startNginxFamily(): Promise<Family & { version: string }> {
  if (!existsSync(NGINX)) throw new Error(`nginx is not installed at ${NGINX}: the corpus comparison needs it (apt-get install nginx-light)`);
  const upstream = await startRecordingUpstream();
  const tmp = tempDir('tsgi-head-gate-nginx-');
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'empty', 'logs']) mkdirSync(join(tmp.dir, d));
  const [rootPort, mountPort] = [await freePort(), await freePort()];
  const d = tmp.dir;
  const location = `proxy_pass http://recorder; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host;`;
  writeFileSync(
    join(d, 'nginx.conf'),
    `daemon off;
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${d}/nginx.pid;
error_log ${d}/logs/error.log info;
events { worker_connections 128; }
http {
  access_log off;
  keepalive_timeout ${IDLE_CLOSE_MS}ms;
  client_body_temp_path ${d}/client_body;
  proxy_temp_path ${d}/proxy;
  fastcgi_temp_path ${d}/fastcgi;
  uwsgi_temp_path ${d}/uwsgi;
  scgi_temp_path ${d}/scgi;
  upstream recorder { server 127.0.0.1:${upstream.port}; keepalive 4; }
  server { listen 127.0.0.1:${rootPort}; root ${d}/empty; location / { ${location} } }
  server { listen 127.0.0.1:${mountPort}; root ${d}/empty; location /mnt/ { ${location} } }
}
`,
  );
  const version = await new Promise<string>((resolve) => {
    const v = spawn(NGINX, ['-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let out = '';
    v.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    v.once('exit', () => resolve(out.trim().replace(/^nginx version: /, '')));
  });
  const p = spawnCollected(NGINX, ['-p', d, '-e', `${d}/logs/error.log`, '-c', `${d}/nginx.conf`], d);
  const stop = await familyListening(p, upstream, tmp, [rootPort, mountPort], 'nginx');
  return {
    version,
    root: { name: `nginx ${version}`, port: rootPort, log: upstream, prefix: '', output: p.output },
    mount: { name: `nginx ${version} (location /mnt/)`, port: mountPort, log: upstream, prefix: '/mnt', output: p.output },
    stop,
  };
}
