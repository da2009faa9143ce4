/**
 * Every configuration key, declared once as data: where it may appear, its type, default, help
 * and the parser that makes its typed value. Validation (unknown keys, bad values), the types the
 * loader reads values back with ({@link ScopeSettings}, through a {@link Block}), the parsed
 * defaults and the reference docs (`tsgi-webserver --help-config`, the README table) all come from
 * this table, as Gunicorn does with its settings and tsgi-appserver with its own (settings.ts there).
 * @module
 */
import { isIP } from 'node:net';
import { parse as parseToml } from 'smol-toml';
import { isValidHost } from 'tsgi-head-gate';
import { ValueError } from './errors.js';
import { parseDuration, parseSize } from './units.js';

/** The blocks of a config file. `main` is the top level. */
export type Scope = 'main' | 'server' | 'location' | 'upstream' | 'health_check';

/**
 * One key. `parse` turns the TOML value into the typed one, or throws a {@link ValueError}; its
 * return type is the type the loader reads back.
 */
export interface Setting<N extends string = string, S extends Scope = Scope, T = unknown> {
  readonly name: N;
  readonly scopes: readonly S[];
  /** The allowed values, for docs and error messages ("a size such as 1m"). */
  readonly type: string;
  /** The default as one would write it in the file (parsed by `parse` once, at load); undefined: unset. */
  readonly default?: string;
  readonly help: string;
  readonly parse: (value: unknown) => T;
}

/** Keeps the literal name and scopes of an entry, and whether it has a default, in its type. */
function setting<const N extends string, const S extends Scope, T>(spec: Setting<N, S, T> & { readonly default: string }): Setting<N, S, T> & { readonly default: string };
function setting<const N extends string, const S extends Scope, T>(spec: Setting<N, S, T>): Setting<N, S, T>;
function setting(spec: Setting): Setting {
  return spec;
}

const describe = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'a table' : String(v));

