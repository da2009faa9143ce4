/**
 * The arbiter (Gunicorn's arbiter.py): the master process. It binds the sockets, forks the
 * workers, accepts the connections and hands them to the workers in turn
 * (connection-dispatcher.ts), replaces workers that die, and stops the whole server
 * when a worker cannot even start (the app fails to load or its startup throws): no respawn
 * loop. Signal handlers only queue the signal; the main loop dispatches `handle<Signal>`.
 *
 *   TERM, INT, QUIT  graceful stop: workers finish in-flight requests (--graceful-timeout), run shutdown, exit
 *   HUP              reload: re-read the settings (config file, TSGI_APPSERVER_ARGS, argv), start a fresh
 *                    set of workers (re-importing the app), then stop the old ones
 *   TTIN / TTOU      one worker more / one fewer
 *   USR1             reopen the log files (after logrotate), in the master and every worker
 *   USR2             start a new master on the same sockets (binary upgrade; reexec.ts): TERM the
 *                    old master to complete it, HUP it to roll back
 *
 * Between signals the loop checks the workers (as often as they beat): one silent for --timeout
 * is killed (WORKER TIMEOUT) and replaced, one past its --graceful-timeout is killed, and one
 * that asked to be recycled (--max-requests, --max-worker-memory) is stopped once its
 * replacement is ready.
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { ERROR_CODES, type AppserverErrorCode, errorText } from './errors.js';
import { callHook, HOOK_NAMES, WORKER_HOOK_NAMES, type ArbiterHookContext, type WorkerHookInfo } from './hooks.js';
import { ConnectionDispatcher } from './connection-dispatcher.js';
import { heartbeatIntervalMs, isMessage, type AcceptedMessage, type BootErrorMessage, type HeartbeatMessage, type MetricsMessage, type ReadyMessage, type RetireMessage, type WorkerSettings } from './ipc.js';
import { bindAll, closeAll, systemdListenFds, type BoundListener } from './listeners.js';
import type { ServerLogger } from './logger.js';
import type { MasterMetrics, RestartReason } from './metrics.js';
import type { AppserverSettings } from './settings.js';
import { inheritedFromOldMaster, spawnNewMaster } from './reexec.js';
import { VERSION } from './version.js';
import { describeExit, WorkerProcess } from './worker-process.js';

/** The signals the master handles, and the handler each one is dispatched to. */
const SIGNALS = ['SIGHUP', 'SIGQUIT', 'SIGINT', 'SIGTERM', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1', 'SIGUSR2'] as const;
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
  /** Accepts on the listeners and hands the connections to ready workers. */
  #dispatcher: ConnectionDispatcher | undefined;
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
  /** A reload asked for while one was under way: it runs once that one ends (new code may have landed). */
  #reloadAgain = false;
  readonly #signalListeners = new Map<HandledSignal, () => void>();
  /** --metrics-bind: the workers' last reports and the endpoint (prom-client is loaded only then). */
  #metrics: MasterMetrics | undefined;
  /** Workers killed for --timeout, until their exit is counted. */
  readonly #timedOut = new Set<number>();
  /** After USR2: the new master this one started, until it exits. */
  #newMaster: ChildProcess | undefined;
  /** Started by an old master's USR2: its pid, until it exits and this master is promoted. */
  #oldMasterPid: number | undefined;

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
    // Signals are queued from before the pid file is written (as Gunicorn's start() does): a TERM
    // that came while this master was still binding killed it with node's default action and left
    // its pid file behind (seen in reexec.test.ts: a rollback's TERM to a new master still starting).
    this.#initSignals();
    try {
      await this.#start();
    } catch (err) {
      this.#removeSignals();
      await this.#cleanup();
      throw err;
    }
    try {
      this.#manageWorkers();
      while (this.#halt === undefined) {
        const signal = this.#queue.shift();
        if (signal === undefined) {
          await this.#sleep(loopIntervalMs(this.#settings.timeout));
          this.#maybePromote();
          this.#murderWorkers();
          if (this.#halt === undefined) this.#manageWorkers();
          continue;
        }
        this.#log.info('Handling signal: %s', signal.slice(3).toLowerCase());
        await this.#dispatch(signal);
      }
    } catch (err) {
      this.#log.critical('Unhandled error in the master loop: %s', errorText(err));
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

  /** Queues a reload, as HUP does (the --reload file watcher calls it). */
  requestReload(): void {
    if (this.#queue.length < SIGNAL_QUEUE_MAX) this.#queue.push('SIGHUP');
    this.#wakeup();
  }

  /** A context for the config file's server hooks. */
  #hookContext(): ArbiterHookContext {
    return { settings: this.#settings, pid: process.pid, log: this.#log, listeners: this.#listeners.map((l) => l.label) };
  }

  async #start(): Promise<void> {
    this.#log.info('Starting tsgi-appserver %s', VERSION);
    const inherited = inheritedFromOldMaster();
    this.#oldMasterPid = inherited?.oldMasterPid;
    const pidfile = this.#pidfile();
    if (pidfile !== null) writeFileSync(pidfile, `${process.pid}\n`);
    await callHook(this.#log, 'onStarting', this.#settings.onStarting, this.#hookContext());
    const inheritedFds = inherited?.fds ?? systemdListenFds();
    if (inherited !== undefined) this.#log.info('Upgrade: started by master %d; serving its %d socket(s)', inherited.oldMasterPid, inherited.fds.length);
    else if (inheritedFds.length > 0) this.#log.info('Using %d socket(s) from systemd (LISTEN_FDS); --bind is ignored', inheritedFds.length);
    this.#listeners = await bindAll(this.#settings.bind, {
      umask: this.#settings.umask,
      scheme: this.#settings.certfile !== null ? 'https' : 'http',
      inheritedFds,
    });
    if (inherited !== undefined) {
      // The old master's names for them; a unix socket's file becomes this master's to remove.
      this.#listeners = this.#listeners.map((l, i) => {
        const label = inherited.labels[i] ?? l.label;
        return { ...l, label, unlinkPath: label.startsWith('unix:') ? label.slice(5) : undefined };
      });
    }
    this.#dispatcher = new ConnectionDispatcher(this.#log, this.#settings.backlog);
    this.#dispatcher.listen(this.#listeners);
    this.#log.info('Listening at: %s (%d)', this.#listeners.map((l) => l.label).join(','), process.pid);
    if (this.#settings.metricsBind !== null) {
      const { MasterMetrics } = await import('./metrics.js');
      this.#metrics = new MasterMetrics(this.#log, () => this.#workers.size);
      this.#log.info('Metrics at: %s/metrics', await this.#metrics.listen(this.#settings.metricsBind));
    }
  }

  async #cleanup(): Promise<void> {
    // After USR2 the new master serves these sockets: their files stay.
    closeAll(this.#listeners, this.#newMaster !== undefined);
    this.#listeners = [];
    this.#dispatcher?.closeQueued();
    this.#metrics?.close();
    const pidfile = this.#pidfile();
    if (pidfile !== null) rmSync(pidfile, { force: true });
    await callHook(this.#log, 'onExit', this.#settings.onExit, this.#hookContext());
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
      case 'SIGUSR2':
        return this.#handleUsr2();
    }
  }

  #handleStop(): void {
    this.#halt ??= { exitCode: 0, reason: undefined };
  }

  /** Reload: a new generation of workers re-imports the app; the old one stops once it is ready. */
  async #handleHup(): Promise<void> {
    if (this.#newMaster !== undefined) return this.#rollBackUpgrade();
    if (this.#reloading) {
      if (!this.#reloadAgain) this.#log.info('A reload is under way; another will follow once it ends');
      this.#reloadAgain = true;
      return;
    }
    if (this.#reloadSettings !== undefined) {
      try {
        const next = await this.#reloadSettings();
        if (next.bind.join(',') !== this.#settings.bind.join(',') || next.umask !== this.#settings.umask || next.certfile !== this.#settings.certfile) {
          this.#log.warn('Reload: --bind, --umask and TLS changes need a restart; keeping the current sockets');
        }
        this.#settings = { ...next, bind: this.#settings.bind, umask: this.#settings.umask, certfile: this.#settings.certfile, keyfile: this.#settings.keyfile };
        this.#setNumWorkers(next.workers);
      } catch (err) {
        this.#log.error('Reload refused, the settings are invalid; keeping the running workers: %s', err instanceof Error ? err.message : String(err));
        return;
      }
    }
    await callHook(this.#log, 'onReload', this.#settings.onReload, this.#hookContext());
    this.#reloading = true;
    this.#generation++;
    this.#log.info('Reloading: starting %d new worker(s)', this.#numWorkers);
    for (let i = 0; i < this.#numWorkers; i++) this.#spawnWorker();
  }

  #handleTtin(): void {
    this.#setNumWorkers(this.#numWorkers + 1);
    this.#manageWorkers();
  }

  #handleTtou(): void {
    if (this.#numWorkers <= 1) return;
    this.#setNumWorkers(this.#numWorkers - 1);
    this.#manageWorkers();
  }

  /** The target number of workers changes: the nworkersChanged hook hears of it. */
  #setNumWorkers(value: number): void {
    const old = this.#numWorkers;
    this.#numWorkers = value;
    if (value !== old) void callHook(this.#log, 'nworkersChanged', this.#settings.nworkersChanged, this.#hookContext(), value, old);
  }

  /** A worker as the hooks see it. */
  #hookWorker(w: { readonly id: number; readonly pid: number; readonly generation: number }): WorkerHookInfo {
    return Object.freeze({ id: w.id, pid: w.pid, generation: w.generation });
  }

  #handleUsr1(): void {
    this.#log.reopen();
    for (const w of this.#workers.values()) w.signal('SIGUSR1');
  }

  /** The pid file: `<pidfile>.2` while the old master of an upgrade still runs. */
  #pidfile(): string | null {
    const name = this.#settings.pidfile;
    if (name === null) return null;
    return this.#oldMasterPid !== undefined ? `${name}.2` : name;
  }

  /** USR2: a new master on the same sockets; both serve until the old one gets TERM (or HUP: rollback). */
  async #handleUsr2(): Promise<void> {
    if (this.#newMaster !== undefined) {
      this.#log.warn('USR2 ignored: a new master (pid %d) is already running', this.#newMaster.pid);
      return;
    }
    if (this.#oldMasterPid !== undefined) {
      this.#log.warn('USR2 ignored: the old master (pid %d) is still running; TERM it first', this.#oldMasterPid);
      return;
    }
    await callHook(this.#log, 'preExec', this.#settings.preExec, this.#hookContext());
    const next = spawnNewMaster(this.#listeners);
    this.#newMaster = next;
    this.#log.info('Upgrade: started a new master (pid %d); TERM this master (pid %d) to complete, HUP it to roll back', next.pid, process.pid);
    next.once('exit', (code, signal) => {
      this.#log.info('The new master (pid %d) exited (%s)', next.pid, describeExit(code, signal));
      if (this.#newMaster === next) this.#newMaster = undefined;
    });
  }

  /** HUP while a new master runs: stop it; this master's workers never stopped serving. */
  #rollBackUpgrade(): void {
    this.#log.info('Upgrade rolled back: stopping the new master (pid %d)', this.#newMaster?.pid);
    this.#newMaster?.kill('SIGTERM');
  }

  /** The old master of an upgrade has exited: this master takes the pid file's own name. */
  #maybePromote(): void {
    if (this.#oldMasterPid === undefined || process.ppid === this.#oldMasterPid) return;
    const from = this.#pidfile();
    this.#oldMasterPid = undefined;
    const to = this.#pidfile();
    if (from !== null && to !== null) renameSync(from, to);
    this.#log.info('Upgrade complete: the old master has exited; this master (pid %d) is the master now', process.pid);
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
        void callHook(this.#log, 'workerAbort', this.#settings.workerAbort, this.#hookContext(), this.#hookWorker(w));
        this.#timedOut.add(w.id);
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
    const id = this.#nextId++;
    void callHook(this.#log, 'preFork', this.#settings.preFork, this.#hookContext(), this.#hookWorker({ id, pid: 0, generation: this.#generation }));
    const settings: Record<string, unknown> = { ...this.#settings };
    for (const name of HOOK_NAMES) delete settings[name];
    const workerHooks = WORKER_HOOK_NAMES.filter((name) => this.#settings[name] !== null);
    const w = WorkerProcess.spawn({ id, generation: this.#generation, settings: settings as WorkerSettings, workerHooks });
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

  /** Graceful stop of one worker: no more connections for it, then the stop message. */
  #stopWorker(w: WorkerProcess): void {
    this.#dispatcher?.remove(w);
    w.stop(this.#settings.gracefulTimeout);
  }

  #onWorkerMessage(w: WorkerProcess, message: unknown): void {
    if (isMessage<AcceptedMessage>(message, 'accepted')) {
      this.#dispatcher?.answered(w, message.accepted);
    } else if (isMessage<ReadyMessage>(message, 'ready')) {
      w.markReady();
      if (!w.stopping) this.#dispatcher?.add(w);
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
    } else if (isMessage<MetricsMessage>(message, 'metrics')) {
      this.#metrics?.report(w.id, message.metrics);
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
      this.#reloadIfAsked();
    }
    if (!this.#announcedReady) {
      this.#announcedReady = true;
      this.#log.info('Ready: %d worker(s) accepting connections', current.length);
      void callHook(this.#log, 'whenReady', this.#settings.whenReady, this.#hookContext());
    }
  }

  #onWorkerExit(w: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void {
    this.#workers.delete(w.id);
    this.#dispatcher?.exited(w);
    this.#metrics?.workerExited(w.id, this.#exitReason(w));
    void callHook(this.#log, 'childExit', this.#settings.childExit, this.#hookContext(), this.#hookWorker(w));
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

  /** Why a worker left, for the restart metrics; undefined when the whole server is stopping. */
  #exitReason(w: WorkerProcess): RestartReason | undefined {
    const timedOut = this.#timedOut.delete(w.id);
    if (this.#halt !== undefined) return undefined;
    if (timedOut) return 'timeout';
    if (w.retiring !== undefined) return w.retiring.includes('--max-worker-memory') ? 'max-memory' : 'max-requests';
    if (w.stopping) return w.generation !== this.#generation ? 'reload' : 'ttou';
    return 'died';
  }

  #abortReload(): void {
    for (const w of this.#workers.values()) if (w.generation === this.#generation) this.#stopWorker(w);
    this.#generation--;
    this.#reloading = false;
    this.#reloadIfAsked();
  }

  #reloadIfAsked(): void {
    if (!this.#reloadAgain) return;
    this.#reloadAgain = false;
    this.requestReload();
  }

  /**
   * Stops the server: the master closes its listening sockets first, so a connection attempted
   * after that is refused (ECONNREFUSED) instead of being accepted and reset later; hands the
   * connections it already accepted to the workers; then stops every worker. Waits up to
   * --graceful-timeout for the workers to exit and KILLs the rest.
   */
  async #stopWorkers(): Promise<void> {
    closeAll(this.#listeners);
    const deadline = Date.now() + this.#settings.gracefulTimeout * 1000;
    await this.#handOutQueued(deadline);
    for (const w of this.#workers.values()) this.#stopWorker(w);
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

  /**
   * Before the workers are told to stop: the connections the master accepted and no worker has
   * taken yet go out as workers become free (normally within milliseconds). Bounded by
   * `deadline`; with no ready worker at all there is no one to wait for.
   */
  async #handOutQueued(deadline: number): Promise<void> {
    const dispatcher = this.#dispatcher;
    if (dispatcher === undefined) return;
    const anyReady = () => [...this.#workers.values()].some((w) => w.ready && !w.stopping);
    while (dispatcher.queued > 0 && anyReady() && Date.now() < deadline) await this.#sleep(5);
  }
}
