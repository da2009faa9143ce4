// A measuring floor, not a proxy: node:http in front, npm undici's Pool behind (keep-alive, 32
// connections), the request's fields passed as they came and the answer buffered, nothing else
// (no forwarding headers, limits, timeouts or errors beyond a 502). bench/README.md, "Profile: the
// proxy row", sets tsgi-webserver against it. PORT: where it listens; UP: the upstream's port.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);
const pool = new Pool(`http://127.0.0.1:${process.env.UP}`, { connections: 32, pipelining: 1 });

createServer((req, res) => {
  const chunks = [];
  let status = 502;
  let raw = [];
  pool.dispatch(
    { method: req.method, path: req.url, headers: req.rawHeaders },
    {
      onConnect() {},
      onError() {
        res.writeHead(502).end();
      },
      onHeaders(code, headers) {
        status = code;
        raw = headers;
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        const fields = [];
        for (let i = 0; i < raw.length; i += 2) {
          const name = raw[i].toString('latin1');
          if (!HOP_BY_HOP.has(name.toLowerCase())) fields.push(name, raw[i + 1].toString('latin1'));
        }
        res.writeHead(status, fields);
        res.end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      },
    },
  );
}).listen(Number(process.env.PORT), '127.0.0.1');
