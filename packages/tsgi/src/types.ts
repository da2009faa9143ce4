/**
 * The whole TSGI contract in one file: what a server hands an application, and what the
 * application hands back. SPEC.md is the normative text; these types are its shape.
 *
 * @example
 * ```ts
 * import type { TsgiApp } from 'tsgi';
 * export const application: TsgiApp = {
 *   async fetch(request, context) {
 *     return new Response(`hello ${context.client.address}`);
 *   },
 * };
 * ```
 * @module
 */

/** The version of SPEC.md these types describe (major.minor; minor versions only add). */
export const TSGI_VERSION = '1.1';

/**
 * The one required ability of an application: turn a fetch `Request` into a `Response`.
 * Called concurrently; it must not assume one request at a time.
 */
export type TsgiFetch = (request: Request, context: TsgiContext) => Response | Promise<Response>;

/** An application as an object: `fetch` plus the optional lifespan hooks (ASGI lifespan semantics). */
export interface TsgiAppObject {
  /** Answers one request. */
  fetch: TsgiFetch;
  /**
   * Runs once per worker process before it accepts a connection. What it writes into
   * `context.state` (or returns, as an object) reaches every request as `context.state`.
   * A throw or rejection makes the server exit with the error's message.
   */
  startup?(context: TsgiStartupContext): void | TsgiState | Promise<void | TsgiState>;
  /** Runs once per worker process after its connections have drained. */
  shutdown?(context: TsgiStartupContext): void | Promise<void>;
}

/** An application: a bare fetch function, or an object with `fetch` and optional lifespan hooks. */
export type TsgiApp = TsgiFetch | TsgiAppObject;

/** State handed from `startup` to every request. Servers give each request a shallow copy. */
export type TsgiState = Record<string, unknown>;

