/**
 * Location and server-name selection checked against real nginx: the same blocks in both servers,
 * each answering with its own name, and a table of requests whose answers must agree. Skipped
 * when nginx is not installed (`.ci/run` installs it).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WebServer } from '../server/web-server.js';
import { portOf, rawRequest, startFromText, statusOf } from '../testing/helpers.js';
import { freePort, tempDir, waitFor } from 'tsgi-test-support';

const hasNginx = spawnSync('nginx', ['-v']).status === 0;

/** [modifier+path, name] in file order. */
const LOCATIONS: Array<[string, string]> = [
  ['= /', 'exact-root'],
  ['/', 'root-prefix'],
  ['= /exact', 'exact'],
  ['/exact', 'prefix-exact'],
  ['/images/', 'images'],
  ['^~ /images/stop/', 'images-stop'],
  ['~* \\.(png|jpg)$', 'image-regex'],
  ['~ ^/images/z', 'z-regex'],
  ['/documents/', 'documents'],
  ['~ /documents/Abc', 'documents-regex-cs'],
  ['/a/b/', 'ab'],
  ['/a/', 'a'],
];

const URIS = [
  '/', '/index.html', '/exact', '/exact/', '/exactly', '/images/', '/images/a.gif', '/images/a.PNG', '/images/stop/a.png',
  '/images/zed', '/images/zed.jpg', '/x/y.JPG', '/documents/x', '/documents/Abc', '/documents/abc', '/a/b/c', '/a/c',
  '/a/b', '/%65xact', '/images/./stop/../a.jpg', '/a//b/c', '/a/b/../c', '/images%2Fa.png', '/x?y=/images/a.png',
];

const HOSTS = ['example.com', 'www.example.com', 'a.b.example.com', 'mail.example.org', 'api7.example.net', 'other.test', 'EXAMPLE.COM'];

describe('matching agrees with nginx', () => {
  let tmp: { dir: string; cleanup: () => Promise<void> };
  let nginx: ChildProcess | undefined;
  let ours: WebServer;
  let nginxPort: number;
  let ourPort: number;
  let namePortN: number;
  let namePortO: number;

  before(async () => {
    assert.ok(hasNginx, 'nginx is not installed: install the Debian package nginx to compare');
    tmp = await tempDir();
    nginxPort = await freePort();
    namePortN = await freePort();
    namePortO = await freePort();
    const ngLocations = LOCATIONS.map(([p, name]) => `    location ${p.startsWith('~') ? p.replace(/^(~\*?) (.*)$/, '$1 "$2"') : p} { return 200 "${name}"; }`).join('\n');
    const names: Array<[string, string]> = [
      ['example.com', 'exact-name'],
      ['*.example.com', 'leading'],
      ['mail.*', 'trailing'],
      ['~^api\\d+\\.example\\.net$', 'regex-name'],
    ];
    const ngServers = names.map(([n, body]) => `  server { listen 127.0.0.1:${namePortN}; server_name ${n.startsWith('~') ? `"${n}"` : n}; return 200 "${body}"; }`).join('\n');
    await mkdir(join(tmp.dir, 'logs'));
    const conf = `daemon off;
master_process off;
pid ${tmp.dir}/nginx.pid;
error_log ${tmp.dir}/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${tmp.dir}/body; proxy_temp_path ${tmp.dir}/proxy; fastcgi_temp_path ${tmp.dir}/fcgi; uwsgi_temp_path ${tmp.dir}/uwsgi; scgi_temp_path ${tmp.dir}/scgi;
  server {
    listen 127.0.0.1:${nginxPort};
${ngLocations}
  }
  server { listen 127.0.0.1:${namePortN} default_server; server_name _; return 200 "default"; }
${ngServers}
}
`;
    await writeFile(join(tmp.dir, 'nginx.conf'), conf);
    nginx = spawn('nginx', ['-p', tmp.dir, '-c', join(tmp.dir, 'nginx.conf')], { stdio: 'ignore' });
    const ourLocations = LOCATIONS.map(([p, name]) => `  [[server.location]]\n  path = ${JSON.stringify(p)}\n  return = "200 ${name}"`).join('\n');
    const ourNames = names.map(([n, body]) => `[[server]]\nlisten = "127.0.0.1:${namePortO}"\nserver_name = ${JSON.stringify(n)}\nreturn = "200 ${body}"`).join('\n');
    ours = await startFromText(`[[server]]\nlisten = "127.0.0.1:0"\n${ourLocations}\n[[server]]\nlisten = "127.0.0.1:${namePortO} default_server"\nserver_name = "_"\nreturn = "200 default"\n${ourNames}\n`);
    ourPort = portOf(ours);
    await waitFor(async () => statusOf(await rawRequest(nginxPort, 'GET / HTTP/1.0\r\n\r\n', 2000).catch(() => '')) === 200, { timeoutMs: 15_000, what: 'nginx to start' });
  });
  after(async () => {
    nginx?.kill('SIGTERM');
    await ours?.close();
    await tmp.cleanup();
  });

  const answer = async (port: number, uri: string, host = 'x'): Promise<string> => {
    const raw = await rawRequest(port, `GET ${uri} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    return `${statusOf(raw)} ${raw.slice(raw.indexOf('\r\n\r\n') + 4)}`;
  };

  it('chooses the same location for every URI', async () => {
    const seen = new Set<string>();
    for (const uri of URIS) {
      const expected = await answer(nginxPort, uri);
      assert.match(expected, /^(200|400) /, `nginx answered ${expected} for ${uri}`);
      assert.equal(await answer(ourPort, uri), expected, uri);
      seen.add(expected);
    }
    // The table exercises every location, so agreement is not an accident of a few answers.
    for (const [, name] of LOCATIONS) assert.ok(seen.has(`200 ${name}`), `no URI reached ${name}: ${[...seen].join(', ')}`);
  });

  it('chooses the same server for every Host', async () => {
    const seen = new Set<string>();
    for (const host of HOSTS) {
      const expected = await answer(namePortN, '/', host);
      assert.equal(await answer(namePortO, '/', host), expected, host);
      seen.add(expected);
    }
    assert.equal(seen.size, 5, [...seen].join(', '));
  });
});
