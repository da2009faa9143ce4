/**
 * The `tsgi.websocket` extension (SPEC 7.3), the app's side: the types, the limits a server
 * declares, and {@link upgradeWebSocket}, Deno's `Deno.upgradeWebSocket` shape.
 * @module
 */
import type { TsgiContext } from './types.js';

/** The extension name servers list in `server.extensions` when they upgrade WebSocket requests. */
export const TSGI_WEBSOCKET_EXTENSION = 'tsgi.websocket';

/** The key of the handshake on the accepting Response (a registered symbol, SPEC 4.4.2). */
export const TSGI_WEBSOCKET: unique symbol = Symbol.for('tsgi.websocket');

/**
 * What a server declares as the value of `server.extensions['tsgi.websocket']`: the limits it
 * enforces on every WebSocket (bytes and milliseconds; 0 = none).
 */
export interface TsgiWebSocketLimits {
  /** Largest message (all fragments) accepted; beyond it the server closes with 1009. */
  readonly maxMessageBytes: number;
  /** The server pings a connection it has heard nothing from for this long. */
  readonly pingIntervalMs: number;
  /** A connection that sent nothing (no message, no pong) for this long is dropped (the app sees 1006). */
  readonly idleTimeoutMs: number;
  /** Bytes the app may leave queued to a slow client; beyond it the server drops the connection (1006). */
  readonly maxBufferedBytes: number;
}

/**
 * Default WebSocket limits: 1 MiB messages (uvicorn and Bun take 16 MiB; a chat or RPC message is
 * far smaller, and a larger one is an upload that belongs in a streamed HTTP body), a ping after
 * 20 s of silence (uvicorn's `ws_ping_interval`), dead after 60 s of silence, 16 MiB queued.
 */
export const DEFAULT_WEBSOCKET_LIMITS: TsgiWebSocketLimits = Object.freeze({
  maxMessageBytes: 1024 * 1024,
  pingIntervalMs: 20_000,
  idleTimeoutMs: 60_000,
  maxBufferedBytes: 16 * 1024 * 1024,
});

/**
 * Merges partial WebSocket limits over {@link DEFAULT_WEBSOCKET_LIMITS}, rejecting unknown names
 * and values that are not non-negative finite numbers.
 *
 * @example
 * ```ts
 * resolveWebSocketLimits({ maxMessageBytes: 64 * 1024 });
 * ```
 */
export function resolveWebSocketLimits(partial: Partial<TsgiWebSocketLimits> | undefined): TsgiWebSocketLimits {
  if (partial === undefined) return DEFAULT_WEBSOCKET_LIMITS;
  const out: Record<string, number> = { ...DEFAULT_WEBSOCKET_LIMITS };
  for (const [key, value] of Object.entries(partial)) {
    if (!(key in DEFAULT_WEBSOCKET_LIMITS)) {
      throw new TypeError(`tsgi: unknown websocket limit "${key}"; known: ${Object.keys(DEFAULT_WEBSOCKET_LIMITS).join(', ')}`);
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`tsgi: websocket limit "${key}" must be a non-negative number (0 = none), got ${String(value)}`);
    }
    out[key] = value;
  }
  return Object.freeze(out) as unknown as TsgiWebSocketLimits;
}

/** The `close` event of a {@link TsgiWebSocket} (the WHATWG `CloseEvent`'s fields). */
export interface TsgiCloseEvent extends Event {
  /** The code the peer sent (RFC 6455 section 7.4), 1005 when its close frame had none, 1006 when there was no close frame. */
  readonly code: number;
  readonly reason: string;
  /** True when the closing handshake completed. */
  readonly wasClean: boolean;
}

/** Options of {@link upgradeWebSocket}. */
export interface UpgradeWebSocketOptions {
  /** The subprotocol to speak: one of those the client offered (`Sec-WebSocket-Protocol`). Default: none. */
  protocol?: string;
}

/**
 * The socket an app gets from {@link upgradeWebSocket}: the WHATWG `WebSocket`'s API, server side.
 * It is `CONNECTING` until the app has returned the accepting response and the server has sent 101,
 * then `open` fires. Messages are `string` (text) or, by `binaryType`, `ArrayBuffer` (the default,
 * as Deno and Workers) or `Blob`. `bufferedAmount` is the backpressure signal: bytes queued but not
 * yet handed to the network; `drain` fires when it returns to 0.
 */
