/**
 * The live page: a WebSocket chat through the whole chain (tsgi-webserver tunnels the upgrade,
 * tsgi-appserver hands it to the framework, `websocketView` runs this consumer). Every message is
 * echoed to its sender and broadcast to the others connected to the same worker process (a
 * broadcast across workers or machines needs a shared bus such as Redis pub/sub).
 */
import type { TsgiWebSocket } from 'tsgi';
import { render, websocketView, type HttpRequest } from 'tsgi-framework';

const room = new Set<TsgiWebSocket>();

/** The chat page. */
export function chatPage(request: HttpRequest) {
  return render(request, 'showcase/chat.html', {});
}

/** The chat's WebSocket route: `ws/chat/`. */
export const chatSocket = websocketView({
  connect(socket, request) {
    room.add(socket);
    // The handshake went through the middleware: cookies (and the session) are readable here.
    socket.send(JSON.stringify({ from: 'server', text: `welcome; your visits cookie says ${request.COOKIES.visits ?? 'nothing'}`, online: room.size }));
  },
  receive(socket, data) {
    if (typeof data !== 'string') return socket.close(4000, 'this chat speaks text only');
    socket.send(JSON.stringify({ from: 'you', text: data }));
    for (const other of room) if (other !== socket && other.readyState === other.OPEN) other.send(JSON.stringify({ from: 'other', text: data }));
  },
  disconnect(socket) {
    room.delete(socket);
  },
});
