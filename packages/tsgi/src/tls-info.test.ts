import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { tempDir } from 'tsgi-test-support';
import { DEFAULT_LIMITS, TSGI_FILE_EXTENSION, TSGI_TLS_EXTENSION, TSGI_VERSION, tlsInfo, toNodeListener, type TsgiApp, type TsgiServerInfo } from './index.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let cert: Buffer;
let key: Buffer;

before(async () => {
  tmp = await tempDir('tsgi-tls-');
  const certPath = join(tmp.dir, 'cert.pem');
  const keyPath = join(tmp.dir, 'key.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  } catch (error) {
    assert.fail(`this test needs the openssl command (Debian package openssl) to make a certificate: ${String(error)}`);
  }
  cert = readFileSync(certPath);
  key = readFileSync(keyPath);
});
after(() => tmp.cleanup());

/** An app that reports what tlsInfo() and the context field give. */
const report: TsgiApp = (_request, context) => {
  const info = tlsInfo(context);
  const field = (context as unknown as Record<string, unknown>)['tsgi.tls'];
  return Response.json({
    present: 'tsgi.tls' in context && field !== undefined,
    info: info === null ? null : { ...info, peerCertificate: info.peerCertificate === null ? null : new X509Certificate(info.peerCertificate).subject },
  });
};

function serverInfo(tls: boolean): TsgiServerInfo {
  const extensions = tls ? { [TSGI_FILE_EXTENSION]: true, [TSGI_TLS_EXTENSION]: true } : { [TSGI_FILE_EXTENSION]: true };
  return Object.freeze({ software: 'tls-test/1', tsgiVersion: TSGI_VERSION, extensions, limits: DEFAULT_LIMITS });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function get(port: number, options: { servername?: string; cert?: Buffer; key?: Buffer }): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // ALPNProtocols is passed on to tls.connect; https's RequestOptions type does not list it.
    const requestOptions: RequestOptions & { ALPNProtocols: string[] } = { host: '127.0.0.1', port, path: '/', ca: [cert], ALPNProtocols: ['http/1.1'], ...options, headers: { host: 'localhost', connection: 'close' } };
    const req = httpsRequest(requestOptions, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a server declaring tsgi.tls gives SNI, ALPN, version, cipher and the client certificate (SPEC 4.10)', async () => {
  const server = createHttpsServer({ cert, key, ca: [cert], requestCert: true, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, toNodeListener(report, { server: serverInfo(true) }));
  const port = await listen(server);
  try {
    const anonymous = await get(port, { servername: 'localhost' });
    assert.equal(anonymous.present, true);
    const info = anonymous.info as Record<string, unknown>;
    assert.equal(info.serverName, 'localhost');
    assert.equal(info.alpnProtocol, 'http/1.1');
    assert.match(String(info.version), /^TLSv1\.[23]$/);
    assert.match(String(info.cipher), /^TLS_/);
    assert.equal(info.peerCertificate, null);
    assert.equal(info.peerCertificateVerified, false);

    const withCert = (await get(port, { servername: 'localhost', cert, key })).info as Record<string, unknown>;
    assert.equal(withCert.peerCertificate, 'CN=localhost', 'the client certificate arrives as DER that X509Certificate reads');
    assert.equal(withCert.peerCertificateVerified, true, 'the certificate is signed by a CA the server trusts (itself)');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('without TLS the declared field is null; without the declaration it is absent and tlsInfo() is null', async () => {
  const declared = createHttpServer(toNodeListener(report, { server: serverInfo(true) }));
  const plain = createHttpServer(toNodeListener(report, { server: serverInfo(false) }));
  const [declaredPort, plainPort] = [await listen(declared), await listen(plain)];
  try {
    const a = (await (await fetch(`http://127.0.0.1:${declaredPort}/`)).json()) as Record<string, unknown>;
    assert.deepEqual(a, { present: true, info: null }, 'declared, on a plain connection: null');
    const b = (await (await fetch(`http://127.0.0.1:${plainPort}/`)).json()) as Record<string, unknown>;
    assert.deepEqual(b, { present: false, info: null }, 'not declared: no field');
  } finally {
    for (const s of [declared, plain]) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  }
});
