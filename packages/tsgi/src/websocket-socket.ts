/**
 * The socket an app gets from `upgradeWebSocket()`: the WHATWG `WebSocket` API (readyState,
 * send, close, on* handlers, addEventListener, binaryType, bufferedAmount) over a `ws`
 * WebSocket the server attaches once it has sent 101. Internal; apps see {@link TsgiWebSocket}.
 * @module
 */
import type { WebSocket as WsSocket } from 'ws';
import type { TsgiCloseEvent, TsgiWebSocket } from './websocket.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** Node 20 has no global `CloseEvent` (it came in Node 23). */
class WebSocketCloseEvent extends Event implements TsgiCloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(code: number, reason: string, wasClean: boolean) {
    super('close');
    this.code = code;
    this.reason = reason;
    this.wasClean = wasClean;
  }
}

type Handler = ((event: never) => void) | null;
const HANDLER_TYPES = ['open', 'message', 'close', 'error'] as const;

/** The server's end of what the socket reports: bytes sent, and how it ended. */
export interface SocketOwner {
  /** The socket closed: `clean` when the closing handshake completed. */
  ended(clean: boolean, reason: unknown): void;
  /** The app queued more than the server allows to a slow client. */
  overBuffered(): boolean;
}

/** The app's WebSocket. Internal: built by the handshake, opened by the server after 101. */
export class ServerWebSocket extends EventTarget implements TsgiWebSocket {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;
  // The on<type> handlers are accessors on the prototype (defined below the class).
  declare onopen: ((event: Event) => void) | null;
  declare onmessage: ((event: MessageEvent) => void) | null;
  declare onclose: ((event: TsgiCloseEvent) => void) | null;
  declare onerror: ((event: Event) => void) | null;

  readonly url: string;
  readonly protocol: string;
  readonly extensions = '';
  /** Payload bytes of the messages sent (SPEC 7.3.8: `completed.bytesWritten`). */
  sentBytes = 0;
  #binaryType: 'arraybuffer' | 'blob' = 'arraybuffer';
  #readyState = CONNECTING;
  #ws: WsSocket | undefined = undefined;
  #owner: SocketOwner | undefined = undefined;
  /** Close asked for by the app before the socket opened: sent right after 101. */
  #pendingClose: [number | undefined, string | undefined] | undefined = undefined;

  constructor(url: string, protocol: string) {
    super();
    this.url = url;
    this.protocol = protocol;
  }

  get readyState(): number {
    return this.#readyState;
  }

  get binaryType(): 'arraybuffer' | 'blob' {
    return this.#binaryType;
  }
  set binaryType(type: 'arraybuffer' | 'blob') {
    if (type !== 'arraybuffer' && type !== 'blob') return; // WHATWG: other values are ignored
    this.#binaryType = type;
  }

  get bufferedAmount(): number {
    return this.#ws?.bufferedAmount ?? 0;
  }

