/**
 * The `tsgi.websocket` extension's cases (SPEC 7.3). Each runs only when the server declares the
 * extension (it is skipped as not applicable otherwise); the handshake is checked byte by byte on
 * a raw socket, messages and closes with the `ws` client.
 * @module
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { TSGI_WEBSOCKET_EXTENSION } from '../websocket.js';
import { RawConnection } from './raw-http.js';
import { hostOf, send, RESTRICTED_MOUNT, RESTRICTED_WEBSOCKET, type Kit } from './kit.js';
import { readObservation } from './observations.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The server's declaration, fetched once per base URL. */
const declarations = new Map<string, Promise<Record<string, unknown> | null>>();
function declaration(base: string): Promise<Record<string, unknown> | null> {
  let found = declarations.get(base);
  if (found === undefined) {
    found = send(base, 'GET', '/websocket-declared').then((r) => (r.status === 200 ? (JSON.parse(r.body.toString('utf8')) as Record<string, unknown> | null) : null));
    declarations.set(base, found);
  }
  return found;
}

/** A case that runs only when the root server declares tsgi.websocket. */
function wsCase(kit: Kit, tag: string, title: string, fn: () => Promise<void>, timeoutMs?: number): void {
  kit.test(tag, `${title} (when tsgi.websocket is declared)`, fn, timeoutMs, { extension: TSGI_WEBSOCKET_EXTENSION });
}

interface Handshake {
  conn: RawConnection;
  status: number;
  headers: Map<string, string>;
  key: string;
}

/** Sends a handshake on a raw socket and reads the response head. */
async function rawHandshake(base: string, path: string, extra: Array<[string, string]> = []): Promise<Handshake> {
  const key = randomBytes(16).toString('base64');
  const conn = await RawConnection.open(base);
  const lines = [`GET ${path} HTTP/1.1`, `Host: ${hostOf(base)}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13'];
  const names = new Set(extra.map(([n]) => n.toLowerCase()));
  const kept = lines.filter((line, i) => i < 2 || !names.has(line.slice(0, line.indexOf(':')).toLowerCase()));
  await conn.write(`${[...kept, ...extra.map(([n, v]) => `${n}: ${v}`)].join('\r\n')}\r\n\r\n`);
  assert.ok(await conn.waitFor(() => conn.pending.includes('\r\n\r\n')), `no response head to the handshake on ${path}`);
  const head = conn.pending.toString('latin1').split('\r\n\r\n')[0] ?? '';
  const [statusLine = '', ...fields] = head.split('\r\n');
  const headers = new Map(fields.map((f) => [f.slice(0, f.indexOf(':')).toLowerCase(), f.slice(f.indexOf(':') + 1).trim()]));
  return { conn, status: Number(statusLine.split(' ')[1]), headers, key };
}

function wsUrl(base: string, path: string): string {
  return `${base.replace(/^http/, 'ws')}${path}`;
}

function open(url: string, protocols?: string[]): Promise<WebSocket> {
  const ws = new WebSocket(url, protocols);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
  });
}

function closed(ws: WebSocket, timeoutMs: number): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the WebSocket did not close within ${timeoutMs} ms`)), timeoutMs);
    ws.once('close', (code: number, reason: Buffer) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
  });
}

