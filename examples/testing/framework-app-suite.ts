/**
 * One suite for every example app served by tsgi-appserver (Hono, Express, Koa): the same
 * requests through the real package under a real master and workers, so the examples differ
 * only in what they are, not in how they are tested.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startAppserver, type AppserverProcess } from 'tsgi-appserver/testing';

/** What differs between the example apps. */
export interface ExampleApp {
  /** The folder under examples/, e.g. `express`. */
  readonly name: string;
  readonly workers: number;
  /** How tsgi-appserver's `--interface auto` must describe it. */
  readonly detectedAs: 'a TSGI app' | 'a Node \\(req, res\\) app';
  /** The body of GET /. */
  readonly greeting: string;
  /** Checks the JSON the app answers to a multipart upload of `bytes` (field `file`, note `hello`). */
  checkUpload(body: Record<string, unknown>, bytes: Buffer): void;
}

/** Registers the suite for one example app. */
export function describeExampleApp(example: ExampleApp): void {
  const file = `examples/${example.name}/app.ts`;
  describe(`${file} under tsgi-appserver -w ${example.workers}`, () => {
    let server: AppserverProcess & { url: string };
    before(async () => {
      server = await startAppserver(['-w', String(example.workers), file]);
    });
    after(async () => {
      await server?.stop();
    });

    it('says which interface it detected', () => {
      assert.match(server.output(), new RegExp(`Serving .*examples/${example.name}/app\\.ts:default as ${example.detectedAs}`));
    });

    it('answers GET /', async () => {
      const res = await fetch(server.url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(await res.text(), example.greeting);
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
      example.checkUpload((await res.json()) as Record<string, unknown>, bytes);
    });

    it('answers 404 for an unknown path through the framework', async () => {
      const res = await fetch(`${server.url}/nope`);
      assert.equal(res.status, 404);
      await res.arrayBuffer();
    });
  });
}
