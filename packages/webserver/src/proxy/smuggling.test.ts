// Request smuggling table (RFC 9112 sections 6 and 11.2): every ambiguous request, sent as raw
// bytes, gets the expected answer and never reaches the upstream. node's llhttp rejects most of
// them before the proxy runs; checkRequestFraming() is the second line for what it lets through.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxy, checkRequestFraming } from './index.js';
import type { Proxy } from './index.js';
import { passOptions, rawExchange, serverOptions, startFront } from './test-fixtures/helpers.js';

let upstream: Server;
const received: string[] = [];
let proxy: Proxy;
let front: Awaited<ReturnType<typeof startFront>>;

before(async () => {
  upstream = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => res.end('upstream saw it\n'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  proxy = createProxy(passOptions([serverOptions('a', (upstream.address() as AddressInfo).port)]));
  front = await startFront(proxy);
});
after(async () => {
  await front.close();
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

const H = 'Host: x\r\n';
/** [name, raw request, expected status, paths the upstream may see]. */
const table: [string, string, number, string[]][] = [
  ['CL and TE together', `POST /a HTTP/1.1\r\n${H}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, []],
  ['TE and CL together (reversed order)', `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n`, 400, []],
  ['two different Content-Length', `POST /a HTTP/1.1\r\n${H}Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde`, 400, []],
  ['Content-Length list', `POST /a HTTP/1.1\r\n${H}Content-Length: 4, 5\r\n\r\nabcde`, 400, []],
  ['Content-Length with a sign', `POST /a HTTP/1.1\r\n${H}Content-Length: +4\r\n\r\nabcd`, 400, []],
  ['Content-Length not a number', `POST /a HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\n`, 400, []],
  ['Content-Length in hex', `POST /a HTTP/1.1\r\n${H}Content-Length: 0x4\r\n\r\nabcd`, 400, []],
  ['space before the colon', `POST /a HTTP/1.1\r\n${H}Content-Length : 4\r\n\r\nabcd`, 400, []],
  ['TE: xchunked', `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`, 400, []],
  ['TE: chunked, chunked', `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`, 400, []],
  ['TE: gzip, chunked', `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, 400, []],
  ['TE: chunked then identity', `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n`, 400, []],
  ['TE with a vertical tab', `POST /a HTTP/1.1\r\n${H}Transfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n`, 400, []],
  ['TE in an obs-fold', `POST /a HTTP/1.1\r\n${H}Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n`, 400, []],
  ['obs-fold in any header', `GET /a HTTP/1.1\r\n${H}X-Folded: a\r\n b\r\n\r\n`, 400, []],
  ['bare LF line endings', `GET /a HTTP/1.1\n${H.replace('\r\n', '\n')}\n`, 400, []],
  ['bare LF inside the header block', `GET /a HTTP/1.1\r\nX-A: 1\nHost: x\r\n\r\n`, 400, []],
  ['bare CR in a value', `GET /a HTTP/1.1\r\n${H}X-A: 1\r2\r\n\r\n`, 400, []],
  ['NUL in a value', `GET /a HTTP/1.1\r\n${H}X-A: 1\x002\r\n\r\n`, 400, []],
  ['space in a header name', `GET /a HTTP/1.1\r\n${H}X A: 1\r\n\r\n`, 400, []],
  ['chunk size not hex', `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`, 400, []],
  ['chunk size overflowing 64 bits', `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF1\r\nabc\r\n0\r\n\r\n`, 400, []],
  ['chunk data longer than its size', `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n`, 400, []],
  ['chunk ending in bare LF', `POST /a HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n`, 400, []],
  ['invalid request line', `GET /a HTTP/1.1 extra\r\n${H}\r\n`, 400, []],
  ['missing Host in HTTP/1.1', `GET /a HTTP/1.1\r\n\r\n`, 400, []],
  // Controls: the same shapes, well formed, do reach the upstream.
  ['control: chunked body', `POST /ok1 HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, 200, ['POST /ok1']],
  ['control: identical duplicate Content-Length', `POST /ok2 HTTP/1.1\r\n${H}Content-Length: 3\r\nConnection: close\r\n\r\nabc`, 200, ['POST /ok2']],
  ['control: pipelined requests are two requests', `GET /ok3 HTTP/1.1\r\n${H}\r\nGET /ok4 HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, 200, ['GET /ok3', 'GET /ok4']],
];

for (const [name, raw, status, paths] of table) {
  test(`smuggling: ${name} -> ${status}`, async () => {
    received.length = 0;
    const answer = await rawExchange(front.port, raw, 3_000);
    const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
    assert.ok(m, `an HTTP answer, got ${JSON.stringify(answer.slice(0, 80))}`);
    assert.equal(Number(m[1]), status, answer.slice(0, 200));
    assert.deepEqual(received, paths, 'what reached the upstream');
    if (status === 400) assert.doesNotMatch(answer, /upstream saw it/);
  });
}

test('checkRequestFraming itself refuses what a lenient parser would pass', () => {
  const cases: [string[], number | undefined][] = [
    [['Content-Length', '4', 'Transfer-Encoding', 'chunked'], 400],
    [['Content-Length', '4', 'Content-Length', '5'], 400],
    [['Content-Length', '4', 'Content-Length', '4'], undefined],
    [['Content-Length', '-1'], 400],
    [['Content-Length', '1 2'], 400],
    [['Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked'], 400],
    [['Transfer-Encoding', 'Chunked'], undefined],
    [['Transfer-Encoding', 'gzip'], 400],
    [['X-A', 'a\0b'], 400],
    [['X-A', 'a\rb'], 400],
    [['X-A', 'a\nb'], 400],
    [['X-A', 'a b\tc'], undefined],
  ];
  for (const [raw, status] of cases) assert.equal(checkRequestFraming(raw)?.status, status, JSON.stringify(raw));
});
