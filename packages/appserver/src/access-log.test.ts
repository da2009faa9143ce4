/**
 * The access log through the real server: Gunicorn's default format to a file, a custom format
 * with request-time, pid, worker and header atoms, JSON lines to stdout, a Node app's bytes and
 * headers read the same way as a TSGI app's, and a client that hangs up logged at debug (not
 * as an error).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compileAccessFormat } from './access-log.js';
import { spawnAppserver, startAppserver, tempProject } from './testing/spawn-appserver.js';
import { waitFor } from 'tsgi-test-support';

const APP = `export const application = (request: Request) => {
  const path = new URL(request.url).pathname;
  if (path === '/slow') {
    let timer: NodeJS.Timeout;
    return new Response(new ReadableStream({
      start(c) { c.enqueue(new TextEncoder().encode('first\\n')); timer = setInterval(() => c.enqueue(new TextEncoder().encode('more\\n')), 50); },
      cancel() { clearInterval(timer); },
    }));
  }
  return new Response('hello', { status: path === '/missing' ? 404 : 200, headers: { 'x-out': 'yes' } });
};
`;

describe('access log', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.ts'), APP);
  });
  after(() => project.remove());

  it('writes Gunicorn\'s default format to --access-logfile', async () => {
    const file = join(project.dir, 'access.log');
    const server = await startAppserver(['--access-logfile', file, 'app.ts'], { cwd: project.dir });
    try {
      await (await fetch(`${server.url}/missing?q=1`, { headers: { referer: 'http://ref.example/', 'user-agent': 'test-agent "quoted"' } })).text();
      const line = await waitFor(() => readFileSync(file, 'utf8').split('\n').find((l) => l.includes('/missing')), { what: 'the access log line' });
      assert.match(line, /^127\.0\.0\.1 - - \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\] "GET \/missing\?q=1 HTTP\/1\.1" 404 5 "http:\/\/ref\.example\/" "test-agent \\x22quoted\\x22"$/);
    } finally {
      await server.stop();
    }
  });

  it('supports request time, pid, worker id and header atoms, and JSON lines on stdout', async () => {
    const server = await startAppserver(['--access-logfile', '-', '--access-logformat', 'T=%(L)s P=%(p)s W=%(w)s IN=%({x-in}i)s OUT=%({x-out}o)s U=%(U)s Q=%(q)s', 'app.ts'], { cwd: project.dir });
    try {
      await (await fetch(`${server.url}/a/b?c=d`, { headers: { 'x-in': 'v1' } })).text();
      const [line] = await server.waitFor(/T=.*U=\/a\/b.*/);
      assert.match(line, /^T=\d+\.\d{6} P=<\d+> W=1 IN=v1 OUT=yes U=\/a\/b Q=c=d$/);
    } finally {
      await server.stop();
    }
    const json = await startAppserver(['--access-logfile', '-', '--access-log-json', 'app.ts'], { cwd: project.dir });
    try {
      await (await fetch(`${json.url}/j`)).text();
      const [line] = await json.waitFor(/\{"time".*"url":"\/j".*\}/);
      const entry = JSON.parse(line) as Record<string, unknown>;
      assert.equal(entry.method, 'GET');
      assert.equal(entry.status, 200);
      assert.equal(entry.bytes, 5);
      assert.equal(entry.worker, 1);
      assert.equal(typeof entry.duration_ms, 'number');
    } finally {
      await json.stop();
    }
  });

  it('counts a Node app\'s body bytes and writeHead headers as it does a TSGI app\'s', async () => {
    writeFileSync(
      join(project.dir, 'node-app.ts'),
      `import type { IncomingMessage, ServerResponse } from 'node:http';
export const application = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(201, { 'x-out': 'node' });
  res.write('abc');
  res.write(Buffer.from('de'));
  res.end('\u00e9', 'utf8');
};
`,
    );
    const server = await startAppserver(['--interface', 'node', '--access-logfile', '-', '--access-logformat', 'N %(s)s %(B)s OUT=%({x-out}o)s U=%(U)s', 'node-app.ts'], { cwd: project.dir });
    try {
      assert.equal(await (await fetch(`${server.url}/n`)).text(), 'abcde\u00e9');
      const [line] = await server.waitFor(/N \d+ .*U=\/n/);
      assert.equal(line, 'N 201 7 OUT=node U=/n');
    } finally {
      await server.stop();
    }
  });

  it('logs a client that hangs up mid-response at debug, not as an error', async () => {
    const server = await startAppserver(['--log-level', 'debug', '--access-logfile', '-', 'app.ts'], { cwd: project.dir });
    try {
      const { port } = new URL(server.url);
      await new Promise<void>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/slow' }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve() : reject(e)));
        req.end();
      });
      await server.waitFor(/\[DEBUG\] client closed the connection before the response was complete: GET \/slow/);
      assert.doesNotMatch(server.output(), /\[(ERROR|CRITICAL)\]/);
    } finally {
      await server.stop();
    }
  });

  it('SIGUSR1 reopens the access and error logs (after logrotate moved them)', async () => {
    const access = join(project.dir, 'rot-access.log');
    const errors = join(project.dir, 'rot-error.log');
    const spawned = spawnAppserver(['-b', '127.0.0.1:0', '--access-logfile', access, '--error-logfile', errors, 'app.ts'], { cwd: project.dir });
    try {
      // The error log goes to the file, so readiness is read there.
      const ready = await waitFor(() => (existsSync(errors) && /Ready: 1 worker/.test(readFileSync(errors, 'utf8')) ? readFileSync(errors, 'utf8') : undefined), { timeoutMs: 60_000, what: 'the server to start' });
      const server = Object.assign(spawned, { url: /Listening at: (\S+) \(/.exec(ready)![1]! });
      await (await fetch(`${server.url}/before`)).text();
      await waitFor(() => readFileSync(access, 'utf8').includes('/before'), { what: 'the first line' });
      renameSync(access, `${access}.1`);
      renameSync(errors, `${errors}.1`);
      server.child.kill('SIGUSR1');
      await waitFor(() => existsSync(errors), { what: 'a new error log' });
      // The master passes USR1 on to the worker, which reopens a moment later: requests until
      // then still (rightly) go to the moved file, so ask until one lands in the new one.
      let marker = '';
      const deadline = Date.now() + 30_000;
      for (let i = 0; i < 1_000 && marker === '' && Date.now() < deadline; i++) {
        const path = `/after-${i}-end`;
        await (await fetch(`${server.url}${path}`)).text();
        const logged = (file: string) => existsSync(file) && readFileSync(file, 'utf8').includes(path);
        // The line lands in one of the two files: wait for it, then see which.
        await waitFor(() => logged(access) || logged(`${access}.1`), { what: `the access log line for ${path}` });
        if (logged(access)) marker = path;
      }
      assert.notEqual(marker, '', 'no request reached the new access log within 30 s');
      assert.ok(!readFileSync(`${access}.1`, 'utf8').includes(marker), 'a request after the reopen was written to the moved file');
      assert.match(readFileSync(`${errors}.1`, 'utf8'), /Handling signal: usr1/);
    } finally {
      await spawned.stop();
    }
    assert.match(readFileSync(errors, 'utf8'), /Shutting down: Master/, 'the master writes to the new error log');
  });

  it('logs the request id the app saw: a new one when none came, a trusted peer\'s kept, an untrusted one replaced', async () => {
    writeFileSync(join(project.dir, 'id-app.ts'), `export const application = (request: Request) => new Response(request.headers.get('x-request-id'));\n`);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const json = await startAppserver(['--access-logfile', '-', '--access-log-json', 'id-app.ts'], { cwd: project.dir });
    try {
      const made = await (await fetch(`${json.url}/none`)).text();
      assert.match(made, uuid, 'no X-Request-Id: the appserver makes one');
      const [line] = await json.waitFor(/\{"time".*"url":"\/none".*\}/);
      assert.equal((JSON.parse(line) as Record<string, unknown>).request_id, made, 'the JSON line has the id the app saw');
      assert.equal(await (await fetch(`${json.url}/kept`, { headers: { 'x-request-id': 'abc-123' } })).text(), 'abc-123', 'loopback is trusted by default');
      const [kept] = await json.waitFor(/\{"time".*"url":"\/kept".*\}/);
      assert.equal((JSON.parse(kept) as Record<string, unknown>).request_id, 'abc-123');
      const spaced = await (await fetch(`${json.url}/invalid`, { headers: { 'x-request-id': 'a b' } })).text();
      assert.match(spaced, uuid, 'an invalid id from a trusted peer is replaced');
      const [invalid] = await json.waitFor(/\{"time".*"url":"\/invalid".*\}/);
      assert.equal((JSON.parse(invalid) as Record<string, unknown>).request_id, spaced);
    } finally {
      await json.stop();
    }
    const text = await startAppserver(['--access-logfile', '-', '--access-logformat', 'ID %(U)s %({x-request-id}i)s', '--forwarded-allow-ips', '', 'id-app.ts'], { cwd: project.dir });
    try {
      const replaced = await (await fetch(`${text.url}/untrusted`, { headers: { 'x-request-id': 'abc-123' } })).text();
      assert.match(replaced, uuid, 'an untrusted peer\'s id is replaced');
      await text.waitFor(new RegExp(`^ID /untrusted ${replaced}$`, 'm'));
    } finally {
      await text.stop();
    }
  });

  it('gives a Node (req, res) app the same request id: made when none came, a trusted peer\'s kept, in the app and the log', async () => {
    writeFileSync(join(project.dir, 'id-node-app.ts'), `export const application = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => res.end(String(req.headers['x-request-id']));\n`);
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const server = await startAppserver(['--access-logfile', '-', '--access-logformat', 'ID %(U)s %({x-request-id}i)s', '--interface', 'node', 'id-node-app.ts'], { cwd: project.dir });
    try {
      const made = await (await fetch(`${server.url}/none`)).text();
      assert.match(made, uuid, 'no X-Request-Id: the appserver makes one for a Node app too');
      await server.waitFor(new RegExp(`^ID /none ${made}$`, 'm'));
      assert.equal(await (await fetch(`${server.url}/kept`, { headers: { 'x-request-id': 'abc-123' } })).text(), 'abc-123', 'loopback is trusted by default');
      await server.waitFor(/^ID \/kept abc-123$/m);
    } finally {
      await server.stop();
    }
  });

  it('refuses an unknown atom when the format is compiled', () => {
    assert.throws(() => compileAccessFormat('%(nope)s'), /unknown atom %\(nope\)s; known atoms: h l u t r/);
  });
});
