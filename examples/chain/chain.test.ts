/**
 * `npm start` for real: `node scripts/start.mjs` on free ports runs collectstatic, tsgi-appserver
 * (2 workers, the demo with DEBUG off) and tsgi-webserver from their built bins, and every
 * request here goes over a real socket through web server -> app server -> framework. Then the
 * supervisor is stopped with SIGTERM (no process may be left behind), and a second run checks
 * that a server dying takes the whole chain down with a message naming it.
 *
 * The servers run from dist/ (what users run); scripts/start.mjs builds dist/ with `tsc -b` when
 * it is missing, hence the generous start timeout.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:http';
import { connect } from 'node:net';
import { freePorts } from 'tsgi-test-support';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { Demo, HAVE_PROC, HOST, waitFor } from './demo-process.js';

const SITE_CSS = fileURLToPath(new URL('../mysite/static/site.css', import.meta.url));
const SHOWCASE_CSS = fileURLToPath(new URL('../mysite/showcase/static/showcase/style.css', import.meta.url));
/** A second loopback address (Linux routes all of 127/8 to lo): a client the web server is not. */
const OTHER_CLIENT = '127.0.0.2';
const STOP_TIMEOUT_MS = 60_000;

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (no pooling hides anything), optionally from another local address. */
function http(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path, method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${options.method ?? 'GET'} ${path} within 30 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** True when nothing accepts connections on the port any more. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, HOST);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** A process still exists and is not a zombie (dead, only waiting to be reaped). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** `name=value` of a Set-Cookie header, by cookie name. */
function cookie(headers: IncomingHttpHeaders, name: string): string {
  const line = (headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
  assert.ok(line, `a ${name} cookie in ${JSON.stringify(headers['set-cookie'])}`);
  return line.split(';')[0]!;
}

describe('npm start: tsgi-webserver -> tsgi-appserver x2 -> tsgi-framework on examples/mysite', () => {
  let demo: Demo;
  let otherClientWorks = false;

  before(async () => {
    demo = new Demo(...((await freePorts(2)) as [number, number]));
    await demo.ready();
    otherClientWorks = await http(demo.port, '/static/site.css', { localAddress: OTHER_CLIENT }).then(() => true, () => false);
  });

  after(async () => {
    await demo?.kill();
  });

  it('serves the home page through the web server from the app server', async () => {
    const home = await http(demo.port, '/');
    assert.equal(home.status, 200, home.body);
    assert.match(String(home.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.match(home.body, /<title>mysite: it works<\/title>/);
    assert.match(home.body, /The install worked successfully!/);
    assert.match(home.body, /<link rel="stylesheet" href="\/static\/site\.[0-9a-f]{12}\.css">/, 'DEBUG off: the hashed name from collectstatic\'s manifest');
    // DEBUG is off by default: no "DEBUG is on" note, and a missing page is the plain 404.
    assert.doesNotMatch(home.body, /DEBUG is on/);
    const missing = await http(demo.port, '/no/such/page/');
    assert.equal(missing.status, 404);
    assert.doesNotMatch(missing.body, /urlpatterns/);
    assert.match(missing.body, /<h1>Not found<\/h1>[\s\S]*<code>\/no\/such\/page\/<\/code>/, 'the demo\'s templates/404.html');
  });

  it('tunnels the live chat\'s WebSocket to the framework consumer: 1,000 messages each way in order; 16 MiB closes with 1009', async () => {
    const url = `ws://${HOST}:${demo.port}/showcase/ws/chat/`;
    const ws = new WebSocket(url, { headers: { origin: `http://${HOST}:${demo.port}` } });
    const got: Array<{ from: string; text: string }> = [];
    ws.on('message', (data: Buffer) => got.push(JSON.parse(data.toString()) as { from: string; text: string }));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    for (let i = 0; i < 1000; i++) ws.send(`m${i}`);
    await waitFor('the welcome and 1,000 echoes', () => got.length >= 1001, 30_000);
    assert.match(got[0]!.text, /^welcome/);
    assert.deepEqual(got.slice(1).map((m) => `${m.from} ${m.text}`), Array.from({ length: 1000 }, (_, i) => `you m${i}`));
    const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
    ws.on('error', () => {}); // the server may stop reading the rest of the 16 MiB
    ws.send('x'.repeat(16 * 1024 * 1024));
    assert.equal(await closed, 1009, 'a message over --websocket-max-message (1 MiB) closes with 1009');
    const page = await http(demo.port, '/showcase/chat/');
    assert.equal(page.status, 200);
    assert.match(page.body, /new WebSocket/);
  });

  it('serves STATIC_URL itself from the collected files (the app server cannot: DEBUG is off)', async () => {
    for (const [path, file] of [['/static/site.css', SITE_CSS], ['/static/showcase/style.css', SHOWCASE_CSS]] as const) {
      const css = await http(demo.port, path);
      assert.equal(css.status, 200, `${path}: ${css.body}`);
      assert.match(String(css.headers['content-type']), /^text\/css/);
      assert.equal(css.body, await readFile(file, 'utf8'), `${path} is the file of the project`);
      // collectstatic keeps mtimes, and the web server's static handler dates the file it sent.
      assert.equal(css.headers['last-modified'], (await stat(file)).mtime.toUTCString(), `${path}: Last-Modified of the file on disk`);
      assert.equal(css.headers['cache-control'], 'no-cache', `${path}: an unhashed name revalidates (cache_control of examples/mysite/deploy/tsgi-webserver.toml)`);
      // Its content-hashed copy, written by collectstatic beside it, is cached for a year.
      const hash = createHash('md5').update(await readFile(file)).digest('hex').slice(0, 12);
      const hashed = await http(demo.port, path.replace(/\.css$/, `.${hash}.css`));
      assert.equal(hashed.status, 200, `${path} hashed: ${hashed.body}`);
      assert.equal(hashed.body, css.body);
      assert.equal(hashed.headers['cache-control'], 'public, max-age=31536000, immutable', `${path} hashed: immutable = true of the deploy config`);
      assert.ok(css.headers.etag, `${path}: an ETag`);
      const again = await http(demo.port, path, { headers: { 'if-none-match': css.headers.etag } });
      assert.equal(again.status, 304, 'conditional GET answered by the web server');
      assert.equal(again.body, '');
      // The same path straight at the app server: the framework does not serve static files
      // with DEBUG off, so the 200 above can only have come from the web server.
      const direct = await http(demo.appPort, path);
      assert.equal(direct.status, 404, `${path} from the app server directly`);
    }
  });

  it('accepts a form POST carrying the CSRF token of the page\'s cookie, and refuses one without', async () => {
    const page = await http(demo.port, '/showcase/?name=Ada&tag=a&tag=b');
    assert.equal(page.status, 200);
    assert.match(page.body, /Hello, Ada!/);
    const csrf = cookie(page.headers, 'csrftoken');
    const token = csrf.slice('csrftoken='.length);
    const origin = `http://${HOST}:${demo.port}`;
    const form = await http(demo.port, '/showcase/form/', {
      method: 'POST',
      headers: { cookie: csrf, origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams([['csrfmiddlewaretoken', token], ['title', 'Hello'], ['color', 'red'], ['color', 'blue']]).toString(),
    });
    assert.equal(form.status, 200, form.body);
    assert.match(form.body, /<th>title<\/th><td>Hello<\/td>/);
    assert.match(form.body, /<th>color<\/th><td>red, blue<\/td>/);
    const forged = await http(demo.port, '/showcase/form/', {
      method: 'POST',
      headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'title=Hello',
    });
    assert.equal(forged.status, 403, 'no CSRF cookie: refused');
  });

  it('passes a 5 MiB multipart upload through the proxy to the view, which spools it to a temp file', async () => {
    const origin = `http://${HOST}:${demo.port}`;
    const page = await fetch(`${origin}/showcase/`);
    const csrf = page.headers.getSetCookie().find((c) => c.startsWith('csrftoken='))?.split(';')[0];
    assert.ok(csrf, 'the page sets the CSRF cookie');
    const upload = new FormData();
    upload.append('csrfmiddlewaretoken', csrf.slice('csrftoken='.length));
    upload.append('document', new Blob([new Uint8Array(5 * 1024 * 1024).fill(1)]), 'five.bin');
    const uploaded = await fetch(`${origin}/showcase/upload/`, { method: 'POST', headers: { cookie: csrf, origin }, body: upload });
    const body = await uploaded.text();
    assert.equal(uploaded.status, 200, body);
    assert.match(body, /five\.bin · 5242880 bytes · application\/octet-stream · temp file/);
  });

  it('refuses a foreign Host: the web server passes it on, the app answers 400', async () => {
    const refusedHost = await http(demo.port, '/showcase/', { headers: { host: 'evil.example' } });
    assert.equal(refusedHost.status, 400);
    assert.doesNotMatch(refusedHost.body, /Traceback|evil\.example.*ALLOWED_HOSTS.*settings/s, 'no technical page with DEBUG off');
  });

  it('answers a JSON API route (GET and a CSRF-checked JSON POST) and typed route parameters', async () => {
    const page = await http(demo.port, '/showcase/');
    const csrf = cookie(page.headers, 'csrftoken');
    const got = await http(demo.port, '/showcase/api/?tag=a&tag=b', { headers: { accept: 'application/json' } });
    assert.equal(got.status, 200);
    assert.match(String(got.headers['content-type']), /^application\/json/);
    const json = JSON.parse(got.body) as { request: { method: string; query: Record<string, string[]>; host: string; scheme: string } };
    assert.equal(json.request.method, 'GET');
    assert.deepEqual(json.request.query, { tag: ['a', 'b'] });
    assert.equal(json.request.host, `${HOST}:${demo.port}`, 'the Host the browser sent, kept by the proxy');
    assert.equal(json.request.scheme, 'http');
    const posted = await http(demo.port, '/showcase/api/', {
      method: 'POST',
      headers: { cookie: csrf, 'x-csrftoken': csrf.slice('csrftoken='.length), origin: `http://${HOST}:${demo.port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world', n: [1, 2] }),
    });
    assert.equal(posted.status, 200, posted.body);
    assert.deepEqual((JSON.parse(posted.body) as { json: unknown }).json, { hello: 'world', n: [1, 2] });
    const item = await http(demo.port, '/showcase/items/42/');
    assert.deepEqual(JSON.parse(item.body), { id: 42, type: 'number', url: '/showcase/items/42/' });
  });

  it('shows the view the test\'s own address, passed on by the trusted web server, and not a forged one', async (t) => {
    if (!otherClientWorks) return t.skip(`cannot connect from ${OTHER_CLIENT} on this system`);
    // The app server's peer is the web server (127.0.0.1); only X-Forwarded-For/Forwarded from
    // that trusted proxy can tell the view the client is 127.0.0.2.
    const api = await http(demo.port, '/showcase/api/', { localAddress: OTHER_CLIENT });
    assert.equal(api.status, 200, api.body);
    assert.equal((JSON.parse(api.body) as { request: { client: string } }).request.client, OTHER_CLIENT);
    const forged = await http(demo.port, '/showcase/api/', { localAddress: OTHER_CLIENT, headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(forged.status, 200, forged.body);
    assert.equal((JSON.parse(forged.body) as { request: { client: string } }).request.client, OTHER_CLIENT, 'a client cannot choose its address');
    // Straight at the app server the client is the peer itself; its own X-Forwarded-For is ignored
    // because 127.0.0.2 is not a trusted proxy.
    const direct = await http(demo.appPort, '/showcase/api/', { localAddress: OTHER_CLIENT, headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal((JSON.parse(direct.body) as { request: { client: string } }).request.client, OTHER_CLIENT);
  });

  it('shows the journey of the very request that renders it; its request id is the one in both access logs', async () => {
    const home = await http(demo.port, '/');
    assert.match(home.body, /<a id="journey" href="\/journey\/">/, 'the home page links the journey page');
    const probe = '<script>alert(1)</script>';
    const page = await http(demo.port, '/journey/', {
      // Its cookie is not echoed; the probe header comes back escaped.
      headers: { 'x-journey-probe': probe, cookie: 'secret=hunter2', 'user-agent': 'journey-test' },
    });
    assert.equal(page.status, 200, page.body);
    assert.equal(page.headers['cache-control'], 'no-store');
    const shown = (id: string) => new RegExp(`id="${id}">([^<]*)<`).exec(page.body)?.[1];
    const requestId = shown('request-id');
    assert.ok(requestId && /^[0-9a-f-]{36}$/.test(requestId), `a request id made by the web server: ${requestId}`);

    // What the web server added, as the app server received it.
    const added = (name: string) => new RegExp(`<tr><th>${name}</th><td><code>([^<]*)</code>`).exec(page.body)?.[1];
    assert.equal(added('X-Forwarded-For'), HOST);
    assert.equal(added('X-Forwarded-Proto'), 'http');
    assert.equal(added('X-Forwarded-Host'), `${HOST}:${demo.port}`);
    assert.equal(added('X-Request-Id'), requestId);
    assert.match(String(added('X-Request-Start')), /^t=\d{10}\.\d{3}$/, 'proxy_set_header X-Request-Start "t=${msec}" of the deploy config');
    const queued = Number(shown('queued-ms')?.replace(/ ms$/, ''));
    assert.ok(queued >= 0 && queued < 60_000, `milliseconds from the web server to the view: ${shown('queued-ms')}`);

    // The hop, the host and the worker.
    assert.match(String(shown('hop-web')), new RegExp(`^${HOST.replaceAll('.', '\\.')}:\\d+$`), 'the web server\'s end of the upstream connection');
    assert.equal(shown('hop-app'), `${HOST}:${demo.appPort}`);
    assert.equal(shown('hostname'), hostname());
    assert.match(String(shown('software')), /^tsgi-appserver\/\d/);
    const workerId = shown('worker-id');
    assert.ok(workerId === '1' || workerId === '2', `one of the 2 workers: ${workerId}`);
    if (HAVE_PROC) assert.ok(demo.processes().appserver.includes(Number(shown('worker-pid'))), `worker pid ${shown('worker-pid')} is an app server process`);
    assert.match(String(shown('client')), new RegExp(`^${HOST.replaceAll('.', '\\.')}(?::\\d+)?$`), 'the client the view sees: through the trusted web server');
    assert.match(page.body, /came from the web server's <code>X-Forwarded-For<\/code>: the web server's address is in/, 'the app server trusted the web server');

    // The Request as the view saw it, every value escaped.
    assert.match(page.body, new RegExp(`<code>request.buildAbsoluteUri\\(\\)</code></th><td><code>http://${HOST.replaceAll('.', '\\.')}:${demo.port}/journey/</code>`));
    assert.match(page.body, /<tr><th>x-journey-probe<\/th><td><code>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/code>/);
    assert.ok(!page.body.includes(probe), 'no header value reaches the page unescaped');
    assert.ok(!page.body.includes('hunter2'), 'cookies are not echoed');
    assert.match(page.body, /<tr><th>cookie<\/th><td><code>\(not shown: 14 characters\)<\/code>/);

    // The same id ends this request's line in the web server's access log (combined_id) and in
    // the app server's (start.mjs's format), and the app server's names the worker the page names.
    const webLine = new RegExp(`^tsgi-webserver +\\| .*"GET /journey/ HTTP/1\\.1" 200 .*"${requestId}"$`, 'm');
    const appLine = new RegExp(`^tsgi-appserver +\\| .*"GET /journey/ HTTP/1\\.1" 200 .*"${requestId}" worker=(\\d+)$`, 'm');
    await waitFor('both access log lines of the request', () => webLine.test(demo.output) && appLine.test(demo.output), 30_000).catch(() => {
      assert.fail(`no access log lines with ${requestId}:\n${demo.output.split('\n').filter((l) => l.includes('/journey/')).join('\n')}`);
    });
    assert.equal(appLine.exec(demo.output)?.[1], workerId, 'the worker the page names served it');
  });

  it('stops everything on SIGTERM: the servers, their workers, the ports and the temp dir', async (t) => {
    let pids: number[] = [];
    if (HAVE_PROC) {
      const { all, appserver, webserver } = demo.processes();
      // appserver: master + 2 workers; webserver: master + its workers (workers = "auto": one per core).
      assert.ok(appserver.length >= 3, `the app server and 2 workers run: ${JSON.stringify([...all])}`);
      assert.ok(webserver.length >= 2, `the web server master and its workers run: ${JSON.stringify([...all])}`);
      pids = [...all.keys()];
    } else {
      t.diagnostic('no /proc: the process check is limited to the ports');
    }
    const tempDir = /static files from (\S+)\/static;/.exec(demo.output)?.[1];
    assert.ok(tempDir && existsSync(tempDir), 'start.mjs names its temp dir');

    demo.child.kill('SIGTERM');
    const timer = setTimeout(() => demo.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const { code, signal } = await demo.exited;
    clearTimeout(timer);
    assert.equal(signal, null, `start.mjs exited by itself, not killed:\n${demo.output}`);
    assert.equal(code, 0, demo.output);
    assert.match(demo.output, /tsgi demo: SIGTERM received/);
    assert.match(demo.output, /graceful stop complete/, 'the web server got its graceful stop (QUIT)');
    await waitFor('every child process to be gone', () => pids.every((pid) => !alive(pid)), 10_000).catch(() => {
      assert.fail(`left behind: ${pids.filter(alive).join(', ')}\n${demo.output}`);
    });
    assert.ok(await refused(demo.port), 'the web server port is closed');
    assert.ok(await refused(demo.appPort), 'the app server port is closed');
    assert.ok(!existsSync(tempDir), 'the temp STATIC_ROOT and config are removed');
  });
});

describe('npm start: a server that dies takes the chain down', () => {
  let demo: Demo;

  before(async () => {
    demo = new Demo(...((await freePorts(2)) as [number, number]));
    await demo.ready();
  });

  after(async () => {
    await demo?.kill();
  });

  it('stops the web server and exits 1 naming the app server when the app server is killed', async (t) => {
    if (!HAVE_PROC) return t.skip('needs /proc to find the processes');
    const { all, appserver } = demo.processes();
    const master = Number(/tsgi-appserver pid (\d+)/.exec(demo.output)?.[1]);
    assert.ok(appserver.includes(master), `the printed app server pid ${master} is a child: ${JSON.stringify([...all])}`);
    process.kill(master, 'SIGKILL');
    const timer = setTimeout(() => demo.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const { code, signal } = await demo.exited;
    clearTimeout(timer);
    assert.equal(signal, null, demo.output);
    assert.equal(code, 1, demo.output);
    assert.match(demo.output, new RegExp(`tsgi demo: tsgi-appserver \\(pid ${master}\\) was killed by SIGKILL; stopping the others`));
    // Its orphaned workers and the whole web server are gone too.
    await waitFor('every child process to be gone', () => [...all.keys()].every((pid) => !alive(pid)), 10_000).catch(() => {
      assert.fail(`left behind: ${[...all.keys()].filter(alive).join(', ')}\n${demo.output}`);
    });
    assert.ok(await refused(demo.port), 'the web server port is closed');
  });
});

describe('npm start: Ctrl-C', () => {
  let demo: Demo;

  before(async () => {
    demo = new Demo(...((await freePorts(2)) as [number, number]));
    await demo.ready();
  });

  after(async () => {
    await demo?.kill();
  });

  it('passes SIGINT on to the app server after the web server\'s graceful stop, and exits 0', async () => {
    const pids = HAVE_PROC ? [...demo.processes().all.keys()] : [];
    demo.child.kill('SIGINT');
    const timer = setTimeout(() => demo.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const { code, signal } = await demo.exited;
    clearTimeout(timer);
    assert.equal(signal, null, demo.output);
    assert.equal(code, 0, demo.output);
    const said = demo.output.indexOf('tsgi demo: SIGINT received');
    const webStopped = demo.output.indexOf('graceful stop complete');
    const appSignalled = demo.output.search(/tsgi-appserver .*Handling signal: int/i);
    assert.ok(said !== -1 && webStopped > said, `the web server stops first:\n${demo.output}`);
    assert.ok(appSignalled > webStopped, `then the app server gets the same SIGINT:\n${demo.output}`);
    await waitFor('every child process to be gone', () => pids.every((pid) => !alive(pid)), 10_000).catch(() => {
      assert.fail(`left behind: ${pids.filter(alive).join(', ')}\n${demo.output}`);
    });
    assert.ok(await refused(demo.port), 'the web server port is closed');
    assert.ok(await refused(demo.appPort), 'the app server port is closed');
  });
});
