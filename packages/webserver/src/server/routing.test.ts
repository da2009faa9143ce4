import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WebServer } from './web-server.js';
import { httpGet, portOf, rawRequest, startFromText, statusOf } from '../testing/helpers.js';
import { freePort, tempDir } from 'tsgi-test-support';

const get = (port: number, path: string, headers: Record<string, string> = {}, method = 'GET', socketPath?: string) =>
  httpGet(port, path, { headers, method, ...(socketPath === undefined ? {} : { socketPath }), encoding: 'latin1' });

describe('routing over real sockets', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let server: WebServer;
  let port: number;

  before(async () => {
    tmp = await tempDir();
    const www = join(tmp.dir, 'www');
    await mkdir(join(www, 'app', 'docs'), { recursive: true });
    await mkdir(join(tmp.dir, 'assets'), { recursive: true });
    await writeFile(join(www, 'index.html'), 'home\n');
    await writeFile(join(www, 'app', 'index.html'), 'spa shell\n');
    await writeFile(join(www, 'app', 'real.txt'), 'real file\n');
    await writeFile(join(www, 'app', 'docs', 'index.html'), 'docs index\n');
    await writeFile(join(tmp.dir, 'assets', 'logo.txt'), 'aliased\n');
    await writeFile(join(www, 'secret.txt'), 'no\n');
    await symlink('/etc/hostname', join(www, 'escape.txt')).catch(() => undefined);
    server = await startFromText(`
[[server]]
listen = "127.0.0.1:0"
server_name = ["example.com", "*.example.com", "www.example.*", "~^api-(\\\\d+)\\\\.test$"]
root = "${www}"
add_header = { "X-Frame-Options" = "DENY" }
add_header_always = { "X-Served-By" = "tsgi" }

  [[server.location]]
  path = "= /exact"
  return = "200 exact"
  [[server.location]]
  path = "/exact"
  return = "200 prefix-exact"
  [[server.location]]
  path = "/images/"
  return = "200 images-prefix"
  [[server.location]]
  path = "^~ /images/stop/"
  return = "200 images-stop"
  [[server.location]]
  path = "~* \\\\.(png|jpg)$"
  return = "200 regex-image"
  [[server.location]]
  path = "~ ^/images/z"
  return = "200 regex-z"
  [[server.location]]
  path = "/redirect"
  return = "301 https://$host$request_uri"
  [[server.location]]
  path = "/gone"
  return = 410
  [[server.location]]
  path = "/app/"
  try_files = ["$uri", "$uri/", "/app/index.html"]
  [[server.location]]
  path = "/strict/"
  try_files = ["$uri", "=404"]
  [[server.location]]
  path = "/static/"
  alias = "${join(tmp.dir, 'assets')}/"
  [[server.location]]
  path = "/loop/"
  try_files = ["$uri", "/loop/again"]

[[server]]
listen = "127.0.0.1:0"
server_name = ["other.test"]
  [[server.location]]
  path = "/"
  return = "200 other"
`);
    port = portOf(server);
  });
  after(async () => {
    await server.close();
    await tmp.cleanup();
  });

  it('follows nginx location precedence', async () => {
    const table: Array<[string, string]> = [
      ['/exact', 'exact'],
      ['/exact/more', 'prefix-exact'],
      ['/images/a.gif', 'images-prefix'],
      ['/images/a.PNG', 'regex-image'],
      ['/images/stop/a.png', 'images-stop'],
      ['/images/zed', 'regex-z'],
      ['/other/b.jpg', 'regex-image'],
      ['/%65xact', 'exact'],
      ['/images/./stop/../x.jpg', 'regex-image'],
    ];
    for (const [path, expected] of table) {
      const r = await get(port, path);
      assert.equal(r.body, expected, `${path} -> ${r.body}`);
    }
  });

  it('answers return redirects with variables and text bodies', async () => {
    const r = await get(port, '/redirect/x?a=1', { host: 'Example.com:8080' });
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, 'https://example.com/redirect/x?a=1');
    assert.equal((await get(port, '/gone')).status, 410);
  });

  it('adds add_header to 2xx/3xx only and add_header_always to every answer', async () => {
    const ok = await get(port, '/');
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'home\n');
    assert.equal(ok.headers['x-frame-options'], 'DENY');
    assert.equal(ok.headers['x-served-by'], 'tsgi');
    const missing = await get(port, '/nothing-here');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers['x-frame-options'], undefined);
    assert.equal(missing.headers['x-served-by'], 'tsgi');
    assert.match(missing.body, /<title>404 Not Found<\/title>/);
  });

  it('try_files: a file, a directory, then the fallback URI; =404', async () => {
    assert.equal((await get(port, '/app/real.txt')).body, 'real file\n');
    assert.equal((await get(port, '/app/docs/')).body, 'docs index\n');
    const spa = await get(port, '/app/some/client/route?x=1');
    assert.equal(spa.status, 200);
    assert.equal(spa.body, 'spa shell\n');
    assert.equal((await get(port, '/strict/none')).status, 404);
    assert.equal((await get(port, '/loop/x')).status, 500, 'an internal redirect loop stops with 500');
  });

  it('alias maps the location prefix to another directory', async () => {
    const r = await get(port, '/static/logo.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'aliased\n');
  });

  it('refuses malformed and escaping paths', async () => {
    assert.equal(statusOf(await rawRequest(port, 'GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')), 400);
    assert.equal(statusOf(await rawRequest(port, 'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')), 400);
    assert.equal(statusOf(await rawRequest(port, 'GET /a%00b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')), 400);
    assert.equal((await get(port, '/escape.txt')).status, 404, 'a symlink out of the root is not served');
  });

  it('chooses the server by Host: exact, wildcards, regex, default', async () => {
    // Both servers listen on "127.0.0.1:0": one socket, two servers, the first is the default.
    assert.equal(server.addresses().length, 1);
    assert.equal((await get(port, '/', { host: 'other.test' })).body, 'other');
    for (const host of ['example.com', 'a.example.com', 'www.example.org', 'api-12.test', 'unknown.test']) {
      assert.equal((await get(port, '/exact', { host })).body, 'exact', host);
    }
  });

  it('answers absolute-form request targets by their authority', async () => {
    const raw = await rawRequest(port, 'GET http://example.com/exact HTTP/1.1\r\nHost: ignored\r\nConnection: close\r\n\r\n');
    assert.equal(statusOf(raw), 200);
    assert.match(raw, /\r\n\r\nexact$/);
  });
});

