import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { WebServer } from './web-server.js';
import { makeCert } from '../testing/certs.js';
import { startFromText } from '../testing/helpers.js';
import { freePort, tempDir, waitFor } from 'tsgi-test-support';

const run = promisify(execFile);

function certNameFor(port: number, servername: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...(servername ? { servername } : {}), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.end();
      resolve(String(cn));
    });
    socket.on('error', reject);
  });
}

async function curl(args: string[]): Promise<{ status: string; version: string; body: string }> {
  const { stdout } = await run('curl', ['-sk', '--max-time', '20', '-w', '\n%{http_code} %{http_version}', ...args], { timeout: 30_000 });
  const lines = stdout.split('\n');
  const [status, version] = lines.pop()!.split(' ');
  return { status: status!, version: version!, body: lines.join('\n') };
}

describe('TLS, SNI, HTTP/2 with HTTP/1.1 fallback, http -> https', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let server: WebServer;
  let tlsPort: number;
  let h1TlsPort: number;
  let plainPort: number;

  before(async () => {
    tmp = await tempDir();
    const a = await makeCert(tmp.dir, 'a.test');
    const b = await makeCert(tmp.dir, 'b.test');
    await writeFile(join(tmp.dir, 'index.html'), 'over tls\n');
    // Pick free ports so several servers can share one socket.
    const p1 = await freePort();
    const p2 = await freePort();
    server = await startFromText(`access_log = "${join(tmp.dir, 'access.log')}"
[[server]]
listen = ["127.0.0.1:${p1} ssl http2", "127.0.0.1:${p2} ssl"]
server_name = ["a.test"]
ssl_certificate = "${a.cert}"
ssl_certificate_key = "${a.key}"
root = "${tmp.dir}"

[[server]]
listen = ["127.0.0.1:${p1} ssl http2"]
server_name = ["b.test"]
ssl_certificate = "${b.cert}"
ssl_certificate_key = "${b.key}"
  [[server.location]]
  path = "/"
  return = "200 this is b"

[[server]]
listen = "127.0.0.1:0"
server_name = ["a.test"]
return = "301 https://$host:${p1}$request_uri"
`);
    const addrs = server.addresses();
    tlsPort = addrs.find((x) => x.http2)!.port!;
    h1TlsPort = addrs.find((x) => x.ssl && !x.http2)!.port!;
    plainPort = addrs.find((x) => !x.ssl)!.port!;
  });
  after(async () => {
    await server?.close();
    await tmp.cleanup();
  });

  it('chooses the certificate by SNI, the default server\'s without a match', async () => {
    assert.equal(await certNameFor(tlsPort, 'a.test'), 'a.test');
    assert.equal(await certNameFor(tlsPort, 'b.test'), 'b.test');
    assert.equal(await certNameFor(tlsPort, 'c.test'), 'a.test');
    assert.equal(await certNameFor(tlsPort, undefined), 'a.test');
  });

  it('speaks HTTP/2 and HTTP/1.1 on the same port (ALPN) and routes by :authority', async () => {
    const h2 = await curl(['--http2', '--resolve', `a.test:${tlsPort}:127.0.0.1`, `https://a.test:${tlsPort}/`]);
    assert.deepEqual([h2.status, h2.version, h2.body], ['200', '2', 'over tls\n']);
    const h1 = await curl(['--http1.1', '--resolve', `a.test:${tlsPort}:127.0.0.1`, `https://a.test:${tlsPort}/`]);
    assert.deepEqual([h1.status, h1.version, h1.body], ['200', '1.1', 'over tls\n']);
    const b = await curl(['--http2', '--resolve', `b.test:${tlsPort}:127.0.0.1`, `https://b.test:${tlsPort}/x`]);
    assert.deepEqual([b.status, b.version, b.body], ['200', '2', 'this is b']);
    server.accessLog.sink.flush();
    // The sink's write reaches the file a moment later: wait for the third of the three lines.
    const log = await waitFor(async () => {
      const text = await readFile(join(tmp.dir, 'access.log'), 'utf8');
      return /"GET \/x HTTP\/2\.0"/.test(text) && text;
    }, { what: 'the access log lines' });
    assert.match(log, /"GET \/ HTTP\/2\.0" 200 9 /);
    assert.match(log, /"GET \/ HTTP\/1\.1" 200 9 /);
    assert.match(log, /"GET \/x HTTP\/2\.0" 200 9 /);
  });

  it('serves HTTPS without http2 on its own port', async () => {
    const r = await curl(['--http2', '--resolve', `a.test:${h1TlsPort}:127.0.0.1`, `https://a.test:${h1TlsPort}/`]);
    assert.deepEqual([r.status, r.version], ['200', '1.1']);
  });

  it('redirects http to https', async () => {
    const r = await curl(['-o', '/dev/null', '-w', '%{redirect_url}\n', '-H', 'Host: a.test', `http://127.0.0.1:${plainPort}/page?q=1`]);
    assert.match(r.body, new RegExp(`^https://a\\.test:${tlsPort}/page\\?q=1`));
  });

  it('404s and 400s over HTTP/2 as well', async () => {
    const r = await curl(['--http2', '--resolve', `a.test:${tlsPort}:127.0.0.1`, `https://a.test:${tlsPort}/missing`]);
    assert.deepEqual([r.status, r.version], ['404', '2']);
  });
});

