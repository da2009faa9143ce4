// sirv on node:http serving ROOT, as its README shows.
import { createServer } from 'node:http';
import sirv from 'sirv';

const assets = sirv(process.env.ROOT, { etag: true });
createServer((req, res) => assets(req, res, () => { res.statusCode = 404; res.end(); }))
  .listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
