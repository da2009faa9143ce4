/**
 * `reverse()`: from a pattern's name (and namespace) and parameters back to a URL, so URLs are
 * written once, in the URLconf. The mount path (WSGI's SCRIPT_NAME) is prepended.
 *
 * Which URLconf and mount path: Django keeps them per request (thread-locals set by the
 * handler), never per process. Here the request is the scope: `request.reverse()` names it, and
 * a bare `reverse()` inside a request's work finds it through an AsyncLocalStorage when the
 * process holds more than one application. Outside any request, a process with one application
 * uses that application's URLconf and the mount path it was last served under.
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { NoReverseMatch } from '../core/exceptions.js';
import type { Resolver, ReverseEntry } from './resolver.js';

/** Where `reverse()` finds the URLconf and the mount path: a request, or an application. */
export interface UrlScope {
  /** The root resolver (null while a lazy URLconf loads). */
  readonly resolver: Resolver | null;
  /** The mount path (SCRIPT_NAME), '' at the root. */
  readonly mountPath: string;
}

/** An application's own scope, for `reverse()` outside requests (handler.ts keeps it current). */
export interface ApplicationUrlScope extends UrlScope {
  resolver: Resolver | null;
  mountPath: string;
}

const requestScope = new AsyncLocalStorage<UrlScope>();
let applications = 0;
let onlyApplication: ApplicationUrlScope | null = null;

/**
 * Counts one more application in this process and returns its scope (getTsgiApplication calls
 * it once per application). Internal.
 */
export function registerApplication(): ApplicationUrlScope {
  const scope: ApplicationUrlScope = { resolver: null, mountPath: '' };
  applications += 1;
  onlyApplication = applications === 1 ? scope : null;
  return scope;
}

/**
 * Runs `handle(request)` with `request` as the scope a bare `reverse()` reads. With one
 * application in the process the scope is that application's and nothing is stored: on Node 20
 * the first `AsyncLocalStorage.run()` turns on promise hooks for the whole process, which
 * measured (in-process, JSON view, default middleware) ~1.5 -> ~1.6 us per request with a sync
 * view and ~3.5 -> ~5.9 us with an async one. Internal (handler.ts).
 */
export function inRequestScope<S extends UrlScope, R>(request: S, handle: (request: S) => R): R {
  return applications > 1 ? requestScope.run(request, handle, request) : handle(request);
}

/** Options of {@link reverse}. */
export interface ReverseOptions {
  /** Route parameters (`{ year: 2024 }`), given to each converter's `toUrl`. */
  params?: Record<string, unknown>;
  /** A query string to append (object values may be arrays). */
  query?: Record<string, string | number | boolean | readonly (string | number | boolean)[]> | URLSearchParams;
  /** Overrides the mount path prefix (default: the current request's, else the application's). */
  mountPath?: string;
  /** The resolver to search (default: the current request's URLconf, else the application's). */
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
 * The URLconf and mount path are, unless given: the current request's (in a view, or in
 * anything it calls or awaits), else, outside requests, those of the process's one
 * application. With several applications in one process and no request at hand, pass
 * `{ resolver: application.resolver, mountPath }`, or call `request.reverse()`.
 *
 * @example
 * ```ts
 * reverse('blog:article', { params: { year: 2024, slug: 'hello' }, query: { page: 2 } });
 * // '/blog/articles/2024/hello/?page=2'
 * ```
 */
export function reverse(name: string, options: ReverseOptions = {}): string {
  const scope = requestScope.getStore() ?? onlyApplication;
  const resolver = options.resolver ?? scope?.resolver ?? null;
  if (resolver === null) {
    throw new NoReverseMatch(
      scope === null && applications > 1
        ? `reverse('${name}') outside a request, with ${applications} applications in this process: say which with { resolver: application.resolver, mountPath }, or call request.reverse() in a view.`
        : `reverse('${name}'): no URLconf is loaded yet (create the application with getTsgiApplication() first, or pass { resolver }).`,
    );
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
      const mountPath = options.mountPath ?? scope?.mountPath ?? '';
      const prefix = mountPath.endsWith('/') ? mountPath.slice(0, -1) : mountPath;
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
