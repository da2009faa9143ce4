/**
 * HTTP/2 on the stream API (h2-streams.ts): a cached file answered with `stream.respond`
 * carries the same status, headers and bytes as the compatibility path gives, HEAD, 304,
 * ranges and large files still work, resets mid-body leave nothing behind, and requests the
 * stream path declines (a body, add_header) are answered by the compatibility path once.
 * Over node's http2 client and curl --http2.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { tempDir, waitFor } from 'tsgi-test-support';
import { makeCert } from '../testing/certs.js';
import { END_STREAM } from './request-handler.js';
import { startFromText } from '../testing/helpers.js';
import type { WebServer } from './web-server.js';

const run = promisify(execFile);
const SMALL = randomBytes(1024);
const BIG = randomBytes(3 * 1024 * 1024 + 7);

interface Reply {
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

function h2request(client: http2.ClientHttp2Session, path: string, headers: http2.OutgoingHttpHeaders = {}, body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':path': path, ...headers }, { endStream: body === undefined });
    const chunks: Buffer[] = [];
    let head: http2.IncomingHttpHeaders = {};
    req.setTimeout(20_000, () => req.close(http2.constants.NGHTTP2_CANCEL));
    req.on('response', (h) => (head = h));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ headers: head, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
  });
}

/** Response headers that do not change between two answers (all but date). */
function stable(h: http2.IncomingHttpHeaders): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(h).sort()) if (k !== 'date') out[k] = h[k];
  return out;
}

async function curl(args: string[]): Promise<{ status: string; version: string; body: string }> {
  try {
    const { stdout } = await run('curl', ['-sk', '--http2', '--max-time', '20', '-w', '\n%{http_code} %{http_version}', ...args], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024, encoding: 'latin1' });
    const lines = stdout.split('\n');
    const [status, version] = lines.pop()!.split(' ');
    return { status: status!, version: version!, body: lines.join('\n') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') assert.fail('curl is not installed (Debian package curl)');
    throw err;
  }
}

// request-handler.ts writes nghttp2's flag out (so a plain-HTTP worker does not load node:http2).
it("END_STREAM is nghttp2's NGHTTP2_FLAG_END_STREAM", () => {
  assert.equal(END_STREAM, http2.constants.NGHTTP2_FLAG_END_STREAM);
});

