/**
 * Writing the app's Response to node's ServerResponse: status and headers checked, hop-by-hop
 * headers removed (RFC 9110 section 7.6.1), Content-Length added or enforced, HEAD/204/304
 * without body (RFC 9110 sections 9.3.2, 15.3.5, 15.4.5), streams with backpressure.
 *
 * Two paths. FastResponse with a simple body (string, Uint8Array, ArrayBuffer, null) and plain
 * headers: one `writeHead(status, flatHeaders)` and one `end(body)`, no Headers, no stream.
 * Everything else: the standard Response's headers iterated once and its body read from
 * `response.body`; a body that arrives in one chunk is sent with a Content-Length.
 * @module
 */
import { closeLingering, lingerIfClosing } from 'tsgi-head-gate';
import { DRAIN_LIMIT_BYTES, drainRequestBody, type BodyLimitError } from './body-stream.js';
import { knownResponse, type KnownResponse } from './known-response.js';
import { readAhead, type ReadAhead } from './read-ahead.js';
import { sendFileRegion } from './send-file.js';
import type { Exchange } from './exchange.js';
import { FastResponse, fastBody, fastInit, fastReal, isResponse } from './fast-response.js';
import { TSGI_FILE } from './types.js';
import { HOP_BY_HOP_HEADERS } from './validate-headers.js';
import type { TsgiFileBody } from './types.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const { STATUS_CODES } = process.getBuiltinModule('node:http');

/**
 * The name lengths addHeader must look at: the hop-by-hop fields an app must not set (the server
 * owns framing, RFC 9110 section 7.6.1), Content-Length and Content-Type. A name of any other
 * length is none of them and is written without being lower-cased or looked up (most fields an
 * app sets: X-Frame-Options, Referrer-Policy, Cache-Control, Vary). Measured 2026-12-07 on the
 * five fields the framework's JSON view sends (Content-Type and Django's four security fields),
 * before and after in one process, alternated, medians of 9 x 1e6: 311-313 ns a response ->
 * 106-116 ns (each name had been lower-cased and hashed into the Set).
 */
const WATCHED_LENGTH = new Set([...HOP_BY_HOP_HEADERS, 'content-length', 'content-type'].map((n) => n.length));

const encoder = new TextEncoder();

/** What scanning the app's headers found. */
export interface HeaderScan {
  contentLength: number; // -1 when absent
  hasContentType: boolean;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return typeof value;
}

/** Appends one app header to `out` unless it is hop-by-hop; records Content-Length/-Type. */
export function addHeader(ex: Exchange, out: string[], scan: HeaderScan, name: string, value: string): void {
  if (!WATCHED_LENGTH.has(name.length)) {
    out.push(name, value);
    return;
  }
  const lower = name.toLowerCase();
  if (HOP_BY_HOP_HEADERS.has(lower)) {
    ex.config.log.warn(`tsgi: removed hop-by-hop header "${name}" set by the app (${requestLine(ex)}); the server owns connection framing`);
    return;
  }
  if (lower === 'content-length') {
    const n = /^\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (Number.isNaN(n)) throw new TypeError(`tsgi: invalid Content-Length ${JSON.stringify(value)} from the app`);
    if (scan.contentLength !== -1 && scan.contentLength !== n) throw new TypeError('tsgi: conflicting Content-Length values from the app');
    if (scan.contentLength !== -1) return;
    scan.contentLength = n;
  } else if (lower === 'content-type') {
    scan.hasContentType = true;
  }
  out.push(name, value);
}

