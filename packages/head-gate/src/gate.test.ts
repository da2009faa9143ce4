/**
 * The gate over real sockets on a plain node:http server wired as every tsgi server
 * wires it: admitRequest first in the request listener, createClientErrorHandler as the
 * clientError listener, refuseConnect for CONNECT. Each test counts the status lines that come
 * back and what reached the app.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import { admitRequest } from './admit.js';
import { createClientErrorHandler, refuseConnect } from './client-error.js';
import { exchangeClosed } from './connection-state.js';
import type { HeadRule } from './rules.js';
import { slowPeerPause, waitFor } from 'tsgi-test-support';

const LIMITS = { maxRequestLineBytes: 8190, maxHeaderCount: 100, maxHeaderFieldBytes: 8190 };
const H = 'Host: x\r\n';

let server: Server;
let port: number;
/** What reached the app: `METHOD url`, and how each body read ended. */
const seen: string[] = [];
const bodies: string[] = [];
const refusals: string[] = [];
/** How the app answers: after reading the body, or at once without reading it. */
let mode: 'read' | 'early' = 'read';

function app(req: IncomingMessage, res: ServerResponse): void {
  seen.push(`${req.method} ${req.url}`);
  if (mode === 'early') {
    res.writeHead(403, { 'content-length': '2' }).end('no');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    bodies.push(`ended:${Buffer.concat(chunks).toString()}`);
    // A slow app, so a following pipelined error has arrived while this is in flight.
    void slowPeerPause(20).then(() => res.end('ok'));
  });
  req.on('error', () => bodies.push('errored'));
  req.on('aborted', () => bodies.push('aborted'));
}

before(async () => {
  server = createServer({ requireHostHeader: false, maxHeaderSize: 16384 }, (req, res) => {
    const rule = admitRequest(req, res, LIMITS);
    res.on('close', () => exchangeClosed(res));
    if (rule === undefined) return app(req, res);
    refusals.push(rule.code);
    res.shouldKeepAlive = false;
    res.writeHead(rule.status, { 'content-length': '0' }).end();
  });
  const note = (rule: HeadRule) => refusals.push(rule.code);
  server.on('clientError', createClientErrorHandler({ onRefuse: note }));
  server.on('connect', refuseConnect(note));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  seen.length = 0;
  bodies.length = 0;
  refusals.length = 0;
  mode = 'read';
});

/** How far the server got: requests the app saw plus requests the gate refused. */
const progress = (): number => seen.length + refusals.length;

/**
 * Writes `parts`, each once the server acted on the one before (the app saw a request, the gate
 * refused one, or the connection closed), so the server reads them apart; returns the status
 * codes sent before the server closed.
 */
function exchange(...parts: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection; got ${JSON.stringify(data)}`));
    }, 5_000);
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (data += c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve([...data.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1])));
    });
    let closed = false;
    socket.once('close', () => (closed = true));
    const writeAll = async (): Promise<void> => {
      for (const [i, part] of parts.entries()) {
        if (closed) return;
        const before = progress();
        socket.write(part);
        if (i < parts.length - 1) await waitFor(() => closed || progress() > before, { timeoutMs: 5_000, what: `the server to act on part ${i + 1}` });
      }
    };
    socket.on('connect', () => void writeAll().catch((error: unknown) => socket.destroy(error as Error)));
  });
}

test('a malformed request pipelined after a good one waits for the good response, then is refused: 200, 400', async () => {
  assert.deepEqual(await exchange(`GET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/1.1 junk\r\n${H}\r\n`), [200, 400]);
  assert.deepEqual(seen, ['GET /a']);
  assert.deepEqual(refusals, ['request-line']);
});

test('requests node parsed ahead behind a refused one never reach the app: one 400, nothing else', async () => {
  assert.deepEqual(await exchange(`GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\nGET /b HTTP/1.1\r\n${H}\r\nGET /c HTTP/1.1\r\n${H}\r\n`), [400]);
  assert.deepEqual(seen, []);
  assert.deepEqual(refusals, ['duplicate-host', 'after-close', 'after-close']);
});

test('bytes after Connection: close are ignored, never a second request or answer', async () => {
  assert.deepEqual(await exchange(`GET /a HTTP/1.1\r\n${H}Connection: close\r\n\r\nGET /b HTTP/1.1\r\n${H}\r\n`), [200]);
  assert.deepEqual(seen, ['GET /a']);
  assert.deepEqual(refusals, []);
});

test('bytes after an HTTP/1.0 request are ignored the same way', async () => {
  assert.deepEqual(await exchange('GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\n\r\n'), [200]);
  assert.deepEqual(seen, ['GET /a']);
});

test('Transfer-Encoding: gzip gets exactly one answer (the gate refuses it; the parser error that follows adds none)', async () => {
  assert.deepEqual(await exchange(`POST /a HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\nabc`), [400]);
  assert.deepEqual(seen, []);
  assert.deepEqual(refusals, ['transfer-encoding-not-chunked']);
});

test('a broken chunk while the app waits for the body: one 400, and the app sees the body fail, not end', async () => {
  assert.deepEqual(await exchange(`POST /up HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`, 'zz\r\nabc\r\n0\r\n\r\n'), [400]);
  assert.deepEqual(seen, ['POST /up']);
  assert.ok(bodies.length > 0 && !bodies.some((b) => b.startsWith('ended')), `body outcome: ${bodies.join(',')}`);
  assert.deepEqual(refusals, ['chunked-framing']);
});

test('a broken chunk after the app already answered: no second status line', async () => {
  mode = 'early';
  assert.deepEqual(await exchange(`POST /up HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n`, 'zz\r\n'), [403]);
  assert.deepEqual(seen, ['POST /up']);
});

test('after a refusal the connection closes: more bytes get no more answers', async () => {
  assert.deepEqual(await exchange(`GET /a HTTP/1.1 junk\r\n${H}\r\n`, `GET /b HTTP/1.1\r\n${H}\r\n`), [400]);
  assert.deepEqual(seen, []);
});

test('parser refusals carry the gate statuses: version, method, request line, header, limits', async () => {
  const cases: Array<[string, number, string]> = [
    [`GET / HTTP/2.0\r\n${H}\r\n`, 505, 'http-version'],
    ['GET /\r\n\r\n', 400, 'http-0.9'],
    [`GET / HTTP/1.2\r\n${H}\r\n`, 400, 'request-line'],
    [`get / HTTP/1.1\r\n${H}\r\n`, 501, 'method-not-implemented'],
    [`PROXY TCP4 203.0.113.7 127.0.0.1 51000 80\r\nGET / HTTP/1.1\r\n${H}\r\n`, 400, 'request-line'],
    [`GET / HTTP/1.1\r\n${H}X-A: 1\x002\r\n\r\n`, 400, 'header-syntax'],
    [`GET /${'a'.repeat(20_000)} HTTP/1.1\r\n${H}\r\n`, 414, 'request-line-too-long'],
    [`GET / HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'header-too-large'],
    [`GET /${'a'.repeat(9_000)} HTTP/1.1\r\n${H}\r\n`, 414, 'request-line-too-long'],
    [`GET / HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(9_000)}\r\n\r\n`, 431, 'header-too-large'],
    [`POST / HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`, 400, 'content-length'],
    ['CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', 501, 'method-not-implemented'],
  ];
  for (const [raw, status, rule] of cases) {
    refusals.length = 0;
    assert.deepEqual(await exchange(raw), [status], JSON.stringify(raw.slice(0, 60)));
    assert.deepEqual(refusals, [rule], JSON.stringify(raw.slice(0, 60)));
  }
  assert.deepEqual(seen, []);
});

