/**
 * Helpers for this package's tests: run `tsgi-admin` and a generated project's `manage.ts` as
 * real child processes (from TypeScript sources, through tsx), and wait for what they print.
 * Not part of the public API.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir, waitFor } from 'tsgi-test-support';

/** The monorepo root (node_modules lives there). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

/** Node flags that run TypeScript sources from any cwd: tsx by absolute URL, and the `source` condition. */
export const NODE_TS_FLAGS = ['--conditions=source', '--import', pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href];

const ADMIN_ENTRY = fileURLToPath(new URL('./admin-entry.ts', import.meta.url));
/**
 * tsgi-appserver's CLI from source, as a file to spawn (workers inherit our node flags, so no
 * `-e`): its own test entry, found through node_modules as a project finds the package. A path,
 * not an import: the framework does not depend on the app server, and its type checker sees no
 * hidden import either.
 */
export const APPSERVER_ENTRY = join(REPO_ROOT, 'node_modules/tsgi-appserver/src/testing/cli-entry.ts');

/** What a finished process left behind. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a process to completion (bounded by `timeoutMs`, then killed). */
export function run(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_TS_FLAGS, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `tsgi-admin ARGS` (the CLI's source) in `cwd`. */
export function runAdmin(args: readonly string[], cwd: string): Promise<RunResult> {
  return run([ADMIN_ENTRY, ...args], { cwd });
}

/**
 * Makes a project with startproject in a temp dir and links the monorepo's node_modules into
 * it, so it resolves tsgi-framework, tsgi and tsgi-appserver from this checkout.
 */
export async function makeProject(name = 'mysite'): Promise<{ root: string; dir: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = await tempDir('tsgi-fw-');
  const result = await runAdmin(['startproject', name], dir);
  if (result.code !== 0) throw new Error(`startproject failed (${result.code}): ${result.stderr}`);
  const root = join(dir, name);
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { root, dir, cleanup };
}

/** A long-running child whose output is collected and can be awaited. */
export class LiveProcess {
  readonly child: ChildProcess;
  output = '';
  #waiters: { pattern: RegExp; from: number; resolve: (m: RegExpExecArray) => void }[] = [];

  constructor(args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
    this.child = spawn(process.execPath, [...NODE_TS_FLAGS, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (d: Buffer) => {
      this.output += d.toString();
      this.#check();
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
  }

  #check(): void {
    this.#waiters = this.#waiters.filter((w) => {
      const re = new RegExp(w.pattern.source, w.pattern.flags.replace('g', ''));
      const m = re.exec(this.output.slice(w.from));
      if (m) w.resolve(m);
      return !m;
    });
  }

  /** Resolves with the first match of `pattern` in output printed after offset `from`. */
  waitFor(pattern: RegExp, timeoutMs = 30_000, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${this.output}`)), timeoutMs);
      this.#waiters.push({ pattern, from, resolve: (m) => { clearTimeout(timer); resolve(m); } });
      this.#check();
    });
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

/** GETs `url` until `predicate(body, status)` holds or `timeoutMs` passes (connection errors retried). */
export async function pollUntil(url: string, predicate: (body: string, status: number) => boolean, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  let last = 'no response';
  return waitFor(
    async () => {
      try {
        const response = await fetch(url);
        const body = await response.text();
        if (predicate(body, response.status)) return { status: response.status, body };
        last = `${response.status} ${body.slice(0, 200)}`;
      } catch (error) {
        last = String(error);
      }
      return undefined;
    },
    { timeoutMs, intervalMs: 50, what: () => `${url} to meet the condition; last: ${last}` },
  );
}

/** Rewrites `file` (relative to `root`) with `edit` for the duration of `body`, then restores it. */
export async function withEdit(root: string, file: string, edit: (text: string) => string, body: () => Promise<void>): Promise<void> {
  const path = join(root, file);
  const original = await readFile(path, 'utf8');
  const changed = edit(original);
  assert.notEqual(changed, original, `the edit of ${file} changed nothing`);
  await writeFile(path, changed);
  try {
    await body();
  } finally {
    await writeFile(path, original);
  }
}
