/**
 * Answers for requests node:http's parser (llhttp) refuses before a request object exists:
 * an over-long request line (414), over-long headers (431), a head that arrives too slowly (408,
 * node's headersTimeout), and malformed requests (400). The connection is closed after each.
 * @module
 */
import type { Duplex } from 'node:stream';
import { errorBody, rawErrorResponse } from './error-page.js';

interface ParserError extends Error {
  code?: string;
  rawPacket?: Buffer;
  bytesParsed?: number;
}

/** The status for a parser error code. */
export function statusForClientError(err: ParserError): number | undefined {
  switch (err.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'HPE_HEADER_OVERFLOW':
      return requestLineOverflow(err) ? 414 : 431;
    case 'HPE_INVALID_METHOD':
    case 'HPE_INVALID_URL':
    default:
      return 400;
  }
}

/**
 * llhttp reports one overflow for the whole head. When the packet holding the overflow has no
 * line break after the start of the current request, the request line itself is too long: 414,
 * as nginx answers, rather than 431.
 */
function requestLineOverflow(err: ParserError): boolean {
  const raw = err.rawPacket;
  if (!raw) return false;
  const end = Math.min(raw.length, err.bytesParsed ?? raw.length);
  const previous = raw.lastIndexOf('\r\n\r\n', end);
  const start = previous === -1 ? 0 : previous + 4;
  const newline = raw.indexOf('\n', start);
  if (newline !== -1 && newline < end) return false;
  // No line break before the overflow. If the packet begins the request ("GET /..."), the request
  // line is what overflowed. A continuation packet (TLS delivers 16 KiB records) is ambiguous; it
  // is taken as a header, since huge cookies are more common than 32 KiB URLs.
  return /^[A-Z]+ \S/.test(raw.subarray(start, start + 16).toString('latin1'));
}

/**
 * The server's `clientError` listener.
 * @param onError called with the status sent (for logs and counters)
 */
export function clientErrorHandler(onError: (status: number, err: Error, socket: Duplex, bodyBytes: number) => void): (err: Error, socket: Duplex) => void {
  return (err, socket) => {
    const status = statusForClientError(err as ParserError);
    if (status === undefined || !socket.writable || (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    onError(status, err, socket, errorBody(status).length);
    socket.end(rawErrorResponse(status));
    // A client that never reads must not keep the socket: destroy after a short grace period.
    setTimeout(() => socket.destroy(), 5000).unref();
  };
}
