// The ceiling of the static 1 KiB row (issue 17): node:http answering with the fields nginx and
// tsgi-webserver send for a static file (Server, Content-Type, Content-Length, Last-Modified,
// ETag, Accept-Ranges; node adds Date and the keep-alive fields), one 1 KiB buffer from memory,
// no path lookup, no conditional or range handling (PORT). raw-node.mjs sends 13 bytes.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';

const body = randomBytes(1024);
const lastModified = new Date().toUTCString();
const head = ['Server', 'raw-node', 'Content-Type', 'application/octet-stream', 'Content-Length', String(body.length), 'Last-Modified', lastModified, 'ETag', '"6b15e655-400"', 'Accept-Ranges', 'bytes'];
const server = createServer((req, res) => {
  res.writeHead(200, head);
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
