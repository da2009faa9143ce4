/**
 * tsgi.websocket under tsgi-appserver, what the kit cannot see: --request-timeout never ends an
 * open WebSocket (SPEC R7.3.12), a graceful stop sends 1001 to every open WebSocket within
 * --graceful-timeout and counts them (R7.3.11), the access log has the 101, and a Node app
 * still gets an upgrade request as an ordinary request (it keeps node's own upgrade handling).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startAppserver, tempProject } from './testing/spawn-appserver.js';

const TSGI_APP = `import { upgradeWebSocket, isWebSocketRequest } from 'tsgi';
export const application = {
  fetch(request: Request, context: any) {
    if (!isWebSocketRequest(context)) return new Response('plain ' + process.pid);
    const { socket, response } = upgradeWebSocket(request, context);
    socket.onmessage = (event: MessageEvent) => socket.send(event.data);
    return response;
  },
};
`;

const NODE_APP = `import express from 'express';
const app = express();
app.get('/', (req, res) => { res.send('express saw ' + (req.headers.upgrade ?? 'no upgrade')); });
export const application = app;
`;

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function echo(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    ws.once('message', (data: Buffer) => resolve(data.toString()));
    ws.send(text);
  });
}

describe('tsgi.websocket under tsgi-appserver', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'ws-app.ts'), TSGI_APP);
    writeFileSync(join(project.dir, 'node-app.ts'), NODE_APP);
  });
  after(() => project.remove());

  it('--request-timeout does not end an open WebSocket; SIGTERM closes it with 1001, counted', async () => {
    const server = await startAppserver(['-w', '2', '--request-timeout', '1', '--graceful-timeout', '20', '--access-logfile', '-', 'ws-app.ts'], { cwd: project.dir });
    const url = server.url.replace('http', 'ws');
    const clients = await Promise.all([1, 2, 3, 4].map(() => open(url)));
    try {
      assert.equal(await echo(clients[0]!, 'first'), 'first');
      // Past --request-timeout (1 s) by a wide margin, polled so a slow machine only waits longer.
      const deadline = Date.now() + 2_500;
      while (Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
      for (const [i, ws] of clients.entries()) {
        assert.equal(ws.readyState, WebSocket.OPEN, `WebSocket ${i} was closed by --request-timeout`);
        assert.equal(await echo(ws, `after ${i}`), `after ${i}`);
      }
      assert.doesNotMatch(server.output(), /request timeout/, 'a WebSocket was reported as a timed-out request');
      const codes = clients.map((ws) => new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code))));
      const started = Date.now();
      const exited = server.stop('SIGTERM');
      assert.deepEqual(await Promise.all(codes), [1001, 1001, 1001, 1001]);
      assert.equal(await exited, 0);
      assert.ok(Date.now() - started < 15_000, `the stop took ${Date.now() - started} ms`);
      const counted = [...server.output().matchAll(/closing (\d+) WebSocket\(s\) with 1001/g)].reduce((n, m) => n + Number(m[1]), 0);
      assert.equal(counted, 4, `the workers' logs count ${counted} WebSockets closed with 1001:\n${server.output()}`);
      // The access log writes a WebSocket's line when it ends, with its 101.
      assert.equal([...server.output().matchAll(/"GET \/ HTTP\/1\.1" 101 /g)].length, 4, `access log:\n${server.output()}`);
    } finally {
      for (const ws of clients) ws.terminate();
      await server.stop('SIGKILL').catch(() => undefined);
    }
  });

  it('a Node app gets an upgrade request as an ordinary request (no tsgi.websocket)', async () => {
    const server = await startAppserver(['--interface', 'node', 'node-app.ts'], { cwd: project.dir });
    try {
      const ws = new WebSocket(server.url.replace('http', 'ws'));
      ws.on('error', () => {});
      const body = await new Promise<string>((resolve) =>
        ws.once('unexpected-response', (_req, res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        }),
      );
      ws.terminate();
      assert.equal(body, '200 express saw websocket');
    } finally {
      await server.stop('SIGTERM');
    }
  });
});
