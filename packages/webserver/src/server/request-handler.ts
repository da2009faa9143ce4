/**
 * The path of one request, in order:
 * 1. the request-head gate (tsgi-head-gate: version, 414/431 limits, Host, target form,
 *    Transfer-Encoding), the same for every tsgi server;
 * 2. the server block by Host among the servers on the socket, then the location by URI;
 * 3. the body limit (413, before any `100 Continue`);
 * 4. `return`, `status`, `try_files`, `proxy_pass`, static files, or 404;
 * 5. `add_header`, then the access log when the response is done.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admitRequest, checkHead, exchangeClosed, checkLimits, closeLingering, DEFAULT_HEAD_LIMITS, lingerIfClosing, refusalMessage, splitAbsoluteTarget, type HeadLimits } from 'tsgi-head-gate';
import type { Http2ServerRequest, Http2ServerResponse, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Config } from '../config/types.js';
import type { AccessLog } from '../log/access-log.js';
import type { ErrorLog } from '../log/error-log.js';
import { normalizeUri } from '../match/locations.js';
import { normalizeHost } from '../match/server-names.js';
import type { ConnectionRecord, Counters, CounterSnapshot } from '../status/counters.js';
import { renderPrometheus, renderStub } from '../status/render.js';
import type { BodyWatch, SendWatch } from './body-watch.js';
import { errorBody, sendError } from './error-page.js';
import type { ProxyCallContext } from './proxy-bridge.js';
import type { LocationRuntime, SiteRuntime, SocketGroup } from './sites.js';
import { expand } from './variables.js';
import type { VariableSource } from './variables.js';
import { bodyBytesOf, SERVER_TOKEN } from './responses.js';
import { h2Headers, respondWhole } from './h2-streams.js';
import { H2_CHUNK, sendBuffer } from '../static/pump.js';
import { writeHead as writeFlatHead } from '../static/respond.js';

export type Req = IncomingMessage | Http2ServerRequest;
export type Res = ServerResponse | Http2ServerResponse;

/** nginx's add_header (without `always`) applies to these statuses only. */
const ADD_HEADER_STATUSES = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);
const MAX_INTERNAL_REDIRECTS = 10;
/**
 * The HEADERS frame ended the stream: the request has no body (nghttp2's NGHTTP2_FLAG_END_STREAM,
 * `http2.constants`, written out so a plain-HTTP worker does not load node:http2: responses.ts).
 */
export const END_STREAM = 0x1;

/** What the handler needs from its worker. */
export interface HandlerEnv {
  readonly config: Config;
  readonly counters: Counters;
  readonly accessLog: AccessLog;
  readonly errorLog: ErrorLog;
  readonly bodyWatch: BodyWatch;
  /** The counters of every worker, summed (the master asks them), and how many answered. */
  readonly status: () => Promise<{ snapshot: CounterSnapshot; workers: number }>;
  /** True while this worker drains (reload, graceful stop): responses close their connection. */
  readonly draining: () => boolean;
}

/** Per-request state shared by the steps. */
interface Exchange {
  readonly req: Req;
  readonly res: Res;
  readonly group: SocketGroup;
  readonly site: SiteRuntime;
  readonly scheme: 'http' | 'https';
  /** Host header or :authority as sent (port included). */
  readonly hostHeader: string;
  /** The original request target, as received (`$request_uri`). */
  readonly requestUri: string;
  /** The normalized path locations match (`$uri`; changes on internal redirects). */
  uri: string;
  /** The query without `?` (`$args`; changes on internal redirects that carry one). */
  args: string;
  /** Read when the request was routed: an HTTP/2 stream has left its session by the time it closes. */
  readonly remoteAddr: string;
  /** The variables, built on first use by {@link varsOf}: most requests expand none. */
  vars: VariableSource | undefined;
  /** Percent-encoded path being served (changes on internal redirects). */
  pathname: string;
  location: LocationRuntime | undefined;
  redirects: number;
  proxyCtx?: ProxyCallContext;
  readonly expectContinue: boolean;
}

