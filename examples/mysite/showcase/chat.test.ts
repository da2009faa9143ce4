/**
 * The live chat's WebSocket route, served by tsgi's serve() in process: the handshake runs the
 * middleware (cookies readable), echo and broadcast, 426 for a plain GET, 403 for a foreign origin.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { serve, type TsgiServer } from 'tsgi';
import { WebSocket } from 'ws';
import { application } from '../mysite/tsgi.js';

let server: TsgiServer;
before(async () => {
  server = await serve(application, { port: 0, log: { debug() {}, info() {}, warn() {}, error() {} } });
});
after(() => server.close());

function open(headers: Record<string, string> = {}): Promise<{ ws: WebSocket; next(): Promise<{ from: string; text: string }> }> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/showcase/ws/chat/`, { headers });
  const queue: Array<{ from: string; text: string }> = [];
  const waiting: Array<(m: { from: string; text: string }) => void> = [];
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { from: string; text: string };
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  const next = () => {
    const queued = queue.shift();
    return queued ? Promise.resolve(queued) : new Promise<{ from: string; text: string }>((resolve) => waiting.push(resolve));
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, next }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
  });
}

test('the chat echoes, broadcasts, and its handshake went through the middleware', async () => {
  const a = await open({ cookie: 'visits=7' });
  const b = await open();
  try {
    assert.match((await a.next()).text, /your visits cookie says 7/);
    assert.match((await b.next()).text, /your visits cookie says nothing/);
    a.ws.send('hi all');
    assert.deepEqual(await a.next(), { from: 'you', text: 'hi all' });
    assert.deepEqual(await b.next(), { from: 'other', text: 'hi all' });
  } finally {
    a.ws.close();
    b.ws.close();
  }
});

test('a plain GET gets 426, a foreign origin 403, this site\'s origin is accepted', async () => {
  assert.equal((await fetch(`${server.url}/showcase/ws/chat/`)).status, 426);
  await assert.rejects(open({ origin: 'https://evil.example' }), /handshake answered 403/);
  const own = await open({ origin: server.url });
  own.ws.close();
  const page = await fetch(`${server.url}/showcase/chat/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /new WebSocket/);
});
