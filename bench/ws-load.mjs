#!/usr/bin/env node
// The load generator of the websocket bench rows (wrk cannot speak WebSocket): N connections, each
// keeping a bounded window of fixed-size text messages in flight to an echo server, counting the
// echoes that arrive within the duration. Prints one JSON line:
// { messages, rps (messages/s), bytesPerSec (payload echoed), p50ms, p99ms (round trip), errors }.
//
// Like wrk for HTTP, it must cost less per message than the server, or the rows would measure
// the client: on the `ws` client (zero masking key, no UTF-8 check) the client took 1.0-1.25x the
// CPU per echo of the bare `ws` server it loaded (both pinned, 50 x 16 in flight, 2 runs each on a loaded
// 2-core VM); this one takes about half (0.5-0.6x, its start-up included). So it speaks RFC 6455 itself,
// and only the little it needs: node:http does the handshake (Sec-WebSocket-Accept checked), each
// refill is ONE write of prebuilt frames masked with a zero key (RFC 6455 5.3 allows any key; the
// payload stays as is), and echoes are parsed frame by frame (opcode, length, payload of the first
// echo of each connection compared; pings answered).
//
//   node bench/ws-load.mjs --url ws://127.0.0.1:8080/ [--connections 50] [--duration 10] [--size 64] [--window 16]
import { parseArgs } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { createHistogram, performance } from 'node:perf_hooks';

const CONNECT_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 2_000;
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    size: { type: 'string', default: '64' },
    window: { type: 'string', default: '16' },
  },
});

const settings = {
  url: opts.url ?? '',
  connections: whole('connections', 1, 10_000),
  duration: whole('duration', 1, 3_600),
  size: whole('size', 1, 65_535),
  window: whole('window', 1, 10_000),
};
if (!/^ws:\/\//.test(settings.url)) fail(`--url takes a ws:// URL, got ${JSON.stringify(settings.url)}`);

/** Opens the connections, loads them for the duration, closes them; resolves with the counts. */
async function measure(s) {
  const payload = Buffer.alloc(s.size, 'x');
  const frames = Buffer.concat(Array.from({ length: s.window }, () => clientFrame(0x1, payload)));
  const run = { running: false, messages: 0, errors: 0, firstError: '', latency: createHistogram() };
  const conns = await Promise.all(Array.from({ length: s.connections }, () => open(s, payload, frames, run)));
  const live = conns.filter((c) => c !== undefined);
  const started = performance.now();
  if (live.length > 0) {
    run.running = true;
    for (const conn of live) conn.fill();
    await new Promise((resolve) => setTimeout(resolve, s.duration * 1000));
    run.running = false;
  }
  const elapsedS = (performance.now() - started) / 1000;
  await Promise.all(live.map((conn) => conn.close()));
  const { latency } = run;
  return {
    messages: run.messages,
    rps: live.length > 0 ? run.messages / elapsedS : 0,
    bytesPerSec: live.length > 0 ? (run.messages * s.size) / elapsedS : 0,
    p50ms: latency.count > 0 ? latency.percentile(50) / 1000 : NaN,
    p99ms: latency.count > 0 ? latency.percentile(99) / 1000 : NaN,
    requests: run.messages,
    errors: run.errors,
    connections: live.length,
    ...(run.firstError ? { error: run.firstError } : {}),
  };
}

/**
 * Opens one connection (undefined when it cannot within CONNECT_TIMEOUT_MS: an error counted) and
 * returns its `fill` and `close`. Echoes come back in order, so the oldest send time is the echo's.
 */
function open(s, payload, frames, run) {
  const failed = (why) => {
    run.errors++;
    run.firstError ||= why;
  };
  return new Promise((resolve) => {
    const key = randomBytes(16).toString('base64');
    const req = request(s.url.replace(/^ws/, 'http'), {
      agent: false,
      timeout: CONNECT_TIMEOUT_MS,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key },
    });
    req.on('timeout', () => req.destroy(new Error(`no handshake answer within ${CONNECT_TIMEOUT_MS} ms`)));
    req.on('error', (err) => {
      failed(err.message);
      resolve(undefined);
    });
    req.on('response', (res) => {
      res.resume();
      failed(`handshake answered ${res.statusCode}, not 101`);
      resolve(undefined);
    });
    req.on('upgrade', (res, socket, head) => {
      const accept = createHash('sha1').update(key + GUID).digest('base64');
      if (res.headers['sec-websocket-accept'] !== accept) {
        socket.destroy();
        failed('wrong Sec-WebSocket-Accept');
        return resolve(undefined);
      }
      resolve(new Connection(socket, head, s, payload, frames, run, failed));
    });
    req.end();
  });
}

