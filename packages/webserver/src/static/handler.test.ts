/**
 * The static handler over real sockets (undici, which neither decompresses nor normalises):
 * media types, methods, index and autoindex, dotfiles, symlink policies, alias, precompressed
 * and on-the-fly compression, caching headers, the open-file cache's invalidation, large files,
 * `try_files`-style pathnames and option validation.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, readlink, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { createStaticHandler, resolveFile } from './handler.js';
import { PROCESS_LIMITS } from './file-entry.js';
import { StaticOptionsError } from './options.js';
import { FIXED_MTIME, makeTree, serveStatic, type RunningStatic, type Tree } from './test-support/fixture.js';
import { rawRequest } from './test-support/raw-http.js';
import { waitFor } from 'tsgi-test-support';

const BIG = randomBytes(3 * 1024 * 1024 + 17);
const TEXT = 'body { color: rgb(1, 2, 3); }\n'.repeat(200);

async function get(url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'POST' = 'GET') {
  const r = await request(url, { method, headers });
  const body = Buffer.from(await r.body.arrayBuffer());
  return { status: r.statusCode, headers: r.headers as Record<string, string | undefined>, body };
}

let tree: Tree;
before(async () => {
  tree = await makeTree(
    {
      'index.html': '<h1>home</h1>\n',
      'a.txt': 'A\n',
      'style.css': TEXT,
      'app.js': 'console.log("identity");\n',
      'app.js.br': 'BROTLI-BYTES',
      'app.js.gz': 'GZIP-BYTES-LONGER',
      'app.3f9a1c2b.js': 'hashed\n',
      'data.json': '{"a":1}\n',
      'pic.png': randomBytes(2000),
      'blob.unknownext': 'x',
      'big.bin': BIG,
      'docs/index.htm': 'HTM\n',
      'docs/index.html': 'HTML\n',
      'list/<img src=x onerror=alert(1)>.txt': 'xss',
      'list/a&b "q".txt': 'amp',
      'list/sub/x.txt': 'x',
      'list/.hidden': 'h',
      'list/empty.txt': '',
      '.secret': 'SECRET\n',
    },
    { 'link-in': 'a.txt', 'link-out': '../outside/secret.txt', 'dir-out': '../outside' },
  );
  await writeFile(join(tree.outside, 'secret.txt'), 'OUTSIDE\n');
});
after(async () => {
  await tree?.remove();
});

describe('media types, methods, index', () => {
  let s: RunningStatic;
  before(async () => (s = await serveStatic({ root: tree.root })));
  after(async () => s?.close());

  it('answers media types from mime-types, with charset=utf-8 for text', async () => {
    const cases: Record<string, string> = {
      '/a.txt': 'text/plain; charset=utf-8',
      '/style.css': 'text/css; charset=utf-8',
      '/app.js': 'text/javascript; charset=utf-8',
      '/data.json': 'application/json; charset=utf-8',
      '/pic.png': 'image/png',
      '/blob.unknownext': 'application/octet-stream',
      '/': 'text/html; charset=utf-8',
    };
    for (const [path, type] of Object.entries(cases)) {
      const r = await get(s.url + path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-type'], type, path);
    }
  });

  it('HEAD has the GET headers and no body', async () => {
    const g = await get(s.url + '/style.css');
    const h = await get(s.url + '/style.css', {}, 'HEAD');
    assert.equal(h.status, 200);
    assert.equal(h.body.length, 0);
    for (const k of ['content-type', 'content-length', 'etag', 'last-modified', 'accept-ranges']) assert.equal(h.headers[k], g.headers[k], k);
    assert.equal(Number(h.headers['content-length']), Buffer.byteLength(TEXT));
  });

  it('ETag and Last-Modified follow nginx: "<mtime hex>-<size hex>"', async () => {
    const r = await get(s.url + '/a.txt');
    assert.equal(r.headers.etag, `"${FIXED_MTIME.toString(16)}-2"`);
    assert.equal(r.headers['last-modified'], new Date(FIXED_MTIME * 1000).toUTCString());
    assert.equal(r.headers['cache-control'], undefined, 'no caching headers unless configured');
    assert.equal(r.headers.vary, undefined, 'no Vary when there is nothing to negotiate');
  });

  it('other methods: 405 with Allow on a file, 404 (declined) on a missing path', async () => {
    const r = await get(s.url + '/a.txt', {}, 'POST');
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD');
    assert.equal((await get(s.url + '/missing', {}, 'POST')).status, 404);
  });

  it('index files are tried in order; a query string is ignored for lookup', async () => {
    const s2 = await serveStatic({ root: tree.root, index: ['index.htm', 'index.html'] });
    try {
      assert.equal((await get(s2.url + '/docs/')).body.toString(), 'HTM\n');
      assert.equal((await get(s.url + '/docs/?q=1')).body.toString(), 'HTML\n');
    } finally {
      await s2.close();
    }
  });

  it('a directory without its slash redirects (301) with the query kept', async () => {
    const r = await get(s.url + '/docs?x=1&y=2');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/docs/?x=1&y=2');
  });

  it('a directory without index and without autoindex is 403, as nginx', async () => {
    assert.equal((await get(s.url + '/list/')).status, 403);
  });

  it('dotfiles are 404 by default and served with dotfiles = "allow"', async () => {
    assert.equal((await get(s.url + '/.secret')).status, 404);
    const s2 = await serveStatic({ root: tree.root, dotfiles: 'allow' });
    try {
      assert.equal((await get(s2.url + '/.secret')).body.toString(), 'SECRET\n');
    } finally {
      await s2.close();
    }
  });

  it('a pathname argument serves another path (try_files), and false means "not here"', async () => {
    const handler = createStaticHandler({ root: tree.root });
    const { createServer } = await import('node:http');
    const server = createServer(async (req, res) => {
      for (const candidate of [req.url ?? '/', '/index.html']) {
        if (await handler(req, res, candidate)) return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      assert.equal((await get(`http://127.0.0.1:${port}/a.txt`)).body.toString(), 'A\n');
      assert.equal((await get(`http://127.0.0.1:${port}/spa/route`)).body.toString(), '<h1>home</h1>\n');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('resolve() and resolveFile() map paths for try_files checks', async () => {
    const f = await s.handler.resolve('/a.txt');
    assert.equal(f.kind, 'file');
    assert.equal(f.kind === 'file' ? f.size : -1, 2);
    assert.equal((await s.handler.resolve('/docs/')).kind, 'directory');
    assert.equal((await s.handler.resolve('/nope')).kind, 'not-found');
    assert.equal((await s.handler.resolve('/.secret')).kind, 'not-found');
    assert.deepEqual(await resolveFile(tree.root, '/%2e%2e/x'), { kind: 'bad-request', code: 'TSGI_WS_PATH_ABOVE_ROOT' });
    assert.equal((await resolveFile(tree.root, '/link-out')).kind, 'not-found');
    assert.equal((await resolveFile(tree.root, '/link-out', { symlinks: 'follow' })).kind, 'file');
  });

  it('an onError hook renders the handler\'s own error answers', async () => {
    const seen: string[] = [];
    const s2 = await serveStatic({
      root: tree.root,
      onError: (res, status, code, headers) => {
        seen.push(`${status} ${code}`);
        (res as ServerResponse).writeHead(status, { ...headers, 'x-custom': '1' }).end('custom');
      },
    });
    try {
      const r = await get(s2.url + '/a.txt', {}, 'POST');
      assert.equal(r.headers['x-custom'], '1');
      assert.equal(r.headers.allow, 'GET, HEAD');
      const r2 = await rawRequest(s2.port, 'GET', '/a%00');
      assert.equal(r2.status, 400);
      assert.deepEqual(seen, ['405 TSGI_WS_STATIC_METHOD', '400 TSGI_WS_PATH_NUL']);
    } finally {
      await s2.close();
    }
  });
});

describe('autoindex', () => {
  it('HTML: names escaped, links percent-encoded, dotfiles hidden, directories first', async () => {
    const s = await serveStatic({ root: tree.root, autoindex: 'html' });
    try {
      const r = await get(s.url + '/list/');
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      const html = r.body.toString();
      assert.ok(!html.includes('<img'), 'no raw markup from file names');
      assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;.txt'));
      assert.ok(html.includes('href="./%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E.txt"'));
      assert.ok(html.includes('a&amp;b &quot;q&quot;.txt'));
      assert.ok(!html.includes('.hidden'));
      assert.ok(html.indexOf('sub/') < html.indexOf('empty.txt'), 'directories first');
      assert.ok(html.includes('<a href="../">../</a>'));
      const head = await get(s.url + '/list/', {}, 'HEAD');
      assert.equal(head.body.length, 0);
      assert.equal(head.headers['content-length'], r.headers['content-length']);
      // an index file still wins over the listing
      assert.equal((await get(s.url + '/docs/')).body.toString(), 'HTML\n');
    } finally {
      await s.close();
    }
  });

  it('JSON in nginx\'s shape', async () => {
    const s = await serveStatic({ root: tree.root, autoindex: 'json' });
    try {
      const r = await get(s.url + '/list/');
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
      const list = JSON.parse(r.body.toString()) as { name: string; type: string; mtime: string; size?: number }[];
      assert.deepEqual(
        list.map((e) => [e.name, e.type, e.size]),
        [
          ['sub', 'directory', undefined],
          ['<img src=x onerror=alert(1)>.txt', 'file', 3],
          ['a&b "q".txt', 'file', 3],
          ['empty.txt', 'file', 0],
        ],
      );
      assert.equal(list[1]?.mtime, new Date(FIXED_MTIME * 1000).toUTCString());
    } finally {
      await s.close();
    }
  });
});

describe('symlink policies', () => {
  const cases = [
    { symlinks: 'within-root', in: 200, out: 404, dirOut: 404 },
    { symlinks: 'follow', in: 200, out: 200, dirOut: 200 },
    { symlinks: 'deny', in: 404, out: 404, dirOut: 404 },
  ] as const;
  for (const c of cases) {
    it(`symlinks = "${c.symlinks}"`, async () => {
      const s = await serveStatic({ root: tree.root, symlinks: c.symlinks });
      try {
        assert.equal((await get(s.url + '/link-in')).status, c.in);
        const out = await get(s.url + '/link-out');
        assert.equal(out.status, c.out);
        if (c.out !== 200) assert.ok(!out.body.toString().includes('OUTSIDE'));
        assert.equal((await get(s.url + '/dir-out/secret.txt')).status, c.dirOut);
        assert.equal((await get(s.url + '/a.txt')).status, 200, 'plain files are unaffected');
      } finally {
        await s.close();
      }
    });
  }
});

describe('alias', () => {
  it('replaces the location prefix with the alias directory', async () => {
    const s = await serveStatic({ alias: join(tree.root, 'docs'), aliasPrefix: '/static/' });
    try {
      assert.equal((await get(s.url + '/static/index.htm')).body.toString(), 'HTM\n');
      assert.equal((await get(s.url + '/static/')).body.toString(), 'HTML\n');
      assert.equal((await get(s.url + '/a.txt')).status, 404, 'outside the prefix: declined');
      assert.equal((await rawRequest(s.port, 'GET', '/static/../a.txt')).status, 404, 'normalised to /a.txt: outside the prefix');
      assert.equal((await rawRequest(s.port, 'GET', '/static/%2e%2e/%2e%2e/a.txt')).status, 400);
    } finally {
      await s.close();
    }
  });
});

describe('precompressed siblings', () => {
  let s: RunningStatic;
  before(async () => (s = await serveStatic({ root: tree.root, precompressed: true })));
  after(async () => s?.close());

  it('negotiates .br / .gz by Accept-Encoding with q-values, with Vary', async () => {
    const cases: [string | undefined, string, string | undefined][] = [
      ['br', 'BROTLI-BYTES', 'br'],
      ['gzip', 'GZIP-BYTES-LONGER', 'gzip'],
      ['gzip, deflate, br, zstd', 'BROTLI-BYTES', 'br'],
      ['br;q=0, gzip', 'GZIP-BYTES-LONGER', 'gzip'],
      ['br;q=0.5, gzip;q=0.8', 'GZIP-BYTES-LONGER', 'gzip'],
      ['x-gzip', 'GZIP-BYTES-LONGER', 'gzip'],
      ['*', 'BROTLI-BYTES', 'br'],
      ['identity', 'console.log("identity");\n', undefined],
      ['br;q=0, gzip;q=0', 'console.log("identity");\n', undefined],
      ['gzip;q=0.5, identity', 'console.log("identity");\n', undefined],
      [undefined, 'console.log("identity");\n', undefined],
    ];
    for (const [ae, body, enc] of cases) {
      const r = await get(s.url + '/app.js', ae === undefined ? {} : { 'accept-encoding': ae });
      assert.equal(r.body.toString(), body, String(ae));
      assert.equal(r.headers['content-encoding'], enc, String(ae));
      assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
      assert.equal(r.headers.vary, 'Accept-Encoding', String(ae));
      assert.equal(Number(r.headers['content-length']), Buffer.byteLength(body));
    }
  });

  it('each sibling has its own validators, and ranges apply to its bytes', async () => {
    const id = await get(s.url + '/app.js');
    const gz = await get(s.url + '/app.js', { 'accept-encoding': 'gzip' });
    assert.notEqual(id.headers.etag, gz.headers.etag);
    const nm = await get(s.url + '/app.js', { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag ?? '' });
    assert.equal(nm.status, 304);
    assert.equal(nm.headers.vary, 'Accept-Encoding');
    const part = await get(s.url + '/app.js', { 'accept-encoding': 'gzip', range: 'bytes=0-3' });
    assert.equal(part.status, 206);
    assert.equal(part.body.toString(), 'GZIP');
    assert.equal(part.headers['content-range'], `bytes 0-3/${'GZIP-BYTES-LONGER'.length}`);
  });

  it('a file without siblings has no Vary', async () => {
    const r = await get(s.url + '/a.txt', { 'accept-encoding': 'gzip, br' });
    assert.equal(r.headers.vary, undefined);
    assert.equal(r.headers['content-encoding'], undefined);
  });
});

describe('on-the-fly compression', () => {
  let s: RunningStatic;
  before(async () => (s = await serveStatic({ root: tree.root, compress: { minLength: 100 } })));
  after(async () => s?.close());

  it('gzip and brotli for text types, decoded back to the file, cached between requests', async () => {
    const g1 = await get(s.url + '/style.css', { 'accept-encoding': 'gzip' });
    assert.equal(g1.headers['content-encoding'], 'gzip');
    assert.equal(g1.headers.vary, 'Accept-Encoding');
    assert.equal(gunzipSync(g1.body).toString(), TEXT);
    assert.ok(g1.body.length < Buffer.byteLength(TEXT) / 10);
    assert.equal(Number(g1.headers['content-length']), g1.body.length);
    assert.match(g1.headers.etag ?? '', /^W\/"/, 'a weak validator for a compressor-made body');
    assert.equal(g1.headers['accept-ranges'], undefined);
    const g2 = await get(s.url + '/style.css', { 'accept-encoding': 'gzip' });
    assert.deepEqual(g2.body, g1.body);
    const b = await get(s.url + '/style.css', { 'accept-encoding': 'br, gzip' });
    assert.equal(b.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(b.body).toString(), TEXT);
    const id = await get(s.url + '/style.css');
    assert.equal(id.headers['content-encoding'], undefined);
    assert.equal(id.headers.vary, 'Accept-Encoding');
    assert.equal(id.body.toString(), TEXT);
  });

  it('revalidates the compressed form (304) and ignores Range on it', async () => {
    const g = await get(s.url + '/style.css', { 'accept-encoding': 'gzip' });
    const nm = await get(s.url + '/style.css', { 'accept-encoding': 'gzip', 'if-none-match': g.headers.etag ?? '' });
    assert.equal(nm.status, 304);
    const rg = await get(s.url + '/style.css', { 'accept-encoding': 'gzip', range: 'bytes=0-9' });
    assert.equal(rg.status, 200);
    assert.equal(rg.headers['content-encoding'], 'gzip');
  });

  it('leaves small files and binary types alone', async () => {
    const small = await get(s.url + '/a.txt', { 'accept-encoding': 'gzip' });
    assert.equal(small.headers['content-encoding'], undefined);
    assert.equal(small.headers.vary, undefined);
    const png = await get(s.url + '/pic.png', { 'accept-encoding': 'gzip' });
    assert.equal(png.headers['content-encoding'], undefined);
    assert.equal(png.headers.vary, undefined);
  });
});

describe('caching headers', () => {
  it('expires = seconds: Cache-Control max-age and an Expires that far ahead', async () => {
    const s = await serveStatic({ root: tree.root, expires: 3600 });
    try {
      const r = await get(s.url + '/a.txt');
      assert.equal(r.headers['cache-control'], 'max-age=3600');
      const ahead = Date.parse(r.headers.expires ?? '') - Date.now();
      assert.ok(ahead > 3590_000 && ahead <= 3601_000, `Expires ${r.headers.expires}`);
      const nm = await get(s.url + '/a.txt', { 'if-none-match': r.headers.etag ?? '' });
      assert.equal(nm.status, 304);
      assert.equal(nm.headers['cache-control'], 'max-age=3600', '304 repeats the caching headers (RFC 9110 15.4.5)');
      assert.ok(nm.headers.expires !== undefined);
    } finally {
      await s.close();
    }
  });

  it('expires = "epoch" and a literal cacheControl', async () => {
    const s = await serveStatic({ root: tree.root, expires: 'epoch' });
    const s2 = await serveStatic({ root: tree.root, cacheControl: 'private, max-age=5' });
    try {
      const r = await get(s.url + '/a.txt');
      assert.equal(r.headers['cache-control'], 'no-cache');
      assert.equal(r.headers.expires, 'Thu, 01 Jan 1970 00:00:01 GMT');
      assert.equal((await get(s2.url + '/a.txt')).headers['cache-control'], 'private, max-age=5');
    } finally {
      await s.close();
      await s2.close();
    }
  });

  it('immutable: hashed names cached for a year, others as configured', async () => {
    const s = await serveStatic({ root: tree.root, expires: 60, immutable: true });
    try {
      const h = await get(s.url + '/app.3f9a1c2b.js');
      assert.equal(h.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(h.headers.expires, undefined);
      assert.equal((await get(s.url + '/app.js')).headers['cache-control'], 'max-age=60');
    } finally {
      await s.close();
    }
  });
});

describe('open-file cache', () => {
  it('serves changes, deletions and new files once the validity period has passed', async () => {
    const t = await makeTree({ 'v.txt': 'one\n' });
    const s = await serveStatic({ root: t.root, openFileCache: { validMs: 100 } });
    try {
      const first = await get(s.url + '/v.txt');
      assert.equal(first.body.toString(), 'one\n');
      await writeFile(join(t.root, 'v.txt'), 'two, longer\n');
      await waitFor(async () => (await get(s.url + '/v.txt')).body.toString() === 'two, longer\n', { timeoutMs: 5_000, what: 'the new content' });
      const second = await get(s.url + '/v.txt');
      assert.notEqual(second.headers.etag, first.headers.etag);
      assert.equal(Number(second.headers['content-length']), 12);
      // same size, new mtime: still noticed
      await writeFile(join(t.root, 'v.txt'), 'TWO, LONGER\n');
      await utimes(join(t.root, 'v.txt'), FIXED_MTIME + 10, FIXED_MTIME + 10);
      await waitFor(async () => (await get(s.url + '/v.txt')).body.toString() === 'TWO, LONGER\n', { timeoutMs: 5_000, what: 'same-size change' });
      await unlink(join(t.root, 'v.txt'));
      await waitFor(async () => (await get(s.url + '/v.txt')).status === 404, { timeoutMs: 5_000, what: 'deletion' });
      await writeFile(join(t.root, 'new.txt'), 'new\n');
      assert.equal((await get(s.url + '/new.txt')).status, 200);
    } finally {
      await s.close();
      await t.remove();
    }
  });

  it('a hot large file (promoted to memory after two streamed responses) still follows changes', async () => {
    const one = randomBytes(300 * 1024);
    const two = randomBytes(300 * 1024);
    const t = await makeTree({ 'hot.bin': one });
    const s = await serveStatic({ root: t.root, openFileCache: { validMs: 100 } });
    try {
      for (let i = 0; i < 4; i++) assert.ok((await get(s.url + '/hot.bin')).body.equals(one), `request ${i}`);
      const part = await get(s.url + '/hot.bin', { range: 'bytes=1000-1999' });
      assert.ok(part.body.equals(one.subarray(1000, 2000)));
      await writeFile(join(t.root, 'hot.bin'), two);
      await utimes(join(t.root, 'hot.bin'), FIXED_MTIME + 20, FIXED_MTIME + 20);
      await waitFor(async () => (await get(s.url + '/hot.bin')).body.equals(two), { timeoutMs: 5_000, what: 'the new bytes of a hot file' });
    } finally {
      await s.close();
      await t.remove();
    }
  });

  it('keeps at most `max` files open and closes them all on close()', async (t) => {
    if (process.platform !== 'linux') {
      t.skip('counts descriptors through /proc/self/fd');
      return;
    }
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) files[`f${i}.bin`] = randomBytes(100 * 1024);
    const tr = await makeTree(files);
    const openUnderRoot = async () => {
      let n = 0;
      for (const fd of await readdir('/proc/self/fd')) {
        const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
        if (target.startsWith(tr.root)) n++;
      }
      return n;
    };
    const s = await serveStatic({ root: tr.root, openFileCache: { max: 2, hotMaxFileSize: 0 } });
    try {
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 6; i++) assert.ok((await get(`${s.url}/f${i}.bin`)).body.equals(files[`f${i}.bin`] as Buffer));
      }
      const open = await openUnderRoot();
      assert.ok(open >= 1 && open <= 2, `open descriptors under the root: ${open} (cached, at most max = 2)`);
      await s.handler.close();
      await waitFor(async () => (await openUnderRoot()) === 0, { timeoutMs: 5_000, what: 'every descriptor closed' });
    } finally {
      await s.close();
      await tr.remove();
    }
  });

  it('past the process-wide ceilings files are still served, opened per response', async () => {
    const saved = { ...PROCESS_LIMITS };
    PROCESS_LIMITS.memoryBytes = 0;
    PROCESS_LIMITS.descriptors = 0;
    const s = await serveStatic({ root: tree.root });
    try {
      assert.equal((await get(s.url + '/a.txt')).body.toString(), 'A\n');
      for (let i = 0; i < 3; i++) assert.ok((await get(s.url + '/big.bin')).body.equals(BIG));
      const part = await get(s.url + '/big.bin', { range: 'bytes=5-9,-5' });
      assert.equal(part.status, 206);
      assert.ok(part.body.includes(BIG.subarray(5, 10)));
    } finally {
      Object.assign(PROCESS_LIMITS, saved);
      await s.close();
    }
  });

  it('with the cache off (max 0) every request sees the disk', async () => {
    const t = await makeTree({ 'v.txt': 'one\n' });
    const s = await serveStatic({ root: t.root, openFileCache: { max: 0 } });
    try {
      assert.equal((await get(s.url + '/v.txt')).body.toString(), 'one\n');
      await writeFile(join(t.root, 'v.txt'), 'two\n');
      assert.equal((await get(s.url + '/v.txt')).body.toString(), 'two\n');
    } finally {
      await s.close();
      await t.remove();
    }
  });
});

describe('large files', () => {
  let s: RunningStatic;
  before(async () => (s = await serveStatic({ root: tree.root })));
  after(async () => s?.close());

  it('streams the whole file, single ranges and multipart ranges byte-exact', async () => {
    const full = await get(s.url + '/big.bin');
    assert.equal(full.body.length, BIG.length);
    assert.ok(full.body.equals(BIG));
    const mid = await get(s.url + '/big.bin', { range: 'bytes=1000000-2500000' });
    assert.equal(mid.status, 206);
    assert.ok(mid.body.equals(BIG.subarray(1_000_000, 2_500_001)));
    const multi = await get(s.url + '/big.bin', { range: 'bytes=0-99,2000000-2000099' });
    assert.equal(multi.status, 206);
    assert.equal(multi.body.length, Number(multi.headers['content-length']));
    assert.ok(multi.body.includes(BIG.subarray(2_000_000, 2_000_100)));
  });

  it('survives clients that vanish mid-stream (the shared descriptor stays valid)', async () => {
    const aborts = Array.from({ length: 20 }, () =>
      new Promise<void>((resolve) => {
        const sock = connect(s.port, '127.0.0.1', () => sock.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
        sock.once('data', () => sock.destroy());
        sock.once('close', () => resolve());
        sock.once('error', () => resolve());
      }),
    );
    await Promise.all(aborts);
    for (let i = 0; i < 3; i++) {
      const r = await get(s.url + '/big.bin');
      assert.ok(r.body.equals(BIG), `full body after aborts, round ${i}`);
    }
  });

  it('a slow reader gets the file through backpressure', async () => {
    const body = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const sock = connect(s.port, '127.0.0.1', () => sock.write('GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      sock.pause();
      const tick = setInterval(() => {
        const c = sock.read() as Buffer | null;
        if (c !== null) chunks.push(c);
      }, 5);
      sock.once('end', () => {
        clearInterval(tick);
        for (let c = sock.read() as Buffer | null; c !== null; c = sock.read() as Buffer | null) chunks.push(c);
        resolve(Buffer.concat(chunks));
      });
      sock.once('error', (e) => {
        clearInterval(tick);
        reject(e);
      });
    });
    assert.ok(body.subarray(body.indexOf('\r\n\r\n') + 4).equals(BIG));
  });
});

describe('options and code hygiene', () => {
  it('rejects impossible options naming the key', () => {
    assert.throws(() => createStaticHandler({}), (e: unknown) => e instanceof StaticOptionsError && e.key === 'root');
    assert.throws(() => createStaticHandler({ root: 'relative' }), /static option `root`: must be an absolute path/);
    assert.throws(() => createStaticHandler({ root: '/x', alias: '/y' }), /exactly one/);
    assert.throws(() => createStaticHandler({ root: '/x', index: ['../up'] }), /`index`/);
    assert.throws(() => createStaticHandler({ root: '/x', maxRanges: -1 }), /`maxRanges`/);
    assert.throws(() => createStaticHandler({ root: '/x', expires: 1.5 }), /`expires`/);
    assert.throws(() => createStaticHandler({ root: '/x', compress: { gzipLevel: 12 } }), /`compress.gzipLevel`/);
    assert.throws(() => createStaticHandler({ root: '/x', autoindex: 'yes' as never }), /`autoindex`/);
  });

  it('no synchronous fs call anywhere in the handler\'s sources', async () => {
    const dir = new URL('.', import.meta.url).pathname;
    const sources = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    assert.ok(sources.length > 5);
    for (const f of sources) {
      const text = await readFile(join(dir, f), 'utf8');
      assert.doesNotMatch(text, /\b[a-zA-Z]+Sync\s*\(/, `${f} calls a *Sync function`);
    }
  });

  it('close() drops the caches and the handler keeps working', async () => {
    const t = await makeTree({ 'big.bin': BIG });
    const s = await serveStatic({ root: t.root });
    try {
      assert.ok((await get(s.url + '/big.bin')).body.equals(BIG));
      await s.handler.close();
      assert.ok((await get(s.url + '/big.bin')).body.equals(BIG));
      await rm(join(t.root, 'big.bin'));
      await s.handler.close();
      assert.equal((await get(s.url + '/big.bin')).status, 404);
    } finally {
      await s.close();
      await t.remove();
    }
  });
});
