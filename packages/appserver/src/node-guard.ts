/**
 * The request-head gate and the named limits for Node (req, res) apps. TSGI apps get them from
 * toNodeListener; a Node listener such as Express is called directly, so the same gate runs here
 * first (tsgi-head-gate: version, 414/431 limits, Host, target form, Transfer-Encoding), then
 * 413 when Content-Length exceeds the body limit (RFC 9110 section 15.5.14) and 404 outside
 * --mount, all without calling the app. A chunked body has no length to check up front: the app
 * is called, sees at most the limit, and the client gets 413.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { assignRequestId, mountedTarget, type CidrSet, type TsgiLimits, type TsgiLogger } from 'tsgi';
import { answerPlain, exchangeClosed, lingerIfClosing, refuseRequest, splitAbsoluteTarget, type LingeringClose } from 'tsgi-head-gate';
import type { RequestHandler } from './request-handler.js';
import type { AppserverSettings } from './settings.js';

/**
 * The lingering close of the settings (nginx's lingering_close, lingering_time and
 * lingering_timeout): how a connection closes after an answer that left a request body unread.
 *
 * @example
 * ```ts
 * lingeringFrom({ lingeringClose: 'on', lingeringTime: 30, lingeringTimeout: 5 }); // { close: 'on', timeMs: 30000, timeoutMs: 5000 }
 * ```
 */
export function lingeringFrom(s: Pick<AppserverSettings, 'lingeringClose' | 'lingeringTime' | 'lingeringTimeout'>): LingeringClose {
  return Object.freeze({ close: s.lingeringClose, timeMs: Math.round(s.lingeringTime * 1000), timeoutMs: Math.round(s.lingeringTimeout * 1000) });
}

/**
 * Wraps a Node listener with the gate, the limit and the mount checks. The server's own 413s
 * close the connection lingering (`lingering`), so the client, or a proxy in front still sending
 * the body, reads the 413 rather than a reset. With `trusted` (the --forwarded-allow-ips peers),
 * every request gets its request id in `req.headers['x-request-id']` as a TSGI app's does
 * (tsgi's `assignRequestId`: a trusted peer's valid one kept, else a new one), which the access
 * log shows; without it the header is left as the client sent it.
 *
 * @example
 * ```ts
 * http.createServer(guardNodeListener(expressApp, limits, '/api', log, DEFAULT_LINGERING_CLOSE, new CidrSet(['127.0.0.0/8', '::1'])));
 * ```
 */
export function guardNodeListener(listener: (req: IncomingMessage, res: ServerResponse) => void, limits: TsgiLimits, mount: string, log: TsgiLogger, lingering: LingeringClose, trusted?: CidrSet): RequestHandler {
  const { maxBodyBytes } = limits;
  return (req, res) => {
    if (trusted !== undefined) assignRequestId(req, trusted);
    if (refuseRequest(req, res, limits, log)) return;
    res.on('close', onResponseClose);
    let url = req.url ?? '/';
    // Absolute-form (RFC 9112 section 3.2.2): its authority is the Host, and the app gets the
    // origin-form target its router expects. rawHeaders keep what was sent.
    const absolute = splitAbsoluteTarget(url);
    if (absolute !== undefined) {
      req.headers.host = absolute.host;
      req.url = url = absolute.path;
    }
    const cl = req.headers['content-length'];
    const te = req.headers['transfer-encoding'];
    // The app (a CSRF 403) or the 404 below may answer before the body is read: if that answer
    // closes the connection, the close lingers, so a proxy in front still sending gets the answer.
    if (te !== undefined || (cl !== undefined && cl !== '0')) lingerIfClosing(req, res, lingering);
    if (mount !== '') {
      // The app reads the normalised target, the one the mount was tested on (SPEC 3.1.5).
      const mounted = mountedTarget(url, mount);
      if (mounted === undefined) return answerPlain(res, 404, 'Not Found', false);
      req.url = mounted;
    }
    if (maxBodyBytes > 0 && req.method !== 'GET' && req.method !== 'HEAD') {
      // Close: the client may send the body anyway, and it will not be read.
      if (cl !== undefined && Number(cl) > maxBodyBytes) return answerPlain(res, 413, 'Content Too Large', true, lingering);
      if (cl === undefined && te !== undefined) limitChunkedBody(req, res, maxBodyBytes, lingering);
    }
    listener(req, res);
  };
}

/** The gate's record of the exchange ends with it (tsgi-head-gate's exchangeClosed); one shared listener, no closure. */
function onResponseClose(this: ServerResponse): void {
  exchangeClosed(this);
}

/**
 * Counts a chunked body as node's parser delivers it (it calls `req.push` once per chunk, so
 * wrapping this one request's `push` costs nothing for requests with a Content-Length) and,
 * past `max`, stops delivering, answers 413 if the app has not answered yet, and ends the request.
 */
function limitChunkedBody(req: IncomingMessage, res: ServerResponse, max: number, lingering: LingeringClose): void {
  let seen = 0;
  let error: Error | undefined;
  const push = req.push;
  req.push = function pushWithinLimit(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (error !== undefined) {
      // Past the limit, the 413 sent: the rest is read and dropped while the close lingers, and
      // the body's end fails the app's reader instead of ending the body as if complete.
      if (chunk === null || chunk === undefined) req.destroy(error);
      return true;
    }
    if (chunk !== null && chunk !== undefined) {
      seen += (chunk as Buffer).length;
      if (seen > max) {
        error = overLimit(req, res, lingering);
        return true;
      }
    }
    return push.call(this, chunk, encoding);
  };
}

/** The 413 for a chunked body over the limit; later writes by the app are dropped, not thrown. */
function overLimit(req: IncomingMessage, res: ServerResponse, lingering: LingeringClose): Error {
  const error = Object.assign(new Error('request body larger than --limit-request-body'), { code: 'TSGI_APPSERVER_E_BODY_TOO_LARGE', status: 413 });
  if (res.headersSent) {
    req.destroy(error);
    return error;
  }
  answerPlain(res, 413, 'Content Too Large', true, lingering);
  // The app may still answer when its body reader fails: that answer has nowhere to go now, and
  // a throw from writeHead would crash the worker, so this one response stops taking writes.
  res.writeHead = (() => res) as typeof res.writeHead;
  res.write = (() => true) as typeof res.write;
  res.end = (() => res) as typeof res.end;
  return error;
}