/** Registers the S-WS cases. */
export function registerWebSocketCases(kit: Kit): void {
  wsCase(kit, 'S-WS-DECLARED', 'the declaration lists every WebSocket limit as a non-negative number (R7.3.1)', async () => {
    const declared = await declaration(kit.root());
    for (const name of ['maxMessageBytes', 'pingIntervalMs', 'idleTimeoutMs', 'maxBufferedBytes']) {
      const value = declared?.[name];
      assert.ok(typeof value === 'number' && value >= 0, `server.extensions['tsgi.websocket'].${name} is ${String(value)}`);
    }
  });

  wsCase(kit, 'S-WS-ACCEPT', 'an accepted handshake gets 101 with the right Sec-WebSocket-Accept and the chosen subprotocol (R7.3.2 R7.3.3)', async () => {
    const id = kit.id('ws-accept');
    const hs = await rawHandshake(kit.root(), `/websocket?id=${id}`, [['Sec-WebSocket-Protocol', 'chat.v1, chat.v2']]);
    try {
      assert.equal(hs.status, 101);
      assert.equal(hs.headers.get('sec-websocket-accept'), createHash('sha1').update(hs.key + GUID).digest('base64'));
      assert.equal(hs.headers.get('upgrade')?.toLowerCase(), 'websocket');
      assert.match(hs.headers.get('connection') ?? '', /upgrade/i);
      assert.equal(hs.headers.get('sec-websocket-protocol'), 'chat.v2');
      assert.equal(hs.headers.get('x-probe'), 'accepted', "the app's own header on the accepting response is sent with the 101");
      assert.equal(hs.headers.has('content-length') || hs.headers.has('transfer-encoding'), false, 'a 101 has no content framing');
    } finally {
      hs.conn.destroy();
    }
  });

  wsCase(kit, 'S-WS-REFUSE', "a refused handshake gets the app's response, then the connection closes (R7.3.4)", async () => {
    const hs = await rawHandshake(kit.root(), `/websocket?mode=refuse&id=${kit.id('ws-refuse')}`);
    try {
      assert.equal(hs.status, 403);
      assert.ok(await hs.conn.waitFor(() => hs.conn.pending.includes('refused by the probe')), "the app's body did not arrive");
      assert.ok(await hs.conn.waitClosed(kit.closeWaitMs), 'the server kept the connection open after refusing the upgrade');
    } finally {
      hs.conn.destroy();
    }
  });

  wsCase(kit, 'S-WS-IGNORE', "an app that ignores the upgrade answers plain HTTP: no 101, the app's status and body (R7.3.4)", async () => {
    const hs = await rawHandshake(kit.root(), `/websocket?mode=ignore&id=${kit.id('ws-ignore')}`);
    try {
      assert.equal(hs.status, 200);
      assert.equal(hs.headers.has('sec-websocket-accept'), false);
      assert.ok(await hs.conn.waitFor(() => hs.conn.pending.includes('plain answer')), "the app's body did not arrive");
    } finally {
      hs.conn.destroy();
    }
  });

  wsCase(kit, 'S-WS-BAD-HANDSHAKE', 'a malformed handshake gets 400, another version 426 naming 13, without the app (R7.3.5)', async () => {
    const badKey = kit.id('ws-badkey');
    const hs = await rawHandshake(kit.root(), `/websocket?id=${badKey}`, [['Sec-WebSocket-Key', 'short']]);
    hs.conn.destroy();
    assert.equal(hs.status, 400);
    const badVersion = kit.id('ws-badversion');
    const hs2 = await rawHandshake(kit.root(), `/websocket?id=${badVersion}`, [['Sec-WebSocket-Version', '8']]);
    hs2.conn.destroy();
    assert.equal(hs2.status, 426);
    assert.equal(hs2.headers.get('sec-websocket-version'), '13');
    assert.equal(readObservation(kit.dir(), `${badKey}.called`), undefined, 'the app was called for a malformed key');
    assert.equal(readObservation(kit.dir(), `${badVersion}.called`), undefined, 'the app was called for version 8');
  });

  wsCase(kit, 'S-WS-MOUNT', 'a handshake outside the mount path gets 404 without the app (R7.3.5)', async () => {
    const id = kit.id('ws-mount');
    const hs = await rawHandshake(kit.restricted(), `/websocket?id=${id}`);
    hs.conn.destroy();
    assert.equal(hs.status, 404);
    assert.equal(readObservation(kit.dir(), `${id}.called`), undefined, 'the app was called outside its mount path');
    const inside = await rawHandshake(kit.restricted(), `${RESTRICTED_MOUNT}/websocket?id=${kit.id('ws-mount-in')}`);
    inside.conn.destroy();
    assert.equal(inside.status, 101, 'a handshake under the mount path is upgraded');
  });

  wsCase(kit, 'S-WS-ECHO', 'text stays text and binary stays binary, in order, both ways (R7.3.6)', async () => {
    const ws = await open(wsUrl(kit.root(), `/websocket?id=${kit.id('ws-echo')}`));
    try {
      const got: Array<{ data: Buffer; binary: boolean }> = [];
      ws.on('message', (data: Buffer, binary: boolean) => got.push({ data, binary }));
      const sent = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? { data: Buffer.from(`text ${i} é`), binary: false } : { data: randomBytes(i * 100), binary: true }));
      for (const m of sent) ws.send(m.binary ? m.data : m.data.toString('utf8'), { binary: m.binary });
      const deadline = Date.now() + kit.waitMs;
      while (got.length < sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(got.length, sent.length, `${got.length} of ${sent.length} messages came back`);
      got.forEach((m, i) => {
        assert.equal(m.binary, sent[i]?.binary, `message ${i} changed type`);
        assert.ok(m.data.equals(sent[i]?.data ?? Buffer.alloc(0)), `message ${i} changed bytes`);
      });
    } finally {
      ws.terminate();
    }
  });

  wsCase(kit, 'S-WS-CLOSE', 'close codes and reasons cross both ways; completed settles clean with 101 (R7.3.7 R7.3.8)', async () => {
    const fromClient = kit.id('ws-close-client');
    const ws = await open(wsUrl(kit.root(), `/websocket?id=${fromClient}`));
    const done = closed(ws, kit.waitMs);
    ws.close(4001, 'client bye');
    assert.deepEqual(await done, { code: 4001, reason: 'client bye' }, 'the server did not echo the close code');
    const seen = await kit.observation(`${fromClient}.ws`, "the app's close and completion");
    assert.deepEqual(seen.close, { code: 4001, reason: 'client bye', wasClean: true });
    assert.deepEqual(seen.completion, { aborted: false, bytesWritten: 0, status: 101 });
    assert.equal(seen.signalAborted, false, 'request.signal aborted after a clean close');

    const fromApp = kit.id('ws-close-app');
    const ws2 = await open(wsUrl(kit.root(), `/websocket?id=${fromApp}`));
    const done2 = closed(ws2, kit.waitMs);
    ws2.send('close 4002 app bye');
    assert.deepEqual(await done2, { code: 4002, reason: 'app bye' });
    const seen2 = await kit.observation(`${fromApp}.ws`, "the app's close and completion");
    assert.equal((seen2.close as { code: number }).code, 4002);
    assert.equal((seen2.completion as { aborted: boolean }).aborted, false);
  });

  wsCase(kit, 'S-WS-ABORT', 'a client that drops the connection: the app sees 1006, request.signal aborts, completed says aborted (R7.3.7 R7.3.8)', async () => {
    const id = kit.id('ws-abort');
    const ws = await open(wsUrl(kit.root(), `/websocket?id=${id}`));
    ws.send('hello');
    await new Promise((resolve) => ws.once('message', resolve));
    ws.terminate();
    const seen = await kit.observation(`${id}.ws`, "the app's close after the client dropped");
    assert.deepEqual(seen.close, { code: 1006, reason: '', wasClean: false });
    assert.equal(seen.signalAborted, true);
    assert.equal((seen.completion as { aborted: boolean; status: number }).aborted, true);
    assert.equal((seen.completion as { status: number }).status, 101);
    assert.equal((seen.completion as { bytesWritten: number }).bytesWritten, 5, 'bytesWritten counts the payload bytes sent');
  });

  wsCase(kit, 'S-WS-TOO-BIG', 'a message over maxMessageBytes closes the connection with 1009 (R7.3.9)', async () => {
    const ws = await open(wsUrl(kit.restricted(), `${RESTRICTED_MOUNT}/websocket?id=${kit.id('ws-big')}`));
    const done = closed(ws, kit.waitMs);
    ws.on('error', () => {});
    ws.send(Buffer.alloc(RESTRICTED_WEBSOCKET.maxMessageBytes + 1), { binary: true });
    assert.equal((await done).code, 1009);
  });

  wsCase(kit, 'S-WS-PING', 'the server pings a quiet connection (R7.3.10)', async () => {
    const ws = await open(wsUrl(kit.restricted(), `${RESTRICTED_MOUNT}/websocket?id=${kit.id('ws-ping')}`));
    try {
      const pinged = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), RESTRICTED_WEBSOCKET.pingIntervalMs * 2 + kit.waitMs);
        ws.once('ping', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      assert.ok(pinged, `no ping within ${RESTRICTED_WEBSOCKET.pingIntervalMs} ms (pingIntervalMs) plus ${kit.waitMs} ms`);
    } finally {
      ws.terminate();
    }
  });

  wsCase(kit, 'S-WS-IDLE', 'a peer that sends nothing, not even a pong, is dropped after idleTimeoutMs (R7.3.10)', async () => {
    const id = kit.id('ws-idle');
    const hs = await rawHandshake(kit.restricted(), `${RESTRICTED_MOUNT}/websocket?id=${id}`);
    try {
      assert.equal(hs.status, 101);
      const started = Date.now();
      assert.ok(await hs.conn.waitClosed(RESTRICTED_WEBSOCKET.idleTimeoutMs + kit.waitMs), 'the server kept a silent connection open');
      assert.ok(Date.now() - started >= RESTRICTED_WEBSOCKET.idleTimeoutMs * 0.7, `closed after ${Date.now() - started} ms, before idleTimeoutMs`);
      const seen = await kit.observation(`${id}.ws`, "the app's close after the idle timeout");
      assert.equal((seen.close as { code: number }).code, 1006);
      assert.equal((seen.completion as { aborted: boolean }).aborted, true);
    } finally {
      hs.conn.destroy();
    }
  }, 60_000);
}
