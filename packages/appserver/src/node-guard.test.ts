/**
 * guardNodeListener's request id over a real socket: with the trusted peers it gives a Node app's
 * request the same X-Request-Id a TSGI app gets (a trusted peer's valid one kept, else a new
 * UUID); without them the header is left as sent.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { CidrSet, DEFAULT_LIMITS, DEFAULT_LINGERING_CLOSE, createConsoleLogger } from 'tsgi';
import { guardNodeListener } from './node-guard.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A Node app answering the X-Request-Id it sees. */
const app = (req: IncomingMessage, res: ServerResponse) => res.end(String(req.headers['x-request-id']));

describe('guardNodeListener: request id', () => {
  const servers: ReturnType<typeof createServer>[] = [];
  after(() => {
    for (const s of servers) s.close();
  });

  async function serve(trusted: CidrSet | undefined): Promise<(id?: string) => Promise<string>> {
    const server = createServer(guardNodeListener(app, DEFAULT_LIMITS, '', createConsoleLogger('error'), DEFAULT_LINGERING_CLOSE, trusted));
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    return async (id) => (await fetch(url, { headers: id === undefined ? {} : { 'x-request-id': id } })).text();
  }

  it('keeps a trusted peer\'s valid id, replaces an invalid one, makes one when none came', async () => {
    const ask = await serve(new CidrSet(['127.0.0.0/8', '::1']));
    assert.equal(await ask('abc-123'), 'abc-123');
    assert.match(await ask('x'.repeat(300)), UUID);
    assert.match(await ask(), UUID);
  });

  it('replaces an untrusted peer\'s id', async () => {
    const ask = await serve(new CidrSet([]));
    assert.match(await ask('abc-123'), UUID);
  });

  it('leaves the header alone without trusted peers', async () => {
    const ask = await serve(undefined);
    assert.equal(await ask('a b'), 'a b');
    assert.equal(await ask(), 'undefined');
  });
});
