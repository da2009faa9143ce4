/**
 * Whether a connection came over a unix-domain socket. Such a peer is a process on this machine
 * that could open the socket file, so its forwarding headers are believed, as Gunicorn does
 * ("Connections not associated with an IP address are treated as allowed, unconditionally").
 * @module
 */
import type { Socket } from 'node:net';

/**
 * True only when the socket is positively a unix-domain connection: it has no peer IP and its
 * libuv handle is a `Pipe`. A TCP socket whose peer address cannot be read (reset before
 * anyone asked, or destroyed) has no address either; it must not pass for a local peer, so the
 * handle's type decides, not the missing address. Node exposes no public flag for this;
 * `_handle` is the same internal node:net's own code reads, present since Node 0.x.
 *
 * @example
 * ```ts
 * createServer((req, res) => res.end(String(isUnixSocketPeer(req.socket)))).listen('/run/app.sock');
 * ```
 */
export function isUnixSocketPeer(socket: Socket): boolean {
  if (socket.remoteAddress !== undefined) return false;
  const handle = (socket as unknown as { _handle?: { constructor?: { name?: string } } | null })._handle;
  return handle?.constructor?.name === 'Pipe';
}
