// Child process for the 50 MB upload test: serves an upload view and reports its own peak RSS,
// sampled every 5 ms, so the parent can check memory stayed bounded while the body streamed.
// Run with: node --conditions=source --import tsx upload-server.mjs
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { serve } from 'tsgi';
import { getTsgiApplication, path, JsonResponse } from 'tsgi-framework';

let peak = 0;
const sample = () => {
  const rss = process.memoryUsage.rss();
  if (rss > peak) peak = rss;
};
setInterval(sample, 5).unref();

const app = getTsgiApplication({
  ALLOWED_HOSTS: ['127.0.0.1'],
  MIDDLEWARE: [],
  // UPLOAD_MEMORY_SIZE lets a manual run keep uploads in memory, to see the test catch buffering.
  FILE_UPLOAD_MAX_MEMORY_SIZE: Number(process.env.UPLOAD_MEMORY_SIZE ?? 1024 * 1024),
  ROOT_URLCONF: [
    path('rss/', () => {
      sample();
      return new JsonResponse({ rss: process.memoryUsage.rss(), peak });
    }),
    path('reset/', () => {
      globalThis.gc?.();
      peak = process.memoryUsage.rss();
      return new JsonResponse({ peak });
    }),
    path('upload/', async (request) => {
      const files = await request.files();
      const file = files.get('file');
      const hash = createHash('sha256');
      if (file.path) for await (const chunk of createReadStream(file.path)) hash.update(chunk);
      else hash.update(await file.bytes());
      sample();
      return new JsonResponse({ size: file.size, inMemory: file.inMemory, path: file.path, sha256: hash.digest('hex'), note: request.POST.get('note'), peak });
    }),
  ],
});
const server = await serve(app, { host: '127.0.0.1', port: 0 });
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
// The parent holds our stdin: when it goes away (even killed), stdin ends and so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
