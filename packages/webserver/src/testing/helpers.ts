/**
 * Test helpers: a server from config text, raw-socket requests, spawned CLIs (waiting, ports and
 * temp dirs come from tsgi-test-support).
 * @module
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import type { Agent, IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadConfigText } from '../config/load.js';
import { WebServer } from '../server/web-server.js';

/** Starts a WebServer in this process from TOML text (`error_log` defaults to off-ish: level crit). */
export async function startFromText(text: string, file = 'test.toml'): Promise<WebServer> {
  const withLog = /^\s*error_log_level\s*=/m.test(text) ? text : `error_log_level = "crit"\n${text}`;
  const config = await loadConfigText(withLog, file);
  return WebServer.start(config);
}

/** The port of the n-th bound socket. */
export function portOf(server: WebServer, n = 0): number {
  const a = server.addresses()[n];
  if (a?.port === undefined) throw new Error('no TCP address');
  return a.port;
}

/**
 * Sends raw bytes, resolves with everything received until the server closes (or `timeoutMs`).
 */
export function rawRequest(port: number, data: string | Buffer, timeoutMs = 10_000, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }, timeoutMs);
    socket.on('connect', () => socket.write(data));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', (e) => {
      clearTimeout(timer);
      if (chunks.length) resolve(Buffer.concat(chunks).toString('latin1'));
      else reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

/** What {@link httpGet} returns. */
export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * One request to `host`:`port` (127.0.0.1) through node's HTTP client (a fresh connection unless `agent`
 * is given, or over `socketPath`); the body is decoded as `encoding` (utf8). Bounded by `timeoutMs`.
 */
export function httpGet(
  port: number,
  path: string,
  options: { host?: string; method?: string; headers?: Record<string, string>; agent?: Agent | false; socketPath?: string; encoding?: BufferEncoding; timeoutMs?: number } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const { host = '127.0.0.1', method = 'GET', headers = {}, agent = false, socketPath, encoding = 'utf8', timeoutMs = 20_000 } = options;
    const req = request({ host, port, path, method, headers, agent, ...(socketPath === undefined ? {} : { socketPath }) }, (res) => {
      let body = '';
      res.setEncoding(encoding);
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer to ${method} ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The status code of the first response in raw text. */
export function statusOf(raw: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  return m ? Number(m[1]) : 0;
}

const RUN_CLI = fileURLToPath(new URL('./run-cli.ts', import.meta.url));

/**
 * Spawns the CLI from source; collects output. `launcher` runs it through another command
 * (`['taskset', '-c', '0']`: the CLI then starts with that affinity mask); `env` adds to this
 * process's environment.
 */
export function spawnCli(
  args: readonly string[],
  cwd?: string,
  launcher: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; stdout: () => string; stderr: () => string; exited: Promise<number | null> } {
  const node = [process.execPath, '--conditions=source', '--import', 'tsx', RUN_CLI, ...args];
  const [cmd, ...rest] = [...launcher, ...node] as [string, ...string[]];
  const child = spawn(cmd, rest, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs the CLI to completion. */
export async function runCli(args: readonly string[], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnCli(args, cwd);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}
