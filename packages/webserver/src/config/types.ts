/**
 * The validated configuration: what `loadConfig` returns and the server runs on. Plain data,
 * every default applied; durations are milliseconds, sizes bytes.
 * @module
 */
import type { LingeringClose } from 'tsgi-head-gate';
import type { ProxyPassOptions, UpstreamOptions } from '../proxy/options.js';
import type { StaticOptions } from '../static/options.js';
import type { AccessLogFormat } from '../log/access-log.js';

/** A socket address to bind. `host` '' means every IPv4 address (nginx's `listen 80`). */
export type BindAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** One `listen` entry of a server. */
export interface ListenConfig {
  readonly address: BindAddress;
  /** Identifies the socket: servers with the same key share it (`0.0.0.0:80`, `[::1]:443`, `unix:/x`). */
  readonly key: string;
  readonly ssl: boolean;
  readonly http2: boolean;
  readonly defaultServer: boolean;
}

/** How a location matches (nginx modifiers: none, `=`, `^~`, `~`, `~*`). */
export type LocationMatch = 'prefix' | 'exact' | 'prefix-stop' | 'regex';

/** `return`: a redirect (`url`) or a status with an optional text body. */
export interface ReturnConfig {
  readonly status: number;
  readonly url?: string;
  readonly text?: string;
}

/** One `[[server.location]]` (or the server's own settings when no location matches). */
export interface LocationConfig {
  /** As written (`= /`, `^~ /static/`, `~* \.png$`), for logs and errors. */
  readonly name: string;
  readonly match: LocationMatch;
  /** The prefix or exact path (for regex locations: the pattern source). */
  readonly path: string;
  readonly regex?: RegExp;
  readonly line: number | undefined;
  readonly tryFiles?: readonly string[];
  /** Added to 2xx/3xx answers (nginx `add_header`). */
  readonly addHeader: ReadonlyArray<readonly [string, string]>;
  /** Added to every answer (nginx `add_header ... always`). */
  readonly addHeaderAlways: ReadonlyArray<readonly [string, string]>;
  readonly return?: ReturnConfig;
  /** Present when the location (or its server) has `root` or `alias`. */
  readonly static?: StaticOptions;
  readonly proxy?: ProxyPassOptions;
  readonly status?: 'stub' | 'prometheus';
  /** 0: no limit. */
  readonly clientMaxBodySize: number;
}

/** One `[[server]]`. */
export interface ServerConfig {
  /** 0-based position in the file. */
  readonly index: number;
  readonly line: number | undefined;
  readonly listen: readonly ListenConfig[];
  /** As written; empty: matches only as a default server. */
  readonly names: readonly string[];
  /** PEM file paths, when the server has a listener with `ssl`. */
  readonly tls?: ServerTls;
  readonly locations: readonly LocationConfig[];
  /** The server's own settings, used when no location matches. */
  readonly fallback: LocationConfig;
}

/** A server's certificate and its OCSP stapling (nginx `ssl_certificate`, `ssl_stapling`...). */
export interface ServerTls {
  readonly certFile: string;
  readonly keyFile: string;
  /** Present with `ssl_stapling = true`. */
  readonly stapling?: StaplingConfig;
}

/** OCSP stapling of one certificate. */
export interface StaplingConfig {
  readonly verify: boolean;
  /** A DER OCSP response stapled as it is (nginx `ssl_stapling_file`); no responder is asked. */
  readonly file?: string;
  /** PEM with the issuer (and its chain), when the certificate file has only the leaf. */
  readonly trustedFile?: string;
}

/** How every TLS socket handshakes (nginx names in the config file). */
export interface SslConfig {
  readonly protocols: ReadonlyArray<'TLSv1.2' | 'TLSv1.3'>;
  /** OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are OpenSSL's). */
  readonly ciphers: string;
  readonly preferServerCiphers: boolean;
  readonly sessionTickets: boolean;
  readonly sessionTimeoutMs: number;
  /** Key files (48 bytes each), the first encrypting; empty: the master makes and rotates keys. */
  readonly ticketKeyFiles: readonly string[];
}

/** Request limits (nginx names in the config file). */
export interface Limits {
  readonly maxConnections: number;
  /** Longest request line, and longest single header line (bytes). */
  readonly headerBufferSize: number;
  /** Longest request head in total (bytes). */
  readonly headerBuffersTotal: number;
  readonly headerTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly sendTimeoutMs: number;
  readonly keepaliveTimeoutMs: number;
  readonly keepaliveRequests: number;
  readonly http2MaxConcurrentStreams: number;
  /** How a connection closes after an answer that left a request body unread (nginx's lingering_*). */
  readonly lingering: LingeringClose;
}

export type LogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'crit';

/** The whole file. */
export interface Config {
  /** Absolute path of the file (or a label such as `<file-server>`). */
  readonly file: string;
  /** Worker processes (already resolved from "auto"). */
  readonly workers: number;
  readonly masterProcess: boolean;
  readonly pid?: string;
  readonly errorLog: string;
  readonly errorLogLevel: LogLevel;
  /** A path, "stdout", "stderr" or "off". */
  readonly accessLog: string;
  readonly accessLogFormat: AccessLogFormat;
  readonly shutdownTimeoutMs: number;
  /** worker_release_memory_after (0: never). */
  readonly releaseMemoryAfterMs: number;
  readonly serverTokens: boolean;
  readonly limits: Limits;
  readonly ssl: SslConfig;
  readonly servers: readonly ServerConfig[];
  readonly upstreams: ReadonlyMap<string, UpstreamOptions>;
  /** Things `-t` reports without failing (nginx's [warn] lines). */
  readonly warnings: readonly string[];
}
