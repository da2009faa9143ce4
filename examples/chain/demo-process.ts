/**
 * `npm start` as a process a test drives: `node scripts/start.mjs` on given ports with the demo's
 * defaults (nothing from the caller's environment changes them), its output collected, the
 * ready line awaited, and every process it started found (Linux /proc) or killed. Used by the
 * chain test and the browser test.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HOST = '127.0.0.1';
/** Start-up bound: a cold tsx compile of the demo (or a `tsc -b` when dist/ is missing) on a loaded machine. */
const START_TIMEOUT_MS = 240_000;
export const HAVE_PROC = existsSync('/proc/self/stat');

/** Every live descendant of `pid` with its command line (Linux /proc). */
export function descendants(pid: number): Map<number, string> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the command name in parentheses, which may itself hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const found = new Map<number, string>();
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      try {
        found.set(child, readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' ').trim());
      } catch {
        continue;
      }
      queue.push(child);
    }
  }
  return found;
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `node scripts/start.mjs` with its output collected, the way a user runs `npm start`. */
export class Demo {
  readonly port: number;
  readonly appPort: number;
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(port: number, appPort: number) {
    this.port = port;
    this.appPort = appPort;
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), APP_PORT: String(appPort) };
    // The demo's defaults are under test: nothing from the caller's environment may change them.
    for (const name of ['TSGI_DEBUG', 'TSGI_ALLOWED_HOSTS', 'TSGI_SECRET_KEY', 'NODE_OPTIONS', 'TSGI_APPSERVER_ARGS']) delete env[name];
    this.child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => (this.output += s));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.output += s));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Resolves when the ready lines are printed (the URL, then the servers' pids: two writes, which
   * may arrive apart); rejects with the output when start.mjs exits first or time runs out.
   */
  async ready(): Promise<void> {
    const line = `tsgi demo: http://${HOST}:${this.port}/ (tsgi-webserver -> tsgi-appserver x2 -> tsgi-framework)\n`;
    try {
      await waitFor('the ready lines', () => {
        if (!this.running) throw new Error(`start.mjs exited (${this.child.exitCode ?? this.child.signalCode}) before it was ready`);
        return this.output.includes(line) && /tsgi-appserver pid \d+ on .*Ctrl-C stops them\n/.test(this.output);
      }, START_TIMEOUT_MS);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- start.mjs output ---\n${this.output}`);
    }
  }

  /** The supervisor's servers and their workers, by command line. */
  processes(): { all: Map<number, string>; appserver: number[]; webserver: number[] } {
    const all = descendants(this.child.pid!);
    const pids = (bin: string) => [...all].filter(([, cmd]) => cmd.includes(bin)).map(([pid]) => pid);
    return { all, appserver: pids('packages/appserver/'), webserver: pids('packages/webserver/') };
  }

  /** Last resort for a failed test: nothing may outlive it. */
  async kill(): Promise<void> {
    if (!this.running) return;
    const leftovers = HAVE_PROC ? [...descendants(this.child.pid!).keys()] : [];
    this.child.kill('SIGKILL');
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.exited;
    // Killed, start.mjs could not remove its temp dir (collected static files and config).
    const tempDir = /static files (?:copied to|from) '?(\/\S+?)\/static'?[;,]/.exec(this.output)?.[1];
    if (tempDir?.startsWith(tmpdir())) await rm(tempDir, { recursive: true, force: true });
  }
}
