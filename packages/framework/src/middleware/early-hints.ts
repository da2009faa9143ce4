/**
 * `earlyHintsMiddleware(links)`: a 103 Early Hints with the site's stylesheets and scripts before
 * every page, so the browser fetches them while the view runs (tsgi SPEC 7.4, RFC 8297). Opt-in:
 * it helps only pages that take a while, and only behind a front that passes 103s on.
 * @module
 */
import type { Middleware } from '../core/types.js';
import type { HttpRequest } from '../http/request.js';

/** Link values, or a function of the request that gives them (e.g. from `staticUrl()`). */
export type EarlyHintLinks = readonly string[] | ((request: HttpRequest) => readonly string[]);

/**
 * True for a page load: a GET whose client wants a document (`Sec-Fetch-Dest: document`, or
 * without Fetch Metadata an Accept naming text/html). Hints for API calls or images would only
 * make the browser fetch what that response does not use.
 */
function isPageLoad(request: HttpRequest): boolean {
  if (request.method !== 'GET') return false;
  const dest = request.header('sec-fetch-dest');
  if (dest !== null) return dest === 'document';
  return (request.header('accept') ?? '').includes('text/html');
}

/**
 * A middleware that sends `links` in a 103 before the view runs, for page loads only.
 *
 * @example
 * ```ts
 * defineSettings({
 *   MIDDLEWARE: [
 *     earlyHintsMiddleware(['</static/site.css>; rel=preload; as=style', '</static/app.js>; rel=modulepreload']),
 *     ...DEFAULT_MIDDLEWARE,
 *   ],
 * });
 * ```
 */
export function earlyHintsMiddleware(links: EarlyHintLinks): Middleware {
  if (typeof links !== 'function' && (!Array.isArray(links) || links.some((link) => typeof link !== 'string'))) {
    throw new TypeError('earlyHintsMiddleware() expects Link values (strings) or a function of the request returning them');
  }
  return (getResponse) =>
    function earlyHints(request) {
      if (isPageLoad(request)) request.earlyHints(typeof links === 'function' ? links(request) : links);
      return getResponse(request);
    };
}
