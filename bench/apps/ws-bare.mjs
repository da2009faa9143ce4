// Anchor of the websocket group: the bare `ws` package echoing on node:http, with ws's defaults
// (no permessage-deflate, UTF-8 validated), the fastest a Node WebSocket echo is here.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('WebSocket echo');
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