const bool = (v: unknown): boolean => {
  if (typeof v !== 'boolean') throw new ValueError(`expected true or false, got ${describe(v)}`);
  return v;
};
const str = (v: unknown): string => {
  if (typeof v !== 'string' || v === '') throw new ValueError(`expected a non-empty string, got ${describe(v)}`);
  if (/[\0\r\n]/.test(v)) throw new ValueError('must not contain NUL, CR or LF');
  return v;
};
const path = (v: unknown): string => str(v);
const int = (min: number, max: number) => (v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ValueError(`expected an integer from ${min} to ${max}, got ${describe(v)}`);
  return v;
};
const size = (v: unknown): number => {
  const n = parseSize(v);
  if (n === undefined) throw new ValueError(`expected a size such as 512, "8k", "1m" or "1g", got ${describe(v)}`);
  return n;
};
const duration = (v: unknown): number => {
  const n = parseDuration(v);
  if (n === undefined) throw new ValueError(`expected a duration such as 30 (seconds), "500ms", "60s", "5m", "1h" or "1d", got ${describe(v)}`);
  return n;
};
/** A duration of at least `minMs` (a health check every few milliseconds would flood the upstreams: each worker checks on its own). */
const durationAtLeast = (minMs: number, words: string) => (v: unknown): number => {
  const n = duration(v);
  if (n < minMs) throw new ValueError(`must be at least ${words}, got ${describe(v)}`);
  return n;
};
const oneOf = <T extends string>(...values: T[]) => (v: unknown): T => {
  if (typeof v !== 'string' || !values.includes(v as T)) throw new ValueError(`expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${describe(v)}`);
  return v as T;
};
const strList = (v: unknown): string[] => {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) throw new ValueError(`expected a string or a non-empty array of strings, got ${describe(v)}`);
  return list.map((x) => str(x));
};
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A table of header names to values, e.g. `{ "X-Frame-Options" = "DENY" }`. */
const headerTable = (v: unknown): Array<[string, string]> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValueError(`expected a table of header names to values, e.g. { "X-Frame-Options" = "DENY" }, got ${describe(v)}`);
  return Object.entries(v).map(([name, value]) => {
    if (!TOKEN.test(name)) throw new ValueError(`${JSON.stringify(name)} is not a valid header name (RFC 9110 5.1)`);
    if (typeof value !== 'string' || /[\0\r\n]/.test(value)) throw new ValueError(`the value of ${name} must be a string without NUL, CR or LF`);
    return [name, value];
  });
};
const sizeOrOff = (v: unknown): number => (v === 'off' || v === false ? 0 : size(v));
const expires = (v: unknown): number | 'max' | 'epoch' | 'off' => {
  if (v === 'max' || v === 'epoch' || v === 'off') return v;
  if (v === false) return 'off';
  const ms = parseDuration(v);
  if (ms === undefined) throw new ValueError(`expected a duration such as "30d", or "max", "epoch" or "off", got ${describe(v)}`);
  return Math.round(ms / 1000);
};
const workers = (v: unknown): number | 'auto' => (v === 'auto' ? 'auto' : int(1, 512)(v));
/** nginx's `large_client_header_buffers NUMBER SIZE`: the request line and each header line fit one buffer; all headers fit all of them. */
const headerBuffers = (v: unknown): { count: number; size: number } => {
  const m = typeof v === 'string' ? /^\s*(\d+)\s+(\S+)\s*$/.exec(v) : null;
  const count = m ? Number(m[1]) : NaN;
  const bytes = m ? parseSize(m[2]) : undefined;
  if (!m || !(count >= 1 && count <= 64) || bytes === undefined || bytes < 1024 || bytes > 1024 * 1024) {
    throw new ValueError(`expected "NUMBER SIZE" such as "4 8k" (1-64 buffers of 1k-1m), got ${describe(v)}`);
  }
  return { count, size: bytes };
};
/** Statuses: `200`, `"200-399"`, or an array of either (nginx's `match { status 200-399; }`). */
const statusCodes = (v: unknown): number[] => {
  const out: number[] = [];
  for (const x of Array.isArray(v) ? v : [v]) {
    const m = typeof x === 'string' ? /^\s*(\d{3})\s*-\s*(\d{3})\s*$/.exec(x) : null;
    if (!m) {
      out.push(int(100, 599)(x));
      continue;
    }
    const from = int(100, 599)(Number(m[1]));
    const to = int(from, 599)(Number(m[2]));
    for (let code = from; code <= to; code++) out.push(code);
  }
  return out;
};
const table = (v: unknown): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValueError(`expected a table, got ${describe(v)}`);
  return v as Record<string, unknown>;
};
/** `ssl_protocols`: "TLSv1.2 TLSv1.3" or an array; TLS 1.0 and 1.1 are refused (RFC 8996 deprecates them). */
const tlsProtocols = (v: unknown): Array<'TLSv1.2' | 'TLSv1.3'> => {
  const list = typeof v === 'string' ? v.trim().split(/\s+/) : strList(v);
  const out: Array<'TLSv1.2' | 'TLSv1.3'> = [];
  for (const p of list) {
    if (p === 'TLSv1' || p === 'TLSv1.1' || p === 'SSLv3' || p === 'SSLv2') throw new ValueError(`${p} is not offered: RFC 8996 deprecates TLS 1.0 and 1.1 (and SSL is broken); use "TLSv1.2 TLSv1.3"`);
    if (p !== 'TLSv1.2' && p !== 'TLSv1.3') throw new ValueError(`unknown protocol ${JSON.stringify(p)}; expected TLSv1.2 and/or TLSv1.3`);
    if (!out.includes(p)) out.push(p);
  }
  if (out.length === 0) throw new ValueError('expected TLSv1.2 and/or TLSv1.3');
  return out;
};
/** `ssl_ciphers`: an OpenSSL cipher list, checked here by OpenSSL itself ("no cipher match" otherwise). */
const cipherList = (v: unknown): string => {
  const list = str(v);
  // The default is Mozilla's list, which OpenSSL takes (config/load.test.ts); checking it here would
  // load node:tls in every process, TLS or not (+5 MB of RSS on Node 24: server/responses.ts).
  if (list === MOZILLA_INTERMEDIATE_CIPHERS) return list;
  try {
    // node:tls only when the key is given (a plain-HTTP process does not load it: server/responses.ts).
    process.getBuiltinModule('node:tls').createSecureContext({ ciphers: list });
  } catch (e) {
    throw new ValueError(`OpenSSL refuses the cipher list ${JSON.stringify(list)}: ${(e as Error).message}`);
  }
  return list;
};
/** `ssl_session_timeout`: RFC 8446 4.6.1 caps a ticket's lifetime at 7 days. */
const sessionTimeout = (v: unknown): number => {
  const ms = duration(v);
  if (ms < 1000 || ms > 7 * 86_400_000) throw new ValueError(`expected a duration from 1s to 7d (RFC 8446 caps a ticket at 7 days), got ${describe(v)}`);
  return ms;
};
/** The Mozilla "intermediate" TLS 1.2 cipher list (https://ssl-config.mozilla.org, guidelines 5.7); TLS 1.3 suites are OpenSSL's. */
export const MOZILLA_INTERMEDIATE_CIPHERS = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305';
/** IPs and CIDRs; `[]` trusts no peer (an edge server that takes no forwarded headers from anyone). */
const trusted = (v: unknown): string[] => {
  if (Array.isArray(v) && v.length === 0) return [];
  const list = strList(v);
  for (const c of list) {
    const [address = '', prefix, extra] = c.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) throw new ValueError(`${JSON.stringify(c)} is not an IP address or CIDR such as "10.0.0.0/8"`);
  }
  return list;
};

