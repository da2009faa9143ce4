import assert from 'node:assert/strict';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { httpGet, portOf, rawRequest, spawnCli, startFromText } from '../testing/helpers.js';
import { freePort, tempDir, waitFor } from 'tsgi-test-support';

const get = async (port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<number> => (await httpGet(port, path, { headers, method })).status;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const readLines = async (file: string): Promise<string[]> => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

describe('access log', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  before(async () => {
    tmp = await tempDir();
  });
  after(() => tmp.cleanup());

  it('writes nginx combined lines', async () => {
    const file = join(tmp.dir, 'combined.log');
    const server = await startFromText(`access_log = "${file}"\n[[server]]\nlisten = "127.0.0.1:0"\n  [[server.location]]\n  path = "/ok"\n  return = "200 ok"\n`);
    try {
      const port = portOf(server);
      await get(port, '/ok?x=1', { referer: 'http://ref.test/', 'user-agent': 'ua/1 "quoted"' });
      await get(port, '/missing', {}, 'HEAD');
      await rawRequest(port, 'GET /bad path HTTP/1.1\r\nHost: x\r\n\r\n');
      const lines = await waitFor(async () => ((await readLines(file)).length >= 3 ? readLines(file) : undefined), { timeoutMs: 5000, what: 'three log lines' });
      assert.match(lines[2]!, /^127\.0\.0\.1 - - \[[^\]]+\] "-" 400 \d+ "-" "-"$/);
      assert.match(lines[0]!, /^127\.0\.0\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET \/ok\?x=1 HTTP\/1\.1" 200 2 "http:\/\/ref\.test\/" "ua\/1 \\x22quoted\\x22"$/);
      assert.match(lines[1]!, /"HEAD \/missing HTTP\/1\.1" 404 0 "-" "-"$/);
    } finally {
      await server.close();
    }
  });

  it('combined_id: the combined line, then the request id sent upstream ("-" for an answer of its own)', async () => {
    const seen: string[] = [];
    const upstream = createServer((req, res) => {
      seen.push(String(req.headers['x-request-id']));
      res.end('up');
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const up = (upstream.address() as AddressInfo).port;
    const file = join(tmp.dir, 'combined-id.log');
    // Two servers: the first trusts loopback (the default), the second only 192.0.2.1 (not this client).
    const [trusting, distrusting] = [await freePort(), await freePort()];
    const config = (port: number, trust: string) => `[[server]]\nlisten = "127.0.0.1:${port}"\n${trust}  [[server.location]]\n  path = "/ok"\n  return = "200 ok"\n  [[server.location]]\n  path = "/"\n  proxy_pass = "http://127.0.0.1:${up}"\n`;
    const server = await startFromText(`access_log = "${file}"\naccess_log_format = "combined_id"\n${config(trusting, '')}${config(distrusting, 'proxy_trusted_proxies = ["192.0.2.1"]\n')}`);
    try {
      await get(trusting, '/ok');
      await get(trusting, '/up', { 'x-request-id': 'abc-123' });
      await get(distrusting, '/up', { 'x-request-id': 'abc-123' });
      await get(trusting, '/up', { 'x-request-id': 'a b' });
      const lines = await waitFor(async () => ((await readLines(file)).length >= 4 ? readLines(file) : undefined), { timeoutMs: 5000, what: 'four log lines' });
      assert.match(lines[0]!, /"GET \/ok HTTP\/1\.1" 200 2 "-" "[^"]*" "-"$/);
      assert.match(lines[1]!, /"GET \/up HTTP\/1\.1" 200 2 "-" "[^"]*" "abc-123"$/, 'a trusted peer\'s id is kept');
      assert.equal(seen[0], 'abc-123');
      for (const [i, line] of [[1, lines[2]!], [2, lines[3]!]] as const) {
        assert.match(seen[i]!, UUID, 'an untrusted peer\'s or an invalid id is replaced');
        assert.ok(line.endsWith(` "${seen[i]}"`), `${line} ends with the id sent upstream ${seen[i]}`);
      }
    } finally {
      await server.close();
      upstream.close();
    }
  });

  it('writes one JSON object per line', async () => {
    const file = join(tmp.dir, 'json.log');
    const server = await startFromText(`access_log = "${file}"\naccess_log_format = "json"\n[[server]]\nlisten = "127.0.0.1:0"\n  [[server.location]]\n  path = "/"\n  return = "204"\n`);
    try {
      await get(portOf(server), '/a', { host: 'h.test', 'user-agent': 'ua' });
      const lines = await waitFor(async () => ((await readLines(file)).length >= 1 ? readLines(file) : undefined), { timeoutMs: 5000, what: 'a log line' });
      const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
      assert.equal(entry.method, 'GET');
      assert.equal(entry.uri, '/a');
      assert.equal(entry.status, 204);
      assert.equal(entry.host, 'h.test');
      assert.equal(entry.user_agent, 'ua');
      assert.equal(entry.remote_addr, '127.0.0.1');
      assert.equal(typeof entry.request_time, 'number');
      assert.ok(!Number.isNaN(Date.parse(String(entry.time))));
    } finally {
      await server.close();
    }
  });

  it('logs the body bytes each response wrote, pipelined ones on one connection included', async () => {
    // The responses count their own bytes (server/responses.ts); the socket's count would mix
    // the two responses of this connection, and their heads.
    const file = join(tmp.dir, 'bytes.log');
    const www = join(tmp.dir, 'www');
    await mkdir(www);
    await writeFile(join(www, 'big.bin'), Buffer.alloc(300_000, 97));
    const server = await startFromText(`access_log = "${file}"\n[[server]]\nlisten = "127.0.0.1:0"\nroot = "${www}"\nopen_file_cache_memory_file_max = 0\n  [[server.location]]\n  path = "/small"\n  return = "200 four"\n`);
    try {
      const raw = await rawRequest(portOf(server), 'GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.ok(raw.endsWith('four'), 'both responses arrived');
      const lines = await waitFor(async () => ((await readLines(file)).length >= 2 ? readLines(file) : undefined), { timeoutMs: 5000, what: 'two log lines' });
      assert.match(lines.find((l) => l.includes('/big.bin')) ?? '', /"GET \/big\.bin HTTP\/1\.1" 200 300000 /);
      assert.match(lines.find((l) => l.includes('/small')) ?? '', /"GET \/small HTTP\/1\.1" 200 4 /);
    } finally {
      await server.close();
    }
  });

  it('reopens its file on USR1 (log rotation) and writes error-log levels', async () => {
    const access = join(tmp.dir, 'rotate.log');
    const errors = join(tmp.dir, 'error.log');
    const port = await freePort();
    const conf = join(tmp.dir, 'rotate.toml');
    await writeFile(conf, `master_process = false\naccess_log = "${access}"\nerror_log = "${errors}"\nerror_log_level = "info"\n[[server]]\nlisten = "127.0.0.1:${port}"\n  [[server.location]]\n  path = "/"\n  return = "200 ok"\n`);
    const cli = spawnCli(['-c', conf]);
    try {
      await waitFor(() => /listening on/.test(cli.stderr()), { timeoutMs: 60_000, what: 'the server to listen' });
      await get(port, '/before');
      await waitFor(async () => ((await readLines(access)).length === 1 ? true : undefined), { timeoutMs: 5000, what: 'the first line' });
      await rename(access, `${access}.1`);
      cli.child.kill('SIGUSR1');
      // The reopen happens on the signal; poll until a request lands in the new file.
      await waitFor(async () => {
        await get(port, '/after');
        return (await readLines(access)).some((l) => l.includes('/after')) || undefined;
      }, { timeoutMs: 10_000, what: 'a line in the reopened file' });
      const rotated = await readLines(`${access}.1`);
      assert.match(rotated[0]!, /GET \/before /);
      // Requests made before the signal arrived may land in the old file; none before it in the new one.
      assert.ok((await readLines(access)).every((l) => l.includes('/after')));
      const errorLines = await readLines(errors);
      assert.ok(errorLines.some((l) => /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[info\] \d+#0: listening on 127\.0\.0\.1:\d+$/.test(l)), errorLines.join('\n'));
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });
});
