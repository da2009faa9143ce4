import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtemp, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FastResponse, TSGI_FILE, fileResponse, serve, type TsgiServer } from './index.js';
import { portOf, recordingLogger } from './raw-socket.test.util.js';
import { rawExchange } from 'tsgi-test-support';

let dir: string;
let big: string;
let bigBytes: Buffer;
let small: string;
let server: TsgiServer;
let extensions: Record<string, unknown> = {};
const log = recordingLogger();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsgi-file-'));
  big = join(dir, 'big.bin');
  bigBytes = randomBytes(5 * 1024 * 1024 + 123);
  await writeFile(big, bigBytes);
  small = join(dir, 'small.txt');
  await writeFile(small, '0123456789');
  server = await serve(
    async (request, context) => {
      extensions = { ...context.server.extensions };
      const url = new URL(request.url);
      const name = url.pathname.slice(1);
      const offset = url.searchParams.has('offset') ? Number(url.searchParams.get('offset')) : undefined;
      const length = url.searchParams.has('length') ? Number(url.searchParams.get('length')) : undefined;
      if (name === 'std') {
        // a standard Response carrying the extension by hand
        const r = new Response('0123456789', { headers: { 'x-std': '1' } });
        Object.defineProperty(r, TSGI_FILE, { value: { path: small, offset: 2, length: 3 } });
        return r;
      }
      if (name === 'gone') {
        const path = join(dir, 'gone.txt');
        await writeFile(path, 'soon deleted');
        const r = await fileResponse(path);
        await unlink(path);
        return r;
      }
      if (name === 'shrunk') {
        const path = join(dir, 'shrunk.txt');
        await writeFile(path, 'will be cut short');
        const r = await fileResponse(path);
        await truncate(path, 4);
        return r;
      }
      return fileResponse(join(dir, name), { offset, length, headers: { 'content-type': 'application/octet-stream' } });
    },
    { port: 0, log },
  );
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

test('serve() declares tsgi.file and sends a whole file with Content-Length', async () => {
  const r = await fetch(`${server.url}/big.bin`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-length'), String(bigBytes.length));
  assert.equal(r.headers.get('content-type'), 'application/octet-stream');
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(bigBytes));
  assert.equal(extensions['tsgi.file'], true);
});

test('offset and length select a region', async () => {
  const r = await fetch(`${server.url}/small.txt?offset=3&length=4`);
  assert.equal(r.headers.get('content-length'), '4');
  assert.equal(await r.text(), '3456');
  const tail = await fetch(`${server.url}/small.txt?offset=7`);
  assert.equal(await tail.text(), '789');
});

test('HEAD gets the Content-Length and no body', async () => {
  const raw = await rawExchange(portOf(server.url), 'HEAD /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(raw, /content-length: 10\r\n/i);
  assert.ok(raw.endsWith('\r\n\r\n'));
});

test('a standard Response carrying TSGI_FILE is sent from the file (same status and headers)', async () => {
  const r = await fetch(`${server.url}/std`);
  assert.equal(r.headers.get('x-std'), '1');
  assert.equal(await r.text(), '234');
});

test('a file deleted or shrunk before sending is an application error: 500', async () => {
  assert.equal((await fetch(`${server.url}/gone`)).status, 500);
  assert.equal((await fetch(`${server.url}/shrunk`)).status, 500);
  assert.ok(log.lines.some((l) => l.includes('"GET /gone HTTP/1.1"')));
});

test('the ordinary body streams the same bytes (for servers without the extension)', async () => {
  const r = await fileResponse(small, { offset: 1, length: 5 });
  assert.ok(r instanceof Response);
  assert.ok(r instanceof FastResponse);
  assert.deepEqual(r[TSGI_FILE as never], { path: small, offset: 1, length: 5 });
  assert.equal(r.headers.get('content-length'), '5');
  assert.equal(await r.text(), '12345');
  const whole = await fileResponse(big);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bigBytes));
});

test('fileResponse rejects a missing file, a directory and a region past the end', async () => {
  await assert.rejects(fileResponse(join(dir, 'missing')), { code: 'ENOENT' });
  await assert.rejects(fileResponse(dir), /needs a regular file/);
  await assert.rejects(fileResponse(small, { offset: 5, length: 6 }), /past the end/);
  await assert.rejects(fileResponse(small, { offset: -1 }), /non-negative integer/);
});
