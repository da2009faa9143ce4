// request.earlyHints(): a 103 before the page over a real socket (tsgi's serve() declares
// tsgi.early-hints); false under the test client, whose context has no such extension.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { rawExchange } from 'tsgi-test-support';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { Client } from '../test/client.js';
import { getTsgiApplication } from '../core/handler.js';
import { path } from '../urls/conf.js';
import { HttpResponse } from './response.js';
import type { HttpRequest } from './request.js';
import type { SettingsInput } from '../conf/settings.js';

const sent: boolean[] = [];
const settings = {
  DEBUG: false,
  SECRET_KEY: 'x'.repeat(50),
  ALLOWED_HOSTS: ['127.0.0.1', 'testserver'],
  ROOT_URLCONF: [
    path('page/', (request: HttpRequest) => {
      sent.push(request.earlyHints(['</static/site.css>; rel=preload; as=style', '</static/app.js>; rel=modulepreload']));
      return new HttpResponse('<p>page</p>');
    }),
  ],
} as SettingsInput;

let served: ServedApp;
before(async () => {
  served = await serveApp(settings);
});
after(() => served.close());

it('sends one 103 with the links before the page, and says so', async () => {
  sent.length = 0;
  const raw = await rawExchange(served.port, 'GET /page/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  assert.match(raw, /^HTTP\/1\.1 103 Early Hints\r\nlink: <\/static\/site\.css>; rel=preload; as=style, <\/static\/app\.js>; rel=modulepreload\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  assert.ok(raw.endsWith('<p>page</p>'));
  assert.deepEqual(sent, [true]);
});

it('returns false where there is no tsgi.early-hints (the test client), and the page is the same', async () => {
  sent.length = 0;
  const client = new Client(getTsgiApplication(settings));
  const response = await client.get('/page/');
  assert.equal(response.status, 200);
  assert.deepEqual(sent, [false]);
});
