/**
 * The probe's WebSocket routes (SPEC 7.3), for the S-WS cases: `/websocket?mode=...&id=...`.
 * `echo` accepts (with the last subprotocol the client offered, if any) and echoes every message,
 * text as text and binary as binary; a text message `close <code> <reason>` makes the app close
 * with that code. `refuse` answers 403, `ignore` a plain 200. `/websocket-declared` reports the
 * server's declaration. What the app saw (close code, completion, signal) goes to the observation
 * `<id>.ws`.
 * @module
 */
import type { TsgiContext } from '../types.js';
import { isWebSocketRequest, TSGI_WEBSOCKET_EXTENSION, upgradeWebSocket, type TsgiCloseEvent } from '../websocket.js';
import { observe } from './observations.js';

/** The probe's `/websocket` route. */
export function websocketRoute(request: Request, context: TsgiContext, url: URL, id: string): Response {
  const mode = url.searchParams.get('mode') ?? 'echo';
  observe(`${id}.called`, { mode, handshake: isWebSocketRequest(context) });
  if (mode === 'refuse') return new Response('refused by the probe', { status: 403, headers: { 'content-type': 'text/plain' } });
  if (mode === 'ignore' || !isWebSocketRequest(context)) return new Response('plain answer', { headers: { 'content-type': 'text/plain' } });
  const offered = (context as unknown as Record<string, { protocols: readonly string[] }>)[TSGI_WEBSOCKET_EXTENSION]?.protocols ?? [];
  const protocol = offered.at(-1);
  const { socket, response } = upgradeWebSocket(request, context, protocol === undefined ? {} : { protocol });
  const seen: { opened: boolean; messages: number; close?: { code: number; reason: string; wasClean: boolean }; signalAbortedAtClose?: boolean } = { opened: false, messages: 0 };
  socket.addEventListener('open', () => (seen.opened = true));
  socket.onmessage = (event: MessageEvent) => {
    seen.messages++;
    const data = event.data as string | ArrayBuffer;
    const command = typeof data === 'string' ? /^close (\d{4}) (.*)$/.exec(data) : null;
    if (command !== null) return socket.close(Number(command[1]), command[2]);
    socket.send(data);
  };
  socket.onclose = (event: TsgiCloseEvent) => {
    seen.close = { code: event.code, reason: event.reason, wasClean: event.wasClean };
    seen.signalAbortedAtClose = request.signal.aborted;
  };
  void context.completed.then((completion) => observe(`${id}.ws`, { ...seen, completion, signalAborted: request.signal.aborted, readyState: socket.readyState }));
  response.headers.set('x-probe', 'accepted');
  return response;
}

/** The probe's `/websocket-declared` route: the server's `tsgi.websocket` declaration, or null. */
export function websocketDeclared(context: TsgiContext): Response {
  const value = context.server.extensions[TSGI_WEBSOCKET_EXTENSION] ?? null;
  return new Response(JSON.stringify(value), { headers: { 'content-type': 'application/json' } });
}
