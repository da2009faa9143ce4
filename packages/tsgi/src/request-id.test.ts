import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { FastResponse, getRequestId, isRequestId, requestIdOf, toNodeListener, type NodeAdapterOptions } from './index.js';
import { rawExchange } from 'tsgi-test-support';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** What the app saw of X-Request-Id: getRequestId (read first), request.headers and context.rawHeaders. */
interface Seen {
  helper: string | null;
  header: string | null;
  raw: string[];
}

/** A toNodeListener server that answers with what it saw of X-Request-Id; `nodeHeaders` is node's req.headers (the access log's view) once each response closed. */
async function start(options: NodeAdapterOptions): Promise<{ port: number; server: Server; nodeHeaders: Array<string | undefined> }> {
  const nodeHeaders: Array<string | undefined> = [];
  const listener = toNodeListener((request, context) => {
    const raw: string[] = [];
    for (let i = 0; i < context.rawHeaders.length; i += 2) if (context.rawHeaders[i]!.toLowerCase() === 'x-request-id') raw.push(context.rawHeaders[i + 1]!);
    // getRequestId first: it reads node's request while request.headers is not built yet.
    const helper = getRequestId(request);
    return Response.json({ helper, header: request.headers.get('x-request-id'), raw });
  }, options);
  const server = createServer((req: IncomingMessage, res) => {
    res.on('close', () => nodeHeaders.push(req.headers['x-request-id'] as string | undefined));
    listener(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, server, nodeHeaders };
}

async function ask(port: number, id?: string): Promise<Seen> {
  const head = id === undefined ? '' : `X-Request-Id: ${id}\r\n`;
  const reply = await rawExchange(port, `GET / HTTP/1.1\r\nHost: a.test\r\n${head}Connection: close\r\n\r\n`);
  assert.match(reply, /^HTTP\/1\.1 200 /);
  const seen = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as Seen;
  assert.equal(seen.helper, seen.header, 'getRequestId reads the id request.headers holds');
  return seen;
}

describe('request id (SPEC 3.4.5)', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  it('keeps a trusted peer\'s valid X-Request-Id, in request.headers and in req.headers', async () => {
    const { port, server, nodeHeaders } = await start({});
    servers.push(server);
    const seen = await ask(port, 'abc-123');
    assert.equal(seen.header, 'abc-123');
    assert.deepEqual(seen.raw, ['abc-123']);
    assert.deepEqual(nodeHeaders, ['abc-123']);
  });

  it('makes a UUID when there is none; rawHeaders stay as received', async () => {
    const { port, server, nodeHeaders } = await start({});
    servers.push(server);
    const seen = await ask(port);
    assert.match(seen.header ?? '', UUID);
    assert.deepEqual(seen.raw, []);
    assert.deepEqual(nodeHeaders, [seen.header]);
    const again = await ask(port);
    assert.notEqual(again.header, seen.header, 'each request gets its own id');
  });

  it('replaces an untrusted peer\'s id (trustedProxies: [])', async () => {
    const { port, server, nodeHeaders } = await start({ trustedProxies: [] });
    servers.push(server);
    const seen = await ask(port, 'abc-123');
    assert.match(seen.header ?? '', UUID);
    assert.deepEqual(seen.raw, ['abc-123'], 'the app can still read what the client sent');
    assert.deepEqual(nodeHeaders, [seen.header]);
  });

  it('replaces an invalid id from a trusted peer (300 characters, spaces)', async () => {
    const { port, server } = await start({});
    servers.push(server);
    for (const bad of ['x'.repeat(300), 'a b', 'caf\u00e9']) {
      const seen = await ask(port, bad);
      assert.match(seen.header ?? '', UUID, `replaced: ${bad.slice(0, 20)}`);
    }
    assert.equal((await ask(port, 'y'.repeat(200))).header, 'y'.repeat(200), '200 characters are kept');
  });

  it('an app that never reads the id: made on first read (requestIdOf), the same for every later reader; a peer\'s id is still judged before the app runs', async () => {
    const seen: Array<{ before: unknown; id: string; again: string }> = [];
    const listener = toNodeListener(() => new FastResponse('ok'), { trustedProxies: [] });
    const server = createServer((req: IncomingMessage, res) => {
      res.on('close', () => {
        const before = req.headers['x-request-id'];
        seen.push({ before, id: requestIdOf(req), again: requestIdOf(req) });
      });
      listener(req, res);
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    for (const head of ['', 'X-Request-Id: abc-123\r\n']) {
      const reply = await rawExchange(port, `GET / HTTP/1.1\r\nHost: a.test\r\n${head}Connection: close\r\n\r\n`);
      assert.match(reply, /^HTTP\/1\.1 200 /);
    }
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.before, undefined, 'not made while nothing read it');
    assert.match(seen[0]!.id, UUID);
    assert.equal(seen[0]!.again, seen[0]!.id, 'made once');
    assert.match(String(seen[1]!.before), UUID, 'an untrusted peer\'s id is replaced before the app runs, read or not');
    assert.equal(seen[1]!.id, seen[1]!.before);
  });

  it('getRequestId: a standard Request\'s X-Request-Id or null; once request.headers exist, what they hold', async () => {
    assert.equal(getRequestId(new Request('http://a.test/', { headers: { 'x-request-id': 'abc-123' } })), 'abc-123');
    assert.equal(getRequestId(new Request('http://a.test/')), null);
    let changed: unknown;
    const listener = toNodeListener((request) => {
      request.headers.set('x-request-id', 'set-by-the-app');
      changed = getRequestId(request);
      return new FastResponse('ok');
    });
    const server = createServer(listener);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const reply = await rawExchange((server.address() as AddressInfo).port, 'GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    assert.match(reply, /^HTTP\/1\.1 200 /);
    assert.equal(changed, 'set-by-the-app', 'the same answer as request.headers.get()');
  });

  it('isRequestId bounds: 1..200 visible ASCII', () => {
    assert.equal(isRequestId('a'), true);
    assert.equal(isRequestId('~!#'), true);
    assert.equal(isRequestId(''), false);
    assert.equal(isRequestId('a'.repeat(201)), false);
    assert.equal(isRequestId('a\tb'), false);
    assert.equal(isRequestId('one, two'), false);
    assert.equal(isRequestId(undefined), false);
  });
});