/**
 * Serves requests for every socket of a worker.
 * @example
 * ```ts
 * const handler = new RequestHandler(env);
 * server.on('request', (req, res) => handler.handle(req, res, group, false, recordOf(req.socket)));
 * ```
 */
export class RequestHandler {
  readonly #env: HandlerEnv;
  readonly #serverHeader: string | undefined;
  readonly #headLimits: HeadLimits;

  constructor(env: HandlerEnv) {
    this.#env = env;
    this.#serverHeader = env.config.serverTokens ? SERVER_TOKEN : undefined;
    this.#headLimits = headLimits(env.config.limits);
  }

  /**
   * The `request` (and `checkContinue`) listener body. Never throws. `conn` is the record of the
   * request's connection (its socket's, or its HTTP/2 session's): the request is counted on it
   * until the response closes.
   */
  handle(req: Req, res: Res, group: SocketGroup, expectContinue: boolean, conn: ConnectionRecord): void {
    const started = Date.now();
    const env = this.#env;
    env.counters.requestStarted(conn);
    // Every HTTP/1 response is made by http1Response(token), which adds it in writeHead, off
    // node's slow path (responses.ts); HTTP/2 streams get it here.
    if (this.#serverHeader && 'stream' in res) res.setHeader('Server', this.#serverHeader);
    let watch: SendWatch | undefined;
    if (!('stream' in res)) {
      watch = env.bodyWatch.watchSend(res, started);
      if (env.draining()) res.shouldKeepAlive = false;
    }
    let ex: Exchange | undefined;
    // What a finished response is owed, in one 'close' listener: the request-head gate's
    // per-connection record, the connection's record (status counters, drain), the send watch,
    // the access log. (Others listen only when they have work: the body watch for requests with
    // a body, the proxy.) `on` and a flag rather than `once`: no wrapper per request. With
    // the counters' closure gone too, a 1 KiB file costs 108k -> 90k instructions per request
    // with the other cuts of bench/README.md's "Profile: the static 1 KiB row"; this share alone
    // is within the noise of CPU time.
    let closed = false;
    res.on('close', () => {
      if (closed) return;
      closed = true;
      if (!('stream' in req)) exchangeClosed(res as ServerResponse);
      env.counters.requestDone(conn);
      if (watch !== undefined) env.bodyWatch.unwatchSend(watch);
      if (env.accessLog.enabled) this.#log(req, res, started, ex);
    });
    try {
      ex = this.#route(req, res, group, expectContinue);
      if (ex) this.#dispatch(ex);
    } catch (err) {
      this.#fail(req, res, err);
    }
  }

  /**
   * The HTTP/2 stream API's share: a GET or HEAD without a body that the file server answers
   * from its cache as is (see h2-streams.ts), through the same gate, server and location
   * choice as {@link handle}. Answers and returns true, or returns false having written
   * nothing: the request then takes the compatibility path, which answers everything else.
   * `conn` is the session's record.
   */
  handleStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[], group: SocketGroup, conn: ConnectionRecord): boolean {
    const env = this.#env;
    if ((flags & END_STREAM) === 0 || headers.expect !== undefined) return false;
    const method = headers[':method'];
    const url = headers[':path'];
    if ((method !== 'GET' && method !== 'HEAD') || url === undefined || url.charCodeAt(0) !== 0x2f) return false;
    if (checkLimits(method, url, rawHeaders, this.#headLimits) !== undefined) return false;
    const site = group.names.find(headers[':authority'] || headers.host || '');
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const uri = normalizeUri(pathname);
    if (uri === undefined) return false;
    const loc = site.matcher.find(uri);
    const c = loc.config;
    if (!loc.static || c.return || c.status || c.tryFiles || c.proxy || c.addHeader.length > 0 || c.addHeaderAlways.length > 0) return false;
    const answer = loc.static.cached(pathname, headers, method);
    // A body larger than one HTTP/2 slice goes out paced by 'drain' on the compatibility path
    // (sendBuffer): whole, several of them on streams a client resets would pass nghttp2's
    // session memory limit.
    if (answer === undefined || answer.body.length > H2_CHUNK) return false;
    env.counters.requestStarted(conn);
    const body = method === 'HEAD' ? undefined : answer.body;
    const started = env.accessLog.enabled ? Date.now() : 0;
    // Read now: a closed stream has no session any more.
    const remoteAddr = started !== 0 ? (stream.session?.socket?.remoteAddress ?? '-') : '-';
    stream.once('close', () => {
      env.counters.requestDone(conn);
      if (started !== 0) this.#logStream(stream, headers, remoteAddr, url, body, started);
    });
    respondWhole(stream, h2Headers(200, answer.headers, this.#serverHeader), body);
    return true;
  }

  /** The access log line of a request answered on the stream API, as {@link #log} writes it. */
  #logStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, remoteAddr: string, url: string, body: Buffer | undefined, started: number): void {
    this.#env.accessLog.write({
      remoteAddr,
      method: headers[':method'] ?? '-',
      url,
      httpVersion: '2.0',
      // A stream cut before its head was sent is logged as nginx does: 499 (client closed).
      status: stream.headersSent ? 200 : 499,
      bodyBytes: body === undefined || !stream.headersSent ? 0 : body.length,
      referer: headers.referer,
      userAgent: headers['user-agent'],
      host: headers[':authority'] || headers.host,
      startedAt: started,
      requestTimeMs: Date.now() - started,
    });
  }

  /** Upgrade requests (WebSocket): tunnelled by a proxy location, else answered as a normal request. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, group: SocketGroup, respond: (req: IncomingMessage) => void): void {
    // A head the gate refuses is answered as an ordinary request, which runs the gate and refuses it.
    if (checkHead(req, this.#headLimits) !== undefined) {
      respond(req);
      return;
    }
    let host = req.headers.host ?? '';
    let url = req.url ?? '/';
    const absolute = splitAbsoluteTarget(url);
    if (absolute !== undefined) {
      host = absolute.host;
      url = absolute.path;
    }
    const site = group.names.find(host);
    const q = url.indexOf('?');
    const uri = normalizeUri(q === -1 ? url : url.slice(0, q));
    const loc = uri === undefined ? undefined : site.matcher.find(uri);
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (loc?.proxy && loc.config.proxy?.websocket && upgrade !== 'h2c') {
      this.#env.counters.requests++;
      loc.proxy.upgrade(req, socket, head, this.#proxyContext(req, group, host, loc));
      return;
    }
    respond(req);
  }

  #route(req: Req, res: Res, group: SocketGroup, expectContinue: boolean): Exchange | undefined {
    const method = req.method ?? 'GET';
    let url = req.url ?? '/';
    // The request-head gate, as every tsgi server applies it: a refused request is answered here
    // and reaches no location, file or upstream. HTTP/2 streams are framed by node:http2; only
    // the size limits apply to them.
    const rule = 'stream' in req ? checkLimits(method, url, req.rawHeaders, this.#headLimits) : admitRequest(req, res as ServerResponse, this.#headLimits);
    if (rule !== undefined) {
      this.#env.errorLog.log('info', refusalMessage(rule), { client: req.socket?.remoteAddress, request: `${method} ${url}` });
      sendError(res, method, rule.status, undefined, true);
      return undefined;
    }
    let hostHeader = (('authority' in req ? req.authority : undefined) || req.headers.host) ?? '';
    // RFC 9112 section 3.2.2: absolute-form; its authority replaces Host for routing, logs and the
    // Host forwarded upstream.
    const absolute = splitAbsoluteTarget(url);
    if (absolute !== undefined) {
      hostHeader = absolute.host;
      url = absolute.path;
    }
    const site = group.names.find(hostHeader);
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    // OPTIONS * (RFC 9112 section 3.2.4) asks about the server as a whole: it is matched as `/`,
    // forwarded by a proxy location (as `OPTIONS /`: undici cannot send `*`) and answered here by any other.
    const uri = url === '*' ? '/' : normalizeUri(pathname);
    if (uri === undefined) {
      sendError(res, method, 400);
      return undefined;
    }
    return {
      req, res, group, site,
      scheme: group.ssl ? 'https' : 'http',
      hostHeader,
      requestUri: req.url ?? '/',
      uri,
      args: q === -1 ? '' : url.slice(q + 1),
      remoteAddr: req.socket?.remoteAddress ?? '',
      vars: undefined,
      pathname, location: undefined, redirects: 0, expectContinue,
    };
  }

  #dispatch(ex: Exchange): void {
    const { req, res } = ex;
    const method = req.method ?? 'GET';
    const first = ex.location === undefined;
    const loc = ex.site.matcher.find(ex.uri);
    ex.location = loc;
    const c = loc.config;
    if (first) {
      if (ex.site.addsHeaders) this.#hookHeaders(ex);
      if (!this.#checkBody(ex, c.clientMaxBodySize)) return;
    }
    if (ex.requestUri === '*' && !c.proxy) {
      res.writeHead(200, { allow: 'GET, HEAD, POST, OPTIONS', 'content-length': 0 }).end();
      return;
    }
    if (c.return) {
      this.#return(ex);
      return;
    }
    if (c.status) {
      this.#status(ex, c.status);
      return;
    }
    if (c.tryFiles) {
      void this.#tryFiles(ex, c.tryFiles).catch((err: unknown) => this.#fail(req, res, err));
      return;
    }
    if (c.proxy) {
      if (!loc.proxy) {
        this.#env.errorLog.log('error', 'proxy_pass is configured but the proxy module is not available in this build', { location: c.name });
        sendError(res, method, 502);
        return;
      }
      if (ex.expectContinue) res.writeContinue();
      const ctx = this.#proxyContext(req, ex.group, ex.hostHeader, loc);
      ex.proxyCtx = ctx;
      loc.proxy.handle(req as IncomingMessage, res as ServerResponse, ctx);
      return;
    }
    if (loc.static) {
      const handler = loc.static;
      // A small file the open-file cache holds, nothing to negotiate: written here, synchronously.
      // The handler's own path answers the same but as a promise (two async frames, their
      // microtasks and a then-callback per request): static/handler.js fell from 2.6% to 0.5% of
      // the 1 KiB row's CPU profile (bench/README.md, "Profile: the static 1 KiB row").
      const answer = handler.cached(ex.pathname, req.headers, method);
      if (answer !== undefined) {
        writeFlatHead(res, 200, answer.headers);
        if (method === 'HEAD') res.end();
        else sendBuffer(res, answer.body);
        return;
      }
      if (ex.expectContinue && method !== 'GET' && method !== 'HEAD') res.writeContinue();
      handler(req, res, ex.pathname).then(
        (handled) => {
          if (!handled) sendError(res, method, 404);
        },
        (err: unknown) => this.#fail(req, res, err),
      );
      return;
    }
    sendError(res, method, 404);
  }

  /** 413 at once when Content-Length says too much; otherwise count the bytes as they come. */
  #checkBody(ex: Exchange, limit: number): boolean {
    const { req, res } = ex;
    const cl = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (cl !== undefined && limit > 0 && Number(cl) > limit) {
      this.#env.errorLog.log('info', 'client intended to send too large body', { bytes: cl, limit, client: ex.remoteAddr });
      // The client may be sending the body already: the close lingers (lingering_close), so it
      // reads the 413 instead of a reset.
      if (!('stream' in req)) closeLingering(req, res as ServerResponse, this.#env.config.limits.lingering);
      sendError(res, req.method ?? 'GET', 413, undefined, true);
      return false;
    }
    const hasBody = chunked || (cl !== undefined && cl !== '0') || ('stream' in req && !req.stream.readableEnded && req.method !== 'GET' && req.method !== 'HEAD');
    if (!hasBody) return true;
    this.#env.bodyWatch.watchBody(req, res, cl === undefined ? limit : 0);
    // An answer before the body is read (a return, an error page) that closes the connection
    // (Connection: close or HTTP/1.0 from the client) lingers, instead of resetting the upload.
    if (!('stream' in req)) lingerIfClosing(req, res as ServerResponse, this.#env.config.limits.lingering);
    return true;
  }

  #hookHeaders(ex: Exchange): void {
    const res = ex.res;
    const writeHead = res.writeHead;
    // Wrapping writeHead catches every way a response starts: node calls it for implicit headers too.
    (res as { writeHead: unknown }).writeHead = function (this: Res, status: number, ...rest: unknown[]) {
      const c = ex.location?.config;
      if (c && !res.headersSent) {
        for (const [k, v] of c.addHeaderAlways) res.setHeader(k, expand(v, varsOf(ex)));
        if (ADD_HEADER_STATUSES.has(status)) for (const [k, v] of c.addHeader) res.setHeader(k, expand(v, varsOf(ex)));
      }
      return (writeHead as (...a: unknown[]) => unknown).call(this, status, ...rest);
    };
  }

  #return(ex: Exchange): void {
    const { req, res } = ex;
    const r = ex.location!.config.return!;
    const method = req.method ?? 'GET';
    if (r.url !== undefined) {
      const location = expand(r.url, varsOf(ex));
      const body = errorBody(r.status);
      res.writeHead(r.status, { location, 'content-type': 'text/html', 'content-length': body.length });
      endBody(res, method, body);
      return;
    }
    if (r.text !== undefined) {
      const body = Buffer.from(expand(r.text, varsOf(ex)));
      res.writeHead(r.status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
      endBody(res, method, body);
      return;
    }
    if (r.status >= 400 || r.status === 204) sendError(res, method, r.status);
    else res.writeHead(r.status, { 'content-length': 0 }).end();
  }

  #status(ex: Exchange, format: 'stub' | 'prometheus'): void {
    const { req, res } = ex;
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      sendError(res, method, 405, { allow: 'GET, HEAD' });
      return;
    }
    this.#env.status().then(
      ({ snapshot, workers }) => {
        const body = Buffer.from(format === 'stub' ? renderStub(snapshot) : renderPrometheus(snapshot, workers));
        res.writeHead(200, {
          'content-type': format === 'stub' ? 'text/plain' : 'text/plain; version=0.0.4; charset=utf-8',
          'content-length': body.length,
          'cache-control': 'no-store',
        });
        endBody(res, method, body);
      },
      (err: unknown) => this.#fail(req, res, err),
    );
  }

  /**
   * nginx's try_files: each entry but the last is a path checked under the location's root
   * (`$uri/` checks a directory); the first that exists is served. The last entry is `=CODE`,
   * or a URI served by an internal redirect (location matching starts again).
   */
  async #tryFiles(ex: Exchange, entries: readonly string[]): Promise<void> {
    const { req, res } = ex;
    const method = req.method ?? 'GET';
    const handler = ex.location!.static;
    if (handler) {
      for (let i = 0; i < entries.length - 1; i++) {
        const candidate = expand(entries[i]!, varsOf(ex));
        const wantDir = candidate.endsWith('/');
        const encoded = encodePath(candidate);
        const found = await handler.resolve(encoded);
        if (found.kind === 'bad-request') {
          sendError(res, method, 400);
          return;
        }
        if ((found.kind === 'file' && !wantDir) || (found.kind === 'directory' && wantDir)) {
          if (!(await handler(req, res, encoded))) sendError(res, method, 404);
          return;
        }
      }
    }
    const last = expand(entries[entries.length - 1]!, varsOf(ex));
    if (last.startsWith('=')) {
      sendError(res, method, Number(last.slice(1)));
      return;
    }
    this.#internalRedirect(ex, last);
  }

  #internalRedirect(ex: Exchange, target: string): void {
    if (++ex.redirects > MAX_INTERNAL_REDIRECTS) {
      this.#env.errorLog.log('error', 'rewrite or internal redirection cycle', { uri: ex.requestUri });
      sendError(ex.res, ex.req.method ?? 'GET', 500);
      return;
    }
    const q = target.indexOf('?');
    const path = q === -1 ? target : target.slice(0, q);
    const uri = normalizeUri(path);
    if (uri === undefined) {
      sendError(ex.res, ex.req.method ?? 'GET', 500);
      return;
    }
    ex.pathname = encodePath(uri);
    ex.uri = uri;
    if (q !== -1) ex.args = target.slice(q + 1);
    ex.vars = undefined;
    this.#dispatch(ex);
  }

  #proxyContext(req: Req, group: SocketGroup, host: string, loc: LocationRuntime): ProxyCallContext {
    const socket = req.socket;
    const addr = group.listen.address;
    const remotePort = socket?.remotePort;
    const scheme = group.ssl ? 'https' : 'http';
    const serverPort = addr.kind === 'tcp' ? (socket?.localPort ?? addr.port) : 0;
    const locationPrefix = loc.match === 'regex' ? '/' : loc.path;
    const remoteAddress = socket?.remoteAddress ?? '';
    return { remoteAddress, remotePort, scheme, host, serverPort, locationPrefix };
  }

  #fail(req: Req, res: Res, err: unknown): void {
    this.#env.errorLog.log('error', `request failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, { uri: req.url });
    sendError(res, req.method ?? 'GET', 500);
  }

  /** The access log line of a finished response; its body bytes are counted by the response itself (responses.ts). */
  #log(req: Req, res: Res, started: number, ex: Exchange | undefined): void {
    const headers = req.headers;
    this.#env.accessLog.write({
      // The address read when the request was routed: an HTTP/2 stream has left its session
      // (and req.socket) by the time it closes.
      remoteAddr: ex?.remoteAddr || (req.socket?.remoteAddress ?? '-'),
      method: req.method ?? '-',
      url: req.url ?? '-',
      httpVersion: req.httpVersion,
      // A response cut before its head was sent is logged as nginx does: 499 (client closed).
      status: res.headersSent ? res.statusCode : 499,
      bodyBytes: req.method === 'HEAD' ? 0 : bodyBytesOf(res),
      referer: headers.referer,
      userAgent: headers['user-agent'],
      host: ex?.hostHeader ?? headers.host,
      startedAt: started,
      requestTimeMs: Date.now() - started,
      upstreamAddr: ex?.proxyCtx?.upstreamAddr,
      upstreamStatus: ex?.proxyCtx?.upstreamStatus,
      requestId: ex?.proxyCtx?.requestId,
    });
  }
}

