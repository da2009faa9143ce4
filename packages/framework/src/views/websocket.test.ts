/**
 * websocketView over real sockets (serveApp's websocket client): the handshake runs the
 * middleware (the session is readable, a cookie set on the way reaches the 101, CSRF leaves the
 * GET alone), the Origin check (own site and CSRF_TRUSTED_ORIGINS pass, others get 403), 426 for
 * a plain request, the consumer's three hooks, and a consumer that throws is logged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WebSocket } from 'ws';
import { waitFor } from 'tsgi-test-support';
import { HttpResponse } from '../http/response.js';
import { path } from '../urls/conf.js';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { websocketView } from './websocket.js';

const closes: number[] = [];
const urlpatterns = [
  path('login/', (request) => {
    request.session.set('user', 'ada');
    return new HttpResponse('logged in');
  }),
  path('ws/who/', websocketView({
    connect(socket, request) {
      socket.send(`hello ${String(request.session.get('user') ?? 'anonymous')}`);
    },
    receive(socket, data) {
      if (data === 'throw') throw new Error('consumer failed on purpose');
      socket.send(typeof data === 'string' ? `echo ${data}` : data);
    },
    disconnect(_socket, event) {
      closes.push(event.code);
    },
  }, { protocols: ['who.v1'] })),
];

describe('websocketView', () => {
  let served: ServedApp;
  before(async () => {
    served = await serveApp({
      SECRET_KEY: 'a-very-secret-key-that-is-long-enough-for-tests-0123456789',
      ALLOWED_HOSTS: ['127.0.0.1'],
      ROOT_URLCONF: urlpatterns,
      MIDDLEWARE: ['SecurityMiddleware', 'SessionMiddleware', 'CommonMiddleware', 'CsrfViewMiddleware', 'XFrameOptionsMiddleware'],
      CSRF_TRUSTED_ORIGINS: ['https://*.trusted.example'],
    });
  });
  after(() => served.close());

  const next = (socket: WebSocket) => new Promise<string>((resolve) => socket.once('message', (data: Buffer) => resolve(data.toString())));

  it('runs the middleware on the handshake: the session is readable, CSRF leaves the GET alone', async () => {
    const login = await fetch(`${served.url}/login/`);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    assert.match(cookie, /sessionid=/);
    const socket = await served.websocket('/ws/who/', { headers: { cookie } });
    try {
      assert.equal(await next(socket), 'hello ada');
      const anonymous = await served.websocket('/ws/who/');
      assert.equal(await next(anonymous), 'hello anonymous');
      anonymous.close();
    } finally {
      socket.close();
    }
  });

  it('negotiates its subprotocol and runs receive and disconnect', async () => {
    // ws takes the offered subprotocols in its options too (not in its typings).
    const socket = await served.websocket('/ws/who/', { protocols: ['other', 'who.v1'] } as never);
    assert.equal(socket.protocol, 'who.v1');
    await next(socket);
    socket.send('hi');
    assert.equal(await next(socket), 'echo hi');
    const before = closes.length;
    socket.close(4001);
    await waitFor(() => closes.length > before, { what: 'the disconnect hook' });
    assert.equal(closes.at(-1), 4001);
  });

  it('checks Origin: own site and CSRF_TRUSTED_ORIGINS pass, a foreign one gets 403', async () => {
    const own = await served.websocket('/ws/who/', { headers: { origin: served.url } });
    own.close();
    const trusted = await served.websocket('/ws/who/', { headers: { origin: 'https://app.trusted.example' } });
    trusted.close();
    await assert.rejects(served.websocket('/ws/who/', { headers: { origin: 'https://evil.example' } }), /answered 403/);
  });

  it('answers a plain request 426 and logs a consumer that throws', async () => {
    assert.equal((await fetch(`${served.url}/ws/who/`)).status, 426);
    const socket = await served.websocket('/ws/who/');
    await next(socket);
    socket.send('throw');
    await waitFor(() => served.logs.some(([level, line]) => level === 'error' && line.includes('consumer failed on purpose')), { what: 'the consumer error in the log' });
    socket.send('still there');
    assert.equal(await next(socket), 'echo still there');
    socket.close();
  });
});
