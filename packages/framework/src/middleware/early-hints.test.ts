// earlyHintsMiddleware: a 103 before page loads (GET wanting a document), none for other requests.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { rawExchange } from 'tsgi-test-support';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { HttpResponse } from '../http/response.js';
import { DEFAULT_MIDDLEWARE, type SettingsInput } from '../conf/settings.js';
import { earlyHintsMiddleware } from './early-hints.js';

let served: ServedApp;
before(async () => {
  served = await serveApp({
    DEBUG: false,
    SECRET_KEY: 'x'.repeat(50),
    ALLOWED_HOSTS: ['127.0.0.1'],
    MIDDLEWARE: [earlyHintsMiddleware((request) => [`</static/site.css>; rel=preload; as=style`, `<${request.reverse('home')}app.js>; rel=modulepreload`]), ...DEFAULT_MIDDLEWARE],
    ROOT_URLCONF: [path('', () => new HttpResponse('<p>home</p>'), { name: 'home' })],
  } as SettingsInput);
});
after(() => served.close());

const get = (headers: string) => rawExchange(served.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`);

it('sends the links in a 103 before a page load', async () => {
  for (const headers of ['Sec-Fetch-Dest: document\r\n', 'Accept: text/html,application/xhtml+xml\r\n']) {
    const raw = await get(headers);
    assert.match(raw, /^HTTP\/1\.1 103 Early Hints\r\nlink: <\/static\/site\.css>; rel=preload; as=style, <\/app\.js>; rel=modulepreload\r\n\r\nHTTP\/1\.1 200 OK\r\n/, headers);
  }
});

it('sends nothing for requests that are not page loads', async () => {
  for (const headers of ['Sec-Fetch-Dest: image\r\nAccept: text/html\r\n', 'Accept: application/json\r\n', '']) {
    const raw = await get(headers);
    assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/, headers);
  }
});

it('refuses what is not a list of Link values', () => {
  assert.throws(() => earlyHintsMiddleware('</a.css>' as never), TypeError);
  assert.throws(() => earlyHintsMiddleware([1] as never), TypeError);
});
