// A TSGI WebSocket echo through the tsgi.websocket extension (upgradeWebSocket, Deno's shape).
// Exported for tsgi-appserver; serve()s itself when SERVE=1.
import { isWebSocketRequest, serve, upgradeWebSocket } from 'tsgi';

export const application = {
  fetch(request, context) {
    if (!isWebSocketRequest(context)) return new Response('WebSocket echo', { headers: { 'content-type': 'text/plain' } });
    const { socket, response } = upgradeWebSocket(request, context);
    socket.onmessage = (event) => socket.send(event.data);
    return response;
  },
};

if (process.env.SERVE === '1') await serve(application, { host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT) });
