/**
 * The server's own response classes, handed to node:http, node:https and node:http2 so that every
 * response is made as one of them (Gunicorn's `Response` idea: the response owns its state):
 *
 * - with the access log on, each counts the body bytes written through it, in its own write
 *   path, for `$body_bytes_sent`. Nothing wraps `res.write` or `res.end` per request. The
 *   socket's `bytesWritten` cannot serve: with pipelining or HTTP/2 one socket carries several
 *   responses at once, and it counts heads and chunk framing too. With the access log off the
 *   classes do not count, and write/end are node's own (as tsgi-appserver does).
 * - the HTTP/1 one adds `Server` inside writeHead when `server_tokens` is on. Why: one
 *   `res.setHeader('Server', ...)` per request makes node:http merge every later
 *   `writeHead(status, array)` into its header object field by field (its "progressive API" slow
 *   path); on a 1 KiB static file that cost about a tenth of the request (commit e5d4a22:
 *   ~30k -> ~38k req/s). Adding the field to the array the handler already built keeps the
 *   one-pass serialisation.
 *
 * The count costs one method call and one addition per write: nothing is allocated for it.
 * Every HTTP/1 response of the server is made by {@link http1Response}'s class (node:http and
 * node:https servers, node:http2's HTTP/1.1 fallback, the one-shot responses on upgrade sockets).
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, OutgoingHttpHeader } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

// node's values through getBuiltinModule, not import: see the no-restricted-imports rule in
// eslint.config.js. node:http2 only once a listener serves HTTP/2 (http2Response).
const nodeHttp = process.getBuiltinModule('node:http');

/** The product token sent as `Server` when `server_tokens` is on. */
export const SERVER_TOKEN = 'tsgi-webserver';

type HeadersArg = OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;
type Chunk = string | Uint8Array;
type WriteCallback = (err: Error | null | undefined) => void;

/** The bytes a chunk puts on the wire (strings in their encoding, utf-8 by default). */
function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}

/**
 * An HTTP/1 response that counts its body bytes. Every byte of a body goes through `write` or
 * `end` (node's `end(chunk)` does not call `write`, so both count; pipes call `write`).
 */
export class CountingResponse<Request extends IncomingMessage = IncomingMessage> extends nodeHttp.ServerResponse<Request> {
  /** Body bytes written so far (what `$body_bytes_sent` logs; HEAD bodies included, node drops them). */
  bodyBytes = 0;

  override write(chunk: Chunk, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    if (!this.writableEnded) this.bodyBytes += chunkBytes(chunk, encoding);
    return super.write(chunk, encoding as BufferEncoding, cb);
  }

  override end(chunk?: Chunk | (() => void), encoding?: BufferEncoding | (() => void), cb?: () => void): this {
    if (typeof chunk !== 'function' && chunk !== undefined && !this.writableEnded) this.bodyBytes += chunkBytes(chunk, encoding);
    return super.end(chunk as Chunk, encoding as BufferEncoding, cb);
  }
}

/** The class {@link http2Response} makes on first use for a counting HTTP/2 response. */
let CountingHttp2Response: typeof Http2ServerResponse | undefined;

/** An HTTP/2 compat response class that counts its body bytes (node's `end(chunk)` calls `write`). */
function countingHttp2Class(): typeof Http2ServerResponse {
  const Base = process.getBuiltinModule('node:http2').Http2ServerResponse;
  return class CountingHttp2Response<Request extends Http2ServerRequest = Http2ServerRequest> extends Base<Request> {
    /** Body bytes written so far. */
    bodyBytes = 0;

    override write(chunk: Chunk, encoding?: BufferEncoding | ((err: Error) => void), cb?: (err: Error) => void): boolean {
      if (!this.writableEnded) this.bodyBytes += chunkBytes(chunk, encoding);
      return super.write(chunk, encoding as BufferEncoding, cb);
    }
  };
}

/** True when a flat `[name, value, ...]` header array already names `Server`. */
function arrayHasServer(headers: readonly OutgoingHttpHeader[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    if (typeof name === 'string' && name.length === 6 && name.toLowerCase() === 'server') return true;
  }
  return false;
}

