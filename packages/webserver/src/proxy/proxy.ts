/**
 * The reverse proxy for one `proxy_pass`. The life of one request, in order:
 *
 * 1. the request id (the server has already passed the head through the request-head gate);
 * 2. request body read fully (memory, then temp file) unless `requestBuffering` is off;
 * 3. a server picked by the balancer; connect (connectTimeoutMs), send (sendTimeoutMs);
 * 4. on failure, the next server when it is safe (see {@link canRetry}), else 502/504 (the
 *    server's error page, server/error-page.ts);
 * 5. response headers filtered and sent; body pumped (buffered or streamed);
 * 6. whatever happens, temp files closed and the upstream request cancelled if the client left.
 *
 * An Upgrade (WebSocket) takes steps 1, 3 and 4 through the same attempt loop ({@link #attempt});
 * only its one try on a server differs (tunnel.ts instead of {@link #dispatch}).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ProxyPassOptions } from './options.js';
import type { Proxy, ProxyContext, ProxyDeps, ProxyStats } from './types.js';
import { UpstreamRegistry } from './upstream-registry.js';
import type { UpstreamGroup } from './upstream-registry.js';
import type { UpstreamServer } from './upstream-server.js';
import { TrustedProxies } from './trusted-proxies.js';
import { buildRequestHeaders, compileTemplate, filterResponseHeaders } from './headers.js';
import type { HeaderTemplate } from './headers.js';
import { BufferedBody } from './request-body.js';
import { ResponsePump } from './response-pump.js';
import { ProxyError, ProxyErrorCode, statusFor } from './errors.js';
import { responseOnSocket, tunnelTo } from './tunnel.js';
import { forwardEarlyHints, passableTrailers } from './interim.js';
import type { TryOutcome, UpgradeExchange } from './tunnel.js';
import { sendError } from '../server/error-page.js';
import { DEFAULT_LINGERING_CLOSE, REQUEST_ID_HEADER, isRequestId, lingerNow, newRequestId, type LingeringClose } from 'tsgi-head-gate';

/** RFC 9110 section 9.2.2: methods whose repetition has the same effect as one request. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Headers `setHeaders` may not touch: they carry the framing, which the proxy alone decides. */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'upgrade', 'keep-alive', 'te']);


/** Per-request state across tries. */
interface Exchange {
  readonly upgrade: false;
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
  /** The response body pump, once the upstream answered. */
  pump: ResponsePump | undefined;
  /** Aborts the upstream request in flight (set once undici dispatched it). */
  abort: ((err: Error) => void) | undefined;
  /** Response headers went to the client: nothing can be retried or answered any more. */
  responded: boolean;
  addrs: string[];
  /** Neighbours in the proxy's in-flight list (see ReverseProxy.#head). */
  prev: Exchange | undefined;
  next: Exchange | undefined;
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
  /** The class the server makes responses with, for the answers written on an upgrade's socket. */
  readonly #Response: typeof ServerResponse | undefined;
  readonly #lingering: LingeringClose;
  /**
   * Requests in flight, as an intrusive doubly linked list (for close() and stats()). Not a Set:
   * measured under load, a long-lived Set that every request is added to and deleted from made
   * V8 promote request objects to the old generation (about six times the mark-compacts and
   * ~25% fewer requests/s than without it, commit 9bc1050); links on the exchange itself
   * allocate nothing.
   */
  #head: Exchange | undefined;
  #active = 0;
  readonly #tunnels = new Set<Duplex>();
  #requests = 0;
  #badGateway = 0;
  #gatewayTimeout = 0;
  #retries = 0;
  #upgrades = 0;
  #closed = false;
  /** How a tunnel's try answers the client and reports back to {@link #attempt} (one per proxy). */
  readonly #tunnelOutcome: TryOutcome = {
    respond: (x) => responseOnSocket(x.req, x.socket, this.#Response),
    release: (x, server, ok, err) => this.#release(x, server, ok, err),
    failed: (x, err) => this.#retryOrFail(x, err, false),
  };