const LOC = ['server', 'location'] as const;
const ALL_HTTP = ['main', 'server', 'location'] as const;

/** The settings, in the order the docs list them. */
export const SETTINGS = [
  // ---- main: processes and logs
  setting({ name: 'workers', scopes: ['main'], type: 'integer 1-512 or "auto"', default: '1', help: 'Worker processes; "auto" starts one per CPU core the server may run on: its affinity mask (taskset, a cpuset) counts, not the machine\'s cores (os.availableParallelism(); nginx worker_processes).', parse: workers }),
  setting({ name: 'master_process', scopes: ['main'], type: 'boolean', default: 'true', help: 'Run a master that forks the workers, reloads on HUP and restarts crashed workers; false serves from one process (for debugging).', parse: bool }),
  setting({ name: 'pid', scopes: ['main'], type: 'path', help: 'File the master writes its process id to (removed on exit).', parse: path }),
  setting({ name: 'error_log', scopes: ['main'], type: 'path, "stderr" or "stdout"', default: '"stderr"', help: 'Where errors and notices go.', parse: path }),
  setting({ name: 'error_log_level', scopes: ['main'], type: '"debug", "info", "notice", "warn", "error" or "crit"', default: '"notice"', help: 'The least severe level written.', parse: oneOf('debug', 'info', 'notice', 'warn', 'error', 'crit') }),
  setting({ name: 'access_log', scopes: ['main'], type: 'path, "stdout", "stderr" or "off"', default: '"off"', help: 'Where one line per request goes; reopened on USR1 for log rotation.', parse: path }),
  setting({ name: 'access_log_format', scopes: ['main'], type: '"combined", "combined_id" or "json"', default: '"combined"', help: "nginx's combined format; combined_id, the same followed by \"$request_id\" (the X-Request-Id sent upstream); or one JSON object per line (with request_id).", parse: oneOf('combined', 'combined_id', 'json') }),
  setting({ name: 'worker_release_memory_after', scopes: ['main'], type: 'duration', default: '"8s"', help: 'A worker (or the one process) that has started no request for this long, and has none in flight, runs a full garbage collection (and up to two more, 100 ms apart, while they keep giving memory back), so the heap V8 grew under load goes back to the system; a request arriving during one waits for it, 10-55 ms measured (0 = never).', parse: duration }),
  setting({ name: 'worker_shutdown_timeout', scopes: ['main'], type: 'duration', default: '"30s"', help: 'On reload or graceful stop, how long old workers may finish their requests before they are killed.', parse: duration }),
  // ---- main: limits (nginx names and defaults)
  setting({ name: 'max_connections', scopes: ['main'], type: 'integer', default: '1024', help: 'Open client connections per worker; more are closed at once (nginx worker_connections).', parse: int(1, 1_000_000) }),
  setting({ name: 'large_client_header_buffers', scopes: ['main'], type: '"NUMBER SIZE"', default: '"4 8k"', help: 'A request line longer than SIZE gets 414, a header line longer than SIZE or headers longer than NUMBER*SIZE get 431.', parse: headerBuffers }),
  setting({ name: 'client_header_timeout', scopes: ['main'], type: 'duration', default: '"60s"', help: 'Time to receive the whole request head; a slower client gets 408.', parse: duration }),
  setting({ name: 'client_body_timeout', scopes: ['main'], type: 'duration', default: '"60s"', help: 'Longest silence between two reads of the request body; then 408.', parse: duration }),
  setting({ name: 'send_timeout', scopes: ['main'], type: 'duration', default: '"60s"', help: 'Longest silence between two writes to a client that does not read; then the connection is closed.', parse: duration }),
  setting({ name: 'keepalive_timeout', scopes: ['main'], type: 'duration', default: '"75s"', help: 'How long an idle keep-alive connection, or an HTTP/2 connection with no request in progress, stays open (0 disables keep-alive, and HTTP/2 connections are then not closed for idleness).', parse: duration }),
  setting({ name: 'keepalive_requests', scopes: ['main'], type: 'integer', default: '1000', help: 'Requests served on one connection before it is closed.', parse: int(1, 1_000_000) }),
  setting({ name: 'http2_max_concurrent_streams', scopes: ['main'], type: 'integer', default: '128', help: 'Concurrent HTTP/2 streams per connection.', parse: int(1, 65535) }),
  setting({ name: 'client_max_body_size', scopes: ALL_HTTP, type: 'size or "off"', default: '"1m"', help: 'Largest request body; a larger one gets 413, before any 100 Continue ("off" or 0: no limit).', parse: sizeOrOff }),
  setting({ name: 'lingering_close', scopes: ['main'], type: '"on" or "off"', default: '"on"', help: 'After an answer that leaves a request body unread (a 413), close the connection only once the client stops sending, reading and discarding the rest, so it reads the answer instead of a reset (nginx lingering_close); "off" closes at once.', parse: oneOf('on', 'off') }),
  setting({ name: 'lingering_time', scopes: ['main'], type: 'duration', default: '"30s"', help: 'The longest a lingering close reads and discards in all.', parse: duration }),
  setting({ name: 'lingering_timeout', scopes: ['main'], type: 'duration', default: '"5s"', help: 'A lingering close ends after this long without a byte from the client.', parse: duration }),
  setting({ name: 'server_tokens', scopes: ['main'], type: 'boolean', default: 'true', help: 'Send `Server: tsgi-webserver` (false: no Server header).', parse: bool }),
  // ---- TLS for every ssl socket (nginx names; the handshake is shared by the servers of a socket, so these are top-level)
  setting({ name: 'ssl_protocols', scopes: ['main'], type: '"TLSv1.2 TLSv1.3", "TLSv1.3" or an array', default: '"TLSv1.2 TLSv1.3"', help: 'TLS versions offered (TLS 1.0 and 1.1 are refused: RFC 8996).', parse: tlsProtocols }),
  setting({ name: 'ssl_ciphers', scopes: ['main'], type: 'OpenSSL cipher list', default: JSON.stringify(MOZILLA_INTERMEDIATE_CIPHERS), help: 'TLS 1.2 cipher suites, in order; the default is Mozilla\'s "intermediate" list. TLS 1.3 suites are OpenSSL\'s defaults (as in nginx).', parse: cipherList }),
  setting({ name: 'ssl_prefer_server_ciphers', scopes: ['main'], type: 'boolean', default: 'false', help: 'Choose the TLS 1.2 cipher by the server\'s order rather than the client\'s (Mozilla intermediate: off, the ciphers are all strong and the client knows whether it has AES hardware).', parse: bool }),
  setting({ name: 'ssl_session_tickets', scopes: ['main'], type: 'boolean', default: 'true', help: 'Resume TLS sessions with tickets (RFC 8446 2.2, RFC 5077), so a returning client skips the full handshake on any worker: the master makes the ticket keys, gives them to every worker and replaces them every ssl_session_timeout, keeping the previous one to decrypt tickets it issued. false: no resumption.', parse: bool }),
  setting({ name: 'ssl_session_timeout', scopes: ['main'], type: 'duration, 1s-7d', default: '"1h"', help: 'How long a ticket resumes its session; also the ticket key rotation period, so a key lives at most twice this (nginx\'s default is 5m).', parse: sessionTimeout }),
  setting({ name: 'ssl_session_ticket_key', scopes: ['main'], type: 'path or array of paths (48 bytes each: openssl rand 48 > file)', help: 'Ticket keys from files, shared with other hosts behind one load balancer: the first encrypts, the rest only decrypt. You rotate them (new file first, then reload with HUP); without this the master makes and rotates keys itself.', parse: strList }),
  setting({ name: 'ssl_stapling', scopes: ['main', 'server'], type: 'boolean', default: 'false', help: 'Staple an OCSP response to the handshake (RFC 6066 8): fetched from the responder named in the certificate (Authority Information Access), cached until its nextUpdate and refreshed before; a handshake never waits for the responder (it gets no staple instead).', parse: bool }),
  setting({ name: 'ssl_stapling_verify', scopes: ['main', 'server'], type: 'boolean', default: 'false', help: 'Staple a fetched response only once its signature checks out against the issuer (or an OCSP signer the issuer certified).', parse: bool }),
  setting({ name: 'ssl_stapling_file', scopes: ['main', 'server'], type: 'path (DER)', help: 'Staple this OCSP response (openssl ocsp -respout) instead of asking the responder.', parse: path }),
  setting({ name: 'ssl_trusted_certificate', scopes: ['main', 'server'], type: 'path (PEM)', help: 'The issuer of ssl_certificate (and its chain), when ssl_certificate holds only the leaf: used to ask the responder and to verify its answer; not sent to clients.', parse: path }),
  // ---- server
  setting({ name: 'listen', scopes: ['server'], type: 'string or array: "8080", "127.0.0.1:8080", "[::1]:8080", "unix:/run/web.sock", each optionally followed by ssl, http2, default_server', default: '"80"', help: 'Addresses this server answers on.', parse: strList }),
  setting({ name: 'server_name', scopes: ['server'], type: 'string or array: "example.com", "*.example.com", ".example.com", "~^regex$", "_"', help: 'Host names this server answers for; exact names first, then the longest leading wildcard, then trailing wildcard, then regexes in order (nginx).', parse: strList }),
  setting({ name: 'ssl_certificate', scopes: ['server'], type: 'path (PEM)', help: 'Certificate chain for this server\'s names, chosen by SNI.', parse: path }),
  setting({ name: 'ssl_certificate_key', scopes: ['server'], type: 'path (PEM)', help: 'Private key of ssl_certificate.', parse: path }),
  setting({ name: 'location', scopes: ['server'], type: 'array of tables [[server.location]]', help: 'Locations of this server.', parse: (v) => v }),
  // ---- server and location
  setting({ name: 'path', scopes: ['location'], type: '"/prefix", "= /exact", "^~ /prefix", "~ regex", "~* regex"', help: 'What the location matches, with nginx\'s modifiers and precedence.', parse: str }),
  setting({ name: 'root', scopes: LOC, type: 'absolute path', help: 'Files are looked up at root + URI.', parse: path }),
  setting({ name: 'alias', scopes: ['location'], type: 'absolute path', help: 'Files are looked up at alias + (URI without the location prefix).', parse: path }),
  setting({ name: 'index', scopes: LOC, type: 'string or array', default: '["index.html"]', help: 'Files tried for a URI ending in /.', parse: strList }),
  setting({ name: 'try_files', scopes: LOC, type: 'array, last entry "=CODE" or a URI', help: 'Candidates ($uri, $uri/, /index.html) tried in order; the last is a status (=404) or a URI served by an internal redirect.', parse: strList }),
  setting({ name: 'return', scopes: LOC, type: 'integer, or "CODE URL" / "CODE text"', help: 'Answer at once: 301/302/303/307/308 with a URL (Location), or any code with a text body. Variables: $scheme $host $request_uri $uri $args $server_port $remote_addr.', parse: (v) => (typeof v === 'number' ? int(100, 599)(v) : str(v)) }),
  setting({ name: 'add_header', scopes: ALL_HTTP, type: 'table', help: 'Headers added to 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308 responses (nginx add_header).', parse: headerTable }),
  setting({ name: 'add_header_always', scopes: ALL_HTTP, type: 'table', help: 'Headers added to every response, errors included (nginx add_header ... always).', parse: headerTable }),
  setting({ name: 'expires', scopes: LOC, type: 'duration, "max", "epoch" or "off"', default: '"off"', help: 'Cache-Control max-age and Expires for static files.', parse: expires }),
  setting({ name: 'cache_control', scopes: LOC, type: 'string', help: 'A literal Cache-Control for static files; overrides expires.', parse: str }),
  setting({ name: 'immutable', scopes: LOC, type: 'boolean', default: 'false', help: 'Hashed file names (app.3f9a1c2b.js) get a year of immutable caching.', parse: bool }),
  setting({ name: 'autoindex', scopes: LOC, type: '"off", "html" or "json" (true = "html")', default: '"off"', help: 'Directory listings.', parse: (v) => (v === true ? 'html' : v === false ? 'off' : oneOf('off', 'html', 'json')(v)) }),
  setting({ name: 'dotfiles', scopes: LOC, type: '"deny" or "allow"', default: '"deny"', help: 'Whether path segments starting with a dot are served (/.well-known/ always is).', parse: oneOf('deny', 'allow') }),
  setting({ name: 'symlinks', scopes: LOC, type: '"within-root", "follow" or "deny"', default: '"within-root"', help: 'Symbolic links under the root: followed only inside the root, always, or never.', parse: oneOf('within-root', 'follow', 'deny') }),
  setting({ name: 'precompressed', scopes: LOC, type: 'boolean', default: 'false', help: 'Serve file.br / file.gz siblings to clients that accept them (nginx gzip_static).', parse: bool }),
  setting({ name: 'gzip', scopes: LOC, type: 'boolean', default: 'false', help: 'Compress text types on the fly with gzip.', parse: bool }),
  setting({ name: 'brotli', scopes: LOC, type: 'boolean', default: 'false', help: 'Compress text types on the fly with Brotli.', parse: bool }),
  setting({ name: 'gzip_min_length', scopes: LOC, type: 'size', default: '1024', help: 'Smaller files are never compressed on the fly.', parse: size }),
  setting({ name: 'etag', scopes: LOC, type: 'boolean', default: 'true', help: 'Strong ETag on static files.', parse: bool }),
  setting({ name: 'charset', scopes: LOC, type: 'boolean', default: 'true', help: 'Add ; charset=utf-8 to text types.', parse: bool }),
  setting({ name: 'max_ranges', scopes: LOC, type: 'integer', default: '16', help: 'Most byte ranges honoured in one request (0 disables ranges).', parse: int(0, 1024) }),
  setting({ name: 'open_file_cache', scopes: LOC, type: 'integer', default: '4096', help: 'Files whose metadata (and small bodies) are cached; 0 disables.', parse: int(0, 10_000_000) }),
  setting({ name: 'open_file_cache_valid', scopes: LOC, type: 'duration', default: '"1s"', help: 'How long cached file metadata is trusted.', parse: duration }),
  setting({ name: 'open_file_cache_memory_file_max', scopes: LOC, type: 'size', default: '"64k"', help: 'Files up to this size are read once and served from memory, while the cache\'s 64 MiB budget lasts; larger ones are streamed from a cached open descriptor (0: always stream).', parse: size }),
  setting({ name: 'open_file_cache_hot_file_max', scopes: LOC, type: 'size', default: '"4m"', help: 'A larger file up to this size that was streamed whole twice is read into memory too, within half of the memory budget (0: never).', parse: size }),
  setting({ name: 'status', scopes: ['location'], type: '"stub" or "prometheus"', help: 'Answer with the server status (nginx stub_status) or Prometheus metrics, aggregated over workers.', parse: oneOf('stub', 'prometheus') }),
  // ---- proxy (location)
  setting({ name: 'proxy_pass', scopes: ['location'], type: '"http://UPSTREAM_NAME[/uri]", "http://host:port[/uri]" or "http://unix:/path:[/uri]"', help: 'Forward requests to an upstream block or an address.', parse: str }),
  setting({ name: 'proxy_set_header', scopes: LOC, type: 'table', help: 'Headers set on the upstream request ("" removes one); values may use $host $remote_addr $remote_port $scheme $request_id $server_port $msec, also as ${name} (X-Request-Start = "t=${msec}").', parse: (v) => headerTable(v) }),
  setting({ name: 'proxy_connect_timeout', scopes: ALL_HTTP, type: 'duration', default: '"60s"', help: 'Time to connect to an upstream server.', parse: duration }),
  setting({ name: 'proxy_read_timeout', scopes: ALL_HTTP, type: 'duration', default: '"60s"', help: 'Longest silence while reading the upstream response (then 504).', parse: duration }),
  setting({ name: 'proxy_send_timeout', scopes: ALL_HTTP, type: 'duration', default: '"60s"', help: 'Longest silence while sending the request upstream.', parse: duration }),
  setting({ name: 'proxy_request_buffering', scopes: ALL_HTTP, type: 'boolean', default: 'true', help: 'Read the whole request body before choosing an upstream.', parse: bool }),
  setting({ name: 'proxy_buffering', scopes: ALL_HTTP, type: 'boolean', default: 'true', help: 'Read the response as fast as the upstream sends it, spilling to disk.', parse: bool }),
  setting({ name: 'proxy_buffer_size', scopes: ALL_HTTP, type: 'size', default: '"64k"', help: 'In-memory part of each buffer before it spills to a temp file.', parse: size }),
  setting({ name: 'proxy_max_temp_file_size', scopes: ALL_HTTP, type: 'size', default: '"1g"', help: 'Largest response spilled to disk; beyond it the proxy streams with backpressure.', parse: size }),
  setting({ name: 'proxy_temp_path', scopes: ALL_HTTP, type: 'path', help: 'Directory for spilled bodies (default: the OS temp dir).', parse: path }),
  setting({ name: 'proxy_next_upstream_tries', scopes: ALL_HTTP, type: 'integer', default: '0', help: 'Servers tried for one request (0: every server once).', parse: int(0, 100) }),
  setting({ name: 'proxy_next_upstream_non_idempotent', scopes: ALL_HTTP, type: 'boolean', default: 'false', help: 'Also retry POST, PATCH and LOCK requests on another server.', parse: bool }),
  setting({ name: 'proxy_websocket', scopes: ALL_HTTP, type: 'boolean', default: 'true', help: 'Tunnel WebSocket and other Upgrade requests.', parse: bool }),
  setting({ name: 'early_hints', scopes: ALL_HTTP, type: '"off", "http2" or "on"', default: '"off"', help: 'Pass an upstream\'s 103 Early Hints to the client (nginx 1.29 early_hints): "http2" to HTTP/2 clients only (browsers use them there; some HTTP/1.1 clients mishandle a 1xx), "on" to HTTP/1.1 clients too; never to HTTP/1.0.', parse: oneOf('off', 'http2', 'on') }),
  setting({ name: 'proxy_pass_trailers', scopes: ALL_HTTP, type: 'boolean', default: 'true', help: 'Pass an upstream\'s response trailers on where the client\'s message can carry them (chunked HTTP/1.1, HTTP/2), minus the fields RFC 9110 6.5.1 keeps out of trailers (nginx drops trailers). Request trailers are not forwarded.', parse: bool }),
  setting({ name: 'proxy_trusted_proxies', scopes: ALL_HTTP, type: 'array of IPs or CIDRs', default: '["127.0.0.0/8", "::1"]', help: 'Peers whose X-Forwarded-* and X-Request-Id headers are kept; [] trusts none (an edge server).', parse: trusted }),
  // ---- upstream
  setting({ name: 'name', scopes: ['upstream'], type: 'string', help: 'The name proxy_pass uses (http://NAME).', parse: (v) => { const s = str(v); if (!/^[A-Za-z0-9_.-]+$/.test(s)) throw new ValueError('expected letters, digits, "_", "." or "-"'); return s; } }),
  setting({ name: 'server', scopes: ['upstream'], type: 'array of "host:port [weight=N] [max_fails=N] [fail_timeout=T] [backup] [down] [max_conns=N]" or "unix:/path ..."', help: 'The servers of the upstream, with nginx\'s parameters.', parse: (v) => { if (!Array.isArray(v) || v.length === 0) throw new ValueError('expected a non-empty array of server strings'); return v; } }),
  setting({ name: 'balance', scopes: ['upstream'], type: '"round_robin", "least_conn", "ip_hash" or "hash"', default: '"round_robin"', help: 'How a server is chosen.', parse: oneOf('round_robin', 'least_conn', 'ip_hash', 'hash') }),
  setting({ name: 'hash_key', scopes: ['upstream'], type: 'string', help: 'With balance = "hash": the key, e.g. "$request_uri" (consistent hashing).', parse: str }),
  setting({ name: 'keepalive', scopes: ['upstream'], type: 'integer', default: '32', help: 'Idle keep-alive connections cached per worker for the whole upstream (all its servers together, as nginx); past that the least recently used idle ones are closed (after 1 s, so a burst does not reconnect). 0: a new connection per request, sent with Connection: close. Busy connections are not limited (see max_conns).', parse: int(0, 100_000) }),
  setting({ name: 'keepalive_timeout', scopes: ['upstream'], type: 'duration', default: '"60s"', help: 'How long an idle upstream connection is kept.', parse: duration }),
  setting({ name: 'health_check', scopes: ['upstream'], type: 'table', help: 'Active health checks (nginx Plus health_check): { interval, timeout, path, expect_status, rise, fall }. Each worker checks every server; a server is taken out after `fall` failed checks and back after `rise` passes, and a passing check also ends a passive mark (max_fails/fail_timeout) set before it began, so a restarted server rejoins within one interval. Changes are logged (warn: unhealthy or temporarily disabled; notice: back).', parse: table }),
  setting({ name: 'interval', scopes: ['health_check'], type: 'duration, at least "1s"', default: '"5s"', help: 'Time between checks (nginx Plus interval=5). A server that stops answering is out within fall x interval + timeout; one that answers again is back within rise x interval.', parse: durationAtLeast(1000, '1s') }),
  setting({ name: 'timeout', scopes: ['health_check'], type: 'duration', default: '"2s"', help: 'A check slower than this fails; a check still running when the next is due is not started twice, so keep it below interval.', parse: duration }),
  setting({ name: 'path', scopes: ['health_check'], type: 'string', default: '"/"', help: 'Path requested by the check.', parse: (v) => { const s = str(v); if (!s.startsWith('/')) throw new ValueError('must start with "/"'); return s; } }),
  setting({ name: 'expect_status', scopes: ['health_check'], type: 'integer, "LOW-HIGH" or an array of them', default: '"200-399"', help: 'Statuses counted as healthy.', parse: statusCodes }),
  setting({ name: 'host', scopes: ['health_check'], type: 'string', help: 'Host header of the check, for apps that answer only their own names (Django\'s ALLOWED_HOSTS answers 400 to an address). Default: the server\'s address and port.', parse: (v) => { const s = str(v); if (!isValidHost(s)) throw new ValueError('must be a host name or address, with an optional port'); return s; } }),
  setting({ name: 'rise', scopes: ['health_check'], type: 'integer', default: '2', help: 'Consecutive passes that bring a server back.', parse: int(1, 100) }),
  setting({ name: 'fall', scopes: ['health_check'], type: 'integer', default: '3', help: 'Consecutive failures that take a server out.', parse: int(1, 100) }),
] as const;

