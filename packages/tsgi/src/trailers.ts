/**
 * The `tsgi.trailers` extension (SPEC 7.5): the request's trailer section, readable once its body
 * has been read to the end, and response trailers, asked of the Response (under `TSGI_TRAILERS`)
 * after its last body chunk and sent after it: in the last chunk of a chunked HTTP/1.1 message
 * (RFC 9112 section 7.1.2). The server side for the node adapter, and the helpers apps call.
 * @module
 */
import type { Exchange } from './exchange.js';
import { addHeader, asChunk, cancelBody, checkStatus, commit, failMidway, requestLine, sendResponse, streamRest, type HeaderScan } from './write-response.js';
import { isResponse } from './fast-response.js';
import { TSGI_TRAILERS, TSGI_TRAILERS_EXTENSION, type TsgiContext, type TsgiResponseTrailers, type TsgiTrailers } from './types.js';

/**
 * Fields a sender must not put in a trailer section (RFC 9110 section 6.5.1): framing, routing,
 * authentication, response control data and those that say how to read the content; the client
 * needs them before the content, or would wrongly merge them. Dropped with a warning.
 */
const NOT_IN_TRAILERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer',
  'content-length', 'content-type', 'content-encoding', 'content-range', 'host',
  'cache-control', 'expires', 'age', 'date', 'location', 'retry-after', 'vary', 'pragma',
  'set-cookie', 'www-authenticate', 'proxy-authenticate', 'authorization', 'proxy-authorization',
]);

/** What node's own header check allows in a field value (HTAB, visible ASCII, obs-text). */
const NOT_FIELD_BYTE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * The request's trailer fields (SPEC 7.5.1) when the server offers `tsgi.trailers`: a `Headers`
 * once the body has been read to the end (empty when the request had no trailers or no body),
 * `undefined` before that or on a server without the extension. Trailers are never merged into
 * `request.headers` (RFC 9110 section 6.5.2).
 *
 * @example
 * ```ts
 * import { requestTrailers } from 'tsgi';
 * const data = await request.arrayBuffer();            // read the body to the end first
 * const digest = requestTrailers(context)?.get('digest'); // sent after a chunked body
 * ```
 */
export function requestTrailers(context: TsgiContext): Headers | undefined {
  return context[TSGI_TRAILERS_EXTENSION]?.request();
}

/**
 * Gives `response` trailer fields (SPEC 7.5.2): `trailers` is called once, after the last body
 * chunk was written, and what it returns is sent as the trailer section. A message that cannot
 * carry trailers (a server without `tsgi.trailers`, an HTTP/1.0 client, HEAD, 204/304, or an app
 * `Content-Length` on HTTP/1.1, which rules out chunked framing) is sent as if there were none, and
 * `trailers` is not called. Name the fields in a `Trailer` header (RFC 9110 section 6.6.2) so a
 * client can expect them. Returns `response`.
 *
 * @example
 * ```ts
 * import { createHash } from 'node:crypto';
 * import { withTrailers } from 'tsgi';
 * const hash = createHash('sha256');
 * const body = report.pipeThrough(new TransformStream({ transform(chunk, out) { hash.update(chunk); out.enqueue(chunk); } }));
 * return withTrailers(new Response(body, { headers: { trailer: 'digest' } }), () => ({ digest: `sha-256=:${hash.digest('base64')}:` }));
 * ```
 */
export function withTrailers<R extends Response>(response: R, trailers: TsgiResponseTrailers): R {
  if (typeof trailers !== 'function') throw new TypeError('tsgi: withTrailers() expects a function returning the trailer fields');
  (response as R & { [TSGI_TRAILERS]?: TsgiResponseTrailers })[TSGI_TRAILERS] = trailers;
  return response;
}

/** `context['tsgi.trailers']` of the node adapter: the request side. */
export class NodeTrailers implements TsgiTrailers {
  readonly #ex: Exchange;
  constructor(ex: Exchange) {
    this.#ex = ex;
  }

