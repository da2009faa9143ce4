// The ceiling for any server whose app answers a standard Response: raw node:http that also
// constructs one per request (and writes the same bytes without reading it).
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const response = new Response('Hello, World!', { headers: { 'content-type': 'text/plain' } });
  res.writeHead(response.status, { 'content-type': 'text/plain' });
  res.end('Hello, World!');
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