/**
 * An object of headers as the flat array node:http also takes, with `Server` last, or the
 * object itself when it names `Server`. Not `{ ...headers, Server: token }`: that spread and
 * `Object.keys(...).some(...)` cost 5% of a `return 200` (self time of writeHead in a CPU
 * profile, bench/README.md): 1.1-1.6 us per call against 40-70 ns for this loop (micro-benchmark,
 * one `content-length` field, 2026-12-07).
 */
function objectWithServer(headers: OutgoingHttpHeaders, token: string): HeadersArg {
  const out: OutgoingHttpHeader[] = [];
  // Own keys, as node reads an object of headers.
  for (const name of Object.keys(headers)) {
    if (name.length === 6 && name.toLowerCase() === 'server') return headers;
    // As given, undefined too: node then refuses it as it would the object.
    out.push(name, headers[name] as OutgoingHttpHeader);
  }
  out.push('Server', token);
  return out;
}

/** One class per choice, so that every response of the process has the same shape. */
const http1Classes = new Map<string, typeof ServerResponse>();

/**
 * The HTTP/1 response class for `http.createServer({ ServerResponse })`: a
 * {@link CountingResponse} when `countBytes`, else node's own, whose writeHead adds
 * `Server: token` (when a token is given) unless the response already has one.
 *
 * @example
 * ```ts
 * const server = http.createServer({ ServerResponse: http1Response('tsgi-webserver', true) }, handler);
 * ```
 */
export function http1Response(token: string | undefined, countBytes: boolean): typeof ServerResponse {
  const Base: typeof ServerResponse = countBytes ? CountingResponse : nodeHttp.ServerResponse;
  if (token === undefined) return Base;
  const id = `${countBytes}:${token}`;
  let Class = http1Classes.get(id);
  if (Class === undefined) {
    const TokenResponse = class extends Base {
      override writeHead(statusCode: number, reasonOrHeaders?: string | HeadersArg, maybeHeaders?: HeadersArg): this {
        const withReason = typeof reasonOrHeaders === 'string';
        const headers = withReason ? maybeHeaders : reasonOrHeaders;
        let out: HeadersArg = headers;
        if (Array.isArray(headers)) {
          // A copy: handlers may pass arrays they cache and reuse.
          if (!arrayHasServer(headers)) out = [...headers, 'Server', token];
        } else if (headers !== undefined && typeof headers === 'object') {
          if (!this.hasHeader('server')) out = objectWithServer(headers, token);
        } else if (!this.hasHeader('server')) {
          this.setHeader('Server', token);
        }
        return withReason ? super.writeHead(statusCode, reasonOrHeaders, out) : super.writeHead(statusCode, out);
      }
    };
    // node:http's class type is generic over the request class; this one serves IncomingMessage.
    Class = TokenResponse as unknown as typeof ServerResponse;
    http1Classes.set(id, Class);
  }
  return Class;
}

/**
 * The HTTP/2 compat response class for `http2.createSecureServer({ Http2ServerResponse })`.
 * Asked for only by a listener that serves HTTP/2, so a worker serving plain HTTP never loads
 * node:http2, which costs +11 MB of RSS on Node 24 (+2.7 on Node 20; node:tls included).
 */
export function http2Response(countBytes: boolean): typeof Http2ServerResponse {
  if (!countBytes) return process.getBuiltinModule('node:http2').Http2ServerResponse;
  CountingHttp2Response ??= countingHttp2Class();
  return CountingHttp2Response;
}

/** The body bytes a response of this server wrote (0 for a response made elsewhere, which does not count). */
export function bodyBytesOf(res: ServerResponse | Http2ServerResponse): number {
  if (res instanceof CountingResponse) return res.bodyBytes;
  return CountingHttp2Response !== undefined && res instanceof CountingHttp2Response ? (res as Http2ServerResponse & { bodyBytes: number }).bodyBytes : 0;
}
