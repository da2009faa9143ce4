/**
 * Graceful stop of one server without dropping a connection that just arrived.
 *
 * node:http's `server.close()` also calls `closeIdleConnections()`, and a connection accepted a
 * moment ago, whose request has not arrived yet, counts as idle: its client would see a reset.
 * So a stopping worker closes only the listening socket (`net.Server#close`), and sweeps
 * connections that are idle *after* having served something: read bytes, no response pending.
 *
 * "No response pending" is the request-head gate's bookkeeping (tsgi-head-gate's
 * `responseOwed`), not node's private `socket._httpMessage`: every request of a worker passes the
 * gate, which notes the exchange on its connection and forgets it when the response closes.
 * @module
 */
import type { Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { responseOwed } from 'tsgi-head-gate';

/** The connections of one server, tracked per connection; what each owes is known through the request-head gate. */
export class ConnectionTracker {
  /** Every accepted connection (TCP, or the transport under TLS). */
  readonly #sockets = new Set<Socket>();
  /** The sockets node:http reads requests from: the same set without TLS, the TLS sockets with it. */
  readonly #served: Set<Socket>;

  /** `tls`: an https server, whose requests arrive on the TLS socket of 'secureConnection', not on the TCP one. */
  constructor(server: Server, tls: boolean) {
    const track = (set: Set<Socket>) => (socket: Socket) => {
      set.add(socket);
      socket.once('close', () => set.delete(socket));
    };
    server.on('connection', track(this.#sockets));
    this.#served = tls ? new Set() : this.#sockets;
    if (tls) server.on('secureConnection', track(this.#served));
  }

  /** Connections still open. */
  get size(): number {
    return this.#sockets.size;
  }

  /**
   * Closes connections that served a request and wait for the next (keep-alive idle). A TLS
   * connection still in its handshake has served nothing: it is left alone, like a new one.
   */
  closeIdle(): void {
    for (const socket of this.#served) {
      // Nothing owed with bytes read: the last response finished, or the request was refused
      // before node made a response, or a new head is still arriving (closing then is allowed:
      // RFC 9112 section 9.6).
      if (socket.bytesRead > 0 && !responseOwed(socket)) socket.destroy();
    }
  }

  /** Ends every connection (the graceful timeout has passed). */
  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }
}

/** Stops accepting on `server` without node:http's idle sweep. */
export function stopListening(server: Server | NetServer): void {
  NetServer.prototype.close.call(server);
}
