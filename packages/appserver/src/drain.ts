/**
 * Graceful stop of one server without dropping a connection that just arrived.
 *
 * node:http's `server.close()` also calls `closeIdleConnections()`, and a connection accepted a
 * moment ago, whose request has not arrived yet, counts as idle: its client would see a reset.
 * So a stopping worker closes only the listening socket (`net.Server#close`), and sweeps
 * connections that are idle *after* having served something: read bytes, no response pending.
 *
 * "No response pending" is our own bookkeeping, not node's private `socket._httpMessage`: every
 * response of a worker's servers is a {@link TrackedResponse}, which notes itself on its
 * connection as the latest one there when node creates it, and forgets itself when node detaches
 * it from the connection after it finished. Responses on one connection finish in request
 * order, so the connection has nothing pending when its latest response is forgotten or has
 * finished (`writableFinished`, public). Cost per request: a property store when the response is
 * made and a compare and store when it finishes; no listener, no closure. Forgetting matters: a
 * finished exchange kept from the socket until the next request survives young-generation GCs
 * and is promoted (measured for the head-gate's own per-connection record: ~20% more CPU per
 * request for serve() with FastResponse).
 * @module
 */
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

const kLatestResponse = Symbol('tsgi-appserver.latestResponse');

type TrackedSocket = Socket & { [kLatestResponse]?: ServerResponse };

/**
 * The ServerResponse of every worker server (`http.createServer({ ServerResponse })`): node
 * makes one per request, just before emitting 'request', and this one records itself as its
 * connection's latest response for {@link ConnectionTracker.closeIdle}, until it finishes.
 */
export class TrackedResponse extends ServerResponse<IncomingMessage> {
  // Rest parameters: node passes an options object after `req` that the typings leave out.
  constructor(...args: [IncomingMessage]) {
    super(...args);
    (args[0].socket as TrackedSocket)[kLatestResponse] = this;
  }

  /** node:http calls this once the response has finished on `socket` (before the next one is assigned). */
  override detachSocket(socket: Socket): void {
    const tracked = socket as TrackedSocket;
    // A pipelined request made after this one is the latest now: it stays.
    if (tracked[kLatestResponse] === this) tracked[kLatestResponse] = undefined;
    super.detachSocket(socket);
  }
}

/** The connections of one server, tracked per connection; requests are known through {@link TrackedResponse}. */
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
      const latest = (socket as TrackedSocket)[kLatestResponse];
      // Nothing pending with bytes read: the last response finished, or the request was refused
      // before node made a response, or a new head is still arriving (closing then is allowed:
      // RFC 9112 section 9.6).
      if (socket.bytesRead > 0 && (latest === undefined || latest.writableFinished)) socket.destroy();
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
