/**
 * `toFetchHandler(app)`: the shim that runs a TSGI app on a server that only speaks plain fetch
 * handlers (`(request) => Response`: srvx, @hono/node-server, Bun, Deno, Workers). It builds the
 * TSGI context from what the host exposes, runs the lifespan hooks, admits the request as tsgi's
 * servers do (fetch-shim-request.ts), makes the app's response one the host sends as they would
 * (fetch-shim-response.ts), and settles `context.completed` when the host is done with it.
 * @module
 */
import { adoptForeignResponse } from './foreign-response.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeMountPath } from './adapter-config.js';
import { admitRequest, deferContinue, plainResponse, type ShimRequestConfig } from './fetch-shim-request.js';
import { prepareResponse, type ShimResponseContext } from './fetch-shim-response.js';
import { CidrSet } from './ip-address.js';
import { resolveLimits } from './limits.js';
import { TSGI_VERSION } from './types.js';
import type { TsgiApp, TsgiAppObject, TsgiCompletion, TsgiContext, TsgiLimits, TsgiLogger, TsgiServerInfo, TsgiState, TsgiWorker } from './types.js';
import { markerProblem } from './define-app.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const nodeHttp = process.getBuiltinModule('node:http');

/** What the host knows about the connection a request came on. */
export interface HostConnection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly encrypted: boolean;
  /** `HTTP/1.1` when unknown. */
  readonly protocol?: string;
  /** The header fields as received; flattened from `request.headers` when unknown. */
  readonly rawHeaders?: readonly string[];
  /** The client after the host's own proxy resolution; the peer when absent. */
  readonly clientAddress?: string;
}

/** Options of {@link toFetchHandler}. */
export interface FetchHandlerOptions {
  /**
   * Finds the connection behind a request. The default understands srvx
   * (`request.runtime.node.req`, `request.ip`) and @hono/node-server (`env.incoming`, the
   * second argument); other hosts get `''`/`0` (SPEC 4.1's "absent").
   */
  connection?: (request: Request, ...hostArgs: unknown[]) => HostConnection | undefined;
  /**
   * Peers whose `Forwarded` / `X-Forwarded-For/-Proto/-Host` headers are believed: IPs or CIDRs.
   * Default: loopback (`['127.0.0.1/8', '::1']`), as `toNodeListener`. `[]` trusts nobody.
   */
  trustedProxies?: readonly string[];
  /**
   * Limits enforced before and while the app runs, with `DEFAULT_LIMITS` for those not given:
   * `maxBodyBytes` (413 on the declared length, and the body stream errors past it),
   * `maxRequestLineBytes` (414), `maxHeaderCount` and `maxHeaderFieldBytes` (431). The timeouts
   * are the host's to enforce: they are only declared to the app (default 0, unknown).
   */
  limits?: Partial<TsgiLimits>;
  /** The declaration apps see as `context.server` (software defaults to `tsgi-fetch-shim`); its limits are {@link FetchHandlerOptions.limits}. */
  server?: { software?: string; extensions?: Record<string, unknown> };
  /** Where the app is mounted; requests outside it get 404 without calling the app. */
  mountPath?: string;
  /** Default: worker 1 of this process. */
  worker?: TsgiWorker;
  /** Default: `console`. */
  log?: TsgiLogger;
}

/** A plain fetch handler plus the lifespan of the TSGI app inside it. */
export interface TsgiFetchHandler {
  /** Pass this to the host as its fetch handler. Runs `startup` on first use if not yet run. */
  (request: Request, ...hostArgs: unknown[]): Promise<Response>;
  /** Runs the app's `startup` once (idempotent); await it before listening for ASGI semantics. */
  startup(): Promise<void>;
  /** Waits for `waitUntil` promises, then runs the app's `shutdown`. */
  shutdown(): Promise<void>;
  /**
   * A `checkContinue` listener for a node host's server (srvx: `server.node.server`,
   * @hono/node-server: the returned server). Without it node sends `100 Continue` before the app
   * can refuse the body; with it the shim sends it when the app first reads the body, after the
   * limits: `server.on('checkContinue', handler.checkContinue)`.
   */
  readonly checkContinue: typeof deferContinue;
}

/** Timeouts are the host's: declared as given, 0 (unknown) by default. */
const HOST_TIMEOUTS: Partial<TsgiLimits> = { headersTimeoutMs: 0, bodyTimeoutMs: 0, keepAliveTimeoutMs: 0 };

function resolve(app: TsgiApp): TsgiAppObject {
  // SPEC 2.4.3, 2.4.4: a marker for another major version, or a Fetch Server API handler, is refused.
  const problem = markerProblem(app);
  if (problem !== undefined) throw new TypeError(`toFetchHandler: ${problem}`);
  if (typeof app === 'function') return { fetch: app };
  if (app !== null && typeof app === 'object' && typeof app.fetch === 'function') return app;
  throw new TypeError(`toFetchHandler: expected a TSGI app (a fetch function or an object with a fetch method), got ${app === null ? 'null' : typeof app}`);
}

