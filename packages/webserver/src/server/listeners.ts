/**
 * One node server per socket: node:http for plain HTTP/1.1, node:https for TLS, and
 * node:http2's secure server with `allowHTTP1` for TLS with HTTP/2, so one port speaks h2 and
 * HTTP/1.1 chosen by ALPN (RFC 7301). Certificates are chosen per server name by SNI.
 * @module
 */
import { http1Response, http2Response } from './responses.js';
import type { Server as HttpServer, ServerOptions as HttpServerOptions } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { Server as TlsServer } from 'node:tls';
import type { Limits } from '../config/types.js';
import type { SocketGroup } from './sites.js';
import type { TlsSetup } from './tls-setup.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const { createServer: createHttpServer } = process.getBuiltinModule('node:http');

/** A listening server of either kind. */
export type AnyServer = HttpServer | Http2SecureServer;

/**
 * Makes (does not bind) the server for one socket group with the limits applied.
 * @example
 * ```ts
 * const server = await createGroupServer(group, config.limits, tls);
 * server.on('request', (req, res) => handler.handle(req, res, group));
 * ```
 */
export async function createGroupServer(
  group: SocketGroup,
  limits: Limits,
  tls: TlsSetup | undefined,
  serverToken?: string,
  countBytes = false,
): Promise<AnyServer> {
  const http1: HttpServerOptions = {
    // The server's own responses: they add `Server` and count their body bytes (responses.ts).
    ServerResponse: http1Response(serverToken, countBytes),
    // llhttp counts the request line and every header against one total (nginx: NUMBER*SIZE).
    maxHeaderSize: limits.headerBuffersTotal,
    headersTimeout: limits.headerTimeoutMs,
    // The body has its own idle timeout (client_body_timeout); no limit on a whole slow upload.
    requestTimeout: 0,
    keepAliveTimeout: limits.keepaliveTimeoutMs,
    connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(limits.headerTimeoutMs / 4))),
    // The gate answers a missing Host (and names the rule in the log).
    requireHostHeader: false,
    joinDuplicateHeaders: false,
  };
  let server: AnyServer;
  if (!group.ssl) {
    server = createHttpServer(http1);
  } else {
    if (!tls) throw new Error(`${group.key}: ssl without certificates`);
    // Certificates by SNI, protocols, ciphers, session tickets: tls-setup.ts.
    const tlsOptions = tls.serverOptions(group, limits.headerTimeoutMs);
    if (group.http2) {
      // node:http2 and node:https are loaded here, by the listener that needs them (responses.ts: RSS).
      server = process.getBuiltinModule('node:http2').createSecureServer({
        ...tlsOptions,
        ...http1,
        // node:http2 names its response classes differently: HTTP/1.1 fallback, then h2 streams.
        Http1ServerResponse: http1.ServerResponse,
        Http2ServerResponse: http2Response(countBytes),
        allowHTTP1: true,
        settings: { maxConcurrentStreams: limits.http2MaxConcurrentStreams, maxHeaderListSize: limits.headerBuffersTotal },
        maxSessionMemory: 20,
      });
      applyHttp1Limits(server, limits, http1);
    } else {
      server = process.getBuiltinModule('node:https').createServer({ ...tlsOptions, ...http1 });
    }
  }
  if (group.ssl) tls!.attach(server as TlsServer, group);
  if ('maxRequestsPerSocket' in server) server.maxRequestsPerSocket = limits.keepaliveRequests;
  server.maxConnections = limits.maxConnections;
  return server;
}

/**
 * The HTTP/1.1 fallback of an h2 server reads these from the server object. With `allowHTTP1`,
 * node's Http2SecureServer tracks the fallback's connections as node:http does (its constructor
 * starts `setupConnectionsTracking` on 'listening', every `connectionsCheckingInterval`, which
 * it fixes at 30 s unless set here before listen): a client that does not finish its request head
 * within `headersTimeout` of connecting or of starting a request gets the 408 from the
 * 'clientError' handler, as on plain and node:https ports. (A deadline of this server's own,
 * re-armed per request, did the same until 2026-12-06: a timer and a 'finish' listener per
 * request, 2-3% of the worker's CPU profile on HTTP/1.1 over TLS.)
 */
function applyHttp1Limits(server: Http2SecureServer, limits: Limits, opts: HttpServerOptions): void {
  const s = server as unknown as Record<string, unknown>;
  s.maxHeaderSize ??= opts.maxHeaderSize;
  s.headersTimeout = opts.headersTimeout;
  s.keepAliveTimeout = limits.keepaliveTimeoutMs;
  s.requestTimeout = 0;
  s.connectionsCheckingInterval = opts.connectionsCheckingInterval;
}
