// node:cluster with WORKERS workers sharing one port, each a raw node:http hello world (PM2-free).
import cluster from 'node:cluster';
import { createServer } from 'node:http';

const workers = Number(process.env.WORKERS ?? 2);
if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  });
} else {
  createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Hello, World!');
  }).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
}
