#!/usr/bin/env node
// The load of the TLS handshake rows: CONNECTIONS clients, each doing one handshake after another
// for DURATION seconds (TLS 1.3, as browsers), with or without resuming the session it was given
// last. Prints one JSON line: handshakes, errors (a handshake that failed, or in --resume mode one
// that was not resumed), and p50/p99 handshake times in ms.
//   node bench/handshake-client.mjs --port 8443 --duration 10 --connections 50 [--resume]
import { connect } from 'node:tls';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    resume: { type: 'boolean', default: false },
  },
});
const port = Number(o.port);
const durationMs = Number(o.duration) * 1000;
const connections = Number(o.connections);
if (!(port > 0) || !(durationMs > 0) || !(connections > 0 && connections <= 10_000)) {
  console.error('usage: handshake-client.mjs --port N [--duration S] [--connections N] [--resume]');
  process.exit(2);
}

/** One handshake; resolves with the session to use next (the last ticket received) and whether it resumed. */
function handshake(session) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    let ticket;
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = connect({ host: o.host, port, servername: 'bench.test', rejectUnauthorized: false, minVersion: 'TLSv1.3', ...(session ? { session } : {}) });
    // TLS 1.3 sends tickets after the handshake: wait for one, so the server's side is complete too.
    let handshakeMs;
    socket.once('secureConnect', () => {
      handshakeMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (ticket) finish({ ok: true, ms: handshakeMs, reused: socket.isSessionReused(), session: ticket });
    });
    socket.on('session', (s) => {
      ticket = s;
      if (handshakeMs !== undefined) finish({ ok: true, ms: handshakeMs, reused: socket.isSessionReused(), session: ticket });
    });
    socket.on('error', () => finish({ ok: false }));
    socket.on('close', () => finish(handshakeMs === undefined ? { ok: false } : { ok: true, ms: handshakeMs, reused: socket.isSessionReused(), session: ticket ?? session }));
    const timer = setTimeout(() => finish({ ok: false }), 10_000);
  });
}

const times = [];
let errors = 0;
let notResumed = 0;
let deadline = 0;

async function client(first) {
  let session = first;
  while (Date.now() < deadline) {
    const r = await handshake(o.resume ? session : undefined);
    if (!r.ok) {
      errors++;
      continue;
    }
    times.push(r.ms);
    if (o.resume) {
      if (!r.reused) notResumed++;
      session = r.session;
    }
  }
}

// A resuming client starts from a full handshake of its own, made before the clock starts.
const firsts = o.resume ? await Promise.all(Array.from({ length: connections }, async () => (await handshake(undefined)).session)) : [];
const begun = Date.now();
deadline = begun + durationMs;
await Promise.all(Array.from({ length: connections }, (_, i) => client(firsts[i])));
const elapsed = (Date.now() - begun) / 1000;
times.sort((a, b) => a - b);
const pct = (p) => (times.length ? times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] : NaN);
console.log(JSON.stringify({ handshakes: times.length, perSecond: times.length / elapsed, errors: errors + notResumed, failed: errors, notResumed, p50ms: pct(50), p99ms: pct(99) }));
