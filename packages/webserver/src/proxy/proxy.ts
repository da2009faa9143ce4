/**
 * The reverse proxy for one `proxy_pass`. The life of one request, in order:
 *
 * 1. framing checks (400 for anything ambiguous), request id;
 * 2. request body read fully (memory, then temp file) unless `requestBuffering` is off;
 * 3. a server picked by the balancer; connect (connectTimeoutMs), send (sendTimeoutMs);
 * 4. on failure, the next server when it is safe (see {@link canRetry}), else 502/504;
 * 5. response headers filtered and sent; body pumped (buffered or streamed);
 * 6. whatever happens, temp files closed and the upstream request cancelled if the client left.
 * @module
 */
import { request } from 'node:http';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { ProxyPassOptions } from './options.js';
import type { Proxy, ProxyContext, ProxyDeps, ProxyStats } from './types.js';
import { UpstreamRegistry } from './upstream-registry.js';
import type { UpstreamGroup } from './upstream-registry.js';
import type { UpstreamServer } from './upstream-server.js';
import { TrustedProxies } from './trusted-proxies.js';
import { checkRequestFraming } from './framing.js';
import { buildRequestHeaders, compileTemplate, filterResponseHeaders } from './headers.js';
import type { HeaderTemplate } from './headers.js';
import { BufferedBody } from './request-body.js';
import { ResponsePump } from './response-pump.js';
import { ProxyError, ProxyErrorCode, statusFor } from './errors.js';
import { responseOnSocket, tunnel } from './tunnel.js';

/** RFC 9110 section 9.2.2: methods whose repetition has the same effect as one request. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Headers `setHeaders` may not touch: they carry the framing, which the proxy alone decides. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade', 'keep-alive', 'te']);

/** A request id from a trusted peer is kept only if it looks like one. */
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 501: 'Not Implemented', 502: 'Bad Gateway', 504: 'Gateway Timeout' };

/** Per-request state across tries. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly ctx: ProxyContext;
  readonly method: string;
  readonly path: string;
  readonly trusted: boolean;
  readonly tried: Set<UpstreamServer>;
  readonly start: number;
  /** Buffered body, `'stream'` (unbuffered, sent once) or none. */
  body: BufferedBody | 'stream' | undefined;
  /** The client connection closed before the response was complete. */
  clientGone: boolean;
  current: ClientRequest | undefined;
  /** Response headers went to the client: nothing can be retried or answered any more. */
  responded: boolean;
  addrs: string[];
}

/**
 * Makes the proxy of one location.
 *
 * @example
 * ```ts
 * const registry = new UpstreamRegistry();
 * const proxy = createProxy(location.proxyPass, { registry, log: errorLog });
 * server.on('request', (req, res) => proxy.handle(req, res, {
 *   remoteAddress: req.socket.remoteAddress ?? '', remotePort: req.socket.remotePort,
 *   scheme: 'http', host: req.headers.host ?? '', serverPort: 8080, locationPrefix: '/',
 * }));
 * server.on('upgrade', (req, socket, head) => proxy.upgrade(req, socket, head, ctxFor(req)));
 * ```
 */
export function createProxy(pass: ProxyPassOptions, deps: ProxyDeps = {}): Proxy {
  return new ReverseProxy(pass, deps);
}

class ReverseProxy implements Proxy {
  readonly #pass: ProxyPassOptions;
  readonly #registry: UpstreamRegistry;
  readonly #ownRegistry: boolean;
  readonly #group: UpstreamGroup;
  readonly #trusted: TrustedProxies;
  readonly #set: Map<string, { name: string; value: HeaderTemplate | undefined }>;
  readonly #hashKey: HeaderTemplate | undefined;
  readonly #log: NonNullable<ProxyDeps['log']>;
  readonly #maxTries: number;
  readonly #inflight = new Set<Exchange>();
  readonly #tunnels = new Set<Duplex>();
  #requests = 0;
  #badGateway = 0;
  #gatewayTimeout = 0;
  #retries = 0;
  #upgrades = 0;
  #closed = false;

  constructor(pass: ProxyPassOptions, deps: ProxyDeps) {
    this.#pass = pass;
    this.#ownRegistry = deps.registry === undefined;
    this.#registry = deps.registry ?? new UpstreamRegistry();
    this.#group = this.#registry.get(pass.upstream);
    this.#trusted = new TrustedProxies(pass.trustedProxies);
    this.#log = deps.log ?? (() => undefined);
    this.#set = new Map();
    for (const [name, value] of Object.entries(pass.setHeaders)) {
      const lower = name.toLowerCase();
      if (FRAMING_HEADERS.has(lower)) throw new TypeError(`setHeaders: "${name}" carries message framing and cannot be set`);
      this.#set.set(lower, { name, value: value === '' ? undefined : compileTemplate(value) });
    }
    const key = pass.upstream.hashKey;
    this.#hashKey = key ? compileHashKey(key) : undefined;
    const n = pass.upstream.servers.length;
    this.#maxTries = pass.nextUpstreamTries > 0 ? Math.min(pass.nextUpstreamTries, n) : n;
  }

