// The HTTP/1.1-over-TLS anchor with the headers a file server sends (issue 18's profile):
// node:https answering with the same fields as nginx and tsgi-webserver for a static file
// (Server, Content-Type, Content-Length, Last-Modified, ETag, Accept-Ranges; node adds Date and
// the keep-alive fields), one 1 KiB buffer from memory (CERT, KEY: PEM files; PORT).
// raw-https.mjs sends two fields.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { randomBytes } from 'node:crypto';

const body = randomBytes(1024);
const lastModified = new Date().toUTCString();
const head = ['Server', 'raw-node', 'Content-Type', 'application/octet-stream', 'Content-Length', String(body.length), 'Last-Modified', lastModified, 'ETag', '"6b15e655-400"', 'Accept-Ranges', 'bytes'];
const server = createServer({ cert: readFileSync(process.env.CERT), key: readFileSync(process.env.KEY) }, (req, res) => {
  res.writeHead(200, head);
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
