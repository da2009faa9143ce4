/**
 * Graceful stop of one server (HUP, TTOU, TERM, recycling) without resetting a connection.
 *
 * The rule, in the order it happens:
 * 1. Stop accepting at once: the master gives a stopping worker no more connections
 *    (connection-dispatcher.ts), and when the whole server stops it closes the listening
 *    sockets first. Never node:http's `server.close()`, which also runs `closeIdleConnections()`.
 * 2. Requests in flight finish. A request that arrives on a kept-alive connection is served,
 *    and every response that has not sent its head says `Connection: close` (in-flight-requests.ts):
 *    node ends the connection after it with a FIN.
 * 3. A connection with no request in flight is never closed early. It closes when the client
 *    closes it or when node's keep-alive timer fires, i.e. after it has been idle for the
 *    timeout the server advertised (`Keep-Alive: timeout=N`, --keep-alive). Clients stop
 *    reusing a connection before that: undici (Node's fetch) closes it at N - 2 s (its
 *    keepAliveTimeoutThreshold; measured with N = 3: closed ~1.05 s after the response, undici
 *    6.24 and 7.30 alike); browsers and proxies use their own shorter idle timeouts. So the
 *    close cannot race a request the client already sent.
 * 4. Past the worker's share of --graceful-timeout, what is left is ended with a FIN
 *    ({@link ConnectionTracker.endAll}); at --graceful-timeout the master sends SIGKILL.
 *
 * Why not close idle connections at once, as this file did before: under load a keep-alive
 * connection is "idle" between a response and the client's next request, which is often
 * already on the wire. Closing then resets that request: measured, 20 of 20 connections reset
 * on every HUP with 20 connections of load; with this rule 0 (operations tests). The price is
 * that a stop can take up to --keep-alive seconds (5 by default) while a client holds an idle
 * connection open.
 * @module
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** The connections of one server, so a stop can wait for them. */
export class ConnectionTracker {
  /** Every accepted connection (TCP, or the transport under TLS). */
  readonly #sockets = new Set<Socket>();

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** Connections still open. */
  get size(): number {
    return this.#sockets.size;
  }

  /** Ends every connection with a FIN (the graceful timeout has passed). */
  endAll(): void {
    for (const socket of this.#sockets) socket.end();
  }
}

