// A measuring floor, not a proxy: node:http in front of the least HTTP/1.1 client that serves the
// bench's upstream (keep-alive sockets reused, GET only, Content-Length or chunked bodies without
// trailers; no limits, timeouts, strictness or error handling beyond a 502). It shows what node
// costs a proxied request without undici: bench/README.md, "Profile: the proxy row".
// PORT: where it listens; UP: the upstream's port.
import { createServer } from 'node:http';
import { connect } from 'node:net';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);
/** Upstream connections with no request on them. */
const idle = [];

/** One keep-alive connection to the upstream and the exchange on it. */
class Upstream {
  constructor() {
    this.socket = connect(Number(process.env.UP), '127.0.0.1');
    this.socket.setNoDelay(true);
    this.exchange = null;
    this.buffered = null;
    this.socket.on('data', (data) => this.read(data));
    this.socket.on('error', () => this.exchange?.res.writeHead(502).end());
  }

  send(req, res) {
    this.exchange = { res, status: 0, fields: [], length: -1, chunks: [] };
    let head = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (let i = 0; i < req.rawHeaders.length; i += 2) head += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
    this.socket.write(`${head}\r\n`, 'latin1');
  }

  read(data) {
    this.buffered = this.buffered === null ? data : Buffer.concat([this.buffered, data]);
    const x = this.exchange;
    if (x === null) return;
    if (x.status === 0 && !this.readHead(x)) return;
    const body = x.length >= 0 ? this.readSized(x.length) : this.readChunked(x.chunks);
    if (body === undefined) return;
    this.exchange = null;
    idle.push(this);
    x.res.writeHead(x.status, x.fields);
    x.res.end(body);
  }

  readHead(x) {
    const end = this.buffered.indexOf('\r\n\r\n');
    if (end === -1) return false;
    const lines = this.buffered.latin1Slice(0, end).split('\r\n');
    x.status = Number(lines[0].slice(9, 12));
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      const lower = name.toLowerCase();
      if (lower === 'content-length') x.length = Number(value);
      if (!HOP_BY_HOP.has(lower)) x.fields.push(name, value);
    }
    this.buffered = this.buffered.subarray(end + 4);
    return true;
  }

  readSized(length) {
    if (this.buffered.length < length) return undefined;
    const body = this.buffered.subarray(0, length);
    this.buffered = this.buffered.length > length ? this.buffered.subarray(length) : null;
    return body;
  }

  readChunked(chunks) {
    for (;;) {
      const eol = this.buffered.indexOf('\r\n');
      if (eol === -1) return undefined;
      const size = parseInt(this.buffered.latin1Slice(0, eol), 16);
      if (this.buffered.length < eol + 2 + size + 2) return undefined;
      const rest = this.buffered.subarray(eol + 2 + size + 2);
      if (size > 0) chunks.push(this.buffered.subarray(eol + 2, eol + 2 + size));
      this.buffered = rest.length > 0 ? rest : null;
      if (size === 0) return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      if (this.buffered === null) return undefined;
    }
  }
}

createServer((req, res) => (idle.pop() ?? new Upstream()).send(req, res)).listen(Number(process.env.PORT), '127.0.0.1');
