// CPU time per request of toNodeListener alone, in one process, for one or more builds of the
// repo sampled alternately: real IncomingMessage/ServerResponse objects on a stub socket (no
// syscalls, no client), so a change to the adapter shows at 0.1 us where a loaded machine's
// requests/s move by 10%. Each round runs every build N times and reads process.cpuUsage();
// the median and the minimum of the rounds are printed.
//
//   node bench/adapter-cpu.mjs fast /path/to/before /path/to/after     # FastResponse hello world
//   node bench/adapter-cpu.mjs response ceiling . /path/to/other       # standard Response
//   node bench/adapter-cpu.mjs framework raw fastify . /path/to/other  # the framework group's JSON view
//
// Each response is closed when it ends, and every answer must have ended by the end of its
// round, so a standard Response read through its stream (Node 22+) is measured whole.
// A build is a checkout with its packages built (`npx tsc -b`); `ceiling` is node:http's own
// writeHead/end after constructing the same standard Response, `raw` without it (for `framework`:
// node:http writing the view's body and its five header fields itself; `fastify`, the framework
// group's anchor: bench/apps/fastify.mjs's JSON route through `fastify.routing`, the handler
// Fastify's own server calls). The framework row runs the build's bench/apps/framework-app.mjs
// (default middleware) through the build's toNodeListener. Pin it to one core for steadier figures: `taskset -c 1 node bench/adapter-cpu.mjs ...`. N and ROUNDS come
// from the environment (default 30000 and 11).
//
// What one middleware costs: make a build per variant (a directory whose `packages` links to the
// repo's and whose bench/apps/framework-app.mjs sets MIDDLEWARE without it, importing
// tsgi-framework by path) and run them side by side with ANY_FIELDS=1, which lets a build answer
// with other fields than the view's (a middleware left out sends fewer):
//   ANY_FIELDS=1 taskset -c 1 node bench/adapter-cpu.mjs framework . /tmp/no-security /tmp/none
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [row, ...names] = process.argv.slice(2);
if (row !== 'fast' && row !== 'response' && row !== 'framework') {
  console.error('usage: node bench/adapter-cpu.mjs fast|response|framework BUILD... (a repo path, or ceiling, or raw; for framework also fastify)');
  process.exit(2);
}
const N = Number(process.env.N ?? 30_000);
const ROUNDS = Number(process.env.ROUNDS ?? 11);
const BODY = 'Hello, World!';
const HEADERS = { 'content-type': 'text/plain' };
const quiet = { debug() {}, info() {}, warn() {}, error: (...args) => console.error(...args) };

/** The framework view's answer as node:http would write it itself: the same body and fields. */
const VIEW_BODY = JSON.stringify({ hello: 'world', framework: 'tsgi' });
/** The fields the view sends; checkAnswers holds every framework build's answer to the same names. */
const VIEW_FIELDS = ['Content-Type', 'application/json', 'X-Frame-Options', 'DENY', 'X-Content-Type-Options', 'nosniff', 'Referrer-Policy', 'same-origin', 'Cross-Origin-Opener-Policy', 'same-origin'];

/** node:http answering by itself: `raw`, or `ceiling` (after constructing the standard Response). */
function nodeListener(name) {
  if (row === 'framework') {
    if (name === 'ceiling') throw new Error('the framework row has no ceiling build: use raw');
    return (req, res) => {
      res.writeHead(200, [...VIEW_FIELDS, 'Content-Length', String(Buffer.byteLength(VIEW_BODY))]);
      res.end(VIEW_BODY);
    };
  }
  return (req, res) => {
    if (name === 'ceiling') void new Response(BODY, { headers: HEADERS }).status;
    res.writeHead(200, HEADERS);
    res.end(BODY);
  };
}

/** The row's TSGI app, from the build whose tsgi is given (the framework app from the build's bench/apps). */
async function appOf(name, tsgi) {
  if (row === 'fast') return () => new tsgi.FastResponse(BODY, { headers: HEADERS });
  if (row === 'response') return () => new Response(BODY, { headers: HEADERS });
  const { application } = await import(pathToFileURL(resolve(name, 'bench/apps/framework-app.mjs')).href);
  await application.startup?.({ log: quiet, state: {} });
  return application;
}

