// The proxy in front of Gunicorn serving a small Django app (test-fixtures/django_app): pages, a
// form POST with CSRF, a file upload, and the client address as Django sees it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createProxy } from './index.js';
import type { Proxy } from './index.js';
import { fetchRaw, passOptions, serverOptions, startFront } from './test-fixtures/helpers.js';
import { waitForOutput } from 'tsgi-test-support';

const GUNICORN = '/usr/bin/gunicorn';
const fixtures = fileURLToPath(new URL('./test-fixtures/', import.meta.url));

let gunicorn: ChildProcess | undefined;
let gunicornPort = 0;
let proxy: Proxy;
let front: Awaited<ReturnType<typeof startFront>>;

before(async () => {
  // A missing package fails here, naming it: this test never skips (.ci/run installs both).
  assert.ok(existsSync(GUNICORN), `gunicorn is not installed (${GUNICORN}): install the Debian packages gunicorn and python3-django`);
  gunicorn = spawn(GUNICORN, ['--chdir', fixtures, '--bind', '127.0.0.1:0', '--workers', '2', '--log-level', 'info', 'django_app.wsgi:application'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  const [, port] = await waitForOutput(gunicorn, /Listening at: http:\/\/127\.0\.0\.1:(\d+)/, { what: 'gunicorn' });
  gunicornPort = Number(port);
  proxy = createProxy(passOptions([serverOptions('gunicorn', gunicornPort)]));
  front = await startFront(proxy);
});
after(async () => {
  await front?.close();
  await proxy?.close();
  if (gunicorn && gunicorn.exitCode === null) {
    const exited = new Promise((r) => gunicorn!.once('exit', r));
    gunicorn.kill('SIGTERM');
    await exited;
  }
});

test('Django pages through the proxy', async () => {
  const r = await fetchRaw(front.port, '/?q=1', { headers: { host: 'shop.example' } });
  assert.equal(r.status, 200);
  assert.match(r.body.toString(), /<h1>Hello from Django<\/h1><p>path=\/\?q=1<\/p>/);
  assert.equal((await fetchRaw(front.port, '/missing/', { headers: { host: 'shop.example' } })).status, 404);
});

test('a form POST with its CSRF token and cookie', async () => {
  const page = await fetchRaw(front.port, '/form/', { headers: { host: 'shop.example' } });
  assert.equal(page.status, 200);
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.body.toString())![1]!;
  const cookie = String(page.headers['set-cookie']![0]!).split(';')[0]!;
  const body = new URLSearchParams({ csrfmiddlewaretoken: token, name: 'Zoë & co' }).toString();
  const r = await fetchRaw(front.port, '/form/', {
    method: 'POST',
    headers: { host: 'shop.example', cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  assert.equal(r.status, 200, r.body.toString());
  assert.equal(r.body.toString(), 'Thanks, Zoë & co (8 chars)');
  const forged = await fetchRaw(front.port, '/form/', {
    method: 'POST',
    headers: { host: 'shop.example', 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=x',
  });
  assert.equal(forged.status, 403, 'Django still refuses a POST without the CSRF cookie');
});

test('a file upload (multipart, larger than the proxy buffer and Django memory limit)', async () => {
  const data = Buffer.alloc(1_500_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
  const boundary = '----tsgi-test-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="data.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const page = await fetchRaw(front.port, '/form/', { headers: { host: 'shop.example' } });
  const token = /value="([^"]+)"/.exec(page.body.toString())![1]!;
  const cookie = String(page.headers['set-cookie']![0]!).split(';')[0]!;
  const r = await fetchRaw(front.port, '/upload/', {
    method: 'POST',
    headers: { host: 'shop.example', cookie, 'x-csrftoken': token, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  });
  assert.equal(r.status, 200, r.body.toString().slice(0, 300));
  assert.deepEqual(JSON.parse(r.body.toString()), {
    name: 'data.bin',
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    note: 'hello',
  });
});

test('the client address, host and scheme as Django sees them', async () => {
  const r = await fetchRaw(front.port, '/whoami/', { headers: { host: 'shop.example', 'x-forwarded-for': '203.0.113.9' } });
  const who = JSON.parse(r.body.toString()) as Record<string, unknown>;
  assert.equal(who.remote_addr, '127.0.0.1', 'the proxy is the TCP peer');
  // The test client is on loopback, hence a trusted proxy itself: its X-Forwarded-For is extended.
  assert.equal(who.x_forwarded_for, '203.0.113.9, 127.0.0.1');
  assert.equal(who.client, '203.0.113.9');
  assert.equal(who.host, 'shop.example');
  assert.equal(who.secure, false);
  assert.match(String(who.request_id), /^[0-9a-f-]{36}$/);
  // Through a proxy that trusts nobody, a forged X-Forwarded-For is replaced.
  const strict = createProxy(passOptions([serverOptions('gunicorn', gunicornPort)], { trustedProxies: [] }));
  const f2 = await startFront(strict, { scheme: 'https' });
  try {
    const w2 = JSON.parse((await fetchRaw(f2.port, '/whoami/', { headers: { host: 'shop.example', 'x-forwarded-for': '203.0.113.9' } })).body.toString()) as Record<string, unknown>;
    assert.equal(w2.x_forwarded_for, '127.0.0.1');
    assert.equal(w2.client, '127.0.0.1');
    assert.equal(w2.secure, true, 'X-Forwarded-Proto https from the proxy makes Django see a secure request');
  } finally {
    await f2.close();
    await strict.close();
  }
});