/**
 * nginx's buffers as the gate's limits: the request line and each header line must fit one
 * large_client_header_buffers buffer (with its CRLF). nginx has no limit on the field count; the
 * gate's default (100) applies, so a request gets the same answer from every tsgi server.
 */
export function headLimits(limits: Config['limits']): HeadLimits {
  return { maxRequestLineBytes: limits.headerBufferSize, maxHeaderCount: DEFAULT_HEAD_LIMITS.maxHeaderCount, maxHeaderFieldBytes: limits.headerBufferSize - 2 };
}

/** The exchange's nginx variables, built once when a template first needs them. */
function varsOf(ex: Exchange): VariableSource {
  if (ex.vars !== undefined) return ex.vars;
  const { req, site, hostHeader } = ex;
  const addr = ex.group.listen.address;
  ex.vars = {
    scheme: ex.scheme,
    host: hostHeader ? normalizeHost(hostHeader) : (site.config.names.find((n) => !n.startsWith('~') && !n.includes('*')) ?? ''),
    requestUri: ex.requestUri,
    uri: ex.uri,
    args: ex.args,
    serverPort: addr.kind === 'tcp' ? ('socket' in req && req.socket?.localPort) || addr.port : 0,
    serverName: site.config.names[0] ?? '',
    remoteAddr: ex.remoteAddr,
    method: req.method ?? 'GET',
    headers: req.headers,
  };
  return ex.vars;
}

/** Percent-encodes a decoded path for the static handler, segment by segment. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function endBody(res: Res, method: string, body: Buffer): void {
  if (method === 'HEAD') res.end();
  else res.end(body);
}