  constructor(pass: ProxyPassOptions, deps: ProxyDeps) {
    this.#pass = pass;
    this.#ownRegistry = deps.registry === undefined;
    this.#registry = deps.registry ?? new UpstreamRegistry(deps.log);
    this.#group = this.#registry.get(pass.upstream);
    this.#trusted = new TrustedProxies(pass.trustedProxies);
    this.#log = deps.log ?? (() => undefined);
    this.#Response = deps.ServerResponse;
    this.#lingering = deps.lingering ?? DEFAULT_LINGERING_CLOSE;
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
      answer(res, req.method ?? 'GET', 502, true);
    }
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, ctx: ProxyContext): void {
    this.#upgrades++;
    this.#requests++;
    try {
      const protocol = String(req.headers.upgrade ?? '').toLowerCase();
      if (!this.#pass.websocket || protocol.includes('h2c') || this.#closed) {
        // RFC 9113 3.1: h2c is never forwarded; nor is any upgrade when tunnelling is off. The
        // request goes up as plain HTTP/1.1 (its Upgrade header is hop-by-hop, hence stripped).
        this.#requests--;
        this.#upgrades--;
        const res = responseOnSocket(req, socket, this.#Response);
        if (requestHasBody(req)) answer(res, req.method ?? 'GET', 400, true);
        else this.handle(req, res, ctx);
        return;
      }
      const trusted = this.#trusted.has(ctx.remoteAddress);
      this.#assignRequestId(req, ctx, trusted);
      const x: UpgradeExchange = {
        upgrade: true,
        req,
        socket,
        head,
        ctx,
        method: req.method ?? 'GET',
        path: this.#path(req, ctx),
        trusted,
        tried: new Set(),
        addrs: [],
        body: undefined,
        clientGone: false,
      };
      this.#tunnels.add(socket);
      socket.once('close', () => {
        x.clientGone = true;
        this.#tunnels.delete(socket);
      });
      socket.on('error', () => socket.destroy());
      this.#attempt(x);
    } catch (err) {
      this.#log('error', 'proxy: unexpected error in upgrade', { err, requestId: ctx.requestId });
      socket.destroy();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    // Snapshot first: answering or aborting may unlink exchanges while we walk (close is rare).
    const all: Exchange[] = [];
    for (let x = this.#head; x !== undefined; x = x.next) all.push(x);
    for (const x of all) {
      x.abort?.(new Error('proxy closing'));
      answer(x.res, x.method, 502, true);
    }
    for (const s of this.#tunnels) s.destroy();
    if (this.#ownRegistry) this.#registry.close();
  }

  stats(): ProxyStats {
    return {
      requests: this.#requests,
      active: this.#active,
      badGateway: this.#badGateway,
      gatewayTimeout: this.#gatewayTimeout,
      retries: this.#retries,
      upgrades: this.#upgrades,
      upstream: this.#group.stats(),
    };
  }

  #assignRequestId(req: IncomingMessage, ctx: ProxyContext, trusted: boolean): void {
    if (ctx.requestId) return;
    // A trusted peer's id is kept when it looks like one: the rule tsgi's adapter applies too.
    const given = req.headers[REQUEST_ID_HEADER];
    ctx.requestId = trusted && isRequestId(given) ? given : newRequestId();
  }

  /** The upstream request target: origin-form, with the location prefix replaced when `uri` is set (nginx rule). */
  #path(req: IncomingMessage, ctx: ProxyContext): string {
    let url = req.url ?? '/';
    if (url.charCodeAt(0) !== 47 /* '/' */) {
      // absolute-form (RFC 9112 3.2.2) goes up as origin-form; asterisk-form (`OPTIONS *`) as `/`,
      // the only form undici sends.
      if (url === '*') url = '/';
      else {
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
    const trusted = this.#trusted.has(ctx.remoteAddress);
    this.#assignRequestId(req, ctx, trusted);
    const x: Exchange = {
      upgrade: false,
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
      abort: undefined,
      pump: undefined,
      responded: false,
      addrs: [],
      prev: undefined,
      next: undefined,
    };
    this.#link(x);
    res.once('close', () => {
      this.#unlink(x);
      x.pump?.clientClosed();
      if (!res.writableFinished) {
        // The client went away: cancel the upstream request, free its connection and the body file.
        x.clientGone = true;
        x.abort?.(Object.assign(new Error('client went away'), { code: 'ERR_PROXY_CLIENT_GONE' }));
      }
      if (x.body instanceof BufferedBody) void x.body.dispose();
    });
    if (this.#closed) {
      answer(res, x.method, 502, true);
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
          if ((err as { code?: string }).code === ProxyErrorCode.TEMP_FILE) {
            // Our disk, not the client: nginx answers 500 when it cannot write a temp file.
            this.#log('error', `proxy: ${err.message}`, { requestId: ctx.requestId });
            answer(res, x.method, 500, true);
            return;
          }
          // The client went away or broke the body framing while uploading: nothing was forwarded.
          this.#log('debug', 'proxy: client request body failed', { err, requestId: ctx.requestId });
          answer(res, x.method, 400, true);
        },
      );
    } else {
      x.body = 'stream';
      this.#attempt(x);
    }
  }

  #link(x: Exchange): void {
    x.next = this.#head;
    if (this.#head) this.#head.prev = x;
    this.#head = x;
    this.#active++;
  }

  #unlink(x: Exchange): void {
    if (x.prev) x.prev.next = x.next;
    else if (this.#head === x) this.#head = x.next;
    else return; // not linked (already removed)
    if (x.next) x.next.prev = x.prev;
    x.prev = x.next = undefined;
    this.#active--;
  }

  /**
   * The one attempt loop, for requests and upgrades alike: the next server (at most `maxTries`,
   * each once), then one try on it; a failed try comes back through {@link #retryOrFail}.
   */
  #attempt(x: Exchange | UpgradeExchange, lastError?: Error): void {
    if (x.clientGone) return;
    const server = x.tried.size < this.#maxTries ? this.#pick(x) : undefined;
    if (!server) {
      this.#fail(x, lastError ?? new ProxyError(ProxyErrorCode.NO_LIVE_UPSTREAMS, `no live upstreams in "${this.#pass.upstream.name}"`));
      return;
    }
    if (x.tried.size > 0) this.#retries++;
    x.tried.add(server);
    x.addrs.push(server.options.name);
    server.active++;
    server.requests++;
    if (x.upgrade) tunnelTo(x, server, this.#pass, this.#set, this.#tunnelOutcome);
    else this.#dispatch(x, server);
  }

  /** A try that got no answer: the next server when {@link #canRetry} allows, else 502/504. */
  #retryOrFail(x: Exchange | UpgradeExchange, err: Error, bodyStarted: boolean): void {
    if (x.clientGone) return;
    if (this.#canRetry(x, err, bodyStarted)) this.#attempt(x, err);
    else this.#fail(x, err);
  }

  /** The end of one try on `server` (called once per try): its health and in-flight count. */
  #release(x: Exchange | UpgradeExchange, server: UpstreamServer, ok: boolean, err: Error | undefined): void {
    server.active--;
    if (ok) server.recordSuccess();
    else if (!x.clientGone) {
      const marked = server.recordFailure(Date.now());
      this.#log('warn', `proxy: upstream ${server.options.name} failed: ${err?.message ?? 'error'}`, { code: (err as { code?: string } | undefined)?.code, requestId: x.ctx.requestId });
      // nginx: "upstream server temporarily disabled".
      if (marked) this.#log('warn', `proxy: upstream server ${server.options.name} in "${this.#pass.upstream.name}" temporarily disabled for ${server.options.failTimeoutMs} ms (max_fails=${server.options.maxFails})`);
    }
  }

  /** One try of a request on `server` (UpstreamPool.dispatch; see the module comment for the order). */
  #dispatch(x: Exchange, server: UpstreamServer): void {
    const pass = this.#pass;
    const body = x.body;
    let settled = false;
    let bodyStarted = false;
    let abortRef: ((err: Error) => void) | undefined;
    let payload: Buffer | Readable | null = null;
    let streamed: LazyBody | undefined;
    let len: number | undefined;
    if (body instanceof BufferedBody) {
      payload = body.source();
      len = body.length;
    } else if (body === 'stream') {
      payload = streamed = lazyBody(x.req, () => (bodyStarted = true));
      const cl = x.req.headers['content-length'];
      if (cl !== undefined && x.req.httpVersionMajor < 2) len = Number(cl);
    }
    const headers = buildRequestHeaders(x.req.rawHeaders, { ctx: x.ctx, trusted: x.trusted, body: len, set: this.#set, defaultHost: server.hostName });
    /** Made once the head went out. */
    let pump: ResponsePump | undefined;
    let sendTimer: NodeJS.Timeout | undefined;
    const release = (ok: boolean, err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(sendTimer);
      this.#release(x, server, ok, err);
    };
    if (payload && !Buffer.isBuffer(payload)) {
      // Send timeout: the longest the upstream may leave the body unread (undici has none of its
      // own). Progress is polled, not listened to: a 'data' listener would steal undici's chunks.
      const stream = payload as Readable & { bytesRead?: number; bytesPushed?: number };
      const progress = (): number => stream.bytesRead ?? stream.bytesPushed ?? 0;
      let last = -1;
      const check = (): void => {
        const now = progress();
        if (now === last) {
          abortRef?.(new ProxyError(ProxyErrorCode.SEND_TIMEOUT, `upstream ${server.options.name} send timed out`));
          return;
        }
        last = now;
        sendTimer = setTimeout(check, pass.sendTimeoutMs);
      };
      sendTimer = setTimeout(check, pass.sendTimeoutMs);
      last = progress();
      stream.once('end', () => clearTimeout(sendTimer));
      stream.once('close', () => clearTimeout(sendTimer));
    }
    const handler: Dispatcher.DispatchHandler = {
      onConnect: (abort) => {
        abortRef = abort as (err: Error) => void;
        x.abort = abortRef;
        if (x.clientGone) abortRef(new Error('client went away'));
      },
      onHeaders: (status, rawHeaders, resume, statusText) => {
        // 1xx interim responses: a 103 Early Hints goes on when `early_hints` allows (interim.ts);
        // the others are the proxy's own business (100 Continue); the final one follows.
        if (status < 200) {
          if (status === 103 && !x.clientGone) forwardEarlyHints(x.req, x.res, pass.earlyHints, rawHeaders.map((f) => f.toString('latin1')));
          return true;
        }
        clearTimeout(sendTimer);
        if (x.clientGone) return false;
        x.responded = true;
        x.ctx.upstreamStatus = status;
        x.ctx.upstreamAddr = x.addrs.join(', ');
        // undici hands the fields over as latin1 Buffers.
        const fields = rawHeaders.map((f) => f.toString('latin1'));
        const { headers: out, noBuffering } = filterResponseHeaders(fields);
        try {
          // HTTP/2 has no reason phrase (RFC 9113 8.3.2): node warns if given one.
          // An empty reason phrase gets node's standard one.
          if (x.req.httpVersionMajor >= 2 || !statusText) x.res.writeHead(status, out);
          else x.res.writeHead(status, statusText, out);
        } catch (err) {
          // A header node refuses to write (invalid characters): an invalid upstream response.
          x.responded = false;
          abortRef?.(new ProxyError(ProxyErrorCode.INVALID_RESPONSE, `invalid response header from ${server.options.name}: ${(err as Error).message}`));
          return false;
        }
        pump = x.pump = new ResponsePump(
          x.res,
          { buffering: pass.buffering && !noBuffering, bufferSize: pass.bufferSize, maxTempFileSize: pass.maxTempFileSize, tempPath: pass.tempPath },
          { resume, abort: (err) => abortRef?.(err) },
        );
        return true;
      },
      onData: (chunk) => pump?.write(chunk) ?? false,
      onComplete: (trailers) => {
        x.ctx.upstreamResponseTimeMs = Date.now() - x.start;
        release(true);
        // The upstream's trailer section, passed on where the client's message can carry it (interim.ts).
        pump?.end(pass.passTrailers && trailers !== null && trailers.length > 0 ? passableTrailers(trailers.map((f: string | Buffer) => (typeof f === 'string' ? f : f.toString('latin1')))) : undefined);
        if (streamed !== undefined && !x.req.complete) this.#discardRest(x, streamed);
      },
      onError: (err) => {
        if (pump) {
          // Mid-body: the client connection is cut (nothing else can tell it the body is short).
          const clientGone = (err as { code?: string }).code === 'ERR_PROXY_CLIENT_GONE';
          release(clientGone, err);
          pump.fail(err);
          return;
        }
        release(false, err);
        this.#retryOrFail(x, err, bodyStarted);
      },
    };
    server.pool(pass.connectTimeoutMs).dispatch(
      {
        origin: undefined,
        method: x.method,
        path: x.path,
        headers,
        body: payload,
        headersTimeout: pass.readTimeoutMs,
        bodyTimeout: pass.readTimeoutMs,
        // A request the client asked to end the connection after still reuses the upstream one.
        reset: false,
      } as Dispatcher.DispatchOptions,
      handler,
    );
  }

  /**
   * The upstream answered before the streamed request body ended (an early 403 or 413): what is
   * left of the body is not forwarded. The client is still sending it, so once the answer has
   * gone out the rest is read and thrown away and the connection closes lingering (nginx's
   * lingering_close), instead of the upload stalling or being reset under the answer.
   */
  #discardRest(x: Exchange, body: LazyBody): void {
    body.detach();
    if (x.res.writableFinished) lingerNow(x.req, this.#lingering);
    else x.res.once('finish', () => lingerNow(x.req, this.#lingering));
  }

  /**
   * nginx's `proxy_next_upstream error timeout`, with RFC 9110 9.2.2: a connect failure always moves
   * on; a stale keep-alive connection (closed by the upstream as a bodiless request arrived on it)
   * too; once the request may have reached the app, only an idempotent one is repeated, and an
   * unbuffered body that started flowing never is.
   */
  #canRetry(x: Exchange | UpgradeExchange, err: Error, bodyStarted: boolean): boolean {
    const body = x.body;
    const e = err as { code?: string; syscall?: string; socket?: { bytesRead?: number } };
    // An answer that could not be parsed or passed on came from an app that got the request:
    // nginx's `invalid_header` is not in the default proxy_next_upstream either.
    if (e.code === ProxyErrorCode.INVALID_RESPONSE || e.code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || e.code?.startsWith('HPE_')) return false;
    // A request undici refuses to send (e.g. a setHeaders value made invalid by a variable) fails everywhere.
    if (e.code === 'UND_ERR_INVALID_ARG' || e.code === 'UND_ERR_NOT_SUPPORTED') return false;
    if (e.syscall === 'connect' || e.code === 'UND_ERR_CONNECT_TIMEOUT' || e.code === 'ECONNREFUSED' || e.code === 'ENOENT') return true;
    if (body === 'stream' && bodyStarted) return false;
    if (IDEMPOTENT.has(x.method) || this.#pass.retryNonIdempotent) return true;
    // "other side closed" before any answer, on a connection that had answered before.
    return body === undefined && e.code === 'UND_ERR_SOCKET' && (e.socket?.bytesRead ?? 0) > 0;
  }

  #pick(x: Exchange | UpgradeExchange): UpstreamServer | undefined {
    return this.#group.balancer.pick({
      clientAddress: x.ctx.remoteAddress,
      hashKey: this.#hashKey ? this.#hashKey(x.ctx, x.req.url ?? '/') : '',
      tried: x.tried,
      now: Date.now(),
    });
  }

  /** Final failure before any response byte: 502 or 504. */
  #fail(x: Exchange | UpgradeExchange, err: Error): void {
    const status = statusFor(err);
    if (status === 504) this.#gatewayTimeout++;
    else this.#badGateway++;
    x.ctx.upstreamAddr = x.addrs.join(', ');
    x.ctx.upstreamStatus = 0;
    this.#log('warn', `proxy: ${status} for ${x.method} ${x.path}: ${err.message}`, { code: (err as { code?: string }).code, requestId: x.ctx.requestId, upstream: x.ctx.upstreamAddr });
    // An upgrade's socket has no parser left to read another request; an unbuffered body may be
    // half read: neither connection can be reused.
    if (x.upgrade) answer(this.#tunnelOutcome.respond(x), x.method, status, true);
    else answer(x.res, x.method, status, x.body === 'stream' && !x.req.readableEnded);
  }
}

/**
 * The proxy's own answers (400, 500, 502, 504) are the server's error pages, on a request's
 * response or on an upgrade's socket alike; a response already started is cut instead (see
 * sendError), and one whose client has gone is left alone.
 */
function answer(res: ServerResponse, method: string, status: number, close: boolean): void {
  if (!res.destroyed) sendError(res, method, status, undefined, close);
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


/** `hash` keys: `$request_uri`, `$remote_addr`, `$host`, `$scheme`, `$request_id` and literal text. */
function compileHashKey(key: string): HeaderTemplate {
  const parts = key.split(/\$request_uri|\$uri/);
  if (parts.length === 1) return compileTemplate(key);
  const compiled = parts.map((p) => compileTemplate(p));
  // The second argument carries the request URI for this key (see #pick).
  return (ctx, uri) => compiled.map((c) => c(ctx, ctx.host)).join(uri);
}

/**
 * An unbuffered request body that starts reading the client only when undici pulls it (after the
 * connection is made), so that a connect failure leaves it untouched and the request can move on.
 */
type LazyBody = Readable & { bytesPushed: number; detach(): void };

function lazyBody(req: IncomingMessage, onStart: () => void): LazyBody {
  let started = false;
  const onData = (c: Buffer) => {
    out.bytesPushed += c.length;
    if (!out.push(c)) req.pause();
  };
  const onEnd = () => out.push(null);
  const onError = (err: Error) => out.destroy(err);
  const onAborted = () => out.destroy(new Error('client aborted the upload'));
  const out: LazyBody = Object.assign(new Readable({
    read() {
      if (started) {
        req.resume();
        return;
      }
      started = true;
      onStart();
      req.on('data', onData);
      req.once('end', onEnd);
      req.once('error', onError);
      req.once('aborted', onAborted);
    },
  }), {
    bytesPushed: 0,
    /** Stops forwarding: the client's bytes go elsewhere (lingering discard). */
    detach(): void {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      out.destroy();
    },
  });
  return out;
}