  /** Sends a message; WHATWG: throws while CONNECTING, silently drops once closing. */
  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.#readyState === CONNECTING) throw new DOMException('tsgi: WebSocket is not open yet: send after the open event', 'InvalidStateError');
    const ws = this.#ws;
    if (this.#readyState !== OPEN || ws === undefined) return;
    let payload: string | Buffer;
    let bytes: number;
    if (typeof data === 'string') {
      payload = data;
      bytes = Buffer.byteLength(data);
    } else if (ArrayBuffer.isView(data)) {
      payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      bytes = data.byteLength;
    } else if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer)) {
      payload = Buffer.from(data);
      bytes = data.byteLength;
    } else {
      throw new TypeError('tsgi: WebSocket send() takes a string, an ArrayBuffer or an ArrayBufferView');
    }
    this.sentBytes += bytes;
    ws.send(payload, { binary: typeof payload !== 'string' });
    if (ws.bufferedAmount > 0 && this.#owner?.overBuffered() === true) ws.terminate();
  }

  /** Starts the closing handshake (RFC 6455 section 7.1.2); codes and reason as WHATWG allows. */
  close(code?: number, reason?: string): void {
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw new DOMException(`tsgi: close code must be 1000 or 3000-4999, got ${String(code)}`, 'InvalidAccessError');
    }
    if (reason !== undefined && Buffer.byteLength(reason) > 123) {
      throw new DOMException('tsgi: close reason must be at most 123 UTF-8 bytes', 'SyntaxError');
    }
    this.serverClose(code, reason);
  }

  /** close() without the WHATWG limits on the code: the server may send 1001 (going away). */
  serverClose(code: number | undefined, reason: string | undefined): void {
    if (this.#readyState === CLOSING || this.#readyState === CLOSED) return;
    if (this.#ws === undefined) {
      this.#pendingClose = [code, reason];
      this.#readyState = CLOSING;
      return;
    }
    this.#readyState = CLOSING;
    this.#ws.close(code, reason);
  }

  /** Drops the connection without a closing handshake (dead peer, buffer over the limit). */
  terminate(): void {
    this.#ws?.terminate();
  }

  /** The server sent 101: from now on the socket speaks `ws`. */
  attach(ws: WsSocket, owner: SocketOwner): void {
    this.#ws = ws;
    this.#owner = owner;
    ws.on('message', (data: Buffer, isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on('close', (code: number, reason: Buffer) => this.#onClose(code, reason.toString()));
    // Protocol errors (a message over the limit, bad UTF-8, an unmasked frame): ws closes with the
    // matching code (1009, 1007, 1002) and the close event carries it; nothing to add here.
    ws.on('error', () => {});
    const pending = this.#pendingClose;
    if (pending !== undefined) {
      ws.close(pending[0], pending[1]);
      return;
    }
    this.#readyState = OPEN;
    this.dispatchEvent(new Event('open'));
  }

  /** The handshake never completed (the app answered otherwise, or the client left first). */
  fail(): void {
    if (this.#readyState === CLOSED) return;
    this.#readyState = CLOSED;
    this.dispatchEvent(new Event('error'));
    this.dispatchEvent(new WebSocketCloseEvent(1006, '', false));
  }

  /** The socket's write buffer emptied: the app may send again. */
  drained(): void {
    if (this.#readyState === OPEN) this.dispatchEvent(new Event('drain'));
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    let value: string | ArrayBuffer | Blob;
    if (!isBinary) value = data.toString('utf8');
    else if (this.#binaryType === 'blob') value = new Blob([new Uint8Array(data)]);
    else value = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    this.dispatchEvent(new MessageEvent('message', { data: value }));
  }

  #onClose(code: number, reason: string): void {
    this.#readyState = CLOSED;
    const clean = code !== 1006;
    if (!clean) this.dispatchEvent(new Event('error'));
    this.dispatchEvent(new WebSocketCloseEvent(code, reason, clean));
    this.#owner?.ended(clean, undefined);
  }
}

for (const [name, value] of [['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSING', CLOSING], ['CLOSED', CLOSED]] as const) {
  Object.defineProperty(ServerWebSocket.prototype, name, { value, enumerable: true });
}

// The on<type> event handler attributes (HTML's "event handler IDL attributes"): one handler per
// type, called from a listener added when the first handler is set, so it keeps its place among
// the listeners.
for (const type of HANDLER_TYPES) {
  Object.defineProperty(ServerWebSocket.prototype, `on${type}`, {
    get(this: ServerWebSocket) {
      return handlers(this).get(type) ?? null;
    },
    set(this: ServerWebSocket, handler: Handler) {
      const map = handlers(this);
      if (!map.has(type)) {
        this.addEventListener(type, (event) => {
          const current = map.get(type);
          if (typeof current === 'function') (current as (e: Event) => void).call(this, event);
        });
      }
      map.set(type, typeof handler === 'function' ? handler : null);
    },
    enumerable: true,
  });
}

const handlerMaps = new WeakMap<ServerWebSocket, Map<string, Handler>>();
function handlers(socket: ServerWebSocket): Map<string, Handler> {
  let map = handlerMaps.get(socket);
  if (map === undefined) handlerMaps.set(socket, (map = new Map()));
  return map;
}
