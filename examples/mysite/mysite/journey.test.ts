/**
 * The journey page without a web server in front (tsgi's reference server over a real socket):
 * it says so, and still shows the worker and the Request. The whole chain, with the headers
 * tsgi-webserver adds and both access logs, is examples/chain/chain.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TsgiServer } from 'tsgi';
import { serve } from 'tsgi';
import { application } from './tsgi.js';
import { msSinceRequestStart } from './journey.js';

describe('examples/mysite: the journey page', () => {
  let server: TsgiServer;
  let base: string;

  before(async () => {
    server = await serve(application, { port: 0, host: '127.0.0.1' });
    base = server.url.replace(/\/$/, '');
  });
  after(() => server?.close());

  it('says no web server was in front when none was, and shows the request id, worker and Request', async () => {
    const res = await fetch(`${base}/journey/?q=%3Cb%3E`, { headers: { 'x-probe': '"><img src=x onerror=alert(1)>' } });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(body, /No web server was\s+in front/);
    assert.doesNotMatch(body, /id="queued-ms"/, 'no X-Request-Start, no timing');
    assert.match(body, /<tr><th>X-Forwarded-For<\/th><td>\(none\)<\/td>/);
    assert.match(body, /id="request-id">[0-9a-f-]{36}</);
    assert.match(body, /id="worker-id">1</, 'serve() is worker 1 of 1');
    assert.match(body, new RegExp(`id="worker-pid">${process.pid}<`));
    assert.match(body, /is the socket peer's: no peer in <code>--forwarded-allow-ips<\/code>/);
    assert.match(body, /<code>request.getFullPath\(\)<\/code><\/th><td><code>\/journey\/\?q=%3Cb%3E<\/code>/);
    assert.match(body, /<tr><th>x-probe<\/th><td><code>&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;<\/code>/);
    assert.ok(!body.includes('<img src=x'), 'escaped');
  });

  it('answers 405 to a POST (the page only reads)', async () => {
    const res = await fetch(`${base}/journey/`, { method: 'POST' });
    await res.arrayBuffer();
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });
});

describe('msSinceRequestStart', () => {
  const now = 1_765_051_200_500;
  it('reads X-Request-Start in seconds, milliseconds or microseconds', () => {
    assert.equal(msSinceRequestStart('t=1765051200.250', now), 250);
    assert.equal(msSinceRequestStart('t=1765051200400', now), 100);
    assert.equal(msSinceRequestStart('t=1765051200499000', now), 1);
  });
  it('ignores anything else', () => {
    for (const bad of [undefined, '', 't=', 'x=1765051200', 't=abc', '1765051200']) assert.equal(msSinceRequestStart(bad, now), undefined, String(bad));
  });
});
