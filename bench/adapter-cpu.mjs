// CPU time per request of toNodeListener alone, in one process, for one or more builds of the
// repo sampled alternately: real IncomingMessage/ServerResponse objects on a stub socket (no
// syscalls, no client), so a change to the adapter shows at 0.1 us where a loaded machine's
// requests/s move by 10%. Each round runs every build N times and reads process.cpuUsage();
// the median and the minimum of the rounds are printed.
//
//   node bench/adapter-cpu.mjs fast /path/to/before /path/to/after     # FastResponse hello world
//   node bench/adapter-cpu.mjs response ceiling . /path/to/other       # standard Response
//
// A build is a checkout with its packages built (`npx tsc -b`); `ceiling` is node:http's own
// writeHead/end after constructing the same standard Response, `raw` without it. Pin it to one
// core for steadier figures: `taskset -c 1 node bench/adapter-cpu.mjs ...`. N and ROUNDS come
// from the environment (default 30000 and 11).
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [row, ...names] = process.argv.slice(2);
if (row !== 'fast' && row !== 'response') {
  console.error('usage: node bench/adapter-cpu.mjs fast|response BUILD... (a repo path, or ceiling, or raw)');
  process.exit(2);
}
const N = Number(process.env.N ?? 30_000);
const ROUNDS = Number(process.env.ROUNDS ?? 11);
const BODY = 'Hello, World!';
const HEADERS = { 'content-type': 'text/plain' };
const quiet = { debug() {}, info() {}, warn() {}, error: (...args) => console.error(...args) };

/** The request listener of one build. */
async function listenerOf(name) {
  if (name === 'raw' || name === 'ceiling') {
    return (req, res) => {
      if (name === 'ceiling') void new Response(BODY, { headers: HEADERS }).status;
      res.writeHead(200, HEADERS);
      res.end(BODY);
    };
  }
  const tsgi = await import(pathToFileURL(resolve(name, 'packages/tsgi/dist/index.js')).href);
  const app = row === 'fast' ? () => new tsgi.FastResponse(BODY, { headers: HEADERS }) : () => new Response(BODY, { headers: HEADERS });
  return tsgi.toNodeListener(app, { log: quiet });
}

/** One keep-alive connection's socket: accepts every write, never reads. */
class StubSocket extends Duplex {
  _read() {}
  _write(_chunk, _encoding, done) {
    done();
  }
}
const socket = new StubSocket();
Object.defineProperties(socket, { remoteAddress: { value: '127.0.0.1' }, localAddress: { value: '127.0.0.1' }, localPort: { value: 8000 } });
const RAW_HEADERS = ['Host', '127.0.0.1:8000', 'User-Agent', 'h2load nghttp2/1.52.0', 'Accept', '*/*'];

/** One GET / as node:http hands it over, answered, then closed as node closes a finished response. */
function request(listener) {
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = '/';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.httpVersion = '1.1';
  req.rawHeaders = RAW_HEADERS;
  req.complete = true;
  const res = new ServerResponse(req);
  listener(req, res);
  res.emit('close');
}

const builds = [];
for (const name of names) builds.push({ name, listener: await listenerOf(name), us: [] });
for (let round = 0; round < ROUNDS; round++) {
  for (const build of builds) {
    const start = process.cpuUsage();
    for (let i = 0; i < N; i++) request(build.listener);
    const used = process.cpuUsage(start);
    build.us.push((used.user + used.system) / N);
  }
}
for (const { name, us } of builds) {
  const sorted = [...us].sort((a, b) => a - b);
  console.log(`${name} ${row}: median ${sorted[sorted.length >> 1].toFixed(3)} us a request, min ${sorted[0].toFixed(3)} (${ROUNDS} rounds of ${N})`);
}
