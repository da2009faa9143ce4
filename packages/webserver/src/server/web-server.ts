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
import { addProxy, ConnectionRecord, Counters } from '../status/counters.js';
import type { CounterSnapshot, ProxySnapshot } from '../status/counters.js';
import { BodyWatch } from './body-watch.js';
import { closeLingering, createClientErrorHandler, refuseConnect, refusalMessage, type HeadRule } from 'tsgi-head-gate';
import { errorBody, rawErrorResponse, sendError } from './error-page.js';
import { IdleSessions } from './idle-sessions.js';
import { createGroupServer } from './listeners.js';
import { TlsSetup } from './tls-setup.js';
import type { AnyServer } from './listeners.js';
import type { ProxyFactory } from './proxy-bridge.js';
import { RequestHandler } from './request-handler.js';
import type { Req, Res } from './request-handler.js';
import { buildRuntime } from './sites.js';
import type { Runtime, SocketGroup } from './sites.js';
import { http1Response, http2Response, SERVER_TOKEN } from './responses.js';
import { takeStreams } from './h2-streams.js';
import { IdleMemoryRelease } from 'tsgi-idle-memory';

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
  /**
   * Open connections, each with its one record (counters, drain): HTTP/1 connections by their
   * TCP or TLS socket (the sockets of HTTP/2 sessions too), and HTTP/2 sessions.
   */
  readonly #conns = new Map<Duplex, ConnectionRecord>();
  readonly #sessions = new Map<Http2Session, ConnectionRecord>();
  readonly #bodyWatch: BodyWatch;
  #tls: TlsSetup | undefined;
  #idleSessions: IdleSessions | undefined;
  #draining = false;
  #memoryRelease: IdleMemoryRelease | undefined;

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
    ws.#startMemoryRelease();
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
        if ('stream' in req) {
          handler.handle(req, res, group, expectContinue, this.#sessionRecord(req.stream.session));
          return;
        }
        if (noKeepAlive) (res as ServerResponse).shouldKeepAlive = false;
        // The handler's one 'close' listener ends the request on the record: no listener of our own per request.
        handler.handle(req, res, group, expectContinue, this.#conns.get(req.socket) ?? this.#track(req.socket));
      };
      server.on('request', (req: Req, res: Res) => onRequest(req, res, false));
      server.on('checkContinue', (req: Req, res: Res) => onRequest(req, res, true));
      if (group.http2) {
        // After the 'request' listener, which made node add its compatibility 'stream' listener.
        // node:http2's values only here and in listeners.ts, for a listener that serves HTTP/2 (responses.ts: RSS).
        takeStreams(server as Http2SecureServer, process.getBuiltinModule('node:http2').Http2ServerRequest, http2Response(countBytes), (stream, headers, flags, raw) =>
          handler.handleStream(stream, headers, flags, raw, group, this.#sessionRecord(stream.session)),
        );
      }
      server.on('connection', (socket: Duplex) => {
        this.counters.accepted(true);
        // A TLS connection's record is made once its handshake is done (on the TLS socket).
        if (group.ssl) socket.once('close', () => this.counters.closed());
        else this.#track(socket, true);
      });
      server.on('secureConnection', (socket: TLSSocket) => this.#track(socket));
      // Idle HTTP/2 sessions are closed like idle keep-alive connections: by one sweep (idle-sessions.ts).
      if (group.http2 && this.#idleSessions === undefined && this.config.limits.keepaliveTimeoutMs > 0) {
        this.#idleSessions = new IdleSessions(this.#sessions, this.config.limits.keepaliveTimeoutMs);
      }
      server.on('drop', () => this.counters.accepted(false));
      server.on('session', (session: Http2Session) => {
        const record = new ConnectionRecord();
        this.#sessions.set(session, record);
        session.once('close', () => {
          this.#sessions.delete(session);
          this.counters.connectionClosed(record);
        });
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
            handler.handle(r, res, group, false, this.#conns.get(socket) ?? this.#track(socket));
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

  /** worker_release_memory_after: one full GC once the server has been idle that long (tsgi-idle-memory). */
  #startMemoryRelease(): void {
    this.#memoryRelease = IdleMemoryRelease.start(this.config.releaseMemoryAfterMs / 1000, {
      started: () => this.counters.requests,
      busy: () => this.counters.snapshot().writing > 0,
      onRelease: (summary) => this.errorLog.log('debug', `idle: ${summary}`),
      onUnavailable: (error) => this.errorLog.log('warn', `worker_release_memory_after is off: ${error.message}`),
    });
  }

  /**
   * Graceful stop: no new connections, idle ones closed, requests in flight finished (their
   * connections then close), HTTP/2 sessions sent GOAWAY; whatever remains after `timeoutMs` is
   * cut. Resolves when everything is closed.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.#draining = true;
    this.#memoryRelease?.stop();
    // net.Server's close stops accepting only; node:http's close would also cut every idle
    // keep-alive connection at once, racing clients that are about to reuse one.
    const closed = this.#servers.map(({ server }) => new Promise<void>((resolve) => (server.listening ? NetServer.prototype.close.call(server, () => resolve()) : resolve())));
    for (const s of this.#sessions.keys()) s.close();
    const deadline = Date.now() + timeoutMs;
    while (this.#conns.size > 0 || this.#sessions.size > 0) {
      // A connection with a request in progress finishes it (its response says Connection: close).
      // An idle one is closed once it has been idle for a moment: closing a keep-alive connection
      // the instant a client reuses it would reset that client's request (RFC 9112 9.6), and a
      // connection accepted just before the listener closed may still be sending its first request.
      const now = Date.now();
      for (const [c, record] of this.#conns) {
        if (record.inflight === 0 && now - record.idleSince >= DRAIN_IDLE_GRACE_MS && !this.#isSessionSocket(c)) c.destroy();
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
    this.#memoryRelease?.stop();
    for (const { server } of this.#servers) {
      if (server.listening) server.close();
    }
    for (const s of this.#sessions.keys()) s.destroy();
    for (const c of this.#conns.keys()) c.destroy();
    this.#bodyWatch.close();
    this.#idleSessions?.close();
    this.#tls?.close();
    await this.#runtime.close();
    this.accessLog.sink.flush();
    this.errorLog.sink.flush();
  }

  #isSessionSocket(c: Duplex): boolean {
    for (const s of this.#sessions.keys()) if (s.socket === c) return true;
    return false;
  }

  /**
   * Makes the record of an HTTP/1 connection (its TCP or TLS socket), forgotten and closed in
   * the counters when the socket closes; `accepted` also ends the accepted connection (`closed`),
   * in the same listener, for a plain socket that is both.
   */
  #track(socket: Duplex, accepted = false): ConnectionRecord {
    const record = new ConnectionRecord();
    this.#conns.set(socket, record);
    socket.once('close', () => {
      this.#conns.delete(socket);
      this.counters.connectionClosed(record);
      if (accepted) this.counters.closed();
    });
    return record;
  }

  /** An HTTP/2 session's record; a detached one (counted, not tracked) for a stream whose session is gone. */
  #sessionRecord(session: Http2Session | undefined): ConnectionRecord {
    return (session && this.#sessions.get(session)) ?? new ConnectionRecord();
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