/** One entry of {@link SETTINGS}, with its literal name, scopes and value type. */
type Entry = (typeof SETTINGS)[number];

/** The parsed value of an entry. */
type ValueOf<E> = E extends { readonly parse: (value: unknown) => infer T } ? T : never;

/** What an entry reads back: its parsed value, and `undefined` too when it has no default. */
type ReadOf<E> = E extends { readonly default: string } ? ValueOf<E> : ValueOf<E> | undefined;

/** The entries allowed in a block of scope `S`. */
type EntryIn<S extends Scope> = Entry extends infer E ? (E extends { readonly scopes: ReadonlyArray<infer X> } ? (S extends X ? E : never) : never) : never;

type NameOf<E> = E extends { readonly name: infer N extends string } ? N : never;

/** The keys a block of scope `S` may hold. */
export type KeyOf<S extends Scope> = NameOf<EntryIn<S>>;

/**
 * What a block of scope `S` reads back for each key it may hold, derived from the table: the
 * parsed type, and `undefined` too when the key has no default.
 * @example
 * ```ts
 * type T = ScopeSettings<'upstream'>['balance']; // 'round_robin' | 'least_conn' | 'ip_hash' | 'hash'
 * type U = ScopeSettings<'upstream'>['hash_key']; // string | undefined
 * ```
 */
