// Class-based views through the test client: dispatch, HEAD from get, OPTIONS, 405, asView() fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { View } from './generic.js';
import { getTsgiApplication } from '../core/handler.js';
import { path } from '../urls/conf.js';
import { Client } from '../test/client.js';
import { HttpResponse, JsonResponse } from '../http/response.js';
import type { HttpRequest } from '../http/request.js';

class Greeting extends View {
  greeting = 'hello';
  static override csrfExempt = true;
  get() {
    return new HttpResponse(`${this.greeting} ${String(this.params.name)}`, { contentType: 'text/plain' });
  }
  async put(request: HttpRequest) {
    return new JsonResponse({ put: await request.json(), path: this.request.path });
  }
}

const app = getTsgiApplication({
  ROOT_URLCONF: [
    path('hi/<str:name>/', Greeting.asView(), { name: 'hi' }),
    path('bonjour/<str:name>/', Greeting.asView({ greeting: 'bonjour' })),
  ],
});
const client = new Client(app, { enforceCsrfChecks: true });

test('dispatch by method, with per-request instances and asView() fields', async () => {
  assert.equal((await client.get('/hi/ada/')).text, 'hello ada');
  assert.equal((await client.get('/bonjour/ada/')).text, 'bonjour ada');
  const put = await client.put('/hi/ada/', { json: { x: 1 } });
  assert.deepEqual(put.json(), { put: { x: 1 }, path: '/hi/ada/' }, 'csrfExempt on the class');
  const head = await client.head('/hi/ada/');
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '9');
});

test('OPTIONS lists the methods; others are 405 with Allow', async () => {
  const options = await client.options('/hi/ada/');
  assert.equal(options.headers.get('allow'), 'GET, PUT, HEAD, OPTIONS');
  const del = await client.delete('/hi/ada/');
  assert.equal(del.status, 405);
  assert.equal(del.headers.get('allow'), 'GET, PUT, HEAD, OPTIONS', 'the same order as OPTIONS');
});

test('asView() refuses unknown fields and method names', () => {
  assert.throws(() => Greeting.asView({ nope: 1 } as never), /invalid keyword "nope"/);
  assert.throws(() => Greeting.asView({ get: () => null } as never), /method name get/);
});
