/**
 * Issue 11, interop row 4: tsgi-webserver (the real CLI, master and one worker) in front of two
 * Gunicorns in one `[[upstream]]`, once for a Django app (sync workers: a new upstream connection
 * per request) and once for a Flask app (gthread workers: keep-alive upstream connections). Each
 * shows pages, a form POST, a 3 MB upload with its checksum, the client address as the app sees
 * it (X-Forwarded-For, from a client bound to 127.0.0.2), round-robin balancing over both
 * Gunicorns, and one Gunicorn stopped (SIGTERM, waited for) under keep-alive GETs with 0 failed.
 * Missing Debian packages fail the test naming them; it never skips.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from 'tsgi-test-support';
import { keepAliveLoad } from '../packages/appserver/src/keep-alive-load.test.util.js';
import type { FrontProcess } from './support/front-process.js';
import { requirePythonModule, startGunicorn } from './support/gunicorn.js';
import { REPO_ROOT } from './support/servers.js';
import { startWebserver } from './support/webserver.js';

/** Where the test's client connects from: not tsgi-webserver's own 127.0.0.1. */
const CLIENT = '127.0.0.2';

/** One app behind the two Gunicorns. */
interface AppCase {
  readonly name: 'Django' | 'Flask';
  readonly module: string;
  readonly debianPackage: string;
  readonly chdir: string;
  readonly app: string;
  readonly workerClass: 'sync' | 'gthread';
  /** Its POSTs need Django's CSRF token and cookie. */
  readonly csrf: boolean;
  /** The /whoami/ field holding the client address as the app works it out. */
  readonly clientField: 'client' | 'remote_addr';
}

const CASES: readonly AppCase[] = [
  {
    name: 'Django',
    module: 'django',
    debianPackage: 'python3-django',
    chdir: join(REPO_ROOT, 'packages/webserver/src/proxy/test-fixtures'),
    app: 'django_app.wsgi:application',
    workerClass: 'sync',
    csrf: true,
    clientField: 'client',
  },
  { name: 'Flask', module: 'flask', debianPackage: 'python3-flask', chdir: join(REPO_ROOT, 'interop/fixtures'), app: 'flask_app:app', workerClass: 'gthread', csrf: false, clientField: 'remote_addr' },
];

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request on a fresh connection from {@link CLIENT}, bounded to 20 s. */
function send(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, localAddress: CLIENT, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer to ${options.method ?? 'GET'} ${path} within 20 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The CSRF token and cookie Django's form page hands out, as headers for a POST; none for Flask. */
async function csrfHeaders(port: number, app: AppCase): Promise<Record<string, string>> {
  if (!app.csrf) return {};
  const page = await send(port, '/form/');
  assert.equal(page.status, 200, page.body);
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.body)?.[1];
  const cookie = page.headers['set-cookie']?.[0]?.split(';')[0];
  assert.ok(token !== undefined && cookie !== undefined, `Django's form page gives a CSRF token and cookie: ${page.body}`);
  return { cookie, 'x-csrftoken': token };
}

