/**
 * Building `request.url`: scheme, host and the request target as received (RFC 9112 section 3.2).
 * @module
 */

/**
 * Characters and dot segments the WHATWG URL parser would rewrite. When the target has none of
 * them, `scheme://host` + target is already what `new URL()` would produce, so the hot path
 * concatenates instead of parsing (and the lazy Request's url equals the real Request's).
 */
const NEEDS_PARSE = /[^\x21-\x7e]|["<>\\^`{|}]|\/\.\.?(?:[/?#]|$)|%2e/i;

/**
 * `scheme://host` + path, as a Request's url would read. The target is not decoded; only the
 * rewrites the URL standard itself makes (dot segments, percent-encoding of spaces and the like)
 * are applied, and only when such characters are present.
 *
 * @example
 * ```ts
 * buildUrl('http', 'example.com', '/a?b=1'); // 'http://example.com/a?b=1'
 * ```
 */
export function buildUrl(scheme: string, host: string, path: string): string {
  // OPTIONS * (asterisk-form, RFC 9112 section 3.2.4) has no path; SPEC 3.1.4 spells it `/*`.
  const target = path === '*' ? '/*' : path;
  const url = `${scheme}://${host}${target}`;
  if (!NEEDS_PARSE.test(target) && isCanonicalHost(scheme, host)) return url;
  return new URL(url).href;
}

/**
 * Hosts the URL parser leaves as they are: lower-case names whose last label is not numeric,
 * canonical dotted quads, and a port that is not the scheme's default. Anything else (upper
 * case, IPv6, `127.1`, `:80` on http) goes through `new URL()`. Memoised for the last host,
 * because one server sees the same few hosts over and over.
 */
const CANONICAL_HOST =
  /^(?:(?:[a-z0-9-]+\.)*[a-z_-][a-z0-9_-]*|(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d))(?::[1-9]\d{0,4})?$/;
let lastHost = '';
let lastScheme = '';
let lastCanonical = false;

function isCanonicalHost(scheme: string, host: string): boolean {
  if (host === lastHost && scheme === lastScheme) return lastCanonical;
  let ok = CANONICAL_HOST.test(host);
  if (ok) {
    const colon = host.lastIndexOf(':');
    if (colon !== -1) {
      const port = Number(host.slice(colon + 1));
      ok = port <= 65535 && !((scheme === 'http' && port === 80) || (scheme === 'https' && port === 443));
    }
  }
  lastHost = host;
  lastScheme = scheme;
  lastCanonical = ok;
  return ok;
}
