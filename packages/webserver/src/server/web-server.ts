/**
 * One serving process: binds (or, under the master, shares) a socket per listen address, routes
 * requests, counts them, and drains gracefully. The master (src/master) runs one per worker;
 * `master_process = false` and tests run one directly.
 * @module
 */
import { Server as NetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Http2SecureServer, Http2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/types.js';
import { AccessLog } from '../log/access-log.js';
import { ErrorLog } from '../log/error-log.js';
import { addProxy, Counters } from '../status/counters.js';
import type { CounterSnapshot, ProxySnapshot } from '../status/counters.js';
import { BodyWatch } from './body-watch.js';
import { closeLingering, createClientErrorHandler, refuseConnect, refusalMessage, type HeadRule } from 'tsgi-head-gate';
import { errorBody, rawErrorResponse, sendError } from './error-page.js';
import { createGroupServer } from './listeners.js';
import { TlsSetup } from './tls-setup.js';
import type { AnyServer } from './listeners.js';
import type { ProxyFactory } from './proxy-bridge.js';
import { RequestHandler } from './request-handler.js';
import type { Req, Res, ResponseDone } from './request-handler.js';
import { buildRuntime } from './sites.js';
import type { Runtime, SocketGroup } from './sites.js';
import { http1Response, http2Response, SERVER_TOKEN } from './responses.js';
import { takeStreams } from './h2-streams.js';
import { Http2ServerRequest } from 'node:http2';

/** Options of {@link WebServer.start}. */
export interface WebServerOptions {
  /** Worker number for log lines (0 in single-process mode). */
  readonly worker?: number;
  /** Summed counters of every worker (the master's answer); default: this process's own. */
  readonly status?: (local: CounterSnapshot) => Promise<{ snapshot: CounterSnapshot; workers: number }>;
  readonly errorLog?: ErrorLog;
  readonly accessLog?: AccessLog;
  /** TLS session ticket keys from the master, the encrypting one first (default: this process makes and rotates its own). */
  readonly ticketKeys?: readonly Buffer[];
}

/** A bound address: `{ key, port, host }` for TCP, `{ key, path }` for unix sockets. */
export interface BoundAddress {
  readonly key: string;
  readonly ssl: boolean;
  readonly http2: boolean;
  readonly port?: number;
  readonly host?: string;
  readonly path?: string;
}

/**
 * A running server.
 * @example
 * ```ts
 * const server = await WebServer.start(await loadConfig('site.toml'));
 * console.log(server.addresses());
 * await server.drain(30_000);
 * ```
 */
export class WebServer {
  readonly config: Config;
  readonly counters = new Counters();
  readonly errorLog: ErrorLog;
  readonly accessLog: AccessLog;
  readonly #runtime: Runtime;
  readonly #servers: Array<{ group: SocketGroup; server: AnyServer }> = [];
  /** Open HTTP/1 connections (TCP or TLS sockets): requests in progress, and when they last finished one. */
  readonly #conns = new Map<Duplex, ConnectionState>();
  readonly #sessions = new Set<Http2Session>();
  readonly #bodyWatch: BodyWatch;
  #tls: TlsSetup | undefined;
  #draining = false;

  private constructor(config: Config, runtime: Runtime, errorLog: ErrorLog, accessLog: AccessLog) {
    this.config = config;
    this.#runtime = runtime;
    this.errorLog = errorLog;
    this.accessLog = accessLog;
    const l = config.limits;
    this.#bodyWatch = new BodyWatch(l.bodyTimeoutMs, l.sendTimeoutMs, {
      tooLarge: (req, res) => {
        this.errorLog.log('info', 'client sent too large chunked body', { client: req.socket?.remoteAddress, uri: req.url });
        // HTTP/1: the close lingers (lingering_close) while the body watch drops the rest, so
        // the client reads the 413 instead of a reset. HTTP/2 resets the stream alone.
        const http1 = !('stream' in req);
        if (http1) closeLingering(req, res as ServerResponse, this.config.limits.lingering);
        sendError(res, req.method ?? 'GET', 413, undefined, true);
        if (!http1) req.destroy();
      },
      bodyTimeout: (req, res) => {
        this.errorLog.log('info', 'client timed out while sending the request body', { client: req.socket?.remoteAddress, uri: req.url });
        sendError(res, req.method ?? 'GET', 408, undefined, true);
        // Let the 408 go out, then cut the connection the client is not using.
        setTimeout(() => req.destroy(), 1000).unref();
      },
      sendTimeout: (res) => {
        this.errorLog.log('info', 'client timed out while reading the response', { client: res.socket?.remoteAddress });
        res.destroy();
      },
    });
  }

  /** Builds the runtime and binds every listen address. */
  static async start(config: Config, options: WebServerOptions = {}): Promise<WebServer> {
    const errorLog = options.errorLog ?? new ErrorLog(config.errorLog, config.errorLogLevel, options.worker ?? 0);
    const accessLog = options.accessLog ?? new AccessLog(config.accessLog, config.accessLogFormat);
    const needsProxy = config.servers.some((s) => s.locations.some((l) => l.proxy) || s.fallback.proxy);
    const Response = http1Response(config.serverTokens ? SERVER_TOKEN : undefined, accessLog.enabled);
    const proxies = needsProxy ? await proxyFactory(errorLog, Response, config) : undefined;
    const runtime = buildRuntime(config, proxies);
    const ws = new WebServer(config, runtime, errorLog, accessLog);
    try {
      await ws.#listen(options);
    } catch (err) {
      await ws.close();
      throw err;
    }
    return ws;
  }

  async #listen(options: WebServerOptions): Promise<void> {
    const allSites = [...new Set(this.#runtime.groups.flatMap((g) => g.sites))];
    this.#tls = await TlsSetup.load(allSites, this.config.ssl, options.ticketKeys, (level, message) => this.errorLog.log(level, message));
    const handler = new RequestHandler({
      config: this.config,
      counters: this.counters,
      accessLog: this.accessLog,
      errorLog: this.errorLog,
      bodyWatch: this.#bodyWatch,
      status: options.status ? () => options.status!(this.snapshot()) : () => Promise.resolve({ snapshot: this.snapshot(), workers: 1 }),
      draining: () => this.#draining,
    });
    const noKeepAlive = this.config.limits.keepaliveTimeoutMs === 0;
    const serverToken = this.config.serverTokens ? SERVER_TOKEN : undefined;
    const countBytes = this.accessLog.enabled;
    // The class node:http makes responses with, for the one-shot responses made here too.
    const Response = http1Response(serverToken, countBytes);
    const rawError = (status: number): Buffer => rawErrorResponse(status, serverToken);
    for (const group of this.#runtime.groups) {
      const server = await createGroupServer(group, this.config.limits, this.#tls, serverToken, countBytes);
      const onRequest = (req: Req, res: Res, expectContinue: boolean): void => {
        const conn = 'stream' in req ? undefined : req.socket;
        if (conn) {
          if (noKeepAlive) (res as ServerResponse).shouldKeepAlive = false;
          const state = this.#conns.get(conn);
          if (state) {
            state.requestStarted();
            // The handler's one 'close' listener ends it: no listener of our own per request.
            handler.handle(req, res, group, expectContinue, state);
            return;
          }
        }
        handler.handle(req, res, group, expectContinue);
      };
      server.on('request', (req: Req, res: Res) => onRequest(req, res, false));
      server.on('checkContinue', (req: Req, res: Res) => onRequest(req, res, true));
      if (group.http2) {
        // After the 'request' listener, which made node add its compatibility 'stream' listener.
        takeStreams(server as Http2SecureServer, Http2ServerRequest, http2Response(countBytes), (stream, headers, flags, raw) =>
          handler.handleStream(stream, headers, flags, raw, group),
        );
      }
      const track = (socket: Duplex): void => {
        this.#conns.set(socket, new ConnectionState());
        socket.once('close', () => this.#conns.delete(socket));
      };
      server.on('connection', (socket: Duplex) => {
        this.counters.accepted(true);
        socket.once('close', () => this.counters.closed());
        if (!group.ssl) track(socket);
      });
      server.on('secureConnection', (socket: TLSSocket) => track(socket));
      if (group.http2) {
        // Idle HTTP/2 sessions are closed like idle keep-alive connections.
        (server as Http2SecureServer).setTimeout(this.config.limits.keepaliveTimeoutMs || 0, (session?: Http2Session) => session?.close());
      }
      server.on('drop', () => this.counters.accepted(false));
      server.on('session', (session: Http2Session) => {
        this.#sessions.add(session);
        session.once('close', () => this.#sessions.delete(session));
        if (this.#draining) session.close();
      });
      // What node's parser refuses, and CONNECT: the request-head gate's answers, as every tsgi
      // server gives them. Malformed or slow clients are the client's problem: info, as nginx logs them.
      const refused = (rule: HeadRule, client: string | undefined): void => {
        this.errorLog.log('info', refusalMessage(rule), { client });
        if (this.accessLog.enabled) {
          const now = Date.now();
          this.accessLog.write({ remoteAddr: client ?? '-', method: '-', url: '-', httpVersion: '1.1', status: rule.status, bodyBytes: errorBody(rule.status).length, referer: undefined, userAgent: undefined, host: undefined, startedAt: now, requestTimeMs: 0, unparsed: true });
        }
      };
      server.on('clientError', createClientErrorHandler({
        rawResponse: rawError,
        onRefuse: (rule, _err, socket) => refused(rule, (socket as Socket).remoteAddress),
        onIgnore: (err) => this.errorLog.log('debug', `client went away: ${err.message}`),
      }));
      server.on('connect', refuseConnect((rule, req) => refused(rule, req.socket.remoteAddress), rawError));
      server.on('tlsClientError', (err: Error) => this.errorLog.log('debug', `TLS handshake failed: ${err.message}`));
      if (group.upgrades) {
        server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
          handler.upgrade(req, socket, head, group, (r) => {
            // Not a proxied Upgrade: answer it as an ordinary request on a one-shot response.
            const res = new Response(r);
            res.assignSocket(socket as Socket);
            res.shouldKeepAlive = false;
            res.once('finish', () => socket.end());
            handler.handle(r, res, group);
          });
        });
      }
      server.on('error', (err: Error) => this.errorLog.log('error', `listener ${group.key}: ${err.message}`));
      this.#servers.push({ group, server });
      await bind(server, group);
      this.errorLog.log('info', `listening on ${group.key}${group.ssl ? ' ssl' : ''}${group.http2 ? ' http2' : ''}`);
    }
  }

  /** Where each socket is bound (the real port when the config said 0). */
  addresses(): BoundAddress[] {
    return this.#servers.map(({ group, server }) => {
      const a = server.address();
      const base = { key: group.key, ssl: group.ssl, http2: group.http2 };
      if (typeof a === 'string') return { ...base, path: a };
      const info = a as AddressInfo | null;
      return { ...base, port: info?.port ?? 0, host: info?.address ?? '' };
    });
  }

  /** This process's counters, with the proxy's when there are proxy_pass locations. */
  snapshot(): CounterSnapshot {
    const snap = this.counters.snapshot();
    const proxies = this.#runtime.proxies;
    if (proxies.length === 0) return snap;
    let proxy: ProxySnapshot = { requests: 0, badGateway: 0, gatewayTimeout: 0, retries: 0, upgrades: 0, upstreams: [] };
    const seen = new Set<string>();
    for (const p of proxies) {
      const st = p.stats();
      proxy.requests += st.requests;
      proxy.badGateway += st.badGateway;
      proxy.gatewayTimeout += st.gatewayTimeout;
      proxy.retries += st.retries;
      proxy.upgrades += st.upgrades;
      // Locations passing to one upstream share its state: count each upstream once.
      if (seen.has(st.upstream.name)) continue;
      seen.add(st.upstream.name);
      proxy = addProxy(proxy, {
        requests: 0, badGateway: 0, gatewayTimeout: 0, retries: 0, upgrades: 0,
        upstreams: [{ name: st.upstream.name, servers: st.upstream.servers.map((x) => ({ name: x.name, backup: x.backup, up: x.state === 'up' ? 1 : 0, active: x.active, connections: x.connections, requests: x.requests, failures: x.failures })) }],
      });
    }
    return { ...snap, proxy };
  }

  /** New TLS session ticket keys (the master rotated them), the encrypting one first. */
  setTicketKeys(keys: readonly Buffer[]): void {
    this.#tls?.setTicketKeys(keys);
  }

  /** Reopens the log files (USR1). */
  reopenLogs(): void {
    this.accessLog.sink.reopen();
    this.errorLog.sink.reopen();
  }

  /** True once {@link drain} has begun. */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * Graceful stop: no new connections, idle ones closed, requests in flight finished (their
   * connections then close), HTTP/2 sessions sent GOAWAY; whatever remains after `timeoutMs` is
   * cut. Resolves when everything is closed.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    // net.Server's close stops accepting only; node:http's close would also cut every idle
    // keep-alive connection at once, racing clients that are about to reuse one.
    const closed = this.#servers.map(({ server }) => new Promise<void>((resolve) => (server.listening ? NetServer.prototype.close.call(server, () => resolve()) : resolve())));
    for (const s of this.#sessions) s.close();
    const deadline = Date.now() + timeoutMs;
    while (this.#conns.size > 0 || this.#sessions.size > 0) {
      // A connection with a request in progress finishes it (its response says Connection: close).
      // An idle one is closed once it has been idle for a moment: closing a keep-alive connection
      // the instant a client reuses it would reset that client's request (RFC 9112 9.6), and a
      // connection accepted just before the listener closed may still be sending its first request.
      const now = Date.now();
      for (const [c, state] of this.#conns) {
        if (state.busy === 0 && now - state.idleSince >= DRAIN_IDLE_GRACE_MS && !this.#isSessionSocket(c)) c.destroy();
      }
      if (now >= deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.close();
    await Promise.all(closed);
  }

  /** Fast stop: every connection is cut. */
  async close(): Promise<void> {
    this.#draining = true;
    for (const { server } of this.#servers) {
      if (server.listening) server.close();
    }
    for (const s of this.#sessions) s.destroy();
    for (const c of this.#conns.keys()) c.destroy();
    this.#bodyWatch.close();
    this.#tls?.close();
    await this.#runtime.close();
    this.accessLog.sink.flush();
    this.errorLog.sink.flush();
  }

  #isSessionSocket(c: Duplex): boolean {
    for (const s of this.#sessions) if (s.socket === c) return true;
    return false;
  }
}

/** An open HTTP/1 connection as {@link WebServer.drain} sees it: requests in progress, and when it last finished one. */
class ConnectionState implements ResponseDone {
  busy = 0;
  idleSince = Date.now();

  requestStarted(): void {
    this.busy++;
  }

  /** Called by the request handler when a response of this connection closes. */
  responseDone(): void {
    this.busy--;
    this.idleSince = Date.now();
  }
}

/** How long an idle connection is kept while draining (see {@link WebServer.drain}). */
const DRAIN_IDLE_GRACE_MS = 1000;

function bind(server: AnyServer, group: SocketGroup): Promise<void> {
  const a = group.listen.address;
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`cannot listen on ${group.key}: ${err.message}`));
    server.once('error', onError);
    const done = () => {
      server.off('error', onError);
      resolve();
    };
    if (a.kind === 'unix') server.listen({ path: a.path, backlog: 511 }, done);
    else server.listen({ host: a.host === '' ? '0.0.0.0' : a.host, port: a.port, backlog: 511, ipv6Only: a.host.includes(':') }, done);
  });
}

/**
 * The worker's proxies, imported only when a location proxies: the proxy's HTTP client (undici)
 * adds 21 MB to a worker's RSS (measured 2026-12-06, Node 20: 41 MB bare, 62 MB after importing
 * undici), which a worker that only serves files never needs.
 */
async function proxyFactory(errorLog: ErrorLog, Response: ReturnType<typeof http1Response>, config: Config): Promise<ProxyFactory> {
  const { createProxyFactory } = await import('./proxy-bridge.js');
  return createProxyFactory((level, message, fields) => errorLog.log(level, message, fields), Response, config.limits.lingering);
}
