/**
 * Binds through the real server: unix sockets with --umask, IPv6, fd://N, systemd socket
 * activation (LISTEN_FDS/LISTEN_PID) and TLS with --certfile/--keyfile.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { Agent as HttpsAgent, get as httpsGet } from 'node:https';
import * as net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawnAppserver, tempProject } from './testing/spawn-appserver.js';

const APP = `export const application = {
  async fetch(request: Request, context: { scheme: string; localPort: number; remoteAddress: string; client: { address: string }; encrypted: boolean; log: { info(m: string): void } }) {
    if (new URL(request.url).pathname === '/slow') {
      context.log.info('slow request arrived');
      await new Promise((r) => setTimeout(r, 500));
    }
    if (new URL(request.url).pathname === '/client') return new Response(\`\${context.client.address || 'none'} \${context.scheme}\`);
    return new Response(\`\${context.scheme} \${context.encrypted} \${request.url} peer=\${context.remoteAddress || 'none'}\`);
  },
};
`;

function getText(options: { socketPath?: string; host?: string; port?: number; localAddress?: string; path?: string; headers?: Record<string, string> }): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet({ path: '/', ...options, headers: { host: 'example.test', connection: 'close', ...options.headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** A bound, not listening, TCP socket of this process (as systemd or a supervisor would pass). */
function boundFd(): { fd: number; port: number; close(): void } {
  const create = (net as unknown as { _createServerHandle: (a: string, p: number, t: number, fd: undefined, f: number) => { fd: number; close(): void; getsockname(o: object): void } })._createServerHandle;
  const handle = create('127.0.0.1', 0, 4, undefined, 0);
  const out: { port?: number } = {};
  handle.getsockname(out);
  return { fd: handle.fd, port: out.port!, close: () => handle.close() };
}

