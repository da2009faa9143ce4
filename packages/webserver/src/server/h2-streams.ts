/**
 * HTTP/2 requests on node:http2's stream API, with the compatibility API for everything else.
 *
 * Why: node builds an Http2ServerRequest and an Http2ServerResponse (two streams, their state,
 * their listeners) for every h2 stream once the server has a 'request' listener, and the
 * compatibility response always asks for trailers (one more round through nghttp2 per
 * response) and writes the body and the end separately. The file server's cached-file answer
 * (`StaticHandler.cached`) is written here with `stream.respond` + `stream.end`; every other
 * request gets the compatibility objects exactly as node makes them, so the rest of the server
 * sees no change.
 *
 * Measured (2026-12-06, 1 KiB file, h2load -c20 -m10, worker pinned to one core, h2load on the
 * other, CPU time of the worker per request, before/after alternated on a loaded 2-core
 * machine): 93/83/126/70/88/105/72 us -> 72/62/90/49/66/66/50 us, about a quarter less; node's
 * own stream-API server sending the same bytes from memory took 43/65/39 us in the same runs.
 * In the worker's CPU profile the compatibility layer's frames (Http2ServerRequest/Response,
 * writeHead, removeHeader, sendTrailers) are gone and the server's own code is under 5% of
 * self time; what remains is node's http2 core (respond, processHeaders, mapToHeaders) and GC,
 * as in node's own server.
 * @module
 */
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';

type RequestClass = typeof Http2ServerRequest;
type ResponseClass = typeof Http2ServerResponse;

/**
 * A 'stream' listener that first offers each stream to `fast` (true: answered on the stream
 * API) and otherwise makes the compatibility request and response with the server's classes
 * and emits them as node's own listener does ('connect', 'checkContinue', 'request', the
 * Expect rules of RFC 9110 10.1.1). Installed in place of node's listener, which 'request'
 * listeners add: one listener makes the objects, never two.
 *
 * @example
 * ```ts
 * server.on('request', onRequest); // node:http2 adds its compatibility 'stream' listener here
 * takeStreams(server, Http2ServerRequest, Http2ServerResponse, (stream, headers, flags, raw) => false);
 * ```
 */
export function takeStreams(
  server: Http2SecureServer,
  Request: RequestClass,
  Response: ResponseClass,
  fast: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) => boolean,
): void {
  server.removeAllListeners('stream');
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) => {
    // `fast` writes only once it has decided; a throw before that leaves the stream to compat.
    let answered = false;
    try {
      answered = fast(stream, headers, flags, rawHeaders);
    } catch {
      answered = stream.headersSent;
    }
    if (answered) return;
    compat(server, Request, Response, stream, headers, rawHeaders);
  });
}

/** node's own compatibility dispatch (lib/internal/http2/compat.js onServerStream), unchanged. */
function compat(server: Http2SecureServer, Request: RequestClass, Response: ResponseClass, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]): void {
  // The classes' constructors are node's public ones (the server's Http2ServerRequest option).
  const MakeRequest = Request as unknown as new (...a: unknown[]) => Http2ServerRequest;
  const MakeResponse = Response as unknown as new (...a: unknown[]) => Http2ServerResponse;
  const request = new MakeRequest(stream, headers, undefined, rawHeaders);
  const response = new MakeResponse(stream);
  if (headers[':method'] === 'CONNECT') {
    if (!server.emit('connect', request, response)) {
      response.statusCode = 405;
      response.end();
    }
    return;
  }
  const expect = headers.expect;
  if (expect !== undefined) {
    if (expect === '100-continue') {
      if (server.listenerCount('checkContinue') > 0) server.emit('checkContinue', request, response);
      else {
        response.writeContinue();
        server.emit('request', request, response);
      }
    } else if (server.listenerCount('checkExpectation') > 0) {
      server.emit('checkExpectation', request, response);
    } else {
      response.statusCode = 417;
      response.end();
    }
    return;
  }
  server.emit('request', request, response);
}

/** h2 header objects of the flat lists the file server prepares, made once per list. */
const headerObjects = new WeakMap<readonly string[], OutgoingHttpHeaders>();

/**
 * The h2 header object of a flat `[name, value, ...]` list with `:status` and, when given,
 * `server`. Cached per list: the file server keeps one list per route (per second with
 * `expires`), and node's `respond` copies the object it is given.
 */
export function h2Headers(status: number, flat: readonly string[], server: string | undefined): OutgoingHttpHeaders {
  let h = headerObjects.get(flat);
  if (h === undefined || h[':status'] !== status) {
    h = { ':status': status };
    for (let i = 0; i < flat.length; i += 2) h[(flat[i] as string).toLowerCase()] = flat[i + 1];
    if (server !== undefined && h.server === undefined) h.server = server;
    headerObjects.set(flat, h);
  }
  return h;
}

/**
 * Writes a whole answer on the stream: the headers and the body in one `end` (the body and
 * END_STREAM leave in one DATA frame), or the headers alone with END_STREAM for HEAD.
 */
export function respondWhole(stream: ServerHttp2Stream, headers: OutgoingHttpHeaders, body: Buffer | undefined): void {
  if (stream.destroyed || stream.closed) return;
  if (body === undefined) {
    stream.respond(headers, { endStream: true });
    return;
  }
  stream.respond(headers);
  stream.end(body);
}