test('a client gone mid-body: the body read fails and nothing is answered', async () => {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((r) => socket.on('connect', r));
  socket.write(`POST /up HTTP/1.1\r\n${H}Content-Length: 100\r\n\r\nhalf`);
  await waitFor(() => seen.length > 0, { timeoutMs: 5_000, what: 'the app to see the request' });
  socket.destroy();
  await waitFor(() => bodies.length > 0, { timeoutMs: 5_000, what: 'the body read to settle' });
  assert.deepEqual(seen, ['POST /up']);
  assert.ok(bodies.length > 0 && !bodies.includes('ended:half'), `body outcome: ${bodies.join(',')}`);
  assert.deepEqual(refusals, []);
});

test('admitRequest refusals: Host, target form, dot segments, Transfer-Encoding, limits; the app sees none of them', async () => {
  const cases: Array<[string, number, string]> = [
    ['GET / HTTP/1.1\r\n\r\n', 400, 'missing-host'],
    ['GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n', 400, 'duplicate-host'],
    ['GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n', 400, 'invalid-host'],
    ['GET / HTTP/1.1\r\nHost: u@a\r\n\r\n', 400, 'invalid-host'],
    ['GET / HTTP/1.1\r\nHost: \r\n\r\n', 400, 'invalid-host'],
    [`GET http://u@a/x HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-host'],
    [`GET http:///x HTTP/1.1\r\n${H}\r\n`, 400, 'invalid-host'],
    [`GET ftp://a/x HTTP/1.1\r\n${H}\r\n`, 400, 'target-form'],
    [`GET * HTTP/1.1\r\n${H}\r\n`, 400, 'target-form'],
    [`GET /a/../../etc HTTP/1.1\r\n${H}\r\n`, 400, 'target-escapes-root'],
    [`GET /%2e%2e/etc HTTP/1.1\r\n${H}\r\n`, 400, 'target-escapes-root'],
    ['POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'transfer-encoding-http10'],
    [`POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`, 501, 'transfer-encoding-unknown'],
    [`GET /${'a'.repeat(8_200)} HTTP/1.1\r\n${H}\r\n`, 414, 'request-line-too-long'],
    [`GET / HTTP/1.1\r\n${H}${'X-A: 1\r\n'.repeat(100)}\r\n`, 431, 'too-many-headers'],
  ];
  for (const [raw, status, rule] of cases) {
    refusals.length = 0;
    assert.deepEqual(await exchange(raw), [status], JSON.stringify(raw.slice(0, 60)));
    assert.deepEqual(refusals, [rule], JSON.stringify(raw.slice(0, 60)));
  }
  assert.deepEqual(seen, []);
});

test('admitRequest accepts: absolute-form (Host ignored), OPTIONS *, HTTP/1.0 without Host, chunk extensions, obs-text', async () => {
  const cases: Array<[string, string]> = [
    ['GET http://evil.example/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 'GET http://evil.example/x'],
    ['OPTIONS * HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 'OPTIONS *'],
    ['GET /ten HTTP/1.0\r\n\r\n', 'GET /ten'],
    [`POST /ext HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n3;a=b\r\nabc\r\n0\r\n\r\n`, 'POST /ext'],
    [`GET /obs HTTP/1.1\r\n${H}X-A: caf\xe9\tok\r\nConnection: close\r\n\r\n`, 'GET /obs'],
  ];
  for (const [raw, line] of cases) {
    seen.length = 0;
    assert.deepEqual(await exchange(raw), [200], JSON.stringify(raw.slice(0, 60)));
    assert.deepEqual(seen, [line]);
  }
  assert.deepEqual(refusals, []);
});
