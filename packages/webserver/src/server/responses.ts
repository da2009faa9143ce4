/**
 * The `Server` response header without leaving node:http's fast path.
 *
 * Why: one `res.setHeader('Server', ...)` per request makes node:http merge every later
 * `writeHead(status, array)` into its header object field by field (its "progressive API" slow
 * path); on a 1 KiB static file that cost about a tenth of the request. Adding the field to the
 * array the handler already built keeps the one-pass serialisation.
 * @module
 */
import { ServerResponse } from 'node:http';
import type { IncomingMessage, OutgoingHttpHeaders, OutgoingHttpHeader } from 'node:http';

/** The product token sent as `Server` when `server_tokens` is on. */
export const SERVER_TOKEN = 'tsgi-webserver';

type HeadersArg = OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined;

/** Responses that add `Server` themselves in writeHead (so the request path must not set it). */
export abstract class ServerTokenResponse extends ServerResponse<IncomingMessage> {}

/** True when a flat `[name, value, ...]` header array already names `Server`. */
function arrayHasServer(headers: readonly OutgoingHttpHeader[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    if (typeof name === 'string' && name.length === 6 && name.toLowerCase() === 'server') return true;
  }
  return false;
}

/**
 * A ServerResponse class for `http.createServer({ ServerResponse })` whose writeHead adds
 * `Server: token` unless the response already has one.
 *
 * @example
 * ```ts
 * const server = http.createServer({ ServerResponse: serverTokenResponse('tsgi-webserver') }, handler);
 * ```
 */
export function serverTokenResponse(token: string): typeof ServerResponse {
  const TokenResponse = class extends ServerTokenResponse {
    override writeHead(statusCode: number, reasonOrHeaders?: string | HeadersArg, maybeHeaders?: HeadersArg): this {
      const withReason = typeof reasonOrHeaders === 'string';
      const headers = withReason ? maybeHeaders : reasonOrHeaders;
      let out: HeadersArg = headers;
      if (Array.isArray(headers)) {
        // A copy: handlers may pass arrays they cache and reuse.
        if (!arrayHasServer(headers)) out = [...headers, 'Server', token];
      } else if (headers !== undefined && typeof headers === 'object') {
        if (!Object.keys(headers).some((k) => k.toLowerCase() === 'server') && !this.hasHeader('server')) out = { ...headers, Server: token };
      } else if (!this.hasHeader('server')) {
        this.setHeader('Server', token);
      }
      return withReason ? super.writeHead(statusCode, reasonOrHeaders, out) : super.writeHead(statusCode, out);
    }
  };
  // node:http's option type is generic over the request class; this one serves IncomingMessage.
  return TokenResponse as unknown as typeof ServerResponse;
}
