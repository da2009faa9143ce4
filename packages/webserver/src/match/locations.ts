/**
 * Location matching with nginx's precedence
 * (https://nginx.org/en/docs/http/ngx_http_core_module.html#location):
 * 1. an exact location (`= /path`) equal to the URI wins at once;
 * 2. otherwise the longest matching prefix is remembered; if it is `^~`, it wins;
 * 3. otherwise regex locations (`~`, `~*`) are tried in file order and the first match wins;
 * 4. otherwise the remembered longest prefix wins (or the server's own settings).
 * Matching runs on the normalized URI (decoded, dot segments resolved, slashes merged).
 * @module
 */

/** What the matcher needs of a location. */
export interface Matchable {
  readonly match: 'prefix' | 'exact' | 'prefix-stop' | 'regex';
  readonly path: string;
  readonly regex?: RegExp;
}

/** A compiled location list of one server. */
export class LocationMatcher<L extends Matchable> {
  readonly #exact = new Map<string, L>();
  readonly #prefixes: L[];
  readonly #regexes: L[];
  readonly #fallback: L;

  /**
   * @example
   * ```ts
   * const m = new LocationMatcher(server.locations, server.fallback);
   * m.find('/static/app.js');
   * ```
   */
  constructor(locations: readonly L[], fallback: L) {
    for (const l of locations) if (l.match === 'exact') this.#exact.set(l.path, l);
    this.#prefixes = locations.filter((l) => l.match === 'prefix' || l.match === 'prefix-stop').sort((a, b) => b.path.length - a.path.length);
    this.#regexes = locations.filter((l) => l.match === 'regex');
    this.#fallback = fallback;
  }

  /** The location for a normalized URI path. */
  find(uri: string): L {
    const exact = this.#exact.get(uri);
    if (exact !== undefined) return exact;
    let prefix: L | undefined;
    for (const l of this.#prefixes) {
      if (uri.startsWith(l.path)) {
        prefix = l;
        break;
      }
    }
    if (prefix?.match === 'prefix-stop') return prefix;
    for (const l of this.#regexes) if (l.regex!.test(uri)) return l;
    return prefix ?? this.#fallback;
  }
}

/**
 * The URI as locations see it: percent-decoded, `.` and `..` segments resolved, `//` merged;
 * undefined when it is malformed (bad escape or UTF-8, NUL, or `..` above the root): answer 400.
 * @example normalizeUri('/a/./b/../c%20d') // '/a/c d'
 */
export function normalizeUri(pathname: string): string | undefined {
  let decoded = pathname;
  if (pathname.includes('%')) {
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
  }
  if (decoded.includes('\0') || !decoded.startsWith('/')) return undefined;
  if (!decoded.includes('/.') && !decoded.includes('//') && !decoded.includes('\\')) return decoded;
  const out: string[] = [];
  const parts = decoded.split('/');
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    if (seg === '' && i < parts.length - 1) continue;
    if (seg === '.') {
      if (i === parts.length - 1) out.push('');
      continue;
    }
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      if (i === parts.length - 1) out.push('');
      continue;
    }
    out.push(seg);
  }
  return `/${out.join('/')}`;
}
