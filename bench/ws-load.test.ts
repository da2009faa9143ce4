// The websocket bench rows run end to end (a 1-second smoke run, nothing asserted about speed), and
// bench/ws-load.mjs counts only echoes it received, answers bad input clearly and exits on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';

const ROWS = [
  'ws echo (bare ws on node:http)',
  'tsgi-appserver -w 1 echo (upgradeWebSocket)',
  'tsgi serve() echo (upgradeWebSocket)',
  '@hono/node-server echo (its upgradeWebSocket)',
];

interface Row {
  name: string;
  error?: string;
  metric: string;
  rps: number;
  requests: number;
  errors: number;
  p50ms: number;
  p99ms: number;
  ratio: number | null;
  targets?: Array<{ vs: string; min: number; ratio: number | null; met: boolean | null }>;
  alsoRatios: Record<string, number>;
}

test('--only websocket runs the four echo rows, each with a positive messages/s and no errors', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ws-test-'));
  try {
    const out = join(dir, 'result.json');
    const run = spawnSync(process.execPath, ['bench/run.mjs', '--quick', '--duration', '1', '--only', '^websocket/', '--json', out], {
      encoding: 'utf8',
      timeout: 230_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /websocket rows: bench\/ws-load\.mjs -c50 -d\d+s, 64-byte text messages, 16 in flight per connection/);
    const results = (JSON.parse(readFileSync(out, 'utf8')) as { results: Row[] }).results;
    assert.deepEqual(results.map((r) => r.name), ROWS);
    for (const row of results) {
      assert.equal(row.error, undefined, `${row.name}: ${row.error}`);
      assert.equal(row.metric, 'messages');
      assert.ok(row.rps > 0 && row.requests > 0, `${row.name}: ${row.rps} messages/s`);
      assert.equal(row.errors, 0, row.name);
      assert.ok(row.p99ms >= row.p50ms && row.p50ms > 0, `${row.name}: p50 ${row.p50ms} p99 ${row.p99ms}`);
      assert.match(run.stdout, new RegExp(`${escape(row.name)} \\.\\.\\. \\d+ messages/s`));
    }
    const tsgi = results[1]!;
    assert.ok(tsgi.ratio !== null && tsgi.ratio > 0, `ratio ${tsgi.ratio}`);
    const target = tsgi.targets?.[0];
    assert.deepEqual({ vs: target?.vs, min: target?.min }, { vs: ROWS[0], min: 0.8 });
    assert.equal(target?.met, tsgi.ratio >= 0.8);
    assert.ok(tsgi.alsoRatios[ROWS[3]!]! > 0, 'the tsgi row is also compared with @hono/node-server');
    assert.match(run.stdout, /\(target >= 0\.8x\): (met|NOT met)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ws-load counts only echoes it received: the server echoed at most one window per connection more', { timeout: 60_000 }, async () => {
  const server = createServer((_req, res) => res.end('plain'));
  let echoed = 0;
  new WebSocketServer({ server }).on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      echoed++;
      ws.send(data as Buffer, { binary: isBinary });
    });
  });
  const port = await listen(server);
  try {
    const { code, stdout, stderr } = await load(['--url', `ws://127.0.0.1:${port}/`, '--connections', '4', '--window', '8', '--duration', '1']);
    assert.equal(code, 0, stderr);
    const r = JSON.parse(stdout) as { messages: number; errors: number; connections: number; rps: number };
    assert.equal(r.errors, 0);
    assert.equal(r.connections, 4);
    assert.ok(r.messages > 0);
    assert.ok(echoed >= r.messages && echoed - r.messages <= 4 * 8, `server echoed ${echoed}, client counted ${r.messages}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('ws-load reports a server that does not upgrade or echoes wrong, and refuses bad options', { timeout: 60_000 }, async () => {
  const server = createServer((_req, res) => res.end('no WebSocket here'));
  const port = await listen(server);
  try {
    const { code, stdout } = await load(['--url', `ws://127.0.0.1:${port}/`, '--connections', '2', '--duration', '1']);
    assert.equal(code, 1);
    const r = JSON.parse(stdout) as { messages: number; errors: number; error: string };
    assert.equal(r.messages, 0);
    assert.equal(r.errors, 2);
    assert.equal(r.error, 'handshake answered 200, not 101');
  } finally {
    server.close();
  }
  const binary = createServer((_req, res) => res.end('plain'));
  new WebSocketServer({ server: binary }).on('connection', (ws) => ws.on('message', (data) => ws.send(data as Buffer, { binary: true })));
  const binaryPort = await listen(binary);
  try {
    const { code, stdout } = await load(['--url', `ws://127.0.0.1:${binaryPort}/`, '--connections', '1', '--window', '1', '--duration', '1']);
    assert.equal(code, 1, 'a binary echo of a text message is not an echo');
    assert.equal((JSON.parse(stdout) as { error: string }).error, 'unexpected frame, opcode 2');
  } finally {
    binary.closeAllConnections();
    binary.close();
  }
  for (const [args, message] of [
    [['--url', 'http://127.0.0.1:1/'], /--url takes a ws:\/\/ URL/],
    [['--url', 'ws://127.0.0.1:1/', '--window', '0'], /--window takes a whole number from 1 to 10000, got "0"/],
    [['--url', 'ws://127.0.0.1:1/', '--size', '70000'], /--size takes a whole number from 1 to 65535/],
  ] as const) {
    const bad = await load([...args]);
    assert.equal(bad.code, 2, args.join(' '));
    assert.match(bad.stderr, message);
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** Runs bench/ws-load.mjs to its end (it exits on its own; killed after 30 s as a backstop). */
function load(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bench/ws-load.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
