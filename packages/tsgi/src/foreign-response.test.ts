import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Response as UndiciResponse } from 'undici';
import { adoptForeignResponse } from './foreign-response.js';
import { checkResponse, serve } from './index.js';
import { portOf, recordingLogger } from './raw-socket.test.util.js';
import { rawExchange } from 'tsgi-test-support';

/** The raw answer with the Date header's value blanked, so it can be compared byte for byte. */
function stable(raw: string): string {
  return raw.replace(/\r\ndate: [^\r]*/i, '\r\ndate: -');
}

test('a Response from the undici package is sent as the runtime\'s own, sync or async, headers and all', async () => {
  const log = recordingLogger();
  const server = await serve(
    (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/sync') {
        const r = new UndiciResponse('hi', { status: 201, headers: { 'x-a': '1', 'set-cookie': 'a=1' } });
        r.headers.append('set-cookie', 'b=2');
        return r as unknown as Response;
      }
      if (path === '/async') return Promise.resolve(UndiciResponse.json({ ok: true }) as unknown as Response);
      if (path === '/empty') return new UndiciResponse(null, { status: 204 }) as unknown as Response;
      return UndiciResponse.error() as unknown as Response;
    },
    { port: 0, log },
  );
  const port = portOf(server.url);
  const get = (path: string) => rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`).then(stable);
  try {
    assert.equal(
      await get('/sync'),
      'HTTP/1.1 201 Created\r\ncontent-type: text/plain;charset=UTF-8\r\nset-cookie: a=1\r\nset-cookie: b=2\r\nx-a: 1\r\ncontent-length: 2\r\ndate: -\r\nConnection: close\r\n\r\nhi',
    );
    assert.equal(
      await get('/async'),
      'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\ndate: -\r\nConnection: close\r\n\r\n{"ok":true}',
    );
    assert.equal(await get('/empty'), 'HTTP/1.1 204 No Content\r\ndate: -\r\nConnection: close\r\n\r\n');
    // Response.error() (status 0) is no answer to send: a 500, and the log says why.
    assert.match(await get('/error'), /^HTTP\/1\.1 500 Internal Server Error\r\n/);
    assert.ok(log.lines.some((l) => /another fetch implementation/.test(l)), log.lines.join('\n'));
  } finally {
    await server.close();
  }
});

test('adoptForeignResponse leaves the runtime\'s Responses and non-Responses alone', () => {
  const own = new Response('x');
  assert.equal(adoptForeignResponse(own), own);
  assert.equal(adoptForeignResponse(undefined), undefined);
  const plain = { status: 200, headers: {}, body: null };
  assert.equal(adoptForeignResponse(plain), plain, 'shape alone is not a Response: the brand decides');
  const foreignBody = { [Symbol.toStringTag]: 'Response', status: 200, statusText: '', headers: [], body: { getReader() {} } };
  assert.throws(() => adoptForeignResponse(foreignBody), /body is not this runtime's ReadableStream/);
});

test('validate() reports a foreign Response with the conversion to use', () => {
  const problems = checkResponse(new UndiciResponse('x') as unknown, 'GET');
  assert.deepEqual(
    problems.map((p) => [p.code, p.message]),
    [['TSGI_E_RESPONSE_TYPE', 'TSGI_E_RESPONSE_TYPE: fetch returned a Response of another fetch implementation (the undici package?), not the global Response; return `new Response(r.body, r)` (TSGI SPEC.md 2.1.4 [R2.1.4] [R2.1.5]: fetch returns a Response or a Promise of one)']],
  );
});