export type ScopeSettings<S extends Scope> = { [K in KeyOf<S>]: ReadOf<Extract<EntryIn<S>, { readonly name: K }>> };

/** What key `K` of a block of scope `S` reads back. */
export type ValueIn<S extends Scope, K extends KeyOf<S>> = ScopeSettings<S>[K];

const byScope = new Map<Scope, Map<string, Entry>>();
for (const s of SETTINGS) {
  for (const scope of s.scopes) {
    const map = byScope.get(scope) ?? new Map<string, Entry>();
    map.set(s.name, s);
    byScope.set(scope, map);
  }
}

/** The settings allowed in one block, by name. */
export function settingsFor(scope: Scope): ReadonlyMap<string, Setting> {
  return byScope.get(scope) ?? new Map();
}

/**
 * Every default, parsed once by its own setting: the table's `default` text is the one source of
 * every default, and a default its parser refuses fails here, when the module loads.
 */
const defaults = new Map<Setting, unknown>();
for (const s of SETTINGS) {
  if (s.default === undefined) continue;
  try {
    defaults.set(s, s.parse(parseToml(`v = ${s.default}`).v));
  } catch (e) {
    throw new Error(`settings table: the default of ${s.name} (${s.default}) does not parse: ${(e as Error).message}`);
  }
}

