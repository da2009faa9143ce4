// Fastify hello world, and the JSON route of the framework group (/api/hello/).
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async (_req, reply) => reply.type('text/plain').send('Hello, World!'));
app.get('/api/hello/:name/', async (req) => ({ hello: req.params.name, framework: 'fastify' }));
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
