/**
 * The server's own answers (404, 413, 502 ...): a short HTML page as nginx sends, so browsers
 * show something readable, and a raw form for errors written before node:http has a response.
 * The one format for them all: the proxy's 502/504 (on a response or an upgrade's socket) and
 * the request-head gate's refusals use it too.
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { SERVER_TOKEN } from './responses.js';

// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const { STATUS_CODES } = process.getBuiltinModule('node:http');

/** A node:http or node:http2 compat response. */
export type AnyResponse = ServerResponse | Http2ServerResponse;

const cache = new Map<number, Buffer>();

/** The HTML body for a status, built once per status. */
export function errorBody(status: number): Buffer {
  let body = cache.get(status);
  if (!body) {
    const title = `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
    body = Buffer.from(`<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>tsgi-webserver</center>\r\n</body>\r\n</html>\r\n`);
    cache.set(status, body);
  }
  return body;
}

/**
 * Answers with the status's error page (no body for HEAD, 204 and 304). `close` asks the client
 * to close the connection (after 400, 408, 413, 414, 431 the request may not have been read).
 */
export function sendError(res: AnyResponse, method: string, status: number, headers?: Readonly<Record<string, string>>, close = false): void {
  if (res.headersSent) {
    // Too late for an error page: cut the connection so the client sees a truncated body, not a complete one.
    destroyResponse(res);
    return;
  }
  const body = status === 204 || status === 304 ? undefined : errorBody(status);
  res.statusCode = status;
  if (headers) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (body) {
    res.setHeader('content-type', 'text/html');
    res.setHeader('content-length', body.length);
  }
  if (close && 'shouldKeepAlive' in res) {
    res.shouldKeepAlive = false;
    res.setHeader('connection', 'close');
  }
  if (method === 'HEAD' || !body) res.end();
  else res.end(body);
}

/** Destroys the response's stream (HTTP/2) or socket (HTTP/1). */
export function destroyResponse(res: AnyResponse): void {
  if ('stream' in res) res.stream.close(2 /* INTERNAL_ERROR */);
  else res.destroy();
}

/**
 * A complete HTTP/1.1 error response as bytes, for clientError handlers that own only the socket:
 * the same page and fields {@link sendError} gives with `close` (`Server` unless `serverToken` is
 * undefined, as `server_tokens = false` leaves it out of every other response).
 */
export function rawErrorResponse(status: number, serverToken: string | undefined = SERVER_TOKEN): Buffer {
  const body = errorBody(status);
  const server = serverToken === undefined ? '' : `Server: ${serverToken}\r\n`;
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${server}Date: ${new Date().toUTCString()}\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]);
}
