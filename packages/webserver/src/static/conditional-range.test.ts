/**
 * Conditional and range requests over real sockets: one table, expected answers per RFC 9110
 * sections 13 and 14 (and nginx's policy for sets of ranges), sent to the handler and to real
 * nginx serving the same file. nginx runs with `if_modified_since before` (RFC behaviour; its
 * default `exact` answers 304 only for the exact date) and `max_ranges 16` (our default).
 * Where nginx differs on purpose, the row says what nginx does and why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FIXED_MTIME, makeTree, serveStatic, type RunningStatic, type Tree } from './test-support/fixture.js';
import { startNginx, type RunningNginx } from './test-support/nginx.js';
import { rawRequest, type RawResponse } from './test-support/raw-http.js';

const SIZE = 100;
const CONTENT = Buffer.from(Array.from({ length: SIZE }, (_, i) => String.fromCharCode(48 + (i % 43))).join(''));
// nginx's ETag format, which the handler shares: "<mtime hex>-<size hex>".
const ETAG = `"${FIXED_MTIME.toString(16)}-${SIZE.toString(16)}"`;
const LM = new Date(FIXED_MTIME * 1000).toUTCString();
const LATER = new Date((FIXED_MTIME + 86_400) * 1000).toUTCString();
const EARLIER = new Date((FIXED_MTIME - 86_400) * 1000).toUTCString();
const RFC850_LM = 'Monday, 01-Jan-24 00:00:00 GMT';
const ASCTIME_LM = 'Mon Jan  1 00:00:00 2024';

interface Expect {
  readonly status: number;
  /** Content-Range, for 206 single ranges and 416. */
  readonly range?: string;
  /** Content-Length of the answer (checked for 200, 206). */
  readonly length?: number;
  /** Number of parts of a multipart/byteranges answer. */
  readonly parts?: number;
}

interface Row extends Expect {
  readonly name: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly method?: string;
  readonly nginx?: Expect;
  readonly why?: string;
}

const many = (n: number) => 'bytes=' + Array.from({ length: n }, (_, i) => `${i * 2}-${i * 2}`).join(',');

