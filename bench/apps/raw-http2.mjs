// Anchor of the TLS rows over HTTP/2: node:http2's stream API (no compatibility layer: no
// 'request' listener, so node makes no Http2ServerRequest/Response) sending one 1 KiB buffer
// from memory (CERT, KEY: PEM files; PORT). HTTP/2 only, as node's own fastest h2 server.
import { readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import { randomBytes } from 'node:crypto';

const body = randomBytes(1024);
const server = createSecureServer({ cert: readFileSync(process.env.CERT), key: readFileSync(process.env.KEY) });
server.on('stream', (stream) => {
  stream.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'content-length': body.length });
  stream.end(body);
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
