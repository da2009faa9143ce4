/**
 * The request id (nginx's `$request_id`): one token that follows a request from the first tsgi
 * server to the view, in the `X-Request-Id` header field and in every access log. A server keeps
 * the id a trusted proxy sent (the same trust as `X-Forwarded-For`, SPEC 3.2) when it is a sane
 * token; otherwise it makes a new one, so a client cannot choose the id logs are searched by.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { REQUEST_ID_HEADER, isRequestId, newRequestId, requestIdOf } from 'tsgi-head-gate';
import type { CidrSet } from './ip-address.js';
import { isUnixSocketPeer } from './unix-peer.js';

export { REQUEST_ID_HEADER, isRequestId, newRequestId, requestIdOf };

/**
 * Gives `req` its request id, in `req.headers['x-request-id']`, and returns it: the one the
 * peer sent when the peer is in `trusted` (a unix-socket peer is trusted unless `trusted` is
 * empty, SPEC 3.2.4) and the value passes {@link isRequestId}; else a new one, which replaces
 * what the peer sent. `req.rawHeaders` keep what was received (SPEC 3.4.5).
 *
 * @example
 * ```ts
 * const trusted = new CidrSet(['127.0.0.0/8', '::1']);
 * createServer((req, res) => res.end(assignRequestId(req, trusted)));
 * ```
 */
export function assignRequestId(req: IncomingMessage, trusted: CidrSet): string {
  screenRequestId(req, trusted);
  return requestIdOf(req);
}

/**
 * The first half of {@link assignRequestId}, which `toNodeListener` runs on every request before
 * anything answers: an id the peer sent is kept (trusted peer, valid value) or replaced now, so
 * what `req.headers['x-request-id']` holds from here on is the request's id. A request without
 * one gets it from {@link requestIdOf} when something first asks (the app's `request.headers`,
 * the access log).
 *
 * Why lazy: a new id costs 140-300 ns (randomUUID; measured 2026-12-06, 2M calls pinned to one
 * core of the loaded 2-core machine), 0.17 us of the 1.0-1.5 us toNodeListener spends on a
 * FastResponse hello world (in-process, real IncomingMessage/ServerResponse objects, median of
 * 7 alternated rounds of 30,000), and most requests of a server without an access log never
 * read it. Made on first need, the id is the same one everywhere it is read.
 */
export function screenRequestId(req: IncomingMessage, trusted: CidrSet): void {
  const given = req.headers[REQUEST_ID_HEADER];
  // Most requests arrive without an id: nothing to judge, nothing to make yet.
  if (given === undefined) return;
  if (isRequestId(given) && trustsPeer(req.socket, trusted)) return;
  req.headers[REQUEST_ID_HEADER] = newRequestId();
}

/** The peer rule of trusted-proxy resolution (exchange.ts `forwarded`), for one socket. */
function trustsPeer(socket: Socket, trusted: CidrSet): boolean {
  if (trusted.empty) return false;
  const address = socket.remoteAddress;
  return address === undefined ? isUnixSocketPeer(socket) : trusted.has(address);
}
