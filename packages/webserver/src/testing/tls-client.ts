/**
 * A TLS client for tests: one handshake and one HTTP/1.1 request on a fresh connection, reporting
 * what the handshake did (resumed, protocol, cipher, ALPN, the stapled OCSP response).
 * @module
 */
import { connect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';

/** What one {@link tlsRequest} saw. */
export interface TlsReply {
  /** The response body ('' when the handshake was all that was asked for). */
  readonly body: string;
  readonly reused: boolean;
  readonly protocol: string | null;
  readonly cipher: string;
  readonly alpn: string | false;
  /** The session to resume with next time (the last ticket the server sent). */
  readonly session: Buffer | undefined;
  /** The stapled OCSP response, when `requestOCSP` asked for one and the server sent one. */
  readonly ocsp: Buffer | undefined;
}

/**
 * Connects to 127.0.0.1:`port` (SNI `servername`, certificate not checked), sends `GET path`
 * with `Connection: close` unless `path` is undefined, and resolves once the server closes.
 * Bounded by `timeoutMs`.
 */
export function tlsRequest(port: number, options: ConnectionOptions & { path?: string; timeoutMs?: number; requestOCSP?: boolean } = {}): Promise<TlsReply> {
  const { path = '/', timeoutMs = 15_000, servername = 'a.test', ...tlsOptions } = options;
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined;
    let ocsp: Buffer | undefined;
    let data = '';
    let hello: Omit<TlsReply, 'body' | 'session' | 'ocsp'> | undefined;
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ...tlsOptions }, () => {
      hello = { reused: socket.isSessionReused(), protocol: socket.getProtocol(), cipher: socket.getCipher().name, alpn: socket.alpnProtocol ?? false };
      if (path === undefined) socket.end();
      else socket.write(`GET ${path} HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
    });
    socket.on('session', (s: Buffer) => (session = s));
    // node emits null when the server sent no staple.
    socket.on('OCSPResponse', (r: Buffer | null) => (ocsp = r ?? undefined));
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (data += c));
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no close within ${timeoutMs} ms`)));
    socket.on('error', reject);
    socket.on('close', () => {
      if (!hello) return reject(new Error('closed before the handshake finished'));
      const cut = data.indexOf('\r\n\r\n');
      resolve({ ...hello, body: cut < 0 ? '' : data.slice(cut + 4), session, ocsp });
    });
  });
}
