/**
 * The pure pieces on their own: path decoding, range sets, content-coding negotiation,
 * HTTP dates, and the compression cache's "compress once" promise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseEncoding } from './accept-encoding.js';
import { CompressionCache } from './compression.js';
import { etagListMatches } from './conditional.js';
import { PROCESS_LIMITS, type FileEntry } from './file-entry.js';
import { gunzipSync } from 'node:zlib';
import { parseHttpDate } from './http-date.js';
import { Lru } from './lru.js';
import { resolveStaticOptions, HASHED_NAME } from './options.js';
import { decodeRequestPath, hasDotSegment } from './path.js';
import { parseRange } from './range.js';

describe('decodeRequestPath', () => {
  const ok: [string, string][] = [
    ['/', '/'],
    ['/a/b.txt', '/a/b.txt'],
    ['/a/./b', '/a/b'],
    ['/a/../b', '/b'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['//a///b/', '/a/b/'],
    ['/%41%2fb', '/A/b'],
    ['/caf%C3%A9', '/café'],
    ['/a%20b', '/a b'],
    ['/a/%2e%2e/b', '/b'],
    ['/a..b/c', '/a..b/c'],
    ['/...', '/...'],
  ];
  for (const [raw, path] of ok) it(`${raw} -> ${path}`, () => assert.deepEqual(decodeRequestPath(raw), { ok: true, path }));
  const bad: [string, string][] = [
    ['a.txt', 'TSGI_WS_PATH_NOT_ABSOLUTE'],
    ['/..', 'TSGI_WS_PATH_ABOVE_ROOT'],
    ['/a/../..', 'TSGI_WS_PATH_ABOVE_ROOT'],
    ['/%2e%2E', 'TSGI_WS_PATH_ABOVE_ROOT'],
    ['/%', 'TSGI_WS_PATH_BAD_PERCENT'],
    ['/%4', 'TSGI_WS_PATH_BAD_PERCENT'],
    ['/%g0', 'TSGI_WS_PATH_BAD_PERCENT'],
    ['/%00', 'TSGI_WS_PATH_NUL'],
    ['/%1f', 'TSGI_WS_PATH_CONTROL_CHAR'],
    ['/%7f', 'TSGI_WS_PATH_CONTROL_CHAR'],
    ['/a\\b', 'TSGI_WS_PATH_BACKSLASH'],
    ['/%5c', 'TSGI_WS_PATH_BACKSLASH'],
    ['/%c0%ae', 'TSGI_WS_PATH_BAD_UTF8'],
    ['/%e0%80%af', 'TSGI_WS_PATH_BAD_UTF8'],
    ['/%f0%80%80%ae', 'TSGI_WS_PATH_BAD_UTF8'],
    ['/%ed%a0%80', 'TSGI_WS_PATH_BAD_UTF8'],
    ['/%c3', 'TSGI_WS_PATH_BAD_UTF8'],
    ['/\xff', 'TSGI_WS_PATH_BAD_UTF8'],
  ];
  for (const [raw, code] of bad) it(`${JSON.stringify(raw)} -> ${code}`, () => assert.deepEqual(decodeRequestPath(raw), { ok: false, code }));

  it('hasDotSegment spares /.well-known/ only', () => {
    assert.equal(hasDotSegment('/.env'), true);
    assert.equal(hasDotSegment('/a/.git/config'), true);
    assert.equal(hasDotSegment('/a.b/c'), false);
    assert.equal(hasDotSegment('/.well-known/acme-challenge/x'), false);
    assert.equal(hasDotSegment('/.well-known/.x'), true);
    assert.equal(hasDotSegment('/a/.well-known/x'), true);
  });
});

describe('parseRange (nginx set policy)', () => {
  const r = (h: string, size = 100, max = 16) => parseRange(h, size, max);
  it('single, suffix, open-ended', () => {
    assert.deepEqual(r('bytes=0-9'), { kind: 'ranges', ranges: [{ start: 0, end: 9 }] });
    assert.deepEqual(r('bytes=-1'), { kind: 'ranges', ranges: [{ start: 99, end: 99 }] });
    assert.deepEqual(r('bytes=50-'), { kind: 'ranges', ranges: [{ start: 50, end: 99 }] });
  });
  it('unsatisfiable, invalid and excessive', () => {
    assert.deepEqual(r('bytes=100-'), { kind: 'unsatisfiable' });
    assert.deepEqual(r('bytes=5-1'), { kind: 'ignore' });
    assert.deepEqual(r('bytes=1-2-3'), { kind: 'ignore' });
    assert.deepEqual(r('bytes='), { kind: 'ignore' });
    assert.deepEqual(r('bytes=0-0,1-1,2-2', 100, 2), { kind: 'ignore' });
    assert.deepEqual(r('bytes=0-0', 100, 0), { kind: 'ignore' });
    assert.deepEqual(r('bytes=0-99,0-99'), { kind: 'ignore' }, 'more bytes than the file');
    assert.deepEqual(r('bytes=0-', 0), { kind: 'ignore' }, 'empty file');
    assert.deepEqual(r('bytes=99999999999999999999-'), { kind: 'unsatisfiable' });
  });
});

describe('chooseEncoding', () => {
  it('honours q-values, *, identity and server preference', () => {
    assert.equal(chooseEncoding('gzip, br', ['br', 'gzip']), 'br');
    assert.equal(chooseEncoding('gzip;q=1, br;q=0.9', ['br', 'gzip']), 'gzip');
    assert.equal(chooseEncoding('gzip;q=0', ['gzip']), undefined);
    assert.equal(chooseEncoding('*;q=0.5', ['br', 'gzip']), 'br');
    assert.equal(chooseEncoding('*, br;q=0', ['br', 'gzip']), 'gzip');
    assert.equal(chooseEncoding('identity;q=1, gzip;q=0.5', ['gzip']), undefined);
    assert.equal(chooseEncoding('deflate', ['br', 'gzip']), undefined);
    assert.equal(chooseEncoding('GZIP', ['gzip']), 'gzip');
    assert.equal(chooseEncoding('gzip;q=abc', ['gzip']), undefined);
  });
});

describe('entity-tags and dates', () => {
  it('strong and weak comparison (RFC 9110 8.8.3.2)', () => {
    assert.equal(etagListMatches('"a"', '"a"', false), true);
    assert.equal(etagListMatches('W/"a"', '"a"', false), false);
    assert.equal(etagListMatches('W/"a"', '"a"', true), true);
    assert.equal(etagListMatches('"b", W/"a"', 'W/"a"', true), true);
    assert.equal(etagListMatches('"a"', 'W/"a"', false), false);
    assert.equal(etagListMatches(' * ', '"a"', false), true);
  });
  it('parses the three HTTP-date forms and nothing else', () => {
    assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), 784111777);
    assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), 784111777);
    assert.equal(parseHttpDate('Sun Nov  6 08:49:37 1994'), 784111777);
    assert.equal(parseHttpDate('1994-11-06T08:49:37Z'), undefined);
    assert.equal(parseHttpDate('Sun, 06 Nov 1994 08:49:37 PST'), undefined);
  });
});

describe('options', () => {
  it('HASHED_NAME matches content-hashed names only', () => {
    for (const n of ['app.3f9a1c2b.js', 'main-5FQ2K7ZW.css', 'chunk.abcdef0123456789.mjs', 'x.0123abcd.js.map']) assert.ok(HASHED_NAME.test(n), n);
    for (const n of ['app.js', 'jquery-3.7.1.min.js', 'index.html', 'logo-dark.png', 'component.stories.tsx']) assert.ok(!HASHED_NAME.test(n), n);
  });
  it('defaults', () => {
    const o = resolveStaticOptions({ root: '/srv/' });
    assert.equal(o.base, '/srv');
    assert.deepEqual(o.index, ['index.html']);
    assert.equal(o.dotfiles, 'deny');
    assert.equal(o.symlinks, 'within-root');
    assert.equal(o.maxRanges, 16);
    assert.equal(o.compress, undefined);
    assert.equal(o.cacheControl, undefined);
    assert.equal(o.openFileCache.memoryMaxFileSize, 64 * 1024);
  });
});

describe('Lru', () => {
  it('evicts the least recently used by count and by weight', () => {
    const evicted: string[] = [];
    const lru = new Lru<string, string>(2, 10, (v) => v.length, (k) => evicted.push(k));
    lru.set('a', '1');
    lru.set('b', '1');
    lru.get('a');
    lru.set('c', '1');
    assert.deepEqual(evicted, ['b']);
    lru.set('d', '123456789');
    assert.deepEqual(evicted, ['b', 'a'], 'count bound');
    assert.equal(lru.weight, 10);
    lru.set('e', '12');
    assert.deepEqual(evicted, ['b', 'a', 'c', 'd'], 'count, then weight bound');
    assert.equal(lru.weight, 2);
    lru.set('huge', '12345678901');
    assert.equal(lru.get('huge'), undefined, 'heavier than the whole budget: not kept');
  });

  it('keeps exact recency when the newest key is hit again, deleted or replaced', () => {
    const evicted: string[] = [];
    const lru = new Lru<string, string>(2, 100, (v) => v.length, (k) => evicted.push(k));
    lru.set('a', '1');
    lru.set('b', '1');
    lru.get('b'); // already the newest
    lru.get('b');
    lru.get('a'); // a is newest now: b is the least recently used
    lru.set('c', '1');
    assert.deepEqual(evicted, ['b']);
    lru.delete('c'); // the newest goes; a hit on it must not resurrect anything
    assert.equal(lru.get('c'), undefined);
    lru.set('d', '1');
    lru.get('a');
    lru.set('e', '1');
    assert.deepEqual(evicted, ['b', 'c', 'd'], 'after a delete of the newest, order is still exact');
    lru.set('a', 'x'.repeat(200)); // replacing the newest with a value too heavy to keep
    assert.equal(lru.get('a'), undefined);
    lru.set('f', '1');
    assert.deepEqual(evicted.slice(3), ['a', 'a'], 'the old and the too-heavy value are both released');
    assert.equal(lru.size, 2);
  });
});

describe('CompressionCache', () => {
  it('compresses each file identity once, however many ask at the same time', async () => {
    const body = Buffer.from('hello compression '.repeat(500));
    const entry: FileEntry = {
      fsPath: '/nonexistent',
      dev: 1,
      ino: 42,
      size: body.length,
      mtimeMs: 1,
      mtime: 0,
      etag: '"0-0"',
      lastModified: '',
      body,
      shared: undefined,
      openFlags: 0,
      memoryHeld: 0,
      streamed: 0,
      promoting: false,
    };
    const cache = new CompressionCache(resolveStaticOptions({ root: '/x', compress: true }).compress!);
    const [a, b, c] = await Promise.all([cache.compress(entry, 'gzip'), cache.compress(entry, 'gzip'), cache.compress(entry, 'gzip')]);
    assert.ok(a !== null && a === b && b === c, 'one Buffer for all three');
    assert.equal(await cache.compress(entry, 'gzip'), a);
    assert.equal(cache.peek(entry, 'gzip')?.body, a);
    const changed = { ...entry, mtimeMs: 2 };
    assert.equal(cache.peek(changed, 'gzip'), undefined, 'a changed file is a new key');
    const incompressible = { ...entry, ino: 43, body: Buffer.from('xy'), size: 2 };
    assert.equal(await cache.compress(incompressible, 'br'), null, 'no gain: sent as it is');
  });

  it('past the process-wide ceiling compresses without keeping the result', async () => {
    const saved = PROCESS_LIMITS.compressedBytes;
    PROCESS_LIMITS.compressedBytes = 0;
    try {
      const body = Buffer.from('ceiling '.repeat(400));
      const entry: FileEntry = {
        fsPath: '/nonexistent', dev: 1, ino: 99, size: body.length, mtimeMs: 1, mtime: 0, etag: '"0-0"', lastModified: '',
        body, shared: undefined, openFlags: 0, memoryHeld: 0, streamed: 0, promoting: false,
      };
      const cache = new CompressionCache(resolveStaticOptions({ root: '/x', compress: true }).compress!);
      const a = await cache.compress(entry, 'gzip');
      assert.ok(a !== null && gunzipSync(a).equals(body));
      assert.equal(cache.peek(entry, 'gzip'), undefined);
    } finally {
      PROCESS_LIMITS.compressedBytes = saved;
    }
  });
});
