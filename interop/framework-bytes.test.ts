/**
 * Row 5 of the interop matrix: Hono, Express 5, Koa 3 and Fastify 5 apps, each served by the
 * framework's own server and by a real tsgi-appserver process loading the same module, answer
 * the same raw requests with the same bytes: GET text, POST JSON, an unknown path, a streamed
 * body and HEAD.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve as honoServe } from '@hono/node-server';
import { parseResponse, type RawResponse } from 'tsgi/conformance';
import { startAppserver, type AppserverProcess } from 'tsgi-appserver/testing';
import { rawExchange } from 'tsgi-test-support';
import { app as expressApp } from './fixtures/frameworks/express.js';
import { fastify } from './fixtures/frameworks/fastify.js';
import { app as honoApp } from './fixtures/frameworks/hono.js';
import { app as koaApp } from './fixtures/frameworks/koa.js';

/** A framework's own server, listening on a loopback ephemeral port. */
interface OwnServer {
  readonly port: number;
  close(): Promise<void>;
}

/** One framework: the module tsgi-appserver loads and how the framework serves it itself. */
interface Framework {
  readonly name: string;
  /** The app spec tsgi-appserver is given (relative to the repository root). */
  readonly spec: string;
  /** The body GET /hello answers. */
  readonly greeting: string;
  /** The Content-Length HEAD /hello must announce, or undefined where the app itself drops it. */
  readonly headLength: string | undefined;
  /**
   * Header lines (as normalised) that only one side sends, by request: every difference found,
   * each with its reason. The test fails if one of them is missing, so the list stays exact.
   */
  readonly differences?: Readonly<Record<string, { readonly theirs: readonly string[]; readonly ours: readonly string[] }>>;
  /** Server settings tsgi-appserver is given to match the framework's own server's defaults. */
  readonly appserverArgs?: readonly string[];
  own(): Promise<OwnServer>;
}

function listening(server: Server): Promise<OwnServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}

const FRAMEWORKS: readonly Framework[] = [
  {
    name: 'Hono (@hono/node-server)',
    spec: 'interop/fixtures/frameworks/hono.ts:app',
    greeting: 'Hello from Hono\n',
    // Hono answers HEAD with new Response(null, getResponse): the length of the GET's string body
    // was never a header, so no server can know it; both send none rather than a wrong 0 (F4).
    headLength: undefined,
    differences: {
      // hono/streaming's stream() sets no Content-Type. @hono/node-server adds its default
      // `text/plain; charset=UTF-8` to any body without one; tsgi-appserver sends the app's
      // headers as they are: the Fetch standard gives a ReadableStream body no type, and Bun and
      // Deno, Hono's other hosts, send none either. Not a tsgi bug; an app that wants a type sets it.
      'streamed body': { theirs: ['content-type: text/plain; charset=UTF-8'], ours: [] },
    },
    own: () => listening(honoServe({ fetch: honoApp.fetch, port: 0, hostname: '127.0.0.1' }) as Server),
  },
  {
    name: 'Express 5 (app.listen)',
    spec: 'interop/fixtures/frameworks/express.ts:app',
    greeting: 'Hello from Express\n',
    headLength: String(Buffer.byteLength('Hello from Express\n')),
    own: () => listening(expressApp.listen(0, '127.0.0.1')),
  },
  {
    name: 'Koa 3 (app.listen)',
    spec: 'interop/fixtures/frameworks/koa.ts:app',
    greeting: 'Hello from Koa\n',
    headLength: String(Buffer.byteLength('Hello from Koa\n')),
    own: () => listening(koaApp.listen(0, '127.0.0.1')),
  },
  {
    name: 'Fastify 5 (fastify.listen)',
    spec: 'interop/fixtures/frameworks/fastify.ts:application',
    greeting: 'Hello from Fastify\n',
    headLength: String(Buffer.byteLength('Hello from Fastify\n')),
    // Fastify's own server keeps an idle connection 72 s (its keepAliveTimeout option), Node's
    // 5 s; the idle timeout is the server's setting, so tsgi-appserver is given the same one
    // (its default is Node's 5 s, which the other three match). Keep-Alive: timeout=72 on both.
    appserverArgs: ['--keep-alive', '72'],
    async own() {
      await fastify.listen({ port: 0, host: '127.0.0.1' });
      return { port: (fastify.server.address() as AddressInfo).port, close: async () => void (await fastify.close()) };
    },
  },
];

const JSON_BODY = '{"name":"tsgi","list":[1,2,3],"nested":{"ok":true}}';

/** The requests both servers of a framework get, each on a fresh connection. */
const REQUESTS: ReadonlyArray<{ readonly what: string; readonly raw: string; readonly head?: true; readonly pipelined?: true }> = [
  { what: 'GET text', raw: 'GET /hello HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n' },
  // Kept alive: the first of two pipelined GETs (the second closes), for Connection/Keep-Alive.
  { what: 'GET text, kept alive', raw: 'GET /hello HTTP/1.1\r\nHost: example.test\r\n\r\nGET /hello HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n', pipelined: true },
  { what: 'HEAD of the GET route', raw: 'HEAD /hello HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n', head: true },
  {
    what: 'POST JSON',
    raw: `POST /echo HTTP/1.1\r\nHost: example.test\r\nContent-Type: application/json\r\nContent-Length: ${JSON_BODY.length}\r\nConnection: close\r\n\r\n${JSON_BODY}`,
  },
  { what: 'unknown path', raw: 'GET /no/such/page HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n' },
  { what: 'streamed body', raw: 'GET /stream HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n' },
];

