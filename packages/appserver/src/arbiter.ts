/**
 * The arbiter (Gunicorn's arbiter.py): the master process. It binds the sockets, forks the
 * workers, hands each the bound handles, replaces workers that die, and stops the whole server
 * when a worker cannot even start (the app fails to load or its startup throws): no respawn
 * loop. Signal handlers only queue the signal; the main loop dispatches `handle<Signal>`.
 *
 *   TERM, INT, QUIT  graceful stop: workers finish in-flight requests (--graceful-timeout), run shutdown, exit
 *   HUP              reload: re-read the settings (config file, TSGI_APPSERVER_ARGS, argv), start a fresh
 *                    set of workers (re-importing the app), then stop the old ones
 *   TTIN / TTOU      one worker more / one fewer
 *   USR1             reopen the log files (after logrotate), in the master and every worker
 *
 * Between signals the loop checks the workers (as often as they beat): one silent for --timeout
 * is killed (WORKER TIMEOUT) and replaced, one past its --graceful-timeout is killed, and one
 * that asked to be recycled (--max-requests, --max-worker-memory) is stopped once its
 * replacement is ready.
 * @module
 */
import { rmSync, writeFileSync } from 'node:fs';
import { ERROR_CODES, type AppserverErrorCode } from './errors.js';
import type { ArbiterHookContext } from './hooks.js';
import { heartbeatIntervalMs, isMessage, type BootErrorMessage, type HeartbeatMessage, type ReadyMessage, type RetireMessage, type WorkerSettings } from './ipc.js';
import { bindAll, closeAll, systemdListenFds, type BoundListener } from './listeners.js';
import type { ServerLogger } from './logger.js';
import type { AppserverSettings } from './settings.js';
import { VERSION } from './version.js';
import { describeExit, WorkerProcess } from './worker-process.js';

