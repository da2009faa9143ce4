/**
 * Test support: start tsgi-appserver as a real process (from source), wait until it serves,
 * and stop it. Used by this package's tests and its conformance run.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (three levels above this file's directory). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const ENTRY = fileURLToPath(new URL(`./cli-entry${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
/** The installed command: bin/tsgi-appserver.js, which runs dist/cli.js. */
export const BUILT_ENTRY = join(REPO_ROOT, 'packages/appserver/bin/tsgi-appserver.js');

/** A running (or finished) tsgi-appserver process. */
export interface AppserverProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  stdout(): string;
  /** Resolves with the first match of `pattern` in the output (rejects on exit or timeout). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name) once the process ended. */
  exited(timeoutMs?: number): Promise<number | string>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Options of {@link spawnAppserver}. */
export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** File descriptors of this process handed to the server as its fds 3, 4, ... (for fd:// and LISTEN_FDS). */
  readonly passFds?: readonly number[];
  /** Run through `sh -c 'exec ...'` with this prefix (e.g. `LISTEN_PID=$$`), for systemd-style tests. */
  readonly shellPrefix?: string;
  /**
   * Run the built command (bin/tsgi-appserver.js on dist/, with plain node) instead of the source
   * under tsx: the way users run it, where the workers are not under tsx either. Needs `npx tsc -b`.
   */
  readonly built?: boolean;
}

/**
 * Spawns `tsgi-appserver ...args` from source.
 *
 * @example
 * ```ts
 * const p = spawnAppserver(['-b', '127.0.0.1:0', 'app.ts']);
 * const [, url] = await p.waitFor(/Listening at: (\S+)/);
 * ```
 */
export function spawnAppserver(args: readonly string[], options: SpawnOptions = {}): AppserverProcess {
  const argv = options.built === true ? [process.execPath, BUILT_ENTRY, ...args] : [process.execPath, '--conditions=source', '--import', 'tsx', ENTRY, ...args];
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const [command, commandArgs] = options.shellPrefix === undefined ? [argv[0]!, argv.slice(1)] : ['/bin/sh', ['-c', `${options.shellPrefix} exec ${argv.map(quote).join(' ')}`]];
  const child = spawn(command, commandArgs, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.passFds ?? [])],
  });
  let out = '';
  let stdout = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
    onData(c);
  });
  child.stderr!.on('data', onData);
  const exit = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; output so far:\n${out}`)), ms);
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e as Error);
        },
      );
    });
  // 60 s: a worker's start under tsx took 29 s once with the machine at load 20 (2 cores); the
  // default is only paid when something is wrong, so it is set well above that.
  const waitMs = 60_000;
  return {
    child,
    output: () => out,
    stdout: () => stdout,
    waitFor(pattern, timeoutMs = waitMs) {
      const found = new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m !== null) {
            listeners.delete(check);
            resolve(m);
          }
        };
        listeners.add(check);
        check();
        void exit.then((code) => {
          if (listeners.has(check)) {
            listeners.delete(check);
            reject(new Error(`tsgi-appserver exited (${code}) before printing ${pattern}; output:\n${out}`));
          }
        });
      });
      return withTimeout(found, timeoutMs, String(pattern));
    },
    exited: (timeoutMs = waitMs) => withTimeout(exit, timeoutMs, 'exit'),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return withTimeout(exit, waitMs, 'exit after stop');
    },
  };
}

/** Starts tsgi-appserver on an ephemeral port and waits until every worker is ready; returns its URL. */
export async function startAppserver(args: readonly string[], options: SpawnOptions = {}): Promise<AppserverProcess & { url: string }> {
  const p = spawnAppserver(['-b', '127.0.0.1:0', ...args], options);
  try {
    const [, url] = await p.waitFor(/Listening at: (\S+) \(/);
    await p.waitFor(/Ready: \d+ worker/);
    return Object.assign(p, { url: url!.split(',')[0]! });
  } catch (err) {
    await p.stop('SIGKILL');
    throw err;
  }
}

/**
 * A temporary directory under the OS temp dir whose `node_modules` points at the repository's,
 * so apps written there can import tsgi, hono, express...; `remove()` deletes it.
 */
export function tempProject(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tsgi-appserver-'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
