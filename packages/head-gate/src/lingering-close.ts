/**
 * nginx's lingering close, for every tsgi server. A server that answers before reading the
 * request body (a CSRF 403, a 413 over the body limit) and then closes the socket with the rest
 * of the body still arriving makes the kernel answer those bytes with a reset (RFC 9293 section
 * 3.6.1), and the reset can reach the client before it has read the answer: a browser shows
 * "connection reset", and nginx or Apache in front, still writing the body, log EPIPE and turn the
 * 403 into a 502. So, after the answer, the socket's write side is shut (the client sees the whole
 * response and its end at once), and the rest of the request is read and thrown away until the
 * client stops sending, then the socket is closed: nginx's `lingering_close`,
 * `lingering_time` and `lingering_timeout`, with nginx's defaults (ngx_http_set_lingering_close in
 * src/http/ngx_http_request.c). Gunicorn closes at once and shows the same 502s.
 *
 * The close ends after whichever comes first: the whole body read (nothing is left to reset
 * over), the client's FIN, `timeoutMs` without a byte, `timeMs` in all, or `maxBytes` thrown away.
 * @module
 */
import { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * How a connection closed after an early answer lingers (nginx's directives of the same names).
 *
 * @example
 * ```ts
 * const lingering: LingeringClose = { ...DEFAULT_LINGERING_CLOSE, timeMs: 10_000 };
 * ```
 */
export interface LingeringClose {
  /**
   * `on`: read and discard the rest of a request body the answer left unread before closing
   * (nginx `lingering_close on`); `off`: close at once, letting the kernel reset the connection.
   */
  readonly close: 'on' | 'off';
  /** The longest time spent reading and discarding, in all (nginx `lingering_time`, 30 s). */
  readonly timeMs: number;
  /** The longest wait for the next bytes; a client silent this long is done (nginx `lingering_timeout`, 5 s). */
  readonly timeoutMs: number;
  /** The most bytes discarded before closing anyway. Default {@link LINGERING_MAX_BYTES}; not a server setting. */
  readonly maxBytes?: number;
}

/**
 * The bytes a lingering close discards at most. nginx bounds lingering by time only; this also
 * bounds what a fast client can make the server read in `lingering_time` (30 s at loopback speed
 * is tens of gigabytes), while an upload of any size the limits allow is still read to its end.
 */
export const LINGERING_MAX_BYTES = 1024 * 1024 * 1024;

/**
 * nginx's defaults: `lingering_close on`, `lingering_time 30s`, `lingering_timeout 5s`.
 *
 * @example
 * ```ts
 * closeLingering(req, res, DEFAULT_LINGERING_CLOSE);
 * ```
 */
export const DEFAULT_LINGERING_CLOSE: LingeringClose = Object.freeze({ close: 'on', timeMs: 30_000, timeoutMs: 5_000 });

const kPending = Symbol('tsgi-head-gate.lingering-exchange');
const kLingering = Symbol('tsgi-head-gate.lingering');

/** A socket node:http serves, with what a lingering close of it needs. */
type LingeringSocket = Socket & {
  /** The newest exchange that asked to linger if its response closes the connection. */
  [kPending]?: { readonly req: IncomingMessage; readonly res: ServerResponse; readonly options: LingeringClose };
  /** Set once the socket lingers. */
  [kLingering]?: true;
};

/**
 * Makes `res` the connection's last response (`Connection: close`) and, unless `options.close`
 * is `off`, closes the connection after it by lingering: what is left of `req`'s body is read and
 * thrown away, within the bounds of `options`, before the socket is closed. Call it before or
 * while the response is written; an app or a stream still reading the body keeps every byte
 * until the response has finished.
 *
 * @example
 * ```ts
 * server.on('request', (req, res) => {
 *   if (!csrfOk(req)) {
 *     closeLingering(req, res, DEFAULT_LINGERING_CLOSE);
 *     res.writeHead(403, { 'content-length': '9' }).end('Forbidden');
 *   }
 * });
 * ```
 */
export function closeLingering(req: IncomingMessage, res: ServerResponse, options: LingeringClose): void {
  res.shouldKeepAlive = false;
  lingerIfClosing(req, res, options);
}

/**
 * Leaves keep-alive to node and the client, but if `res` turns out to be the connection's last
 * response (the client sent `Connection: close` or HTTP/1.0, as nginx does to its upstreams; or
 * the server chose to close) and `req`'s body is not all read by then, the close lingers as in
 * {@link closeLingering}. Either way, once `res` has finished, the rest of an unread body is read
 * and discarded (node would do so for a kept-alive connection), within `options.maxBytes`. For a
 * server calling apps that may answer without reading (Express, Koa): call it for each request
 * with a body.
 *
 * @example
 * ```ts
 * server.on('request', (req, res) => {
 *   if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) lingerIfClosing(req, res, lingering);
 *   expressApp(req, res);
 * });
 * ```
 */
export function lingerIfClosing(req: IncomingMessage, res: ServerResponse, options: LingeringClose): void {
  const socket = req.socket as LingeringSocket | null;
  if (options.close === 'off' || !(socket instanceof Socket) || socket[kPending]?.res === res) return;
  socket[kPending] = { req, res, options };
  // Discarding starts when the response has finished, before node's own 'finish' handler: a
  // request body someone reads is then not "dumped" by node (which would hide its bytes from us).
  res.prependOnceListener('finish', () => discard(req, socket, options));
  // Forgotten once over (node emits 'close' after its own close decision): an exchange kept from
  // the socket until the next request would outlive young-generation GCs (connection-state.ts).
  res.once('close', () => {
    if (socket[kPending]?.res === res) socket[kPending] = undefined;
  });
  // node ends a connection after its last response with socket.destroySoon() (resOnFinish in
  // lib/_http_server.js, Node 20 to 24): this socket lingers instead. One shared function.
  if (socket.destroySoon !== lingeringDestroySoon) socket.destroySoon = lingeringDestroySoon;
}

function lingeringDestroySoon(this: LingeringSocket): void {
  const pending = this[kPending];
  if (pending === undefined) Socket.prototype.destroySoon.call(this);
  else linger(pending.req, this, pending.options);
}

/**
 * Closes `req`'s connection lingering now, its response already sent (kept alive): for a server
 * that finds only after the response that more of the body remains than it will read to keep the
 * connection. `off` destroys the socket at once.
 *
 * @example
 * ```ts
 * req.on('data', (chunk) => (unread += chunk.length) > 64 * 1024 && lingerNow(req, DEFAULT_LINGERING_CLOSE));
 * ```
 */
export function lingerNow(req: IncomingMessage, options: LingeringClose): void {
  const socket = req.socket as LingeringSocket | null;
  if (!(socket instanceof Socket)) return;
  if (options.close === 'off') {
    socket.destroy();
    return;
  }
  discard(req, socket, options);
  linger(req, socket, options);
}

/** Counts and throws away the rest of the body as it arrives (once per request). */
function discard(req: IncomingMessage, socket: Socket, options: LingeringClose): void {
  if (req.complete || req.destroyed || (req as { [kLingering]?: true })[kLingering] === true) return;
  (req as { [kLingering]?: true })[kLingering] = true;
  const max = options.maxBytes ?? LINGERING_MAX_BYTES;
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > max) socket.destroy();
  });
  req.resume();
}

/** Shuts the write side now, and closes once the client is done sending (or a bound is reached). */
function linger(req: IncomingMessage, socket: LingeringSocket, options: LingeringClose): void {
  if (socket[kLingering] === true) return; // already lingering (lingerNow, then node's close)
  if (req.complete || req.destroyed || socket.destroyed || !socket.readable) {
    Socket.prototype.destroySoon.call(socket);
    return;
  }
  socket[kLingering] = true;
  socket.end();
  // The answer may still be on its way out (a client slow to read): the socket closes after it,
  // and lingering_time cuts that short too.
  const close = () => (socket.writableFinished ? socket.destroy() : socket.once('finish', () => socket.destroy()));
  const total = setTimeout(() => socket.destroy(), options.timeMs);
  // Idle: the socket's own timeout, which node:http refreshes on every read, also when its
  // parser consumes the socket natively and no 'data' event is emitted.
  socket.setTimeout(options.timeoutMs, close);
  // The whole body read: nothing is left to reset the connection over.
  req.once('end', close);
  socket.once('end', close);
  socket.once('close', () => clearTimeout(total));
}
