/**
 * Named limits and invalid requests over raw sockets, through the real server, for a TSGI app
 * and for a Node (req, res) app: each answer comes from the server and the app never runs.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startAppserver, tempProject, type AppserverProcess } from './testing/spawn-appserver.js';

/** Sends `data` (all at once) and resolves with everything received until close or `waitMs`. */
function raw(url: string, data: string | Buffer, waitMs = 5000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, waitMs);
    socket.on('data', (c) => (out += c.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    socket.write(data);
  });
}

const status = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

const LIMITS = ['--limit-request-line', '1024', '--limit-request-fields', '30', '--limit-request-field-size', '2048', '--limit-request-body', '65536', '--header-timeout', '1', '--body-timeout', '1', '--keep-alive', '1'];

for (const kind of ['tsgi', 'node'] as const) {
  describe(`limits before the app (${kind} app)`, () => {
    let project: ReturnType<typeof tempProject>;
    let server: AppserverProcess & { url: string };
    let hits = 0;
    const count = async () => Number(await (await fetch(`${server.url}/__count`)).text());

    before(async () => {
      project = tempProject();
      const app =
        kind === 'tsgi'
          ? `let n = 0;\nexport const application = (request: Request) => new URL(request.url).pathname === '/__count' ? new Response(String(n)) : (n++, request.body ? request.arrayBuffer().then((b) => new Response('got ' + b.byteLength)) : new Response('ok'));\n`
          : `import type { IncomingMessage, ServerResponse } from 'node:http';\nlet n = 0;\nexport const application = (req: IncomingMessage, res: ServerResponse) => {\n  if (req.url === '/__count') return res.end(String(n));\n  n++;\n  let size = 0;\n  req.on('data', (c: Buffer) => (size += c.length));\n  req.on('end', () => res.end('got ' + size));\n};\n`;
      writeFileSync(join(project.dir, 'app.ts'), app);
      server = await startAppserver([...LIMITS, '--interface', kind, 'app.ts'], { cwd: project.dir });
      hits = await count();
    });
    after(async () => {
      await server?.stop();
      project?.remove();
    });

    it('a request within the limits reaches the app', async () => {
      const res = await raw(server.url, 'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
      assert.equal(status(res), 200, res);
      assert.match(res, /got 5$/);
      hits++;
      assert.equal(await count(), hits);
    });

    it('414 for a request line over --limit-request-line, and for one beyond node\'s header budget', async () => {
      assert.equal(status(await raw(server.url, `GET /${'a'.repeat(1100)} HTTP/1.1\r\nHost: a\r\n\r\n`)), 414);
      assert.equal(status(await raw(server.url, `GET /${'a'.repeat(40_000)} HTTP/1.1\r\nHost: a\r\n\r\n`)), 414);
      assert.equal(await count(), hits);
    });

    it('431 for too many fields, one field too large, and headers beyond the total budget', async () => {
      const many = Array.from({ length: 31 }, (_, i) => `X-F${i}: v\r\n`).join('');
      assert.equal(status(await raw(server.url, `GET / HTTP/1.1\r\nHost: a\r\n${many}\r\n`)), 431);
      assert.equal(status(await raw(server.url, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(2100)}\r\n\r\n`)), 431);
      const huge = Array.from({ length: 25 }, (_, i) => `X-H${i}: ${'h'.repeat(2000)}\r\n`).join('');
      assert.equal(status(await raw(server.url, `GET / HTTP/1.1\r\nHost: a\r\n${huge}\r\n`)), 431);
      assert.equal(await count(), hits);
    });

    it('413 when Content-Length exceeds --limit-request-body', async () => {
      const res = await raw(server.url, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\nxx');
      assert.equal(status(res), 413, res);
      assert.equal(await count(), hits);
    });

    it('413 when a chunked body grows past --limit-request-body (the app sees at most the limit)', async () => {
      const chunk = 'x'.repeat(16384);
      const body = Array.from({ length: 8 }, () => `${(16384).toString(16)}\r\n${chunk}\r\n`).join('') + '0\r\n\r\n';
      const res = await raw(server.url, `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${body}`);
      hits++; // a chunked body has no length up front: the app is called and reads part of it
      assert.equal(status(res), 413, res);
      assert.doesNotMatch(res, /got \d+/, 'the app never got the whole body');
      assert.equal(await count(), hits);
    });

    it('408 when the headers do not arrive within --header-timeout', async () => {
      const started = Date.now();
      const res = await raw(server.url, 'GET / HTTP/1.1\r\nHost: a\r\n', 10_000);
      assert.equal(status(res), 408, res);
      assert.ok(Date.now() - started < 9000);
      assert.equal(await count(), hits);
    });

    it('408 when the body stalls for --body-timeout', async () => {
      const res = await raw(server.url, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789', 10_000);
      hits++; // the app started reading the body
      assert.equal(status(res), 408, res);
    });

    it('400 for invalid framing (Content-Length with Transfer-Encoding: request smuggling)', async () => {
      const before = await count();
      const res = await raw(server.url, 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
      assert.equal(status(res), 400, res);
      const res2 = await raw(server.url, 'GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n');
      assert.equal(status(res2), 400, res2);
      assert.equal(await count(), before);
    });

    it('closes an idle keep-alive connection after --keep-alive', async () => {
      const started = Date.now();
      const res = await raw(server.url, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n', 10_000);
      assert.equal(status(res), 200);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 700 && elapsed < 9000, `closed after ${elapsed} ms`);
    });
  });
}