/** The framework group's anchor: the same route as bench/apps/fastify.mjs, through the handler Fastify's server calls. */
async function fastifyListener() {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.get('/api/hello/:name/', async (req) => ({ hello: req.params.name, framework: 'fastify' }));
  await app.ready();
  return app.routing;
}

/** The request listener of one build. */
async function listenerOf(name) {
  if (name === 'raw' || name === 'ceiling') return nodeListener(name);
  if (name === 'fastify') {
    if (row !== 'framework') throw new Error('fastify is a build of the framework row only');
    return fastifyListener();
  }
  const tsgi = await import(pathToFileURL(resolve(name, 'packages/tsgi/dist/index.js')).href);
  return tsgi.toNodeListener(await appOf(name, tsgi), { log: quiet });
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

/**
 * Each response closes once it has ended, as node closes a finished one: no socket is attached,
 * so node itself never finishes them. Closing at the end, not right after the listener returns,
 * lets an answer that takes microtasks (a standard Response read through its stream on Node 22+)
 * be measured whole instead of finding its client gone. Patched once, for every build alike.
 */
let ended = 0;
const nodeEnd = ServerResponse.prototype.end;
ServerResponse.prototype.end = function end(...args) {
  const result = nodeEnd.apply(this, args);
  ended++;
  this.emit('close');
  return result;
};

/** One GET as node:http hands it over; the answer may finish in later microtasks. */
function request(listener) {
  const req = new IncomingMessage(socket);
  req.method = 'GET';
  req.url = row === 'framework' ? '/api/hello/world/' : '/';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.httpVersion = '1.1';
  req.rawHeaders = RAW_HEADERS;
  req.complete = true;
  const res = new ServerResponse(req);
  listener(req, res);
  return res;
}

/** Until every microtask queued so far has run (an in-memory answer finishes within them). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

/** The field names of a written head, lower case, sorted (node's Date aside). */
function fieldNames(head) {
  return head.split('\r\n').slice(1).filter(Boolean).map((line) => line.slice(0, line.indexOf(':')).toLowerCase()).filter((n) => n !== 'date').sort().join(', ');
}

/**
 * Each build answers 200 at once (a refusal would measure the refusal); in the framework row,
 * with the same field names as node:http writing VIEW_FIELDS (else `raw` would be measured doing
 * other work than the view).
 */
async function checkAnswers(name, listener) {
  const res = request(listener);
  await settled();
  if (!res.writableEnded || res.statusCode !== 200) throw new Error(`${name} did not answer 200 (${res.writableEnded ? res.statusCode : 'no answer'})`);
  // Fastify answers the bench's anchor route with its own fields (no security headers), as in the bench.
  if (row !== 'framework' || name === 'fastify' || process.env.ANY_FIELDS === '1') return;
  const expected = request(nodeListener('raw'));
  await settled();
  const [got, want] = [fieldNames(res._header), fieldNames(expected._header)];
  if (got !== want) throw new Error(`${name} sends the fields ${got}; the raw row writes ${want}: keep VIEW_FIELDS to the view's`);
}

const builds = [];
for (const name of names) {
  const listener = await listenerOf(name);
  await checkAnswers(name, listener);
  builds.push({ name, listener, us: [] });
}
for (let round = 0; round < ROUNDS; round++) {
  for (const build of builds) {
    ended = 0;
    const start = process.cpuUsage();
    // In turns of 50 (the bench's connection count), each settled before the next: a whole
    // round of pending answers would keep every one alive and measure the garbage collector.
    for (let i = 0; i < N; i++) {
      request(build.listener);
      if (i % 50 === 49) await settled();
    }
    await settled();
    const used = process.cpuUsage(start);
    if (ended !== N) throw new Error(`${build.name}: ${ended} of ${N} answers ended within the round`);
    build.us.push((used.user + used.system) / N);
  }
}
for (const { name, us } of builds) {
  const sorted = [...us].sort((a, b) => a - b);
  console.log(`${name} ${row}: median ${sorted[sorted.length >> 1].toFixed(3)} us a request, min ${sorted[0].toFixed(3)} (${ROUNDS} rounds of ${N})`);
}
