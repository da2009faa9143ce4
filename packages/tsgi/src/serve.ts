/**
 * `serve()`: the reference single-process server (wsgiref.simple_server's role). Lifespan
 * order (ASGI): startup, then listen; on close: stop accepting, drain in-flight requests and
 * `waitUntil` promises (bounded), close what is left, then shutdown.
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultExtensions, TSGI_PACKAGE_VERSION, webSocketLimits, type NodeAdapterOptions } from './adapter-config.js';
import { createConsoleLogger } from './console-logger.js';
import { resolveLimits } from './limits.js';
import { resolveApp, runShutdown, runStartup } from './lifespan.js';
import { toNodeListener } from './node-adapter.js';
import { createClientErrorHandler, refuseConnect, refusalMessage } from 'tsgi-head-gate';
import { TSGI_VERSION } from './types.js';
import type { TsgiApp, TsgiServerInfo, TsgiStartupContext } from './types.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const { createServer } = process.getBuiltinModule('node:http');

/**
 * Options of {@link serve}: where to listen and how long to drain, plus every
 * {@link NodeAdapterOptions}.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * await serve(app, { host: '0.0.0.0', port: 8080, signal: controller.signal, shutdownTimeoutMs: 10_000 });
 * process.once('SIGTERM', () => controller.abort());
 * ```
 */
export interface ServeOptions extends NodeAdapterOptions {
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Alias of `host` (srvx and Bun spell it so). */
  hostname?: string;
  /** TCP port; `0` picks a free one. Default `8000`. */
  port?: number;
  /** Aborting it closes the server (as `close()` does). */
  signal?: AbortSignal;
  /** Longest wait for in-flight requests and `waitUntil` promises on close, in ms. Default 30000. */
  shutdownTimeoutMs?: number;
}

/**
 * A running {@link serve} server.
 *
 * @example
 * ```ts
 * const server = await serve(app, { port: 0 });
 * const response = await fetch(`${server.url}/health`);
 * await server.close(); // drains, then runs the app's shutdown
 * ```
 */
export interface TsgiServer {
  /** Where it listens, e.g. `http://127.0.0.1:8000` (a wildcard host is shown as loopback). */
  readonly url: string;
  /** The bound address. */
  readonly address: AddressInfo;
  /** Stops accepting, drains (bounded by `shutdownTimeoutMs`), runs `shutdown`. Idempotent. */
  close(): Promise<void>;
  /** The node:http server underneath. */
  readonly node: Server;
}

/**
 * Runs `app` on a node:http server: `startup` first (a failure rejects and nothing listens),
 * then listens; `close()` drains and runs `shutdown`.
 *
 * @example
 * ```ts
 * import { serve, FastResponse } from 'tsgi';
 * const server = await serve(() => new FastResponse('Hello, World!'), { port: 0 });
 * console.log(server.url);
 * await server.close();
 * ```
 */
export async function serve(app: TsgiApp, options: ServeOptions = {}): Promise<TsgiServer> {
  const resolved = resolveApp(app);
  const limits = options.limits !== undefined ? resolveLimits(options.limits) : (options.server?.limits ?? resolveLimits(undefined));
  const log = options.log ?? createConsoleLogger('warn');
  const worker = options.worker ?? Object.freeze({ id: 1, pid: process.pid });
  // tsgi.websocket is on unless `websocket: false` (SPEC 7.3).
  const websocket = webSocketLimits(options.websocket ?? true);
  const server: TsgiServerInfo =
    options.server ??
    Object.freeze({
      software: `tsgi/${TSGI_PACKAGE_VERSION}`,
      tsgiVersion: TSGI_VERSION,
      extensions: defaultExtensions(websocket),
      limits,
    });
  const host = options.host ?? options.hostname ?? '127.0.0.1';
  const port = options.port ?? 8000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`tsgi: port must be an integer 0-65535, got ${String(port)}`);
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;

  const lifespan: TsgiStartupContext = { server, worker, log, state: { ...options.state } };
  const state = await runStartup(resolved, lifespan);

  const listener = toNodeListener(resolved, { ...options, limits, log, worker, server, state, websocket: websocket ?? false });
  const node = createServer({
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    // Timeouts are inactivity-based (SPEC): no whole-request deadline.
    requestTimeout: 0,
    // The gate answers a missing Host (and names the rule in the log).
    requireHostHeader: false,
    // node's total header budget; the per-field and count limits are checked by name in the adapter.
    maxHeaderSize: Math.max(16384, limits.maxRequestLineBytes + 2 * limits.maxHeaderFieldBytes),
    // node checks headersTimeout on this interval (default 30 s); a quarter of the timeout keeps
    // the enforcement within 25% of the limit.
    ...(limits.headersTimeoutMs > 0 ? { connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(limits.headersTimeoutMs / 4))) } : {}),
  });
  // One more than the limit so the adapter sees the excess and answers 431 (node would truncate silently).
  node.maxHeadersCount = limits.maxHeaderCount > 0 ? limits.maxHeaderCount + 1 : 0;
  node.on('request', listener);
  node.on('checkContinue', listener.checkContinue);
  if (websocket !== undefined) node.on('upgrade', listener.upgrade);
  // What node's parser refuses, and CONNECT: the request-head gate's answers, as every tsgi server gives them.
  node.on('clientError', createClientErrorHandler({ onRefuse: (rule) => log.info(refusalMessage(rule)) }));
  node.on('connect', refuseConnect((rule) => log.info(refusalMessage(rule))));

  try {
    await new Promise<void>((resolve, reject) => {
      node.once('error', reject);
      node.listen(port, host, () => {
        node.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await runShutdown(resolved, lifespan).catch((e: unknown) => log.error('tsgi: shutdown failed', e));
    throw error;
  }
  node.on('error', (error) => log.error('tsgi: server error', error));

  const address = node.address() as AddressInfo;
  const shown = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const url = `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Requests still arriving on kept-alive connections are served, then the connection closes.
      node.off('request', listener);
      node.on('request', (req: IncomingMessage, res: ServerResponse) => {
        res.shouldKeepAlive = false;
        listener(req, res);
      });
      const closed = new Promise<void>((resolve) => node.close(() => resolve()));
      node.closeIdleConnections();
      // Open WebSockets are told the server goes away (1001) and drain like requests (SPEC 7.3.9).
      const sockets = listener.webSockets.closeAll(1001, 'server shutting down');
      if (sockets > 0) log.info(`tsgi: closing ${sockets} WebSocket(s) with 1001 (going away)`);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        listener.idle().then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), shutdownTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        const { requests, waitUntil } = listener.inFlight;
        log.warn(`tsgi: shutdown timeout (${shutdownTimeoutMs} ms): ${requests} request(s) and ${waitUntil} waitUntil promise(s) abandoned`);
      }
      const dropped = listener.webSockets.terminateAll();
      if (dropped > 0) log.warn(`tsgi: ${dropped} WebSocket(s) did not finish closing within the shutdown timeout; dropped`);
      node.closeAllConnections();
      await closed;
      await runShutdown(resolved, lifespan);
    })();
    return closing;
  };
  if (options.signal !== undefined) {
    if (options.signal.aborted) await close();
    else options.signal.addEventListener('abort', () => void close().catch((e: unknown) => log.error('tsgi: close failed', e)), { once: true });
  }
  return { url, address, close, node };
}
