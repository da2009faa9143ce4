import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// What a process serving a framework app loads is per process: seen in a fresh child. The test
// utilities are part of the index (serveApp among them), so they must not load `ws` until a test
// opens a WebSocket; and a JSON view answered through tsgi needs none of node's fetch classes.
test('serving framework views (a JSON view, an async one, a 404 logged with its request id) loads neither ws nor node\'s fetch classes; serveApp().websocket() loads ws', () => {
  const index = fileURLToPath(new URL('../index.ts', import.meta.url));
  const script = `
    import { createRequire } from 'node:module';
    import { get } from 'node:http';
    import { serveApp, path, JsonResponse } from ${JSON.stringify(index)};
    const requireHere = createRequire(import.meta.url);
    const wsLoaded = () => Object.keys(requireHere.cache).some((file) => /[\\\\/]node_modules[\\\\/]ws[\\\\/]/.test(file));
    const undici = () => process.moduleLoadList.some((m) => m.includes('deps/undici'));
    const served = await serveApp({ SECRET_KEY: 'test-only-0123456789abcdefghijklmnopqrstuvwxyz', ALLOWED_HOSTS: ['127.0.0.1'], ROOT_URLCONF: [
      path('api/<slug:name>/', (request) => new JsonResponse({ hello: request.params.name }, { headers: { 'Cache-Control': 'no-store' } })),
      path('later/', async (request) => new JsonResponse({ id: request.id.length })),
    ] });
    const fetchText = (path) => new Promise((resolve, reject) => {
      get(served.url + path, { agent: false }, (res) => { let data = ''; res.on('data', (c) => (data += c)).on('end', () => resolve(res.statusCode + ' ' + data)); }).on('error', reject);
    });
    // The 404 is logged with request_id=..., which reads request.id.
    const body = [await fetchText('/api/world/'), await fetchText('/later/'), (await fetchText('/missing/')).slice(0, 3)].join(', ');
    const before = { ws: wsLoaded(), undici: undici() };
    const handshake = await served.websocket('/api/world/').then(() => 'opened', (error) => error.message);
    const notFound = served.logs.map(([, line]) => line).find((line) => line.includes('Not Found'));
    console.log(JSON.stringify({ body, notFound, before, handshake, wsAfter: wsLoaded() }));
    await served.close();
  `;
  const child = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { body: string; notFound?: string; before: { ws: boolean; undici: boolean }; handshake: string; wsAfter: boolean };
  assert.equal(out.body, '200 {"hello":"world"}, 200 {"id":36}, 404');
  assert.match(out.notFound ?? '', /Not Found: \/missing\/ request_id=[0-9a-f-]{36}/, 'the 404 was logged with its request id');
  assert.equal(out.before.ws, false, 'ws is not loaded by importing the framework or serving a view');
  assert.match(out.handshake, /WebSocket handshake to \/api\/world\/ answered 200/, 'the client works once loaded (a plain view answers the upgrade request as a GET)');
  assert.equal(out.wsAfter, true);
  // Node 22+ loads the fetch classes as soon as tsgi looks at the global (tsgi's fetch-class-link.ts); Node 20 only when one is read.
  if (process.versions.node.startsWith('20.')) assert.equal(out.before.undici, false, 'no fetch class loaded');
});
