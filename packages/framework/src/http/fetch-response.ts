/**
 * The one place framework responses become fetch Responses. tsgi's FastResponse keeps the body
 * and the header list as given (no Headers object, no stream) and servers built on tsgi's
 * adapter write it directly; it is still a real `Response` for any other TSGI server.
 * @module
 */
import { FastResponse } from 'tsgi';

/**
 * Builds the Response the server receives.
 *
 * @example
 * ```ts
 * makeFetchResponse('hi', { status: 200, statusText: 'OK', headers: [['Content-Type', 'text/plain']] });
 * ```
 */
export function makeFetchResponse(body: BodyInit | null, init: { status: number; statusText: string; headers: [string, string][] }): Response {
  return new FastResponse(body, init) as unknown as Response;
}
