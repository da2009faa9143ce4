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
import { mountedTarget, type TsgiLimits, type TsgiLogger } from 'tsgi';
import { answerPlain, refuseRequest, splitAbsoluteTarget } from 'tsgi-head-gate';
import type { RequestHandler } from './http-server.js';

/**
 * Wraps a Node listener with the gate, the limit and the mount checks.
 *
 * @example
 * ```ts
 * http.createServer(guardNodeListener(expressApp, limits, '/api', log));
 * ```
 */
export function guardNodeListener(listener: (req: IncomingMessage, res: ServerResponse) => void, limits: TsgiLimits, mount: string, log: TsgiLogger): RequestHandler {
  const { maxBodyBytes } = limits;
  return (req, res) => {
    if (refuseRequest(req, res, limits, log)) return;
    let url = req.url ?? '/';
    // Absolute-form (RFC 9112 section 3.2.2): its authority is the Host, and the app gets the
    // origin-form target its router expects. rawHeaders keep what was sent.
    const absolute = splitAbsoluteTarget(url);
    if (absolute !== undefined) {
      req.headers.host = absolute.host;
      req.url = url = absolute.path;
    }
    if (mount !== '') {
      // The app reads the normalised target, the one the mount was tested on (SPEC 3.1.5).
      const mounted = mountedTarget(url, mount);
      if (mounted === undefined) return answerPlain(res, 404, 'Not Found', false);
      req.url = mounted;
    }
    if (maxBodyBytes > 0 && req.method !== 'GET' && req.method !== 'HEAD') {
      const cl = req.headers['content-length'];
      // Close: the client may send the body anyway, and it will not be read.
      if (cl !== undefined && Number(cl) > maxBodyBytes) return answerPlain(res, 413, 'Content Too Large', true);
      if (cl === undefined && req.headers['transfer-encoding'] !== undefined) limitChunkedBody(req, res, maxBodyBytes);
    }
    listener(req, res);
  };
}

/**
 * Counts a chunked body as node's parser delivers it (it calls `req.push` once per chunk, so
 * wrapping this one request's `push` costs nothing for requests with a Content-Length) and,
 * past `max`, stops delivering, answers 413 if the app has not answered yet, and ends the request.
 */
function limitChunkedBody(req: IncomingMessage, res: ServerResponse, max: number): void {
  let seen = 0;
  let over = false;
  const push = req.push;
  req.push = function pushWithinLimit(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (over) return false;
    if (chunk !== null && chunk !== undefined) {
      seen += (chunk as Buffer).length;
      if (seen > max) {
        over = true;
        overLimit(req, res);
        return false;
      }
    }
    return push.call(this, chunk, encoding);
  };
}

/** The 413 for a chunked body over the limit; later writes by the app are dropped, not thrown. */
function overLimit(req: IncomingMessage, res: ServerResponse): void {
  const error = Object.assign(new Error('request body larger than --limit-request-body'), { code: 'TSGI_APPSERVER_E_BODY_TOO_LARGE', status: 413 });
  if (res.headersSent) {
    req.destroy(error);
    return;
  }
  answerPlain(res, 413, 'Content Too Large', true);
  // The app may still answer when its body reader fails: that answer has nowhere to go now, and
  // a throw from writeHead would crash the worker, so this one response stops taking writes.
  res.writeHead = (() => res) as typeof res.writeHead;
  res.write = (() => true) as typeof res.write;
  res.end = (() => res) as typeof res.end;
  res.once('finish', () => req.destroy(error));
}