/**
 * The parsed default of a key in a scope (undefined when it has none).
 * @example settingDefault('main', 'keepalive_timeout') // 75000
 */
export function settingDefault<S extends Scope, K extends KeyOf<S>>(scope: S, name: K): ValueIn<S, K> {
  const setting = byScope.get(scope)?.get(name);
  // The one cast of the table's values: `defaults` holds what this key's own parser returned.
  return (setting === undefined ? undefined : defaults.get(setting)) as ValueIn<S, K>;
}

/**
 * The values one block of the file set, each already checked by its setting's parser, read back
 * with the types {@link ScopeSettings} derives from the table: set here, else inherited from the
 * enclosing blocks (a location from its server, a server from the top level), else the default.
 * @example
 * ```ts
 * const upstream = new Block('upstream', new Map([['keepalive', 8]]));
 * upstream.get('keepalive'); // 8 (a number)
 * upstream.get('hash_key');  // undefined (string | undefined)
 * ```
 */
export class Block<S extends Scope> {
  readonly scope: S;
  /** The values set in this block itself, by key. */
  readonly own: ReadonlyMap<string, unknown>;
  readonly #chain: ReadonlyArray<ReadonlyMap<string, unknown>>;

  constructor(scope: S, own: ReadonlyMap<string, unknown>, parents: ReadonlyArray<{ readonly own: ReadonlyMap<string, unknown> }> = []) {
    this.scope = scope;
    this.own = own;
    this.#chain = [own, ...parents.map((p) => p.own)];
  }