/** What the app writes to: WSGI's `wsgi.errors`. Servers route it to their error log. */
export interface TsgiLogger {
  debug(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/** Which worker process runs the app. A single-process server is worker 1 of 1. */
export interface TsgiWorker {
  /** 1-based, stable for the worker's life; a replacement worker gets a new id. */
  readonly id: number;
  /** The operating-system process id. */
  readonly pid: number;
}

/** Named limits a server enforces before the app runs (bytes, counts, milliseconds; 0 = none). */
export interface TsgiLimits {
  /** Longest request line (method, target, version) accepted; beyond it: 414. */
  readonly maxRequestLineBytes: number;
  /** Most header fields accepted; beyond it: 431. */
  readonly maxHeaderCount: number;
  /** Largest single header field (name + value) accepted; beyond it: 431. */
  readonly maxHeaderFieldBytes: number;
  /** Largest request body accepted; beyond it: 413. */
  readonly maxBodyBytes: number;
  /** Time allowed to receive the complete header section; beyond it: 408 and close. */
  readonly headersTimeoutMs: number;
  /** Longest silence while a request body is being received (inactivity, not total); beyond it: 408. */
  readonly bodyTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open. */
  readonly keepAliveTimeoutMs: number;
}

/** What a server declares once at startup, not per request. */
export interface TsgiServerInfo {
  /** Product token, e.g. `tsgi-appserver/0.1.0`. */
  readonly software: string;
  /** The SPEC.md version it implements, e.g. `1.1`. */
  readonly tsgiVersion: string;
  /** Extensions the server supports, keyed by reverse-DNS or `tsgi.`-prefixed names. */
  readonly extensions: Readonly<Record<string, unknown>>;
  /** The limits the server enforces. */
  readonly limits: TsgiLimits;
}

/** The context of lifespan hooks. */
export interface TsgiStartupContext {
  readonly server: TsgiServerInfo;
  readonly worker: TsgiWorker;
  readonly log: TsgiLogger;
  /** Fill it (or return an object from `startup`) to share state with every request. */
  readonly state: TsgiState;
}

/** The client as the app should see it, after trusted-proxy resolution. */
export interface TsgiClient {
  /** IP address (no brackets, no zone for IPv4-mapped IPv6 collapsed to IPv4), or `''` when unknown (unix socket with no trusted proxy header). */
  readonly address: string;
  /** Port, or `undefined` when unknown. */
  readonly port: number | undefined;
}

/** How a response ended, the value `context.completed` settles with. */
export interface TsgiCompletion {
  /** True when the client went away (or the server gave up) before the whole response was written. */
  readonly aborted: boolean;
  /** Response body bytes written to the transport (after any server framing is removed). */
  readonly bytesWritten: number;
  /** The status sent, or 0 when nothing was sent. */
  readonly status: number;
}

/**
 * What a request carries that fetch's `Request` lacks: WSGI's environ keys, named after the
 * Fetch Server API draft where the two overlap.
 */
export interface TsgiContext {
  /** The socket peer's IP address; `''` on a transport without one (unix socket). */
  readonly remoteAddress: string;
  /** The socket peer's port; `0` on a transport without one. */
  readonly remotePort: number;
  /** The client after trusted-proxy resolution (`X-Forwarded-For`, `Forwarded`, PROXY protocol); equals the peer when nothing is trusted. */
  readonly client: TsgiClient;
  /** The local address the connection arrived on; `''` for a unix socket. */
  readonly localAddress: string;
  /** The local port; `0` for a unix socket. */
  readonly localPort: number;
  /** The host name the server is known by (the request's host without port; WSGI's SERVER_NAME). */
  readonly serverName: string;
  /** True when the connection to this server is encrypted (TLS). */
  readonly encrypted: boolean;
  /** `https` when the original request was secure (TLS here, or a trusted proxy said so), else `http`. */
  readonly scheme: 'http' | 'https';
  /** The wire protocol: `HTTP/1.0`, `HTTP/1.1` or `HTTP/2`. */
  readonly protocol: string;
  /**
   * The request's header fields exactly as received, in order, duplicates kept:
   * `[name, value, name, value, ...]` (names as the client spelled them). `Request.headers`
   * cannot keep order (fetch sorts it) or some duplicates (it joins them); this can.
   */
  readonly rawHeaders: readonly string[];
  /** Where the app is mounted (WSGI's SCRIPT_NAME): `''` at the root, else `/prefix` with no trailing slash. */
  readonly mountPath: string;
  /** A shallow copy of the state built by `startup`; `{}` when there is none. */
  readonly state: TsgiState;
  /** The worker running this request. */
  readonly worker: TsgiWorker;
  /** The server's declaration, the same object for every request. */
  readonly server: TsgiServerInfo;
  /** The error log (WSGI's `wsgi.errors`). */
  readonly log: TsgiLogger;
  /** Settles (never rejects) once the response is finished or aborted; where Django's `request_finished` hangs. */
  readonly completed: Promise<TsgiCompletion>;
  /** Keeps the worker from shutting down before `promise` settles; a rejection is logged, never thrown. */
  waitUntil(promise: PromiseLike<unknown>): void;
  /** Sends `103 Early Hints` (SPEC 7.4); present only when `server.extensions` lists `tsgi.early-hints`. Use `sendEarlyHints()`. */
  readonly 'tsgi.early-hints'?: TsgiEarlyHints;
  /** The request's trailers (SPEC 7.5); present only when `server.extensions` lists `tsgi.trailers`. Use `requestTrailers()`. */
  readonly 'tsgi.trailers'?: TsgiTrailers;
}

/**
 * The `tsgi.file` extension (WSGI's `wsgi.file_wrapper`, ASGI's `http.response.pathsend`): a
 * Response carrying this under {@link TSGI_FILE} asks the server to send that file region itself.
 * Its ordinary body still streams the same bytes, so a server without the extension stays correct.
 */
export interface TsgiFileBody {
  /** Absolute path of a regular file. */
  readonly path: string;
  /** First byte to send (default 0). */
  readonly offset?: number;
  /** Bytes to send (default: to the end of the file as it was when the response was made). */
  readonly length?: number;
}

/** The key of the `tsgi.file` extension on a Response (a registered symbol, so copies of this package agree). */
export const TSGI_FILE: unique symbol = Symbol.for('tsgi.file');

/** The extension name servers list in `server.extensions` when they honour {@link TSGI_FILE}. */
export const TSGI_FILE_EXTENSION = 'tsgi.file';

/** The extension name of early hints (SPEC 7.4): `context['tsgi.early-hints']` sends a `103 Early Hints`. */
export const TSGI_EARLY_HINTS_EXTENSION = 'tsgi.early-hints';

/**
 * `context['tsgi.early-hints']` (SPEC 7.4): sends `103 Early Hints` with `hints` (at least one
 * `Link` field) before the response. Returns true when handed to the transport; false when it
 * was not sent and never will be (an HTTP/1.0 client, the response already started, the client
 * gone): hints are advice, so ignoring them is always correct. Throws a TypeError for fields
 * that are invalid or not allowed in a 103 (SPEC 7.4.3).
 */
export type TsgiEarlyHints = (hints: HeadersInit) => boolean;

/** The extension name of trailers (SPEC 7.5): request trailers on the context, response trailers under {@link TSGI_TRAILERS}. */
export const TSGI_TRAILERS_EXTENSION = 'tsgi.trailers';

/** `context['tsgi.trailers']` (SPEC 7.5): the request's trailer section. */
export interface TsgiTrailers {
  /**
   * The request's trailer fields once its body has been read to the end (empty when it had
   * none, or no body); `undefined` before that. Never merged into `request.headers`.
   */
  request(): Headers | undefined;
}

/**
 * What a Response carries under {@link TSGI_TRAILERS}: called once, after the last body chunk
 * was written, for the trailer fields to send (a checksum, `Server-Timing`). A server without the
 * extension, or a message that cannot carry trailers (HTTP/1.0, HEAD, a fixed Content-Length on
 * HTTP/1.1, 204/304), never calls it: the body is the same either way.
 */
export type TsgiResponseTrailers = () => HeadersInit | Promise<HeadersInit>;

/** The key of response trailers on a Response (a registered symbol, SPEC 4.4.2). */
export const TSGI_TRAILERS: unique symbol = Symbol.for('tsgi.trailers');
