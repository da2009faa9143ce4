/**
 * One worker as the master sees it (Gunicorn keeps this in the arbiter's `WORKERS` table and the
 * worker's tmp file): the child process, where it is in its life, and when it last showed signs
 * of life. The arbiter decides; this class carries out and remembers.
 *
 * Life of a worker, in this order:
 *   spawn (fork, send boot) -> booting -> markReady -> serving (the master hands it connections)
 *   -> (retire requested) -> stop(graceful): `stop` message, deadline = now + --graceful-timeout
 *   -> exit; or kill(): SIGKILL when it is silent for --timeout or past its stop deadline.
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { BootErrorMessage, BootMessage, StopMessage, WorkerSettings } from './ipc.js';
import { WATCHDOG_ENV, WATCHDOG_FD, type StallReport } from './stall-watchdog.js';

/** Where the worker program is: next to this file (src/*.ts under tsx, dist/*.js when built). */
function workerEntry(): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./worker-main${ext}`, import.meta.url).pathname;
}

/** How a process ended, for the log. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `signal ${signal}` : `code ${code ?? 'unknown'}`;
}

/**
 * How long a new process may take to send its first heartbeat: starting node and tsx and
 * compiling the server's own modules is not the app's doing (measured 1-3 s on a busy 2-core
 * machine), so --timeout counts from the first beat, which comes before the app is imported.
 */
const FIRST_BEAT_ALLOWANCE_S = 30;

/** What {@link WorkerProcess.spawn} needs. */
export interface SpawnWorkerOptions {
  readonly id: number;
  readonly generation: number;
  readonly settings: WorkerSettings;
  /** The worker hooks the config file sets. */
  readonly workerHooks: readonly string[];
}

/**
 * A worker process, from the master's side.
 *
 * @example
 * ```ts
 * const w = WorkerProcess.spawn({ id: 1, generation: 1, settings, workerHooks: [] });
 * w.child.on('message', (m) => (isMessage(m, 'ready') ? w.markReady() : undefined));
 * w.stop(30); // the stop message, and kill() is due 30 s from now
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
  /** A heartbeat has arrived: the process is up and its loop beats. */
  #beating = false;
  /** When a graceful stop must be over (ms, monotonic), or Infinity when not stopping. */
  #stopDeadline = Number.POSITIVE_INFINITY;
  /** The request lines in flight at its last heartbeat. */
  #requests: readonly string[] = [];
  /** What its watchdog thread said since the last heartbeat: the event loop is stuck. */
  #stall: StallReport | undefined = undefined;
  /** Called when its watchdog reports a stuck event loop (before --timeout runs out: an early warning). */
  onStall: ((report: StallReport) => void) | undefined = undefined;

  private constructor(id: number, generation: number, child: ChildProcess) {
    this.id = id;
    this.generation = generation;
    this.child = child;
    this.pid = child.pid ?? 0;
    const pipe = child.stdio[WATCHDOG_FD] as Readable | null | undefined;
    if (pipe != null) {
      createInterface({ input: pipe }).on('line', (line) => {
        let report: StallReport;
        try {
          report = JSON.parse(line) as StallReport;
        } catch {
          return; // not a report
        }
        this.#stall = report;
        this.onStall?.(report);
      });
    }
  }

  /** Forks the worker program and hands it its settings. */
  static spawn(options: SpawnWorkerOptions): WorkerProcess {
    const child = fork(workerEntry(), [], {
      execArgv: process.execArgv,
      serialization: 'json',
      // fd 4: the watchdog thread's pipe to the master (stall-watchdog.ts).
      stdio: ['inherit', 'inherit', 'inherit', 'ipc', 'pipe'],
      env: { ...process.env, TSGI_APPSERVER_WORKER_ID: String(options.id), [WATCHDOG_ENV]: String(WATCHDOG_FD) },
    });
    const worker = new WorkerProcess(options.id, options.generation, child);
    const boot: BootMessage = { type: 'boot', id: options.id, generation: options.generation, settings: options.settings, workerHooks: options.workerHooks };
    child.send(boot);
    return worker;
  }

  /** It reported ready: it serves. */
  markReady(): void {
    this.ready = true;
    this.#lastSeen = performance.now();
  }

  /** A heartbeat arrived from its event loop: it is alive, serving `requests`. */
  heartbeat(requests: readonly string[]): void {
    this.#lastSeen = performance.now();
    this.#beating = true;
    this.#requests = requests;
    this.#stall = undefined;
  }

  /** What is known of what it was doing when it went silent, for the WORKER TIMEOUT line. */
  describeHang(): string {
    const stall = this.#stall;
    const inFlight = this.#requests.length === 0 ? 'none' : this.#requests.map((r) => JSON.stringify(r)).join(', ');
    if (stall === undefined) return `in flight at its last heartbeat: ${inFlight}`;
    const started = stall.startedSinceBeat === undefined ? 'no request started after its last heartbeat' : `the last request to start before it stuck: ${JSON.stringify(stall.startedSinceBeat)}`;
    return `its event loop was blocked (the watchdog saw no beat for ${(stall.stalledMs / 1000).toFixed(1)} s); ${started}; in flight at its last heartbeat: ${inFlight}`;
  }

  /** Seconds since the master last heard from it. */
  silentFor(): number {
    return (performance.now() - this.#lastSeen) / 1000;
  }

  /** Silent for longer than `timeout` seconds (plus the process's start-up before its first beat). */
  hung(timeout: number): boolean {
    return timeout > 0 && this.silentFor() > timeout + (this.#beating ? 0 : FIRST_BEAT_ALLOWANCE_S);
  }

  /** Its graceful stop has run past --graceful-timeout. */
  overdue(): boolean {
    return performance.now() > this.#stopDeadline;
  }

  /**
   * Graceful stop: the `stop` message now (after the connections already handed to it, on the
   * same channel, so it serves every one of them; SIGTERM if the channel is gone); past
   * `gracefulTimeout` seconds the master may {@link kill} it.
   */
  stop(gracefulTimeout: number): void {
    if (this.stopping) return;
    this.stopping = true;
    this.#stopDeadline = performance.now() + gracefulTimeout * 1000;
    if (!this.child.connected) return this.#signal('SIGTERM');
    const message: StopMessage = { type: 'stop' };
    this.child.send(message, undefined, undefined, (err) => (err ? this.#signal('SIGTERM') : undefined));
  }

  /** SIGKILL: no cleanup, no shutdown hook; the master replaces it if it is still wanted. */
  kill(): void {
    this.killed = true;
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
