/**
 * A third-party server (HAProxy, Gunicorn) run by an interop test: spawned in its own process
 * group with its output collected, waited for on its ports, and stopped by signal with a bounded
 * wait (its whole group killed on the last resort).
 * @module
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { canConnect, waitFor } from 'tsgi-test-support';

/** A spawned server process. */
export class SpawnedServer {
  readonly child: ChildProcess;
  readonly #name: string;
  readonly #exited: Promise<number | string>;
  #output = '';

  /**
   * Spawns `command args` (detached: its own process group, so a last-resort kill takes its
   * workers with it), collecting stdout and stderr.
   *
   * @example
   * ```ts
   * const haproxy = new SpawnedServer('haproxy', '/usr/sbin/haproxy', ['-f', cfg, '-db']);
   * await haproxy.waitListening(port);
   * after(() => haproxy.stop());
   * ```
   */
  constructor(name: string, command: string, args: readonly string[], options: SpawnOptions = {}) {
    this.#name = name;
    this.child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c: Buffer) => (this.#output += c.toString()));
    this.child.stderr!.on('data', (c: Buffer) => (this.#output += c.toString()));
    this.#exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  }

  /** Everything it printed so far. */
  output(): string {
    return this.#output;
  }

  /** Whether the process has ended. */
  hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Waits until every one of `ports` on 127.0.0.1 accepts connections; fails at once if the process exits first. */
  async waitListening(ports: readonly number[], timeoutMs = 30_000): Promise<void> {
    for (const port of ports) {
      await waitFor(async () => this.hasExited() || (await canConnect(port)), { timeoutMs, what: () => `${this.#name} to listen on ${port}; output:\n${this.#output}` });
      if (this.hasExited()) throw new Error(`${this.#name} exited (${this.child.exitCode ?? this.child.signalCode}) before listening on ${port}; output:\n${this.#output}`);
    }
  }

  /** Resolves with the exit code (or signal name) once the process has ended, rejecting after `timeoutMs`. */
  exited(timeoutMs = 10_000): Promise<number | string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.#name} did not exit within ${timeoutMs} ms; output:\n${this.#output}`)), timeoutMs);
    });
    return Promise.race([this.#exited, timeout]).finally(() => clearTimeout(timer));
  }

  /** Sends `signal` (SIGTERM) and waits up to `timeoutMs`; then kills the whole process group. Idempotent. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<number | string> {
    if (this.hasExited()) return this.#exited;
    this.child.kill(signal);
    try {
      return await this.exited(timeoutMs);
    } catch {
      try {
        process.kill(-this.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      return this.#exited;
    }
  }
}
