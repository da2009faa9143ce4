/**
 * What the gate remembers per connection: the latest exchange node:http handed to the server,
 * and whether a parse error was already handled. The `clientError` handler needs both to tell an
 * error in a request's body (that request gets one answer) from an error in a new request that
 * follows one still in flight (its answer waits for that response).
 *
 * node:http keeps the same facts in private fields (`socket._httpMessage`); these are ours.
 * Cost: one property write per request, and one call from the server's own 'close' listener.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const kLast = Symbol('tsgi-head-gate.last-exchange');
const kHandled = Symbol('tsgi-head-gate.parse-error-handled');

interface TrackedSocket {
  [kLast]?: ServerResponse;
  [kHandled]?: boolean;
}

/**
 * Records the newest exchange of `req`'s connection (called by admitRequest). Returns false when
 * the exchange before it closes the connection (a refusal, a 413, `Connection: close`): node
 * parses pipelined requests ahead and emits them, but never sends a response queued behind a
 * closing one, so such a request must not reach the app either.
 */
export function trackExchange(req: IncomingMessage, res: ServerResponse): boolean {
  const socket = req.socket as TrackedSocket;
  const previous = socket[kLast];
  socket[kLast] = res;
  return previous === undefined || previous.shouldKeepAlive;
}

/**
 * Forgets `res` once it is over; every server that calls {@link admitRequest} calls this from
 * the 'close' listener it has on each response anyway. Why forget: an exchange kept from the
 * socket until the next request survives young-generation GCs and is promoted (measured: ~20%
 * more CPU per request for serve() with FastResponse). Why not a listener of the gate's own:
 * a second 'close' listener turns node's one listener into an array, copied on each emit
 * (two listeners 117-129 ns against 85-89 for one, add and emit, micro-benchmark 2026-12-06;
 * in CPU profiles of tsgi-appserver -w 1 with FastResponse, 2026-12-07, node's listener code
 * was 0.2-0.3 us a request above b99cc14's, which had one listener).
 *
 * @example
 * ```ts
 * res.on('close', () => exchangeClosed(res));
 * ```
 */
export function exchangeClosed(res: ServerResponse): void {
  const socket = res.req.socket as TrackedSocket | null;
  // A request answered before its body was read (an early 403 or 413) stays known: node reads
  // the rest of the body, and a framing error in it belongs to this request, not to a new one.
  if (socket !== null && socket[kLast] === res && res.req.complete) socket[kLast] = undefined;
}

/** The newest exchange on this connection, if a request was ever handed over on it. */
export function lastExchange(socket: object): ServerResponse | undefined {
  return (socket as TrackedSocket)[kLast];
}

/** Marks the connection's parse error as handled; false when it already was (llhttp repeats it for every later chunk). */
export function claimParseError(socket: object): boolean {
  const s = socket as TrackedSocket;
  if (s[kHandled] === true) return false;
  s[kHandled] = true;
  return true;
}
