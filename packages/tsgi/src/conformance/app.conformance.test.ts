/**
 * The application suite of the conformance kit: a sample app passes it under validate(), and a
 * broken app fails it (run in a child process, since a failing suite would fail this file).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import type { TsgiAppObject } from '../types.js';
import { describeAppConformance } from './index.js';

/** A small but real app: routes, JSON, HEAD without a body, a streamed response, lifespan state. */
const sample: TsgiAppObject = {
  startup() {
    return { greeting: 'hello' };
  },
  async fetch(request, context) {
    const { pathname } = new URL(request.url);
    const head = request.method === 'HEAD';
    if (pathname === '/' && (request.method === 'GET' || head)) {
      return new Response(head ? null : `${String(context.state.greeting)} from ${context.serverName}`, { headers: { 'content-type': 'text/plain' } });
    }
    if (pathname === '/' && request.method === 'POST') {
      const text = await request.text();
      return Response.json({ received: text.length });
    }
    if (pathname === '/' && request.method === 'OPTIONS') {
      return new Response(null, { status: 204, headers: { allow: 'GET, HEAD, POST, OPTIONS' } });
    }
    if (pathname === '/stream') {
      const encoder = new TextEncoder();
      let n = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (n === 3) controller.close();
          else controller.enqueue(encoder.encode(`line ${n++}\n`));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/plain' } });
    }
    return new Response('not found', { status: 404 });
  },
};

describeAppConformance('sample app', sample, {
  requests: [
    { method: 'GET', path: '/stream', status: 200 },
    { method: 'GET', path: '/', status: 200 },
    { method: 'DELETE', path: '/nothing', status: 404 },
  ],
});

it('[A-SELFTEST] the app suite fails an app that sets Transfer-Encoding', () => {
  const file = fileURLToPath(new URL('./testdata/broken-app.kit.ts', import.meta.url));
  // NODE_TEST_CONTEXT would make the child report to this runner instead of printing TAP.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const cwd = fileURLToPath(new URL('../../', import.meta.url));
  const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--test', '--test-reporter=tap', file], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(result.status, 0, 'the suite passed a broken app');
  assert.match(result.stdout, /not ok .*POST \//);
  assert.match(result.stdout, /TSGI_E_HOP_BY_HOP/);
  assert.match(result.stdout, /ok .*GET \//);
});
