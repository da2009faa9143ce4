import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CidrSet, normalizeIp } from './ip-address.js';
import { resolveForwarded } from './trusted-proxy.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, toNodeListener, type NodeAdapterOptions, type TsgiContext } from './index.js';
import { portOf } from './raw-socket.test.util.js';
import { rawExchange, readUntilClose } from 'tsgi-test-support';

test('CidrSet matches IPv4 and IPv6 blocks, and IPv4-mapped IPv6 peers against IPv4 blocks', () => {
  const set = new CidrSet(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1', '2001:db8::/32']);
  assert.equal(set.has('10.200.3.4'), true);
  assert.equal(set.has('11.0.0.1'), false);
  assert.equal(set.has('192.168.1.7'), true);
  assert.equal(set.has('192.168.1.8'), false);
  assert.equal(set.has('::ffff:10.1.2.3'), true);
  assert.equal(set.has('::ffff:11.1.2.3'), false);
  assert.equal(set.has('fd12:3456::1'), true);
  assert.equal(set.has('fe80::1'), false);
  assert.equal(set.has('::1'), true);
  assert.equal(set.has('[::1]'), true);
  assert.equal(set.has('2001:db8:ffff::1'), true);
  assert.equal(set.has('2001:db9::1'), false);
  assert.equal(set.has('not-an-ip'), false);
  assert.equal(new CidrSet(['0.0.0.0/0']).has('8.8.8.8'), true);
  assert.equal(new CidrSet(['::/0']).has('2a00::1'), true);
  assert.equal(new CidrSet(['10.1.2.0/23']).has('10.1.3.255'), true);
  assert.equal(new CidrSet(['10.1.2.0/23']).has('10.1.4.0'), false);
  assert.equal(new CidrSet([]).has('127.0.0.1'), false);
  assert.throws(() => new CidrSet(['10.0.0.0/33']), /invalid prefix length/);
  assert.throws(() => new CidrSet(['nope']), /invalid trusted proxy address "nope"/);
});

test('normalizeIp collapses IPv4-mapped IPv6 and strips brackets and zones', () => {
  assert.equal(normalizeIp('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(normalizeIp('0:0:0:0:0:ffff:7f00:1'), '127.0.0.1');
  assert.equal(normalizeIp('[::1]'), '::1');
  assert.equal(normalizeIp('fe80::1%eth0'), 'fe80::1');
  assert.equal(normalizeIp('10.0.0.1'), '10.0.0.1');
});

test('X-Forwarded-For is walked from the right past trusted hops; a forged left part is ignored', () => {
  const trusted = new CidrSet(['127.0.0.1', '10.0.0.0/8']);
  const info = resolveForwarded({ 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.0.0.2', 'x-forwarded-proto': 'http, https' }, '127.0.0.1', trusted);
  assert.deepEqual(info, { clientAddress: '203.0.113.9', clientPort: undefined, scheme: 'https', host: undefined });
  assert.equal(resolveForwarded({ 'x-forwarded-for': '1.2.3.4' }, '8.8.8.8', trusted), undefined, 'untrusted peer');
  assert.equal(resolveForwarded({}, '127.0.0.1', trusted), undefined, 'no proxy header');
});

test('Forwarded (RFC 7239) gives for/proto/host, with quoted IPv6 and ports', () => {
  const trusted = new CidrSet(['127.0.0.1']);
  const info = resolveForwarded({ forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https;host=example.com' }, '127.0.0.1', trusted);
  assert.deepEqual(info, { clientAddress: '2001:db8:cafe::17', clientPort: 4711, scheme: 'https', host: 'example.com' });
  const two = resolveForwarded({ forwarded: 'for=192.0.2.43, for=198.51.100.17;proto=http' }, '127.0.0.1', new CidrSet(['127.0.0.1', '198.51.100.17']));
  assert.equal(two?.clientAddress, '192.0.2.43');
  const hidden = resolveForwarded({ forwarded: 'for=_hidden' }, '127.0.0.1', trusted);
  assert.equal(hidden?.clientAddress, '');
});

/** A server that reports what the app saw of url and client. */
async function probe(trustedProxies?: string[]) {
  return serve(
    (request, context) =>
      Response.json({
        url: request.url,
        scheme: context.scheme,
        client: context.client,
        remote: context.remoteAddress,
        remotePort: context.remotePort,
        serverName: context.serverName,
        xff: request.headers.get('x-forwarded-for'),
      }),
    { port: 0, ...(trustedProxies ? { trustedProxies } : {}) },
  );
}

function body(raw: string): Record<string, unknown> {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
}

test('over a socket: a trusted (loopback) proxy sets client, scheme and host; the peer stays remoteAddress', async () => {
  const server = await probe();
  try {
    const raw = await rawExchange(
      portOf(server.url),
      'GET /p?x=1 HTTP/1.1\r\nHost: internal:8000\r\nX-Forwarded-For: 198.51.100.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: www.example.com\r\nConnection: close\r\n\r\n',
    );
    const seen = body(raw);
    assert.equal(seen.url, 'https://www.example.com/p?x=1');
    assert.equal(seen.scheme, 'https');
    assert.deepEqual(seen.client, { address: '198.51.100.7' });
    assert.equal(seen.remote, '127.0.0.1');
    assert.equal(seen.serverName, 'www.example.com');
    const fwd = body(await rawExchange(portOf(server.url), 'GET / HTTP/1.1\r\nHost: h\r\nForwarded: for=192.0.2.60;proto=https\r\nConnection: close\r\n\r\n'));
    assert.equal(fwd.url, 'https://h/');
    assert.deepEqual(fwd.client, { address: '192.0.2.60' });
  } finally {
    await server.close();
  }
});

test('over a socket: an untrusted peer cannot spoof client or scheme, and the headers stay visible', async () => {
  const server = await probe([]);
  try {
    const raw = await rawExchange(
      portOf(server.url),
      'GET /p HTTP/1.1\r\nHost: h.test\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nForwarded: for=7.7.7.7;proto=https\r\nConnection: close\r\n\r\n',
    );
    const seen = body(raw);
    assert.equal(seen.url, 'http://h.test/p');
    assert.equal(seen.scheme, 'http');
    assert.equal((seen.client as { address: string }).address, '127.0.0.1');
    assert.equal((seen.client as { port: number }).port, seen.remotePort);
    assert.equal(seen.xff, '6.6.6.6');
  } finally {
    await server.close();
  }
});

test('over a socket: absolute-form target names the host; HTTP/1.0 without Host uses the local address; path kept as sent', async () => {
  const server = await probe();
  const port = portOf(server.url);
  try {
    assert.equal(body(await rawExchange(port, 'GET http://Other.Example:81/a%2Fb?c HTTP/1.1\r\nHost: ignored\r\nConnection: close\r\n\r\n')).url, 'http://other.example:81/a%2Fb?c');
    assert.equal(body(await rawExchange(port, 'GET /x? HTTP/1.0\r\n\r\n')).url, `http://127.0.0.1:${port}/x?`);
    assert.equal(body(await rawExchange(port, 'GET /a/../b/./c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')).url, 'http://h/b/c');
    assert.equal(body(await rawExchange(port, 'OPTIONS * HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')).url, 'http://h/*');
    assert.match(await rawExchange(port, 'GET / HTTP/1.1\r\nHost: bad host\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 400/);
  } finally {
    await server.close();
  }
});

/** Serves the probe on a unix socket with `options`, sends `request`, returns the raw answer. */
async function overUnixSocket(options: NodeAdapterOptions, request: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tsgi-unix-'));
  const path = join(dir, 'app.sock');
  const app = (request: Request, context: TsgiContext) =>
    new Response(`${context.client.address}|${context.scheme}|${context.remoteAddress}|${request.url}`);
  const server = createServer(toNodeListener(app, { ...options, log: { debug() {}, info() {}, warn() {}, error() {} } }));
  try {
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const socket = connect(path);
    const done = readUntilClose(socket);
    socket.write(request);
    return await done;
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
}

function answerBody(raw: string): string {
  return raw.slice(raw.indexOf('\r\n\r\n') + 4);
}

test('over a unix socket: the peer is a local proxy, trusted by default and with *; [] trusts nobody', async () => {
  const proxied =
    'GET /p?x=1 HTTP/1.1\r\nHost: internal\r\nX-Forwarded-For: 198.51.100.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: www.example.com\r\nConnection: close\r\n\r\n';
  assert.equal(answerBody(await overUnixSocket({}, proxied)), '198.51.100.7|https||https://www.example.com/p?x=1');
  assert.equal(answerBody(await overUnixSocket({ trustedProxies: ['0.0.0.0/0', '::/0'] }, proxied)), '198.51.100.7|https||https://www.example.com/p?x=1');
  assert.equal(answerBody(await overUnixSocket({ trustedProxies: ['10.0.0.0/8'] }, 'GET / HTTP/1.1\r\nHost: h\r\nForwarded: for=192.0.2.60;proto=https\r\nConnection: close\r\n\r\n')), '192.0.2.60|https||https://h/');
  // Trusted proxies in the chain are walked past, as over TCP.
  assert.equal(answerBody(await overUnixSocket({}, 'GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.9, 127.0.0.1\r\nConnection: close\r\n\r\n')), '203.0.113.9|http||http://h/');
  assert.equal(answerBody(await overUnixSocket({ trustedProxies: [] }, proxied)), '|http||http://internal/p?x=1');
  assert.equal(answerBody(await overUnixSocket({}, 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n')), '|http||http://h/');
});