describe('server names among servers sharing one socket', () => {
  let server: WebServer;
  let port: number;
  before(async () => {
    const block = (names: string, body: string, extra = '') => `[[server]]\nlisten = "127.0.0.1:0"\nserver_name = [${names}]\n${extra}\n  [[server.location]]\n  path = "/"\n  return = "200 ${body}"\n`;
    // Port 0 would give each server its own socket; bind one fixed ephemeral port instead.
    const free = await freePort();
    const text = [
      block('"example.com"', 'exact'),
      block('"*.example.com"', 'leading-wildcard'),
      block('"mail.*"', 'trailing-wildcard'),
      block('"~^(www|api)\\\\d+\\\\.example\\\\.net$"', 'regex'),
      block('"_"', 'default', ''),
    ]
      .join('\n')
      .replaceAll('127.0.0.1:0', `127.0.0.1:${free}`)
      .replace(`listen = "127.0.0.1:${free}"\nserver_name = ["_"]`, `listen = "127.0.0.1:${free} default_server"\nserver_name = ["_"]`);
    server = await startFromText(text);
    port = portOf(server);
  });
  after(() => server.close());

  it('picks exact, then leading wildcard, trailing wildcard, regex, then default_server', async () => {
    const table: Array<[string, string]> = [
      ['example.com', 'exact'],
      ['EXAMPLE.com.', 'exact'],
      ['a.b.example.com', 'leading-wildcard'],
      ['mail.example.org', 'trailing-wildcard'],
      ['www12.example.net', 'regex'],
      ['nothing.test', 'default'],
    ];
    for (const [host, expected] of table) assert.equal((await get(port, '/', { host })).body, expected, host);
  });
});

describe('unix and IPv6 listeners', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let server: WebServer;
  before(async () => {
    tmp = await tempDir();
    server = await startFromText(`[[server]]\nlisten = ["unix:${tmp.dir}/web.sock", "[::1]:0"]\n  [[server.location]]\n  path = "/"\n  return = "200 via $server_port"\n`);
  });
  after(async () => {
    await server.close();
    await tmp.cleanup();
  });

  it('serves on a unix socket', async () => {
    const r = await get(0, '/', {}, 'GET', join(tmp.dir, 'web.sock'));
    assert.equal(r.status, 200);
  });

  it('serves on [::1]', async () => {
    const port = server.addresses()[1]!.port!;
    assert.equal((await httpGet(port, '/', { host: '::1' })).status, 200);
  });
});
