/**
 * `reverse()`: from a pattern's name (and namespace) and parameters back to a URL, so URLs are
 * written once, in the URLconf. The mount path (WSGI's SCRIPT_NAME) is prepended.
 * @module
 */
import { NoReverseMatch } from '../core/exceptions.js';
import type { Resolver, ReverseEntry } from './resolver.js';

let defaultResolver: Resolver | null = null;
let scriptPrefix = '';

/** Sets the resolver `reverse()` uses without `{ resolver }` (getTsgiApplication does it). */
export function setDefaultResolver(resolver: Resolver | null): void {
  defaultResolver = resolver;
}

/** The resolver `reverse()` uses by default. */
export function getDefaultResolver(): Resolver | null {
  return defaultResolver;
}

/** Sets the prefix `reverse()` puts before paths: the mount path (Django's `set_script_prefix`). */
export function setScriptPrefix(prefix: string): void {
  scriptPrefix = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
}

/** Options of {@link reverse}. */
export interface ReverseOptions {
  /** Route parameters (`{ year: 2024 }`), given to each converter's `toUrl`. */
  params?: Record<string, unknown>;
  /** A query string to append (object values may be arrays). */
  query?: Record<string, string | number | boolean | readonly (string | number | boolean)[]> | URLSearchParams;
  /** Overrides the mount path prefix (default: the application's mount path). */
  mountPath?: string;
  /** The resolver to search (default: the application's root URLconf). */
  resolver?: Resolver;
  /** The current namespace, to resolve bare names inside it first (Django's `current_app`). */
  currentApp?: string;
}

// RFC 3986 section 3.3 pchar plus '/': what Django's reverse leaves unquoted.
const SAFE_PATH = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/g;

/**
 * The URL of the pattern named `name` (`namespace:name` inside includes).
 * Throws NoReverseMatch saying what was tried when no pattern fits the name and parameters.
 *
 * @example
 * ```ts
 * reverse('blog:article', { params: { year: 2024, slug: 'hello' }, query: { page: 2 } });
 * // '/blog/articles/2024/hello/?page=2'
 * ```
 */
export function reverse(name: string, options: ReverseOptions = {}): string {
  const resolver = options.resolver ?? defaultResolver;
  if (resolver === null) {
    throw new NoReverseMatch(`reverse('${name}'): no URLconf is loaded yet (create the application with getTsgiApplication() first, or pass { resolver }).`);
  }
  const params = options.params ?? {};
  let candidates: ReverseEntry[] | undefined;
  if (options.currentApp && !name.includes(':')) candidates = resolver.reverseIndex.get(`${options.currentApp}:${name}`);
  candidates ??= resolver.reverseIndex.get(name);
  if (!candidates || candidates.length === 0) {
    const colon = name.lastIndexOf(':');
    if (colon !== -1 && !resolver.namespaces.has(name.slice(0, colon))) {
      throw new NoReverseMatch(`'${name.slice(0, colon)}' is not a registered namespace (known: ${[...resolver.namespaces].join(', ') || 'none'}).`);
    }
    throw new NoReverseMatch(`Reverse for '${name}' not found. '${name}' is not a valid view function or pattern name.`);
  }
  const given = Object.keys(params);
  const tried: string[] = [];
  for (const entry of candidates) {
    const url = tryEntry(entry, params, given);
    if (url !== null) {
      const prefix = options.mountPath !== undefined ? options.mountPath.replace(/\/$/, '') : scriptPrefix;
      return `${prefix}/${url}${queryString(options.query)}`;
    }
    tried.push(`'${entry.parts.map((p) => (typeof p === 'string' ? p : `<${p.name}>`)).join('')}'`);
  }
  throw new NoReverseMatch(
    `Reverse for '${name}' with params ${JSON.stringify(params)} not found. ${candidates.length} pattern(s) tried: [${tried.join(', ')}]`,
  );
}

function tryEntry(entry: ReverseEntry, params: Record<string, unknown>, given: readonly string[]): string | null {
  const needed = new Set<string>();
  for (const part of entry.parts) if (typeof part !== 'string') needed.add(part.name);
  // Every given parameter must be used by the pattern or equal one of its defaults (Django).
  for (const key of given) {
    if (!needed.has(key) && !(key in entry.defaults && entry.defaults[key] === params[key])) return null;
  }
  let out = '';
  for (const part of entry.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    if (!(part.name in params)) return null;
    let text: string;
    try {
      text = part.converter.toUrl(params[part.name]);
    } catch {
      return null;
    }
    if (!part.regex.test(text)) return null;
    out += text;
  }
  return out.replace(SAFE_PATH, (c) => encodeURIComponent(c));
}

function queryString(query: ReverseOptions['query']): string {
  if (!query) return '';
  let search: URLSearchParams;
  if (query instanceof URLSearchParams) {
    search = query;
  } else {
    search = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (Array.isArray(v)) for (const item of v) search.append(k, String(item));
      else search.append(k, String(v));
    }
  }
  const s = search.toString();
  return s ? `?${s}` : '';
}
