import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The patch replaces globals, so it is exercised in a child process, not in this one.
test('installRequestPatch: new Request(lazy, init) and fetch(lazy) work; instanceof still holds', () => {
  const index = fileURLToPath(new URL('./index.ts', import.meta.url));
  const script = `
    import { installRequestPatch, serve } from ${JSON.stringify(index)};
    const NativeRequest = globalThis.Request;
    const before = await serve(async (request) => {
      try { new Request(request); return new Response('no error'); } catch (e) { return new Response('threw'); }
    }, { port: 0 });
    const unpatched = await (await fetch(before.url)).text();
    await before.close();
    installRequestPatch();
    installRequestPatch(); // idempotent
    const upstream = await serve(async (request) => new Response(request.method + ' ' + (await request.text())), { port: 0 });
    const server = await serve(async (request) => {
      if (request.headers.get('x-mode') === 'proxy') return fetch(request); // its url names the upstream (Host)
      const copy = new Request(request, { headers: { 'x-added': 'yes' } });
      const checks = [copy instanceof Request, request instanceof Request, new NativeRequest('http://x/') instanceof Request, copy.method, copy.headers.get('x-added')];
      return new Response(JSON.stringify({ checks, copyBody: await copy.text() }));
    }, { port: 0 });
    const r = await fetch(server.url, { method: 'POST', body: 'payload' });
    const result = JSON.parse(await r.text());
    const { request: raw } = await import('node:http');
    const proxied = await new Promise((resolve, reject) => {
      const req = raw(server.url, { method: 'PUT', headers: { host: new URL(upstream.url).host, 'x-mode': 'proxy' } }, (res) => {
        let data = ''; res.on('data', (c) => (data += c)).on('end', () => resolve(data));
      });
      req.on('error', reject); req.end('sent on');
    });
    console.log(JSON.stringify({ unpatched, result, proxied }));
    await server.close(); await upstream.close();
  `;
  const child = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { unpatched: string; result: { checks: unknown[]; copyBody: string }; proxied: string };
  assert.equal(out.unpatched, 'threw', 'without the patch the runtime refuses the lazy request');
  assert.deepEqual(out.result.checks, [true, true, true, 'POST', 'yes']);
  assert.equal(out.result.copyBody, 'payload');
  assert.equal(out.proxied, 'PUT sent on', 'fetch(lazyRequest) reached the upstream with method and body');
});
