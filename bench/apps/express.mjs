// Express 5: hello world and the JSON route. Exported for tsgi-appserver; listens itself when run directly.
import express from 'express';

export const app = express();
app.disable('x-powered-by');
app.get('/', (_req, res) => { res.type('text/plain').send('Hello, World!'); });
app.get('/api/hello/:name/', (req, res) => { res.json({ hello: req.params.name, framework: 'express' }); });
export default app;

if (process.env.LISTEN === '1') app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
