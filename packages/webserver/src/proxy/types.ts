/**
 * The proxy's public shape: what the server passes in with each request ({@link ProxyContext}),
 * what it gets back ({@link Proxy}) and what it may inject ({@link ProxyDeps}).
 * @module
 */
import type { LingeringClose } from 'tsgi-head-gate';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UpstreamRegistry } from './upstream-registry.js';

/**
 * What the server knows about one request, handed to {@link Proxy.handle} and {@link Proxy.upgrade}.
 * The proxy writes `requestId` (when the server left it empty) and the `upstream*` fields, so the
 * server's access log can print them after the response.
 */
export interface ProxyContext {
  /** The peer's address as the socket sees it (`127.0.0.1`, `::1`). */
  readonly remoteAddress: string;
  readonly remotePort?: number;
  readonly scheme: 'http' | 'https';
  /** The host the client asked for (Host header or `:authority`, port included as sent). */
  readonly host: string;
  /** The port of the listener that accepted the connection. */
  readonly serverPort: number;
  /** The location's prefix (`/api/`), replaced by `ProxyPassOptions.uri` when that is set. */
  readonly locationPrefix: string;
  /** Kept from a trusted peer's `X-Request-Id`, else made by the proxy when empty. */
  requestId?: string;
  /** Written by the proxy: the server(s) tried, as in nginx's `$upstream_addr` (`a, b`). */
  upstreamAddr?: string;
  /** Written by the proxy: the status the upstream answered (0 when none). */
  upstreamStatus?: number;
  /** Written by the proxy: ms from the first connect attempt to the end of the upstream response. */
  upstreamResponseTimeMs?: number;
}

/**
 * Log levels the proxy uses (debug: client went away; notice: a server back in rotation; warn:
 * upstream failed or taken out; error: bug).
 */
export type ProxyLogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error';

/** Optional collaborators; every one has a default. */
export interface ProxyDeps {
  /**
   * Upstream state (health, connections, balancer position) shared by every location whose
   * `ProxyPassOptions.upstream` is the same object. Default: a private registry closed by `close()`.
   */
  readonly registry?: UpstreamRegistry;
  /**
   * How a client connection closes when the upstream answered before a streamed request body
   * ended (an early 403 or 413): the rest is read and discarded (nginx's lingering_*). Default:
   * DEFAULT_LINGERING_CLOSE.
   */
  readonly lingering?: LingeringClose;
  /** Error-log sink. Default: silent. */
  readonly log?: (level: ProxyLogLevel, message: string, fields?: Record<string, unknown>) => void;
  /**
   * The class the server makes its HTTP/1 responses with (`http.createServer({ ServerResponse })`),
   * used for the answers the proxy writes on an upgrade's socket, so that they look like every
   * other response of the server. Default: node's ServerResponse.
   */
  readonly ServerResponse?: typeof ServerResponse;
}

/** Counters of one upstream server, for status pages and metrics. */
export interface UpstreamServerStats {
  readonly name: string;
  readonly backup: boolean;
  /** `up`, `down` (configured), `failed` (passive, until `failTimeoutMs` passes) or `unhealthy` (active checks). */
  readonly state: 'up' | 'down' | 'failed' | 'unhealthy';
  /** Requests in flight to this server right now. */
  readonly active: number;
  /** Connections open to this server now, idle (kept alive) or busy. */
  readonly connections: number;
  readonly requests: number;
  readonly failures: number;
}

/** Counters of one upstream block. */
export interface UpstreamStats {
  readonly name: string;
  readonly servers: readonly UpstreamServerStats[];
}

/** Counters of one proxy (one `proxy_pass`). */
export interface ProxyStats {
  readonly requests: number;
  /** Requests in flight (including body buffering and response draining). */
  readonly active: number;
  /** Requests answered by the proxy itself with 502 or 504. */
  readonly badGateway: number;
  readonly gatewayTimeout: number;
  readonly retries: number;
  readonly upgrades: number;
  readonly upstream: UpstreamStats;
}

/** One `proxy_pass`, ready to forward requests. */
export interface Proxy {
  /** Forwards one request; answers it (always), never throws. */
  handle(req: IncomingMessage, res: ServerResponse, ctx: ProxyContext): void;
  /** Tunnels one `Upgrade` request (the server's `'upgrade'` event); never throws. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: ProxyContext): void;
  /** Aborts what is in flight and, when the registry is private, closes upstream connections. */
  close(): Promise<void>;
  stats(): ProxyStats;
}