  handle(req: IncomingMessage, res: ServerResponse, ctx: ProxyContext): void {
    try {
      this.#handle(req, res, ctx);
    } catch (err) {
      this.#log('error', 'proxy: unexpected error', { err, requestId: ctx.requestId });
      if (!res.headersSent) this.#answer(res, 502, true);
      else res.destroy();
    }
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: ProxyContext): void {
    this.#upgrades++;
    this.#requests++;
    try {
      const err = checkRequestFraming(req.rawHeaders);
      if (err) {
        socket.end(`HTTP/1.1 ${err.status} ${STATUS_TEXT[err.status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      const protocol = String(req.headers.upgrade ?? '').toLowerCase();
      if (!this.#pass.websocket || protocol.includes('h2c') || this.#closed) {
        // RFC 9113 3.1: h2c is never forwarded; nor is any upgrade when tunnelling is off. The
        // request goes up as plain HTTP/1.1 (its Upgrade header is hop-by-hop, hence stripped).
        this.#requests--;
        this.#upgrades--;
        if (requestHasBody(req)) {
          socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          return;
        }
        this.handle(req, responseOnSocket(req, socket), ctx);
        return;
      }
      const trusted = this.#trusted.has(ctx.remoteAddress);
      this.#assignRequestId(req, ctx, trusted);
      this.#tunnels.add(socket);
      socket.once('close', () => this.#tunnels.delete(socket));
      tunnel({
        req,
        socket,
        head,
        ctx,
        trusted,
        pass: this.#pass,
        group: this.#group,
        path: this.#path(req, ctx),
        maxTries: this.#maxTries,
        set: this.#set,
        hashKey: this.#hashKey,
        log: this.#log,
        onStatus: (status) => {
          if (status === 502) this.#badGateway++;
          else if (status === 504) this.#gatewayTimeout++;
        },
      });
    } catch (err) {
      this.#log('error', 'proxy: unexpected error in upgrade', { err, requestId: ctx.requestId });
      socket.destroy();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const x of this.#inflight) {
      x.current?.destroy();
      if (!x.res.headersSent) this.#answer(x.res, 502, true);
      else x.res.destroy();
    }
    for (const s of this.#tunnels) s.destroy();
    if (this.#ownRegistry) this.#registry.close();
  }

  stats(): ProxyStats {
    return {
      requests: this.#requests,
      active: this.#inflight.size,
      badGateway: this.#badGateway,
      gatewayTimeout: this.#gatewayTimeout,
      retries: this.#retries,
      upgrades: this.#upgrades,
      upstream: this.#group.stats(),
    };
  }

  #assignRequestId(req: IncomingMessage, ctx: ProxyContext, trusted: boolean): void {
    if (ctx.requestId) return;
    const given = req.headers['x-request-id'];
    ctx.requestId = trusted && typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  }

  /** The upstream request target: origin-form, with the location prefix replaced when `uri` is set (nginx rule). */
  #path(req: IncomingMessage, ctx: ProxyContext): string {
    let url = req.url ?? '/';
    if (url.charCodeAt(0) !== 47 /* '/' */) {
      // absolute-form (RFC 9112 3.2.2) is answered as origin-form; asterisk-form stays.
      if (url !== '*') {
        try {
          const u = new URL(url);
          url = u.pathname + u.search;
        } catch {
          url = '/';
        }
      }
    }
    const uri = this.#pass.uri;
    if (uri !== undefined && url.startsWith(ctx.locationPrefix)) url = uri + url.slice(ctx.locationPrefix.length);
    return url;
  }

  #handle(req: IncomingMessage, res: ServerResponse, ctx: ProxyContext): void {
    this.#requests++;
    const framing = checkRequestFraming(req.rawHeaders);
    if (framing) {
      this.#log('info', `proxy: refused request: ${framing.message}`, { code: framing.code, remoteAddress: ctx.remoteAddress });
      this.#answer(res, framing.status, true);
      return;
    }
    const trusted = this.#trusted.has(ctx.remoteAddress);
    this.#assignRequestId(req, ctx, trusted);
    const x: Exchange = {
      req,
      res,
      ctx,
      method: req.method ?? 'GET',
      path: this.#path(req, ctx),
      trusted,
      tried: new Set(),
      start: Date.now(),
      body: undefined,
      clientGone: false,
      current: undefined,
      responded: false,
      addrs: [],
    };
    this.#inflight.add(x);
    res.once('close', () => {
      this.#inflight.delete(x);
      if (!res.writableFinished) {
        // The client went away: cancel the upstream request, free its connection and the body file.
        x.clientGone = true;
        x.current?.destroy();
      }
      if (x.body instanceof BufferedBody) void x.body.dispose();
    });
    if (this.#closed) {
      this.#answer(res, 502, true);
      return;
    }
    if (!requestHasBody(req)) {
      this.#attempt(x);
    } else if (this.#pass.requestBuffering) {
      BufferedBody.read(req, this.#pass.bufferSize, this.#pass.tempPath).then(
        (body) => {
          if (x.clientGone || res.destroyed) {
            void body.dispose();
            return;
          }
          x.body = body;
          this.#attempt(x);
        },
        (err: Error) => {
          // The client went away or broke the body framing while uploading: nothing was forwarded.
          this.#log('debug', 'proxy: client request body failed', { err, requestId: ctx.requestId });
          if (!res.headersSent && !res.destroyed) this.#answer(res, 400, true);
        },
      );
    } else {
      x.body = 'stream';
      this.#attempt(x);
    }
  }

  /** One try on the next server. */
  #attempt(x: Exchange, lastError?: Error): void {
    if (x.clientGone) return;
    const server = x.tried.size < this.#maxTries ? this.#pick(x) : undefined;
    if (!server) {
      const err = lastError ?? new ProxyError(ProxyErrorCode.NO_LIVE_UPSTREAMS, `no live upstreams in "${this.#pass.upstream.name}"`);
      this.#fail(x, err);
      return;
    }
    if (x.tried.size > 0) this.#retries++;
    x.tried.add(server);
    x.addrs.push(server.options.name);
    server.active++;
    server.requests++;
    const pass = this.#pass;
    const body = x.body;
    const len = body instanceof BufferedBody ? body.length : body === 'stream' ? streamLength(x.req) : undefined;
    const headers = buildRequestHeaders(x.req.rawHeaders, { ctx: x.ctx, trusted: x.trusted, body: len, set: this.#set });
    const up = request({
      ...server.target,
      agent: server.agent,
      method: x.method,
      path: x.path,
      headers,
      setHost: false,
    });
    x.current = up;
    let connected = false;
    let reused = false;
    let settled = false;
    let bodyStarted = false;
    const release = (ok: boolean, err?: Error): void => {
      if (settled) return;
      settled = true;
      server.active--;
      if (ok) server.recordSuccess();
      else if (!x.clientGone) {
        server.recordFailure(Date.now());
        this.#log('warn', `proxy: upstream ${server.options.name} failed: ${err?.message ?? 'error'}`, { code: (err as { code?: string } | undefined)?.code, requestId: x.ctx.requestId });
      }
    };
    let timer: NodeJS.Timeout | undefined;
    up.on('socket', (socket: Socket) => {
      if (socket.connecting) {
        timer = setTimeout(() => up.destroy(new ProxyError(ProxyErrorCode.CONNECT_TIMEOUT, `connect to ${server.options.name} timed out`)), pass.connectTimeoutMs);
        socket.once('connect', () => {
          clearTimeout(timer);
          connected = true;
          onConnected();
        });
      } else {
        connected = true;
        reused = true;
        onConnected();
      }
    });
    const onConnected = (): void => {
      if (settled || x.clientGone) return;
      // Send phase: the longest silence while the request goes out; then the read phase.
      up.setTimeout(pass.sendTimeoutMs);
      if (body === 'stream') {
        bodyStarted = true;
        x.req.pipe(up);
      }
    };
    up.on('finish', () => up.setTimeout(pass.readTimeoutMs));
    up.on('timeout', () => {
      const code = up.writableFinished ? ProxyErrorCode.READ_TIMEOUT : ProxyErrorCode.SEND_TIMEOUT;
      up.destroy(new ProxyError(code, `upstream ${server.options.name} ${code === ProxyErrorCode.READ_TIMEOUT ? 'read' : 'send'} timed out`));
    });
    up.on('error', (err: Error) => {
      clearTimeout(timer);
      if (x.responded || settled) {
        release(false, err);
        return;
      }
      release(false, err);
      if (x.clientGone) return;
      // nginx's proxy_next_upstream "error timeout": connect failures always move on; once the
      // request may have reached the app, only an idempotent one (RFC 9110 9.2.2) may be repeated.
      const nothingSent = !connected;
      // A reused keep-alive connection the upstream had just closed (ECONNRESET before any answer):
      // the request did not reach the app when it carried no body, so it moves on too.
      const staleIdle = reused && body === undefined && (err as { code?: string }).code === 'ECONNRESET';
      const retryable =
        body !== 'stream' || !bodyStarted
          ? nothingSent || staleIdle || IDEMPOTENT.has(x.method) || pass.retryNonIdempotent
          : false;
      if (retryable) this.#attempt(x, err);
      else this.#fail(x, err);
    });
    up.on('response', (upRes: IncomingMessage) => {
      clearTimeout(timer);
      if (x.clientGone) {
        upRes.destroy();
        release(true);
        return;
      }
      x.responded = true;
      const status = upRes.statusCode ?? 502;
      x.ctx.upstreamStatus = status;
      x.ctx.upstreamAddr = x.addrs.join(', ');
      const { headers: outHeaders, noBuffering } = filterResponseHeaders(upRes.rawHeaders);
      const res = x.res;
      try {
        res.writeHead(status, upRes.statusMessage, outHeaders);
      } catch (err) {
        // A header node refuses to write (invalid characters) means an invalid upstream response.
        upRes.destroy();
        release(false, err as Error);
        x.responded = false;
        this.#fail(x, err as Error);
        return;
      }
      new ResponsePump(
        upRes,
        res,
        { buffering: pass.buffering && !noBuffering, bufferSize: pass.bufferSize, maxTempFileSize: pass.maxTempFileSize, tempPath: pass.tempPath },
        {
          upstreamDone: () => {
            x.ctx.upstreamResponseTimeMs = Date.now() - x.start;
            release(true);
          },
          upstreamFailed: (err) => {
            release(false, err);
          },
          finished: () => undefined,
        },
      );
    });
    if (body instanceof BufferedBody) {
      body.writeTo(up).catch((err: Error) => up.destroy(err));
    } else if (body === undefined) {
      up.end();
    }
  }

  #pick(x: Exchange): UpstreamServer | undefined {
    return this.#group.balancer.pick({
      clientAddress: x.ctx.remoteAddress,
      hashKey: this.#hashKey ? this.#hashKey(x.ctx, x.req.url ?? '/') : '',
      tried: x.tried,
      now: Date.now(),
    });
  }

  /** Final failure before any response byte: 502 or 504. */
  #fail(x: Exchange, err: Error): void {
    const status = statusFor(err);
    if (status === 504) this.#gatewayTimeout++;
    else this.#badGateway++;
    x.ctx.upstreamAddr = x.addrs.join(', ');
    x.ctx.upstreamStatus = 0;
    this.#log('warn', `proxy: ${status} for ${x.method} ${x.path}: ${err.message}`, { code: (err as { code?: string }).code, requestId: x.ctx.requestId, upstream: x.ctx.upstreamAddr });
    // An unbuffered body may be half read: the connection cannot be reused.
    this.#answer(x.res, status, x.body === 'stream' && !x.req.readableEnded);
  }

  #answer(res: ServerResponse, status: number, close: boolean): void {
    if (res.headersSent || res.destroyed) return;
    const body = `${status} ${STATUS_TEXT[status] ?? ''}\n`;
    const headers: Record<string, string | number> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) };
    if (close) headers.connection = 'close';
    res.writeHead(status, headers);
    res.end(body);
  }
}

/** True when the request has a body to forward. */
function requestHasBody(req: IncomingMessage): boolean {
  if (req.httpVersionMajor >= 2) {
    const stream = (req as unknown as { stream?: { endAfterHeaders?: boolean } }).stream;
    return stream?.endAfterHeaders === false;
  }
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const cl = h['content-length'];
  return cl !== undefined && cl !== '0';
}

/** For an unbuffered body: its declared length, else chunked. */
function streamLength(req: IncomingMessage): number | 'chunked' {
  const cl = req.headers['content-length'];
  return cl !== undefined && req.httpVersionMajor < 2 ? Number(cl) : 'chunked';
}

/** `hash` keys: `$request_uri`, `$remote_addr`, `$host`, `$scheme`, `$request_id` and literal text. */
function compileHashKey(key: string): HeaderTemplate {
  const parts = key.split(/\$request_uri|\$uri/);
  if (parts.length === 1) return compileTemplate(key);
  const compiled = parts.map((p) => compileTemplate(p));
  // The second argument carries the request URI for this key (see #pick).
  return (ctx, uri) => compiled.map((c) => c(ctx, ctx.host)).join(uri);
}
