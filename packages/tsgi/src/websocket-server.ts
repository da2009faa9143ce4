/**
 * The `tsgi.websocket` extension (SPEC 7.3), the server's side: node's `upgrade` event turned into
 * an ordinary request for the adapter (so the head gate, the mount path and every server layer
 * apply to the handshake), the screening of a WebSocket handshake (RFC 6455 section 4.2.1), the
 * 101 and the hand-over to `ws`, and the registry of open sockets (pings, idle timeout, the
 * 1001 of a graceful stop).
 *
 * Framing is the `ws` package's, not ours: an echo A/B (bench/websocket/framing-ab.mjs, server
 * CPU per message, pinned, 6 alternated pairs, 2026-12-06) put `ws` at 13.1 us a message against
 * 11.9 us for the smallest hand-written framing that can echo (no fragments, no UTF-8 or close
 * validation, no limits): within the noise of this shared machine, and a complete framing would
 * cost more; `ws` is RFC-complete and Autobahn-tested. The app-facing socket (EventTarget,
 * MessageEvent, string/ArrayBuffer) costs on top: the same echo as a TSGI app on serve() took
 * 15.8 us a message against bare ws's 13.5 (median of 6 alternated pairs, same script, `tsgi`
 * mode): 0.85x bare ws.
 * @module
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import type * as WsPackage from 'ws';
import type { ServerOptions, WebSocket as WsSocket } from 'ws';
import { answerPlain } from 'tsgi-head-gate';
import type { AdapterConfig } from './adapter-config.js';
import { NodeContext, type Exchange } from './exchange.js';
import type { TsgiLogger } from './types.js';
import { ServerWebSocket, type SocketOwner } from './websocket-socket.js';
import {
  TSGI_WEBSOCKET,
  TSGI_WEBSOCKET_EXTENSION,
  type TsgiWebSocket,
  type TsgiWebSocketHandshake,
  type TsgiWebSocketLimits,
  type UpgradeWebSocketOptions,
} from './websocket.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const nodeHttp = process.getBuiltinModule('node:http');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * The `ws` package, loaded by the first WebSocket handshake rather than at import: `ws` and the
 * modules it requires (tls, https, zlib) cost every process that imports tsgi ~3.4 MB of RSS
 * (Node 20, 2026-12-06: importing tsgi after node:http and undici added 8.4 MB with `ws`, 5.0
 * without), and most servers never open a WebSocket. Loaded with require (`ws` is CommonJS),
 * so the handshake path stays synchronous.
 */
let wsPackage: typeof WsPackage | undefined;
function wsModule(): typeof WsPackage {
  return (wsPackage ??= createRequire(import.meta.url)('ws') as typeof WsPackage);
}
const kUpgrade = Symbol('tsgi.upgrade');

/** The raw connection of a request that came through node's `upgrade` event. */
interface UpgradeCarrier {
  readonly socket: Duplex;
  readonly head: Buffer;
}
type UpgradingRequest = IncomingMessage & { [kUpgrade]?: UpgradeCarrier };

/**
 * Turns node's `upgrade` event into a call of a `request` listener: the listener gets a
 * ServerResponse on the raw socket, so a TSGI listener answers the handshake (101, or any plain
 * response, after which the connection closes: node no longer parses it). Servers register it
 * for TSGI apps: `server.on('upgrade', toUpgradeListener(listener))`.
 *
 * @example
 * ```ts
 * const listener = toNodeListener(app, { websocket: {} });
 * const server = createServer(listener).on('upgrade', toUpgradeListener(listener));
 * ```
 */
export function toUpgradeListener(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  Response: typeof ServerResponse = nodeHttp.ServerResponse,
): (this: unknown, req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return function (this: unknown, req, socket, head) {
    if (req.method !== 'GET' || !hasToken(req.headers.upgrade, 'websocket')) {
      if (this instanceof nodeHttp.Server) return reparseAsPlain(this, req, socket, head);
    }
    (req as UpgradingRequest)[kUpgrade] = { socket, head };
    socket.on('error', () => socket.destroy());
    const res = new Response(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => {
      if (res.statusCode !== 101) endPlain(socket);
    });
    listener(req, res);
  };
}

/**
 * Another protocol (`Upgrade: h2c` from `curl --http2`) or not a GET: the server declines the
 * upgrade (RFC 9110 section 7.8), and the request must reach the app whole, body included, on a
 * connection that stays HTTP/1.1. node stopped parsing it at the head once an 'upgrade' listener
 * existed (Node 20 has no per-request choice), so the head is rebuilt without the upgrade fields
 * and the connection handed back to the server to parse from the start: the head gate, limits and
 * body framing then apply as to any request.
 */
