/**
 * A worker process (Gunicorn's workers/base.py + sync.py, on an event loop): it receives its
 * settings and the bound sockets from the master, loads the app, runs its startup hook, listens
 * on every socket and tells the master it is ready. On TERM/QUIT (or when the master goes
 * away) it stops accepting, lets in-flight requests finish, runs shutdown and exits.
 *
 * Lifecycle, in this order: boot message -> load app (exit 4 on failure) -> startup (exit 3)
 * -> listen on each handle -> ready -> ... -> stop: close listeners, drain, shutdown, exit 0.
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { TSGI_FILE_EXTENSION, TSGI_VERSION, runShutdown, runStartup, toNodeListener, type TsgiLimits, type TsgiServerInfo, type TsgiStartupContext, type TsgiWorker } from 'tsgi';
import { AppserverError, ERROR_CODES, type AppserverErrorCode } from './errors.js';
import { stopListening } from './drain.js';
import { cidrList, createWorkerServer, instrument, readTls, type HttpServerOptions, type Instrumented, type WorkerServer } from './http-server.js';
import { isMessage, type BootErrorMessage, type BootMessage, type ListenMessage, type ReadyMessage, type WorkerSettings } from './ipc.js';
import { loadApp, type LoadedApp } from './loader.js';
import { guardNodeListener, lingeringFrom } from './node-guard.js';
import { createServerLogger, type ServerLogger } from './logger.js';
import { SOFTWARE } from './version.js';

interface Received {
  readonly boot: BootMessage;
  readonly handles: Array<{ readonly message: ListenMessage; readonly handle: object }>;
}

/** Waits for the boot message and every socket handle from the master. */
function receive(): Promise<Received> {
  return new Promise((resolve, reject) => {
    let boot: BootMessage | undefined;
    const handles: Received['handles'] = [];
    const onMessage = (message: unknown, handle: unknown) => {
      if (isMessage<BootMessage>(message, 'boot')) boot = message;
      else if (isMessage<ListenMessage>(message, 'listen') && handle !== undefined) handles.push({ message, handle: handle as object });
      if (boot !== undefined && handles.length === boot.listeners) {
        process.off('message', onMessage);
        process.off('disconnect', onDisconnect);
        resolve({ boot, handles });
      }
    };
    const onDisconnect = () => reject(new Error('the master went away before sending the sockets'));
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

function send(message: ReadyMessage | BootErrorMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function bootFailure(log: ServerLogger | undefined, code: AppserverErrorCode, err: unknown): Promise<never> {
  const message = err instanceof AppserverError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  log?.debug('boot failed: %s', message);
  await send({ type: 'boot-error', code: err instanceof AppserverError ? err.code : code, message });
  await log?.close();
  process.exit(err instanceof AppserverError ? err.exitCode : ERROR_CODES[code]);
}

function listenOn(handle: object, kind: ListenMessage['kind'], backlog: number) {
  return (server: Server | NetServer) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A TCP handle is adopted as is; a pipe (unix socket) or inherited fd is opened by number.
      const target = kind === 'tcp' ? handle : { fd: (handle as { fd: number }).fd };
      server.listen(target, backlog, () => {
        server.off('error', reject);
        resolve();
      });
    });
}

/**
 * Runs this process as a worker until it is told to stop. Never returns normally: it exits.
 */
export async function runWorker(): Promise<void> {
  // Ctrl-C reaches the whole process group: the master turns it into a graceful TERM for each
  // worker, so workers ignore INT themselves. Until the app is up, TERM/QUIT just end the process.
  process.on('SIGINT', () => {});
  const early = () => process.exit(0);
  for (const s of ['SIGTERM', 'SIGQUIT'] as const) process.on(s, early);

  // If the master goes away at any point (even while the app loads), this worker must not
  // linger as an orphan holding the socket: exit now, or stop gracefully once serving.
  let onMasterGone = (): void => process.exit(0);
  process.once('disconnect', () => onMasterGone());

  // USR1 reopens log files. It is claimed before anything else: without a listener, node would
  // start its inspector on USR1.
  let reopenLogs = (): void => {};
  process.on('SIGUSR1', () => reopenLogs());

  const { boot, handles } = await receive();
  const s = boot.settings;
  const log = createServerLogger(s.errorLogfile, s.logLevel);
  reopenLogs = () => log.reopen();
  const worker: TsgiWorker = Object.freeze({ id: boot.id, pid: process.pid });

  let loaded: LoadedApp;
  try {
    if (s.app === null) throw new AppserverError('TSGI_APPSERVER_E_USAGE', 'no APP given');
    loaded = await loadApp(s.app, process.cwd(), s.interface);
  } catch (err) {
    return bootFailure(log, 'TSGI_APPSERVER_E_APP_LOAD', err);
  }

  const limits = limitsFrom(s);
  const server: TsgiServerInfo = Object.freeze({ software: SOFTWARE, tsgiVersion: TSGI_VERSION, extensions: Object.freeze({ [TSGI_FILE_EXTENSION]: true }), limits });
  const lifespan: TsgiStartupContext = { server, worker, log, state: {} };
  let instrumented: Instrumented;
  let idle: () => Promise<void>;
  let options: HttpServerOptions;
  const servers: WorkerServer[] = [];
  try {
    options = {
      limits,
      log,
      workerId: worker.id,
      tls: readTls(s.certfile, s.keyfile),
      accessLogfile: s.accessLogfile,
      accessLogformat: s.accessLogformat,
      accessLogJson: s.accessLogJson,
      proxyAllowFrom: s.proxyProtocol ? s.proxyAllowFrom : null,
    };
    if (loaded.interface === 'tsgi') {
      const state = await runStartup(loaded.app, lifespan);
      const listener = toNodeListener(loaded.app, {
        trustedProxies: cidrList(s.forwardedAllowIps),
        mountPath: s.mount,
        limits,
        lingering: lingeringFrom(s),
        state,
        worker,
        server,
        log,
      });
      instrumented = instrument(listener, options, false);
      idle = () => listener.idle();
    } else {
      instrumented = instrument(guardNodeListener(loaded.app, limits, s.mount, log, lingeringFrom(s)), options, true);
      idle = () => Promise.resolve();
    }
    for (const { message, handle } of handles) servers.push(await createWorkerServer(instrumented, options, listenOn(handle, message.kind, s.backlog)));
  } catch (err) {
    return bootFailure(log, 'TSGI_APPSERVER_E_WORKER_BOOT', err);
  }

  let stopping: Promise<void> | undefined;
  const stop = (why: string) => {
    stopping ??= (async () => {
      log.debug('worker %d stopping (%s)', worker.id, why);
      for (const ws of servers) {
        // Requests still arriving on kept-alive connections are served, then the connection closes.
        ws.http.removeAllListeners('request');
        ws.http.on('request', (req: IncomingMessage, res: ServerResponse) => {
          res.shouldKeepAlive = false;
          instrumented.handler(req, res);
        });
        stopListening(ws.listening);
        ws.connections.closeIdle();
      }
      // Leave a second of the master's --graceful-timeout for shutdown before it kills us.
      const budget = Math.max(100, s.gracefulTimeout * 1000 - 1000);
      const deadline = Date.now() + budget;
      // Drained: every connection closed (a connection closes once its latest response has
      // finished: drain.ts), and for a TSGI app its in-flight requests and waitUntil promises.
      const open = () => servers.reduce((n, ws) => n + ws.connections.size, 0);
      let tsgiIdle = loaded.interface !== 'tsgi';
      if (!tsgiIdle) void idle().then(() => (tsgiIdle = true));
      while ((open() > 0 || !tsgiIdle) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        // Connections that finish their last response become idle: close them as they do.
        for (const ws of servers) ws.connections.closeIdle();
      }
      if (Date.now() >= deadline) log.warn('worker %d: graceful timeout reached with %d connection(s) open; closing them', worker.id, open());
      for (const ws of servers) ws.connections.destroyAll();
      if (loaded.interface === 'tsgi') {
        try {
          await runShutdown(loaded.app, lifespan);
        } catch (err) {
          log.error('shutdown hook failed: %s', err instanceof Error ? (err.stack ?? err.message) : String(err));
        }
      }
      await log.close();
      process.exit(0);
    })();
  };
  for (const sig of ['SIGTERM', 'SIGQUIT'] as const) {
    process.off(sig, early);
    process.on(sig, () => stop(sig));
  }
  onMasterGone = () => stop('master went away');
  if (!process.connected) return stop('master went away');

  await send({ type: 'ready', interface: loaded.interface, reason: loaded.reason, app: `${loaded.file}:${loaded.attribute}` });
}
