/**
 * A Koa app served unchanged by tsgi-appserver: the exported Koa application has
 * `callback()`, which tsgi-appserver calls to get its Node (req, res) listener.
 *
 *   tsgi-appserver -w 2 examples/koa/app.ts
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Router from '@koa/router';
import Koa from 'koa';

const app = new Koa();
const router = new Router();

router.get('/', (ctx) => {
  ctx.type = 'text/plain';
  ctx.body = 'Hello from Koa\n';
});

router.get('/stream', (ctx) => {
  ctx.type = 'text/plain';
  ctx.body = Readable.from(
    (async function* () {
      for (let i = 1; i <= 3; i++) {
        yield `chunk ${i}\n`;
        await sleep(20);
      }
    })(),
  );
});

// Koa has no body parser built in: read the raw body from the Node request stream.
router.post('/upload', async (ctx) => {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  ctx.body = { size, sha256: hash.digest('hex'), contentType: ctx.get('content-type') };
});

app.use(router.routes()).use(router.allowedMethods());

export default app;
