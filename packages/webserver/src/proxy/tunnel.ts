/**
 * WebSocket and other HTTP/1.1 Upgrades (RFC 9110 section 7.8): one try of the handshake on one
 * upstream server. A `101` is passed back and both directions are piped, bytes the client sent
 * after its handshake included; any other answer is passed back as an ordinary response and the
 * connection closed. The tunnel closes after `readTimeoutMs` of silence both ways. Which server,
 * whether to try another one, and the 502/504 when none answers are the proxy's one attempt loop
 * (proxy.ts), the same as for any request.
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ProxyPassOptions } from './options.js';
import type { ProxyContext } from './types.js';
import type { UpstreamServer } from './upstream-server.js';
import { buildRequestHeaders, filterResponseHeaders } from './headers.js';
import type { HeaderTemplate } from './headers.js';
import { ProxyError, ProxyErrorCode } from './errors.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const nodeHttp = process.getBuiltinModule('node:http');

/** The state of one Upgrade request across its tries (the proxy's exchange for it). */
export interface UpgradeExchange {
  readonly upgrade: true;
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  /** Bytes the client sent after its handshake (they belong to the new protocol). */
  readonly head: Buffer;
  readonly ctx: ProxyContext;
  readonly method: string;
  readonly path: string;
  readonly trusted: boolean;
  readonly tried: Set<UpstreamServer>;
  readonly addrs: string[];
  /** A handshake has no body to forward. */
  readonly body: undefined;
  /** The client connection closed. */
  clientGone: boolean;
}

/** How a try ends, reported to the proxy's attempt loop; and how it answers the client. */
export interface TryOutcome {
  /** A response on the client's socket, of the server's response class (see {@link responseOnSocket}). */
  respond(x: UpgradeExchange): ServerResponse;
  /** The server's part is over: `ok` when it answered (whatever the answer), else it failed. */
  release(x: UpgradeExchange, server: UpstreamServer, ok: boolean, err?: Error): void;
  /** No answer came: the loop tries the next server, or answers 502/504. */
  failed(x: UpgradeExchange, err: Error): void;
}

/**
 * A response written straight onto an upgraded (parser-less) client socket; closes it when done.
 * `Response` is the class the server makes its other responses with (node's by default).
 */
export function responseOnSocket(req: IncomingMessage, socket: Duplex, Response: typeof ServerResponse = nodeHttp.ServerResponse): ServerResponse {
  const res = new Response(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  return res;
}

/** Sends the handshake of `x` to `server` on a connection of its own; see the module comment. */
export function tunnelTo(
  x: UpgradeExchange,
  server: UpstreamServer,
  pass: ProxyPassOptions,
  set: ReadonlyMap<string, { name: string; value: HeaderTemplate | undefined }>,
  outcome: TryOutcome,
): void {
  const { req, socket, ctx } = x;
  let released = false;
  const release = (ok: boolean, err?: Error): void => {
    if (released) return;
    released = true;
    outcome.release(x, server, ok, err);
  };
  /** The upstream answered: from here on its errors cut the client, they are never retried. */
  let answered = false;
  let connectTimer: NodeJS.Timeout | undefined;
  const headers = buildRequestHeaders(req.rawHeaders, { ctx, trusted: x.trusted, body: undefined, set, upgrade: String(req.headers.upgrade ?? ''), defaultHost: server.hostName });
  // A dedicated connection: an upgraded socket never returns to a keep-alive pool.
  const up = nodeHttp.request({ ...server.target, agent: false, method: req.method, path: x.path, headers, setHost: false });
  const onGone = (): void => {
    up.destroy();
  };
  socket.once('close', onGone);
  up.on('socket', (s: Socket) => {
    connectTimer = setTimeout(() => up.destroy(new ProxyError(ProxyErrorCode.CONNECT_TIMEOUT, 'connect timed out')), pass.connectTimeoutMs);
    s.once('connect', () => {
      clearTimeout(connectTimer);
      up.setTimeout(pass.readTimeoutMs);
    });
  });
  up.on('timeout', () => up.destroy(new ProxyError(ProxyErrorCode.READ_TIMEOUT, 'upstream did not answer the upgrade in time')));
  up.on('error', (err: Error) => {
    clearTimeout(connectTimer);
    socket.off('close', onGone);
    release(false, err);
    if (answered) socket.destroy();
    else outcome.failed(x, err);
  });
  up.on('response', (upRes: IncomingMessage) => {
    // The upstream refused the upgrade: pass its answer on and close.
    answered = true;
    socket.off('close', onGone);
    up.setTimeout(0);
    ctx.upstreamStatus = upRes.statusCode ?? 0;
    ctx.upstreamAddr = x.addrs.join(', ');
    const res = outcome.respond(x);
    res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, filterResponseHeaders(upRes.rawHeaders).headers);
    upRes.pipe(res);
    upRes.on('error', (err) => {
      release(false, err);
      socket.destroy();
    });
    // 'close' comes after 'end', after 'error', and also when the client left and the answer was
    // dropped unread (no 'end' nor 'error' then): the try is released in every case.
    upRes.once('close', () => release(upRes.complete));
    socket.once('close', () => upRes.destroy());
  });
  up.on('upgrade', (upRes: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
    answered = true;
    socket.off('close', onGone);
    up.setTimeout(0);
    ctx.upstreamStatus = 101;
    ctx.upstreamAddr = x.addrs.join(', ');
    if (x.clientGone) {
      upSocket.destroy();
      release(true);
      return;
    }
    const lines = [`HTTP/1.1 101 ${upRes.statusMessage || 'Switching Protocols'}`];
    const h = filterResponseHeaders(upRes.rawHeaders, true).headers;
    for (let i = 0; i < h.length; i += 2) lines.push(`${h[i]}: ${h[i + 1]}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
    if (upHead.length > 0) socket.write(upHead);
    // Bytes the client pipelined after its handshake belong to the new protocol.
    if (x.head.length > 0) upSocket.write(x.head);
    const s = socket as Socket;
    const idle = (): void => {
      s.destroy();
      upSocket.destroy();
    };
    upSocket.setTimeout(pass.readTimeoutMs, idle);
    if (typeof s.setTimeout === 'function') s.setTimeout(pass.readTimeoutMs, idle);
    upSocket.on('error', () => socket.destroy());
    upSocket.on('close', () => {
      release(true);
      // End, not destroy: what the upstream sent last (a WebSocket close frame, e.g. 1009 after a
      // message over its limit) must reach the client, and a reset would make the client's kernel
      // drop it unread while the client is still sending. What the client still sends is read and
      // dropped until it closes, for at most 5 s (a lingering close, as nginx does).
      socket.unpipe(upSocket);
      socket.resume();
      socket.end();
      setTimeout(() => socket.destroy(), 5_000).unref();
    });
    socket.on('close', () => upSocket.destroy());
    socket.pipe(upSocket);
    upSocket.pipe(socket);
  });
  up.end();
}
