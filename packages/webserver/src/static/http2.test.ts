/**
 * The handler on node:http2's compatibility API (h2c and TLS): the same answers as over
 * HTTP/1.1, lower-case header names, streamed large files, ranges and revalidation.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createStaticHandler } from './handler.js';
import { makeTree, type Tree } from './test-support/fixture.js';

const BIG = randomBytes(2 * 1024 * 1024 + 3);

function h2get(client: http2.ClientHttp2Session, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ headers: http2.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = client.request({ ':path': path, ...headers });
    const chunks: Buffer[] = [];
    let head: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => (head = h));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ headers: head, body: Buffer.concat(chunks) }));
    req.on('error', reject);
    req.end();
  });
}

describe('static handler on http2 (compatibility API)', () => {
  let tree: Tree;
  let server: http2.Http2Server;
  let client: http2.ClientHttp2Session;
  before(async () => {
    tree = await makeTree({ 'index.html': '<p>h2</p>\n', 'big.bin': BIG, 'style.css': 'p { color: red }\n'.repeat(100) });
    const handler = createStaticHandler({ root: tree.root, compress: true, expires: 60 });
    server = http2.createServer((req, res) => {
      handler(req, res).then((ok) => {
        if (!ok) res.writeHead(404).end();
      }, () => res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    client = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(async () => {
    client?.close();
    await new Promise((r) => server?.close(r));
    await tree?.remove();
  });

  it('serves a small file with validators and caching headers', async () => {
    const r = await h2get(client, '/');
    assert.equal(r.headers[':status'], 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'max-age=60');
    assert.ok(typeof r.headers.etag === 'string');
    assert.equal(r.body.toString(), '<p>h2</p>\n');
    const nm = await h2get(client, '/', { 'if-none-match': r.headers.etag as string });
    assert.equal(nm.headers[':status'], 304);
    assert.equal(nm.body.length, 0);
  });

  it('streams a large file and a range', async () => {
    const full = await h2get(client, '/big.bin');
    assert.ok(full.body.equals(BIG));
    const part = await h2get(client, '/big.bin', { range: 'bytes=1048576-1048675' });
    assert.equal(part.headers[':status'], 206);
    assert.equal(part.headers['content-range'], `bytes 1048576-1048675/${BIG.length}`);
    assert.ok(part.body.equals(BIG.subarray(1048576, 1048676)));
    const multi = await h2get(client, '/big.bin', { range: 'bytes=0-9,-10' });
    assert.equal(multi.headers[':status'], 206);
    assert.match(String(multi.headers['content-type']), /^multipart\/byteranges/);
    assert.equal(multi.body.length, Number(multi.headers['content-length']));
  });

  it('compresses on the fly and answers 405 and 400', async () => {
    const g = await h2get(client, '/style.css', { 'accept-encoding': 'gzip' });
    assert.equal(g.headers['content-encoding'], 'gzip');
    assert.equal(g.headers.vary, 'Accept-Encoding');
    const post = await h2get(client, '/style.css', { ':method': 'POST' });
    assert.equal(post.headers[':status'], 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    const bad = await h2get(client, '/%2e%2e/x');
    assert.equal(bad.headers[':status'], 400);
  });

  it('survives streams reset mid-transfer', async () => {
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve) => {
        const req = client.request({ ':path': '/big.bin' });
        req.once('data', () => {
          req.close(http2.constants.NGHTTP2_CANCEL);
        });
        req.once('close', () => resolve());
        req.once('error', () => resolve());
        req.end();
      });
    }
    const full = await h2get(client, '/big.bin');
    assert.ok(full.body.equals(BIG));
  });
});
