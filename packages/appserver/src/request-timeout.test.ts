/**
 * --request-timeout: a handler without a response head in time gets 504 and (TSGI) its
 * request.signal aborts; the worker lives; a response that has started streams on; a Node app
 * that answers after the 504 does not take the worker down.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAppserver, tempProject } from './testing/spawn-appserver.js';

const TSGI_APP = `let lastAbort = 'none';
export const application = {
  async fetch(request: Request) {
    const path = new URL(request.url).pathname;
    if (path === '/hang') {
      await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
      lastAbort = \`aborted (\${(request.signal.reason as Error).name})\`;
      return new Response('too late');
    }
    if (path === '/stream') {
      const body = new ReadableStream({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('head sent; '));
          await new Promise((r) => setTimeout(r, 1500));
          controller.enqueue(new TextEncoder().encode('body done'));
          controller.close();
        },
      });
      return new Response(body);
    }
    return new Response(process.pid + ' ' + lastAbort);
  },
};
`;

const NODE_APP = `import express from 'express';
const app = express();
app.get('/late', (_req, res) => {
  setTimeout(() => {
    res.set('x-late', '1').send('late');
    res.write('more');
    console.log('late answer attempted');
  }, 1000);
});
app.get('/', (_req, res) => { res.send(String(process.pid)); });
export const application = app;
`;

describe('--request-timeout', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'tsgi-app.ts'), TSGI_APP);
    writeFileSync(join(project.dir, 'node-app.ts'), NODE_APP);
  });
  after(() => project.remove());

  it('TSGI app: 504 after the limit, request.signal aborts, the worker lives; a started stream is not cut', async () => {
    const server = await startAppserver(['--request-timeout', '1', 'tsgi-app.ts'], { cwd: project.dir });
    try {
      const [pid] = (await (await fetch(server.url)).text()).split(' ');
      const started = Date.now();
      const res = await fetch(`${server.url}/hang`);
      const waited = Date.now() - started;
      assert.equal(res.status, 504);
      assert.equal(await res.text(), 'Gateway Timeout');
      assert.equal(res.headers.get('connection'), 'close');
      assert.ok(waited >= 900 && waited < 5000, `answered after ${waited} ms`);
      assert.equal(await (await fetch(server.url)).text(), `${pid} aborted (TimeoutError)`, 'same worker, and the app saw request.signal abort with a TimeoutError, not a disconnect');
      const stream = await fetch(`${server.url}/stream`);
      assert.equal(stream.status, 200);
      assert.equal(await stream.text(), 'head sent; body done');
      assert.match(server.output(), /request timeout: no response after 1 s \(--request-timeout\); answered 504: GET \/hang HTTP\/1\.1/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('Node app: 504 after the limit; its late answer is dropped and the worker lives', async () => {
    const server = await startAppserver(['--interface', 'node', '--request-timeout', '0.5', 'node-app.ts'], { cwd: project.dir });
    try {
      const pid = await (await fetch(server.url)).text();
      const res = await fetch(`${server.url}/late`);
      assert.equal(res.status, 504);
      assert.equal(await res.text(), 'Gateway Timeout');
      await server.waitFor(/late answer attempted/);
      assert.equal(await (await fetch(server.url)).text(), pid);
      assert.doesNotMatch(server.output(), /died unexpectedly|ERR_HTTP_HEADERS_SENT/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
});