/**
 * One exchange, parsed strictly: the whole response and nothing after it, or, `pipelined`, the
 * first of two responses and then exactly one more.
 */
async function ask(port: number, raw: string, head: boolean, pipelined = false): Promise<{ wire: string; response: RawResponse }> {
  const wire = await rawExchange(port, raw);
  const bytes = Buffer.from(wire, 'latin1');
  const parsed = parseResponse(bytes, true, head);
  assert.ok(parsed !== undefined, `no response in ${JSON.stringify(wire)}`);
  const rest = pipelined ? parseResponse(bytes.subarray(parsed.consumed), true, head) : undefined;
  assert.equal(parsed.consumed + (rest?.consumed ?? 0), wire.length, `unexpected bytes after the response(s): ${JSON.stringify(wire)}`);
  return { wire, response: parsed.response };
}

/**
 * What is compared: the status line, the header fields (names case-insensitively, RFC 9110
 * §5.1; the order of fields with different names carries no meaning, §5.3, so they are sorted)
 * and the body after de-chunking, with the framing kind (chunked or Content-Length) kept.
 *
 * Normalised, and why:
 * - Date: the clock, different between two exchanges by nature (RFC 9110 §6.6.1); it must be
 *   present on both sides, its value is blanked.
 * - Whitespace around `;` in Content-Type: `text/plain;charset=UTF-8` (the Fetch standard's type
 *   of a string body, which tsgi-appserver sends for Hono's `new Response(text)`) and
 *   `text/plain; charset=UTF-8` (@hono/node-server's own Response class) are the same media type
 *   (RFC 9110 §5.6.6 and §8.3.1: OWS around the `;` of parameters); written with `; `.
 * - Chunk boundaries of a chunked body: how the bytes were cut into chunks is framing, not
 *   content (RFC 9112 §7.1: any recipient may re-chunk), and depends on timers and socket
 *   timing; the framing kind and the content are still compared exactly.
 */
function normalise(response: RawResponse, drop: readonly string[]): string {
  const headers = response.headers.map(([rawName, value]) => {
    const name = rawName.toLowerCase();
    if (name === 'date') return 'date: <date>';
    if (name === 'content-type') return `${name}: ${value.replace(/[ \t]*;[ \t]*/g, '; ')}`;
    return `${name}: ${value}`;
  });
  for (const line of drop) {
    const at = headers.indexOf(line);
    assert.notEqual(at, -1, `the listed difference ${JSON.stringify(line)} is gone: update the list`);
    headers.splice(at, 1);
  }
  return [`${response.httpVersion} ${response.status} ${response.statusText}`, ...headers.sort(), `<framing ${response.framing}, complete ${response.complete}>`, response.body.toString('latin1')].join('\n');
}

for (const framework of FRAMEWORKS) {
  describe(`${framework.name} and tsgi-appserver serving the same app`, () => {
    let own: OwnServer | undefined;
    let appserver: (AppserverProcess & { url: string }) | undefined;
    before(async () => {
      [own, appserver] = await Promise.all([framework.own(), startAppserver(['-w', '1', ...(framework.appserverArgs ?? []), framework.spec])]);
    });
    after(async () => {
      await own?.close();
      if (appserver !== undefined) assert.equal(await appserver.stop(), 0, appserver.output());
    });

    for (const request of REQUESTS) {
      it(`${request.what}: the same bytes (Date blanked, chunks joined)`, async () => {
        const head = request.head === true;
        const pipelined = request.pipelined === true;
        const theirs = await ask(own!.port, request.raw, head, pipelined);
        const ours = await ask(Number(new URL(appserver!.url).port), request.raw, head, pipelined);
        if (process.env.FRAMEWORK_BYTES_DUMP === '1') process.stderr.write(`---- ${framework.name} ${request.what}\n${theirs.wire}\n---- tsgi-appserver\n${ours.wire}\n`);
        assert.ok(theirs.response.header('date') !== undefined && ours.response.header('date') !== undefined, 'both send Date');
        const known = framework.differences?.[request.what];
        assert.equal(normalise(ours.response, known?.ours ?? []), normalise(theirs.response, known?.theirs ?? []), `tsgi-appserver (first) and ${framework.name} (second) differ`);
      });
    }

    it('the app answered as written (so the comparison compared something)', async () => {
      const port = Number(new URL(appserver!.url).port);
      const hello = await ask(port, REQUESTS[0]!.raw, false);
      assert.equal(hello.response.status, 200);
      assert.equal(hello.response.body.toString(), framework.greeting);
      const head = await ask(port, REQUESTS[2]!.raw, true);
      assert.equal(head.response.header('content-length'), framework.headLength, 'HEAD announces the length GET sends (RFC 9110 §9.3.2), or none');
      const echo = await ask(port, REQUESTS[3]!.raw, false);
      assert.deepEqual(JSON.parse(echo.response.body.toString()), { received: JSON.parse(JSON_BODY) as unknown });
      const missing = await ask(port, REQUESTS[4]!.raw, false);
      assert.equal(missing.response.status, 404);
      const streamed = await ask(port, REQUESTS[5]!.raw, false);
      assert.equal(streamed.response.framing, 'chunked');
      assert.ok(streamed.response.chunks > 1, `streamed, not buffered: ${streamed.response.chunks} chunk(s)`);
      assert.equal(streamed.response.body.toString(), 'chunk 1\nchunk 2\nchunk 3\n');
    });
  });
}