/** One open WebSocket: refills its window, parses the echoes, closes with 1000. */
class Connection {
  constructor(socket, head, s, payload, frames, run, failed) {
    Object.assign(this, { socket, s, payload, frames, run, failed });
    this.frameBytes = frames.length / s.window;
    this.sentAt = new Float64Array(s.window); // a ring: send times of the messages in flight
    this.head = 0;
    this.inFlight = 0;
    this.checked = false;
    this.pending = Buffer.alloc(0);
    this.closed = new Promise((resolve) => socket.once('close', resolve));
    socket.setNoDelay(true);
    socket.setTimeout(0); // the handshake's timeout; a stalled server shows as a low rate, not a dropped connection
    socket.on('error', (err) => failed(err.message));
    socket.on('close', () => {
      if (run.running) failed('connection closed during the run');
    });
    socket.on('data', (chunk) => this.onData(chunk));
    if (head.length > 0) this.onData(head);
  }

  /** Sends as many messages as the window has room for, in one write. */
  fill() {
    const room = this.s.window - this.inFlight;
    if (!this.run.running || room === 0 || this.socket.destroyed) return;
    const now = performance.now();
    for (let i = 0; i < room; i++) this.sentAt[(this.head + this.inFlight + i) % this.s.window] = now;
    this.inFlight += room;
    this.socket.write(room === this.s.window ? this.frames : this.frames.subarray(0, room * this.frameBytes));
  }

  onData(chunk) {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (buf.length - at >= 2) {
      const opcode = buf[at] & 0x0f;
      let len = buf[at + 1] & 0x7f;
      let start = at + 2;
      if (len === 126) {
        if (buf.length - at < 4) break;
        len = buf.readUInt16BE(at + 2);
        start = at + 4;
      } else if (len === 127) {
        this.failed('echo frame over 64 KiB');
        this.socket.destroy();
        return;
      }
      if (buf.length < start + len) break;
      this.onFrame(opcode, buf, start, len);
      at = start + len;
    }
    this.pending = at === buf.length ? Buffer.alloc(0) : buf.subarray(at);
    this.fill();
  }

  onFrame(opcode, buf, start, len) {
    if (opcode === 0x9) return void this.socket.write(clientFrame(0xa, buf.subarray(start, start + len)));
    if (opcode === 0x8) return void this.socket.end();
    if (opcode !== 0x1) return void this.failed(`unexpected frame, opcode ${opcode}`);
    if (len !== this.s.size || (!this.checked && !buf.subarray(start, start + len).equals(this.payload))) {
      this.failed(`echo differs from the message sent (${len} bytes)`);
    }
    this.checked = true;
    if (this.inFlight === 0) return void this.failed('an echo of nothing sent');
    const sentAt = this.sentAt[this.head];
    this.head = (this.head + 1) % this.s.window;
    this.inFlight--;
    if (!this.run.running) return;
    this.run.messages++;
    this.run.latency.record(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
  }

  /** Sends close 1000, waits for the server to end the connection (bounded), then destroys it. */
  async close() {
    if (!this.socket.destroyed) this.socket.write(clientFrame(0x8, Buffer.from([0x03, 0xe8])));
    const timer = setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS);
    await this.closed;
    clearTimeout(timer);
  }
}

/** A final client frame with a zero masking key (the payload is sent as is); payloads under 64 KiB. */
function clientFrame(opcode, payload) {
  const head = payload.length < 126 ? Buffer.from([0x80 | opcode, 0x80 | payload.length, 0, 0, 0, 0]) : Buffer.from([0x80 | opcode, 0x80 | 126, payload.length >> 8, payload.length & 0xff, 0, 0, 0, 0]);
  return Buffer.concat([head, payload]);
}

function whole(name, min, max) {
  const n = Number(opts[name]);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} takes a whole number from ${min} to ${max}, got ${JSON.stringify(opts[name])}`);
  return n;
}

function fail(message) {
  console.error(`ws-load: ${message}`);
  process.exit(2);
}

// Last, once the class above is initialised.
const result = await measure(settings);
console.log(JSON.stringify(result));
// Every socket is closed or destroyed by now; exit in case a handle lingers.
process.exit(result.messages > 0 ? 0 : 1);