  request(): Headers | undefined {
    const { req } = this.#ex;
    // No content: nothing follows the head. node sets `complete` only after the parser has run
    // past the head, which may be after the app was called.
    if (!this.#ex.hasBody) return new Headers();
    if (!req.complete) return undefined;
    const headers = new Headers();
    const raw = req.rawTrailers;
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
    return headers;
  }
}

/**
 * Writes `response` with its trailers when this message can carry them (SPEC 7.5.3): HTTP/1.1 or
 * later, not HEAD, not 204/304, no app Content-Length (trailers need chunked framing on
 * HTTP/1.1). Returns false, having written nothing, when it cannot: the caller then writes the
 * response the ordinary way and `trailers` is never called.
 *
 * Cost on the hot path: the caller's look-up of TSGI_TRAILERS on every Response. Measured
 * 2026-12-06 (toNodeListener with and without the look-up, both in one process, stub req/res, a
 * FastResponse('hello') at 1.4-1.6 us a request, sampled alternately, CPU time per request,
 * median of 11, six runs): -0.035 to +0.065 us, the same spread as the build against itself
 * (-0.033 to +0.045 us): no measurable cost. The context getters cost nothing until read.
 */
/**
 * Sends what the app returned: through this extension when the Response carries a trailers
 * function and this message can carry trailers, else through the ordinary writer
 * (write-response.ts `sendResponse`). The node adapter calls this for every response.
 *
 * @example
 * ```ts
 * sendAppResponse(ex, await app.fetch(request, context));
 * ```
 */
export function sendAppResponse(ex: Exchange, response: unknown): void {
  // The look-up's cost on the fast path: see the measurement on sendWithTrailers below.
  const trailers = isResponse(response) && !ex.responded && !ex.closed ? (response as { [TSGI_TRAILERS]?: unknown })[TSGI_TRAILERS] : undefined;
  if (typeof trailers === 'function') {
    try {
      if (sendWithTrailers(ex, response as Response, trailers as TsgiResponseTrailers)) return;
    } catch (error) {
      failMidway(ex, error);
      return;
    }
  }
  sendResponse(ex, response);
}

export function sendWithTrailers(ex: Exchange, response: Response, trailers: TsgiResponseTrailers): boolean {
  const { req } = ex;
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return false;
  if (req.method === 'HEAD') return false;
  const status = response.status;
  if (status === 204 || status === 304) return false;
  if (response.headers.has('content-length')) return false;
  writeWithTrailers(ex, response, status, trailers).catch((error: unknown) => failMidway(ex, error));
  return true;
}

async function writeWithTrailers(ex: Exchange, response: Response, status: number, trailers: TsgiResponseTrailers): Promise<void> {
  if (!checkStatus(ex, status)) {
    cancelBody(response);
    return;
  }
  const headers: string[] = [];
  const scan: HeaderScan = { contentLength: -1, hasContentType: false };
  let announced: string | undefined;
  for (const [name, value] of response.headers) {
    // `Trailer` is the server's to send with chunked framing, and here it is (RFC 9110 section 6.6.2).
    if (name === 'trailer') announced = value;
    else addHeader(ex, headers, scan, name, value);
  }
  if (announced !== undefined) headers.push('trailer', announced);
  const end = () => endWithTrailers(ex, trailers);
  const body = response.body;
  if (body === null) {
    if (commit(ex, status, response.statusText, headers)) await end();
    return;
  }
  const reader = body.getReader();
  ex.streaming(reader);
  // Commit once the first chunk is there (SPEC 5.8.2), so an app stream that fails at once is a 500.
  const first = await reader.read();
  if (ex.closed) return;
  if (!commit(ex, status, response.statusText, headers)) {
    ex.streaming(undefined);
    reader.cancel().catch(() => {});
    return;
  }
  if (first.done) {
    ex.streaming(undefined);
    await end();
    return;
  }
  await streamRest(ex, reader, -1, [asChunk(first.value)], undefined, end);
}

/** After the last chunk: asks the app for its trailers and ends the message with them. */
async function endWithTrailers(ex: Exchange, trailers: TsgiResponseTrailers): Promise<void> {
  const init = await trailers(); // a throw aborts the connection (committed, SPEC 5.8.1)
  if (ex.closed) return;
  let fields: Headers;
  try {
    fields = new Headers(init);
  } catch (error) {
    throw new TypeError(`tsgi: invalid response trailers: ${(error as Error).message}`);
  }
  // An object, not pairs: node's HTTP/2 compatibility response takes only that form.
  const kept: Record<string, string> = {};
  let count = 0;
  for (const [name, value] of fields) {
    if (NOT_IN_TRAILERS.has(name)) {
      ex.config.log.warn(`tsgi: ${requestLine(ex)}: dropped trailer field "${name}": it may not be sent in trailers (RFC 9110 section 6.5.1)`);
      continue;
    }
    if (NOT_FIELD_BYTE.test(value)) throw new TypeError(`tsgi: trailer "${name}" has a character outside latin1 or a control character`);
    kept[name] = value; // Headers has joined duplicates already
    count++;
  }
  if (count > 0) ex.res.addTrailers(kept);
  ex.res.end();
}
