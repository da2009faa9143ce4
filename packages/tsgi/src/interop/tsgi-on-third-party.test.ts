/**
 * Proof of swapping, the other way: a TSGI app that uses its context (peer address, startup
 * state, waitUntil, completed) runs on third-party fetch servers, srvx and @hono/node-server,
 * through the `toFetchHandler()` shim.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve as srvxServe } from 'srvx';
import { serve as honoServe } from '@hono/node-server';
import { toFetchHandler, type TsgiFetchHandler } from '../to-fetch-handler.js';
import type { TsgiAppObject, TsgiCompletion } from '../types.js';
import { RawConnection } from '../conformance/raw-http.js';
import { waitFor } from 'tsgi-test-support';

/** Ends the waitUntil work of a `/later` request: the test decides when "later" is. */
let finishLater: () => void = () => {};

/** A TSGI app that leans on its context; it records what happened after each response. */
function contextApp(record: Map<string, unknown>): TsgiAppObject {
  return {
    startup(context) {
      context.state.db = 'connected';
      return { startedBy: context.server.software };
    },
    async fetch(request, context) {
      const url = new URL(request.url);
      const id = url.searchParams.get('id') ?? 'x';
      void context.completed.then((completion: TsgiCompletion) => record.set(`${id}.completed`, completion));
      if (url.pathname === '/later') {
        context.waitUntil(new Promise<void>((resolve) => (finishLater = resolve)).then(() => record.set(`${id}.later`, true)));
      }
      const body = request.body === null ? '' : await request.text();
      return Response.json({
        path: url.pathname,
        body,
        remoteAddress: context.remoteAddress,
        remotePort: context.remotePort,
        localPort: context.localPort,
        protocol: context.protocol,
        scheme: context.scheme,
        serverName: context.serverName,
        mountPath: context.mountPath,
        state: context.state,
        rawHeaders: context.rawHeaders,
      });
    },
    shutdown() {
      record.set('shutdown', true);
    },
  };
}

const hosts: Array<{ name: string; start(handler: TsgiFetchHandler): Promise<{ url: string; close(): Promise<void> }> }> = [
  {
    name: 'srvx',
    async start(handler) {
      const server = srvxServe({ fetch: handler, port: 0, hostname: '127.0.0.1', silent: true, gracefulShutdown: false });
      await server.ready();
      const address = server.node?.server?.address() as AddressInfo;
      return { url: `http://127.0.0.1:${address.port}`, close: () => server.close(true) };
    },
  },
  {
    name: '@hono/node-server',
    async start(handler) {
      const server = await new Promise<Server>((resolve) => {
        const s = honoServe({ fetch: handler, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
      });
      const address = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${address.port}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
          }),
      };
    },
  },
];

for (const host of hosts) {
  describe(`a TSGI app on ${host.name} through toFetchHandler()`, () => {
    const record = new Map<string, unknown>();
    const handler = toFetchHandler(contextApp(record), { server: { software: `${host.name}+tsgi-shim` } });
    let server: { url: string; close(): Promise<void> };

    before(async () => {
      await handler.startup();
      server = await host.start(handler);
    });
    after(async () => {
      await server.close();
      await handler.shutdown();
      assert.equal(record.get('shutdown'), true, 'shutdown did not run');
    });

    it('gets a context describing the real connection, and startup state', async () => {
      const conn = await RawConnection.open(server.url);
      try {
        await conn.write(`POST /hello?id=a HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nX-Case: One\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`);
        const response = await conn.readFinal();
        assert.equal(response.status, 200);
        const seen = JSON.parse(response.body.toString()) as Record<string, unknown>;
        assert.equal(seen.path, '/hello');
        assert.equal(seen.body, 'hi');
        assert.equal(seen.remoteAddress, '127.0.0.1');
        assert.equal(seen.remotePort, conn.localPort);
        assert.equal(seen.localPort, Number(new URL(server.url).port));
        assert.equal(seen.protocol, 'HTTP/1.1');
        assert.equal(seen.scheme, 'http');
        assert.equal(seen.serverName, '127.0.0.1');
        assert.deepEqual(seen.state, { db: 'connected', startedBy: `${host.name}+tsgi-shim` });
        assert.deepEqual((seen.rawHeaders as string[]).slice(2, 4), ['X-Case', 'One']);
      } finally {
        conn.destroy();
      }
      await waitFor(() => record.has('a.completed'), { what: 'completed' });
      const completion = record.get('a.completed') as TsgiCompletion;
      assert.equal(completion.aborted, false);
      assert.equal(completion.status, 200);
      assert.ok(completion.bytesWritten > 0);
    });

    it('runs waitUntil work after the response', async () => {
      const response = await fetch(`${server.url}/later?id=b`);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
      assert.equal(record.get('b.later'), undefined, 'the response did not wait for the waitUntil work');
      finishLater();
      await waitFor(() => record.get('b.later') === true, { what: 'the waitUntil promise' });
    });
  });
}

describe('toFetchHandler() options', () => {
  it('answers 404 outside its mount path without calling the app', async () => {
    let called = 0;
    const handler = toFetchHandler(
      () => {
        called += 1;
        return new Response('in');
      },
      { mountPath: '/api' },
    );
    assert.equal((await handler(new Request('http://h/other'))).status, 404);
    assert.equal((await handler(new Request('http://h/apix'))).status, 404);
    assert.equal(called, 0);
    assert.equal(await (await handler(new Request('http://h/api/x'))).text(), 'in');
  });

  it('settles completed as aborted when the host cancels the body', async () => {
    let completed: Promise<TsgiCompletion> | undefined;
    const handler = toFetchHandler((_request, context) => {
      completed = context.completed;
      return new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(10)) }));
    });
    const response = await handler(new Request('http://h/'));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    assert.deepEqual(await completed, { aborted: true, bytesWritten: 10, status: 200 });
  });

  it('refuses something that is not an app', () => {
    assert.throws(() => toFetchHandler({} as unknown as TsgiAppObject), /expected a TSGI app/);
  });
});
