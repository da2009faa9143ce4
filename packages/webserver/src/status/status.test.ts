import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { WebServer } from '../server/web-server.js';
import { httpGet, portOf, startFromText } from '../testing/helpers.js';
import { freePort } from 'tsgi-test-support';

const get = async (port: number, path: string, method = 'GET') => {
  const r = await httpGet(port, path, { method });
  return { ...r, type: r.headers['content-type'] };
};

describe('status endpoints (one process)', () => {
  let upstream: Server;
  let server: WebServer;
  let port: number;
  let upName: string;
  let deadName: string;

  before(async () => {
    upstream = createServer((_req, res) => res.end('app'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upName = `127.0.0.1:${(upstream.address() as { port: number }).port}`;
    deadName = `127.0.0.1:${await freePort()}`;
    server = await startFromText(`[[upstream]]
name = "app"
server = ["${upName}", "${deadName} max_fails=1 fail_timeout=60s"]

[[server]]
listen = "127.0.0.1:0"
  [[server.location]]
  path = "/app/"
  proxy_pass = "http://app"
  [[server.location]]
  path = "= /basic_status"
  status = "stub"
  [[server.location]]
  path = "= /metrics"
  status = "prometheus"
`);
    port = portOf(server);
  });
  after(async () => {
    await server.close();
    await new Promise((r) => upstream.close(r));
  });

  it('answers stub_status text', async () => {
    await get(port, '/app/x');
    const r = await get(port, '/basic_status');
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/plain');
    assert.match(r.body, /^Active connections: 1 \nserver accepts handled requests\n 2 2 2 \nReading: 0 Writing: 1 Waiting: 0 \n$/);
    assert.equal((await get(port, '/basic_status', 'POST')).status, 405);
  });

  it('answers Prometheus metrics with upstream counters', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await get(port, '/app/y')).status, 200);
    const r = await get(port, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(r.body, /^tsgi_webserver_http_requests_total \d+$/m);
    assert.match(r.body, /^tsgi_webserver_proxy_requests_total 5$/m);
    assert.match(r.body, new RegExp(`^tsgi_webserver_upstream_up\\{upstream="app",server="${upName}"\\} 1$`, 'm'));
    // The refused server failed once and is out for fail_timeout; every request still succeeded.
    assert.match(r.body, new RegExp(`^tsgi_webserver_upstream_failures_total\\{upstream="app",server="${deadName}"\\} 1$`, 'm'));
    assert.match(r.body, new RegExp(`^tsgi_webserver_upstream_up\\{upstream="app",server="${deadName}"\\} 0$`, 'm'));
    const live = Number(new RegExp(`^tsgi_webserver_upstream_requests_total\\{upstream="app",server="${upName}"\\} (\\d+)$`, 'm').exec(r.body)?.[1]);
    assert.equal(live, 5);
    // Sequential requests reuse one kept-alive connection; the refused server has none.
    assert.match(r.body, new RegExp(`^tsgi_webserver_upstream_connections\\{upstream="app",server="${upName}"\\} 1$`, 'm'));
    assert.match(r.body, new RegExp(`^tsgi_webserver_upstream_connections\\{upstream="app",server="${deadName}"\\} 0$`, 'm'));
    for (const line of r.body.trim().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? \d+)$/, line);
  });
});
