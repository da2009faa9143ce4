// A Hono WebSocket echo on @hono/node-server's own WebSocket helper (built in since 2.0, on `ws`;
// @hono/node-ws is its 1.x predecessor and peers on @hono/node-server 1.x).
import { Hono } from 'hono';
import { serve, upgradeWebSocket } from '@hono/node-server';
import { WebSocketServer } from 'ws';

const app = new Hono();
app.get(
  '/',
  upgradeWebSocket(() => ({
    onMessage(event, ws) {
      ws.send(event.data);
    },
  })),
  (c) => c.text('WebSocket echo'),
);
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: process.env.HOST ?? '127.0.0.1', websocket: { server: new WebSocketServer({ noServer: true }) } });
