import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RawConnection } from './conformance/raw-http.js';
import { sendEarlyHints, serve, type TsgiContext, type TsgiServer } from './index.js';

let server: TsgiServer;
const results: Record<string, unknown> = {};

before(async () => {
  server = await serve(
    async (request, context) => {
      const path = new URL(request.url).pathname;
      if (path === '/hints') {
        results.first = sendEarlyHints(context, [['link', '</a.css>; rel=preload; as=style'], ['link', '</b.js>; rel=modulepreload']]);
        results.second = sendEarlyHints(context, { link: '</f.woff2>; rel=preload; as=font; media="(min-width: 40em)"' });
        const response = new Response('page');
        return response;
      }
      if (path === '/late') {
        // After the response: the 103 can no longer go out.
        context.completed.then(() => (results.late = sendEarlyHints(context, { link: '</x.css>; rel=preload' })), () => {});
        return new Response('done');
      }
      if (path === '/invalid') {
        const errors: string[] = [];
        for (const hints of [{ 'x-no-link': 'a' } as Record<string, string>, { link: '</a>; rel=preload', 'content-length': '5' }, { link: '</a>; rel=preload', connection: 'close' }]) {
          try {
            sendEarlyHints(context, hints);
          } catch (error) {
            errors.push((error as Error).name);
          }
        }
        return Response.json(errors);
      }
      return new Response('?', { status: 404 });
    },
    { port: 0 },
  );
});

after(() => server.close());

test('103 Early Hints go out before the response, as many as the app sends, fields as given', async () => {
  const conn = await RawConnection.open(server.url);
  try {
    await conn.write(`GET /hints HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    const final = await conn.readFinal();
    assert.equal(final.status, 200);
    assert.equal(final.body.toString(), 'page');
    assert.equal(final.interim.length, 2, 'two 103s before the 200');
    assert.deepEqual(final.interim.map((r) => r.status), [103, 103]);
    assert.deepEqual(final.interim[0]!.all('link'), ['</a.css>; rel=preload; as=style, </b.js>; rel=modulepreload']);
    // node's own writeEarlyHints refuses this valid RFC 8288 value; ours sends it.
    assert.deepEqual(final.interim[1]!.all('link'), ['</f.woff2>; rel=preload; as=font; media="(min-width: 40em)"']);
    assert.equal(results.first, true);
    assert.equal(results.second, true);
  } finally {
    conn.destroy();
  }
});

test('an HTTP/1.0 client gets no 1xx (RFC 9110 section 15.2): the hints are ignored, not an error', async () => {
  const conn = await RawConnection.open(server.url);
  try {
    await conn.write(`GET /hints HTTP/1.0\r\nHost: a\r\n\r\n`);
    const final = await conn.readFinal();
    assert.equal(final.status, 200);
    assert.equal(final.interim.length, 0);
    assert.equal(results.first, false);
    assert.equal(results.second, false);
  } finally {
    conn.destroy();
  }
});

test('hints after the response started are refused (false), and invalid hints throw a TypeError', async () => {
  const late = await fetch(`${server.url}/late`);
  assert.equal(await late.text(), 'done');
  const deadline = Date.now() + 5_000;
  while (results.late === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(results.late, false);
  const invalid = await fetch(`${server.url}/invalid`);
  assert.deepEqual(await invalid.json(), ['TypeError', 'TypeError', 'TypeError']);
});

test('sendEarlyHints on a server without the extension returns false and still checks the hints', () => {
  const context = {} as TsgiContext;
  assert.equal(sendEarlyHints(context, { link: '</a.css>; rel=preload' }), false);
  assert.throws(() => sendEarlyHints(context, { 'x-other': 'a' }), TypeError);
});
