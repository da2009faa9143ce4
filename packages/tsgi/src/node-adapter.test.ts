import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FastResponse, serve, toNodeListener, type TsgiApp } from './index.js';
import { recordingLogger } from './raw-socket.test.util.js';
import { rawExchange } from 'tsgi-test-support';

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

test('toNodeListener works on a plain node:http server, including 100-continue via checkContinue', async () => {
  const app: TsgiApp = async (request, context) => new FastResponse(`${request.method} ${new URL(request.url).pathname} ${await request.text()} ${context.server.software}`);
  const listener = toNodeListener(app);
  const server = createServer(listener);
  server.on('checkContinue', listener.checkContinue);
  const port = await listen(server, '127.0.0.1');
  try {
    const r = await fetch(`http://127.0.0.1:${port}/plain`, { method: 'POST', body: 'b' });
    assert.equal(await r.text(), 'POST /plain b tsgi/0.1.0');
    const raw = await rawExchange(port, 'POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhi');
    assert.match(raw, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    assert.deepEqual(listener.inFlight, { requests: 0, waitUntil: 0 });
    await listener.idle();
  } finally {
    server.close();
  }
});

test('onError renders the error response; a throwing onError still yields the plain 500', async () => {
  const seen: string[] = [];
  const server = await serve(
    (request) => {
      throw new Error(`broken ${new URL(request.url).pathname}`);
    },
    {
      port: 0,
      log: recordingLogger(),
      onError(error, request, context) {
        seen.push(`${(error as Error).message} ${request.method} ${context.protocol}`);
        if (request.url.endsWith('/worse')) throw new Error('onError failed too');
        return new Response('custom error page', { status: 503 });
      },
    },
  );
  try {
    const r = await fetch(`${server.url}/x`);
    assert.equal(r.status, 503);
    assert.equal(await r.text(), 'custom error page');
    const worse = await fetch(`${server.url}/worse`);
    assert.equal(worse.status, 500);
    assert.deepEqual(seen, ['broken /x GET HTTP/1.1', 'broken /worse GET HTTP/1.1']);
  } finally {
    await server.close();
  }
});

test('serve({ signal }) closes the server when the signal aborts', async () => {
  const controller = new AbortController();
  let shutdown = false;
  const server = await serve({ fetch: () => new Response('up'), shutdown: () => void (shutdown = true) }, { port: 0, signal: controller.signal });
  assert.equal(await (await fetch(server.url)).text(), 'up');
  controller.abort();
  await server.close(); // the same close, already under way
  assert.equal(shutdown, true);
  await assert.rejects(fetch(server.url));
});

test('IPv6: a ::1 peer is seen as ::1 (trusted by default); a dual-stack socket maps IPv4 peers to plain IPv4', async (t) => {
  const probe: TsgiApp = (request, context) =>
    Response.json({ remote: context.remoteAddress, client: context.client.address, url: request.url, serverName: context.serverName, local: context.localAddress });
  let v6;
  try {
    v6 = await serve(probe, { host: '::1', port: 0 });
  } catch {
    t.skip('no IPv6 loopback here');
    return;
  }
  try {
    assert.match(v6.url, /^http:\/\/\[::1\]:\d+$/);
    const seen = (await (await fetch(v6.url + '/six', { headers: { 'x-forwarded-for': '2001:db8::5' } })).json()) as Record<string, string>;
    assert.equal(seen.remote, '::1');
    assert.equal(seen.client, '2001:db8::5', '::1 is a default trusted proxy');
    assert.equal(seen.serverName, '[::1]');
    assert.equal(seen.url, `${v6.url}/six`);
  } finally {
    await v6.close();
  }
  const dual = createServer(toNodeListener(probe));
  let port: number;
  try {
    port = await listen(dual, '::');
  } catch {
    t.skip('no dual-stack socket here');
    return;
  }
  try {
    const seen = (await (await fetch(`http://127.0.0.1:${port}/four`)).json()) as Record<string, string>;
    assert.equal(seen.remote, '127.0.0.1');
    assert.equal(seen.local, '127.0.0.1');
  } finally {
    dual.close();
  }
});
