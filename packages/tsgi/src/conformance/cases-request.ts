/**
 * Cases about the request and context a server builds (SPEC.md sections 3 and 4).
 * @module
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RawConnection } from './raw-http.js';
import { echoReport, hostOf, rawRequest, send, type Kit } from './kit.js';
import { TSGI_VERSION } from '../types.js';
import { readObservation } from './observations.js';

/** Registers the request and context cases. */
export function registerRequestCases(kit: Kit): void {
  kit.test('S-CTX', 'every context field is present, typed, and describes this connection; no field outside SPEC or extension names (R2.1.3 R3.0.1 R4.0.1 R4.0.2 R4.0.2b R4.0.3 R4.0.3b R4.0.4 R4.3.2 R4.3.3 R4.4.1 R4.8.1 R4.9.1 R3.8.1 R2.5.1 R2.5.1b)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'GET', '/echo', { headers: [['X-Probe', 'ctx']] }));
      const report = echoReport(await conn.readFinal());
      assert.deepEqual(report.violations, []);
      const c = report.context;
      assert.equal(c.remoteAddress, '127.0.0.1');
      assert.equal(c.remotePort, conn.localPort, 'remotePort is the client socket port');
      assert.equal(c.localAddress, '127.0.0.1');
      assert.equal(c.localPort, Number(new URL(base).port), 'localPort is the port the server listens on');
      assert.equal(c.serverName, '127.0.0.1');
      assert.equal(c.encrypted, false);
      assert.equal(c.scheme, 'http');
      assert.equal(c.protocol, 'HTTP/1.1');
      assert.equal(c.mountPath, '');
      assert.deepEqual(c.client, { address: '127.0.0.1', port: conn.localPort });
      assert.ok(Number.isInteger(c.worker.id) && c.worker.id >= 1);
      assert.equal(c.server.tsgiVersion, TSGI_VERSION, 'context.server.tsgiVersion must name the SPEC version this kit checks (R4.3.2)');
      assert.equal(report.signalAborted, false);
      assert.deepEqual(report.call, { argumentCount: 2, thisIsApp: true }, 'fetch must be called as app.fetch(request, context) (R2.1.3)');
      assert.equal(report.logThrew, null, 'context.log.debug threw (R4.8.1)');
      assert.deepEqual(report.extraContextFields, [], 'context fields outside SPEC 4.0 must be named like extensions, with a dot (R4.0.4)');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-CTX-SERVER-ONCE', 'context.server is the same object for every request of a worker, the context a new one (R4.3.1 R4.2.1)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      for (let i = 0; i < 2; i++) await conn.write(rawRequest(base, 'GET', `/echo?n=${i}`, { close: false }));
      echoReport(await conn.readFinal());
      const second = echoReport(await conn.readFinal());
      assert.equal(second.sameServerAsPrevious, true, 'two requests on one connection saw different context.server objects');
      assert.equal(second.sameContextAsPrevious, false, 'two requests on one connection got the same context object (R4.2.1)');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-RAWHEADERS', 'rawHeaders keeps order, case and duplicates (R3.4.3)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      await conn.write(`GET /echo HTTP/1.1\r\nhOsT: ${hostOf(base)}\r\nX-B: 2\r\nx-a: 1\r\nX-B: 3\r\nConnection: close\r\n\r\n`);
      const report = echoReport(await conn.readFinal());
      assert.deepEqual(report.context.rawHeaders, ['hOsT', hostOf(base), 'X-B', '2', 'x-a', '1', 'X-B', '3', 'Connection', 'close']);
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-HEADERS-EXACT', 'request.headers holds the fields sent, none added, removed or rewritten (R3.4.4)', async () => {
    const base = kit.root();
    const sent: Array<[string, string]> = [['x-one', 'a'], ['accept', 'text/plain'], ['user-agent', 'tsgi-kit'], ['x-two', 'b, c']];
    const response = await send(base, 'GET', '/echo', { headers: sent });
    const report = echoReport(response);
    // A server MAY add X-Request-Id (SPEC 3.4.5); nothing else.
    const seen = report.headers.filter(([name]) => name !== 'x-request-id');
    const expected = [['host', hostOf(base)], ...sent, ['connection', 'close']].sort(([a], [b]) => (a! < b! ? -1 : 1));
    assert.deepEqual(seen, expected);
  });

  kit.test('S-EXPECT-417', 'an expectation other than 100-continue gets 417 without the app (R3.6.1b)', async () => {
    const base = kit.root();
    const seen = kit.id('expect');
    const response = await send(base, 'POST', `/echo?seen=${seen}`, { headers: [['Expect', 'x-probe-unknown']], body: 'hello' });
    assert.equal(response.status, 417);
    assert.equal(readObservation(kit.dir(), `seen-${seen}`), undefined, 'the app was called for a request whose expectation the server cannot meet');
  });

  kit.test('S-BODY-100MB', 'a 100 MB body streams through intact, with backpressure (R3.5.2 R3.5.3 R2.5.2)', async () => {
    const base = kit.root();
    const total = 100_000_000;
    const block = Buffer.alloc(1 << 20);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31) & 0xff;
    const hash = createHash('sha256');
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'POST', '/echo', { headers: [['Content-Length', String(total)], ['Content-Type', 'application/octet-stream']] }));
      let sent = 0;
      while (sent < total) {
        const piece = block.subarray(0, Math.min(block.length, total - sent));
        hash.update(piece);
        await conn.write(piece);
        sent += piece.length;
      }
      const report = echoReport(await conn.readFinal({ timeoutMs: 120_000 }));
      assert.equal(report.bodyLength, total);
      assert.equal(report.bodySha256, hash.digest('hex'));
      assert.ok(report.bodyChunks > 1, 'the body arrived as one chunk: it was buffered whole before the app ran');
    } finally {
      conn.destroy();
    }
  }, 180_000);

  kit.test('S-BODY-BACKPRESSURE', 'an app that stops reading stops the upload: the server does not buffer the body (R3.5.3)', async () => {
    const base = kit.root();
    const total = 64 * 1024 * 1024;
    const block = Buffer.alloc(1 << 20, 0x62);
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'POST', '/stall?ms=3000', { headers: [['Content-Length', String(total)]] }));
      let flushed = 0;
      const writing = (async () => {
        for (let sent = 0; sent < total; sent += block.length) {
          await conn.write(block);
          flushed += block.length;
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const duringStall = flushed;
      await writing;
      const report = JSON.parse((await conn.readFinal({ timeoutMs: 60_000 })).body.toString()) as { length: number };
      assert.equal(report.length, total);
      // Kernel socket buffers hold a few MiB; a server that buffers in memory takes everything.
      assert.ok(duringStall < 40 * 1024 * 1024, `the client wrote ${duringStall} bytes while the app read nothing: the server buffered the body`);
    } finally {
      conn.destroy();
    }
  }, 120_000);

  kit.test('S-BODY-CUT', 'a body cut short by the client errors the stream instead of ending it (R3.5.4 R6.3)', async () => {
    const base = kit.root();
    const id = kit.id('cut');
    const conn = await RawConnection.open(base);
    await conn.write(rawRequest(base, 'POST', `/echo?id=${id}`, { headers: [['Content-Length', '100000']], close: false }));
    await conn.write('only a few bytes');
    await new Promise((resolve) => setTimeout(resolve, 200));
    conn.destroy();
    const observed = await kit.observation(`${id}.bodyerror`, 'the app reading a body the client abandoned');
    assert.equal(typeof observed.error, 'string');
    const again = await RawConnection.open(base);
    try {
      await again.write(rawRequest(base, 'GET', '/echo'));
      assert.equal((await again.readFinal()).status, 200, 'the server still serves after a client abandoned a body');
    } finally {
      again.destroy();
    }
  });

  kit.test('S-CONTINUE-READ', '100 Continue is sent when the app reads the body, then the body arrives (R3.6.2)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'POST', '/echo', { headers: [['Content-Length', '5'], ['Expect', '100-continue']] }));
      const interim = await conn.readResponse();
      assert.equal(interim.status, 100, 'the server did not send 100 Continue while the app waited for the body');
      await conn.write('hello');
      const report = echoReport(await conn.readFinal());
      assert.equal(report.bodyLength, 5);
      assert.equal(report.bodySha256, createHash('sha256').update('hello').digest('hex'));
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-CONTINUE-NOREAD', 'no 100 Continue when the app answers without reading (R3.6.2b)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'POST', '/no-read', { headers: [['Content-Length', '5'], ['Expect', '100-continue']] }));
      const response = await conn.readFinal();
      assert.equal(response.status, 200);
      assert.deepEqual(response.interim.map((r) => r.status), [], 'the server sent 100 Continue although the app never read the body');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-PIPELINE', 'pipelined requests are answered in order (R2.2.3)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      const batch = [
        rawRequest(base, 'GET', '/echo?n=1', { close: false }),
        rawRequest(base, 'POST', '/echo?n=2', { close: false, body: 'two' }),
        rawRequest(base, 'GET', '/text?size=3', { close: false }),
        rawRequest(base, 'GET', '/echo?n=4'),
      ].join('');
      await conn.write(batch);
      const first = echoReport(await conn.readFinal());
      const second = echoReport(await conn.readFinal());
      const third = await conn.readFinal();
      const fourth = echoReport(await conn.readFinal());
      assert.match(first.url, /\/echo\?n=1$/);
      assert.match(second.url, /\/echo\?n=2$/);
      assert.equal(second.bodyLength, 3);
      assert.equal(third.body.toString(), 'xxx');
      assert.match(fourth.url, /\/echo\?n=4$/);
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-KEEPALIVE', 'one connection serves several requests in turn (RFC 9112 9.3)', async () => {
    const base = kit.root();
    const conn = await RawConnection.open(base);
    try {
      for (let i = 0; i < 5; i++) {
        await conn.write(rawRequest(base, i % 2 === 0 ? 'GET' : 'POST', `/echo?n=${i}`, { close: false, ...(i % 2 === 0 ? {} : { body: 'x'.repeat(i) }) }));
        const report = echoReport(await conn.readFinal());
        assert.match(report.url, new RegExp(`/echo\\?n=${i}$`));
        assert.equal(report.context.remotePort, conn.localPort);
      }
      assert.equal(conn.ended, false, 'the server closed a keep-alive connection');
    } finally {
      conn.destroy();
    }
  });
}