const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Whether a header value has a byte above 0x7F. node writes the header section and a string
 * body given to end() as ONE string in the body's encoding (UTF-8), so such a value would leave
 * as UTF-8; SPEC 3.10.2 wants each code point as one byte (node's own latin1 header encoding),
 * so the body goes as bytes then. Only string bodies pay the scan.
 */
function hasNonAscii(headers: readonly string[]): boolean {
  for (let i = 1; i < headers.length; i += 2) if (NON_ASCII.test(headers[i]!)) return true;
  return false;
}

/** Flattens a FastResponse's HeadersInit as given (object, array of pairs or Headers). */
function collectInitHeaders(ex: Exchange, init: HeadersInit | undefined, out: string[], scan: HeaderScan): void {
  if (init == null) return;
  if (Array.isArray(init)) {
    for (const pair of init as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError('Headers constructor: expected name/value pair to be length 2, found ' + (Array.isArray(pair) ? pair.length : describe(pair)));
      addHeader(ex, out, scan, String(pair[0]), String(pair[1]));
    }
  } else if (Object.getPrototypeOf(init) !== Object.prototype && init instanceof Headers) {
    // Asked only of what is not an object literal: reading the global `Headers` loads node's
    // fetch classes (fetch-class-link.ts).
    for (const [name, value] of init) addHeader(ex, out, scan, name, value);
  } else {
    const record = init as Record<string, unknown>;
    for (const name in record) {
      // Hot path: a plain object literal, written as given (no Headers built). Measured
      // 2026-12-06 (toNodeListener with this and with `new Headers(init)` iterated, both in one
      // process, stub req/res, sampled alternately, CPU time per request, median of 11): a
      // FastResponse with three headers 1.25-1.68 us a request against 2.19-3.35 us (two runs):
      // 0.9-1.7 us saved.
      const value = record[name];
      addHeader(ex, out, scan, name, typeof value === 'string' ? value : String(value));
    }
  }
}

/** The request line for log messages. */
export function requestLine(ex: Exchange): string {
  return `"${ex.req.method} ${ex.req.url} HTTP/${ex.req.httpVersion}"`;
}

/**
 * Decides, at the commit point, what happens to a request body the app did not read: drained
 * after the response when at most {@link DRAIN_LIMIT_BYTES} remain, else `Connection: close`
 * with a lingering close (SPEC 5.11): the rest is read and discarded, within the `lingering`
 * bounds, before the socket closes, so the client reads this answer instead of a reset.
 * `linger` false: a close decided by the caller happens at once (a 408: the client went quiet).
 */
function settleRequestBody(ex: Exchange, linger = true): void {
  const { req, res } = ex;
  if (req.complete || !ex.hasBody) {
    if (ex.bodyState !== undefined && !ex.bodyState.done) res.once('finish', () => drainRequestBody(ex, ex.bodyState));
    return;
  }
  if (ex.continuePending) {
    // 100 Continue was never sent, so the client may or may not send the body now (RFC 9110
    // section 10.1.1): its next bytes are ambiguous. Close after the response.
    closeLingering(req, res, ex.config.lingering);
    return;
  }
  const state = ex.bodyState;
  if (state === undefined || !state.started) {
    const cl = req.headers['content-length'];
    const remaining = cl === undefined ? Infinity : Number(cl) - (state?.received ?? 0) - req.readableLength;
    if (remaining > DRAIN_LIMIT_BYTES) closeLingering(req, res, ex.config.lingering);
  }
  // node may close the connection anyway (the client sent Connection: close or HTTP/1.0, as
  // nginx does to its upstreams): then too, the close lingers (unless the caller closes at once).
  if (linger) lingerIfClosing(req, res, ex.config.lingering);
  res.once('finish', () => drainRequestBody(ex, ex.bodyState));
}

/** Writes status and headers (the commit point). Returns false when node refused them. */
export function commit(ex: Exchange, status: number, statusText: string | undefined, headers: string[]): boolean {
  const { res } = ex;
  settleRequestBody(ex);
  try {
    if (statusText) res.writeHead(status, statusText, headers);
    else res.writeHead(status, headers);
  } catch (error) {
    // node validates names and values (no CR/LF/NUL, token names): the app's fault, a 500.
    sendError(ex, error);
    return false;
  }
  ex.committed(status);
  return true;
}

/** Ends the exchange by closing the connection after what was written (a Content-Length mismatch). */
function endByClosing(ex: Exchange): void {
  const socket = ex.res.socket;
  if (socket) socket.end();
  else ex.res.destroy();
}

export function checkStatus(ex: Exchange, status: number): boolean {
  if (Number.isInteger(status) && status >= 200 && status <= 599) return true;
  sendError(ex, new RangeError(`tsgi: the app's response status ${status} is outside 200-599`));
  return false;
}

/**
 * Writes `response` (whatever the app returned) for `ex`. Never throws; errors become a 500 or,
 * once committed, a destroyed connection.
 */
export function sendResponse(ex: Exchange, response: unknown): void {
  if (ex.responded || ex.closed) {
    // The server already answered (413) or the client is gone: the app's body is not wanted.
    if (isResponse(response)) cancelBody(response);
    return;
  }
  if (!isResponse(response)) {
    sendError(ex, new TypeError(`tsgi: the app must return a Response (or a Promise of one), returned ${describe(response)}`));
    return;
  }
  try {
    if (response instanceof FastResponse && fastReal(response) === undefined && writeFast(ex, response)) return;
    const file = (response as { [TSGI_FILE]?: TsgiFileBody })[TSGI_FILE];
    if (file !== undefined && file !== null && typeof file.path === 'string') {
      sendFile(ex, response, file);
      return;
    }
    // Hot path (Node 20): a standard Response whose body is complete in memory, written now;
    // 4-10 us a request saved, measured 2026-12-06 (see known-response.ts).
    const known = knownResponse(response);
    if (known !== undefined) {
      writeKnownStandard(ex, known);
      return;
    }
    writeStandard(ex, response).catch((error: unknown) => failMidway(ex, error));
  } catch (error) {
    failMidway(ex, error);
  }
}

export function failMidway(ex: Exchange, error: unknown): void {
  if (!ex.res.headersSent) {
    sendError(ex, error);
    return;
  }
  ex.config.log.error(`tsgi: ${requestLine(ex)} failed after the response was committed; closing the connection`, error);
  abortConnection(ex);
}

/**
 * Destroys the connection after what was already written (SPEC 5.8.1: a truncated message, no
 * terminating chunk). node corks a response's writes until the next tick; uncork first so the
 * bytes the client was promised so far are not silently dropped.
 */
export function abortConnection(ex: Exchange): void {
  const socket = ex.res.socket;
  if (socket !== null && !socket.destroyed) {
    while (socket.writableCorked > 0) socket.uncork();
  }
  ex.res.destroy();
}

export function cancelBody(response: Response): void {
  if (response instanceof FastResponse && fastReal(response) === undefined) return;
  const body = response.body;
  if (body !== null && !body.locked) body.cancel().catch(() => {});
}

/**
 * The fast path. Returns false when the body is not simple (the caller takes the standard path).
 * Measured 2026-12-06 (toNodeListener with and without it, both in one process, stub req/res,
 * sampled alternately, CPU time per request, median of 11, two runs): `new FastResponse('hello')`
 * 1.7 us a request against 20-22 us through the standard path (which builds the real Response
 * and reads its stream); with three headers 1.2-2.0 us against 17-27 us.
 */
function writeFast(ex: Exchange, response: FastResponse): boolean {
  let body = fastBody(response);
  let length: number;
  if (typeof body === 'string') length = Buffer.byteLength(body);
  else if (body === null) length = 0;
  else if (body instanceof Uint8Array) length = body.byteLength;
  else if (body instanceof ArrayBuffer) {
    body = new Uint8Array(body);
    length = body.byteLength;
  } else return false;

  const init = fastInit(response);
  const status = init?.status ?? 200;
  if (!checkStatus(ex, status)) return true;
  const headers: string[] = [];
  const scan: HeaderScan = { contentLength: -1, hasContentType: false };
  if (init !== undefined) collectInitHeaders(ex, init.headers, headers, scan);
  // As `new Response(string)` would (Fetch "extract a body"): text/plain;charset=UTF-8.
  if (typeof body === 'string' && !scan.hasContentType) headers.push('content-type', 'text/plain;charset=UTF-8');
  finishKnown(ex, status, init?.statusText, headers, scan, body as string | Uint8Array | null, length);
  return true;
}

/** Writes a response whose whole body is known: Content-Length added, or enforced when given. */
function finishKnown(ex: Exchange, status: number, statusText: string | undefined, headers: string[], scan: HeaderScan, body: string | Uint8Array | null, length: number): void {
  const { res } = ex;
  const bodiless = status === 204 || status === 304;
  if (status === 204 && scan.contentLength !== -1) {
    // RFC 9110 section 8.6: no Content-Length in a 204.
    const at = headers.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-length');
    headers.splice(at, 2);
    scan.contentLength = -1;
  }
  // HEAD (RFC 9110 sections 8.6, 9.3.2): a Content-Length, if sent, is the one GET would get. An
  // app that answers HEAD with no body (null, as SPEC 5.7.1 asks, or empty) has not said what
  // that is, so none is sent rather than a false 0; its own Content-Length is kept.
  const unknownHeadLength = length === 0 && ex.req.method === 'HEAD';
  if (scan.contentLength === -1 && !bodiless && !unknownHeadLength) headers.push('content-length', String(length));
  if (!commit(ex, status, statusText, headers)) return;
  if (bodiless || ex.req.method === 'HEAD') {
    res.end();
    return;
  }
  if (scan.contentLength === -1 || scan.contentLength === length) {
    ex.countBytes(length);
    res.end(typeof body === 'string' && hasNonAscii(headers) ? Buffer.from(body) : body);
    return;
  }
  // The app's Content-Length disagrees with its body: send what the header promises at most,
  // then close, so the client sees a truncated message rather than a corrupt keep-alive stream.
  const bytes = typeof body === 'string' ? encoder.encode(body) : (body ?? new Uint8Array(0));
  const sent = Math.min(scan.contentLength, bytes.byteLength);
  ex.config.log.error(`tsgi: ${requestLine(ex)}: the app's Content-Length ${scan.contentLength} does not match its ${bytes.byteLength}-byte body; sent ${sent} bytes and closed the connection`);
  ex.countBytes(sent);
  if (sent > 0) res.write(bytes.subarray(0, sent));
  endByClosing(ex);
}

/** Resolves on 'drain' or 'close', whichever comes first. */
function drained(ex: Exchange): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      ex.res.off('drain', done);
      ex.res.off('close', done);
      resolve();
    };
    ex.res.on('drain', done);
    ex.res.on('close', done);
  });
}

