/**
 * One worker's node:http (or https) server: the limits node:http enforces itself (header size,
 * header timeout, keep-alive), the request-head gate's answers for what llhttp rejects, the
 * body inactivity timeout, the response class (drain.ts's tracking; access-log-response.ts's
 * counts and line when the access log is on), the PROXY protocol front, and the adoption of
 * the connections the master hands over. Request-level TSGI behaviour (URL, context, named
 * limits, 413, 500s) is `toNodeListener`'s, not this file's.
 * @module
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Socket, type SocketConstructorOpts } from 'node:net';
import { CidrSet, type TsgiLimits } from 'tsgi';
import { createClientErrorHandler, refuseConnect, refusalMessage } from 'tsgi-head-gate';
import { accessLogResponse } from './access-log-response.js';
import { ConnectionTracker } from './drain.js';
import { AppserverError } from './errors.js';
import type { ServerLogger } from './logger.js';
import { readProxyHeader } from './proxy-protocol.js';
import { wrapHandler, type RequestHandler } from './request-handler.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const nodeHttp = process.getBuiltinModule('node:http');

/** What shapes every server of one worker. */
export interface HttpServerOptions {
  readonly limits: TsgiLimits;
  readonly log: ServerLogger;
  readonly workerId: number;
  readonly tls: { readonly cert: Buffer; readonly key: Buffer } | undefined;
  /** Access log target (`-` = stdout) or null for none. */
  readonly accessLogfile: string | null;
  readonly accessLogformat: string;
  readonly accessLogJson: boolean;
  /** Peers allowed to send a PROXY header, or null when the PROXY protocol is off. */
  readonly proxyAllowFrom: readonly string[] | null;
}

/** `*` means every address (CidrSet takes CIDRs only). */
export function cidrList(items: readonly string[]): string[] {
  return items.flatMap((i) => (i === '*' ? ['0.0.0.0/0', '::/0'] : [i]));
}

