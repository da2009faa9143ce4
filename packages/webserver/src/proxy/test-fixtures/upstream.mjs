// An upstream HTTP server for the proxy's tests, run as a child process so it can be killed -9.
// Usage: node upstream.mjs [--name NAME] [--socket PATH]; prints {"port":N} or {"socket":PATH} on stdout.
// Routes: /hello, /name, /slow?ms=N, /inflight (requests in flight, this one excluded),
// /headers (the raw request headers as JSON), /sha256 (sha256 and length of the request body),
// /bytes?n=N (N pseudo-random bytes, generated on the fly, sha256 in the trailer-free header
// x-sha256 is not possible up front, so the client hashes and compares with /bytes-sha256?n=N),
// /sse?n=N&ms=M (N events, M ms apart, X-Accel-Buffering: no), /status?code=N, /hang.
import { createServer } from 'node:http';
import { createHash } from 'node:crypto';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const name = opt('--name') ?? 'upstream';
const socketPath = opt('--socket');
let inflight = 0;

/** Deterministic bytes: block i of 64 KiB is filled from a counter, so both sides can hash the same stream. */
function block(i, size) {
  const b = Buffer.allocUnsafe(size);
  let x = (i * 2654435761) >>> 0;
  for (let j = 0; j + 4 <= size; j += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b.writeUInt32LE(x, j);
  }
  for (let j = size - (size % 4); j < size; j++) b[j] = j & 0xff;
  return b;
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const q = (k, d) => Number(url.searchParams.get(k) ?? d);
  inflight++;
  let counted = true;
  const done = () => {
    if (counted) {
      counted = false;
      inflight--;
    }
  };
  res.on('finish', done);
  res.on('close', done);
  res.setHeader('x-upstream', name);
  switch (url.pathname) {
    case '/hello':
      req.resume();
      res.end(`hello from ${name}\n`);
      return;
    case '/inflight':
      req.resume();
      res.end(String(inflight - 1));
      return;
    case '/headers':
      req.resume();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, method: req.method, rawHeaders: req.rawHeaders }));
      return;
    case '/slow':
      req.resume();
      setTimeout(() => res.end('slow\n'), q('ms', 1000));
      return;
    case '/hang':
      req.resume();
      return;
    case '/status':
      req.resume();
      res.statusCode = q('code', 200);
      res.end();
      return;
    case '/sha256': {
      const h = createHash('sha256');
      let n = 0;
      req.on('data', (c) => {
        h.update(c);
        n += c.length;
      });
      req.on('end', () => res.end(JSON.stringify({ sha256: h.digest('hex'), length: n })));
      return;
    }
    case '/bytes-sha256': {
      req.resume();
      const n = q('n', 0);
      const h = createHash('sha256');
      for (let i = 0, left = n; left > 0; i++, left -= 65536) h.update(block(i, Math.min(65536, left)));
      res.end(h.digest('hex'));
      return;
    }
    case '/bytes': {
      req.resume();
      const n = q('n', 0);
      if (url.searchParams.get('chunked') !== '1') res.setHeader('content-length', n);
      let i = 0;
      let left = n;
      const pump = () => {
        while (left > 0) {
          const size = Math.min(65536, left);
          left -= size;
          if (!res.write(block(i++, size))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    case '/sse': {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-accel-buffering': 'no' });
      let k = 0;
      const n = q('n', 3);
      const t = setInterval(() => {
        res.write(`data: ${k++}\n\n`);
        if (k >= n) {
          clearInterval(t);
          res.end();
        }
      }, q('ms', 200));
      res.on('close', () => clearInterval(t));
      return;
    }
    default:
      req.resume();
      res.statusCode = 404;
      res.end('not found\n');
  }
});
server.keepAliveTimeout = 30000;
if (socketPath) server.listen(socketPath, () => console.log(JSON.stringify({ socket: socketPath })));
else server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
