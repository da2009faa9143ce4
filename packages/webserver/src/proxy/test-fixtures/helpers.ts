/**
 * Shared helpers of the proxy's tests: option objects with the contract's defaults, a front
 * server on port 0, upstream child processes, raw-socket exchanges.
 * @module
 */
import { Agent, createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ProxyPassOptions, UpstreamOptions, UpstreamServerOptions } from '../options.js';
import type { Proxy, ProxyContext } from '../types.js';
import { waitForOutput } from 'tsgi-test-support';

export const UPSTREAM_SCRIPT = fileURLToPath(new URL('./upstream.mjs', import.meta.url));

/** One `server` line with nginx's defaults. */
export function serverOptions(name: string, target: number | string, over: Partial<UpstreamServerOptions> = {}): UpstreamServerOptions {
  return {
    name,
    address: typeof target === 'number' ? { kind: 'tcp', host: '127.0.0.1', port: target } : { kind: 'unix', path: target },
    weight: 1,
    maxFails: 1,
    failTimeoutMs: 10_000,
    backup: false,
    down: false,
    maxConns: 0,
    ...over,
  };
}

/** A `proxy_pass` with the contract's defaults. */
export function passOptions(
  servers: UpstreamServerOptions[],
  over: Partial<ProxyPassOptions> = {},
  upstream: Partial<UpstreamOptions> = {},
): ProxyPassOptions {
  return {
    upstream: { name: 'app', servers, balance: 'round_robin', keepalive: 32, keepaliveTimeoutMs: 60_000, ...upstream },
    setHeaders: {},
    connectTimeoutMs: 5_000,
    readTimeoutMs: 60_000,
    sendTimeoutMs: 60_000,
    requestBuffering: true,
    buffering: true,
    bufferSize: 64 * 1024,
    maxTempFileSize: 1024 * 1024 * 1024,
    tempPath: tmpdir(),
    nextUpstreamTries: 0,
    retryNonIdempotent: false,
    websocket: true,
    trustedProxies: ['127.0.0.0/8', '::1'],
    earlyHints: 'off',
    passTrailers: true,
    ...over,
  };
}

/** A cleartext HTTP/2 front on 127.0.0.1:0 handing every request to `proxy` as an https request would be. */
export async function startH2Front(proxy: Proxy): Promise<{ front: Http2Server; port: number }> {
  const front = createH2Server((req, res) =>
    proxy.handle(req as unknown as IncomingMessage, res as unknown as ServerResponse, {
      remoteAddress: req.socket.remoteAddress ?? '',
      scheme: 'https',
      host: req.authority,
      serverPort: 443,
      locationPrefix: '/',
    }),
  );
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return { front, port: (front.address() as AddressInfo).port };
}

/** A front server on 127.0.0.1:0 handing everything to `proxy` (requests and upgrades). */
export async function startFront(
  proxy: Proxy,
  ctxOver: Partial<ProxyContext> = {},
  onCtx?: (ctx: ProxyContext) => void,
): Promise<{ port: number; server: Server; close: () => Promise<void> }> {
  const ctxFor = (req: { socket: { remoteAddress?: string; remotePort?: number }; headers: IncomingHttpHeaders }): ProxyContext => {
    const ctx: ProxyContext = {
      remoteAddress: req.socket.remoteAddress ?? '',
      remotePort: req.socket.remotePort,
      scheme: 'http',
      host: req.headers.host ?? '',
      serverPort: port,
      locationPrefix: '/',
      ...ctxOver,
    };
    onCtx?.(ctx);
    return ctx;
  };
  const server = createServer((req, res) => proxy.handle(req, res, ctxFor(req)));
  server.on('upgrade', (req, socket, head) => proxy.upgrade(req, socket, head, ctxFor(req)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** An upstream child process (test-fixtures/upstream.mjs). */
export interface UpstreamProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** kill -9, resolves when it is gone. */
  kill(): Promise<void>;
}

export async function spawnUpstream(name: string, extra: string[] = []): Promise<UpstreamProcess> {
  const child = spawn(process.execPath, [UPSTREAM_SCRIPT, '--name', name, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  // Its first line is JSON with the port it listens on.
  const [, first] = await waitForOutput(child, /^(.*)\n/, { timeoutMs: 20_000, what: `upstream ${name}` });
  const port = (JSON.parse(first!) as { port?: number }).port ?? 0;
  return {
    port,
    child,
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** A finished HTTP exchange. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** One request over a fresh connection (no pooling surprises in tests). */
export function fetchRaw(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string> | string[]; body?: Buffer | string; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error('test request timed out')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** GET `path` through `agent` (keep-alive); never rejects: a network error is status 0. */
export function getVia(agent: Agent, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body }));
    });
    req.setTimeout(20_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

/**
 * Sends `total` GETs of `path` from `concurrency` keep-alive clients and calls `atQuarter` once,
 * when a quarter are sent (the kill -9 in failover tests). Resolves the count of each status and
 * of each (trimmed) body.
 */
export async function loadWithKill(
  port: number,
  options: { total: number; concurrency: number; path: string; atQuarter: () => void },
): Promise<{ statuses: Map<number, number>; bodies: Map<string, number> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const statuses = new Map<number, number>();
  const bodies = new Map<string, number>();
  let sent = 0;
  const client = async (): Promise<void> => {
    while (sent < options.total) {
      sent++;
      if (sent === Math.ceil(options.total / 4)) options.atQuarter();
      const r = await getVia(agent, port, options.path);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      bodies.set(r.body.trim(), (bodies.get(r.body.trim()) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, client));
  } finally {
    agent.destroy();
  }
  return { statuses, bodies };
}
