// 1 GiB up and 1 GiB down through the proxy, generated on the fly (never stored by the test),
// sha256 checked on both sides; the proxy runs in its own process and its peak RSS stays bounded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { fetchRaw, spawnUpstream } from './test-fixtures/helpers.js';
import type { UpstreamProcess } from './test-fixtures/helpers.js';

const GIB = 1024 * 1024 * 1024;
const RSS_LIMIT = 300 * 1024 * 1024;
const MAIN = fileURLToPath(new URL('./test-fixtures/proxy-main.ts', import.meta.url));

let up: UpstreamProcess;
let child: ChildProcess;
let port = 0;

function ask<T>(message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(message);
  });
}

before(async () => {
  up = await spawnUpstream('big');
  child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN, JSON.stringify({ port: up.port, options: {} })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`proxy process exited with ${code}`)));
  });
});
after(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.disconnect();
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  }
  await up.kill();
});

/** The same deterministic 64 KiB blocks the upstream fixture generates. */
function block(i: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = Math.imul(i, 2654435761) >>> 0;
  for (let j = 0; j + 4 <= size; j += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b.writeUInt32LE(x, j);
  }
  for (let j = size - (size % 4); j < size; j++) b[j] = j & 0xff;
  return b;
}

test('1 GiB download: intact, proxy memory bounded', { timeout: 120_000 }, async (t) => {
  const expected = (await fetchRaw(up.port, `/bytes-sha256?n=${GIB}`, { timeoutMs: 60_000 })).body.toString();
  const hash = createHash('sha256');
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/bytes?n=${GIB}`, agent: false }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-length'], String(GIB));
      res.on('data', (c: Buffer) => {
        hash.update(c);
        got += c.length;
      });
      res.on('end', () => resolve());
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(got, GIB);
  assert.equal(hash.digest('hex'), expected);
  const { maxRssBytes } = await ask<{ maxRssBytes: number }>('rss');
  t.diagnostic(`proxy peak RSS after the 1 GiB download: ${(maxRssBytes / 1048576).toFixed(1)} MiB`);
  assert.ok(maxRssBytes < RSS_LIMIT, `peak RSS ${maxRssBytes} < ${RSS_LIMIT}`);
});

test('1 GiB upload: intact, proxy memory bounded', { timeout: 120_000 }, async (t) => {
  const hash = createHash('sha256');
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/sha256', method: 'POST', agent: false, headers: { 'content-length': String(GIB) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    let i = 0;
    let left = GIB;
    const pump = (): void => {
      while (left > 0) {
        const size = Math.min(65536, left);
        left -= size;
        const b = block(i++, size);
        hash.update(b);
        if (!req.write(b)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
  assert.deepEqual(JSON.parse(answer), { sha256: hash.digest('hex'), length: GIB });
  const { maxRssBytes } = await ask<{ maxRssBytes: number }>('rss');
  t.diagnostic(`proxy peak RSS after the 1 GiB upload: ${(maxRssBytes / 1048576).toFixed(1)} MiB`);
  assert.ok(maxRssBytes < RSS_LIMIT, `peak RSS ${maxRssBytes} < ${RSS_LIMIT}`);
});