export function asChunk(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new TypeError(`tsgi: response body chunks must be Uint8Array, got ${describe(value)}`);
}

/** The `tsgi.file` extension: the server sends the file region itself (send-file.ts). */
function sendFile(ex: Exchange, response: Response, file: TsgiFileBody): void {
  const headers: string[] = [];
  const scan: HeaderScan = { contentLength: -1, hasContentType: false };
  let status: number;
  let statusText: string | undefined;
  if (response instanceof FastResponse && fastReal(response) === undefined) {
    // Read the init as given: touching .headers/.body would build the standard Response.
    const init = fastInit(response);
    status = init?.status ?? 200;
    statusText = init?.statusText;
    collectInitHeaders(ex, init?.headers, headers, scan);
    const body = fastBody(response);
    if (body instanceof ReadableStream && !body.locked) body.cancel().catch(() => {});
  } else {
    status = response.status;
    statusText = response.statusText;
    for (const [name, value] of response.headers) addHeader(ex, headers, scan, name, value);
    cancelBody(response);
  }
  if (!checkStatus(ex, status)) return;
  const bodiless = status === 204 || status === 304 || ex.req.method === 'HEAD';
  sendFileRegion(ex, file, bodiless, {
    commit(length) {
      if (scan.contentLength === -1) {
        if (status !== 204 && status !== 304) headers.push('content-length', String(length));
      } else if (scan.contentLength !== length && status !== 304) {
        sendError(ex, new Error(`tsgi: the app's Content-Length ${scan.contentLength} differs from the tsgi.file length ${length}`));
        return false;
      }
      return commit(ex, status, statusText, headers);
    },
    fail: (error) => sendError(ex, error),
    abort(error) {
      ex.config.log.error(`tsgi: ${requestLine(ex)}: sending ${file.path} failed after the response was committed; closing the connection`, error);
      abortConnection(ex);
    },
  }).catch((error: unknown) => failMidway(ex, error));
}

