import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FastResponse, serve } from './index.js';
import { portOf } from './raw-socket.test.util.js';
import { rawExchange } from 'tsgi-test-support';

test('FastResponse is a Response: instanceof, status, ok, statusText, body methods, clone, toStringTag', async () => {
  const r = new FastResponse('hello', { status: 201, statusText: 'Made', headers: { 'x-a': '1' } });
  assert.ok(r instanceof Response);
  assert.equal(Object.prototype.toString.call(r), '[object Response]');
  assert.equal(r.status, 201);
  assert.equal(r.ok, true);
  assert.equal(r.statusText, 'Made');
  assert.equal(r.bodyUsed, false);
  assert.equal(r.headers.get('x-a'), '1');
  assert.equal(r.headers.get('content-type'), 'text/plain;charset=UTF-8');
  const copy = r.clone();
  assert.equal(await copy.text(), 'hello');
  assert.equal(await r.text(), 'hello');
  assert.equal(r.bodyUsed, true);
  assert.deepEqual(await FastResponse.json({ a: 1 }).json(), { a: 1 });
  assert.equal(FastResponse.json({}).headers.get('content-type'), 'application/json');
  assert.equal(new FastResponse(null, { status: 404 }).ok, false);
  assert.equal(FastResponse.redirect('http://x/', 302).status, 302);
});

test('FastResponse validates like the standard constructor', () => {
  assert.throws(() => new FastResponse('x', { status: 199 }), RangeError);
  assert.throws(() => new FastResponse('x', { status: 600 }), RangeError);
  assert.throws(() => new FastResponse('x', { status: 204 }), TypeError);
  assert.throws(() => new FastResponse('x', { headers: 42 as never }), TypeError);
  assert.equal(new FastResponse('x', { headers: new Map([['x-m', '1']]) as never }).headers.get('x-m'), '1');
});

test('written directly: object, array and Headers init; headers changed through .headers are honoured', async () => {
  const server = await serve(
    (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/object') return new FastResponse('o', { headers: { 'X-Case': 'Kept', 'content-type': 'text/x' } });
      if (path === '/array') return new FastResponse(new TextEncoder().encode('a'), { headers: [['x-arr', '1']] });
      if (path === '/headers') return new FastResponse('h', { headers: new Headers({ 'x-h': '1' }) });
      const r = new FastResponse('m', { headers: { 'x-before': '1' } });
      r.headers.set('x-after', '2'); // builds the standard Response; the writer must use it
      return r;
    },
    { port: 0 },
  );
  const port = portOf(server.url);
  const get = (p: string) => rawExchange(port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  try {
    const o = await get('/object');
    assert.match(o, /\r\nX-Case: Kept\r\n/);
    assert.match(o, /\r\ncontent-type: text\/x\r\n/);
    assert.equal(o.match(/content-type/gi)?.length, 1);
    const a = await get('/array');
    assert.match(a, /x-arr: 1\r\n[\s\S]*content-length: 1\r\n/i);
    assert.doesNotMatch(a, /content-type/i, 'bytes get no default content type');
    assert.match(await get('/headers'), /x-h: 1/);
    const m = await get('/mutated');
    assert.match(m, /x-before: 1/);
    assert.match(m, /x-after: 2/);
  } finally {
    await server.close();
  }
});