export interface TsgiWebSocket extends EventTarget {
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
  readonly readyState: number;
  /** The request URL of the handshake, `ws:` or `wss:`. */
  readonly url: string;
  /** The negotiated subprotocol, `''` for none. */
  readonly protocol: string;
  /** The negotiated extensions: always `''` (no permessage-deflate). */
  readonly extensions: string;
  binaryType: 'arraybuffer' | 'blob';
  readonly bufferedAmount: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: TsgiCloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  /** Sends a text (`string`) or binary message. Throws `InvalidStateError` while `CONNECTING`. */
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  /** Starts the closing handshake: `code` 1000 or 3000-4999, `reason` up to 123 UTF-8 bytes. */
  close(code?: number, reason?: string): void;
}

/**
 * What `context['tsgi.websocket']` holds: present only on a WebSocket opening handshake the server
 * can complete (SPEC 7.3.1).
 */
export interface TsgiWebSocketHandshake {
  /** The subprotocols the client offered, in its order (empty when it offered none). */
  readonly protocols: readonly string[];
  /** Accepts the upgrade: the app returns `response` (status 101), then `socket` opens. Once. */
  accept(options?: UpgradeWebSocketOptions): { socket: TsgiWebSocket; response: Response };
}

/** Thrown by {@link upgradeWebSocket} when this request cannot be upgraded (SPEC 7.3.2). */
export class WebSocketUpgradeError extends Error {
  override readonly name = 'WebSocketUpgradeError';
  /** `unsupported`: the server does not declare `tsgi.websocket`; `not-websocket`: the request is not a handshake. */
  readonly reason: 'unsupported' | 'not-websocket';

  constructor(reason: 'unsupported' | 'not-websocket', message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * Whether `context` carries a WebSocket handshake this server can accept: the cheap test an app
 * makes before {@link upgradeWebSocket}, to answer a plain request otherwise.
 *
 * @example
 * ```ts
 * if (!isWebSocketRequest(context)) return new Response('this URL speaks WebSocket', { status: 426 });
 * ```
 */
export function isWebSocketRequest(context: TsgiContext): boolean {
  return handshakeOf(context) !== undefined;
}

/**
 * Accepts a WebSocket upgrade (Deno's `Deno.upgradeWebSocket(request)`): returns the socket and the
 * response the app must return for the server to send 101. Throws {@link WebSocketUpgradeError} when
 * the server lacks the extension or the request is not a WebSocket handshake, so an app can fall
 * back; refusing is returning any other response (e.g. 403), which the server sends as plain HTTP.
 *
 * @example
 * ```ts
 * export default {
 *   fetch(request, context) {
 *     if (!isWebSocketRequest(context)) return new Response('ws only', { status: 426 });
 *     const { socket, response } = upgradeWebSocket(request, context);
 *     socket.onmessage = (event) => socket.send(event.data); // echo
 *     return response;
 *   },
 * } satisfies TsgiApp;
 * ```
 */
export function upgradeWebSocket(
  request: Request,
  context: TsgiContext,
  options?: UpgradeWebSocketOptions,
): { socket: TsgiWebSocket; response: Response } {
  const handshake = handshakeOf(context);
  if (handshake !== undefined) return handshake.accept(options);
  if (context.server.extensions[TSGI_WEBSOCKET_EXTENSION] === undefined) {
    throw new WebSocketUpgradeError('unsupported', `tsgi: this server (${context.server.software}) does not declare the tsgi.websocket extension; serve the app with serve() or tsgi-appserver`);
  }
  throw new WebSocketUpgradeError('not-websocket', `tsgi: ${request.method} ${request.url} is not a WebSocket handshake (GET with Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Version: 13)`);
}

function handshakeOf(context: TsgiContext): TsgiWebSocketHandshake | undefined {
  return (context as unknown as Record<string, TsgiWebSocketHandshake | undefined>)[TSGI_WEBSOCKET_EXTENSION];
}
