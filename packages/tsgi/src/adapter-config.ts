/**
 * `toNodeListener` options, and the resolved configuration one listener shares by all requests.
 * @module
 */
import { DEFAULT_LINGERING_CLOSE, type LingeringClose } from 'tsgi-head-gate';
import { CidrSet } from './ip-address.js';
import { createConsoleLogger } from './console-logger.js';
import { resolveLimits } from './limits.js';
import { InFlightTracker } from './in-flight.js';
import { TSGI_EARLY_HINTS_EXTENSION, TSGI_FILE_EXTENSION, TSGI_TRAILERS_EXTENSION, TSGI_VERSION } from './types.js';
import type { ResolvedApp } from './lifespan.js';
import type { TsgiContext, TsgiLimits, TsgiLogger, TsgiServerInfo, TsgiState, TsgiWorker } from './types.js';
import { resolveWebSocketLimits, TSGI_WEBSOCKET_EXTENSION, type TsgiWebSocketLimits } from './websocket.js';
import { WebSocketRegistry } from './websocket-server.js';

/**
 * Options of `toNodeListener` (and of `serve()`, which passes them through). Every option has
 * a safe default; `{}` is a complete configuration.
 *
 * @example
 * ```ts
 * const options: NodeAdapterOptions = {
 *   trustedProxies: ['10.0.0.0/8'],      // the load balancers in front
 *   mountPath: '/api',                   // WSGI's SCRIPT_NAME
 *   limits: { maxBodyBytes: 10 << 20 },  // 10 MiB
 * };
 * createServer(toNodeListener(app, options));
 * ```
 */
export interface NodeAdapterOptions {
  /**
   * Peers whose `Forwarded` / `X-Forwarded-For/-Proto/-Host` headers are believed: IPs or CIDRs,
   * IPv4 or IPv6. Default: loopback (`['127.0.0.1/8', '::1']`). A unix-socket peer (no address)
   * is trusted unless the list is `[]`, which trusts nobody (SPEC 3.2.4).
   */
  trustedProxies?: readonly string[];
  /** Where the app is mounted (WSGI's SCRIPT_NAME), e.g. `/api`; requests outside it get 404. Default `''`. */
  mountPath?: string;
  /** Limits enforced before the app runs; unspecified ones take `DEFAULT_LIMITS`. */
  limits?: Partial<TsgiLimits>;
  /**
   * How a connection closes after an answer that left a large request body unread (an early 403,
   * a 413): nginx's lingering close, the rest of the body read and discarded until the client
   * stops (`timeoutMs` idle, `timeMs` in all), so the client, or nginx or Apache in front, gets
   * the answer instead of a reset (SPEC 5.11). Default nginx's: `{ close: 'on', timeMs: 30_000,
   * timeoutMs: 5_000 }`; unspecified fields keep theirs.
   */
  lingering?: Partial<LingeringClose>;
  /** State from `startup`; each request gets a shallow copy as `context.state`. Default `{}`. */
  state?: TsgiState;
  /** Which worker this is. Default `{ id: 1, pid: process.pid }`. */
  worker?: TsgiWorker;
  /**
   * The server's declaration shared by every request. Default: `software` `tsgi/<version>`,
   * the `tsgi.file`, `tsgi.early-hints` and `tsgi.trailers` extensions (this adapter always honours
   * them), and the resolved `limits`.
   * A server passing its own should list `tsgi.file` in `extensions`.
   */
  server?: TsgiServerInfo;
  /** Where the server and the app log (`context.log`). Default: warnings and errors to stderr. */
  log?: TsgiLogger;
  /**
   * Called when the app throws, rejects or returns a non-Response, after the error is logged.
   * Return a Response to send it instead of the plain `500 Internal Server Error`.
   */
  onError?: (error: unknown, request: Request, context: TsgiContext) => Response | void | Promise<Response | void>;
  /**
   * The `tsgi.websocket` extension (SPEC 7.3): its limits (unspecified ones take
   * `DEFAULT_WEBSOCKET_LIMITS`), or `false`. Default: off for `toNodeListener` (the server must
   * also route node's `upgrade` event: `server.on('upgrade', listener.upgrade)`), on for `serve()`.
   * When on and `server` is not given, the default declaration lists it with these limits.
   */
  websocket?: Partial<TsgiWebSocketLimits> | boolean;
}

/** The package version reported in `server.software`. */
export const TSGI_PACKAGE_VERSION = '0.1.0';