describe('binds', () => {
  let project: ReturnType<typeof tempProject>;
  before(() => {
    project = tempProject();
    writeFileSync(join(project.dir, 'app.ts'), APP);
  });
  after(() => project.remove());

  it('serves a unix socket with the permissions --umask gives, and removes it on exit', async () => {
    const path = join(project.dir, 'app.sock');
    const p = spawnAppserver(['-b', `unix:${path}`, '--umask', '007', 'app.ts'], { cwd: project.dir });
    try {
      await p.waitFor(/Ready: 1 worker/);
      assert.match(p.output(), new RegExp(`Listening at: unix:${path} `));
      assert.equal(statSync(path).mode & 0o777, 0o770);
      assert.equal(await getText({ socketPath: path }), 'http false http://example.test/ peer=none');
    } finally {
      assert.equal(await p.stop(), 0);
    }
    assert.equal(existsSync(path), false);
  });

  it('by default creates a unix socket srwxrwxrwx (umask 000, as Gunicorn) and believes its peer\'s X-Forwarded-*', async () => {
    const path = join(project.dir, 'open.sock');
    const p = spawnAppserver(['-b', `unix:${path}`, '--forwarded-allow-ips', '*', 'app.ts'], { cwd: project.dir });
    const forwarded = { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' };
    try {
      await p.waitFor(/Ready: 1 worker/);
      assert.equal(statSync(path).mode & 0o777, 0o777);
      assert.equal(await getText({ socketPath: path, path: '/client', headers: forwarded }), '198.51.100.7 https');
      assert.equal(await getText({ socketPath: path, path: '/client' }), 'none http');
    } finally {
      assert.equal(await p.stop(), 0);
    }
  });

  it('--forwarded-allow-ips "" trusts no one, not even a unix-socket peer', async () => {
    const path = join(project.dir, 'closed.sock');
    const p = spawnAppserver(['-b', `unix:${path}`, '--forwarded-allow-ips', '', 'app.ts'], { cwd: project.dir });
    try {
      await p.waitFor(/Ready: 1 worker/);
      assert.equal(await getText({ socketPath: path, path: '/client', headers: { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' } }), 'none http');
    } finally {
      assert.equal(await p.stop(), 0);
    }
  });

  it('by default trusts X-Forwarded-* from all of 127.0.0.0/8 and ::1 (SPEC 3.2.1), not from elsewhere', async () => {
    const p = spawnAppserver(['-b', '127.0.0.1:0', '-b', '[::1]:0', 'app.ts'], { cwd: project.dir });
    const headers = { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' };
    try {
      const [, v4, v6] = (await p.waitFor(/Listening at: http:\/\/127\.0\.0\.1:(\d+),http:\/\/\[::1\]:(\d+) /)) as unknown as string[];
      await p.waitFor(/Ready: 1 worker/);
      assert.equal(await getText({ host: '127.0.0.1', port: Number(v4), localAddress: '127.0.0.2', path: '/client', headers }), '198.51.100.7 https');
      assert.equal(await getText({ host: '::1', port: Number(v6), path: '/client', headers }), '198.51.100.7 https');
    } finally {
      await p.stop();
    }
    const narrow = spawnAppserver(['-b', '127.0.0.1:0', '--forwarded-allow-ips', '127.0.0.1', 'app.ts'], { cwd: project.dir });
    try {
      const [, port] = (await narrow.waitFor(/Listening at: http:\/\/127\.0\.0\.1:(\d+) /)) as unknown as string[];
      await narrow.waitFor(/Ready: 1 worker/);
      assert.equal(await getText({ host: '127.0.0.1', port: Number(port), localAddress: '127.0.0.2', path: '/client', headers }), '127.0.0.2 http');
    } finally {
      await narrow.stop();
    }
  });

  it('serves TCP on IPv4 and IPv6 at once', async () => {
    const p = spawnAppserver(['-b', '127.0.0.1:0', '-b', '[::1]:0', 'app.ts'], { cwd: project.dir });
    try {
      const [, v4, v6] = (await p.waitFor(/Listening at: http:\/\/127\.0\.0\.1:(\d+),http:\/\/\[::1\]:(\d+) /)) as unknown as string[];
      await p.waitFor(/Ready: 1 worker/);
      assert.match(await getText({ host: '127.0.0.1', port: Number(v4) }), /peer=127\.0\.0\.1$/);
      assert.match(await getText({ host: '::1', port: Number(v6) }), /peer=::1$/);
    } finally {
      await p.stop();
    }
  });

  it('serves an inherited socket given as fd://3', async () => {
    const sock = boundFd();
    const p = spawnAppserver(['-b', 'fd://3', 'app.ts'], { cwd: project.dir, passFds: [sock.fd] });
    sock.close();
    try {
      await p.waitFor(/Listening at: fd:\/\/3 /);
      await p.waitFor(/Ready: 1 worker/);
      assert.match(await getText({ host: '127.0.0.1', port: sock.port }), /^http false http:\/\/example\.test\//);
    } finally {
      await p.stop();
    }
  });

  it('uses systemd sockets (LISTEN_FDS, LISTEN_PID) instead of --bind', async () => {
    const sock = boundFd();
    const p = spawnAppserver(['-b', '127.0.0.1:1', 'app.ts'], { cwd: project.dir, passFds: [sock.fd], shellPrefix: 'LISTEN_FDS=1 LISTEN_PID=$$' });
    sock.close();
    try {
      await p.waitFor(/Using 1 socket\(s\) from systemd/);
      await p.waitFor(/Ready: 1 worker/);
      assert.match(await getText({ host: '127.0.0.1', port: sock.port }), /^http false/);
    } finally {
      await p.stop();
    }
  });

  it('a bind that fails names the address and why (exit 1)', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const p = spawnAppserver(['-b', `127.0.0.1:${port}`, 'app.ts'], { cwd: project.dir });
      assert.equal(await p.exited(), 1);
      assert.match(p.output(), new RegExp(`cannot bind 127\\.0\\.0\\.1:${port}: EADDRINUSE: the address is already in use`));
    } finally {
      blocker.close();
    }
  });

  it('serves HTTPS with --certfile and --keyfile; the app sees scheme https; TERM drains a TLS connection', async () => {
    const cert = join(project.dir, 'cert.pem');
    const key = join(project.dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const p = spawnAppserver(['-b', '127.0.0.1:0', '--certfile', cert, '--keyfile', key, 'app.ts'], { cwd: project.dir });
    try {
      const [, port] = (await p.waitFor(/Listening at: https:\/\/127\.0\.0\.1:(\d+) /)) as unknown as string[];
      await p.waitFor(/Ready: 1 worker/);
      // One keep-alive agent: the second request reuses the first one's TLS connection.
      const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
      const get = (path: string) =>
        new Promise<string>((resolve, reject) => {
          httpsGet({ host: '127.0.0.1', port: Number(port), path, agent, servername: 'localhost', ca: [execFileSync('cat', [cert])], headers: { host: 'localhost' } }, (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(text));
          }).on('error', reject);
        });
      assert.equal(await get('/tls'), 'https true https://localhost/tls peer=127.0.0.1');
      // The requests arrive on the TLS socket, not the TCP one under it: the drain must see the
      // one in flight there and let it finish, then close the connection so the worker exits.
      const slow = get('/slow');
      await p.waitFor(/slow request arrived/);
      p.child.kill('SIGTERM');
      assert.equal(await slow, 'https true https://localhost/slow peer=127.0.0.1');
      assert.equal(await p.exited(), 0);
      agent.destroy();
    } finally {
      await p.stop();
    }
  });
});
