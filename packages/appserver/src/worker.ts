/**
 * A worker process (Gunicorn's workers/base.py + sync.py, on an event loop): it receives its
 * settings from the master, loads the app, runs its startup hook, builds its server and tells
 * the master it is ready; from then on it serves the connections the master hands it
 * (connection-dispatcher.ts). On the master's `stop` message, TERM or QUIT (or when the master
 * goes away) it takes no more connections, lets in-flight requests finish, runs shutdown and
 * exits.
 *
 * Lifecycle, in this order (the methods of {@link Worker}, called by {@link Worker.run}):
 *   claimSignals -> receive (boot message) -> loadApp (exit 4 on failure)
 *   -> startServer: startup hook, the http(s) server (exit 3 on failure) -> notifyReady
 *   -> ... serving ... -> stop: refuse new connections, drain, shutdown, exit 0.
 * @module
 */
import { CidrSet, TSGI_EARLY_HINTS_EXTENSION, TSGI_FILE_EXTENSION, TSGI_TLS_EXTENSION, TSGI_TRAILERS_EXTENSION, TSGI_VERSION, TSGI_WEBSOCKET_EXTENSION, runShutdown, runStartup, toNodeListener, toUpgradeListener, type TsgiLimits, type TsgiNodeListener, type TsgiServerInfo, type TsgiStartupContext, type TsgiWebSocketLimits, type TsgiWorker } from 'tsgi';
import { AppserverError, ERROR_CODES, type AppserverErrorCode, errorText } from './errors.js';
import { InFlightRequests } from './in-flight-requests.js';
import { cidrList, createWorkerServer, instrument, readTls, type HttpServerOptions, type Instrumented, type WorkerServer } from './http-server.js';
import type { RequestHandler } from './request-handler.js';
import { heartbeatIntervalMs, isMessage, type AcceptedMessage, type BootErrorMessage, type BootMessage, type ConnectionMessage, type HeartbeatMessage, type ReadyMessage, type RetireMessage, type StopMessage, type WorkerSettings } from './ipc.js';
import { loadApp, type LoadedApp } from './loader.js';
import { guardNodeListener, lingeringFrom } from './node-guard.js';
import { withRequestTimeout } from './request-timeout.js';
import { RETIRE_BEATS, StallWatchdog, type WatchdogEvents } from './stall-watchdog.js';
import { IdleMemoryRelease } from 'tsgi-idle-memory';
import { createServerLogger, type ServerLogger } from './logger.js';
import { SOFTWARE } from './version.js';
import { WorkerHookRunner } from './worker-hooks.js';

/** Waits for the boot message from the master. */
function receive(): Promise<BootMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!isMessage<BootMessage>(message, 'boot')) return;
      process.off('message', onMessage);
      process.off('disconnect', onDisconnect);
      resolve(message);
    };
    const onDisconnect = () => reject(new Error('the master went away before sending the settings'));
    process.on('message', onMessage);
    process.once('disconnect', onDisconnect);
  });
}

/** The limits a worker enforces, from the settings. */
export function limitsFrom(s: WorkerSettings): TsgiLimits {
  return Object.freeze({
    maxRequestLineBytes: s.limitRequestLine,
    maxHeaderCount: s.limitRequestFields,
    maxHeaderFieldBytes: s.limitRequestFieldSize,
    maxBodyBytes: s.limitRequestBody,
    headersTimeoutMs: Math.round(s.headerTimeout * 1000),
    bodyTimeoutMs: Math.round(s.bodyTimeout * 1000),
    keepAliveTimeoutMs: Math.round(s.keepAlive * 1000),
  });
}

/** The tsgi.websocket limits the settings give (SPEC 7.3.1). */
export function webSocketLimitsFrom(s: WorkerSettings): TsgiWebSocketLimits {
  return Object.freeze({
    maxMessageBytes: s.websocketMaxMessage,
    pingIntervalMs: Math.round(s.websocketPingInterval * 1000),
    idleTimeoutMs: Math.round(s.websocketIdleTimeout * 1000),
    maxBufferedBytes: s.websocketMaxBuffered,
  });
}

