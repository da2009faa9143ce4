/**
 * The PROXY protocol: the parser on its own, then through the real server from an allowed and
 * from a non-allowed peer.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseProxyHeader, V2_MAX } from './proxy-protocol.js';
import { startAppserver, tempProject, type AppserverProcess } from './testing/spawn-appserver.js';
import { rawExchange, slowPeerPause } from 'tsgi-test-support';

const SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function v2(command: number, family: number, addresses: Buffer, tlvs = Buffer.alloc(0)): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(addresses.length + tlvs.length);
  return Buffer.concat([SIG, Buffer.from([0x20 | command, family]), len, addresses, tlvs]);
}

function v4Block(src: number[], dst: number[], sport: number, dport: number): Buffer {
  const b = Buffer.alloc(12);
  Buffer.from(src).copy(b, 0);
  Buffer.from(dst).copy(b, 4);
  b.writeUInt16BE(sport, 8);
  b.writeUInt16BE(dport, 10);
  return b;
}

describe('parseProxyHeader', () => {
  it('reads a v1 TCP4 and TCP6 line and reports its length', () => {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.1 51000 80\r\n';
    const r = parseProxyHeader(Buffer.from(`${line}GET / HTTP/1.1\r\n`));
    assert.deepEqual(r, { kind: 'header', header: { version: 1, source: { address: '203.0.113.7', port: 51000, family: 'IPv4' }, length: line.length } });
    const r6 = parseProxyHeader(Buffer.from('PROXY TCP6 2001:DB8::1 ::1 443 80\r\n'));
    assert.equal(r6.kind === 'header' && r6.header.source?.address, '2001:db8::1');
    assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { kind: 'header', header: { version: 1, source: undefined, length: 15 } });
  });

  it('waits for more bytes, and refuses malformed or over-long v1 lines', () => {
    assert.equal(parseProxyHeader(Buffer.from('PRO')).kind, 'incomplete');
    assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.4')).kind, 'incomplete');
    assert.equal(parseProxyHeader(Buffer.from('PROXY TCP4 1.2.3.999 1.2.3.4 1 2\r\n')).kind, 'invalid');
    assert.equal(parseProxyHeader(Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}`)).kind, 'invalid');
    assert.equal(parseProxyHeader(Buffer.from('GET / HTTP/1.1\r\n')).kind, 'none');
  });

  it('reads v2 IPv4 and IPv6 blocks, LOCAL, and skips TLVs', () => {
    const r = parseProxyHeader(Buffer.concat([v2(1, 0x11, v4Block([198, 51, 100, 9], [10, 0, 0, 1], 4242, 80), Buffer.from([0x01, 0x00, 0x02, 0x68, 0x32])), Buffer.from('GET')]));
    assert.deepEqual(r, { kind: 'header', header: { version: 2, source: { address: '198.51.100.9', port: 4242, family: 'IPv4' }, length: 16 + 12 + 5 } });
    const six = Buffer.alloc(36);
    six.writeUInt16BE(0x2001, 0);
    six.writeUInt16BE(0x0db8, 2);
    six.writeUInt16BE(0x0005, 14);
    six.writeUInt16BE(1, 30);
    six.writeUInt16BE(8080, 32);
    const r6 = parseProxyHeader(v2(1, 0x21, six));
    assert.equal(r6.kind === 'header' && r6.header.source?.address, '2001:db8::5');
    assert.equal(r6.kind === 'header' && r6.header.source?.port, 8080);
    const local = parseProxyHeader(v2(0, 0x00, Buffer.alloc(0)));
    assert.deepEqual(local, { kind: 'header', header: { version: 2, source: undefined, length: 16 } });
  });

  it('caps the v2 block size and refuses unknown versions', () => {
    const big = Buffer.concat([SIG, Buffer.from([0x21, 0x11, 0xff, 0xff])]);
    assert.deepEqual(parseProxyHeader(big), { kind: 'invalid', reason: `PROXY v2 block of ${16 + 0xffff} bytes exceeds ${V2_MAX}` });
    assert.equal(parseProxyHeader(Buffer.concat([SIG, Buffer.from([0x31, 0x11, 0, 0])])).kind, 'invalid');
    assert.equal(parseProxyHeader(v2(1, 0x11, v4Block([1, 2, 3, 4], [5, 6, 7, 8], 1, 2)).subarray(0, 20)).kind, 'incomplete');
    assert.equal(parseProxyHeader(v2(1, 0x11, Buffer.alloc(4))).kind, 'invalid');
  });
});

/** Sends `data` to the server at `url` and returns all it sent until it closed the connection. */
const exchange = (url: string, data: Buffer): Promise<string> => rawExchange(Number(new URL(url).port), data);

describe('--proxy-protocol through the server', () => {
  let project: ReturnType<typeof tempProject>;
  let allowed: AppserverProcess & { url: string };
  let refused: AppserverProcess & { url: string };
  before(async () => {
    project = tempProject();
    writeFileSync(
      join(project.dir, 'app.ts'),
      `export const application = { fetch: (_r: Request, c: { client: { address: string; port?: number }; remoteAddress: string }) => new Response(\`client=\${c.client.address}:\${c.client.port} peer=\${c.remoteAddress}\`) };\n`,
    );
    [allowed, refused] = await Promise.all([
      startAppserver(['--proxy-protocol', '--forwarded-allow-ips', '', 'app.ts'], { cwd: project.dir }),
      startAppserver(['--proxy-protocol', '--proxy-allow-from', '10.9.9.9', 'app.ts'], { cwd: project.dir }),
    ]);
  });
  after(async () => {
    await Promise.all([allowed?.stop(), refused?.stop()]);
    project?.remove();
  });

  const request = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');

  it('a v1 header from an allowed peer sets the client address', async () => {
    const res = await exchange(allowed.url, Buffer.concat([Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 51000 80\r\n'), request]));
    assert.match(res, /^HTTP\/1\.1 200/);
    assert.match(res, /client=203\.0\.113\.7:51000 peer=203\.0\.113\.7$/);
  });

  it('a v2 header, sent in pieces, sets the client address', async () => {
    const header = v2(1, 0x11, v4Block([198, 51, 100, 9], [127, 0, 0, 1], 4242, 80));
    const { port } = new URL(allowed.url);
    const res = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1');
      let out = '';
      socket.on('data', (c) => (out += c.toString()));
      socket.on('close', () => resolve(out));
      socket.write(header.subarray(0, 7));
      // The server is another process and says nothing of a partial header: a slow sender's pause
      // is what makes the two pieces arrive apart.
      void slowPeerPause(50).then(() => socket.write(Buffer.concat([header.subarray(7), request])));
    });
    assert.match(res, /client=198\.51\.100\.9:4242/);
  });

  it('a connection without a header is served as it is', async () => {
    const res = await exchange(allowed.url, request);
    assert.match(res, /client=127\.0\.0\.1:\d+ peer=127\.0\.0\.1$/);
  });

  it('a malformed header closes the connection without an answer', async () => {
    assert.equal(await exchange(allowed.url, Buffer.from('PROXY TCP4 nonsense\r\nGET / HTTP/1.1\r\n\r\n')), '');
  });

  it('a peer not in --proxy-allow-from cannot speak for someone else: its PROXY line is a bad request', async () => {
    const res = await exchange(refused.url, Buffer.concat([Buffer.from('PROXY TCP4 203.0.113.7 127.0.0.1 51000 80\r\n'), request]));
    assert.match(res, /^HTTP\/1\.1 400/);
    assert.doesNotMatch(res, /203\.0\.113\.7/);
  });
});