/** The signals the master handles, and the handler each one is dispatched to. */
const SIGNALS = ['SIGHUP', 'SIGQUIT', 'SIGINT', 'SIGTERM', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1'] as const;
type HandledSignal = (typeof SIGNALS)[number];

/** At most this many signals wait in the queue (Gunicorn keeps 5); more are dropped. */
const SIGNAL_QUEUE_MAX = 5;

/** How often the main loop wakes without a signal to check the workers (as often as they beat, for --timeout). */
function loopIntervalMs(timeout: number): number {
  return timeout > 0 ? heartbeatIntervalMs(timeout) : 1000;
}

/**
 * The master process.
 *
 * @example
 * ```ts
 * const exitCode = await new Arbiter(settings, log).run();
 * ```
 */
export class Arbiter {
  #settings: AppserverSettings;
  readonly #reloadSettings: (() => Promise<AppserverSettings>) | undefined;
  readonly #log: ServerLogger;
  #listeners: BoundListener[] = [];
  readonly #workers = new Map<number, WorkerProcess>();
  #nextId = 1;
  #numWorkers: number;
  #generation = 1;
  readonly #queue: HandledSignal[] = [];
  #wake: (() => void) | undefined;
  #halt: { exitCode: number; reason: string | undefined } | undefined;
  #announcedReady = false;
  #announcedInterface = false;
  #reloading = false;
  readonly #signalListeners = new Map<HandledSignal, () => void>();

  /**
   * @param reloadSettings reads the settings again for HUP (the config file may have changed);
   *   without it, HUP restarts the workers with the same settings.
   */
  constructor(settings: AppserverSettings, log: ServerLogger, reloadSettings?: () => Promise<AppserverSettings>) {
    this.#settings = settings;
    this.#reloadSettings = reloadSettings;
    this.#log = log;
    this.#numWorkers = settings.workers;
  }

  /** Runs until stopped; resolves with the exit status. */
  async run(): Promise<number> {
    try {
      await this.#start();
    } catch (err) {
      await this.#cleanup();
      throw err;
    }
    this.#initSignals();
    try {
      this.#manageWorkers();
      while (this.#halt === undefined) {
        const signal = this.#queue.shift();
        if (signal === undefined) {
          await this.#sleep(loopIntervalMs(this.#settings.timeout));
          this.#murderWorkers();
          if (this.#halt === undefined) this.#manageWorkers();
          continue;
        }
        this.#log.info('Handling signal: %s', signal.slice(3).toLowerCase());
        await this.#dispatch(signal);
      }
    } catch (err) {
      this.#log.critical('Unhandled error in the master loop: %s', err instanceof Error ? (err.stack ?? err.message) : String(err));
      this.#halt = { exitCode: 1, reason: 'master error' };
    }
    await this.#stopWorkers();
    this.#removeSignals();
    await this.#cleanup();
    const halt = this.#halt;
    this.#log.info('Shutting down: Master');
    if (halt.reason !== undefined) this.#log.info('Reason: %s', halt.reason);
    return halt.exitCode;
  }

  /** A context for the config file's server hooks. */
  #hookContext(): ArbiterHookContext {
    return { settings: this.#settings, pid: process.pid, log: this.#log, listeners: this.#listeners.map((l) => l.label) };
  }

  async #start(): Promise<void> {
    this.#log.info('Starting tsgi-appserver %s', VERSION);
    if (this.#settings.pidfile !== null) writeFileSync(this.#settings.pidfile, `${process.pid}\n`);
    await this.#settings.onStarting?.(this.#hookContext());
    const inheritedFds = systemdListenFds();
    if (inheritedFds.length > 0) this.#log.info('Using %d socket(s) from systemd (LISTEN_FDS); --bind is ignored', inheritedFds.length);
    this.#listeners = await bindAll(this.#settings.bind, {
      umask: this.#settings.umask,
      scheme: this.#settings.certfile !== null ? 'https' : 'http',
      inheritedFds,
    });
    this.#log.info('Listening at: %s (%d)', this.#listeners.map((l) => l.label).join(','), process.pid);
  }

  async #cleanup(): Promise<void> {
    closeAll(this.#listeners);
    this.#listeners = [];
    if (this.#settings.pidfile !== null) rmSync(this.#settings.pidfile, { force: true });
    try {
      await this.#settings.onExit?.(this.#hookContext());
    } catch (err) {
      this.#log.error('onExit hook failed: %s', err instanceof Error ? (err.stack ?? err.message) : String(err));
    }
  }

  #initSignals(): void {
    for (const signal of SIGNALS) {
      const listener = () => {
        if (this.#queue.length < SIGNAL_QUEUE_MAX) this.#queue.push(signal);
        this.#wakeup();
      };
      this.#signalListeners.set(signal, listener);
      process.on(signal, listener);
    }
  }

  #removeSignals(): void {
    for (const [signal, listener] of this.#signalListeners) process.off(signal, listener);
    this.#signalListeners.clear();
  }

  #wakeup(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  async #dispatch(signal: HandledSignal): Promise<void> {
    switch (signal) {
      case 'SIGTERM':
      case 'SIGINT':
      case 'SIGQUIT':
        return this.#handleStop();
      case 'SIGHUP':
        return this.#handleHup();
      case 'SIGTTIN':
        return this.#handleTtin();
      case 'SIGTTOU':
        return this.#handleTtou();
      case 'SIGUSR1':
        return this.#handleUsr1();
    }
  }

  #handleStop(): void {
    this.#halt ??= { exitCode: 0, reason: undefined };
  }

  /** Reload: a new generation of workers re-imports the app; the old one stops once it is ready. */
  async #handleHup(): Promise<void> {
    if (this.#reloading) return;
    if (this.#reloadSettings !== undefined) {
      try {
        const next = await this.#reloadSettings();
        if (next.bind.join(',') !== this.#settings.bind.join(',') || next.umask !== this.#settings.umask || next.certfile !== this.#settings.certfile) {
          this.#log.warn('Reload: --bind, --umask and TLS changes need a restart; keeping the current sockets');
        }
        this.#settings = { ...next, bind: this.#settings.bind, umask: this.#settings.umask, certfile: this.#settings.certfile, keyfile: this.#settings.keyfile };
        this.#numWorkers = next.workers;
      } catch (err) {
        this.#log.error('Reload refused, the settings are invalid; keeping the running workers: %s', err instanceof Error ? err.message : String(err));
        return;
      }
    }
    this.#reloading = true;
    this.#generation++;
    this.#log.info('Reloading: starting %d new worker(s)', this.#numWorkers);
    for (let i = 0; i < this.#numWorkers; i++) this.#spawnWorker();
  }

  #handleTtin(): void {
    this.#numWorkers++;
    this.#manageWorkers();
  }

  #handleTtou(): void {
    if (this.#numWorkers <= 1) return;
    this.#numWorkers--;
    this.#manageWorkers();
  }

  #handleUsr1(): void {
    this.#log.reopen();
    for (const w of this.#workers.values()) w.signal('SIGUSR1');
  }

  /**
   * Kills (SIGKILL) the workers that must not live on (Gunicorn's murder_workers): those silent
   * for --timeout, serving or stopping alike, and those past their --graceful-timeout.
   */
  #murderWorkers(): void {
    const timeout = this.#settings.timeout;
    for (const w of this.#workers.values()) {
      if (w.killed) continue;
      if (w.hung(timeout)) {
        this.#log.critical('WORKER TIMEOUT (pid %d): worker %d sent no heartbeat for %s s (--timeout %s); killing it; %s', w.pid, w.id, w.silentFor().toFixed(1), timeout, w.describeHang());
        w.kill();
      } else if (w.stopping && w.overdue()) {
        this.#log.warn('Worker %d (pid: %d) did not stop within --graceful-timeout; killing it', w.id, w.pid);
        w.kill();
      }
    }
  }

  /** The workers of the current generation not told to stop (retiring ones included). */
  #current(): WorkerProcess[] {
    return [...this.#workers.values()].filter((w) => !w.stopping && w.generation === this.#generation);
  }

  /**
   * Keeps the number of serving workers of the current generation at the target. A retiring
   * worker does not count: its replacement is started now, and it is stopped once the
   * replacement is ready ({@link #stopReplaced}).
   */
  #manageWorkers(): void {
    if (this.#halt !== undefined) return;
    const live = this.#current().filter((w) => w.retiring === undefined);
    for (let i = live.length; i < this.#numWorkers; i++) this.#spawnWorker();
    if (live.length > this.#numWorkers) {
      // Stop the oldest first, as Gunicorn does.
      for (const w of live.sort((a, b) => a.id - b.id).slice(0, live.length - this.#numWorkers)) this.#stopWorker(w);
    }
    this.#stopReplaced();
  }

  /** Stops retiring workers, oldest first, as far as ready replacements keep --workers serving. */
  #stopReplaced(): void {
    const current = this.#current();
    const retiring = current.filter((w) => w.retiring !== undefined).sort((a, b) => a.id - b.id);
    let spare = current.filter((w) => w.retiring === undefined && w.ready).length + retiring.length - this.#numWorkers;
    for (const w of retiring) {
      if (spare <= 0) return;
      spare--;
      this.#log.info('Worker %d (pid: %d) recycled (%s): its replacement is ready; stopping it', w.id, w.pid, w.retiring);
      this.#stopWorker(w);
    }
  }

  /** A worker asks to be replaced (--max-requests, --max-worker-memory): start its replacement first. */
  #onRetire(w: WorkerProcess, reason: string): void {
    if (w.retiring !== undefined || w.stopping || w.generation !== this.#generation || this.#halt !== undefined) return;
    w.retiring = reason;
    this.#log.info('Worker %d (pid: %d) to be recycled: %s; starting its replacement', w.id, w.pid, reason);
    this.#manageWorkers();
  }

  #spawnWorker(): void {
    const { onStarting: _a, whenReady: _b, onExit: _c, ...settings } = this.#settings;
    const w = WorkerProcess.spawn({ id: this.#nextId++, generation: this.#generation, settings: settings satisfies WorkerSettings, listeners: this.#listeners });
    this.#workers.set(w.id, w);
    this.#log.info('Booting worker %d with pid: %d', w.id, w.pid);
    w.child.on('message', (message: unknown) => this.#onWorkerMessage(w, message));
    w.onStall = (report) =>
      this.#log.warn(
        'Worker %d (pid: %d): event loop blocked for %s s%s',
        w.id,
        w.pid,
        (report.stalledMs / 1000).toFixed(1),
        report.startedSinceBeat === undefined ? '' : `; the last request to start: ${JSON.stringify(report.startedSinceBeat)}`,
      );
    w.child.on('error', (err) => this.#log.error('Worker %d (pid: %d): %s', w.id, w.pid, err.message));
    w.child.on('exit', (code, signal) => this.#onWorkerExit(w, code, signal));
  }

  #stopWorker(w: WorkerProcess): void {
    w.stop(this.#settings.gracefulTimeout);
  }

  #onWorkerMessage(w: WorkerProcess, message: unknown): void {
    if (isMessage<ReadyMessage>(message, 'ready')) {
      w.markReady();
      this.#log.info('Worker %d (pid: %d) ready', w.id, w.pid);
      if (!this.#announcedInterface) {
        this.#announcedInterface = true;
        this.#log.info('Serving %s as a %s app: %s', message.app, message.interface === 'tsgi' ? 'TSGI' : 'Node (req, res)', message.reason);
      }
      this.#checkAllReady();
      this.#stopReplaced();
    } else if (isMessage<HeartbeatMessage>(message, 'heartbeat')) {
      w.heartbeat(message.requests);
    } else if (isMessage<RetireMessage>(message, 'retire')) {
      this.#onRetire(w, message.reason);
    } else if (isMessage<BootErrorMessage>(message, 'boot-error')) {
      w.bootError = message;
    }
  }

  #checkAllReady(): void {
    const current = this.#current().filter((w) => w.retiring === undefined);
    if (current.length < this.#numWorkers || !current.every((w) => w.ready)) return;
    if (this.#reloading) {
      this.#reloading = false;
      const old = [...this.#workers.values()].filter((w) => w.generation !== this.#generation && !w.stopping);
      this.#log.info('Reload done: stopping %d old worker(s)', old.length);
      for (const w of old) this.#stopWorker(w);
    }
    if (!this.#announcedReady) {
      this.#announcedReady = true;
      this.#log.info('Ready: %d worker(s) accepting connections', current.length);
      Promise.resolve(this.#settings.whenReady?.(this.#hookContext())).catch((err: unknown) =>
        this.#log.error('whenReady hook failed: %s', err instanceof Error ? (err.stack ?? err.message) : String(err)),
      );
    }
  }

  #onWorkerExit(w: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.#workers.delete(w.id);
    if (w.stopping || this.#halt !== undefined) {
      this.#log.info('Worker %d (pid: %d) stopped (%s)', w.id, w.pid, describeExit(code, signal));
    } else if (!w.ready) {
      // A worker that never became ready cannot load or start the app: starting another would
      // fail the same way, so the whole server stops with the worker's error (no respawn loop).
      const err = w.bootError;
      const codeName: AppserverErrorCode = err?.code ?? 'TSGI_APPSERVER_E_WORKER_BOOT';
      const message =
        err?.message ??
        (w.killed
          ? `worker ${w.id} (pid: ${w.pid}) sent no heartbeat for --timeout ${this.#settings.timeout} s before it was ready (the app's import or startup blocks the event loop?)`
          : `worker ${w.id} (pid: ${w.pid}) exited with ${describeExit(code, signal)} before it was ready`);
      if (this.#reloading && w.generation === this.#generation) {
        this.#log.error('Reload failed, keeping the running workers: %s', message);
        this.#abortReload();
      } else {
        this.#log.critical('Worker %d failed to boot: %s', w.id, message);
        this.#halt = { exitCode: ERROR_CODES[codeName], reason: codeName === 'TSGI_APPSERVER_E_APP_LOAD' ? 'App failed to load.' : 'Worker failed to boot.' };
      }
    } else if (w.killed) {
      this.#log.error('Worker %d (pid: %d) killed (%s); starting a replacement', w.id, w.pid, describeExit(code, signal));
    } else {
      this.#log.error('Worker %d (pid: %d) died unexpectedly (%s); starting a replacement', w.id, w.pid, describeExit(code, signal));
    }
    this.#wakeup();
  }

  #abortReload(): void {
    for (const w of this.#workers.values()) if (w.generation === this.#generation) this.#stopWorker(w);
    this.#generation--;
    this.#reloading = false;
  }

  /**
   * Stops the server: the master closes its listening sockets first and then TERMs every
   * worker, each of which closes its own at once, so a connection attempted after that is
   * refused (ECONNREFUSED) instead of being accepted by the kernel and reset later. Then waits
   * up to --graceful-timeout for the workers to exit and KILLs the rest.
   */
  async #stopWorkers(): Promise<void> {
    closeAll(this.#listeners);
    for (const w of this.#workers.values()) this.#stopWorker(w);
    const deadline = Date.now() + this.#settings.gracefulTimeout * 1000;
    while (this.#workers.size > 0 && Date.now() < deadline) {
      await this.#sleep(Math.min(100, Math.max(1, deadline - Date.now())));
      this.#murderWorkers();
    }
    for (const w of this.#workers.values()) {
      if (w.killed) continue;
      this.#log.warn('Worker %d (pid: %d) did not stop within --graceful-timeout; killing it', w.id, w.pid);
      w.kill();
    }
    const killDeadline = Date.now() + 5000;
    while (this.#workers.size > 0 && Date.now() < killDeadline) await this.#sleep(50);
  }
}