function send(message: ReadyMessage | BootErrorMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function bootFailure(log: ServerLogger | undefined, code: AppserverErrorCode, err: unknown): Promise<never> {
  const message = err instanceof AppserverError ? err.message : errorText(err);
  log?.debug('boot failed: %s', message);
  await send({ type: 'boot-error', code: err instanceof AppserverError ? err.code : code, message });
  await log?.close();
  process.exit(err instanceof AppserverError ? err.exitCode : ERROR_CODES[code]);
}

/**
 * How often a worker compares its RSS with --max-worker-memory. A leak of L MB/s overshoots the
 * limit by at most L x 0.1 s before the worker asks to be replaced; the rest of the overshoot is
 * the replacement's boot (1-3 s measured under tsx), during which the old worker must keep
 * serving. One process.memoryUsage.rss() reads /proc/self/stat: ~20 us measured, so ten a second
 * cost 0.02 % of a core.
 */
const MEMORY_CHECK_MS = 100;

const MB = 1024 * 1024;

/** Why a serving worker stops (for the debug log). */
type StopReason = 'asked by the master' | 'SIGTERM' | 'SIGQUIT' | 'master went away';

/**
 * This process as a worker: one instance, one lifecycle, each step a named method in the order
 * {@link Worker.run} calls them.
 */
class Worker {
  #log: ServerLogger | undefined;
  #settings!: WorkerSettings;
  /** A TSGI app's listener (its open WebSockets), undefined for a Node app. */
  #listener: TsgiNodeListener | undefined = undefined;
  #info!: TsgiWorker;
  #loaded!: LoadedApp;
  #lifespan!: TsgiStartupContext;
  #idle: () => Promise<void> = () => Promise.resolve();
  #server: WorkerServer | undefined;
  /** Stopping: connections the master hands over from now on are given back to it. */
  #refusing = false;
  #instrumented!: Instrumented;
  #inFlight!: InFlightRequests;
  #memoryRelease: IdleMemoryRelease | undefined;
  #stopping: Promise<void> | undefined;
  /** The config file's worker hooks (none until the boot message arrives). */
  #hooks: WorkerHookRunner | undefined;
  /** What TERM/QUIT and the master's disconnect do: exit at once until serving, then {@link stop}. */
  #onStopSignal: (why: StopReason) => void = () => process.exit(0);

  /** The whole life of the worker. Never returns normally: it exits. */
  async run(): Promise<void> {
    this.#claimSignals();
    const boot = await receive();
    this.#settings = boot.settings;
    this.#log = createServerLogger(this.#settings.errorLogfile, this.#settings.logLevel);
    this.#info = Object.freeze({ id: boot.id, pid: process.pid });
    this.#hooks = await WorkerHookRunner.load(boot.settings, boot.workerHooks, Object.freeze({ id: boot.id, pid: process.pid, generation: boot.generation, log: this.#log }), this.#log);
    await this.#hooks.postFork();
    this.#startHeartbeat();
    await this.#loadApp();
    await this.#startServer();
    this.#onStopSignal = (why) => this.stop(why);
    if (!process.connected) return this.stop('master went away');
    this.#takeConnections();
    await this.#notifyReady();
    this.#watchForRecycling();
    this.#startMemoryRelease();
  }

  /**
   * Signals, claimed before anything else. Ctrl-C reaches the whole process group: the master
   * turns it into a graceful TERM for each worker, so workers ignore INT themselves. USR1
   * reopens log files (without a listener, node would start its inspector on USR1). If the
   * master goes away at any point (even while the app loads), this worker must not linger as
   * an orphan holding the socket.
   */
  #claimSignals(): void {
    process.on('SIGINT', () => void this.#hooks?.workerInt());
    process.on('SIGUSR1', () => this.#log?.reopen());
    process.on('SIGTERM', () => this.#onStopSignal('SIGTERM'));
    process.on('SIGQUIT', () => {
      void this.#hooks?.workerInt();
      this.#onStopSignal('SIGQUIT');
    });
    process.once('disconnect', () => this.#onStopSignal('master went away'));
    process.on('message', (message: unknown) => {
      if (isMessage<StopMessage>(message, 'stop')) this.#onStopSignal('asked by the master');
    });
  }

  /**
   * --timeout: the event loop tells the master it is alive every heartbeat interval, from the
   * moment the settings arrive (a worker that hangs loading the app is a hung worker too), and
   * through a graceful stop. The beat names the requests in flight; the watchdog thread covers
   * the request that blocks the loop before the next beat (stall-watchdog.ts), which notes
   * each request start through the in-flight bookkeeping.
   */
  #startHeartbeat(): void {
    const timeout = this.#settings.timeout;
    const intervalMs = heartbeatIntervalMs(timeout);
    const watchdog = timeout > 0 ? StallWatchdog.start(intervalMs, this.#watchdogEvents()) : undefined;
    this.#inFlight = new InFlightRequests(watchdog);
    if (timeout <= 0) return;
    const beat = () => {
      watchdog?.beat();
      if (!process.connected) return;
      const message: HeartbeatMessage = { type: 'heartbeat', requests: this.#inFlight.lines(5) };
      process.send?.(message);
    };
    beat();
    setInterval(beat, intervalMs).unref();
  }

  /** --release-memory-after: one full GC once the worker has been idle that long (tsgi-idle-memory). */
  #startMemoryRelease(): void {
    this.#memoryRelease = IdleMemoryRelease.start(this.#settings.releaseMemoryAfter, {
      started: () => this.#inFlight.started,
      busy: () => this.#inFlight.size > 0,
      onRelease: (summary) => this.#log?.debug('idle: %s', summary),
      onUnavailable: (error) => this.#log?.warn('--release-memory-after is off: %s', error.message),
    });
  }

  #watchdogEvents(): WatchdogEvents {
    return {
      onError: (error) => this.#log?.warn("the stall watchdog thread failed (%s); a blocked worker's WORKER TIMEOUT line names only the requests of its last heartbeat", error.message),
      onIdle: () => this.#log?.debug('stall watchdog thread stopped: no request started for %d heartbeats (the next request starts it)', RETIRE_BEATS),
    };
  }

  async #loadApp(): Promise<void> {
    try {
      const app = this.#settings.app;
      if (app === null) throw new AppserverError('TSGI_APPSERVER_E_USAGE', 'no APP given');
      this.#loaded = await loadApp(app, process.cwd(), this.#settings.interface);
    } catch (err) {
      return bootFailure(this.#log, 'TSGI_APPSERVER_E_APP_LOAD', err);
    }
  }

  /** Runs the app's startup hook and builds the request handler and the server. */
  async #startServer(): Promise<void> {
    const s = this.#settings;
    const log = this.#log!;
    const limits = limitsFrom(s);
    const websocket = webSocketLimitsFrom(s);
    // tsgi.websocket is a TSGI app's (a Node app keeps node's own 'upgrade' event).
    const always = { [TSGI_FILE_EXTENSION]: true, [TSGI_EARLY_HINTS_EXTENSION]: true, [TSGI_TRAILERS_EXTENSION]: true, ...(this.#loaded.interface === 'tsgi' ? { [TSGI_WEBSOCKET_EXTENSION]: websocket } : {}) };
    // SPEC 4.10: a worker that terminates TLS itself can say what TLS negotiated.
    const extensions = s.certfile === null ? always : { ...always, [TSGI_TLS_EXTENSION]: true };
    const server: TsgiServerInfo = Object.freeze({ software: SOFTWARE, tsgiVersion: TSGI_VERSION, extensions: Object.freeze(extensions), limits });
    this.#lifespan = { server, worker: this.#info, log, state: {} };
    try {
      const options: HttpServerOptions = {
        limits,
        log,
        workerId: this.#info.id,
        tls: readTls(s.certfile, s.keyfile),
        accessLogfile: s.accessLogfile,
        accessLogformat: s.accessLogformat,
        accessLogJson: s.accessLogJson,
        proxyAllowFrom: s.proxyProtocol ? s.proxyAllowFrom : null,
      };
      if (this.#loaded.interface === 'tsgi') {
        const state = await runStartup(this.#loaded.app, this.#lifespan);
        const listener = toNodeListener(this.#loaded.app, {
          trustedProxies: cidrList(s.forwardedAllowIps),
          mountPath: s.mount,
          limits,
          lingering: lingeringFrom(s),
          state,
          worker: this.#info,
          server,
          log,
          websocket,
        });
        this.#listener = listener;
        const timed = s.requestTimeout > 0 ? withRequestTimeout(listener, { seconds: s.requestTimeout, log, abandon: listener.abandon }) : listener;
        this.#instrumented = instrument(await this.#measured(this.#hooks!.wrapRequests(this.#inFlight.wrap(timed))), options, false);
        this.#idle = () => listener.idle();
      } else {
        // A Fastify instance's ready(): its plugins and their routes, in place before the first request.
        await this.#loaded.lifecycle?.start();
        const guarded = guardNodeListener(this.#loaded.app, limits, s.mount, log, lingeringFrom(s), new CidrSet(cidrList(s.forwardedAllowIps)));
        const timed = s.requestTimeout > 0 ? withRequestTimeout(guarded, { seconds: s.requestTimeout, log, abandon: undefined }) : guarded;
        this.#instrumented = instrument(await this.#measured(this.#hooks!.wrapRequests(this.#inFlight.wrap(timed))), options, true);
      }
      await this.#hooks!.postWorkerInit();
      this.#server = createWorkerServer(this.#instrumented, options);
      // A TSGI app's upgrades go through the same layers as its requests (in-flight count,
      // --request-timeout up to the 101, hooks, metrics, the access log's response class).
      if (this.#listener !== undefined) this.#server.http.on('upgrade', toUpgradeListener(this.#instrumented.handler, this.#instrumented.Response));
    } catch (err) {
      return bootFailure(log, 'TSGI_APPSERVER_E_WORKER_BOOT', err);
    }
  }

  /** With --metrics-bind: counts each request and reports to the master once a second (request-metrics.ts). */
  async #measured(handler: RequestHandler): Promise<RequestHandler> {
    if (this.#settings.metricsBind === null) return handler;
    const { RequestMetrics } = await import('./request-metrics.js');
    const metrics = new RequestMetrics();
    metrics.startReporting((message) => {
      if (process.connected) process.send?.(message);
    });
    return metrics.wrap(handler);
  }

  /**
   * Serves each connection the master hands over, and answers for it: accepted, or, once
   * stopping, refused (the master gives it to another worker). The answer goes out after the
   * connection is adopted, so the master closes its copy only when this process holds it.
   */
  #takeConnections(): void {
    const server = this.#server!;
    process.on('message', (message: unknown, handle: unknown) => {
      if (!isMessage<ConnectionMessage>(message, 'connection') || handle == null) return;
      const accepted = !this.#refusing;
      if (accepted) server.accept(handle);
      else (handle as { close(): void }).close();
      const answer: AcceptedMessage = { type: 'accepted', accepted };
      if (process.connected) process.send?.(answer);
    });
  }

  async #notifyReady(): Promise<void> {
    const loaded = this.#loaded;
    await send({ type: 'ready', interface: loaded.interface, reason: loaded.reason, app: `${loaded.file}:${loaded.attribute}` });
  }

  /**
   * --max-requests (with its jitter) and --max-worker-memory: the worker asks the master, once,
   * to be replaced, and serves on until the master stops it (once the replacement is ready).
   */
  #watchForRecycling(): void {
    const s = this.#settings;
    let asked = false;
    const retire = (reason: string) => {
      if (asked || this.#stopping !== undefined) return;
      asked = true;
      this.#log!.info('worker %d: %s; asking to be recycled', this.#info.id, reason);
      const message: RetireMessage = { type: 'retire', reason };
      if (process.connected) process.send?.(message);
    };
    if (s.maxRequests > 0) {
      const limit = s.maxRequests + Math.floor(Math.random() * (s.maxRequestsJitter + 1));
      this.#inFlight.atRequest(limit, () => retire(`${limit} requests (--max-requests ${s.maxRequests}, --max-requests-jitter ${s.maxRequestsJitter})`));
    }
    if (s.maxWorkerMemory > 0) {
      const timer = setInterval(() => {
        const rss = process.memoryUsage.rss();
        if (rss <= s.maxWorkerMemory) return;
        clearInterval(timer);
        retire(`RSS ${(rss / MB).toFixed(1)} MB over --max-worker-memory ${(s.maxWorkerMemory / MB).toFixed(1)} MB`);
      }, MEMORY_CHECK_MS);
      timer.unref();
    }
  }

  /** Graceful stop, once: stop accepting, drain, shutdown, exit 0. */
  stop(why: StopReason): void {
    if (this.#stopping !== undefined) return;
    this.#stopping = (async () => {
      this.#log!.debug('worker %d stopping (%s)', this.#info.id, why);
      this.#stopAccepting();
      await this.#drain();
      await this.#shutdown();
      await this.#hooks?.workerExit();
      await this.#log!.close();
      process.exit(0);
    })();
  }

  /** Takes no more connections; responses from here on say Connection: close (drain.ts's rule). */
  #stopAccepting(): void {
    this.#refusing = true;
    this.#inFlight.stop();
    this.#memoryRelease?.stop();
    // Open WebSockets are told the server is going away (SPEC 7.3.9); they drain like requests.
    const sockets = this.#listener?.webSockets.closeAll(1001, 'server shutting down') ?? 0;
    if (sockets > 0) this.#log!.info('worker %d: closing %d WebSocket(s) with 1001 (going away)', this.#info.id, sockets);
  }

  /**
   * Waits until every connection closed (after a `Connection: close` response, by the client,
   * or by the keep-alive timer once idle: drain.ts), and for a TSGI app its in-flight requests
   * and waitUntil promises, or the worker's share of --graceful-timeout is spent.
   */
  async #drain(): Promise<void> {
    const log = this.#log!;
    const server = this.#server!;
    // Leave a second of the master's --graceful-timeout for shutdown before it kills us.
    const budget = Math.max(100, this.#settings.gracefulTimeout * 1000 - 1000);
    const deadline = Date.now() + budget;
    const open = () => server.connections.size;
    let appIdle = false;
    void this.#idle().then(() => (appIdle = true));
    while ((open() > 0 || !appIdle) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (open() === 0) return;
    log.warn('worker %d: graceful timeout reached with %d connection(s) open; closing them', this.#info.id, open());
    const dropped = this.#listener?.webSockets.terminateAll() ?? 0;
    if (dropped > 0) log.warn('worker %d: %d WebSocket(s) did not finish closing; dropped', this.#info.id, dropped);
    server.connections.endAll();
  }

  /** The app's shutdown hook (TSGI apps), or its close() (Fastify); a failure is logged, the exit goes on. */
  async #shutdown(): Promise<void> {
    const loaded = this.#loaded;
    try {
      if (loaded.interface === 'tsgi') await runShutdown(loaded.app, this.#lifespan);
      else await loaded.lifecycle?.stop();
    } catch (err) {
      this.#log!.error('shutdown hook failed: %s', errorText(err));
    }
  }
}

/**
 * Runs this process as a worker until it is told to stop. Never returns normally: it exits.
 */
export function runWorker(): Promise<void> {
  return new Worker().run();
}
