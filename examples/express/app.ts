/**
 * An Express 5 app served unchanged by tsgi-appserver: an Express app is a Node (req, res)
 * listener, so tsgi-appserver serves it with `--interface node` (detected automatically).
 *
 *   tsgi-appserver -w 2 examples/express/app.ts
 */
import { createHash } from 'node:crypto';
import express from 'express';
import multer from 'multer';

const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 10 * 1024 * 1024 } });

const app = express();

app.get('/', (_req, res) => {
  res.type('text/plain').send('Hello from Express\n');
});

app.get('/stream', (_req, res) => {
  res.type('text/plain');
  let i = 0;
  const next = () => {
    i++;
    res.write(`chunk ${i}\n`);
    if (i < 3) setTimeout(next, 20);
    else res.end();
  };
  next();
});

app.post('/upload', upload.single('file'), (req, res) => {
  if (req.file === undefined) {
    res.status(400).json({ error: 'a file field named "file" is required' });
    return;
  }
  res.json({
    name: req.file.originalname,
    size: req.file.size,
    sha256: createHash('sha256').update(req.file.buffer).digest('hex'),
    note: (req.body as { note?: string }).note ?? null,
  });
});

export default app;
