/**
 * WebSocket routes (Django Channels' consumers, on TSGI's `tsgi.websocket` extension, SPEC 7.3):
 * `path('ws/echo/', websocketView(consumer))` beside ordinary views. The handshake is a request
 * like any other, so host validation, sessions and authentication middleware run on it (CSRF
 * does not: a handshake is a GET); the origin check Channels' `AllowedHostsOriginValidator` does
 * is built in, because browsers send cookies with cross-site handshakes and CORS does not apply.
 * @module
 */
import { isWebSocketRequest, upgradeWebSocket, type TsgiCloseEvent, type TsgiWebSocket } from 'tsgi';
import { splitDomainPort } from '../http/host.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponse } from '../http/response.js';
import { PermissionDenied } from '../core/exceptions.js';
import type { RouteParams, View } from '../core/types.js';

/** What a WebSocket route does: each hook is optional. */
export interface WebSocketConsumer<P extends RouteParams = RouteParams> {
  /** The socket opened (after the 101). */
  connect?(socket: TsgiWebSocket, request: HttpRequest<P>): void | Promise<void>;
  /** One message: a `string` (text) or an `ArrayBuffer` (binary). */
  receive?(socket: TsgiWebSocket, data: string | ArrayBuffer, request: HttpRequest<P>): void | Promise<void>;
  /** The socket closed (`event.code`: the peer's code, 1006 when the connection dropped). */
  disconnect?(socket: TsgiWebSocket, event: TsgiCloseEvent, request: HttpRequest<P>): void | Promise<void>;
}

/** Options of {@link websocketView}. */
export interface WebSocketViewOptions {
  /** Subprotocols this route speaks, preferred first; the first the client offers is chosen. */
  readonly protocols?: readonly string[];
  /**
   * Refuse (403) a handshake whose `Origin` is neither this site nor in CSRF_TRUSTED_ORIGINS.
   * Default true. A handshake without `Origin` (not from a browser) passes.
   */
  readonly checkOrigin?: boolean;
}

/**
 * A view that accepts WebSocket handshakes and runs `consumer` on the socket. A plain request to
 * it gets 426 Upgrade Required; a handshake from a foreign origin gets 403.
 *
 * @example
 * ```ts
 * export const echo = websocketView({
 *   receive(socket, data) { socket.send(data); },
 * });
 * export const urlpatterns = [path('ws/echo/', echo, { name: 'echo' })];
 * ```
 */
export function websocketView<P extends RouteParams = RouteParams>(consumer: WebSocketConsumer<P>, options: WebSocketViewOptions = {}): View<P> {
  const view = (request: HttpRequest<P>) => {
    if (!isWebSocketRequest(request.context)) {
      return new HttpResponse('This URL speaks WebSocket.\n', { status: 426, contentType: 'text/plain' });
    }
    const origin = request.header('origin');
    if (origin !== null && (options.checkOrigin ?? true) && !originAllowed(request, origin)) {
      throw new PermissionDenied(`WebSocket handshake from a foreign origin refused: ${origin}`);
    }
    const offered = new Set((request.header('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim()));
    const protocol = options.protocols?.find((p) => offered.has(p));
    const { socket, response } = upgradeWebSocket(request.raw, request.context, protocol === undefined ? {} : { protocol });
    const log = request.context.log;
    const run = (what: string, call: () => void | Promise<void>) => {
      try {
        void Promise.resolve(call()).catch((error: unknown) => log.error(`WebSocket consumer ${what} failed: ${request.path}`, error));
      } catch (error) {
        log.error(`WebSocket consumer ${what} failed: ${request.path}`, error);
      }
    };
    const { connect, receive, disconnect } = consumer;
    if (connect) socket.addEventListener('open', () => run('connect', () => connect.call(consumer, socket, request)));
    if (receive) socket.addEventListener('message', (event) => run('receive', () => receive.call(consumer, socket, (event as MessageEvent).data as string | ArrayBuffer, request)));
    if (disconnect) socket.addEventListener('close', (event) => run('disconnect', () => disconnect.call(consumer, socket, event as TsgiCloseEvent, request)));
    return response;
  };
  return view as View<P>;
}

/** This site's own origin, or one of CSRF_TRUSTED_ORIGINS (`https://*.example.com` wildcards too). */
function originAllowed(request: HttpRequest, origin: string): boolean {
  const lower = origin.toLowerCase();
  // A wss: handshake from an https page, ws: from http: the page's scheme is the request's.
  if (lower === `${request.scheme}://${request.getHost()}`.toLowerCase()) return true;
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]+)$/.exec(lower);
  if (!m) return false;
  const [host] = splitDomainPort(m[2] as string);
  for (const trusted of request.settings.CSRF_TRUSTED_ORIGINS) {
    const t = trusted.toLowerCase();
    if (t === lower) return true;
    const w = /^([a-z][a-z0-9+.-]*):\/\/\*(\..+)$/.exec(t);
    if (w && w[1] === m[1] && (host.endsWith(w[2] as string) || `.${host}` === w[2])) return true;
  }
  return false;
}
