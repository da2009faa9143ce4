/**
 * `admitRequest`: the gate itself. Every tsgi server calls it first thing in its `request`
 * listener, on the head node:http parsed, and answers the rule it returns without calling the
 * app or the upstream. Checks run in request order: version, request line, header fields, Host,
 * target, framing.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RULES, type HeadRule } from './rules.js';
import { escapesRoot, isValidHost, splitAbsoluteTarget } from './target.js';
import { trackExchange } from './connection-state.js';

const HTTP_SCHEME = /^https?:\/\//i;

/**
 * The limits on a request head, checked by name (0 = no limit). node:http enforces only one
 * total (`maxHeaderSize`); these give the 414 and 431 answers nginx and Gunicorn give.
 */
export interface HeadLimits {
  /** Bytes of `method SP target SP HTTP/x.y` (Gunicorn's limit_request_line). */
  readonly maxRequestLineBytes: number;
  /** Header fields in one request (Gunicorn's limit_request_fields). */
  readonly maxHeaderCount: number;
  /** Bytes of one `name: value` field (Gunicorn's limit_request_field_size). */
  readonly maxHeaderFieldBytes: number;
}

/**
 * The head limits every tsgi server starts from: Gunicorn's (request line 8190 bytes, 100 header
 * fields of 8190 bytes each), close to nginx's 8 KiB large_client_header_buffers.
 *
 * @example
 * ```ts
 * admitRequest(req, res, DEFAULT_HEAD_LIMITS);
 * ```
 */
export const DEFAULT_HEAD_LIMITS: HeadLimits = Object.freeze({ maxRequestLineBytes: 8190, maxHeaderCount: 100, maxHeaderFieldBytes: 8190 });

/**
 * Decides whether a request head is acceptable. Returns the rule it breaks (answer
 * `rule.status` and close the connection, without calling the app or forwarding anything), or
 * undefined. Records the exchange on its connection for {@link createClientErrorHandler}, which
 * must be the server's `clientError` listener, so an error in what follows this request waits
 * for this request's response instead of replacing it. The server calls {@link exchangeClosed}
 * from its 'close' listener on `res`, so the record does not outlive the exchange.
 *
 * @example
 * ```ts
 * server.on('request', (req, res) => {
 *   const rule = admitRequest(req, res, { maxRequestLineBytes: 8190, maxHeaderCount: 100, maxHeaderFieldBytes: 8190 });
 *   if (rule !== undefined) {
 *     res.shouldKeepAlive = false;
 *     res.writeHead(rule.status).end();
 *     return;
 *   }
 *   res.on('close', () => exchangeClosed(res));
 *   app(req, res);
 * });
 * ```
 */
export function admitRequest(req: IncomingMessage, res: ServerResponse, limits: HeadLimits): HeadRule | undefined {
  if (!trackExchange(req, res)) return RULES['after-close'];
  return checkHead(req, limits);
}

/** The checks of {@link admitRequest} without the connection bookkeeping (for HTTP/2 streams and tests). */
export function checkHead(req: IncomingMessage, limits: HeadLimits): HeadRule | undefined {
  // node's parser accepts HTTP/0.9 (no version) and HTTP/2.0 request lines; TSGI is HTTP/1.x.
  if (req.httpVersionMajor !== 1) return req.httpVersionMajor === 0 ? RULES['http-0.9'] : RULES['http-version'];
  const method = req.method ?? '';
  const target = req.url ?? '';
  const raw = req.rawHeaders;
  const sized = checkLineAndCount(method, target, raw, limits);
  if (sized !== undefined) return sized;

  // One pass over the fields: their size, and the Host and Transfer-Encoding values (read from
  // rawHeaders, so node's headers object is not built for the gate).
  const maxField = limits.maxHeaderFieldBytes > 0 ? limits.maxHeaderFieldBytes : Infinity;
  let hosts = 0;
  let host: string | undefined;
  let te: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    // name ": " value
    if (name.length + value.length + 2 > maxField) return RULES['header-too-large'];
    if (name.length === 4 && name.toLowerCase() === 'host') {
      hosts++;
      host = value;
    } else if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') {
      te = te === undefined ? value : `${te}, ${value}`;
    }
  }
  // node keeps the first of several Host fields; RFC 9112 section 3.2 makes that a 400.
  if (hosts > 1) return RULES['duplicate-host'];
  if (hosts === 0 && req.httpVersionMinor >= 1) return RULES['missing-host'];

  // The target (RFC 9112 section 3.2): origin-form, absolute-form (whose authority is the Host),
  // or `*` for OPTIONS. A valid absolute-form authority makes the Host field irrelevant.
  let path = target;
  const first = target.charCodeAt(0);
  if (first === 47 /* / */) {
    if (host !== undefined && !isValidHost(host)) return RULES['invalid-host'];
  } else if (first === 42 /* * */) {
    if (target.length !== 1 || method !== 'OPTIONS') return RULES['target-form'];
  } else {
    const absolute = splitAbsoluteTarget(target);
    if (absolute === undefined) return HTTP_SCHEME.test(target) ? RULES['invalid-host'] : RULES['target-form'];
    path = absolute.path;
  }
  if (escapesRoot(path)) return RULES['target-escapes-root'];

  // Framing (RFC 9112 section 6): llhttp refuses CL with TE and bad Content-Length; the codings
  // are judged here.
  if (te !== undefined) return checkTransferEncoding(te, req.httpVersionMinor);
  return undefined;
}

/**
 * The size limits alone: request line (414), field count and field size (431). Also used for
 * HTTP/2 streams, whose framing node:http2 checks itself.
 */
export function checkLimits(method: string, target: string, raw: readonly string[], limits: HeadLimits): HeadRule | undefined {
  const sized = checkLineAndCount(method, target, raw, limits);
  if (sized !== undefined || limits.maxHeaderFieldBytes <= 0) return sized;
  const max = limits.maxHeaderFieldBytes;
  // name ": " value
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length + raw[i + 1]!.length + 2 > max) return RULES['header-too-large'];
  return undefined;
}

/** The request line (414) and the field count (431). */
function checkLineAndCount(method: string, target: string, raw: readonly string[], limits: HeadLimits): HeadRule | undefined {
  // method SP target SP HTTP/1.1: the 9 bytes of " HTTP/1.1" and one space.
  if (limits.maxRequestLineBytes > 0 && method.length + target.length + 10 > limits.maxRequestLineBytes) return RULES['request-line-too-long'];
  if (limits.maxHeaderCount > 0 && raw.length > limits.maxHeaderCount * 2) return RULES['too-many-headers'];
  return undefined;
}

/**
 * Transfer-Encoding in a request (RFC 9112 sections 6.1 and 6.3): HTTP/1.0 cannot use it; the
 * final coding must be chunked, applied once; any other coding is one this server does not
 * implement (501), since passing it on would let the next hop frame the body differently.
 */
function checkTransferEncoding(te: string, minor: number): HeadRule | undefined {
  if (minor === 0) return RULES['transfer-encoding-http10'];
  if (te.length === 7 && te.toLowerCase() === 'chunked') return undefined;
  const codings = te.split(',').map((c) => c.trim().toLowerCase());
  const chunked = codings.filter((c) => c === 'chunked').length;
  if (codings[codings.length - 1] !== 'chunked' || chunked > 1) return RULES['transfer-encoding-not-chunked'];
  return RULES['transfer-encoding-unknown'];
}
