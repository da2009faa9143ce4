/**
 * A Fastify app served unchanged by tsgi-appserver: the instance is exported as it is. Each
 * worker awaits its ready() once (so the plugin below and its route are in place), then hands
 * each request to fastify.routing(req, res), the handler Fastify's own server calls.
 *
 *   tsgi-appserver -w 2 examples/fastify/app.ts
 */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';

const fastify = Fastify();

// Registered by a plugin: this route exists only once ready() has run.
void fastify.register(async (instance) => {
  instance.get('/json', async () => ({ hello: 'from a Fastify plugin', list: [1, 2, 3] }));
});

fastify.get('/', async (_request, reply) => reply.type('text/plain').send('Hello from Fastify\n'));

fastify.post('/echo', async (request) => ({ received: request.body }));

fastify.get('/stream', async (_request, reply) =>
  reply.type('text/plain').send(
    Readable.from(
      (async function* () {
        for (let i = 1; i <= 3; i++) {
          yield `chunk ${i}\n`;
          await sleep(20);
        }
      })(),
    ),
  ),
);

export const application = fastify;
