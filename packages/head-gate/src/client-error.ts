/**
 * The `clientError` listener every tsgi server installs: it answers what node's parser refused
 * with the gate's status, once per connection, and never in place of a response already owed.
 *
 * - An error inside the body of the request in flight belongs to that request: if its response
 *   has not begun, the error is the answer; if it has, the connection is cut, since the message
 *   can no longer be completed honestly.
 * - An error in a new request that follows one still in flight (pipelining) waits: the earlier
 *   response is delivered first, then the refusal, then the connection closes, as nginx does.
 * - Bytes after `Connection: close` (or an HTTP/1.0 request) are ignored, never parsed as a
 *   request (RFC 9112 section 9.6); the connection closes after the response owed.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { claimParseError, lastExchange } from './connection-state.js';
import { ruleForParserError, type ParserError } from './parser-errors.js';
import { RULES, STATUS_TEXT, type HeadRule } from './rules.js';

/** How long a refused client may take to read the answer before the socket is destroyed. */
const LINGER_MS = 5_000;

/** Hooks of {@link createClientErrorHandler}. */
export interface ClientErrorOptions {
  /** The whole response for a refusal (status line, headers with `Connection: close`, body). Default {@link rawRefusal}. */
  readonly rawResponse?: (status: number) => string | Uint8Array;
  /** Called once per refused request, for the info log line and counters; `answered` is false when no status could be sent. */
  readonly onRefuse?: (rule: HeadRule, error: Error, socket: Duplex, answered: boolean) => void;
  /** Called for parser errors that need no answer (client gone, bytes after close, a body broken after its request was answered), for debug logs. */
  readonly onIgnore?: (error: Error, socket: Duplex) => void;
}

/**
 * A plain-text refusal: status line, `Content-Type`, `Content-Length`, `Connection: close`.
 *
 * @example
 * ```ts
 * socket.end(rawRefusal(400)); // HTTP/1.1 400 Bad Request ... Bad Request
 * ```
 */
export function rawRefusal(status: number): string {
  const text = (STATUS_TEXT as Record<number, string>)[status] ?? 'Bad Request';
  return `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`;
}

/**
 * Makes the server's `clientError` listener.
 *
 * @example
 * ```ts
 * server.on('clientError', createClientErrorHandler({
 *   onRefuse: (rule) => log.info(refusalMessage(rule)),
 * }));
 * ```
 */
export function createClientErrorHandler(options: ClientErrorOptions = {}): (err: Error, socket: Duplex) => void {
  const raw = options.rawResponse ?? rawRefusal;
  return (err, socket) => {
    // llhttp stays in its error state and reports the same error for every later chunk.
    if (!claimParseError(socket)) return;
    const last = lastExchange(socket);
    const inBody = last !== undefined && !last.req.complete;
    const rule = ruleForParserError(err as ParserError, inBody);
    if (rule === undefined) {
      options.onIgnore?.(err, socket);
      // Bytes after a close: the response owed (if any) still goes out. Otherwise the client is
      // gone mid-request: destroy, so the request's body errors instead of waiting.
      if ((err as ParserError).code === 'HPE_CLOSED_CONNECTION') closeWhenDone(socket, last);
      else socket.destroy();
      return;
    }
    if (inBody) {
      answerInFlight(socket, last, rule, err, raw, options);
      return;
    }
    options.onRefuse?.(rule, err, socket, socket.writable);
    // A new request after one still owed a response: the refusal waits its turn.
    afterResponse(last, socket, () => refuse(socket, raw(rule.status)));
  };
}

/** An error in the body of the request in flight: one answer for that request, then close. */
function answerInFlight(socket: Duplex, res: ServerResponse, rule: HeadRule, err: Error, raw: (status: number) => string | Uint8Array, options: ClientErrorOptions): void {
  if (res.writableEnded) {
    // Already answered (the app, or the gate itself, refused before reading the body): that
    // answer stands, and was logged where it was made.
    options.onIgnore?.(err, socket);
    closeWhenDone(socket, res);
    return;
  }
  if (res.headersSent) {
    options.onRefuse?.(rule, err, socket, false);
    socket.destroy();
    return;
  }
  options.onRefuse?.(rule, err, socket, true);
  // The refusal is this request's answer; whatever the app writes later has nowhere to go.
  res.shouldKeepAlive = false;
  refuse(socket, raw(rule.status));
  // End the request's body with the error, so the app stops waiting for it.
  socket.once('finish', () => (res.req as IncomingMessage).destroy(err));
}

/** Runs `then` once `res` (the connection's newest response) is delivered; destroys the socket if it never is. */
function afterResponse(res: ServerResponse | undefined, socket: Duplex, then: () => void): void {
  if (res === undefined || res.writableFinished) {
    then();
    return;
  }
  res.once('finish', then);
  res.once('close', () => {
    if (!res.writableFinished) socket.destroy();
  });
}

/** Ends the connection after the response owed on it, if any. */
function closeWhenDone(socket: Duplex, res: ServerResponse | undefined): void {
  if (res !== undefined && !res.writableFinished && !res.destroyed) {
    res.shouldKeepAlive = false;
    res.once('finish', () => socket.end());
    return;
  }
  if (socket.writable) socket.end();
  else socket.destroy();
}

function refuse(socket: Duplex, bytes: string | Uint8Array): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(bytes);
  // A client that never reads must not keep the socket.
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * The `connect` listener: CONNECT is for proxies, and no tsgi server tunnels (RFC 9110 section
 * 9.3.6), so it is refused with 501 and the connection closed.
 *
 * @example
 * ```ts
 * server.on('connect', refuseConnect((rule) => log.info(refusalMessage(rule))));
 * ```
 */
export function refuseConnect(onRefuse?: (rule: HeadRule, req: IncomingMessage) => void, rawResponse: (status: number) => string | Uint8Array = rawRefusal): (req: IncomingMessage, socket: Duplex) => void {
  return (req, socket) => {
    const rule = RULES['method-not-implemented'];
    onRefuse?.(rule, req);
    refuse(socket, rawResponse(rule.status));
  };
}
