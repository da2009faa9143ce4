/**
 * WebSocket and other HTTP/1.1 Upgrades (RFC 9110 section 7.8): the handshake goes to an upstream
 * picked as for any request; a `101` is passed back and both directions are piped, bytes the
 * client sent after its handshake included. Any other answer is passed back as an ordinary
 * response and the connection closed. The tunnel closes after `readTimeoutMs` of silence both ways.
 * @module
 */
import { request, ServerResponse } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ProxyPassOptions } from './options.js';
import type { ProxyContext, ProxyLogLevel } from './types.js';
import type { UpstreamGroup } from './upstream-registry.js';
import type { UpstreamServer } from './upstream-server.js';
import { buildRequestHeaders, filterResponseHeaders } from './headers.js';
import type { HeaderTemplate } from './headers.js';
import { ProxyError, ProxyErrorCode, statusFor } from './errors.js';

/** Everything one tunnel needs from its proxy. */
export interface TunnelInput {
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly ctx: ProxyContext;
  readonly trusted: boolean;
  readonly pass: ProxyPassOptions;
  readonly group: UpstreamGroup;
  readonly path: string;
  readonly maxTries: number;
  readonly set: ReadonlyMap<string, { name: string; value: HeaderTemplate | undefined }>;
  readonly hashKey: HeaderTemplate | undefined;
  readonly log: (level: ProxyLogLevel, message: string, fields?: Record<string, unknown>) => void;
  readonly onStatus: (status: number) => void;
}

/** A ServerResponse written straight onto an upgraded (parser-less) client socket; closes it when done. */
export function responseOnSocket(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  return res;
}

/** Tunnels one Upgrade request; see the module comment. */
export function tunnel(input: TunnelInput): void {
  const { req, socket, ctx, pass } = input;
  const tried = new Set<UpstreamServer>();
  let clientGone = false;
  const onClientClose = (): void => {
    clientGone = true;
  };
  socket.once('close', onClientClose);
  socket.on('error', () => socket.destroy());
  const protocol = String(req.headers.upgrade ?? '');

  const answer = (status: number): void => {
    input.onStatus(status);
    if (clientGone) return;
    const text = status === 504 ? 'Gateway Timeout' : 'Bad Gateway';
    socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 5}\r\nConnection: close\r\n\r\n${status} ${text}\n`);
  };

  const attempt = (lastError?: Error): void => {
    if (clientGone) return;
    const server =
      tried.size < input.maxTries
        ? input.group.balancer.pick({
            clientAddress: ctx.remoteAddress,
            hashKey: input.hashKey ? input.hashKey(ctx, req.url ?? '/') : '',
            tried,
            now: Date.now(),
          })
        : undefined;
    if (!server) {
      const err = lastError ?? new ProxyError(ProxyErrorCode.NO_LIVE_UPSTREAMS, 'no live upstreams');
      input.log('warn', `proxy: upgrade failed: ${err.message}`, { requestId: ctx.requestId });
      answer(statusFor(err));
      return;
    }
    tried.add(server);
    server.active++;
    server.requests++;
    let released = false;
    const release = (ok: boolean): void => {
      if (released) return;
      released = true;
      server.active--;
      if (ok) server.recordSuccess();
      else if (!clientGone) server.recordFailure(Date.now());
    };
    const headers = buildRequestHeaders(req.rawHeaders, { ctx, trusted: input.trusted, body: undefined, set: input.set, upgrade: protocol, defaultHost: server.hostName });
    // A dedicated connection: an upgraded socket never returns to a keep-alive pool.
    const up = request({ ...server.target, agent: false, method: req.method, path: input.path, headers, setHost: false });
    let connected = false;
    let timer: NodeJS.Timeout | undefined;
    up.on('socket', (s: Socket) => {
      timer = setTimeout(() => up.destroy(new ProxyError(ProxyErrorCode.CONNECT_TIMEOUT, 'connect timed out')), pass.connectTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        connected = true;
        up.setTimeout(pass.readTimeoutMs);
      });
    });
    up.on('timeout', () => up.destroy(new ProxyError(ProxyErrorCode.READ_TIMEOUT, 'upstream did not answer the upgrade in time')));
    const onGone = (): void => {
      up.destroy();
    };
    socket.once('close', onGone);
    up.on('error', (err: Error) => {
      clearTimeout(timer);
      socket.off('close', onGone);
      release(false);
      if (clientGone) return;
      // The handshake is a GET: idempotent, so any failure before an answer may move on.
      void connected;
      attempt(err);
    });
    up.on('response', (upRes: IncomingMessage) => {
      // The upstream refused the upgrade: pass its answer on and close.
      socket.off('close', onGone);
      up.setTimeout(0);
      ctx.upstreamStatus = upRes.statusCode ?? 0;
      ctx.upstreamAddr = server.options.name;
      const res = responseOnSocket(req, socket);
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, filterResponseHeaders(upRes.rawHeaders).headers);
      upRes.pipe(res);
      upRes.on('end', () => release(true));
      upRes.on('error', () => {
        release(false);
        socket.destroy();
      });
      socket.once('close', () => upRes.destroy());
    });
    up.on('upgrade', (upRes: IncomingMessage, upSocket: Socket, upHead: Buffer) => {
      socket.off('close', onGone);
      up.setTimeout(0);
      ctx.upstreamStatus = 101;
      ctx.upstreamAddr = server.options.name;
      if (clientGone) {
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
      if (input.head.length > 0) upSocket.write(input.head);
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
        socket.destroy();
      });
      socket.on('close', () => upSocket.destroy());
      socket.pipe(upSocket);
      upSocket.pipe(socket);
    });
    up.end();
  };
  attempt();
}
