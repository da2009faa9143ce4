/**
 * Cases that need a configured server: trusted proxies (SPEC.md 3.2), the mount path (3.1.5)
 * and limits (3.6, 8).
 * @module
 */
import assert from 'node:assert/strict';
import { RawConnection, exchange } from './raw-http.js';
import { echoReport, hostOf, rawRequest, send, RESTRICTED_LIMITS, RESTRICTED_MOUNT, type Kit } from './kit.js';
import { readObservation } from './observations.js';
import { LOOPBACK_TRUST } from './loopback.js';

/** The header timeout S-LIMIT-HEADERS-TIMEOUT asks for: short enough for a test, long enough for a loaded machine to send a request line. */
const HEADERS_TIMEOUT_MS = 1_500;

/** Registers the proxy, mount and limit cases. */
export function registerRestrictedCases(kit: Kit): void {
  kit.test('S-PROXY-TRUSTED', 'a trusted proxy sets scheme, url and client; the peer stays remoteAddress (R3.1.2 R3.2.1 R3.2.3 R3.2.3b)', async () => {
    const base = kit.root();
    const report = echoReport(
      await send(base, 'GET', '/echo?p=1', { headers: [['X-Forwarded-For', '203.0.113.7, 127.0.0.1'], ['X-Forwarded-Proto', 'https']] }),
    );
    assert.deepEqual(report.violations, []);
    assert.equal(report.url, `https://${hostOf(base)}/echo?p=1`);
    assert.equal(report.context.scheme, 'https');
    assert.equal(report.context.encrypted, false);
    assert.equal(report.context.client.address, '203.0.113.7');
    assert.equal(report.context.remoteAddress, '127.0.0.1');
  });

  kit.test('S-PROXY-UNTRUSTED', "an untrusted peer's forwarding headers are ignored but stay visible (R3.2.1 R3.2.2 R3.2.2b R9.2)", async () => {
    const base = kit.restricted();
    const conn = await RawConnection.open(base);
    try {
      await conn.write(
        rawRequest(base, 'GET', `${RESTRICTED_MOUNT}/echo`, {
          headers: [['X-Forwarded-For', '203.0.113.7'], ['X-Forwarded-Proto', 'https'], ['Forwarded', 'for=198.51.100.1;proto=https']],
        }),
      );
      const report = echoReport(await conn.readFinal());
      assert.deepEqual(report.violations, []);
      assert.equal(report.url, `http://${hostOf(base)}${RESTRICTED_MOUNT}/echo`);
      assert.equal(report.context.scheme, 'http');
      assert.deepEqual(report.context.client, { address: '127.0.0.1', port: conn.localPort });
      const headers = Object.fromEntries(report.headers);
      assert.equal(headers['x-forwarded-for'], '203.0.113.7');
      assert.equal(headers.forwarded, 'for=198.51.100.1;proto=https');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-MOUNT', 'a mounted app sees the full path and its mountPath (R3.1.5 R9.2)', async () => {
    const base = kit.restricted();
    const report = echoReport(await send(base, 'GET', `${RESTRICTED_MOUNT}/echo?q=%2F`));
    assert.equal(report.url, `http://${hostOf(base)}${RESTRICTED_MOUNT}/echo?q=%2F`);
    assert.equal(report.context.mountPath, RESTRICTED_MOUNT);
  });

  kit.test('S-MOUNT-404', 'requests outside the mount path get 404 without the app (R3.1.5b)', async () => {
    const base = kit.restricted();
    for (const path of ['/echo', `${RESTRICTED_MOUNT}x/echo`, '/']) {
      const seen = kit.id('outside');
      const response = await send(base, 'GET', `${path}?seen=${seen}`);
      assert.equal(response.status, 404, `${path} answered ${response.status}`);
      assert.equal(readObservation(kit.dir(), `seen-${seen}`), undefined, `${path} reached the app`);
    }
  });

  kit.test('S-LIMIT-BODY', 'a Content-Length over maxBodyBytes gets 413 without the app (R8.2 R8.1)', async () => {
    const base = kit.restricted();
    const seen = kit.id('big');
    const response = await exchange(base, rawRequest(base, 'POST', `${RESTRICTED_MOUNT}/echo?seen=${seen}`, { headers: [['Content-Length', String(RESTRICTED_LIMITS.maxBodyBytes + 1)]] }));
    assert.equal(response.status, 413);
    assert.equal(readObservation(kit.dir(), `seen-${seen}`), undefined, 'the app was called');
  });

  kit.test('S-LIMIT-CHUNKED', 'a chunked body growing past maxBodyBytes errors the stream and gets 413 (R8.2b R8.2c)', async () => {
    const base = kit.restricted();
    const id = kit.id('chunked');
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'POST', `${RESTRICTED_MOUNT}/echo?id=${id}`, { headers: [['Transfer-Encoding', 'chunked']] }));
      const block = 'a'.repeat(16 * 1024);
      const chunk = `${block.length.toString(16)}\r\n${block}\r\n`;
      for (let sent = 0; sent <= RESTRICTED_LIMITS.maxBodyBytes * 2 && !conn.ended; sent += block.length) {
        await conn.write(chunk).catch(() => undefined);
      }
      await conn.write('0\r\n\r\n').catch(() => undefined);
      const response = await conn.readFinal();
      assert.equal(response.status, 413);
    } finally {
      conn.destroy();
    }
    const observed = await kit.observation(`${id}.bodyerror`, 'the app reading a body over the limit');
    assert.equal(typeof observed.error, 'string');
  });

  kit.test('S-LIMIT-CONTINUE', 'Expect: 100-continue over the body limit gets 413 and no 100 (R3.6.1)', async () => {
    const base = kit.restricted();
    const seen = kit.id('cont');
    const conn = await RawConnection.open(base);
    try {
      await conn.write(rawRequest(base, 'POST', `${RESTRICTED_MOUNT}/echo?seen=${seen}`, { headers: [['Content-Length', String(RESTRICTED_LIMITS.maxBodyBytes + 1)], ['Expect', '100-continue']] }));
      const response = await conn.readFinal();
      assert.equal(response.status, 413);
      assert.deepEqual(response.interim.map((r) => r.status), []);
      assert.equal(readObservation(kit.dir(), `seen-${seen}`), undefined, 'the app was called');
    } finally {
      conn.destroy();
    }
  });

  kit.test('S-LIMIT-LINE', 'a request line over maxRequestLineBytes gets 414 without the app (R8.3 R8.1)', async () => {
    const base = kit.restricted();
    const seen = kit.id('line');
    const target = `${RESTRICTED_MOUNT}/echo?seen=${seen}&pad=${'a'.repeat(RESTRICTED_LIMITS.maxRequestLineBytes)}`;
    const response = await exchange(base, rawRequest(base, 'GET', target), { closeWaitMs: kit.closeWaitMs });
    assert.equal(response.status, 414);
    assert.equal(readObservation(kit.dir(), `seen-${seen}`), undefined, 'the app was called');
  });

  kit.test('S-LIMIT-HEADER-COUNT', 'more than maxHeaderCount fields gets 431 without the app (R8.3 R8.1)', async () => {
    const base = kit.restricted();
    const seen = kit.id('count');
    const headers = Array.from({ length: RESTRICTED_LIMITS.maxHeaderCount + 1 }, (_, i) => [`X-Field-${i}`, 'v'] as const);
    const response = await exchange(base, rawRequest(base, 'GET', `${RESTRICTED_MOUNT}/echo?seen=${seen}`, { headers }), { closeWaitMs: kit.closeWaitMs });
    assert.equal(response.status, 431);
    assert.equal(readObservation(kit.dir(), `seen-${seen}`), undefined, 'the app was called');
  });

  kit.test('S-LIMIT-HEADER-FIELD', 'a field over maxHeaderFieldBytes gets 431 without the app (R8.3 R8.1)', async () => {
    const base = kit.restricted();
    const seen = kit.id('field');
    const headers = [['X-Big', 'b'.repeat(RESTRICTED_LIMITS.maxHeaderFieldBytes)]] as const;
    const response = await exchange(base, rawRequest(base, 'GET', `${RESTRICTED_MOUNT}/echo?seen=${seen}`, { headers }), { closeWaitMs: kit.closeWaitMs });
    assert.equal(response.status, 431);
    assert.equal(readObservation(kit.dir(), `seen-${seen}`), undefined, 'the app was called');
  });

  kit.test('S-LIMIT-HEADERS-TIMEOUT', 'a header section not finished within headersTimeoutMs gets 408 and the connection closed (R8.1)', async () => {
    const server = await kit.harness.start(kit.probe, { trustedProxies: [...LOOPBACK_TRUST], mountPath: '', limits: { headersTimeoutMs: HEADERS_TIMEOUT_MS } });
    try {
      const declared = echoReport(await send(server.url, 'GET', '/echo')).context.server.limits.headersTimeoutMs;
      // SPEC 8.1 binds the limits a server declares; a host that owns its own timeouts declares 0.
      if (declared === 0) return;
      assert.equal(declared, HEADERS_TIMEOUT_MS, 'limits.headersTimeoutMs is not the one the harness was given (R9.2)');
      const conn = await RawConnection.open(server.url);
      try {
        const started = Date.now();
        await conn.write(`GET /echo HTTP/1.1\r\nHost: ${hostOf(server.url)}\r\nX-Slow: 1\r\n`);
        const response = await conn.readFinal({ timeoutMs: HEADERS_TIMEOUT_MS + kit.waitMs });
        assert.equal(response.status, 408);
        assert.ok(Date.now() - started >= HEADERS_TIMEOUT_MS - 100, `408 after ${Date.now() - started} ms, before the ${HEADERS_TIMEOUT_MS} ms limit`);
        assert.ok(await conn.waitClosed(kit.closeWaitMs), 'the connection stayed open after the 408');
      } finally {
        conn.destroy();
      }
    } finally {
      await server.close();
    }
  }, 60_000);

  kit.test('S-LIMITS-DECLARED', 'context.server.limits declares the limits the server enforces (R4.3.3 R9.2)', async () => {
    const base = kit.restricted();
    const report = echoReport(await send(base, 'GET', `${RESTRICTED_MOUNT}/echo`));
    for (const [name, value] of Object.entries(RESTRICTED_LIMITS)) assert.equal(report.context.server.limits[name], value, `limits.${name}`);
  });
}
