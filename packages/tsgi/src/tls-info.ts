/**
 * The `tsgi.tls` extension (SPEC 4.10): what TLS negotiated on this connection (SNI, ALPN,
 * version, cipher, client certificate), for servers that terminate TLS themselves.
 * @module
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { TsgiContext } from './types.js';

/** The extension name a server lists in `server.extensions` when it gives `context['tsgi.tls']`. */
export const TSGI_TLS_EXTENSION = 'tsgi.tls';

/** What TLS negotiated on the connection a request arrived on (SPEC 4.10.1). */
export interface TsgiTlsInfo {
  /** The SNI host name the client sent, `null` when it sent none. */
  readonly serverName: string | null;
  /** The ALPN protocol negotiated (`'http/1.1'`, `'h2'`), `null` when none was. */
  readonly alpnProtocol: string | null;
  /** The TLS version as the TLS library names it (`'TLSv1.3'`). */
  readonly version: string;
  /** The cipher suite's standard name (`'TLS_AES_128_GCM_SHA256'`). */
  readonly cipher: string;
  /** The client certificate, DER-encoded, `null` when the client sent none. */
  readonly peerCertificate: Uint8Array | null;
  /** True when the server verified the client certificate against its CAs. */
  readonly peerCertificateVerified: boolean;
}

/** One description per TLS connection: every request on a kept-alive connection shares it. */
const described = new WeakMap<TLSSocket, TsgiTlsInfo>();

/**
 * The TLS details of `socket`, or `null` when it is not a TLS socket. For servers building
 * `context['tsgi.tls']`.
 *
 * @example
 * ```ts
 * const info = describeTls(req.socket); // { serverName: 'example.com', alpnProtocol: 'http/1.1', ... }
 * ```
 */
export function describeTls(socket: Socket): TsgiTlsInfo | null {
  // `encrypted` first: a plain socket does not load node:tls here (+5 MB of RSS on Node 24 in a
  // process that had not loaded it); a socket that claims it is then checked to be node's TLSSocket.
  if ((socket as Partial<TLSSocket>).encrypted !== true) return null;
  if (!(socket instanceof process.getBuiltinModule('node:tls').TLSSocket)) return null;
  let info = described.get(socket);
  if (info === undefined) {
    const certificate = socket.getPeerX509Certificate();
    const servername = (socket as TLSSocket & { servername?: string | false }).servername;
    info = Object.freeze({
      serverName: typeof servername === 'string' && servername !== '' ? servername : null,
      alpnProtocol: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : null,
      version: socket.getProtocol() ?? '',
      cipher: socket.getCipher()?.standardName ?? '',
      peerCertificate: certificate === undefined ? null : new Uint8Array(certificate.raw),
      peerCertificateVerified: certificate !== undefined && socket.authorized,
    });
    described.set(socket, info);
  }
  return info;
}

/**
 * The TLS details of the connection `context` belongs to (SPEC 4.10), or `null` on a connection
 * without TLS or on a server that does not declare `tsgi.tls` (behind a TLS-terminating proxy,
 * say). Apps read it through this helper, never by indexing the context with a string.
 *
 * @example
 * ```ts
 * import { tlsInfo } from 'tsgi';
 * const tls = tlsInfo(context);
 * if (tls?.peerCertificate && tls.peerCertificateVerified) {
 *   const cert = new X509Certificate(tls.peerCertificate);
 * }
 * ```
 */
export function tlsInfo(context: TsgiContext): TsgiTlsInfo | null {
  if (context.server.extensions[TSGI_TLS_EXTENSION] === undefined) return null;
  const value = (context as unknown as Record<string, unknown>)[TSGI_TLS_EXTENSION];
  return value === undefined || value === null ? null : (value as TsgiTlsInfo);
}
