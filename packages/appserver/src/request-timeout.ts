/**
 * --request-timeout: a handler that has not produced a response head within the limit gets a
 * 504 (with `Connection: close`), and for a TSGI app its `request.signal` aborts; the worker
 * lives. Named apart from --timeout (liveness) on purpose: Gunicorn's `timeout` is often taken
 * for this. Off by default, as TSGI's SPEC 8.4 asks of servers: an app that wants a deadline
 * usually knows better which requests deserve one.
 *
 * Only the head counts: a streaming response that has started is never cut by this timer (a
 * stalled upload or download is the body timeouts' business).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { wrapHandler, type RequestHandler } from './request-handler.js';
import { requestLineOf } from './in-flight-requests.js';
import type { ServerLogger } from './logger.js';

const kTimer = Symbol('tsgi-appserver.requestTimer');
type Timed = ServerResponse & { [kTimer]?: NodeJS.Timeout };

const BODY = 'Gateway Timeout';

/** One listener for every response: the timer goes with the response. */
function clearTimer(this: Timed): void {
  clearTimeout(this[kTimer]);
}

/**
 * After the 504 a Node app may still answer (Express's `res.send` in a callback): its writes
 * are dropped instead of throwing ERR_HTTP_HEADERS_SENT or emitting an unhandled 'error' that
 * would take the worker down.
 */
function discardLateWrites(res: ServerResponse): void {
  const self = () => res;
  Object.assign(res, { setHeader: self, appendHeader: self, removeHeader: () => {}, writeHead: self, flushHeaders: () => {}, write: () => true, end: self });
}

/** Options of {@link withRequestTimeout}. */
export interface RequestTimeoutOptions {
  readonly seconds: number;
  readonly log: ServerLogger;
  /** For a TSGI app: the listener's `abandon`, which aborts `request.signal`. */
  readonly abandon: ((res: ServerResponse, reason: unknown) => void) | undefined;
}

/**
 * `handler` with a deadline on each response head. Per request: one timer and one shared
 * 'close' listener (only when the option is on).
 *
 * @example
 * ```ts
 * http.on('request', withRequestTimeout(listener, { seconds: 30, log, abandon: listener.abandon }));
 * ```
 */
export function withRequestTimeout(handler: RequestHandler, options: RequestTimeoutOptions): RequestHandler {
  const { seconds, log, abandon } = options;
  const ms = Math.round(seconds * 1000);
  const onTimeout = (req: IncomingMessage, res: ServerResponse) => {
    if (res.headersSent || res.writableEnded || res.destroyed) return;
    log.warn('request timeout: no response after %s s (--request-timeout); answered 504: %s', seconds, requestLineOf(req));
    // A TimeoutError, as AbortSignal.timeout() gives: the app can tell it from a client that left (AbortError).
    abandon?.(res, new DOMException(`no response within --request-timeout (${seconds} s): the server gave up on the request`, 'TimeoutError'));
    res.shouldKeepAlive = false;
    res.writeHead(504, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(BODY.length) });
    res.end(BODY);
    if (abandon === undefined) discardLateWrites(res);
  };
  return wrapHandler(handler, (inner) => (req, res) => {
    (res as Timed)[kTimer] = setTimeout(onTimeout, ms, req, res);
    res.on('close', clearTimer);
    inner(req, res);
  });
}