/** Reads the TLS files, with errors that name them. */
export function readTls(certfile: string | null, keyfile: string | null): HttpServerOptions['tls'] {
  if (certfile === null || keyfile === null) return undefined;
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new AppserverError('TSGI_APPSERVER_E_WORKER_BOOT', `${flag}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  return { cert: read('--certfile', certfile), key: read('--keyfile', keyfile) };
}

function armBodyTimeout(req: IncomingMessage, res: ServerResponse, ms: number, log: ServerLogger): void {
  if (req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] ?? '0') === '0') return;
  // Inactivity while the body arrives (TsgiLimits.bodyTimeoutMs): 408 if nothing was sent yet.
  const onTimeout = () => {
    log.info('request body timeout (%d ms without data): %s %s', ms, req.method, req.url);
    if (!res.headersSent) {
      res.shouldKeepAlive = false;
      res.writeHead(408, { 'content-type': 'text/plain; charset=utf-8', 'content-length': '15', connection: 'close' });
      res.end('Request Timeout');
    } else req.socket.destroy();
  };
  // req.setTimeout (not socket.setTimeout): with a 'timeout' listener on the request, node:http
  // leaves the socket to us instead of destroying it, so the 408 can be written.
  req.setTimeout(ms, onTimeout);
  const clear = () => req.socket.setTimeout(0);
  req.once('end', clear);
  res.once('close', clear);
}

/** What a worker adds around the requests of all its servers, built once (see {@link instrument}). */
export interface Instrumented {
  /** The request listener: the one given, untouched, when nothing is added per call (hot path). */
  readonly handler: RequestHandler;
  /** The ServerResponse class of every server: node's own, or with the access log on its counting subclass. */
  readonly Response: typeof ServerResponse;
}

/**
 * Adds what the worker observes around each request: the access log (through the response
 * class, access-log-response.ts), keep-alive off when --keep-alive is 0, and for node-interface
 * apps (toNodeListener does it for TSGI apps) the body inactivity timeout on requests with a
 * body. The handler is returned as is unless keep-alive is off or a body timeout applies (hot
 * path: no per-request closure or listener). The access log wraps nothing either: its response
 * class counts in its own methods and adds one shared 'close' listener per response.
 */
export function instrument(handler: RequestHandler, options: HttpServerOptions, nodeApp: boolean): Instrumented {
  const { limits, log } = options;
  const target = options.accessLogfile;
  const Response =
    target === null
      ? nodeHttp.ServerResponse
      : accessLogResponse({ file: target, format: options.accessLogformat, json: options.accessLogJson, workerId: options.workerId, log });
  const bodyTimeout = nodeApp ? limits.bodyTimeoutMs : 0;
  const keepAlive = limits.keepAliveTimeoutMs > 0;
  if (keepAlive && bodyTimeout === 0) return { handler, Response };

  // Without keep-alive every request has its own connection: say at debug when a client leaves
  // early (the access log's response says it when the log is on).
  const noteEarlyClose =
    !keepAlive && target === null && log.enabled('debug')
      ? function (this: ServerResponse): void {
          if (!this.writableFinished) log.debug('client closed the connection before the response was complete: %s %s', this.req.method, this.req.url);
        }
      : undefined;
  const wrapped = wrapHandler(handler, (inner) => (req, res) => {
    if (!keepAlive) res.shouldKeepAlive = false;
    if (noteEarlyClose !== undefined) res.on('close', noteEarlyClose);
    if (bodyTimeout > 0 && req.method !== 'GET' && req.method !== 'HEAD') armBodyTimeout(req, res, bodyTimeout, log);
    inner(req, res);
  });
  return { handler: wrapped, Response };
}

/** The server of one worker, fed the connections the master accepted. */
export interface WorkerServer {
  readonly http: Server;
  readonly connections: ConnectionTracker;
  /** Serves one connection: the accepted handle (TCPWrap or PipeWrap) the master passed. */
  accept(handle: object): void;
}

/**
 * Creates the worker's http(s) server, with limits and error answers. It listens on nothing:
 * connections come from the master ({@link WorkerServer.accept}).
 */
export function createWorkerServer({ handler, Response }: Instrumented, options: HttpServerOptions): WorkerServer {
  const { limits, log } = options;
  const serverOptions = {
    ServerResponse: Response,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    // Timeouts are inactivity-based: no deadline for a whole request (a long upload is fine while data flows).
    requestTimeout: 0,
    // The gate answers a missing Host (and names the rule in the log).
    requireHostHeader: false,
    // How often node checks headersTimeout: often enough that 408 arrives close to the limit.
    connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(limits.headersTimeoutMs / 4) || 30_000)),
    // node's budget for the request line plus all headers; the per-field, count and line limits are checked by name.
    maxHeaderSize: Math.max(16384, limits.maxRequestLineBytes + 2 * limits.maxHeaderFieldBytes),
  };
  // node:https (and with it node:tls) only with a certificate (eslint.config.js). A worker loads
  // node:tls today all the same, through node's bundled undici (tsgi's Response classes).
  const http: Server =
    options.tls !== undefined
      ? process.getBuiltinModule('node:https').createServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key })
      : nodeHttp.createServer(serverOptions);
  // One more than the limit so the adapter sees the excess and answers 431 (node would drop extra fields silently).
  http.maxHeadersCount = limits.maxHeaderCount > 0 ? limits.maxHeaderCount + 1 : 0;
  http.on('request', handler);
  if (handler.checkContinue !== undefined) http.on('checkContinue', handler.checkContinue);
  // What node's parser refuses, and CONNECT: the request-head gate's answers, as every tsgi server gives them.
  http.on('clientError', createClientErrorHandler({
    onRefuse: (rule, _err, socket) => log.info('%s; client %s', refusalMessage(rule), (socket as Socket).remoteAddress ?? 'unknown'),
    // A client that hangs up is routine, not an error.
    onIgnore: (err) => log.debug('client went away: %s', (err as NodeJS.ErrnoException).code ?? err.message),
  }));
  http.on('connect', refuseConnect((rule, req) => log.info('%s; client %s', refusalMessage(rule), req.socket.remoteAddress ?? 'unknown')));
  if (options.tls !== undefined) {
    http.on('tlsClientError', (err: Error) => log.debug('TLS handshake failed: %s', err.message));
  }
  http.on('error', (err) => log.error('server error: %s', err.message));
  const connections = new ConnectionTracker(http);
  // node:http starts its headersTimeout/requestTimeout sweep on 'listening'; this server never
  // listens itself, so it is started the same way here.
  http.emit('listening');
  const allowed = options.proxyAllowFrom === null ? undefined : new CidrSet(cidrList(options.proxyAllowFrom));
  const accept = (handle: object) => {
    const socket = adopt(handle, allowed !== undefined);
    if (allowed === undefined) return void http.emit('connection', socket);
    const peer = socket.remoteAddress ?? '';
    // Only allowed peers may speak for someone else; others are served as they are (a PROXY
    // line from them is then just an invalid request: 400).
    if (peer === '' || !allowed.has(peer)) {
      http.emit('connection', socket);
      socket.resume();
      return;
    }
    readProxyHeader(
      socket,
      limits.headersTimeoutMs || 60_000,
      () => {
        http.emit('connection', socket);
        socket.resume();
      },
      (reason) => log.info('closed a connection from %s: %s', peer, reason),
    );
  };
  return { http, connections, accept };
}

/**
 * Wraps an accepted handle in a socket as node:net's own accept does (net.js onconnection) for
 * a node:http server: half-open allowed (the server decides when to close after the client's
 * FIN) and Nagle off (node:http's `noDelay` default). `paused`: nothing is read until the
 * caller resumes (the PROXY header is read first).
 */
function adopt(handle: object, paused: boolean): Socket {
  // `handle` is how node itself builds a socket around an accepted or passed handle
  // (net.js onconnection, child_process's handle conversion); it is not in the typings.
  const socket = new Socket({ handle, allowHalfOpen: true, pauseOnCreate: paused, readable: true, writable: true } as SocketConstructorOpts);
  socket.setNoDelay(true);
  return socket;
}
