/**
 * What the proxy passes on besides the response itself: an upstream's `103 Early Hints`
 * (RFC 8297; nginx >= 1.29 `early_hints`) and its trailer section (RFC 9110 section 6.5; nginx
 * passes trailers only for gRPC). Both are optional by their RFCs, so dropping them is always
 * correct; passing them is what these settings turn on.
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';

/** When an upstream's 103 goes to the client (`early_hints`). */
export type EarlyHintsMode = 'off' | 'http2' | 'on';

/** Fields never passed in a 103: connection-specific or framing ones (a 1xx has no content). */
const NOT_IN_HINTS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'content-length', 'http2-settings']);

/**
 * Fields a sender must not put in a trailer section (RFC 9110 section 6.5.1): framing, routing,
 * authentication, response control data and content metadata. Dropped when passing trailers on.
 */
const NOT_IN_TRAILERS = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'http2-settings',
  'content-length', 'content-type', 'content-encoding', 'content-range', 'host',
  'cache-control', 'expires', 'age', 'date', 'location', 'retry-after', 'vary', 'pragma',
  'set-cookie', 'www-authenticate', 'proxy-authenticate', 'authorization', 'proxy-authorization',
]);

/** What node writes in a field value (HTAB, visible ASCII, obs-text); anything else is not passed. */
const NOT_FIELD_BYTE = /[^\t\x20-\x7e\x80-\xff]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

type Res = ServerResponse | Http2ServerResponse;

/** The request's HTTP major and minor version, as node reports it on the response's request. */
interface Versioned {
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
}

/** node's internal writer of a 1xx on an HTTP/1 response (the one its writeContinue uses). */
interface RawWritable {
  _writeRaw?(data: string, encoding: BufferEncoding): boolean;
}

/** node's HTTP/2 compatibility response: its stream takes a 1xx as additional headers. */
interface H2Stream {
  readonly stream?: { additionalHeaders?(headers: Record<string, string | string[] | number>): void; headersSent?: boolean; destroyed?: boolean };
}

/**
 * Passes an upstream's 103 (`fields`: `[name, value, ...]` as received) to the client when `mode`
 * allows it for this client: `http2` for HTTP/2 clients only (what nginx's documentation
 * suggests: browsers act on 103 over HTTP/2 and 3, and some HTTP/1.1 clients mishandle a 1xx they
 * did not ask for), `on` for HTTP/1.1 too; never to HTTP/1.0 (RFC 9110 section 15.2), never once
 * the response started. Connection and framing fields are left out; a field node would refuse is
 * dropped. Returns true when the 103 went out.
 *
 * On HTTP/1.1 it is written with node's own 1xx writer: node's public `writeEarlyHints` refuses
 * valid `Link` values (several links in one field, quoted strings with spaces).
 */
export function forwardEarlyHints(req: Versioned, res: Res, mode: EarlyHintsMode, fields: readonly string[]): boolean {
  if (mode === 'off' || res.headersSent || res.destroyed) return false;
  const h2 = req.httpVersionMajor >= 2;
  if (!h2 && (mode !== 'on' || req.httpVersionMinor === 0)) return false;
  const kept: Array<[string, string]> = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toLowerCase();
    const value = fields[i + 1]!;
    if (NOT_IN_HINTS.has(name) || !TOKEN.test(name) || NOT_FIELD_BYTE.test(value)) continue;
    kept.push([name, value]);
  }
  if (kept.length === 0) return false;
  if (h2) {
    const stream = (res as H2Stream).stream;
    if (stream?.additionalHeaders === undefined || stream.headersSent === true || stream.destroyed === true) return false;
    const headers: Record<string, string | string[] | number> = { ':status': 103 };
    for (const [name, value] of kept) {
      const had = headers[name];
      headers[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [String(had)]), value];
    }
    stream.additionalHeaders(headers);
    return true;
  }
  const raw = res as unknown as RawWritable;
  if (typeof raw._writeRaw !== 'function') return false;
  let head = 'HTTP/1.1 103 Early Hints\r\n';
  for (const [name, value] of kept) head += `${name}: ${value}\r\n`;
  raw._writeRaw(`${head}\r\n`, 'latin1');
  return true;
}

/**
 * An upstream's trailer section (`fields` as received), filtered for passing on: the fields RFC
 * 9110 section 6.5.1 keeps out of trailers and any node would refuse are dropped. node sends them
 * only where the client's message can carry them (chunked HTTP/1.1, HTTP/2) and drops them
 * otherwise (a Content-Length response, HTTP/1.0), which is correct: trailers are optional.
 */
export function passableTrailers(fields: readonly string[]): Record<string, string | string[]> | undefined {
  // An object, not pairs: node's HTTP/2 compatibility response takes only that form.
  let kept: Record<string, string | string[]> | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!.toLowerCase();
    const value = fields[i + 1]!;
    if (NOT_IN_TRAILERS.has(name) || !TOKEN.test(name) || NOT_FIELD_BYTE.test(value)) continue;
    kept ??= Object.create(null) as Record<string, string | string[]>;
    const had = kept[name];
    kept[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  return kept;
}