/** A standard Response read from the runtime's own record (known-response.ts): no getters, no stream. */
function writeKnownStandard(ex: Exchange, known: KnownResponse): void {
  const { status, body } = known;
  if (!checkStatus(ex, status)) return;
  const headers: string[] = [];
  const scan: HeaderScan = { contentLength: -1, hasContentType: false };
  const fields = known.headers;
  for (let i = 0; i < fields.length; i += 2) addHeader(ex, headers, scan, fields[i]!, fields[i + 1]!);
  // As for a FastResponse: finishKnown leaves the body out of HEAD, 204 and 304 itself, and the
  // unread in-memory stream holds no resource (cancelling it would only cost promises).
  const length = body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  finishKnown(ex, status, known.statusText, headers, scan, body, length);
}

/** The standard path: any Response (including a FastResponse whose real Response exists). */
async function writeStandard(ex: Exchange, response: Response): Promise<void> {
  const status = response.status;
  if (!checkStatus(ex, status)) return;
  const headers: string[] = [];
  const scan: HeaderScan = { contentLength: -1, hasContentType: false };
  for (const [name, value] of response.headers) addHeader(ex, headers, scan, name, value);
  const statusText = response.statusText;
  const body = response.body;
  const bodiless = status === 204 || status === 304 || ex.req.method === 'HEAD';
  if (body === null || (bodiless && scan.contentLength !== -1) || status === 204 || status === 304) {
    if (body !== null) body.cancel().catch(() => {});
    finishKnown(ex, status, statusText, headers, scan, null, 0);
    return;
  }
  const reader = body.getReader();
  ex.streaming(reader);
  const first = await reader.read();
  if (ex.closed) return;
  if (first.done) {
    ex.streaming(undefined);
    finishKnown(ex, status, statusText, headers, scan, null, 0);
    return;
  }
  const firstChunk = asChunk(first.value);
  // In memory, sent whole with a Content-Length, or a live stream whose first chunk goes out now (read-ahead.ts).
  let ahead: ReadAhead;
  try {
    ahead = await readAhead(reader, body);
  } catch (error) {
    if (ex.closed) return;
    throw error;
  }
  if (ex.closed) return;
  const { second, pending: secondRead } = ahead;
  if (second !== undefined && second.done) {
    ex.streaming(undefined);
    if (bodiless) {
      // HEAD: the headers GET would have had, no body.
      finishKnown(ex, status, statusText, headers, scan, null, firstChunk.byteLength);
      return;
    }
    finishKnown(ex, status, statusText, headers, scan, firstChunk, firstChunk.byteLength);
    return;
  }
  if (bodiless) {
    // HEAD with a streamed body: the length is unknown without reading it all; stop here.
    ex.streaming(undefined);
    reader.cancel().catch(() => {});
    if (!commit(ex, status, statusText, headers)) return;
    ex.res.end();
    return;
  }
  if (!commit(ex, status, statusText, headers)) {
    reader.cancel().catch(() => {});
    return;
  }
  if (second !== undefined) {
    await streamRest(ex, reader, scan.contentLength, [firstChunk, asChunk(second.value)]);
    return;
  }
  // Live stream: write the first chunk now, then continue with the read already in flight.
  await streamRest(ex, reader, scan.contentLength, [firstChunk], secondRead);
}

