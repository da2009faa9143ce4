/**
 * What a front (nginx, Apache httpd) in front of tsgi-appserver serving the demo project must
 * show, over TCP and over a unix socket: pages from the app, /static/ served by the front from
 * collectstatic, the client address and scheme the front forwards, a form POST with CSRF, a 3 MB
 * upload whose checksum the view computes, and the app's early 403 on 3 MB POSTs reaching the
 * client (never a 502). Each test file registers this suite for its front.
 * @module
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from 'tsgi-test-support';
import { DEMO_PROJECT, startDemoAppserver, type DemoAppserver } from './demo-appserver.js';
import type { FrontProcess } from './front-process.js';

const MB3 = 3 * 1024 * 1024;
/** A second loopback address (Linux routes 127/8 to lo): a client address that is not the front's own. */
const CLIENT = '127.0.0.2';
/** The X-Forwarded-Proto each front sends, as if a TLS terminator stood in front of it. */
const FORWARDED_PROTO = 'https';

/** Starts a front for the demo: `upstream` is `http://127.0.0.1:PORT` or `unix:/path/app.sock`. */
export type StartFront = (name: string, options: { upstream: string; staticRoot: string; forwardedProto: string }) => Promise<FrontProcess>;

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

interface Send {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
  readonly localAddress?: string;
}

/** One request on a fresh connection (no pool hides a reset), from `localAddress` when given. */
function send(base: string, path: string, options: Send = {}): Promise<Reply> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, localAddress: options.localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer to ${options.method ?? 'GET'} ${path} within 30 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The `csrftoken=...` pair of the Set-Cookie the page sent. */
function csrfCookie(reply: Reply): string {
  const line = (reply.headers['set-cookie'] ?? []).find((c) => c.startsWith('csrftoken='));
  assert.ok(line, `a csrftoken cookie in ${JSON.stringify(reply.headers['set-cookie'])}`);
  return line.split(';')[0]!;
}

/** A multipart/form-data body as a browser would send it, encoded by the platform's FormData. */
async function multipart(form: FormData): Promise<{ body: Buffer; type: string }> {
  const encoded = new Request('http://x/', { method: 'POST', body: form });
  return { body: Buffer.from(await encoded.arrayBuffer()), type: encoded.headers.get('content-type')! };
}