describe('limits on an HTTP/2 port', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let server: WebServer;
  let port: number;
  before(async () => {
    tmp = await tempDir();
    const a = await makeCert(tmp.dir, 'a.test');
    server = await startFromText(`client_header_timeout = "1s"
[[server]]
listen = "127.0.0.1:0 ssl http2"
ssl_certificate = "${a.cert}"
ssl_certificate_key = "${a.key}"
  [[server.location]]
  path = "/"
  return = "200 ok"
`);
    port = server.addresses()[0]!.port!;
  });
  after(async () => {
    await server.close();
    await tmp.cleanup();
  });

  it('408 for a slowloris client on the HTTP/1.1 fallback', async () => {
    const started = Date.now();
    const { data, elapsed } = await new Promise<{ data: string; elapsed: number }>((resolve, reject) => {
      let data = '';
      const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => socket.write('GET / HTTP/1.1\r\nHost: a.test\r\n'));
      const drip = setInterval(() => socket.writable && socket.write('X-A: 1\r\n'), 200);
      socket.on('data', (c) => (data += c.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(drip);
        resolve({ data, elapsed: Date.now() - started });
      });
      setTimeout(() => {
        clearInterval(drip);
        socket.destroy();
        reject(new Error('the server kept the slow connection open'));
      }, 15_000).unref();
    });
    assert.match(data, /^HTTP\/1\.1 408 /);
    assert.ok(elapsed >= 900, `closed after ${elapsed} ms`);
  });

  it('431 for an over-long header over HTTP/2 and over the HTTP/1.1 fallback', async () => {
    const big = `X-Big: ${'b'.repeat(9000)}`;
    const h2 = await curl(['--http2', '-o', '/dev/null', '-H', big, `https://127.0.0.1:${port}/`]);
    assert.deepEqual([h2.status, h2.version], ['431', '2']);
    const h1 = await curl(['--http1.1', '-o', '/dev/null', '-H', big, `https://127.0.0.1:${port}/`]);
    assert.deepEqual([h1.status, h1.version], ['431', '1.1']);
  });
});

describe('proxying HTTP/2 requests', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let upstream: Server;
  let server: WebServer;
  let port: number;
  before(async () => {
    tmp = await tempDir();
    const a = await makeCert(tmp.dir, 'a.test');
    await writeFile(join(tmp.dir, 'big.txt'), 'z'.repeat(20_000));
    upstream = createServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(`${req.method} ${req.url} ${n}`));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    server = await startFromText(`client_max_body_size = "10k"
[[server]]
listen = "127.0.0.1:0 ssl http2"
ssl_certificate = "${a.cert}"
ssl_certificate_key = "${a.key}"
  [[server.location]]
  path = "/"
  proxy_pass = "http://127.0.0.1:${(upstream.address() as { port: number }).port}"
`);
    port = server.addresses()[0]!.port!;
  });
  after(async () => {
    await server.close();
    await new Promise((r) => upstream.close(r));
    await tmp.cleanup();
  });

  it('passes h2 requests with bodies to an HTTP/1.1 upstream', async () => {
    const r = await curl(['--http2', '--data-binary', 'hello', `https://127.0.0.1:${port}/p?q=1`]);
    assert.deepEqual([r.status, r.version, r.body], ['200', '2', 'POST /p?q=1 5']);
  });

  it('413 for an h2 body without Content-Length that grows past client_max_body_size', async () => {
    const r = await curl(['--http2', '-H', 'Transfer-Encoding: chunked', '--data-binary', `@${join(tmp.dir, 'big.txt')}`, `https://127.0.0.1:${port}/up`]);
    assert.deepEqual([r.status, r.version], ['413', '2']);
  });
});