function reparseAsPlain(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'upgrade' || lower === 'http2-settings') continue;
    let value = raw[i + 1]!;
    if (lower === 'connection') {
      value = value.split(',').map((t) => t.trim()).filter((t) => t !== '' && !/^(upgrade|http2-settings)$/i.test(t)).join(', ');
      if (value === '') continue;
    }
    lines.push(`${name}: ${value}`);
  }
  if (head.length > 0) socket.unshift(head);
  socket.unshift(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
  server.emit('connection', socket);
}

/** After a plain answer on an upgrade connection: FIN, read and discard until the client closes (bounded). */
function endPlain(socket: Duplex): void {
  socket.resume();
  socket.end();
  setTimeout(() => socket.destroy(), 5_000).unref();
}

/** A WebSocket handshake the adapter may hand to the app. */
export interface WebSocketUpgrade extends UpgradeCarrier {
  readonly registry: WebSocketRegistry;
  readonly protocols: readonly string[];
}

/**
 * Screens a request from {@link toUpgradeListener}: a valid WebSocket handshake is returned, an
 * invalid one is answered here (400, or 426 for another version: RFC 6455 section 4.2.2) and
 * `null` returned, anything else (another protocol, no extension) is `undefined`: a plain request.
 */
export function screenUpgrade(config: AdapterConfig, req: IncomingMessage, res: ServerResponse): WebSocketUpgrade | null | undefined {
  const carrier = (req as UpgradingRequest)[kUpgrade];
  const registry = config.websocket;
  if (carrier === undefined || registry === undefined) return undefined;
  const h = req.headers;
  if (req.method !== 'GET' || req.httpVersion === '1.0' || !hasToken(h.upgrade, 'websocket') || !hasToken(h.connection, 'upgrade')) return undefined;
  if (h['sec-websocket-version'] !== '13') {
    res.setHeader('Sec-WebSocket-Version', '13');
    answerPlain(res, 426, 'Upgrade Required', true, config.lingering);
    return null;
  }
  const key = h['sec-websocket-key'];
  if (key === undefined || !/^[A-Za-z0-9+/]{22}==$/.test(key.trim())) {
    answerPlain(res, 400, 'Bad Request', true, config.lingering);
    return null;
  }
  const offered = h['sec-websocket-protocol'];
  const protocols = offered === undefined ? [] : offered.split(',').map((p) => p.trim()).filter((p) => p !== '');
  return { ...carrier, registry, protocols };
}

function hasToken(value: string | undefined, token: string): boolean {
  return value !== undefined && value.split(',').some((part) => part.trim().toLowerCase() === token);
}

/** The context of a WebSocket handshake: a NodeContext plus `context['tsgi.websocket']`. */
class WebSocketContext extends NodeContext {
  readonly #handshake: Handshake;
  constructor(ex: Exchange, handshake: Handshake) {
    super(ex);
    this.#handshake = handshake;
  }
  get [TSGI_WEBSOCKET_EXTENSION](): TsgiWebSocketHandshake {
    return this.#handshake;
  }
}

/** Builds the context and handshake of a screened upgrade. */
export function webSocketContext(ex: Exchange, upgrade: WebSocketUpgrade): { context: NodeContext; handshake: Handshake } {
  const handshake = new Handshake(ex, upgrade);
  return { context: new WebSocketContext(ex, handshake), handshake };
}

type SendResult = (ex: Exchange, value: unknown) => void;

/** Headers of the app's accepting response that the 101 must not repeat (the handshake's own, framing, hop-by-hop). */
const RESERVED = new Set(['upgrade', 'connection', 'sec-websocket-accept', 'sec-websocket-protocol', 'sec-websocket-extensions', 'content-length', 'transfer-encoding', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'set-cookie']);

/** One handshake: `accept()` for the app, `respond()` for the adapter once the app answered. */
export class Handshake implements TsgiWebSocketHandshake {
  readonly protocols: readonly string[];
  readonly #ex: Exchange;
  readonly #upgrade: WebSocketUpgrade;
  #socket: ServerWebSocket | undefined = undefined;

  constructor(ex: Exchange, upgrade: WebSocketUpgrade) {
    this.#ex = ex;
    this.#upgrade = upgrade;
    this.protocols = Object.freeze([...upgrade.protocols]);
  }

