/**
 * Graceful stop of one server without dropping a connection that just arrived.
 *
 * node:http's `server.close()` also calls `closeIdleConnections()`, and a connection accepted a
 * moment ago, whose request has not arrived yet, counts as idle: its client would see a reset.
 * So a stopping worker closes only the listening socket (`net.Server#close`), and sweeps
 * connections that are idle *after* having served something: read bytes, no response pending.
 * @module
 */
import type { Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

/** The connections of one server, tracked per connection (never per request). */
export class ConnectionTracker {
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

  /** Closes connections that served a request and wait for the next (keep-alive idle). */
  closeIdle(): void {
    for (const socket of this.#sockets) {
      // `_httpMessage` is the response node:http is writing on this socket (null between requests).
      const pending = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
      if (socket.bytesRead > 0 && (pending === null || pending === undefined)) socket.destroy();
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
