/**
 * InFlightRequests over a real node:http server: which responses it reports in flight, what a
 * stop does to them, and that a finished response is not kept reachable by the tracking (a
 * retained response survives young-generation GCs and is promoted: the cost this file's array
 * handling avoids).
 */
import assert from 'node:assert/strict';
import { Agent, createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { waitFor } from 'tsgi-test-support';
import { InFlightRequests } from './in-flight-requests.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const inFlight = new InFlightRequests();
/** Held responses by URL, answered when the test says. */
const held = new Map<string, ServerResponse>();
/** The latest response of a fast request, weakly. */
let lastFast: WeakRef<ServerResponse> | undefined;
let server: Server;
let port: number;

before(async () => {
  server = createServer(
    inFlight.wrap((req: IncomingMessage, res: ServerResponse) => {
      if (req.url!.startsWith('/hold/')) {
        held.set(req.url!, res);
        return;
      }
      lastFast = new WeakRef(res);
      res.end('ok');
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** GET `path`; resolves with the status, the Connection header and the body. */
function fetchRaw(path: string, agent?: Agent): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
    }).on('error', reject);
  });
}

test('reports the requests in flight in start order, and none once they are answered', async () => {
  const agent = new Agent({ keepAlive: true });
  const first = fetchRaw('/hold/1', agent);
  await waitFor(() => held.has('/hold/1'), { what: 'the first held request' });
  const second = fetchRaw('/hold/2', agent);
  await waitFor(() => held.has('/hold/2'), { what: 'the second held request' });
  assert.equal((await fetchRaw('/fast', agent)).body, 'ok');
  assert.equal(inFlight.size, 2);
  assert.deepEqual(inFlight.lines(5), ['GET /hold/1 HTTP/1.1', 'GET /hold/2 HTTP/1.1']);
  assert.deepEqual(inFlight.lines(1), ['GET /hold/1 HTTP/1.1']);
  held.get('/hold/1')!.end('one');
  held.get('/hold/2')!.end('two');
  assert.equal((await first).body, 'one');
  assert.equal((await second).body, 'two');
  await waitFor(() => inFlight.size === 0, { what: 'nothing in flight' });
  held.clear();
  agent.destroy();
});

test('a finished response is not kept by the tracking once the next request starts', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  assert.equal((await fetchRaw('/fast', agent)).body, 'ok');
  const finished = lastFast!;
  // The next request on the same connection: node has let go of the first exchange.
  assert.equal((await fetchRaw('/fast', agent)).body, 'ok');
  assert.notEqual(lastFast, finished);
  await waitFor(
    () => {
      gc();
      return finished.deref() === undefined;
    },
    { timeoutMs: 5000, what: 'the finished response to be collected (the tracking still holds it)' },
  );
  agent.destroy();
});

test('a stop makes every response not yet started say Connection: close; started ones are left as they are', async () => {
  const agent = new Agent({ keepAlive: true });
  const pending = fetchRaw('/hold/3', agent);
  await waitFor(() => held.has('/hold/3'), { what: 'the held request' });
  inFlight.stop();
  held.get('/hold/3')!.end('three');
  const answer = await pending;
  assert.equal(answer.body, 'three');
  assert.equal(answer.connection, 'close');
  // A request that arrives after the stop is served, and closes its connection too.
  const late = await fetchRaw('/fast', agent);
  assert.equal(late.body, 'ok');
  assert.equal(late.connection, 'close');
  agent.destroy();
});
