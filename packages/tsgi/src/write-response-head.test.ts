/**
 * HEAD answered with a null body (SPEC 5.7.1, as Hono does): the exact bytes serve() sends. RFC
 * 9110 section 8.6: a HEAD response's Content-Length, if sent, is what GET would send, so with no
 * body and no app Content-Length there is none (not `content-length: 0`); the app's own is kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawExchange } from 'tsgi-test-support';
import { FastResponse, serve } from './index.js';

/** Sends `request` on a fresh connection: every byte received until the server closes, the Date value blanked. */
async function exchange(url: string, request: string): Promise<string> {
  return (await rawExchange(Number(new URL(url).port), request)).replace(/\r\nDate: [^\r]+/g, '\r\nDate: X');
}

test('HEAD with a null body: no Content-Length where GET sends 10; the app\'s own Content-Length is kept', async () => {
  const server = await serve(
    (request) => {
      const body = request.method === 'HEAD' ? null : 'helloworld';
      switch (new URL(request.url).pathname) {
        case '/fast':
          return new FastResponse(body, { headers: { 'content-type': 'text/plain' } });
        case '/empty':
          return new Response(request.method === 'HEAD' ? '' : body, { headers: { 'content-type': 'text/plain' } });
        case '/own':
          // Names in sorted order: the order a standard Response's headers iterate in on Node 24.
          return new Response(body, { headers: { 'content-length': '10', 'content-type': 'text/plain' } });
        default:
          return new Response(body, { headers: { 'content-type': 'text/plain' } });
      }
    },
    { port: 0 },
  );
  try {
    const pair = (path: string) => `HEAD ${path} HTTP/1.1\r\nHost: x\r\n\r\nGET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
    const get = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 10\r\nDate: X\r\nConnection: close\r\n\r\nhelloworld';
    const headWithout = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nDate: X\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n';
    // The GET after the HEAD on the same connection also proves the HEAD answer carried no body.
    for (const path of ['/', '/fast', '/empty']) assert.equal(await exchange(server.url, pair(path)), headWithout + get, path);
    const own = (connection: string) => `HTTP/1.1 200 OK\r\ncontent-length: 10\r\ncontent-type: text/plain\r\nDate: X\r\n${connection}\r\n\r\n`;
    assert.equal(await exchange(server.url, pair('/own')), own('Connection: keep-alive\r\nKeep-Alive: timeout=5') + own('Connection: close') + 'helloworld');
  } finally {
    await server.close();
  }
});
