/**
 * The named limits for Node (req, res) apps. TSGI apps get them from toNodeListener; a Node
 * listener such as Express is called directly, so the same checks run here first, and a
 * request over a limit is answered without calling the app: 414 for the request line
 * (RFC 9112 section 3), 431 for header fields (RFC 6585 section 5), 413 when Content-Length
 * exceeds the body limit (RFC 9110 section 15.5.14), 404 outside --mount. A chunked body has no
 * length to check up front: the app is called, sees at most the limit, and the client gets 413.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TsgiLimits } from 'tsgi';
import type { RequestHandler } from './http-server.js';

function reject(res: ServerResponse, status: number, text: string, close: boolean): void {
  if (close) res.shouldKeepAlive = false;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/**
 * Wraps a Node listener with the limit and mount checks.
 *
 * @example
 * ```ts
 * http.createServer(guardNodeListener(expressApp, limits, '/api'));
 * ```
 */
export function guardNodeListener(listener: (req: IncomingMessage, res: ServerResponse) => void, limits: TsgiLimits, mount: string): RequestHandler {
  const { maxRequestLineBytes, maxHeaderCount, maxHeaderFieldBytes, maxBodyBytes } = limits;
  return (req, res) => {
    const url = req.url ?? '/';
    // method SP target SP HTTP/x.y: the 10 bytes of " HTTP/1.1" plus a space.
    if (maxRequestLineBytes > 0 && (req.method ?? '').length + url.length + 10 > maxRequestLineBytes) return reject(res, 414, 'URI Too Long', true);
    const raw = req.rawHeaders;
    if (maxHeaderCount > 0 && raw.length > maxHeaderCount * 2) return reject(res, 431, 'Request Header Fields Too Large', true);
    if (maxHeaderFieldBytes > 0) {
      for (let i = 0; i < raw.length; i += 2) {
        if (raw[i]!.length + raw[i + 1]!.length + 2 > maxHeaderFieldBytes) return reject(res, 431, 'Request Header Fields Too Large', true);
      }
    }
    if (mount !== '') {
      const next = url.charCodeAt(mount.length);
      if (!(url.startsWith(mount) && (url.length === mount.length || next === 47 /* / */ || next === 63 /* ? */))) return reject(res, 404, 'Not Found', false);
    }
    if (maxBodyBytes > 0 && req.method !== 'GET' && req.method !== 'HEAD') {
      const cl = req.headers['content-length'];
      // Close: the client may send the body anyway, and it will not be read.
      if (cl !== undefined && Number(cl) > maxBodyBytes) return reject(res, 413, 'Content Too Large', true);
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
  reject(res, 413, 'Content Too Large', true);
  // The app may still answer when its body reader fails: that answer has nowhere to go now, and
  // a throw from writeHead would crash the worker, so this one response stops taking writes.
  res.writeHead = (() => res) as typeof res.writeHead;
  res.write = (() => true) as typeof res.write;
  res.end = (() => res) as typeof res.end;
  res.once('finish', () => req.destroy(error));
}
