/**
 * The request id (nginx's `$request_id`): one token that follows a request from the first tsgi
 * server to the view, in the `X-Request-Id` header field and in every access log. A server keeps
 * the id a trusted proxy sent (the same trust as `X-Forwarded-For`, SPEC 3.2) when it is a sane
 * token; otherwise it makes a new one, so a client cannot choose the id logs are searched by.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { REQUEST_ID_HEADER } from 'tsgi-head-gate';
import type { CidrSet } from './ip-address.js';
import { isUnixSocketPeer } from './unix-peer.js';

export { REQUEST_ID_HEADER };

/** 1 to 200 visible ASCII characters: room for any tracing id, no spaces, no control bytes. */
const VALID = /^[\x21-\x7e]{1,200}$/;

/**
 * True when `value` is kept as a request id: a string of 1 to 200 visible ASCII characters
 * (what tsgi-webserver also keeps). Anything else (too long, spaces, several fields joined
 * with `, `) is replaced by a new id.
 *
 * @example
 * ```ts
 * isRequestId('abc-123'); // true
 * isRequestId('a b');     // false
 * ```
 */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && VALID.test(value);
}

/**
 * A new request id: a random (version 4) UUID, 122 random bits. Made for most requests by the
 * adapter, so measured 2026-12-06 on the shared 2-core machine (under load): randomUUID alone
 * 120-240 ns a call, a pool of random bytes turned to hex 75-110 ns; made and stored in a
 * request's headers as the adapter does, 170-250 ns over making the request object (median of
 * 5, 1M requests, 256 alive at a time). A hello-world request through tsgi-appserver -w 1 takes
 * 55-85 us (wrk, 11.6k-18.1k requests/s), so the id costs about 0.3%: not worth a second way
 * to make ids.
 *
 * @example
 * ```ts
 * newRequestId(); // '3b241101-e2bb-4255-8caf-4136c566a962'
 * ```
 */
export function newRequestId(): string {
  return randomUUID();
}

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
  const given = req.headers[REQUEST_ID_HEADER];
  // The trust test only when there is something to keep: most requests arrive without an id.
  if (isRequestId(given) && trustsPeer(req.socket, trusted)) return given;
  const id = newRequestId();
  req.headers[REQUEST_ID_HEADER] = id;
  return id;
}

/** The peer rule of trusted-proxy resolution (exchange.ts `forwarded`), for one socket. */
function trustsPeer(socket: Socket, trusted: CidrSet): boolean {
  if (trusted.empty) return false;
  const address = socket.remoteAddress;
  return address === undefined ? isUnixSocketPeer(socket) : trusted.has(address);
}
