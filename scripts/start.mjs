#!/usr/bin/env node
/**
 * `npm start`: the whole tsgi chain on the demo project (examples/mysite), as production runs it.
 *
 *   collectstatic          the demo's static files, copied into a temp STATIC_ROOT
 *   tsgi-appserver         -b 127.0.0.1:$APP_PORT -w 2 --forwarded-allow-ips 127.0.0.1 --keep-alive 75 --access-logfile - mysite/tsgi.ts:application (DEBUG off)
 *   tsgi-webserver         127.0.0.1:$PORT: /static/ from STATIC_ROOT itself, the rest proxied
 *
 * One supervisor (this process) owns the servers, like honcho/foreman: their output comes out
 * here prefixed with their name; SIGINT/SIGTERM/SIGHUP stop them gracefully (the web server
 * first, with SIGQUIT so requests in flight finish, then the app server with the signal
 * received); a second signal kills them at once; when either server dies on its own the other is
 * stopped and this process exits 1 saying which one died and how.
 *
 * Environment: PORT (web server, default 8080), APP_PORT (app server, default 8000), and the
 * demo's own TSGI_DEBUG (default 0), TSGI_ALLOWED_HOSTS (default 127.0.0.1,localhost) and
 * TSGI_SECRET_KEY (default: random per run, so sessions end with the process).
 *
 * The servers run from their built bins (packages/X/bin/*.js -> dist/), which is what users run;
 * dist/ is brought up to date first with an incremental `tsc -b`. The demo's .ts files are loaded by the
 * app server through tsx.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROJECT = join(ROOT, 'examples/mysite');
const CONFIG_TEMPLATE = join(ROOT, 'examples/mysite/deploy/tsgi-webserver.toml');
const APP = 'mysite/tsgi.ts:application';
const APP_WORKERS = 2;
/**
 * Gunicorn's default access line, then the request id and the worker: the id is the one
 * tsgi-webserver's access log (combined_id) ends with, so one request is found in both logs.
 */
const APP_ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" "%({x-request-id}i)s" worker=%(w)s';
const HOST = '127.0.0.1';
/** How long the chain may take to answer its first request (a cold tsx compile on a busy machine). */
const READY_TIMEOUT_MS = 120_000;
/** After a graceful stop signal: the web server's grace, then the app server's (its --graceful-timeout is 30 s). */
const WEB_STOP_MS = 15_000;
const APP_STOP_MS = 40_000;

/** Prints a line of the supervisor's own. */
function say(line, stream = process.stdout) {
  stream.write(`tsgi demo: ${line}\n`);
}

// A closed stdout (`npm start | head`) must not crash the supervisor and orphan the servers.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

/** A TCP port from the environment, or the default; anything else is a usage error. */
function portFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    say(`${name}=${JSON.stringify(raw)} is not a TCP port (1-65535)`, process.stderr);
    process.exit(2);
  }
  return port;
}

const USAGE = `Usage: npm start   (or: node scripts/start.mjs)

Runs the tsgi chain on the demo project examples/mysite:
  collectstatic into a temp STATIC_ROOT, tsgi-appserver with ${APP_WORKERS} workers, and tsgi-webserver
  in front (examples/mysite/deploy/tsgi-webserver.toml): /static/ served by the web server, the rest proxied.

Environment:
  PORT                 the web server's port on ${HOST} [default: 8080]
  APP_PORT             the app server's port on ${HOST} [default: 8000]
  TSGI_DEBUG           the demo's DEBUG (1 turns it on) [default: 0]
  TSGI_ALLOWED_HOSTS   host names the demo answers to [default: ${HOST},localhost]
  TSGI_SECRET_KEY      the demo's SECRET_KEY [default: random, new each run]

Ctrl-C (SIGINT), SIGTERM or SIGHUP stop both servers gracefully; a second one kills them at once.
Exit status: 0 after a requested stop, 1 when a server died or could not start, 2 on bad usage.
`;

const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (args.length > 0) {
  process.stderr.write(`tsgi demo: unexpected argument ${JSON.stringify(args[0])} (settings come from the environment)\n\n${USAGE}`);
  process.exit(2);
}

const PORT = portFromEnv('PORT', 8080);
const APP_PORT = portFromEnv('APP_PORT', 8000);
if (PORT === APP_PORT) {
  say(`PORT and APP_PORT are both ${PORT}; the web server and the app server need a port each`, process.stderr);
  process.exit(2);
}

/** @typedef {{ name: string, child: import('node:child_process').ChildProcess, exited: Promise<{ code: number | null, signal: string | null }> }} Supervised */
/** Every child started, exited or not: a dead master's process group may still hold its workers. @type {Supervised[]} */
const started = [];
let stopping = false;
let forced = false;
let tmp;

/** The children whose own process has not exited yet. */
function running() {
  return started.filter((e) => e.child.exitCode === null && e.child.signalCode === null);
}

/** Copies each line of `from` to `to`, prefixed with the child's name. */
function relay(name, from, to) {
  const prefix = `${name.padEnd(13)} | `;
  createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => to.write(prefix + line + '\n'));
}

