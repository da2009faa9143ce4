/**
 * The Fastify example, the instance exported as it is, under a real tsgi-appserver, against
 * Fastify's own listen() server in this process: for each request, the same status, the same
 * header lines in the same order (but Date and Keep-Alive, which are each server's own) and the
 * same body bytes.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startAppserver, type AppserverProcess } from 'tsgi-appserver/testing';
import { application as fastify } from './app.js';

/** One request as sent to both servers. */
interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** What a response is compared by. */
interface Exchange {
  readonly status: number;
  /** Header lines as received (name case kept), Date and Keep-Alive left out. */
  readonly headers: readonly string[];
  readonly body: Buffer;
  /** How many 'data' events the body came in. */
  readonly reads: number;
}

const SERVER_OWN = new Set(['date', 'keep-alive']);
const TIMEOUT_MS = 10_000;

const CASES: readonly Case[] = [
  { name: 'GET JSON from a plugin-registered route', method: 'GET', path: '/json' },
  { name: 'GET text from a route registered synchronously', method: 'GET', path: '/' },
  { name: 'POST JSON echo', method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{"a":[1,"two",{"three":3}],"b":null}' },
  { name: 'POST malformed JSON (Fastify answers 400)', method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{"a":' },
  { name: 'GET unknown path (404)', method: 'GET', path: '/nope?x=1' },
  { name: 'POST unknown path (404)', method: 'POST', path: '/nope', headers: { 'content-type': 'application/json' }, body: '{}' },
  { name: 'HEAD of a JSON route', method: 'HEAD', path: '/json' },
  { name: 'HEAD of a text route', method: 'HEAD', path: '/' },
  { name: 'GET a streamed reply', method: 'GET', path: '/stream' },
];

/** Sends `c` to `base` on a fresh connection and collects the response. */
function exchange(base: string, c: Case): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const headers = c.body === undefined ? (c.headers ?? {}) : { ...c.headers, 'content-length': String(Buffer.byteLength(c.body)) };
    const req = request(new URL(c.path, base), { method: c.method, headers, agent: false, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const lines: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (!SERVER_OWN.has(res.rawHeaders[i]!.toLowerCase())) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        resolve({ status: res.statusCode!, headers: lines, body: Buffer.concat(chunks), reads: chunks.length });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${c.method} ${c.path}: no response in ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(c.body);
  });
}

describe('examples/fastify/app.ts (export const application = fastify) under tsgi-appserver, against Fastify listen()', () => {
  let appserver: AppserverProcess & { url: string };
  let own: string;
  before(async () => {
    appserver = await startAppserver(['-w', '1', 'examples/fastify/app.ts']);
    await fastify.listen({ host: '127.0.0.1', port: 0 });
    own = `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await fastify.close();
    await appserver?.stop();
  });

  it('says it detected a Fastify instance', () => {
    assert.match(appserver.output(), /Serving .*examples\/fastify\/app\.ts:application as a Node \(req, res\) app: it is a Fastify instance/);
  });

  for (const c of CASES) {
    it(`${c.name}: the same status, header lines and body bytes`, async () => {
      const [ours, theirs] = await Promise.all([exchange(appserver.url, c), exchange(own, c)]);
      assert.deepEqual({ status: ours.status, headers: ours.headers }, { status: theirs.status, headers: theirs.headers });
      assert.equal(ours.body.toString('latin1'), theirs.body.toString('latin1'));
      assert.ok(theirs.headers.some((line) => /^content-type: /i.test(line)), `no Content-Type to compare: ${theirs.headers.join(', ')}`);
      assert.ok(c.method === 'HEAD' || ours.body.length > 0, 'expected a body');
    });
  }

  it('the streamed reply is chunked and arrives in several reads from both servers', async () => {
    const c = CASES.find((k) => k.path === '/stream')!;
    const [ours, theirs] = await Promise.all([exchange(appserver.url, c), exchange(own, c)]);
    for (const x of [ours, theirs]) {
      assert.ok(x.headers.includes('Transfer-Encoding: chunked'), x.headers.join('\n'));
      assert.equal(x.body.toString(), 'chunk 1\nchunk 2\nchunk 3\n');
      assert.ok(x.reads >= 2, `expected several reads, got ${x.reads}`);
    }
  });
});