describe('HTTP/2 on the stream API', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let server: WebServer;
  let port: number;
  let client: http2.ClientHttp2Session;
  /** Responses the compatibility API wrote (counted on its class while the tests run). */
  let compatHeads = 0;
  const writeHead = http2.Http2ServerResponse.prototype.writeHead;

  before(async () => {
    tmp = await tempDir();
    const cert = await makeCert(tmp.dir, 'localhost');
    const www = join(tmp.dir, 'www');
    await run('mkdir', ['-p', join(www, 'tagged')]);
    await writeFile(join(www, 'small.bin'), SMALL);
    await writeFile(join(www, 'big.bin'), BIG);
    await writeFile(join(www, 'tagged', 'a.txt'), 'tagged\n');
    server = await startFromText(`access_log = "${join(tmp.dir, 'access.log')}"
[[server]]
listen = "127.0.0.1:0 ssl http2"
ssl_certificate = "${cert.cert}"
ssl_certificate_key = "${cert.key}"
root = "${www}"
  [[server.location]]
  path = "/tagged/"
  add_header = { X-Tag = "yes" }
`);
    port = server.addresses()[0]!.port!;
    http2.Http2ServerResponse.prototype.writeHead = function (this: http2.Http2ServerResponse, ...args: unknown[]) {
      compatHeads++;
      return (writeHead as (...a: unknown[]) => http2.Http2ServerResponse).apply(this, args);
    } as typeof writeHead;
    client = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  });
  after(async () => {
    http2.Http2ServerResponse.prototype.writeHead = writeHead;
    client?.close();
    await server?.close();
    await tmp?.cleanup();
  });

  it('answers a cached file on the stream API with the status, headers and bytes of the compatibility path', async () => {
    const before = compatHeads;
    const first = await h2request(client, '/small.bin'); // a cache miss: the compatibility path
    assert.equal(compatHeads, before + 1);
    const second = await h2request(client, '/small.bin'); // a hit: the stream API
    assert.equal(compatHeads, before + 1, 'the cached answer made no compatibility response');
    assert.equal(second.headers[':status'], 200);
    assert.deepEqual(stable(second.headers), stable(first.headers));
    assert.equal(second.headers['content-length'], '1024');
    assert.equal(second.headers['content-type'], 'application/octet-stream');
    assert.equal(second.headers.server, 'tsgi-webserver');
    assert.match(String(second.headers.etag), /^"[0-9a-f]+-400"$/);
    assert.equal(second.headers['accept-ranges'], 'bytes');
    assert.ok(typeof second.headers.date === 'string');
    assert.ok(second.body.equals(SMALL));
    assert.ok(first.body.equals(SMALL));
  });

  it('writes the access log line of a stream-API answer as the compatibility path writes it', async () => {
    const before = compatHeads;
    await h2request(client, '/small.bin?log=1', { 'user-agent': 'h2-test', referer: 'https://r.test/' });
    await h2request(client, '/small.bin?log=2', { 'user-agent': 'h2-test', referer: 'https://r.test/' });
    await h2request(client, '/small.bin?log=3', { ':method': 'HEAD', 'user-agent': 'h2-test' });
    assert.equal(compatHeads, before, 'all three on the stream API (the file was cached by the test before)');
    server.accessLog.sink.flush();
    const log = await waitFor(async () => {
      const text = await readFile(join(tmp.dir, 'access.log'), 'utf8');
      return /log=3/.test(text) && text;
    }, { what: 'the access log lines' });
    const first = log.split('\n').find((l) => l.includes('GET /small.bin HTTP/2.0"') && !l.includes('log='));
    assert.ok(first, 'the compatibility path logged the first request');
    assert.match(log, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/small\.bin\?log=1 HTTP\/2\.0" 200 1024 "https:\/\/r\.test\/" "h2-test"/m);
    assert.match(log, /"GET \/small\.bin\?log=2 HTTP\/2\.0" 200 1024 /);
    assert.match(log, /"HEAD \/small\.bin\?log=3 HTTP\/2\.0" 200 0 /);
    // Field by field the same shape as the compatibility path's line for the same file.
    assert.equal(first.replace(/\[[^\]]+\]/, '[t]').replace(/"[^"]*" "[^"]*"$/, ''), log.split('\n').find((l) => l.includes('log=2'))!.replace(/\[[^\]]+\]/, '[t]').replace('?log=2', '').replace(/"[^"]*" "[^"]*"$/, ''));
  });

  it('answers HEAD with the headers and no body', async () => {
    await h2request(client, '/small.bin');
    const before = compatHeads;
    const head = await h2request(client, '/small.bin', { ':method': 'HEAD' });
    assert.equal(compatHeads, before);
    assert.equal(head.headers[':status'], 200);
    assert.equal(head.headers['content-length'], '1024');
    assert.equal(head.body.length, 0);
  });

  it('revalidates (304) and slices ranges as over HTTP/1.1', async () => {
    const { headers } = await h2request(client, '/small.bin');
    const nm = await h2request(client, '/small.bin', { 'if-none-match': headers.etag as string });
    assert.equal(nm.headers[':status'], 304);
    assert.equal(nm.headers.etag, headers.etag);
    assert.equal(nm.body.length, 0);
    const ims = await h2request(client, '/small.bin', { 'if-modified-since': headers['last-modified'] as string });
    assert.equal(ims.headers[':status'], 304);
    const part = await h2request(client, '/small.bin', { range: 'bytes=10-19' });
    assert.equal(part.headers[':status'], 206);
    assert.equal(part.headers['content-range'], 'bytes 10-19/1024');
    assert.ok(part.body.equals(SMALL.subarray(10, 20)));
    const multi = await h2request(client, '/big.bin', { range: 'bytes=0-9,-10' });
    assert.equal(multi.headers[':status'], 206);
    assert.match(String(multi.headers['content-type']), /^multipart\/byteranges; boundary=/);
    assert.equal(multi.body.length, Number(multi.headers['content-length']));
    const none = await h2request(client, '/small.bin', { range: 'bytes=5000-' });
    assert.equal(none.headers[':status'], 416);
  });

  it('streams a large file whole', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await h2request(client, '/big.bin');
      assert.equal(r.headers[':status'], 200);
      assert.equal(r.headers['content-length'], String(BIG.length));
      assert.ok(r.body.equals(BIG), `response ${i}`);
    }
  });

  it('leaves the compatibility path the requests it declines: a body (405), add_header, a missing file (404), Expect (405 after 100-continue, 417)', async () => {
    await h2request(client, '/tagged/a.txt');
    const tagged = await h2request(client, '/tagged/a.txt');
    assert.equal(tagged.headers[':status'], 200);
    assert.equal(tagged.headers['x-tag'], 'yes');
    assert.equal(tagged.body.toString(), 'tagged\n');
    const post = await h2request(client, '/small.bin', { ':method': 'POST' }, Buffer.from('x'));
    assert.equal(post.headers[':status'], 405);
    const missing = await h2request(client, '/nothing-here');
    assert.equal(missing.headers[':status'], 404);
    // Expect: 100-continue takes node's own route through 'checkContinue' (the server's 413 check
    // first, then the 405 of the file server), as before the stream path existed.
    const expect = await h2request(client, '/small.bin', { ':method': 'POST', expect: '100-continue' }, Buffer.from('x'));
    assert.equal(expect.headers[':status'], 405);
    const odd = await h2request(client, '/small.bin', { expect: 'something-else' });
    assert.equal(odd.headers[':status'], 417, 'an expectation other than 100-continue: 417, as node answers it');
  });

  it('survives clients resetting streams mid-body and before the answer, and counts every request done', async () => {
    const resets = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    try {
      for (let i = 0; i < 20; i++) {
        await new Promise<void>((resolve) => {
          const req = resets.request({ ':path': i % 2 === 0 ? '/big.bin' : '/small.bin' });
          if (i % 2 === 0) req.once('data', () => req.close(http2.constants.NGHTTP2_CANCEL));
          else req.close(http2.constants.NGHTTP2_CANCEL); // before the server answers
          req.on('data', () => {});
          req.once('close', () => resolve());
          req.once('error', () => resolve());
        });
      }
      const r = await h2request(resets, '/big.bin');
      assert.ok(r.body.equals(BIG));
    } finally {
      resets.close();
    }
    // Every request in progress finished: none is left "writing" once the client has gone
    // (the status page's counters; this test's own client is idle).
    await waitFor(() => server.snapshot().writing === 0, { what: 'no request left in progress', timeoutMs: 10_000 });
    const r = await h2request(client, '/small.bin');
    assert.ok(r.body.equals(SMALL));
  });

  it('serves curl --http2 the same bytes, HEAD included', async () => {
    const url = `https://127.0.0.1:${port}/small.bin`;
    const a = await curl([url]);
    const b = await curl([url]);
    assert.deepEqual([a.status, a.version, b.status, b.version], ['200', '2', '200', '2']);
    assert.ok(Buffer.from(b.body, 'latin1').equals(SMALL));
    const head = await curl(['-I', url]);
    assert.equal(head.status, '200');
    assert.match(head.body, /^content-length: 1024\r?$/im);
    assert.match(head.body, /^server: tsgi-webserver\r?$/im);
    const big = await curl([`https://127.0.0.1:${port}/big.bin`]);
    assert.equal(big.status, '200');
    assert.ok(Buffer.from(big.body, 'latin1').equals(BIG));
  });
});
