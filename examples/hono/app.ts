/**
 * A Hono app served unchanged by tsgi-appserver: a Hono app is an object with `fetch`, so it
 * is a TSGI app as it stands (Hono receives the TSGI context as its `env`).
 *
 *   tsgi-appserver -w 2 examples/hono/app.ts
 */
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { stream } from 'hono/streaming';

const app = new Hono();

app.get('/', (c) => c.text('Hello from Hono\n'));

app.get('/stream', (c) =>
  stream(c, async (s) => {
    for (let i = 1; i <= 3; i++) {
      await s.write(`chunk ${i}\n`);
      await s.sleep(20);
    }
  }),
);

app.post('/upload', async (c) => {
  const form = await c.req.formData();
  const file = form.get('file');
  if (!(file instanceof File)) return c.json({ error: 'a file field named "file" is required' }, 400);
  const bytes = new Uint8Array(await file.arrayBuffer());
  return c.json({ name: file.name, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex'), note: form.get('note') });
});

export default app;