const TABLE: readonly Row[] = [
  { name: 'no conditions', headers: {}, status: 200, length: SIZE },
  // If-None-Match: weak comparison (RFC 9110 13.1.2)
  { name: 'INM same tag', headers: { 'If-None-Match': ETAG }, status: 304 },
  { name: 'INM weak form of the tag', headers: { 'If-None-Match': `W/${ETAG}` }, status: 304 },
  { name: 'INM other tag', headers: { 'If-None-Match': '"nope"' }, status: 200, length: SIZE },
  { name: 'INM list containing the tag', headers: { 'If-None-Match': `"x", ${ETAG}` }, status: 304 },
  { name: 'INM *', headers: { 'If-None-Match': '*' }, status: 304 },
  // If-Modified-Since (13.1.3)
  { name: 'IMS = Last-Modified', headers: { 'If-Modified-Since': LM }, status: 304 },
  { name: 'IMS later', headers: { 'If-Modified-Since': LATER }, status: 304 },
  { name: 'IMS earlier', headers: { 'If-Modified-Since': EARLIER }, status: 200, length: SIZE },
  { name: 'IMS in RFC 850 form', headers: { 'If-Modified-Since': RFC850_LM }, status: 304 },
  { name: 'IMS in asctime form', headers: { 'If-Modified-Since': ASCTIME_LM }, status: 304 },
  { name: 'IMS not a date', headers: { 'If-Modified-Since': 'yesterday' }, status: 200, length: SIZE },
  { name: 'INM other tag + IMS = LM: INM decides', headers: { 'If-None-Match': '"nope"', 'If-Modified-Since': LM }, status: 200, length: SIZE },
  {
    name: 'INM same tag + IMS earlier: INM decides',
    headers: { 'If-None-Match': ETAG, 'If-Modified-Since': EARLIER },
    status: 304,
    nginx: { status: 200, length: SIZE },
    why: 'RFC 9110 13.1.3: IMS is ignored when If-None-Match is present; nginx requires both to pass',
  },
  { name: 'IMS on HEAD', method: 'HEAD', headers: { 'If-Modified-Since': LM }, status: 304 },
  // If-Match: strong comparison (13.1.1)
  { name: 'If-Match same tag', headers: { 'If-Match': ETAG }, status: 200, length: SIZE },
  { name: 'If-Match other tag', headers: { 'If-Match': '"nope"' }, status: 412 },
  { name: 'If-Match weak tag never matches', headers: { 'If-Match': `W/${ETAG}` }, status: 412 },
  { name: 'If-Match *', headers: { 'If-Match': '*' }, status: 200, length: SIZE },
  { name: 'If-Match list', headers: { 'If-Match': `"a", ${ETAG}` }, status: 200, length: SIZE },
  // If-Unmodified-Since (13.1.4)
  { name: 'IUS = LM', headers: { 'If-Unmodified-Since': LM }, status: 200, length: SIZE },
  { name: 'IUS earlier', headers: { 'If-Unmodified-Since': EARLIER }, status: 412 },
  {
    name: 'IUS not a date',
    headers: { 'If-Unmodified-Since': 'garbage' },
    status: 200,
    length: SIZE,
    nginx: { status: 412 },
    why: 'RFC 9110 13.1.4: an invalid date makes the header ignored; nginx fails the precondition',
  },
  {
    name: 'If-Match same tag + IUS earlier: If-Match decides',
    headers: { 'If-Match': ETAG, 'If-Unmodified-Since': EARLIER },
    status: 200,
    length: SIZE,
    nginx: { status: 412 },
    why: 'RFC 9110 13.2.2 step 2 evaluates IUS only without If-Match; nginx checks IUS first',
  },
  { name: 'If-Match fails before INM', headers: { 'If-Match': '"nope"', 'If-None-Match': ETAG }, status: 412 },
  // Ranges (14)
  { name: 'first ten bytes', headers: { Range: 'bytes=0-9' }, status: 206, range: 'bytes 0-9/100', length: 10 },
  { name: 'open-ended', headers: { Range: 'bytes=90-' }, status: 206, range: 'bytes 90-99/100', length: 10 },
  { name: 'suffix', headers: { Range: 'bytes=-10' }, status: 206, range: 'bytes 90-99/100', length: 10 },
  { name: 'suffix longer than the file', headers: { Range: 'bytes=-200' }, status: 206, range: 'bytes 0-99/100', length: 100 },
  { name: 'one byte', headers: { Range: 'bytes=0-0' }, status: 206, range: 'bytes 0-0/100', length: 1 },
  { name: 'last byte', headers: { Range: 'bytes=99-99' }, status: 206, range: 'bytes 99-99/100', length: 1 },
  { name: 'end past the size is clamped', headers: { Range: 'bytes=95-500' }, status: 206, range: 'bytes 95-99/100', length: 5 },
  { name: 'unit in capitals', headers: { Range: 'BYTES=0-9' }, status: 206, range: 'bytes 0-9/100', length: 10 },
  { name: 'spaces around the comma', headers: { Range: 'bytes=0-9, 20-29' }, status: 206, parts: 2 },
  { name: 'start at the size', headers: { Range: 'bytes=100-' }, status: 416, range: 'bytes */100' },
  { name: 'start past the size', headers: { Range: 'bytes=100-200' }, status: 416, range: 'bytes */100' },
  { name: 'zero-length suffix', headers: { Range: 'bytes=-0' }, status: 416, range: 'bytes */100' },
  { name: 'unknown unit', headers: { Range: 'items=0-9' }, status: 200, length: SIZE },
  {
    name: 'last before first',
    headers: { Range: 'bytes=5-2' },
    status: 200,
    length: SIZE,
    nginx: { status: 416, range: 'bytes */100' },
    why: 'RFC 9110 14.1.1: a syntactically invalid range set MUST be ignored; nginx answers 416',
  },
  {
    name: 'not a range',
    headers: { Range: 'bytes=abc' },
    status: 200,
    length: SIZE,
    nginx: { status: 416, range: 'bytes */100' },
    why: 'as above',
  },
  {
    name: 'empty list element',
    headers: { Range: 'bytes=0-9,,20-29' },
    status: 206,
    parts: 2,
    nginx: { status: 416, range: 'bytes */100' },
    why: 'RFC 9110 5.6.1: recipients accept empty list elements; nginx rejects the set',
  },
  { name: 'two ranges: multipart', headers: { Range: 'bytes=0-9,20-29' }, status: 206, parts: 2 },
  { name: 'one satisfiable of two: single part', headers: { Range: 'bytes=0-9,200-300' }, status: 206, range: 'bytes 0-9/100', length: 10 },
  { name: 'small overlap kept as asked', headers: { Range: 'bytes=0-10,5-15' }, status: 206, parts: 2 },
  { name: 'overlaps adding up past the size: whole file', headers: { Range: 'bytes=0-60,30-90' }, status: 200, length: SIZE },
  { name: 'sixteen ranges (max_ranges)', headers: { Range: many(16) }, status: 206, parts: 16 },
  { name: 'seventeen ranges: Range ignored', headers: { Range: many(17) }, status: 200, length: SIZE },
  // If-Range (13.1.5)
  { name: 'If-Range same tag', headers: { Range: 'bytes=0-9', 'If-Range': ETAG }, status: 206, range: 'bytes 0-9/100', length: 10 },
  { name: 'If-Range other tag', headers: { Range: 'bytes=0-9', 'If-Range': '"nope"' }, status: 200, length: SIZE },
  { name: 'If-Range weak tag', headers: { Range: 'bytes=0-9', 'If-Range': `W/${ETAG}` }, status: 200, length: SIZE },
  { name: 'If-Range = LM', headers: { Range: 'bytes=0-9', 'If-Range': LM }, status: 206, range: 'bytes 0-9/100', length: 10 },
  { name: 'If-Range later date', headers: { Range: 'bytes=0-9', 'If-Range': LATER }, status: 200, length: SIZE },
  // preconditions come before ranges
  { name: 'INM same tag + Range', headers: { Range: 'bytes=0-9', 'If-None-Match': ETAG }, status: 304 },
  { name: 'If-Match other + Range', headers: { Range: 'bytes=0-9', 'If-Match': '"nope"' }, status: 412 },
  { name: 'HEAD with Range', method: 'HEAD', headers: { Range: 'bytes=0-9' }, status: 206, range: 'bytes 0-9/100', length: 10 },
];

