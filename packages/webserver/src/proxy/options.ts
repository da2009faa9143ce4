/**
 * The contract between the webserver's configuration (which parses and validates the file) and
 * the proxy (which forwards requests): plain data, every field already defaulted and checked.
 * Durations are milliseconds, sizes bytes.
 * @module
 */
import type { EarlyHintsMode } from './interim.js';

/** Where an upstream server listens. */
export type UpstreamAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** One `server` line of an `upstream` block (nginx's parameters). */
export interface UpstreamServerOptions {
  /** As written in the config, for logs and status (`127.0.0.1:8000`, `unix:/run/app.sock`). */
  readonly name: string;
  readonly address: UpstreamAddress;
  /** Relative share of requests (default 1). */
  readonly weight: number;
  /** Failures within `failTimeoutMs` that mark the server down (default 1; 0 disables). */
  readonly maxFails: number;
  /** The window for counting failures, and how long a failed server stays down (default 10 s). */
  readonly failTimeoutMs: number;
  /** Used only when every primary server is down. */
  readonly backup: boolean;
  /** Permanently out of rotation. */
  readonly down: boolean;
  /** Most concurrent connections to this server (0 = unlimited). */
  readonly maxConns: number;
}

/** Active health checks of an upstream (optional). */
export interface HealthCheckOptions {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Request path, e.g. `/healthz`. */
  readonly path: string;
  /** Statuses counted as healthy, e.g. [200] (default: 200-399). */
  readonly expectStatus: readonly number[];
  /** The check's Host header, e.g. `app.example` for an app that checks it (default: the server's address and port). */
  readonly host?: string;
  /** Consecutive passes that bring a server back up. */
  readonly rise: number;
  /** Consecutive failures that take a server down. */
  readonly fall: number;
}

export type BalanceMethod = 'round_robin' | 'least_conn' | 'ip_hash' | 'hash';

/** An `upstream NAME { ... }` block. */
export interface UpstreamOptions {
  readonly name: string;
  readonly servers: readonly UpstreamServerOptions[];
  readonly balance: BalanceMethod;
  /** With `balance = "hash"`: the key template, e.g. `$request_uri` or `$remote_addr`. */
  readonly hashKey?: string;
  /**
   * Idle keep-alive connections cached per worker for the whole block, all servers together
   * (nginx's `keepalive`, default 32): past it the least recently used idle one closes; 0 reuses none.
   */
  readonly keepalive: number;
  /** How long an idle upstream connection is kept (default 60 s). */
  readonly keepaliveTimeoutMs: number;
  readonly healthCheck?: HealthCheckOptions;
}

/** A location's `proxy_pass` and its `proxy_*` settings. */
export interface ProxyPassOptions {
  /** The upstream block name, or an implicit single-server upstream made from an address. */
  readonly upstream: UpstreamOptions;
  /** Path rewrite: when `proxy_pass` has a URI part, the location prefix is replaced by it (nginx rule); else undefined. */
  readonly uri?: string;
  /** Headers to set on the upstream request (value `''` removes the header); values may use `$host`, `$remote_addr`, `$remote_port`, `$scheme`, `$request_id`, `$server_port` and `$msec` (nginx's: seconds since the epoch with milliseconds), each also as `${name}`. */
  readonly setHeaders: Readonly<Record<string, string>>;
  readonly connectTimeoutMs: number;
  /** Longest silence while reading the upstream response. */
  readonly readTimeoutMs: number;
  /** Longest silence while sending the request to the upstream. */
  readonly sendTimeoutMs: number;
  /** Buffer the whole request body before choosing an upstream (default true). */
  readonly requestBuffering: boolean;
  /** Read the response as fast as the upstream sends it, spilling to disk (default true). */
  readonly buffering: boolean;
  /** In-memory part of each buffer before spilling to a temp file (default 64 KiB). */
  readonly bufferSize: number;
  /** Largest response spilled to disk per request (default 1 GiB); beyond it the proxy streams with backpressure. */
  readonly maxTempFileSize: number;
  /** Directory for spilled bodies (default the OS temp dir). */
  readonly tempPath: string;
  /** Tries across servers for one request, the first included (default: number of servers, 0 = that). */
  readonly nextUpstreamTries: number;
  /** Retry non-idempotent requests too (nginx's `non_idempotent`; default false). */
  readonly retryNonIdempotent: boolean;
  /** Tunnel WebSocket and other Upgrades (default true; `h2c` is never forwarded). */
  readonly websocket: boolean;
  /** Peers whose X-Forwarded-* and X-Request-Id are kept (CIDRs; default loopback). */
  readonly trustedProxies: readonly string[];
  /** Pass an upstream's 103 Early Hints on: `off` (default, as nginx), `http2` (HTTP/2 clients only), `on` (HTTP/1.1 too; never HTTP/1.0). */
  readonly earlyHints: EarlyHintsMode;
  /** Pass an upstream's response trailers on where the client's message can carry them (default true; nginx drops them). */
  readonly passTrailers: boolean;
}
