import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rawExchange } from 'tsgi-test-support';
import { http1Response, SERVER_TOKEN } from './responses.js';

// The HTTP/1 response class adds `Server` inside writeHead for every form of headers; object
// headers go out as a flat array (see objectWithServer): the fields, their values and repeated
// values must reach the wire as node would write the object.
let server: Server;
let port: number;

const answers: Record<string, (res: InstanceType<ReturnType<typeof http1Response>>) => void> = {
  '/object': (res) => res.writeHead(200, { 'content-length': 2, 'set-cookie': ['a=1', 'b=2'], 'x-n': 7 }).end('ok'),
  '/object-named': (res) => res.writeHead(200, { 'content-length': 0, SERVER: 'mine' }).end(),
  '/array': (res) => res.writeHead(204, ['X-A', '1']).end(),
  '/set-then-object': (res) => {
    res.setHeader('Server', 'set');
    res.writeHead(200, { 'content-length': 0 }).end();
  },
  '/none': (res) => {
    res.statusCode = 204;
    res.end();
  },
  '/undefined-value': (res) => {
    try {
      res.writeHead(200, { 'x-bad': undefined as unknown as string });
      res.end('accepted');
    } catch (err) {
      res.writeHead(500, { 'content-length': 7 }).end((err as NodeJS.ErrnoException).code === 'ERR_HTTP_INVALID_HEADER_VALUE' ? 'refused' : 'other!!');
    }
  },
};

before(async () => {
  server = createServer({ ServerResponse: http1Response(SERVER_TOKEN, false) }, (req, res) => answers[req.url ?? '']!(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The response head's field lines, lower-cased names, as sent. */
async function head(path: string): Promise<{ status: string; fields: Array<[string, string]>; body: string }> {
  const raw = await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const [top, body = ''] = raw.split('\r\n\r\n');
  const [status, ...lines] = top!.split('\r\n');
  return { status: status!, fields: lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]), body };
}

const values = (fields: Array<[string, string]>, name: string): string[] => fields.filter(([k]) => k === name).map(([, v]) => v);

test('object headers: every field as given, repeated values on their own lines, and one Server', async () => {
  const r = await head('/object');
  assert.equal(r.status, 'HTTP/1.1 200 OK');
  assert.deepEqual(values(r.fields, 'set-cookie'), ['a=1', 'b=2']);
  assert.deepEqual(values(r.fields, 'x-n'), ['7']);
  assert.deepEqual(values(r.fields, 'content-length'), ['2']);
  assert.deepEqual(values(r.fields, 'server'), [SERVER_TOKEN]);
  assert.equal(r.body, 'ok');
});

test('object headers naming Server (any case) keep theirs and get no second one', async () => {
  assert.deepEqual(values((await head('/object-named')).fields, 'server'), ['mine']);
});

test('array headers and no headers get the token; a Server set before writeHead is kept', async () => {
  const a = await head('/array');
  assert.deepEqual(values(a.fields, 'server'), [SERVER_TOKEN]);
  assert.deepEqual(values(a.fields, 'x-a'), ['1']);
  assert.deepEqual(values((await head('/none')).fields, 'server'), [SERVER_TOKEN]);
  assert.deepEqual(values((await head('/set-then-object')).fields, 'server'), ['set']);
});

test('an undefined header value is refused as node refuses it in an object', async () => {
  const r = await head('/undefined-value');
  // node set the status message of the refused writeHead ("OK") before it threw.
  assert.match(r.status, /^HTTP\/1\.1 500 /);
  assert.equal(r.body, 'refused');
});