function countParts(r: RawResponse): number {
  const m = /boundary=([^;,\s]+)/.exec(r.headers['content-type'] ?? '');
  if (m === null) return 0;
  return r.body.toString('latin1').split(`--${m[1]}\r\n`).length - 1;
}

function check(r: RawResponse, e: Expect, row: Row, who: string): void {
  const at = `${who}: ${row.name} (${JSON.stringify(row.headers)})`;
  assert.equal(r.status, e.status, at);
  if (e.range !== undefined) assert.equal(r.headers['content-range'], e.range, at);
  if (e.length !== undefined) assert.equal(Number(r.headers['content-length']), e.length, at);
  if (e.parts !== undefined) {
    assert.match(r.headers['content-type'] ?? '', /^multipart\/byteranges; boundary=/, at);
    if (row.method !== 'HEAD') assert.equal(countParts(r), e.parts, at);
  }
  if (r.status === 304 || r.status === 200 || r.status === 206) assert.equal(r.headers.etag, ETAG, at);
}

let tree: Tree;
let ours: RunningStatic;
before(async () => {
  tree = await makeTree({ 'r.txt': CONTENT });
  ours = await serveStatic({ root: tree.root });
});
after(async () => {
  await ours?.close();
  await tree?.remove();
});

describe('conditional and range table: tsgi-webserver', () => {
  for (const row of TABLE) {
    it(`${row.name} -> ${row.status}`, async () => {
      const r = await rawRequest(ours.port, row.method ?? 'GET', '/r.txt', row.headers);
      check(r, row, row, 'tsgi');
      if (row.method === 'HEAD') assert.equal(r.body.length, 0);
      else if (row.status === 200) assert.deepEqual(r.body, CONTENT);
      else if (row.status === 206 && row.range !== undefined) {
        const m = /bytes (\d+)-(\d+)\/100/.exec(row.range);
        assert.ok(m !== null);
        assert.deepEqual(r.body, CONTENT.subarray(Number(m[1]), Number(m[2]) + 1));
      } else if (row.status === 304) assert.equal(r.body.length, 0);
    });
  }

  it('a multipart body carries each part with its Content-Range and the exact bytes', async () => {
    const r = await rawRequest(ours.port, 'GET', '/r.txt', { Range: 'bytes=0-9,-5' });
    assert.equal(r.status, 206);
    const boundary = /boundary=(\S+)/.exec(r.headers['content-type'] ?? '')?.[1] ?? '';
    const text = r.body.toString('latin1');
    assert.equal(Buffer.byteLength(text, 'latin1'), Number(r.headers['content-length']));
    assert.ok(text.includes(`--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Range: bytes 0-9/100\r\n\r\n${CONTENT.subarray(0, 10).toString()}\r\n`));
    assert.ok(text.includes(`Content-Range: bytes 95-99/100\r\n\r\n${CONTENT.subarray(95).toString()}\r\n--${boundary}--\r\n`));
  });

  it('304 carries the validators and no body; Last-Modified and ETag match nginx format', async () => {
    const r = await rawRequest(ours.port, 'GET', '/r.txt', { 'If-None-Match': ETAG });
    assert.equal(r.status, 304);
    assert.equal(r.headers.etag, ETAG);
    assert.equal(r.headers['last-modified'], LM);
    assert.equal(r.headers['content-range'], undefined);
  });
});

describe('conditional and range table: real nginx on the same file', () => {
  let nginx: RunningNginx | undefined;
  before(async () => {
    nginx = await startNginx(tree.root, 'max_ranges 16;', 'if_modified_since before;\n  charset utf-8;');
  });
  after(async () => {
    await nginx?.stop();
  });
  for (const row of TABLE) {
    const e = row.nginx ?? row;
    it(`${row.name} -> nginx ${e.status}${row.why === undefined ? '' : ` (${row.why})`}`, async () => {
      assert.ok(nginx !== undefined, 'nginx is not installed (/usr/sbin/nginx): install the Debian package nginx to compare');
      const r = await rawRequest(nginx.port, row.method ?? 'GET', '/r.txt', row.headers);
      check(r, e, row, 'nginx');
    });
  }
});