/** Writes chunks with backpressure, enforcing the app's Content-Length when it gave one. */
export async function streamRest(
  ex: Exchange,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
  pending: Uint8Array[],
  inFlight?: Promise<ReadableStreamReadResult<Uint8Array>>,
  end?: () => Promise<void>,
): Promise<void> {
  const { res } = ex;
  let written = 0;
  const write = (chunk: Uint8Array): boolean => {
    if (limit !== -1 && written + chunk.byteLength > limit) {
      const rest = limit - written;
      if (rest > 0) res.write(chunk.subarray(0, rest));
      written = limit;
      ex.countBytes(written);
      ex.config.log.error(`tsgi: ${requestLine(ex)}: the app's body is longer than its Content-Length ${limit}; cut there and closed the connection`);
      ex.streaming(undefined);
      reader.cancel().catch(() => {});
      endByClosing(ex);
      return false;
    }
    written += chunk.byteLength;
    ex.countBytes(written);
    res.write(chunk); // backpressure is honoured before the next read (writableNeedDrain)
    return true;
  };
  for (const chunk of pending) if (!write(chunk)) return;
  for (;;) {
    if (res.writableNeedDrain) await drained(ex);
    if (ex.closed) return;
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      if (inFlight !== undefined) {
        result = await inFlight;
        inFlight = undefined;
      } else result = await reader.read();
    } catch (error) {
      ex.streaming(undefined);
      if (ex.closed) return;
      throw error;
    }
    if (ex.closed) return;
    if (result.done) break;
    if (!write(asChunk(result.value))) return;
  }
  ex.streaming(undefined);
  if (limit !== -1 && written < limit) {
    ex.config.log.error(`tsgi: ${requestLine(ex)}: the app's body (${written} bytes) is shorter than its Content-Length ${limit}; closed the connection`);
    endByClosing(ex);
    return;
  }
  if (end !== undefined) await end(); // the tsgi.trailers extension ends the message (trailers.ts)
  else res.end();
}

