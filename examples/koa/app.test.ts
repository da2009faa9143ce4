/**
 * The Koa example through its real package under the real tsgi-appserver (a master process
 * and 1 worker(s)): a plain response, a streamed body and a file upload.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startAppserver, type AppserverProcess } from 'tsgi-appserver/testing';

describe('examples/koa under tsgi-appserver', () => {
  let server: AppserverProcess & { url: string };
  before(async () => {
    server = await startAppserver(['-w', '1', 'examples/koa/app.ts']);
  });
  after(async () => {
    await server?.stop();
  });

  it('says which interface it detected', () => {
    assert.match(server.output(), /Serving .*examples\/koa\/app\.ts:default as a Node \(req, res\) app/);
  });

  it('answers GET /', async () => {
    const res = await fetch(server.url);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await res.text(), 'Hello from Koa\n');
  });

  it('streams a body in chunks', async () => {
    const res = await fetch(`${server.url}/stream`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    const reader = res.body!.getReader();
    const chunks: string[] = [];
    const decoder = new TextDecoder();
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(decoder.decode(r.value, { stream: true }));
    assert.equal(chunks.join(''), 'chunk 1\nchunk 2\nchunk 3\n');
    assert.ok(chunks.length >= 2, `expected the body to arrive in several reads, got ${chunks.length}`);
  });

  it('receives a file upload intact', async () => {
    const bytes = randomBytes(1024 * 1024 + 17);
    const form = new FormData();
    form.append('note', 'hello');
    form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), 'data.bin');
    const res = await fetch(`${server.url}/upload`, { method: 'POST', body: form });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    // Koa has no body parser: the app hashes the raw multipart body, which holds the file.
    assert.ok((body.size as number) > bytes.length, `raw body of ${String(body.size)} bytes is smaller than the file`);
    assert.match(String(body.contentType), /^multipart\/form-data; boundary=/);
  });

  it('answers 404 for an unknown path through the framework', async () => {
    const res = await fetch(`${server.url}/nope`);
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });
});