for (const app of CASES) {
  describe(`tsgi-webserver -> 2 Gunicorns (${app.workerClass} workers) -> ${app.name}`, () => {
    let gunicorns: FrontProcess[] = [];
    let web: FrontProcess | undefined;
    let port: number;
    const logs = () => [web, ...gunicorns].map((p) => p?.output()).join('\n');

    before(async () => {
      requirePythonModule(app.module, app.debianPackage);
      gunicorns = await Promise.all(['a', 'b'].map((instance) => startGunicorn({ instance, chdir: app.chdir, app: app.app, workerClass: app.workerClass })));
      port = await freePort();
      web = await startWebserver(`workers = 1
error_log = "stderr"
client_max_body_size = "10m"

[[upstream]]
name = "gunicorns"
server = [${gunicorns.map((g) => `"127.0.0.1:${g.port}"`).join(', ')}]

[[server]]
listen = "127.0.0.1:${port}"

  [[server.location]]
  path = "/"
  proxy_pass = "http://gunicorns"
`);
    });

    after(async () => {
      await web?.stop();
      await Promise.all(gunicorns.map((g) => g.stop()));
    });

    it('pages: a page with its query string, and a 404', async () => {
      const page = await send(port, '/?q=1');
      assert.equal(page.status, 200, logs());
      assert.equal(page.body, `<h1>Hello from ${app.name}</h1><p>path=/?q=1</p>`);
      assert.equal((await send(port, '/missing/')).status, 404);
    });

    it('a form POST', async () => {
      const headers = { ...(await csrfHeaders(port, app)), 'content-type': 'application/x-www-form-urlencoded' };
      const r = await send(port, '/form/', { method: 'POST', headers, body: new URLSearchParams({ name: 'Zoë & co' }).toString() });
      assert.equal(r.status, 200, r.body);
      assert.equal(r.body, 'Thanks, Zoë & co (8 chars)');
      if (app.csrf) {
        const forged = await send(port, '/form/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });
        assert.equal(forged.status, 403, 'Django still refuses a POST without its CSRF cookie');
      }
    });

    it('a 3 MB multipart upload arrives whole (sha256)', async () => {
      const data = Buffer.alloc(3 * 1024 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
      const boundary = '----tsgi-interop-boundary';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`),
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="data.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
        data,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const headers = { ...(await csrfHeaders(port, app)), 'content-type': `multipart/form-data; boundary=${boundary}` };
      const r = await send(port, '/upload/', { method: 'POST', headers, body });
      assert.equal(r.status, 200, r.body.slice(0, 300));
      assert.deepEqual(JSON.parse(r.body), { name: 'data.bin', size: data.length, sha256: createHash('sha256').update(data).digest('hex'), note: 'hello' });
    });

    it(`the client address as ${app.name} sees it: ${CLIENT}`, async () => {
      const r = await send(port, '/whoami/');
      assert.equal(r.status, 200, r.body);
      const who = JSON.parse(r.body) as Record<string, unknown>;
      assert.equal(who.x_forwarded_for, CLIENT, 'tsgi-webserver sends the client address');
      assert.equal(who[app.clientField], CLIENT, `${app.name}'s view of the client (${app.clientField})`);
      assert.equal(who.secure, false);
    });

    it('round robin: ten GETs, five to each Gunicorn', async () => {
      const served = new Map<string, number>();
      for (let i = 0; i < 10; i++) {
        const r = await send(port, '/instance/');
        assert.equal(r.status, 200, logs());
        served.set(r.body, (served.get(r.body) ?? 0) + 1);
      }
      assert.deepEqual(Object.fromEntries(served), { a: 5, b: 5 });
    });

    it('Gunicorn b stopped (SIGTERM, waited for) under keep-alive GETs on 4 connections: 0 failed', async (t) => {
      const load = keepAliveLoad(`http://127.0.0.1:${port}`, { connections: 4, path: '/instance/' });
      let servedByBAtExit: number;
      let okAtExit: number;
      try {
        await load.until((c) => (c.bodies.get('a') ?? 0) >= 20 && (c.bodies.get('b') ?? 0) >= 20);
        await gunicorns[1]!.stop();
        servedByBAtExit = load.counts.bodies.get('b') ?? 0;
        okAtExit = load.counts.ok;
        await load.until((c) => c.ok >= Math.max(200, okAtExit + 100));
      } finally {
        await load.stop();
      }
      const counts = load.counts;
      const why = `counts ${JSON.stringify({ ...counts, bodies: [...counts.bodies] })}\n${logs()}`;
      t.diagnostic(`${counts.ok} GETs answered (${counts.bodies.get('a')} by a, ${counts.bodies.get('b')} by b, ${okAtExit} before b exited), ${counts.failed} failed ${JSON.stringify(counts.failures)}`);
      assert.deepEqual(counts.failures, {}, why);
      assert.equal(counts.failed, 0, why);
      assert.equal(counts.bodies.get('b'), servedByBAtExit, 'nothing answered by b after it exited');
      assert.deepEqual([...counts.bodies.keys()].sort(), ['a', 'b'], why);
      assert.deepEqual(new Set(counts.lastByLoop), new Set(['a']), 'every connection ends on a');
      // The retry path ran: at least one GET went to b after it stopped (refused or reset) and was
      // answered by a.
      assert.match(web!.output(), new RegExp(`\\[warn\\] .*proxy: upstream 127\\.0\\.0\\.1:${gunicorns[1]!.port} failed`), why);
    });
  });
}
