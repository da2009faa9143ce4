/**
 * `toFetchHandler(app)`: the shim that runs a TSGI app on a server that only speaks plain fetch
 * handlers (`(request) => Response`: srvx, @hono/node-server, Bun, Deno, Workers). It builds the
 * TSGI context from what the host exposes, runs the lifespan hooks, and settles
 * `context.completed` when the host has consumed the response body.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { TSGI_VERSION } from './types.js';
import type { TsgiApp, TsgiAppObject, TsgiCompletion, TsgiContext, TsgiLimits, TsgiLogger, TsgiServerInfo, TsgiState, TsgiWorker } from './types.js';
import { mountedTarget } from './mount-path.js';

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
  /** The declaration apps see as `context.server` (software defaults to `tsgi-fetch-shim`). */
  server?: { software?: string; extensions?: Record<string, unknown>; limits?: Partial<TsgiLimits> };
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
}

const NO_LIMITS: TsgiLimits = Object.freeze({
  maxRequestLineBytes: 0,
  maxHeaderCount: 0,
  maxHeaderFieldBytes: 0,
  maxBodyBytes: 0,
  headersTimeoutMs: 0,
  bodyTimeoutMs: 0,
  keepAliveTimeoutMs: 0,
});

function resolve(app: TsgiApp): TsgiAppObject {
  if (typeof app === 'function') return { fetch: app };
  if (app !== null && typeof app === 'object' && typeof app.fetch === 'function') return app;
  throw new TypeError(`toFetchHandler: expected a TSGI app (a fetch function or an object with a fetch method), got ${app === null ? 'null' : typeof app}`);
}

function nodeRequestOf(request: Request, hostArgs: readonly unknown[]): IncomingMessage | undefined {
  const srvx = (request as unknown as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
  if (srvx !== undefined) return srvx;
  const env = hostArgs[0] as { incoming?: IncomingMessage } | undefined;
  return env !== null && typeof env === 'object' ? env.incoming : undefined;
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
  const req = nodeRequestOf(request, hostArgs);
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
 * Wraps a TSGI app as a plain fetch handler for third-party servers.
 *
 * @example srvx
 * ```ts
 * import { serve } from 'srvx';
 * import { toFetchHandler } from 'tsgi';
 * const handler = toFetchHandler(app);
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
  const server: TsgiServerInfo = Object.freeze({
    software: options.server?.software ?? 'tsgi-fetch-shim/1.0',
    tsgiVersion: TSGI_VERSION,
    extensions: Object.freeze({ ...(options.server?.extensions ?? {}) }),
    limits: Object.freeze({ ...NO_LIMITS, ...(options.server?.limits ?? {}) }),
  });
  const mountPath = (options.mountPath ?? '').replace(/\/+$/, '');
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
    const url = new URL(request.url);
    if (mountPath !== '' && mountedTarget(url.pathname, mountPath) === undefined) {
      return new Response('Not Found', { status: 404, headers: { 'content-type': 'text/plain' } });
    }
    const conn = findConnection(request, ...hostArgs);
    let settle!: (completion: TsgiCompletion) => void;
    let settled = false;
    const completed = new Promise<TsgiCompletion>((done) => {
      settle = (completion) => {
        if (settled) return;
        settled = true;
        done(completion);
      };
    });
    const hostWaitUntil = (request as unknown as { waitUntil?: (p: Promise<unknown>) => void }).waitUntil;
    const remoteAddress = conn?.remoteAddress ?? '';
    const remotePort = conn?.remotePort ?? 0;
    const context: TsgiContext = {
      remoteAddress,
      remotePort,
      client: { address: conn?.clientAddress ?? remoteAddress, port: conn?.clientAddress === undefined || conn.clientAddress === remoteAddress ? remotePort || undefined : undefined },
      localAddress: conn?.localAddress ?? '',
      localPort: conn?.localPort ?? 0,
      serverName: url.hostname,
      encrypted: conn?.encrypted ?? false,
      scheme: url.protocol === 'https:' ? 'https' : 'http',
      protocol: conn?.protocol ?? 'HTTP/1.1',
      rawHeaders: conn?.rawHeaders ?? [...request.headers].flat(),
      mountPath,
      state: { ...state },
      worker,
      server,
      log,
      completed,
      waitUntil(promise) {
        const tracked = Promise.resolve(promise).then(undefined, (error: unknown) => log.error(`tsgi: a waitUntil promise rejected: ${String(error)}`, error));
        pending.add(tracked);
        void tracked.finally(() => pending.delete(tracked));
        if (typeof hostWaitUntil === 'function') hostWaitUntil(tracked);
      },
    };
    const response = await inner.fetch.call(inner, request, context);
    if (!(response instanceof Response)) {
      settle({ aborted: false, bytesWritten: 0, status: 500 });
      throw new TypeError(`tsgi: the app returned ${response === null ? 'null' : typeof response}, not a Response`);
    }
    request.signal.addEventListener('abort', () => settle({ aborted: true, bytesWritten: 0, status: response.status }), { once: true });
    if (response.body === null) {
      queueMicrotask(() => settle({ aborted: false, bytesWritten: 0, status: response.status }));
      return response;
    }
    return withCompletion(response, settle);
  };

  return Object.assign(handler, {
    startup,
    async shutdown() {
      await Promise.allSettled([...pending]);
      if (started !== undefined) await started.catch(() => undefined);
      await inner.shutdown?.call(inner, { server, worker, log, state });
    },
  });
}

/** Re-wraps the body so that reading it to the end, or cancelling it, settles `completed`. */
function withCompletion(response: Response, settle: (completion: TsgiCompletion) => void): Response {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let bytes = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          settle({ aborted: false, bytesWritten: bytes, status: response.status });
          return;
        }
        bytes += value.byteLength;
        controller.enqueue(value);
      } catch (error) {
        settle({ aborted: true, bytesWritten: bytes, status: response.status });
        controller.error(error);
      }
    },
    cancel(reason) {
      settle({ aborted: true, bytesWritten: bytes, status: response.status });
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
