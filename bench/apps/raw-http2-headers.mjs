// The HTTP/2 anchor with the headers a file server sends (issue 18's profile): node:http2's
// stream API answering with the same fields as nginx and tsgi-webserver for a static file
// (Server, Content-Type, Content-Length, Last-Modified, ETag, Accept-Ranges; node adds Date),
// one 1 KiB buffer from memory (CERT, KEY: PEM files; PORT). raw-http2.mjs sends two fields.
import { readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import { randomBytes } from 'node:crypto';

const body = randomBytes(1024);
const lastModified = new Date().toUTCString();
const server = createSecureServer({ cert: readFileSync(process.env.CERT), key: readFileSync(process.env.KEY) });
server.on('stream', (stream) => {
  stream.respond({
    ':status': 200,
    server: 'raw-node',
    'content-type': 'application/octet-stream',
    'content-length': body.length,
    'last-modified': lastModified,
    etag: '"6b15e655-400"',
    'accept-ranges': 'bytes',
  });
  stream.end(body);
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