/** The suite for one front and one transport to the app server. */
function frontSuite(front: () => FrontProcess, demo: () => DemoAppserver): void {
  /** What the front printed and logged, and the app server's output, for failure messages. */
  const logs = () => `${front().output()}\ntsgi-appserver output:\n${demo().output().slice(-4000)}`;
  /** The origin the browser is at: the front's, on the scheme the TLS terminator would have. */
  const origin = () => `${FORWARDED_PROTO}://127.0.0.1:${front().port}`;

  it('pages: the home page and the showcase come from the app, a missing page is its 404', async () => {
    const home = await send(front().url, '/');
    assert.equal(home.status, 200, logs());
    assert.match(String(home.headers['content-type']), /^text\/html; charset=utf-8/);
    assert.match(home.body.toString(), /<title>mysite: it works<\/title>/);
    const showcase = await send(front().url, '/showcase/?name=Ada&tag=a&tag=b');
    assert.equal(showcase.status, 200);
    assert.match(showcase.body.toString(), /Hello, Ada!/);
    const missing = await send(front().url, '/no/such/page/');
    assert.equal(missing.status, 404);
  });

  it('static files: /static/ is served by the front from collectstatic, byte for byte the project files', async () => {
    for (const [path, file] of [
      ['/static/site.css', 'static/site.css'],
      ['/static/showcase/style.css', 'showcase/static/showcase/style.css'],
    ] as const) {
      const css = await send(front().url, path);
      assert.equal(css.status, 200, `${path}: ${logs()}`);
      assert.match(String(css.headers['content-type']), /^text\/css/);
      assert.deepEqual(css.body, readFileSync(join(DEMO_PROJECT, file)), `${path} is ${file} of the project`);
      // DEBUG is off: the app serves no static files, so the 200 came from the front.
      const direct = await send(demo().url, path);
      assert.equal(direct.status, 404, `${path} from the app server directly`);
    }
  });

  it(`client address and scheme: the view sees the client ${CLIENT} and ${FORWARDED_PROTO}, as the front forwards them`, async () => {
    const api = await send(front().url, '/showcase/api/', { localAddress: CLIENT });
    assert.equal(api.status, 200, logs());
    const { request: seen } = JSON.parse(api.body.toString()) as { request: { client: string; scheme: string; secure: boolean; host: string } };
    assert.deepEqual(seen, { ...seen, client: CLIENT, scheme: FORWARDED_PROTO, secure: true, host: `127.0.0.1:${front().port}` });
    // The front appends the peer to a client's own X-Forwarded-For: the client cannot choose its address.
    const forged = await send(front().url, '/showcase/api/', { localAddress: CLIENT, headers: { 'x-forwarded-for': '203.0.113.9' } });
    assert.equal((JSON.parse(forged.body.toString()) as { request: { client: string } }).request.client, CLIENT);
  });

  it('form POST with CSRF: the token of the page is accepted (200), no token is 403, a plain-http Origin is 403', async () => {
    const page = await send(front().url, '/showcase/');
    const cookie = csrfCookie(page);
    const token = cookie.slice('csrftoken='.length);
    const form = (originHeader: string, fields: string[][], withCookie = true) =>
      send(front().url, '/showcase/form/', {
        method: 'POST',
        headers: { ...(withCookie ? { cookie } : {}), origin: originHeader, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    const accepted = await form(origin(), [['csrfmiddlewaretoken', token], ['title', 'Hello'], ['color', 'red'], ['color', 'blue']]);
    assert.equal(accepted.status, 200, accepted.body.toString());
    assert.match(accepted.body.toString(), /<th>title<\/th><td>Hello<\/td>/);
    assert.match(accepted.body.toString(), /<th>color<\/th><td>red, blue<\/td>/);
    const noToken = await form(origin(), [['title', 'Hello']], false);
    assert.equal(noToken.status, 403, noToken.body.toString());
    assert.match(noToken.body.toString(), /CSRF verification failed/);
    // The request is https (forwarded): an http Origin is another origin, whatever the token.
    const httpOrigin = await form(`http://127.0.0.1:${front().port}`, [['csrfmiddlewaretoken', token], ['title', 'Hello']]);
    assert.equal(httpOrigin.status, 403, httpOrigin.body.toString());
  });

  it("3 MB upload: the view's sha256 of the file is the client's", async () => {
    const page = await send(front().url, '/showcase/');
    const cookie = csrfCookie(page);
    const bytes = randomBytes(MB3);
    const upload = new FormData();
    upload.append('csrfmiddlewaretoken', cookie.slice('csrftoken='.length));
    upload.append('document', new Blob([bytes]), 'three.bin');
    const { body, type } = await multipart(upload);
    const uploaded = await send(front().url, '/showcase/upload/', { method: 'POST', headers: { cookie, origin: origin(), 'content-type': type }, body });
    assert.equal(uploaded.status, 200, `${uploaded.body.toString()}\n${logs()}`);
    // The view shows the first 16 hex digits of the sha256 it computed while reading the file.
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    assert.ok(
      uploaded.body.toString().includes(`<th>document</th><td>three.bin · ${MB3} bytes · application/octet-stream · temp file · sha256 ${sha256.slice(0, 16)}…</td>`),
      `the view's row for the upload (sha256 ${sha256}):\n${uploaded.body.toString()}`,
    );
  });

  it('early 403: five 3 MB POSTs without a CSRF cookie all get the 403, never a 502', async () => {
    const body = Buffer.alloc(MB3, 0x61);
    const outcomes: Array<number | string> = [];
    for (let i = 0; i < 5; i++) {
      const reply = await send(front().url, '/showcase/form/', { method: 'POST', headers: { origin: origin(), 'content-type': 'application/x-www-form-urlencoded' }, body }).catch((error: Error & { code?: string }) => error.code ?? error.message);
      outcomes.push(typeof reply === 'string' ? reply : reply.status);
    }
    assert.deepEqual(outcomes, [403, 403, 403, 403, 403], logs());
  });
}

/**
 * Registers the suite for one front: the demo under tsgi-appserver -w 2 (started once), and the
 * front started twice, proxying over TCP and over the unix socket.
 *
 * @example
 * ```ts
 * describeDemoBehind('nginx', startNginxFront);
 * ```
 */
export function describeDemoBehind(frontName: string, startFront: StartFront): void {
  describe(`${frontName} -> tsgi-appserver -w 2 -> the demo project (examples/mysite)`, () => {
    let tmp: { dir: string; cleanup(): Promise<void> } | undefined;
    let demo: DemoAppserver | undefined;
    before(async () => {
      tmp = await tempDir('tsgi-interop-demo-');
      // The front's unprivileged workers read the static files and connect to the socket in it.
      chmodSync(tmp.dir, 0o755);
      demo = await startDemoAppserver(tmp.dir);
    });
    after(async () => {
      await demo?.stop();
      await tmp?.cleanup();
    });

    for (const transport of ['TCP', 'unix socket'] as const) {
      describe(`upstream over ${transport}`, () => {
        let front: FrontProcess | undefined;
        before(async () => {
          const upstream = transport === 'TCP' ? demo!.url : `unix:${demo!.socket}`;
          front = await startFront(`${frontName} (upstream over ${transport})`, { upstream, staticRoot: demo!.staticRoot, forwardedProto: FORWARDED_PROTO });
        });
        after(async () => {
          await front?.stop();
        });
        frontSuite(
          () => front!,
          () => demo!,
        );
      });
    }
  });
}