/**
 * Merges `lingering` options over nginx's defaults, rejecting what is not `on`/`off` or a
 * non-negative finite number of milliseconds.
 *
 * @example
 * ```ts
 * resolveLingering({ timeMs: 10_000 }); // { close: 'on', timeMs: 10000, timeoutMs: 5000 }
 * ```
 */
export function resolveLingering(partial: Partial<LingeringClose> | undefined): LingeringClose {
  if (partial === undefined) return DEFAULT_LINGERING_CLOSE;
  const out: Record<string, unknown> = { ...DEFAULT_LINGERING_CLOSE };
  for (const [key, value] of Object.entries(partial)) {
    if (value === undefined) continue;
    if (key === 'close') {
      if (value !== 'on' && value !== 'off') throw new TypeError(`tsgi: lingering.close must be 'on' or 'off', got ${JSON.stringify(value)}`);
    } else if (key === 'timeMs' || key === 'timeoutMs' || key === 'maxBytes') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`tsgi: lingering.${key} must be a non-negative number, got ${String(value)}`);
    } else {
      throw new TypeError(`tsgi: unknown lingering option "${key}"; known: close, timeMs, timeoutMs, maxBytes`);
    }
    out[key] = value;
  }
  return Object.freeze(out) as unknown as LingeringClose;
}

/** What every request of one listener shares. Internal. */
export interface AdapterConfig {
  readonly app: ResolvedApp;
  readonly trusted: CidrSet;
  readonly mountPath: string;
  readonly limits: TsgiLimits;
  readonly lingering: LingeringClose;
  readonly state: TsgiState | undefined;
  readonly worker: TsgiWorker;
  readonly server: TsgiServerInfo;
  readonly log: TsgiLogger;
  readonly onError: NodeAdapterOptions['onError'];
  readonly tracker: InFlightTracker;
  /** The open WebSockets, when the `tsgi.websocket` extension is on. */
  readonly websocket: WebSocketRegistry | undefined;
}

/** Normalises a mount path: `''` or `/prefix` without a trailing slash. */
export function normalizeMountPath(mountPath: string | undefined): string {
  if (mountPath === undefined || mountPath === '' || mountPath === '/') return '';
  if (typeof mountPath !== 'string' || !mountPath.startsWith('/') || /[?#\s]/.test(mountPath)) {
    throw new TypeError(`tsgi: mountPath must be '' or start with '/' (no query, fragment or spaces), got ${JSON.stringify(mountPath)}`);
  }
  return mountPath.replace(/\/+$/, '');
}

/** Resolves options into the shared configuration. */
export function resolveAdapterConfig(app: ResolvedApp, options: NodeAdapterOptions): AdapterConfig {
  const finalLimits =
    options.limits !== undefined ? resolveLimits(options.limits) : (options.server?.limits ?? resolveLimits(undefined));
  const log = options.log ?? createConsoleLogger('warn');
  const wsLimits = webSocketLimits(options.websocket);
  const server: TsgiServerInfo =
    options.server ??
    Object.freeze({
      software: `tsgi/${TSGI_PACKAGE_VERSION}`,
      tsgiVersion: TSGI_VERSION,
      extensions: defaultExtensions(wsLimits),
      limits: finalLimits,
    });
  return {
    app,
    trusted: new CidrSet(options.trustedProxies ?? ['127.0.0.1/8', '::1']),
    mountPath: normalizeMountPath(options.mountPath),
    limits: finalLimits,
    lingering: resolveLingering(options.lingering),
    state: options.state,
    worker: options.worker ?? Object.freeze({ id: 1, pid: process.pid }),
    server,
    log,
    onError: options.onError,
    tracker: new InFlightTracker(log),
    websocket: wsLimits === undefined ? undefined : new WebSocketRegistry(wsLimits, log),
  };
}

/** The `websocket` option resolved: limits when the extension is on, else undefined. */
export function webSocketLimits(option: NodeAdapterOptions['websocket']): TsgiWebSocketLimits | undefined {
  if (option === undefined || option === false) return undefined;
  return resolveWebSocketLimits(option === true ? undefined : option);
}

/** The extensions a tsgi server built on this adapter declares: `tsgi.file` always, `tsgi.websocket` when on. */
export function defaultExtensions(websocket: TsgiWebSocketLimits | undefined): Readonly<Record<string, unknown>> {
  return Object.freeze({ [TSGI_FILE_EXTENSION]: true, [TSGI_EARLY_HINTS_EXTENSION]: true, [TSGI_TRAILERS_EXTENSION]: true, ...(websocket === undefined ? {} : { [TSGI_WEBSOCKET_EXTENSION]: websocket }) });
}
