/**
 * OCSP stapling against a real responder: `openssl ocsp -index ... -port` for a tiny CA made with
 * openssl, behind a counting TCP relay (so the test sees how often the server asks), and clients
 * that request status: node's tls.connect({ requestOCSP }) and `openssl s_client -status`.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { loadConfigText } from '../config/load.js';
import type { WebServer } from './web-server.js';
import { makeCert, makePki } from '../testing/certs.js';
import type { TestPki } from '../testing/certs.js';
import { startFromText } from '../testing/helpers.js';
import { tlsRequest } from '../testing/tls-client.js';
import { freePort, tempDir, waitFor, waitForOutput } from 'tsgi-test-support';

const run = promisify(execFile);

/** A TCP relay to `target` that counts connections; `hang` makes it accept and never answer. */
async function relay(port: number, target: () => number | undefined): Promise<{ close: () => Promise<void>; port: number; connections: () => number }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    n++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    const to = target();
    if (to === undefined) return; // a responder that never answers
    const upstream = connect(to, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise((done) => server.close(done));
  };
  return { close, port, connections: () => n };
}

/** `openssl s_client` with stdin at its end (it hands shakes, prints, and leaves); bounded. */
function sClient(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/**
 * `openssl ocsp` as a responder, ready once it says so. (Not probed by connecting: it answers the
 * next request with a reset after a connection that sent nothing.)
 */
async function startResponder(pki: TestPki, index: string, port: number, children: ChildProcess[], signer = { cert: pki.caCert, key: pki.caKey }): Promise<void> {
  const child = spawn('openssl', ['ocsp', '-index', index, '-port', String(port), '-rsigner', signer.cert, '-rkey', signer.key, '-CA', pki.caCert, '-ndays', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  await waitForOutput(child, /waiting for OCSP client connections/, { timeoutMs: 20_000, what: 'openssl ocsp' });
  child.stdout!.resume();
  child.stderr!.resume();
}

const serverBlock = (name: string, chain: string, key: string, extra = '') => `
[[server]]
listen = "127.0.0.1:0 ssl"
server_name = ["${name}"]
ssl_certificate = "${chain}"
ssl_certificate_key = "${key}"
return = "200 ${name}"
${extra}`;

describe('OCSP stapling', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  const children: ChildProcess[] = [];
  const relays: Array<{ close: () => Promise<void>; port: number }> = [];
  const servers: WebServer[] = [];

  before(async () => {
    tmp = await tempDir();
    try {
      await run('openssl', ['version']);
    } catch (err) {
      assert.fail(`the openssl command is missing (Debian package openssl): ${(err as Error).message}`);
    }
  });
  after(async () => {
    for (const s of servers) await s.close();
    for (const r of relays) await r.close();
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await new Promise((done) => c.once('exit', done));
      }
    }
    await tmp.cleanup();
  });

  /** A responder for a new CA whose leaf names the relay; `status` R: the leaf is revoked. */
  async function pkiWithResponder(name: string, status: 'V' | 'R' | 'hang', signer?: { cert: string; key: string }) {
    const relayPort = await freePort();
    const pki = await makePki(tmp.dir, name, `http://127.0.0.1:${relayPort}/`);
    let responderPort: number | undefined;
    if (status !== 'hang') {
      responderPort = await freePort();
      await startResponder(pki, await pki.writeIndex(status), responderPort, children, signer);
    }
    const r = await relay(relayPort, () => responderPort);
    relays.push(r);
    return { pki, connections: r.connections };
  }

  it('staples the responder\'s good answer, fetched once and served from the cache; openssl s_client verifies it', async () => {
    const { pki, connections } = await pkiWithResponder('good.test', 'V');
    const server = await startFromText(serverBlock('good.test', pki.chain, pki.leafKey, 'ssl_stapling = true\nssl_stapling_verify = true'));
    servers.push(server);
    const port = server.addresses()[0]!.port!;
    // The first answer arrives shortly after start; handshakes before it simply get no staple.
    const first = await waitFor(async () => (await tlsRequest(port, { servername: 'good.test', requestOCSP: true })).ocsp, { timeoutMs: 20_000, intervalMs: 100, what: 'a stapled OCSP response' });
    for (let i = 0; i < 10; i++) {
      const r = await tlsRequest(port, { servername: 'good.test', requestOCSP: true });
      assert.ok(r.ocsp?.equals(first), `handshake ${i}: the cached response`);
    }
    assert.equal(connections(), 1, 'one request to the responder for all the handshakes');
    const stdout = await sClient(['-connect', `127.0.0.1:${port}`, '-servername', 'good.test', '-status', '-CAfile', pki.caCert]);
    assert.match(stdout, /OCSP Response Status: successful \(0x0\)/);
    assert.match(stdout, /Cert Status: good/);
    assert.match(stdout, /Verify return code: 0 \(ok\)/);
    // A client that does not ask gets none.
    assert.equal((await tlsRequest(port, { servername: 'good.test' })).ocsp, undefined);
  });

  it('staples nothing for a revoked certificate, and never holds a handshake for a responder that does not answer', async () => {
    const revoked = await pkiWithResponder('revoked.test', 'R');
    const hanging = await pkiWithResponder('hang.test', 'hang');
    const server = await startFromText(`error_log_level = "crit"\nssl_stapling = true
${serverBlock('revoked.test', revoked.pki.chain, revoked.pki.leafKey)}
${serverBlock('hang.test', hanging.pki.chain, hanging.pki.leafKey)}`);
    servers.push(server);
    // Both servers share the socket; SNI picks the certificate, and with it the staple.
    const port = server.addresses()[0]!.port!;
    await waitFor(() => revoked.connections() >= 1 && hanging.connections() >= 1, { timeoutMs: 20_000, what: 'the server to ask both responders' });
    for (const name of ['revoked.test', 'hang.test']) {
      const started = Date.now();
      const r = await tlsRequest(port, { servername: name, requestOCSP: true });
      assert.equal(r.body, name);
      assert.equal(r.ocsp, undefined, `${name}: no staple`);
      assert.ok(Date.now() - started < 5_000, `${name}: the handshake did not wait for the responder (${Date.now() - started} ms)`);
    }
  });

  it('ssl_stapling_verify: an answer signed by a key the issuer never certified is not stapled (without it, it is)', async () => {
    const forger = await makeCert(tmp.dir, 'forger.test');
    const { pki, connections } = await pkiWithResponder('forged.test', 'V', forger);
    const log = join(tmp.dir, 'verify-error.log');
    const verifying = await startFromText(`error_log = "${log}"\nerror_log_level = "warn"\n${serverBlock('forged.test', pki.chain, pki.leafKey, 'ssl_stapling = true\nssl_stapling_verify = true')}`);
    const trusting = await startFromText(serverBlock('forged.test', pki.chain, pki.leafKey, 'ssl_stapling = true'));
    servers.push(verifying, trusting);
    // The trusting server staples the forged answer once it has it; by then both have asked.
    const forged = await waitFor(async () => (await tlsRequest(trusting.addresses()[0]!.port!, { servername: 'forged.test', requestOCSP: true })).ocsp, { timeoutMs: 20_000, intervalMs: 100, what: 'the unverified staple' });
    assert.ok(forged.length > 0);
    assert.ok(connections() >= 1);
    const refused = await waitFor(async () => {
      verifying.errorLog.sink.flush();
      return /the signature does not verify against the issuer or an OCSP signer it certified/.exec(await readFile(log, 'utf8').catch(() => ''));
    }, { timeoutMs: 20_000, what: 'the verifying server to refuse the answer' });
    assert.ok(refused);
    const r = await tlsRequest(verifying.addresses()[0]!.port!, { servername: 'forged.test', requestOCSP: true });
    assert.equal(r.ocsp, undefined, 'the verifying server staples nothing');
  });

  it('ssl_stapling_file: staples that response as it is, asking no responder', async () => {
    const { pki, connections } = await pkiWithResponder('file.test', 'V');
    const der = join(tmp.dir, 'file.test.ocsp.der');
    await run('openssl', ['ocsp', '-issuer', pki.caCert, '-cert', pki.leafCert, '-url', `http://127.0.0.1:${relays[relays.length - 1]!.port}/`, '-respout', der, '-noverify'], { timeout: 30_000 });
    const before = connections();
    const server = await startFromText(serverBlock('file.test', pki.leafCert, pki.leafKey, `ssl_stapling = true\nssl_stapling_file = "${der}"`));
    servers.push(server);
    const r = await tlsRequest(server.addresses()[0]!.port!, { servername: 'file.test', requestOCSP: true });
    assert.ok(r.ocsp?.equals(await readFile(der)), 'the file, byte for byte');
    assert.equal(connections(), before, 'no request to the responder');
  });

  it('warns and staples nothing when there is no issuer to ask about (a self-signed certificate)', async () => {
    const log = join(tmp.dir, 'error.log');
    const plain = await makeCert(tmp.dir, 'plain.test');
    await writeFile(log, '');
    const server = await startFromText(`error_log = "${log}"\nerror_log_level = "warn"\n${serverBlock('plain.test', plain.cert, plain.key, 'ssl_stapling = true')}`);
    servers.push(server);
    server.errorLog.sink.flush();
    const text = await waitFor(async () => {
      const t = await readFile(log, 'utf8');
      return /ssl_stapling" ignored/.test(t) && t;
    }, { what: 'the warning' });
    assert.match(text, /\[warn\] .*"ssl_stapling" ignored for .*plain\.test\.pem: the issuer of "CN=plain\.test" is neither in ssl_certificate nor in ssl_trusted_certificate/);
    const r = await tlsRequest(server.addresses()[0]!.port!, { servername: 'plain.test', requestOCSP: true });
    assert.equal(r.ocsp, undefined);
    // tsgi-webserver -t says so too, with the line, as nginx -t does.
    const config = await loadConfigText(`ssl_stapling = true\n${serverBlock('plain.test', plain.cert, plain.key)}`, '/etc/site.toml');
    assert.deepEqual(config.warnings, [`/etc/site.toml:1: "ssl_stapling" ignored for ${plain.cert}: the issuer of "CN=plain.test" is neither in ssl_certificate nor in ssl_trusted_certificate`]);
    const inServer = await loadConfigText(serverBlock('plain.test', plain.cert, plain.key, 'ssl_stapling = true'), '/etc/site.toml');
    assert.match(inServer.warnings[0] ?? '', /^\/etc\/site\.toml:8: "ssl_stapling" ignored/, 'the line of the server\'s own key');
  });
});
