// End to end: tsgi-webserver (early_hints = "on") -> tsgi-appserver -> a TSGI app that sends
// 103 Early Hints and response trailers (test-fixtures/hints-app.mjs). curl -v sees the 103
// before the 200 (HTTP/1.1, and HTTP/2 over TLS); a raw socket sees the trailer section after
// the last chunk, curl over HTTP/2 the trailing HEADERS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnCli } from '../testing/helpers.js';
import { makeCert } from '../testing/certs.js';
import { freePort, rawExchange, tempDir, waitFor, waitForOutput } from 'tsgi-test-support';

const APPSERVER_BIN = fileURLToPath(new URL('../../../appserver/bin/tsgi-appserver.js', import.meta.url));
const APPSERVER_DIST = fileURLToPath(new URL('../../../appserver/dist/cli.js', import.meta.url));
const APP = fileURLToPath(new URL('./test-fixtures/hints-app.mjs', import.meta.url));
const CURL = '/usr/bin/curl';

test('tsgi-webserver -> tsgi-appserver: the 103 reaches curl before the 200, trailers reach a raw socket', { timeout: 120_000 }, async () => {
  assert.ok(existsSync(CURL), 'curl is missing: apt-get install -y curl (Debian package curl)');
  assert.ok(existsSync(APPSERVER_DIST), 'tsgi-appserver is not built (packages/appserver/dist/cli.js): run `npx tsc -b`');
  const app = spawn(process.execPath, [APPSERVER_BIN, '-b', '127.0.0.1:0', '-w', '1', APP], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const appExited = new Promise((resolve) => app.once('exit', resolve));
  const { dir, cleanup } = await tempDir('tsgi-hints-e2e-');
  let web: ReturnType<typeof spawnCli> | undefined;
  try {
    const [, appPort] = await waitForOutput(app, /^(?=[\s\S]*Ready)[\s\S]*?Listening at: http:\/\/127\.0\.0\.1:(\d+)/, { what: 'tsgi-appserver' });
    const port = await freePort();
    const tlsPort = await freePort();
    const { cert, key } = await makeCert(dir, 'hints.test');
    const config = join(dir, 'web.toml');
    await writeFile(
      config,
      `access_log = "off"
error_log = "stderr"
master_process = false

[[server]]
listen = ["127.0.0.1:${port}", "127.0.0.1:${tlsPort} ssl http2"]
server_name = "hints.test"
ssl_certificate = "${cert}"
ssl_certificate_key = "${key}"

  [[server.location]]
  path = "/"
  proxy_pass = "http://127.0.0.1:${appPort}"
  early_hints = "on"
`,
    );
    web = spawnCli(['--config', config]);
    await waitFor(async () => (await rawExchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 2_000).catch(() => '')).startsWith('HTTP/1.1 200'), {
      timeoutMs: 30_000,
      what: `tsgi-webserver on ${port} (stderr: ${web.stderr().slice(-500)})`,
    });

    const { stderr, stdout } = await promisify(execFile)(CURL, ['-sv', '--max-time', '20', `http://127.0.0.1:${port}/page`], { timeout: 30_000 });
    const lines = stderr.split('\n').filter((line) => line.startsWith('< HTTP/'));
    assert.deepEqual(lines.map((line) => line.trim()), ['< HTTP/1.1 103 Early Hints', '< HTTP/1.1 200 OK'], stderr);
    assert.match(stderr, /< link: <\/static\/site\.css>; rel=preload; as=style, <\/static\/app\.js>; rel=modulepreload/i);
    assert.match(stderr, /< x-hints-sent: true/i);
    assert.equal(stdout, '<!doctype html><p>hinted</p>');

    const raw = await rawExchange(port, 'GET /page HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 20_000);
    assert.match(raw, /^HTTP\/1\.1 103 Early Hints\r\n/);
    assert.match(raw, /\r\ntransfer-encoding: chunked\r\n/i);
    const trailer = /\r\n0\r\n([^]*)\r\n\r\n$/.exec(raw)?.[1];
    assert.ok(trailer !== undefined, `no trailer section at the end of: ${JSON.stringify(raw.slice(-200))}`);
    assert.deepEqual(trailer.split('\r\n').sort(), ['server-timing: app;dur=50', 'x-body-bytes: 28']);

    // HTTP/2 (TLS): the 103 as an informational HEADERS frame, the trailers as trailing HEADERS.
    const h2 = await promisify(execFile)(CURL, ['-sv', '-k', '--http2', '--max-time', '20', '--resolve', `hints.test:${tlsPort}:127.0.0.1`, `https://hints.test:${tlsPort}/page`], { timeout: 30_000 });
    const statuses = h2.stderr.split('\n').filter((line) => line.startsWith('< HTTP/')).map((line) => line.trim());
    assert.deepEqual(statuses, ['< HTTP/2 103', '< HTTP/2 200'], h2.stderr);
    assert.match(h2.stderr, /< link: <\/static\/site\.css>; rel=preload; as=style, <\/static\/app\.js>; rel=modulepreload/i);
    assert.match(h2.stderr, /< x-body-bytes: 28/i, 'the trailers over HTTP/2');
    assert.equal(h2.stdout, '<!doctype html><p>hinted</p>');
  } finally {
    if (web !== undefined) {
      web.child.kill('SIGTERM');
      await web.exited;
    }
    try {
      process.kill(-app.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await appExited;
    await cleanup();
  }
});
