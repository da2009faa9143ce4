import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineApp, FETCH_SERVER_PROTOCOL, resolveApp, serve, TSGI_APP, TSGI_VERSION, tsgiAppVersion, type TsgiApp } from './index.js';

test('defineApp marks the same object or function with the SPEC version, non-enumerably', () => {
  const app = { fetch: () => new Response('hi') };
  assert.equal(defineApp(app), app);
  assert.equal(tsgiAppVersion(app), TSGI_VERSION);
  assert.equal(TSGI_APP, Symbol.for('tsgi.app'));
  assert.deepEqual(Object.keys(app), ['fetch']);
  assert.equal(JSON.stringify(app), '{}');
  const fn = defineApp(() => new Response('hi'));
  assert.equal(tsgiAppVersion(fn), '1.1');
  assert.equal(tsgiAppVersion({ fetch: () => new Response('hi') }), undefined);
  assert.equal(tsgiAppVersion(null), undefined);
});

test('resolveApp refuses an app marked for another major version, a malformed marker, and a Fetch Server API handler', () => {
  const marked = (version: unknown) => ({ fetch: () => new Response('x'), [TSGI_APP]: version });
  assert.doesNotThrow(() => resolveApp(marked('1.0')));
  assert.doesNotThrow(() => resolveApp(marked('1.7')), 'a later minor of the same major is served');
  assert.throws(() => resolveApp(marked('2.0')), (e: unknown) => e instanceof TypeError && /marked for TSGI 2\.0.*implements TSGI 1\.1: major versions differ/.test(e.message));
  assert.throws(() => resolveApp(marked(1)), (e: unknown) => e instanceof TypeError && /marker .* is 1; expected a 'major\.minor' version string/.test(e.message));
  const draft = { [FETCH_SERVER_PROTOCOL]: 1, fetch: (_ctx: unknown) => new Response('x') };
  assert.throws(() => resolveApp(draft), (e: unknown) => e instanceof TypeError && /Fetch Server API handler/.test(e.message));
  assert.doesNotThrow(() => resolveApp(defineApp({ ...draft })), 'the TSGI marker wins when both are present');
});

test('serve() runs a marked app and refuses a wrongly marked one at start', async () => {
  const server = await serve(defineApp({ fetch: () => new Response('marked') }), { port: 0, host: '127.0.0.1' });
  try {
    assert.equal(await (await fetch(server.url)).text(), 'marked');
  } finally {
    await server.close();
  }
  await assert.rejects(serve({ fetch: () => new Response('x'), [TSGI_APP]: '3.0' } as TsgiApp, { port: 0, host: '127.0.0.1' }), TypeError);
});