  /** True when this block itself sets the key (not inherited, not defaulted). */
  has(key: KeyOf<S>): boolean {
    return this.own.has(key);
  }

  /** The key's value: set here, else inherited, else the table's default. */
  get<K extends KeyOf<S>>(key: K): ValueIn<S, K> {
    for (const values of this.#chain) {
      // The one cast of the table's values: only Validator.values() fills these maps, each value
      // with its own key's parser, and a key is only accepted in a block whose scope allows it.
      if (values.has(key)) return values.get(key) as ValueIn<S, K>;
    }
    return settingDefault(this.scope, key);
  }
}

/** The reference docs, generated from {@link SETTINGS} (Markdown). */
export function renderSettingsDocs(): string {
  const titles: Record<Scope, string> = { main: 'Top level', server: '[[server]]', location: '[[server.location]]', upstream: '[[upstream]]', health_check: '[upstream.health_check]' };
  const out: string[] = [];
  for (const scope of Object.keys(titles) as Scope[]) {
    out.push(`### ${titles[scope]}`, '', '| key | value | default | meaning |', '|---|---|---|---|');
    for (const s of SETTINGS) {
      if (!(s.scopes as readonly Scope[]).includes(scope)) continue;
      out.push(`| \`${s.name}\` | ${s.type.replace(/\|/g, '\\|')} | ${s.default === undefined ? '' : `\`${s.default}\``} | ${s.help.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