  accept(options: UpgradeWebSocketOptions = {}): { socket: TsgiWebSocket; response: Response } {
    if (this.#socket !== undefined) throw new DOMException('tsgi: this WebSocket handshake was accepted already', 'InvalidStateError');
    const protocol = options.protocol ?? '';
    if (protocol !== '' && !this.protocols.includes(protocol)) {
      throw new TypeError(`tsgi: subprotocol ${JSON.stringify(protocol)} was not offered by the client (offered: ${this.protocols.join(', ') || 'none'})`);
    }
    const url = this.#ex.url.replace(/^http/, 'ws');
    const socket = new ServerWebSocket(url, protocol);
    this.#socket = socket;
    // fetch's Response cannot hold a 1xx status: a 200 that reads as 101, marked as this handshake's.
    const response = new Response(null, { status: 200 });
    Object.defineProperties(response, {
      status: { value: 101 },
      statusText: { value: 'Switching Protocols' },
      [TSGI_WEBSOCKET]: { value: this },
    });
    return { socket, response };
  }

  /** What the app returned: its accepting response opens the socket; anything else is sent as plain HTTP. */
  respond(result: unknown, sendAppResult: SendResult, sendError: SendResult): void {
    if (result !== null && typeof result === 'object' && !(result instanceof Response) && typeof (result as PromiseLike<unknown>).then === 'function') {
      (result as PromiseLike<unknown>).then(
        (value) => this.#settle(value, sendAppResult),
        (error: unknown) => {
          this.#socket?.fail();
          sendError(this.#ex, error);
        },
      );
      return;
    }
    this.#settle(result, sendAppResult);
  }

  #settle(value: unknown, sendAppResult: SendResult): void {
    const socket = this.#socket;
    if (socket !== undefined && value instanceof Response && (value as unknown as Record<symbol, unknown>)[TSGI_WEBSOCKET] === this) {
      return this.#open(value, socket);
    }
    socket?.fail();
    sendAppResult(this.#ex, value);
  }

  #open(response: Response, appSocket: ServerWebSocket): void {
    const ex = this.#ex;
    const { socket, head, registry } = this.#upgrade;
    if (ex.closed || socket.destroyed || !socket.writable) return appSocket.fail();
    const key = (ex.req.headers['sec-websocket-key'] ?? '').trim();
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of response.headers) if (!RESERVED.has(name)) headers[name] = value;
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    headers.Upgrade = 'websocket';
    headers.Connection = 'Upgrade';
    headers['Sec-WebSocket-Accept'] = createHash('sha1').update(key + GUID).digest('base64');
    if (appSocket.protocol !== '') headers['Sec-WebSocket-Protocol'] = appSocket.protocol;
    const res = ex.res;
    res.writeHead(101, 'Switching Protocols', headers);
    res.end();
    ex.committed(101);
    // From here the socket is the WebSocket's: node's response lets go of it (its 'close' is
    // emitted by the session when the WebSocket ends, for the server layers that wait on it).
    res.detachSocket(socket as Socket);
    // What ws's own WebSocketServer.completeUpgrade does after writing the 101, with that
    // server's resolved options (closeTimeout, autoPong, maxPayload...): done here so the 101 goes
    // through node's response (access log, request timeout) like every other answer.
    const options = registry.wsOptions;
    const ws = new (wsModule().WebSocket)(null as unknown as string, undefined, options);
    (ws as unknown as { setSocket(s: Duplex, h: Buffer, o: object): void }).setSocket(socket, head, options);
    new Session(registry, ex, ws, appSocket, socket);
  }
}

/** One open WebSocket: its keep-alive bookkeeping and how its exchange ends. */
class Session implements SocketOwner {
  readonly registry: WebSocketRegistry;
  readonly ex: Exchange;
  readonly ws: WsSocket;
  readonly socket: ServerWebSocket;
  /** performance.now() of the last bytes from the client. */
  seenAt = performance.now();
  pingedAt = 0;
  /** Why the server dropped the connection, if it did (SPEC 7.3.8: the signal's reason). */
  reason: unknown = undefined;

  constructor(registry: WebSocketRegistry, ex: Exchange, ws: WsSocket, socket: ServerWebSocket, raw: Duplex) {
    this.registry = registry;
    this.ex = ex;
    this.ws = ws;
    this.socket = socket;
    raw.on('data', () => (this.seenAt = performance.now()));
    raw.on('drain', () => socket.drained());
    registry.add(this);
    socket.attach(ws, this);
  }

