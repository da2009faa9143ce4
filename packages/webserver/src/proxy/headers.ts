/**
 * Header rewriting both ways. Hop-by-hop headers (RFC 9110 section 7.6.1: Connection and every
 * header it names, plus Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade) are
 * dropped; duplicates are forwarded from `rawHeaders` one by one, in order, never joined.
 * @module
 */
import type { ProxyContext } from './types.js';

/** Always hop-by-hop, whatever Connection says. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/**
 * Response headers nginx hides by default (`proxy_hide_header`): the front answers with its own
 * Date and Server; X-Pad is an old Apache workaround.
 */
const HIDDEN_RESPONSE = new Set(['date', 'server', 'x-pad']);

/** Request headers the proxy rebuilds itself (dropped from the client's list, then set). */
const REBUILT = new Set([
  'host',
  'content-length',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-real-ip',
  'forwarded',
  'x-request-id',
]);

/** The names listed in Connection header values (RFC 9110 7.6.1), lower-cased. */
function connectionNamed(raw: readonly string[]): Set<string> | undefined {
  let named: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    // The length test spares lower-casing the other names: measured 2026-12-06 (this function
    // through filterResponseHeaders and buildRequestHeaders, 5 to 16 fields, interleaved runs in
    // one process, CPU time per call) 13-16% of the call, 0.06-0.16 us per request.
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection') {
      for (const token of raw[i + 1]!.split(',')) {
        const t = token.trim().toLowerCase();
        if (t) (named ??= new Set()).add(t);
      }
    }
  }
  return named;
}

/** A `setHeaders` value with `$variables`, compiled once per proxy. */
export type HeaderTemplate = (ctx: ProxyContext, host: string) => string;

const NAMES = 'host|remote_addr|remote_port|scheme|request_id|server_port|msec';
/** `$name`, nginx's `${name}` (for a variable followed by a letter: `t=${msec}`), or `$$`. */
const VARIABLE = new RegExp(`\\$(?:\\{(${NAMES})\\}|(${NAMES})|\\$)`, 'g');

/**
 * nginx's `$msec`: the current time in seconds with millisecond resolution (`1765051200.123`),
 * taken as the header is built, just before the request goes upstream. `X-Request-Start:
 * t=${msec}` (the header New Relic and Heroku read) lets the app see how long the request took
 * from here to its view: the queueing between the web server and the app.
 */
function msec(): string {
  return (Date.now() / 1000).toFixed(3);
}

/**
 * Compiles a `setHeaders` value: `$host`, `$remote_addr`, `$remote_port`, `$scheme`,
 * `$request_id`, `$server_port` and `$msec`, each also as `${name}` (`$$` is `$`).
 */
