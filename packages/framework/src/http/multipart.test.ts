// multipart/form-data over real sockets: fields, files in memory and on disk (removed after the
// response), every limit as a precise 400/413, malformed bodies, and a 50 MB upload whose server
// memory (RSS, measured in a child process) stays bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveApp, type ServedApp } from '../test/serve-app.js';
import { path } from '../urls/conf.js';
import { JsonResponse } from './response.js';
import { waitFor } from 'tsgi-test-support';

const BOUNDARY = 'XyZ123';

function part(name: string, value: string | Buffer, filename?: string, type = 'application/octet-stream'): Buffer {
  const head = filename === undefined
    ? `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`
    : `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), Buffer.isBuffer(value) ? value : Buffer.from(value), Buffer.from('\r\n')]);
}

function body(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, Buffer.from(`--${BOUNDARY}--\r\n`)]);
}

function post(url: string, data: Buffer | string, contentType = `multipart/form-data; boundary=${BOUNDARY}`): Promise<Response> {
  return fetch(url, { method: 'POST', body: typeof data === 'string' ? data : new Uint8Array(data), headers: { 'Content-Type': contentType } });
}

let served: ServedApp;
const seenPaths: string[] = [];

before(async () => {
  served = await serveApp({
    ALLOWED_HOSTS: ['127.0.0.1'],
    MIDDLEWARE: [],
    FILE_UPLOAD_MAX_MEMORY_SIZE: 1000,
    FILE_UPLOAD_MAX_SIZE: 100_000,
    DATA_UPLOAD_MAX_MEMORY_SIZE: 2000,
    DATA_UPLOAD_MAX_NUMBER_FIELDS: 4,
    DATA_UPLOAD_MAX_NUMBER_FILES: 2,
    ROOT_URLCONF: [
      path('upload/', async (request) => {
        await request.load();
        const files = [];
        for (const [field, file] of request.FILES) {
          if (file.path) seenPaths.push(file.path);
          files.push({
            field,
            name: file.name,
            type: file.contentType,
            size: file.size,
            inMemory: file.inMemory,
            onDisk: file.path !== null && existsSync(file.path),
            text: file.size < 50 ? await file.text() : null,
            sha256: createHash('sha256').update(await file.bytes()).digest('hex'),
          });
        }
        return new JsonResponse({ fields: [...request.POST], files });
      }),
    ],
  });
});

after(async () => {
  await served?.close();
});

test('fields (multi-value) and small files stay in memory', async () => {
  const res = await post(
    `${served.url}/upload/`,
    body(part('title', 'Hello'), part('tag', 'a'), part('tag', 'b'), part('doc', 'file body', 'notes.txt', 'text/plain')),
  );
  assert.equal(res.status, 200);
  const json = (await res.json()) as { fields: [string, string][]; files: Record<string, unknown>[] };
  assert.deepEqual(json.fields, [['title', 'Hello'], ['tag', 'a'], ['tag', 'b']]);
  assert.equal(json.files.length, 1);
  assert.deepEqual(
    { ...json.files[0], sha256: undefined },
    { field: 'doc', name: 'notes.txt', type: 'text/plain', size: 9, inMemory: true, onDisk: false, text: 'file body', sha256: undefined },
  );
});

test('files above FILE_UPLOAD_MAX_MEMORY_SIZE stream to a temp file, removed once the response is sent', async () => {
  const data = Buffer.alloc(50_000, 7);
  const res = await post(`${served.url}/upload/`, body(part('big', data, 'C:\\Users\\me\\big.bin')));
  assert.equal(res.status, 200);
  const json = (await res.json()) as { files: { inMemory: boolean; onDisk: boolean; size: number; name: string; sha256: string }[] };
  const file = json.files[0];
  assert.ok(file);
  assert.equal(file.inMemory, false);
  assert.equal(file.onDisk, true, 'the temp file existed while the view ran');
  assert.equal(file.size, 50_000);
  assert.equal(file.name, 'big.bin', 'client path components are removed');
  assert.equal(file.sha256, createHash('sha256').update(data).digest('hex'));
  const tempPath = seenPaths.at(-1) as string;
  await waitFor(() => !existsSync(tempPath), { timeoutMs: 2_000, what: 'the temp file to be removed after completion' });
  assert.equal(existsSync(tempPath), false, 'temp file removed after completion');
});

test('several files in one field keep the order sent, though a small one finishes before a large one on disk', async () => {
  const big = Buffer.alloc(60_000, 1);
  const res = await post(`${served.url}/upload/`, body(part('docs', big, 'first.bin'), part('docs', 'second', 'second.txt', 'text/plain')));
  assert.equal(res.status, 200);
  const json = (await res.json()) as { files: { field: string; name: string; inMemory: boolean }[] };
  assert.deepEqual(
    json.files.map((f) => [f.field, f.name, f.inMemory]),
    [['docs', 'first.bin', false], ['docs', 'second.txt', true]],
  );
});

test('limits: too many fields / files is 400, a too large file or too much field data is 413', async () => {
  const tooManyFields = await post(`${served.url}/upload/`, body(...['a', 'b', 'c', 'd', 'e'].map((n) => part(n, '1'))));
  assert.equal(tooManyFields.status, 400);
  const tooManyFiles = await post(`${served.url}/upload/`, body(part('f', 'x', '1.txt'), part('f', 'x', '2.txt'), part('f', 'x', '3.txt')));
  assert.equal(tooManyFiles.status, 400);
  const bigFile = await post(`${served.url}/upload/`, body(part('f', Buffer.alloc(150_000), 'big.bin')));
  assert.equal(bigFile.status, 413);
  const bigFields = await post(`${served.url}/upload/`, body(part('a', 'x'.repeat(1500)), part('b', 'y'.repeat(1500))));
  assert.equal(bigFields.status, 413);
  const logs = served.logs.map(([, m]) => m).join('\n');
  assert.match(logs, /DATA_UPLOAD_MAX_NUMBER_FIELDS/);
  assert.match(logs, /DATA_UPLOAD_MAX_NUMBER_FILES/);
  assert.match(logs, /FILE_UPLOAD_MAX_SIZE/);
  for (const p of seenPaths) assert.equal(existsSync(p), false);
});

test('malformed multipart is 400: no boundary, truncated body, garbage, empty body', async () => {
  assert.equal((await post(`${served.url}/upload/`, body(part('a', '1')), 'multipart/form-data')).status, 400);
  const truncated = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nunfinished`);
  assert.equal((await post(`${served.url}/upload/`, truncated)).status, 400);
  assert.equal((await post(`${served.url}/upload/`, 'this is not multipart at all')).status, 400);
  const empty = await fetch(`${served.url}/upload/`, { method: 'POST', headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}` } });
  assert.equal(empty.status, 400);
  assert.ok(served.logs.some(([level, m]) => level === 'error' && m.includes('security.SuspiciousMultipartForm')));
});

// ---- 50 MB with bounded memory, in a child process so its RSS is the server's alone ----

let child: ChildProcess | undefined;

after(() => {
  child?.kill('SIGKILL');
});

test('a 50 MB upload streams to disk with bounded server memory', { timeout: 120_000 }, async () => {
  const script = fileURLToPath(new URL('./testdata/upload-server.mjs', import.meta.url));
  child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--expose-gc', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child!.on('exit', (code) => reject(new Error(`upload server exited with ${code}`)));
  });
  const upload = async (size: number) => {
    const CHUNK = 64 * 1024;
    const hash = createHash('sha256');
    const head = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nbig one\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    let sent = 0;
    let phase = 0;
    // The client streams too (pull-based), so neither side ever holds the whole body.
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (phase === 0) {
          phase = 1;
          controller.enqueue(head);
          return;
        }
        if (sent < size) {
          const chunk = Buffer.alloc(Math.min(CHUNK, size - sent), (sent / CHUNK) % 251);
          hash.update(chunk);
          sent += chunk.length;
          controller.enqueue(chunk);
          return;
        }
        controller.enqueue(tail);
        controller.close();
      },
    });
    const res = await fetch(`${url}/upload/`, {
      method: 'POST',
      body: stream,
      headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': String(head.length + size + tail.length) },
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 200);
    const json = (await res.json()) as { size: number; inMemory: boolean; sha256: string; note: string; path: string };
    assert.equal(json.size, size);
    assert.equal(json.inMemory, false);
    assert.equal(json.note, 'big one');
    assert.equal(json.sha256, hash.digest('hex'));
    return json;
  };
  // Warm up: the first large upload grows the process to its working size (measured: ~30 MB,
  // the same for 16 or 95 MB uploads: GC heuristics for chunk garbage, not buffering; later
  // uploads add ~0-6 MB). Then the baseline after a GC.
  await upload(50 * 1024 * 1024);
  const { peak: baseline } = (await (await fetch(`${url}/reset/`)).json()) as { peak: number };
  const json = await upload(50 * 1024 * 1024);
  const { peak } = (await (await fetch(`${url}/rss/`)).json()) as { peak: number };
  const growth = peak - baseline;
  // Buffering the upload would keep all 50 MB alive (growth >= 50 MB). Streaming keeps a few
  // 64 KiB chunks alive; chunks already written are garbage that V8 frees when its external-
  // memory heuristic triggers a GC, which lets RSS float by up to ~30 MB (measured 0-35 MB).
  assert.ok(growth < 45 * 1024 * 1024, `server RSS grew by ${(growth / 1048576).toFixed(1)} MB during a 50 MB upload`);
  await waitFor(() => !existsSync(json.path), { timeoutMs: 2_000, what: 'the temp file to be removed' });
  assert.equal(existsSync(json.path), false, 'temp file removed');
  child.kill('SIGTERM');
});