/**
 * Starts `node ARGS` in its own process group (so a terminal's Ctrl-C reaches only this
 * supervisor, which stops the servers in order, and so a forced stop can kill a master and its
 * workers together).
 */
function start(name, args, options = {}) {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  relay(name, child.stdout, process.stdout);
  relay(name, child.stderr, process.stderr);
  const exited = new Promise((resolve) => {
    child.once('error', (error) => {
      say(`${name} could not start: ${error.message}`, process.stderr);
      resolve({ code: 1, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const entry = { name, child, exited };
  started.push(entry);
  return entry;
}

/** "exited with code 1" / "was killed by SIGKILL". */
function describeExit({ code, signal }) {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** Signals the whole process group of a child (the master and its workers); ESRCH means gone. */
function signalGroup(entry, signal) {
  try {
    process.kill(-entry.child.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the child's group (a master or a worker it left) still exists. */
function groupAlive(entry) {
  return signalGroup(entry, 0);
}

/** Sends `signal` to the child and waits up to `graceMs` for it to exit, then kills its group. */
async function stopChild(entry, signal, graceMs) {
  if (entry.child.exitCode === null && entry.child.signalCode === null) entry.child.kill(signal);
  const timer = setTimeout(() => {
    say(`${entry.name} did not stop within ${graceMs / 1000} s after ${signal}; killing it`, process.stderr);
    forced = true;
    signalGroup(entry, 'SIGKILL');
  }, graceMs);
  await entry.exited;
  clearTimeout(timer);
}

/**
 * A master that exits normally takes its workers with it; one that died (SIGKILL, crash) may
 * leave them running. Whatever is left of a child's process group after a short grace is killed,
 * so nothing outlives the demo.
 */
async function sweep(entry) {
  for (let i = 0; i < 50 && groupAlive(entry); i++) await new Promise((r) => setTimeout(r, 100));
  if (!groupAlive(entry)) return;
  say(`${entry.name} (pid ${entry.child.pid}) left processes behind in its group; killing them`, process.stderr);
  forced = true;
  signalGroup(entry, 'SIGKILL');
}

/** Stops whatever runs, web server first (graceful), then the rest; exits with `code`. */
async function shutdown(code, signal = 'SIGTERM') {
  if (stopping) return;
  stopping = true;
  const web = running().find((e) => e.name === 'tsgi-webserver');
  // nginx's signals: QUIT is the graceful stop (TERM/INT stop at once).
  if (web) await stopChild(web, 'SIGQUIT', WEB_STOP_MS);
  await Promise.all(running().map((e) => stopChild(e, signal, APP_STOP_MS)));
  await Promise.all(started.map(sweep));
  if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => {});
  process.exit(forced && code === 0 ? 1 : code);
}

/** Kills every group still alive, synchronously: the last word when this process exits anyhow. */
process.on('exit', () => {
  for (const entry of started) signalGroup(entry, 'SIGKILL');
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (!stopping) {
      say(`${signal} received: stopping tsgi-webserver, then tsgi-appserver (again to kill at once)`);
      void shutdown(0, signal === 'SIGHUP' ? 'SIGTERM' : signal);
      return;
    }
    say(`${signal} received again: killing everything now`, process.stderr);
    forced = true;
    for (const entry of started) signalGroup(entry, 'SIGKILL');
  });
}

/** A server that exits while we are not stopping takes the chain down with it. */
function superviseServer(entry) {
  void entry.exited.then((how) => {
    if (stopping) return;
    say(`${entry.name} (pid ${entry.child.pid}) ${describeExit(how)}; stopping the others`, process.stderr);
    void shutdown(1);
  });
}

/**
 * Brings dist/ up to date with `tsc -b` before serving from it: incremental, so a no-op (about a
 * second) when nothing changed, and never a stale build after a pull. Resolves false when the
 * build failed or a stop signal came meanwhile.
 */
async function ensureBuilt() {
  const needed = ['tsgi/dist/index.js', 'appserver/dist/cli.js', 'webserver/dist/cli.js', 'framework/dist/cli.js'];
  const missing = needed.filter((file) => !existsSync(join(ROOT, 'packages', file)));
  say(missing.length > 0 ? `building dist/ first (missing: ${missing.join(', ')}): tsc -b` : 'bringing dist/ up to date: tsc -b');
  const built = await start('tsc -b', [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b']).exited;
  if (stopping) return false;
  if (built.code !== 0) {
    say(`tsc -b ${describeExit(built)}; run \`npm install\` (or \`npm run build\`) and try again`, process.stderr);
    await shutdown(1);
    return false;
  }
  return true;
}

/** The web server config: examples/mysite/deploy/tsgi-webserver.toml with the ports and STATIC_ROOT filled in. */
async function webserverConfig(staticRoot) {
  let text = await readFile(CONFIG_TEMPLATE, 'utf8');
  const fill = (key, pattern, value) => {
    const matches = text.match(new RegExp(pattern.source, 'gm'));
    if (matches?.length !== 1) throw new Error(`${CONFIG_TEMPLATE}: expected one \`${key} = ...\` line to fill in, found ${matches?.length ?? 0}`);
    text = text.replace(new RegExp(pattern.source, 'm'), `${key} = ${value}`);
  };
  fill('listen', /^\s*listen\s*=.*$/, JSON.stringify([`${HOST}:${PORT}`]));
  fill('server', /^\s*server\s*=.*$/, JSON.stringify([`${HOST}:${APP_PORT}`]));
  fill('alias', /^\s*alias\s*=.*$/, JSON.stringify(`${staticRoot}/`));
  return text;
}

/** One GET through the chain: the status, or undefined when nothing answered. */
function probe(path) {
  return new Promise((resolve) => {
    const req = request({ host: HOST, port: PORT, path, agent: false, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** True when something accepts a TCP connection on HOST:port. */
function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    socket.setTimeout(2_000, () => socket.destroy());
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/**
 * Waits (bounded) until the app server's socket accepts connections, so the web server's first
 * proxied requests are not refused (and the upstream not marked down) while it boots. The master
 * binds before it forks; connections made before a worker is up wait in the listen backlog.
 */
async function waitForAppServer(deadline) {
  while (!stopping && Date.now() < deadline) {
    if (await accepts(APP_PORT)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Waits (bounded) until the home page comes back through web server, app server and framework. */
async function waitUntilReady(deadline) {
  while (!stopping && Date.now() < deadline) {
    const status = await probe('/');
    // 502/503/504 are the web server saying the app server is not there yet.
    if (status !== undefined && status < 500) return status;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

async function main() {
  if (!(await ensureBuilt())) return;
  tmp = await mkdtemp(join(tmpdir(), 'tsgi-demo-'));
  const staticRoot = join(tmp, 'static');

  const collect = start('collectstatic', ['--import', import.meta.resolve('tsx'), join(ROOT, 'examples/chain/collectstatic.ts'), staticRoot]);
  const collected = await collect.exited;
  if (stopping) return;
  if (collected.code !== 0) {
    say(`collectstatic ${describeExit(collected)}`, process.stderr);
    return shutdown(1);
  }
  const configFile = join(tmp, 'webserver.toml');
  await writeFile(configFile, await webserverConfig(staticRoot));

  const appEnv = {
    TSGI_DEBUG: process.env.TSGI_DEBUG ?? '0',
    TSGI_ALLOWED_HOSTS: process.env.TSGI_ALLOWED_HOSTS ?? `${HOST},localhost`,
    TSGI_SECRET_KEY: process.env.TSGI_SECRET_KEY ?? randomBytes(48).toString('base64url'),
    // The manifest of hashed names the templates link (DEBUG off) is where collectstatic wrote it.
    TSGI_STATIC_ROOT: staticRoot,
  };
  // --keep-alive 75: above tsgi-webserver's upstream keepalive_timeout (60 s), so the web server,
  // not the app server, closes an idle connection, and never sends a request on one being closed.
  const appserver = start(
    'tsgi-appserver',
    // The web server (connecting from HOST) is the one proxy whose X-Forwarded-For is believed:
    // the default, 127.0.0.0/8, would also believe a local client on 127.0.0.2 that forges one.
    [join(ROOT, 'packages/appserver/bin/tsgi-appserver.js'), '-b', `${HOST}:${APP_PORT}`, '-w', String(APP_WORKERS), '--forwarded-allow-ips', HOST, '--keep-alive', '75', '--access-logfile', '-', '--access-logformat', APP_ACCESS_LOG_FORMAT, APP],
    { cwd: PROJECT, env: appEnv },
  );
  superviseServer(appserver);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  if (!(await waitForAppServer(deadline))) {
    if (stopping) return;
    say(`tsgi-appserver accepted no connection on ${HOST}:${APP_PORT} within ${READY_TIMEOUT_MS / 1000} s; stopping`, process.stderr);
    return shutdown(1);
  }
  const webserver = start('tsgi-webserver', [join(ROOT, 'packages/webserver/bin/tsgi-webserver.js'), '-c', configFile], { cwd: tmp });
  superviseServer(webserver);

  const status = await waitUntilReady(deadline);
  if (stopping) return;
  if (status === undefined) {
    say(`nothing answered on http://${HOST}:${PORT}/ within ${READY_TIMEOUT_MS / 1000} s; stopping`, process.stderr);
    return shutdown(1);
  }
  say(`http://${HOST}:${PORT}/ (tsgi-webserver -> tsgi-appserver x${APP_WORKERS} -> tsgi-framework)`);
  say(
    `tsgi-webserver pid ${webserver.child.pid} on ${HOST}:${PORT}, tsgi-appserver pid ${appserver.child.pid} on ${HOST}:${APP_PORT}, ` +
      `static files from ${staticRoot}; Ctrl-C stops them`,
  );
}

main().catch((error) => {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`, process.stderr);
  void shutdown(1);
});