export function compileTemplate(value: string): HeaderTemplate {
  if (!value.includes('$')) return () => value;
  return (ctx, host) =>
    value.replace(VARIABLE, (_, braced: string | undefined, bare: string | undefined) => {
      switch (braced ?? bare) {
        case 'host':
          return host;
        case 'remote_addr':
          return ctx.remoteAddress;
        case 'remote_port':
          return String(ctx.remotePort ?? '');
        case 'scheme':
          return ctx.scheme;
        case 'request_id':
          return ctx.requestId ?? '';
        case 'server_port':
          return String(ctx.serverPort);
        case 'msec':
          return msec();
        default:
          return '$';
      }
    });
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** RFC 7239 section 6: IPv6 nodes are bracketed and quoted; unknown left as `unknown`. */
export function forwardedNode(address: string): string {
  if (!address) return 'unknown';
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  return address.includes(':') ? `"[${address}]"` : address;
}

function forwardedValue(v: string): string {
  return TOKEN.test(v) ? v : `"${v.replace(/["\\]/g, '\\$&')}"`;
}

/** What {@link buildRequestHeaders} needs besides the request. */
export interface RequestHeaderInput {
  readonly ctx: ProxyContext;
  /** The peer is a trusted proxy: its X-Forwarded-* and Forwarded are extended, not replaced. */
  readonly trusted: boolean;
  /** The request body framing to send: its length, `chunked`, or none. */
  readonly body: number | 'chunked' | undefined;
  /** `setHeaders`, lower-cased names to compiled values (`undefined` value: remove). */
  readonly set: ReadonlyMap<string, { name: string; value: HeaderTemplate | undefined }>;
  /** Host to send when the client sent none (HTTP/1.0): the upstream server's name, as nginx's `$proxy_host`. */
  readonly defaultHost?: string;
  /** For upgrades: the protocol to ask the upstream for (re-added after hop-by-hop stripping). */
  readonly upgrade?: string;
}

/**
 * The header list for the upstream request, flat (`[name, value, name, value, ...]`) as
 * `http.request` takes it, keeping the client's order, case and duplicates.
 */
export function buildRequestHeaders(raw: readonly string[], input: RequestHeaderInput): string[] {
  const named = connectionNamed(raw);
  const { ctx, trusted, set } = input;
  // The client's headers first (order, case and duplicates kept), then the proxy's own.
  const out: string[] = [];
  let host: string | undefined;
  let xff: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  let xRealIp: string | undefined;
  let forwarded: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.charCodeAt(0) === 58 /* ':' HTTP/2 pseudo-header */) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named?.has(lower)) continue;
    if (REBUILT.has(lower)) {
      switch (lower) {
        case 'host':
          host ??= value;
          break;
        case 'x-forwarded-for':
          xff = xff === undefined ? value : `${xff}, ${value}`;
          break;
        case 'x-forwarded-proto':
          xfProto ??= value;
          break;
        case 'x-forwarded-host':
          xfHost ??= value;
          break;
        case 'x-real-ip':
          xRealIp ??= value;
          break;
        case 'forwarded':
          forwarded = forwarded === undefined ? value : `${forwarded}, ${value}`;
          break;
      }
      continue;
    }
    if (set.has(lower)) continue;
    out.push(name, value);
  }
  // ctx.host is what the server routed by: the absolute-form authority when the request line had
  // one (RFC 9112 section 3.2.2), else Host. The Host field itself is the fallback.
  const clientHost = ctx.host || host || input.defaultHost || 'localhost';
  const addr = ctx.remoteAddress;
  const own: string[] = [
    'Host', clientHost,
    'X-Forwarded-For', trusted && xff ? `${xff}, ${addr}` : addr,
    'X-Forwarded-Proto', trusted && xfProto ? xfProto : ctx.scheme,
    'X-Forwarded-Host', trusted && xfHost ? xfHost : clientHost,
    'X-Real-IP', trusted && xRealIp ? xRealIp : addr,
    'Forwarded', forwardedHeader(trusted ? forwarded : undefined, addr, clientHost, ctx.scheme),
  ];
  if (ctx.requestId) own.push('X-Request-Id', ctx.requestId);
  if (input.upgrade) own.push('Connection', 'Upgrade', 'Upgrade', input.upgrade);
  if (typeof input.body === 'number') own.push('Content-Length', String(input.body));
  else if (input.body === 'chunked') own.push('Transfer-Encoding', 'chunked');
  for (let i = 0; i < own.length; i += 2) {
    // setHeaders replace the defaults of the same name, or remove them (empty value): below.
    if (set.size > 0 && set.has(own[i]!.toLowerCase())) continue;
    out.push(own[i]!, own[i + 1]!);
  }
  for (const { name, value } of set.values()) {
    if (value === undefined) continue;
    const v = value(ctx, clientHost);
    if (v !== '') out.push(name, v);
  }
  return out;
}

/** RFC 7239 element for this hop, appended to a trusted peer's list. */
function forwardedHeader(previous: string | undefined, addr: string, host: string, proto: string): string {
  const element = `for=${forwardedNode(addr)};host=${forwardedValue(host)};proto=${proto}`;
  return previous ? `${previous}, ${element}` : element;
}

/** The upstream response's headers for the client, and what the proxy learned from them. */
export interface ResponseHeaders {
  readonly headers: string[];
  /** `X-Accel-Buffering: no` from the app: stream this response per chunk. */
  readonly noBuffering: boolean;
}

/** Filters the upstream's raw response headers for the client (hop-by-hop, Date, Server, X-Pad and `X-Accel-*` dropped, as nginx). */
export function filterResponseHeaders(raw: readonly string[], keepUpgrade = false): ResponseHeaders {
  const named = keepUpgrade ? undefined : connectionNamed(raw);
  const headers: string[] = [];
  let noBuffering = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (keepUpgrade && (lower === 'connection' || lower === 'upgrade')) {
      headers.push(name, value);
      continue;
    }
    if (HOP_BY_HOP.has(lower) || named?.has(lower) || HIDDEN_RESPONSE.has(lower)) continue;
    if (lower.startsWith('x-accel-')) {
      // nginx reads and hides X-Accel-*; only X-Accel-Buffering means something here.
      if (lower === 'x-accel-buffering') noBuffering = value.trim().toLowerCase() === 'no';
      continue;
    }
    headers.push(name, value);
  }
  return { headers, noBuffering };
}
