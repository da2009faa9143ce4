/**
 * The gate's per-connection record over a real keep-alive connection: kept while the exchange
 * is in flight, dropped when the server's 'close' listener calls exchangeClosed, and (the
 * control) kept past the response when nothing calls it, which is what the call is for.
 */
import assert from 'node:assert/strict';
import { Agent, createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { admitRequest } from './admit.js';
import { exchangeClosed, lastExchange } from './connection-state.js';
import { waitFor } from 'tsgi-test-support';

const LIMITS = { maxRequestLineBytes: 8190, maxHeaderCount: 100, maxHeaderFieldBytes: 8190 };

let server: Server;
let port: number;
/** Whether the server forgets the exchange on 'close' (as every tsgi server does). */
let forget = true;
/** The record as the app saw it while answering, and the server-side sockets. */
const inFlight: (ServerResponse | undefined)[] = [];
const sockets: Socket[] = [];

before(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    assert.equal(admitRequest(req, res, LIMITS), undefined);
    if (forget) res.on('close', () => exchangeClosed(res));
    inFlight.push(lastExchange(req.socket));
    res.end('ok');
  });
  server.on('connection', (s: Socket) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** Two requests on one keep-alive connection; resolves with the server-side socket. */
async function twoRequests(): Promise<Socket> {
  inFlight.length = 0;
  sockets.length = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < 2; i++) {
    const res = await fetchText(agent);
    assert.equal(res, 'ok');
  }
  agent.destroy();
  assert.equal(sockets.length, 1, 'both requests on one connection');
  return sockets[0]!;
}

function fetchText(agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

test('the record names the exchange in flight and is gone once its response closes', async () => {
  forget = true;
  const socket = await twoRequests();
  assert.equal(inFlight.length, 2);
  assert.ok(inFlight.every((r) => r !== undefined), 'the exchange in flight is known');
  assert.notEqual(inFlight[0], inFlight[1]);
  await waitFor(() => lastExchange(socket) === undefined, { timeoutMs: 5000, what: 'the record to be dropped after the last response closed' });
});

test('without exchangeClosed the finished exchange stays on the connection (the control)', async () => {
  forget = false;
  const socket = await twoRequests();
  const last = inFlight[1];
  await waitFor(() => last?.closed === true, { timeoutMs: 5000, what: 'the last response to close' });
  assert.equal(lastExchange(socket), last);
});