/** The node request and response behind a request, when the host is srvx or @hono/node-server on node. */
function nodeExchangeOf(request: Request, hostArgs: readonly unknown[]): { req?: IncomingMessage; res?: ServerResponse } {
  const srvx = (request as unknown as { runtime?: { node?: { req?: IncomingMessage; res?: ServerResponse } } }).runtime?.node;
  if (srvx?.req !== undefined) return srvx;
  const env = hostArgs[0] as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  if (env === null || typeof env !== 'object') return {};
  // HTTP/2 streams have no ServerResponse; the shim then settles `completed` from the body stream.
  return { req: env.incoming, res: env.outgoing instanceof nodeHttp.ServerResponse ? env.outgoing : undefined };
}

/**
 * The default {@link FetchHandlerOptions.connection}: srvx and @hono/node-server on node.
 *
 * @example Extending it for another host:
 * ```ts
 * toFetchHandler(app, { connection: (req, ...args) => hostConnection(req, ...args) ?? myHostInfo(req) });
 * ```
 */
export function hostConnection(request: Request, ...hostArgs: unknown[]): HostConnection | undefined {
  const req = nodeExchangeOf(request, hostArgs).req;
  if (req === undefined) return undefined;
  const socket = req.socket;
  const ip = (request as unknown as { ip?: unknown }).ip;
  const strip = (address: string | undefined) => (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return {
    remoteAddress: strip(socket?.remoteAddress),
    remotePort: socket?.remotePort ?? 0,
    localAddress: strip(socket?.localAddress),
    localPort: socket?.localPort ?? 0,
    encrypted: (socket as { encrypted?: boolean } | undefined)?.encrypted === true,
    protocol: req.httpVersion === '2.0' ? 'HTTP/2' : `HTTP/${req.httpVersion}`,
    rawHeaders: req.rawHeaders,
    ...(typeof ip === 'string' ? { clientAddress: strip(ip) } : {}),
  };
}

/**
 * Wraps a TSGI app as a plain fetch handler for third-party servers. The shim does what tsgi's
 * own servers do around the app, as far as the host lets it: the request-head gate and limits
 * (414/431/413, the body stream held to `maxBodyBytes`), the mount path, trusted proxies, a 500
 * `text/plain` for an app error (logged with the request line), hop-by-hop fields dropped, and
 * Content-Length kept for a body complete in memory and enforced for a stream. What only the
 * host can do (100-continue, timeouts, its own parse errors) is listed in the README's
 * conformance table.
 *
 * @example srvx
 * ```ts
 * import { serve } from 'srvx';
 * import { toFetchHandler } from 'tsgi';
 * const handler = toFetchHandler(app, { trustedProxies: ['10.0.0.0/8'], limits: { maxBodyBytes: 10 << 20 } });
 * await handler.startup();
 * const server = serve({ port: 3000, fetch: handler });
 * ```
 * @example @hono/node-server
 * ```ts
 * import { serve } from '@hono/node-server';
 * serve({ fetch: toFetchHandler(app), port: 3000 });
 * ```
 */
export function toFetchHandler(app: TsgiApp, options: FetchHandlerOptions = {}): TsgiFetchHandler {
  const inner = resolve(app);
  const log: TsgiLogger = options.log ?? console;
  const worker: TsgiWorker = options.worker ?? Object.freeze({ id: 1, pid: process.pid });
  const limits = resolveLimits({ ...HOST_TIMEOUTS, ...options.limits });
  const server: TsgiServerInfo = Object.freeze({
    software: options.server?.software ?? 'tsgi-fetch-shim/1.0',
    tsgiVersion: TSGI_VERSION,
    extensions: Object.freeze({ ...(options.server?.extensions ?? {}) }),
    limits,
  });
  const config: ShimRequestConfig = {
    trusted: new CidrSet(options.trustedProxies ?? ['127.0.0.1/8', '::1']),
    mountPath: normalizeMountPath(options.mountPath),
    limits,
  };
  const findConnection = options.connection ?? hostConnection;
  const state: TsgiState = {};
  const pending = new Set<Promise<unknown>>();
  let started: Promise<void> | undefined;

  const startup = (): Promise<void> => {
    started ??= (async () => {
      const returned = await inner.startup?.call(inner, { server, worker, log, state });
      if (returned !== undefined && returned !== null && typeof returned === 'object') Object.assign(state, returned);
    })();
    return started;
  };

  const handler = async (request: Request, ...hostArgs: unknown[]): Promise<Response> => {
    await startup();
    const node = nodeExchangeOf(request, hostArgs);
    const conn = findConnection(request, ...hostArgs);
    const remoteAddress = conn?.remoteAddress ?? '';
    const remotePort = conn?.remotePort ?? 0;
    const rawHeaders = conn?.rawHeaders ?? [...request.headers].flat();
    const admitted = admitRequest(request, node, { remoteAddress, localAddress: conn?.localAddress ?? '', localPort: conn?.localPort ?? 0, encrypted: conn?.encrypted ?? false, rawHeaders }, config);
    if (admitted instanceof Response) return admitted;

    const completion = new Completion(request, node.res);
    const fwd = admitted.forwarded;
    const hostWaitUntil = (request as unknown as { waitUntil?: (p: Promise<unknown>) => void }).waitUntil;
    const clientAddress = fwd?.clientAddress ?? conn?.clientAddress ?? remoteAddress;
    const context: TsgiContext = {
      remoteAddress,
      remotePort,
      client: Object.freeze({ address: clientAddress, port: fwd !== undefined ? fwd.clientPort : clientAddress === remoteAddress ? remotePort || undefined : undefined }),
      localAddress: conn?.localAddress ?? '',
      localPort: conn?.localPort ?? 0,
      // SPEC 4.0.3: exactly `new URL(request.url).hostname`.
      serverName: new URL(admitted.url).hostname,
      encrypted: conn?.encrypted ?? false,
      scheme: admitted.scheme,
      protocol: conn?.protocol ?? 'HTTP/1.1',
      rawHeaders,
      mountPath: config.mountPath,
      state: { ...state },
      worker,
      server,
      log,
      completed: completion.promise,
      waitUntil(promise) {
        const tracked = Promise.resolve(promise).then(undefined, (error: unknown) => log.error(`tsgi: a waitUntil promise rejected: ${String(error)}`, error));
        pending.add(tracked);
        void tracked.finally(() => pending.delete(tracked));
        if (typeof hostWaitUntil === 'function') hostWaitUntil(tracked);
      },
    };
    const requestLine = `"${request.method} ${node.req?.url ?? new URL(admitted.url).pathname} HTTP/${node.req?.httpVersion ?? '1.1'}"`;
    const failed = (error: unknown, what: string): Response => {
      if (admitted.bodyLimit.exceeded) return completion.answer(plainResponse(413, true));
      log.error(`tsgi: ${requestLine} ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return completion.answer(plainResponse(500, false));
    };
    let response: unknown;
    try {
      // A Response of another fetch implementation (the undici package) is adopted, as the node adapter does (SPEC 2.1.5).
      response = adoptForeignResponse(await inner.fetch.call(inner, admitted.request, context));
    } catch (error) {
      return failed(error, 'failed');
    }
    if (admitted.bodyLimit.exceeded) {
      if (response instanceof Response) response.body?.cancel().catch(() => {});
      return completion.answer(plainResponse(413, true));
    }
    if (!(response instanceof Response)) {
      return failed(new TypeError(`the app returned ${response === null ? 'null' : typeof response}, not a Response`), 'failed');
    }
    try {
      return await prepareResponse(response, completion.responseContext(response.status, request.method, requestLine, log, admitted.continuePending()));
    } catch (error) {
      return failed(error, 'failed before its response was sent');
    }
  };

  return Object.assign(handler, {
    startup,
    checkContinue: deferContinue,
    async shutdown() {
      await Promise.allSettled([...pending]);
      if (started !== undefined) await started.catch(() => undefined);
      await inner.shutdown?.call(inner, { server, worker, log, state });
    },
  });
}

/**
 * `context.completed` for one request: settled when the host's node response closes (finished
 * or not), or, on hosts that expose none, when the host has read the body to its end or given up.
 */
class Completion {
  readonly promise: Promise<TsgiCompletion>;
  #settle!: (completion: TsgiCompletion) => void;
  #settled = false;
  #bytes = 0;
  #status = 0;
  readonly #res: ServerResponse | undefined;

  constructor(request: Request, res: ServerResponse | undefined) {
    this.promise = new Promise((resolve) => (this.#settle = resolve));
    this.#res = res;
    if (res !== undefined) {
      res.once('close', () => this.#done(!res.writableFinished));
    } else {
      request.signal.addEventListener('abort', () => this.#done(true), { once: true });
    }
  }

  /** The shim's own answer (413, 500) instead of the app's. */
  answer(response: Response): Response {
    this.#status = response.status;
    this.#bytes = 0;
    if (this.#res === undefined) queueMicrotask(() => this.#done(false));
    return response;
  }

  /** What the response writer reports to, for the app's response with `status`. */
  responseContext(status: number, method: string, requestLine: string, log: TsgiLogger, close: boolean): ShimResponseContext {
    this.#status = status;
    return {
      close,
      method,
      requestLine,
      log,
      countBytes: (bytes) => (this.#bytes = method === 'HEAD' ? 0 : bytes),
      bodyDone: (complete) => {
        if (this.#res === undefined) queueMicrotask(() => this.#done(!complete));
      },
    };
  }

  #done(aborted: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    const res = this.#res;
    const status = res !== undefined && res.headersSent ? res.statusCode : this.#status;
    this.#settle({ aborted, bytesWritten: this.#bytes, status });
  }
}
