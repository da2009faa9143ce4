/**
 * A front server (nginx, Apache httpd) from its Debian package as a real process: started on its
 * own config, in its own process group, waited for until its port accepts, stopped with a bounded
 * wait. A missing binary fails the test with the package to install; it never skips.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { canConnect, waitFor } from 'tsgi-test-support';

/** How to start one front. */
export interface FrontCommand {
  /** Names it in failure messages, e.g. `nginx (unix socket upstream)`. */
  readonly name: string;
  readonly binary: string;
  /** The Debian package that installs `binary`, named when it is missing. */
  readonly debianPackage: string;
  readonly args: readonly string[];
  /** The loopback port its config listens on. */
  readonly port: number;
  /** Its error log file, shown in failure messages. */
  readonly errorLog: string;
  /** Runs once it has stopped (or failed to start): removes its config and temp dir. */
  readonly cleanup: () => void;
  /** Its working directory (default: this process's). */
  readonly cwd?: string;
  /** Variables added to this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** How long it may take to listen (default 15 s). */
  readonly startTimeoutMs?: number;
}

/** Fails with the package to install when `binary` is not an executable. */
export function requireBinary(binary: string, debianPackage: string): void {
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    throw new Error(`${binary} is missing: install the Debian package ${debianPackage} (apt-get install ${debianPackage}; .ci/run does). This test does not skip.`);
  }
}

/** A running front. */
export class FrontProcess {
  readonly name: string;
  /** Where clients connect: `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #errorLog: string;
  readonly #cleanup: () => void;
  #output = '';

  private constructor(command: FrontCommand) {
    this.name = command.name;
    this.port = command.port;
    this.url = `http://127.0.0.1:${command.port}`;
    this.#errorLog = command.errorLog;
    this.#cleanup = command.cleanup;
    // Its own process group, so the last-resort SIGKILL takes its workers with it.
    this.#child = spawn(command.binary, command.args, { cwd: command.cwd, env: { ...process.env, ...command.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stdout!.on('data', (c: Buffer) => (this.#output += c.toString()));
    this.#child.stderr!.on('data', (c: Buffer) => (this.#output += c.toString()));
    this.#child.once('error', (error) => (this.#output += `spawn failed: ${error.message}\n`));
    this.#exited = new Promise((resolve) => this.#child.once('close', () => resolve()));
  }

  /** Starts the front and resolves once its port accepts connections; stops it and throws with its output otherwise. */
  static async start(command: FrontCommand): Promise<FrontProcess> {
    try {
      requireBinary(command.binary, command.debianPackage);
    } catch (error) {
      command.cleanup();
      throw error;
    }
    const front = new FrontProcess(command);
    try {
      await waitFor(async () => front.#gone() || (await canConnect(command.port)), { timeoutMs: command.startTimeoutMs ?? 15_000, what: () => `${command.name} to listen on ${command.port}; ${front.output()}` });
      if (front.#gone()) throw new Error(`${command.name} exited (${front.#child.exitCode ?? front.#child.signalCode}) before listening on ${command.port}; ${front.output()}`);
      return front;
    } catch (error) {
      await front.stop();
      throw error;
    }
  }

  #gone(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  /** What it printed and its error log so far, for failure messages. */
  output(): string {
    let log = '';
    try {
      log = readFileSync(this.#errorLog, 'utf8');
    } catch {
      // not written yet
    }
    return `${this.name} output:\n${this.#output}\n${this.name} error log:\n${log}`;
  }

  /**
   * TERM (nginx's and Apache's fast stop: a test has no requests left to finish), then KILL of its
   * process group after 5 s; then its cleanup (idempotent).
   */
  async stop(): Promise<void> {
    if (this.#child.pid !== undefined) await this.#signalUntilGone(this.#child.pid);
    this.#cleanup();
  }

  async #signalUntilGone(pid: number): Promise<void> {
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      if (this.#gone()) break;
      try {
        process.kill(signal === 'SIGKILL' ? -pid : pid, signal);
      } catch {
        break; // already gone
      }
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
      if ((await Promise.race([this.#exited, timer])) !== 'timeout') break;
    }
    await this.#exited;
  }
}