  ended(clean: boolean): void {
    this.registry.delete(this);
    this.ex.countBytes(this.socket.sentBytes);
    this.ex.close(this.reason ?? (clean ? undefined : new DOMException('The WebSocket connection closed without a closing handshake', 'AbortError')), !clean);
    this.ex.res.emit('close');
  }

  overBuffered(): boolean {
    const max = this.registry.limits.maxBufferedBytes;
    if (max === 0 || this.ws.bufferedAmount <= max) return false;
    this.registry.log.warn(`tsgi: WebSocket ${this.socket.url} dropped: ${this.ws.bufferedAmount} bytes queued to a slow client (maxBufferedBytes ${max})`);
    this.reason = new DOMException(`more than maxBufferedBytes (${max}) queued to the client`, 'AbortError');
    return true;
  }

  /** Idle past the limit: the peer is presumed dead, so no closing handshake is attempted. */
  timeOut(): void {
    this.reason = new DOMException(`no frame from the client for ${this.registry.limits.idleTimeoutMs} ms (idleTimeoutMs)`, 'TimeoutError');
    this.ws.terminate();
  }
}

/**
 * The open WebSockets of one listener: pings and the idle timeout on one shared timer, and the
 * close of a graceful stop. Internal; servers use the listener's `webSockets`.
 */
export class WebSocketRegistry {
  readonly limits: TsgiWebSocketLimits;
  readonly log: TsgiLogger;
  readonly #sessions = new Set<Session>();
  #timer: NodeJS.Timeout | undefined = undefined;
  #goingAway: { code: number; reason: string } | undefined = undefined;

  #wsOptions: ServerOptions | undefined = undefined;

  constructor(limits: TsgiWebSocketLimits, log: TsgiLogger) {
    this.limits = limits;
    this.log = log;
  }

  /** ws's options for every socket, as a WebSocketServer resolves them (its defaults plus our limit); resolved at the first handshake. */
  get wsOptions(): ServerOptions {
    if (this.#wsOptions === undefined) {
      const { WebSocketServer } = wsModule();
      const resolved = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: this.limits.maxMessageBytes }) as unknown as { options: ServerOptions };
      this.#wsOptions = Object.freeze({ ...resolved.options });
    }
    return this.#wsOptions;
  }

  /** WebSockets open now. */
  get open(): number {
    return this.#sessions.size;
  }

  add(session: Session): void {
    this.#sessions.add(session);
    if (this.#goingAway !== undefined) session.socket.serverClose(this.#goingAway.code, this.#goingAway.reason);
    this.#timer ??= this.#startTimer();
  }

  delete(session: Session): void {
    this.#sessions.delete(session);
    if (this.#sessions.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /**
   * Starts the closing handshake of every open WebSocket, and of those opened from now on
   * (graceful stop: 1001 going away). Returns how many were open.
   */
  closeAll(code = 1001, reason = 'server shutting down'): number {
    this.#goingAway = { code, reason };
    for (const session of this.#sessions) session.socket.serverClose(code, reason);
    return this.#sessions.size;
  }

  /** Drops every WebSocket without a closing handshake (a stop past its grace period). Returns how many. */
  terminateAll(): number {
    const count = this.#sessions.size;
    for (const session of [...this.#sessions]) session.ws.terminate();
    return count;
  }

  #startTimer(): NodeJS.Timeout | undefined {
    const { pingIntervalMs, idleTimeoutMs } = this.limits;
    const periods = [pingIntervalMs, idleTimeoutMs].filter((ms) => ms > 0);
    if (periods.length === 0) return undefined;
    // A quarter of the shortest period: a ping or a timeout is at most 25% late.
    const timer = setInterval(() => this.#tick(), Math.max(25, Math.min(...periods) / 4));
    timer.unref();
    return timer;
  }

  #tick(): void {
    const now = performance.now();
    const { pingIntervalMs, idleTimeoutMs } = this.limits;
    for (const session of this.#sessions) {
      if (idleTimeoutMs > 0 && now - session.seenAt >= idleTimeoutMs) {
        session.timeOut();
        continue;
      }
      if (pingIntervalMs > 0 && now - Math.max(session.seenAt, session.pingedAt) >= pingIntervalMs && session.ws.readyState === session.ws.OPEN) {
        session.pingedAt = now;
        session.ws.ping();
      }
    }
  }
}
