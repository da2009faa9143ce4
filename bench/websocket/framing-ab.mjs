#!/usr/bin/env node
// The A/B behind tsgi's choice of the `ws` package over hand-written framing (packages/tsgi/src/websocket-*.ts):
// the same echo server, once on `ws` (WebSocketServer noServer + handleUpgrade, as tsgi uses it) and once
// on the smallest hand-written framing that can echo (unfragmented frames under 64 KiB, no validation:
// a lower bound on what a hand-written server costs). Server CPU time per echoed message, server pinned
// to core 0 with taskset, the client on core 1, A and B alternated. Usage: node bench/websocket/framing-ab.mjs [pairs] [messages]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';

const [, , mode] = process.argv;
if (mode === 'ws' || mode === 'hand') await runServer(mode);
else if (mode === 'tsgi') await runTsgi();
else await main(Number(process.argv[2] ?? 5), Number(process.argv[3] ?? 100_000), process.argv[4] === 'tsgi' ? ['ws', 'tsgi'] : ['ws', 'hand']);

// The same echo as a TSGI app on serve() (packages/tsgi/dist: run `npx tsc -b` first): what the
// extension's socket adds over bare ws (node bench/websocket/framing-ab.mjs 6 100000 tsgi).
async function runTsgi() {
  const { serve, upgradeWebSocket } = await import('../../packages/tsgi/dist/index.js');
  const server = await serve((request, context) => {
    const { socket, response } = upgradeWebSocket(request, context);
    socket.onmessage = (event) => socket.send(event.data);
    return response;
  }, { port: 0, log: { debug() {}, info() {}, warn() {}, error() {} } });
  process.send({ port: server.address.port });
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
  });
}

async function runServer(kind) {
  const server = createServer((_req, res) => res.end('ok'));
  if (kind === 'ws') {
    const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
    server.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))),
    );
  } else {
    server.on('upgrade', (req, socket) => {
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.setNoDelay(true);
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        while (buffered.length >= 6) {
          const opcode = buffered[0] & 0x0f;
          let len = buffered[1] & 0x7f;
          let at = 2;
          if (len === 126) { if (buffered.length < 4) break; len = buffered.readUInt16BE(2); at = 4; }
          if (buffered.length < at + 4 + len) break;
          const mask = buffered.subarray(at, at + 4);
          const payload = Buffer.from(buffered.subarray(at + 4, at + 4 + len));
          for (let i = 0; i < len; i++) payload[i] ^= mask[i & 3];
          buffered = buffered.subarray(at + 4 + len);
          if (opcode === 8) { socket.end(Buffer.from([0x88, 0])); return; }
          const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : Buffer.from([0x80 | opcode, 126, len >> 8, len & 255]);
          // One write per message, as a real server answers each message when the app sends it.
          socket.write(Buffer.concat([head, payload]));
        }
      });
    });
  }
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
  });
}

async function main(pairs, messages, kinds) {
  const results = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let p = 0; p < pairs; p++) {
    for (const kind of p % 2 === 0 ? kinds : [...kinds].reverse()) results[kind].push(await measure(kind, messages));
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (const kind of kinds) console.log(`${kind}: server CPU per echoed message, us: ${results[kind].map((v) => v.toFixed(2)).join(' ')}  median ${median(results[kind]).toFixed(2)}`);
}

async function measure(kind, messages) {
  const child = spawn('taskset', ['-c', '0', process.execPath, fileURLToPath(import.meta.url), kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  const cpu = () => new Promise((resolve) => { child.once('message', (m) => resolve(m.cpu)); child.send('cpu'); });
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const before = await cpu();
  const text = 'x'.repeat(64);
  await new Promise((resolve) => {
    let sent = 0, got = 0;
    const window = 200;
    const pump = () => { while (sent < messages && sent - got < window) { ws.send(text); sent++; } };
    ws.on('message', () => { got++; if (got === messages) resolve(); else pump(); });
    pump();
  });
  const after = await cpu();
  ws.close();
  child.kill();
  return (after.user + after.system - before.user - before.system) / messages;
}