/**
 * A body limit was crossed (the stream has just errored). SPEC 8.2: the server's limit wins
 * over whatever the app makes of the error: 413/408 if nothing was sent yet.
 */
export function answerBodyLimit(ex: Exchange, error: BodyLimitError): void {
  ex.config.log.info(`tsgi: ${requestLine(ex)}: ${error.message}`);
  if (!ex.res.headersSent && !ex.responded) {
    // 413: the client is still sending, so the close lingers; 408: it has gone quiet, close now.
    if (error.status === 413) respondPlain(ex, 413, 'Content Too Large', 'linger');
    else respondPlain(ex, 408, 'Request Timeout', 'close');
  } else if (error.status === 408) {
    ex.res.destroy(); // committed: a stalled upload ends the exchange (SPEC 8.1)
  }
}

/** The fixed 500 body. */
const ERROR_BODY = 'Internal Server Error';

/**
 * Answers with a plain-text status of the server's own (4xx/500) if nothing was sent yet, else
 * destroys the connection so the client sees a truncated message. `connection`: kept alive when
 * the body allows (settleRequestBody), closed, or closed lingering.
 */
export function respondPlain(ex: Exchange, status: number, text: string, connection: 'keep-alive' | 'close' | 'linger'): void {
  const { res } = ex;
  if (res.headersSent || ex.closed) {
    res.destroy();
    return;
  }
  if (connection === 'linger') closeLingering(ex.req, res, ex.config.lingering);
  else if (connection === 'close') res.shouldKeepAlive = false;
  settleRequestBody(ex, connection !== 'close');
  const bytes = Buffer.byteLength(text);
  try {
    // The reason phrase is given explicitly: node would otherwise reuse a statusMessage an
    // invalid app response left behind (and throw again on its CR LF).
    res.writeHead(status, STATUS_CODES[status], ['content-type', 'text/plain; charset=utf-8', 'content-length', String(bytes)]);
  } catch (error) {
    ex.config.log.error(`tsgi: ${requestLine(ex)}: could not write the ${status} response`, error);
    res.destroy();
    return;
  }
  ex.committed(status);
  ex.countBytes(ex.req.method === 'HEAD' ? 0 : bytes);
  res.end(text);
}

/**
 * The app failed (threw, rejected, returned a non-Response, or its response was invalid): log it
 * with the request line, then 500 (or `onError`'s Response) if nothing was sent yet, else
 * destroy the connection.
 */
export function sendError(ex: Exchange, error: unknown): void {
  const request = ex.request;
  ex.config.log.error(`tsgi: ${requestLine(ex)} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (ex.responded || ex.closed) return;
  if (ex.res.headersSent) {
    abortConnection(ex);
    return;
  }
  const onError = ex.config.onError;
  if (onError !== undefined && request !== undefined && ex.context !== undefined && ex.takeOnError()) {
    let custom: Response | void | Promise<Response | void>;
    try {
      custom = onError(error, request, ex.context);
    } catch (inner) {
      ex.config.log.error('tsgi: onError threw', inner);
      respondPlain(ex, 500, ERROR_BODY, 'keep-alive');
      return;
    }
    Promise.resolve(custom).then(
      (r) => (isResponse(r) ? sendResponse(ex, r) : respondPlain(ex, 500, ERROR_BODY, 'keep-alive')),
      (inner: unknown) => {
        ex.config.log.error('tsgi: onError rejected', inner);
        respondPlain(ex, 500, ERROR_BODY, 'keep-alive');
      },
    );
    return;
  }
  respondPlain(ex, 500, ERROR_BODY, 'keep-alive');
}
