// A Hono app on @hono/node-server (which replaces the global Response by default).
import { Hono } from 'hono';
import { serve } from '@hono/node-server';

const app = new Hono();
app.get('/', (c) => c.text('Hello, World!'));
app.get('/api/hello/:name/', (c) => c.json({ hello: c.req.param('name'), framework: 'hono' }));
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: process.env.HOST ?? '127.0.0.1' });
