/**
 * Early answers on 3 MB uploads through the real tsgi-appserver, for a TSGI app, a plain Node app and Express:
 * the app's 403 without reading the body, and the server's 413 from --limit-request-body
 * (Content-Length, and a chunked body crossing it). A raw client writing on like a proxy writes
 * every byte and reads the answer (the close lingers, --lingering-close on by default); then the
 * real thing, nginx and Apache httpd in front: five 3 MB POSTs all get the 403, never a 502.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { uploadRaw } from 'tsgi-test-support';
import { startApacheFront, startNginxFront, type FrontProxy } from './testing/front-proxy.js';
import { startAppserver, tempProject, type AppserverProcess } from './testing/spawn-appserver.js';

const MB3 = 3 * 1024 * 1024;

/** /csrf answers 403 without reading; /read reads the whole body. */
const APPS = {
  tsgi: `export const application = async (request: Request) =>
  new URL(request.url).pathname === '/read' ? new Response('read ' + (await request.arrayBuffer()).byteLength) : new Response('Forbidden', { status: 403 });
`,
  node: `import type { IncomingMessage, ServerResponse } from 'node:http';
export const application = (req: IncomingMessage, res: ServerResponse) => {
  if (req.url !== '/read') {
    res.statusCode = 403;
    return res.end('Forbidden');
  }
  let size = 0;
  req.on('data', (c: Buffer) => (size += c.length));
  req.on('end', () => res.end('read ' + size));
};
`,
  // Express 5, a CSRF-style middleware refusing before any body parser runs.
  express: `import express from 'express';
export const application = express()
  .use((req, res, next) => (req.path === '/read' ? next() : res.status(403).send('Forbidden')))
  .post('/read', express.raw({ type: () => true, limit: '64mb' }), (req, res) => res.send('read ' + (req.body as Buffer).length));
`,
} as const;

for (const kind of ['tsgi', 'node', 'express'] as const) {
  describe(`lingering close after early answers (${kind} app)`, () => {
    let project: ReturnType<typeof tempProject>;
    let server: AppserverProcess & { url: string };
    let limited: AppserverProcess & { url: string };
    const iface = kind === 'tsgi' ? 'tsgi' : 'node';
    before(async () => {
      project = tempProject();
      writeFileSync(join(project.dir, 'app.ts'), APPS[kind]);
      [server, limited] = await Promise.all([
        startAppserver(['--interface', iface, 'app.ts'], { cwd: project.dir }),
        startAppserver(['--interface', iface, '--limit-request-body', '1m', 'app.ts'], { cwd: project.dir }),
      ]);
    });
    after(async () => {
      await Promise.all([server?.stop(), limited?.stop()]);
      project?.remove();
    });

    const upload = (url: string, path: string, chunked = false) => uploadRaw({ port: Number(new URL(url).port), head: `POST ${path} HTTP/1.1\r\nHost: x`, bodyBytes: MB3, chunked });

    it("the app's 403 without reading: every byte written, the 403 read", async () => {
      for (const chunked of [false, true]) {
        const outcome = await upload(server.url, '/csrf', chunked);
        assert.equal(outcome.status, 403, outcome.response);
        assert.ok(outcome.response.endsWith('\r\n\r\nForbidden'), outcome.response);
        assert.equal(outcome.error, undefined, `chunked=${chunked}: ${outcome.error} after ${outcome.bodyWritten} bytes`);
        assert.equal(outcome.bodyWritten, MB3);
      }
    });

    it('the 413 of --limit-request-body: every byte written, the 413 read (Content-Length and chunked)', async () => {
      for (const chunked of [false, true]) {
        const outcome = await upload(limited.url, '/read', chunked);
        assert.equal(outcome.status, 413, outcome.response);
        assert.match(outcome.response, /\r\nConnection: close\r\n/);
        assert.equal(outcome.error, undefined, `chunked=${chunked}: ${outcome.error} after ${outcome.bodyWritten} bytes`);
        assert.equal(outcome.bodyWritten, MB3);
      }
    });

    for (const [name, start] of [
      ['nginx', startNginxFront],
      ['Apache httpd', startApacheFront],
    ] as const) {
      it(`behind ${name}: five 3 MB POSTs answered 403 early all get 403 (not 502), and the 413 stays a 413`, async () => {
        const front: FrontProxy = await start(server.url);
        const frontLimited: FrontProxy = await start(limited.url);
        try {
          const body = Buffer.alloc(MB3, 0x61);
          const statuses: number[] = [];
          for (let i = 0; i < 5; i++) {
            const response = await fetch(`${front.url}/csrf`, { method: 'POST', body });
            await response.arrayBuffer();
            statuses.push(response.status);
          }
          assert.deepEqual(statuses, [403, 403, 403, 403, 403], front.errorLog());
          const tooLarge = await fetch(`${frontLimited.url}/read`, { method: 'POST', body });
          await tooLarge.arrayBuffer();
          assert.equal(tooLarge.status, 413, frontLimited.errorLog());
          // A body the app reads still goes through whole.
          const read = await fetch(`${front.url}/read`, { method: 'POST', body });
          assert.equal(await read.text(), `read ${MB3}`);
        } finally {
          await front.stop();
          await frontLimited.stop();
        }
      });
    }
  });
}
