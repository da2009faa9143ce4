/**
 * One worker as the master sees it (Gunicorn keeps this in the arbiter's `WORKERS` table and the
 * worker's tmp file): the child process, where it is in its life, and when it last showed signs
 * of life. The arbiter decides; this class carries out and remembers.
 *
 * Life of a worker, in this order:
 *   spawn (fork, send boot + the socket handles) -> booting -> markReady -> serving
 *   -> (retire requested) -> stop(graceful): TERM, deadline = now + --graceful-timeout
 *   -> exit; or kill(): SIGKILL when it is silent for --timeout or past its stop deadline.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { BootErrorMessage, BootMessage, ListenMessage, WorkerSettings } from './ipc.js';
import type { BoundListener } from './listeners.js';

/** Where the worker program is: next to this file (src/*.ts under tsx, dist/*.js when built). */
function workerEntry(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./worker-main${ext}`, import.meta.url).pathname;
}

/** How a process ended, for the log. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `signal ${signal}` : `code ${code ?? 'unknown'}`;
}

/** What {@link WorkerProcess.spawn} needs. */
export interface SpawnWorkerOptions {
  readonly id: number;
  readonly generation: number;
  readonly settings: WorkerSettings;
  readonly listeners: readonly BoundListener[];
  /** The worker hooks the config file sets. */
  readonly workerHooks: readonly string[];
}

/**
 * A worker process, from the master's side.
 *
 * @example
 * ```ts
 * const w = WorkerProcess.spawn({ id: 1, generation: 1, settings, listeners });
 * w.child.on('message', (m) => (isMessage(m, 'ready') ? w.markReady() : undefined));
 * w.stop(30); // TERM, and kill() is due 30 s from now
 * ```
 */
export class WorkerProcess {
  readonly id: number;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The reload generation it belongs to: old generations are stopped once the new one is ready. */
  readonly generation: number;
  /** Sent `ready`: it loaded the app, ran startup and accepts connections. */
  ready = false;
  /** Asked to be replaced (--max-requests, --max-worker-memory): stopped once a replacement is ready. */
  retiring: string | undefined = undefined;
  /** Told to stop: its exit is expected. */
  stopping = false;
  /** Killed with SIGKILL by the master (timeout or stop deadline): its exit is expected. */
  killed = false;
  /** The error it reported before exiting during boot. */
  bootError: BootErrorMessage | undefined = undefined;
  /** When the master last heard from it (ms, monotonic); the spawn counts as the first sign of life. */
  #lastSeen = performance.now();
  /** When a graceful stop must be over (ms, monotonic), or Infinity when not stopping. */
  #stopDeadline = Number.POSITIVE_INFINITY;

  private constructor(id: number, generation: number, child: ChildProcess) {
    this.id = id;
    this.generation = generation;
    this.child = child;
    this.pid = child.pid ?? 0;
  }

  /** Forks the worker program and hands it its settings and every bound socket. */
  static spawn(options: SpawnWorkerOptions): WorkerProcess {
    const child = fork(workerEntry(), [], {
      execArgv: process.execArgv,
      serialization: 'json',
      env: { ...process.env, TSGI_APPSERVER_WORKER_ID: String(options.id) },
    });
    const worker = new WorkerProcess(options.id, options.generation, child);
    const boot: BootMessage = { type: 'boot', id: options.id, generation: options.generation, settings: options.settings, listeners: options.listeners.length, workerHooks: options.workerHooks };
    child.send(boot);
    options.listeners.forEach((l, index) => {
      const message: ListenMessage = { type: 'listen', index, label: l.label, kind: l.address.kind };
      child.send(message, l.handle as never);
    });
    return worker;
  }

  /** It reported ready: it serves. */
  markReady(): void {
    this.ready = true;
    this.#lastSeen = performance.now();
  }

  /** A message arrived from its event loop: it is alive. */
  heartbeat(): void {
    this.#lastSeen = performance.now();
  }

  /** Seconds since the master last heard from it. */
  silentFor(): number {
    return (performance.now() - this.#lastSeen) / 1000;
  }

  /** Its graceful stop has run past --graceful-timeout. */
  overdue(): boolean {
    return performance.now() > this.#stopDeadline;
  }

  /** Graceful stop: TERM now; past `gracefulTimeout` seconds the master may {@link kill} it. */
  stop(gracefulTimeout: number): void {
    if (this.stopping) return;
    this.stopping = true;
    this.#stopDeadline = performance.now() + gracefulTimeout * 1000;
    this.#signal('SIGTERM');
  }

  /** SIGKILL: no cleanup, no shutdown hook; the master replaces it if it is still wanted. */
  kill(): void {
    this.killed = true;
    this.stopping = true;
    this.#signal('SIGKILL');
  }

  /** Passes a signal on (USR1: reopen the logs). */
  signal(signal: NodeJS.Signals): void {
    this.#signal(signal);
  }

  #signal(signal: NodeJS.Signals): void {
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
  }
}
