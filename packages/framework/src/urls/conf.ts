/**
 * `path()`, `rePath()` and `include()`: how a URLconf is written (Django's `django.urls.conf`).
 * Route parameters are typed from the route string: `path('a/<int:id>/', view)` hands `view`
 * `{ id: number }`.
 * @module
 */
import { ImproperlyConfigured } from '../core/exceptions.js';
import type { View, RouteParams } from '../core/types.js';
import type { ConverterTypes } from './converters.js';
import { RegexPattern, RoutePattern } from './patterns.js';
import { URLPattern, URLResolver, type UrlConf } from './resolver.js';

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The parameters of a route string, typed by converter (unknown converters give `unknown`).
 *
 * @example
 * ```ts
 * type P = PathParams<'articles/<int:year>/<slug:slug>/'>; // { year: number; slug: string }
 * ```
 */
export type PathParams<R extends string> = Simplify<ParamsOf<R>>;
type ParamsOf<R extends string> = R extends `${string}<${infer Body}>${infer Rest}`
  ? (Body extends `${infer C}:${infer N}`
      ? { [K in N]: C extends keyof ConverterTypes ? ConverterTypes[C] : unknown }
      : { [K in Body]: string }) &
      ParamsOf<Rest>
  : unknown;

/** Options of `path()` and `rePath()`. */
export interface PathOptions {
  /** The name `reverse()` finds it by. */
  name?: string;
  /** Extra parameters for the view (Django's `kwargs`). */
  defaults?: Record<string, unknown>;
  /** Methods this route takes (overrides the view's own declaration); others get 405. */
  methods?: readonly string[];
}

/** What `include()` returns, to be passed to `path()`. */
export interface Included {
  readonly [INCLUDED]: true;
  readonly urlpatterns: readonly (URLPattern | URLResolver)[];
  readonly appName: string | null;
  readonly namespace: string | null;
}
const INCLUDED = Symbol('included');

/**
 * A route: `<converter:name>` parameters (int, str, slug, uuid, path, or registered ones),
 * no leading slash. With an `include()` it is a prefix.
 *
 * @example
 * ```ts
 * export const urlpatterns = [
 *   path('', index, { name: 'index' }),
 *   path('articles/<int:year>/<slug:slug>/', article, { name: 'article' }),
 *   path('blog/', include(blogUrls, { namespace: 'blog' })),
 * ];
 * ```
 */
export function path<R extends string>(route: R, view: View<PathParams<R> & RouteParams> | Included, options: PathOptions = {}): URLPattern | URLResolver {
  if (isIncluded(view)) {
    return new URLResolver(new RoutePattern(route, false), view.urlpatterns, view.appName, view.namespace, options.defaults);
  }
  checkView(view, route);
  return new URLPattern(new RoutePattern(route, true), view as View, options.name ?? null, options.defaults ?? {}, options.methods ?? null);
}

/**
 * A regex route (Django's `re_path`): named groups become string parameters; anchored at the
 * start, end it with `$` for an endpoint. Python's `(?P<name>...)` syntax is accepted.
 *
 * @example
 * ```ts
 * rePath('^archive/(?<year>[0-9]{4})/$', archive, { name: 'archive' });
 * ```
 */
export function rePath(regex: string | RegExp, view: View | Included, options: PathOptions = {}): URLPattern | URLResolver {
  if (isIncluded(view)) {
    return new URLResolver(new RegexPattern(regex, false), view.urlpatterns, view.appName, view.namespace, options.defaults);
  }
  checkView(view, String(regex));
  return new URLPattern(new RegexPattern(regex, true), view, options.name ?? null, options.defaults ?? {}, options.methods ?? null);
}

/**
 * Includes another URLconf under a `path()` prefix, optionally namespaced: names inside are
 * reversed as `namespace:name`. A module's `appName` export is its application namespace.
 *
 * @example
 * ```ts
 * import * as polls from './polls/urls.js'; // exports urlpatterns and appName = 'polls'
 * path('polls/', include(polls));
 * path('api/v1/', include(apiUrls, { namespace: 'v1' }));
 * ```
 */
export function include(conf: UrlConf, options: { namespace?: string; appName?: string } = {}): Included {
  const urlpatterns = Array.isArray(conf) ? conf : (conf as { urlpatterns?: unknown }).urlpatterns;
  if (!Array.isArray(urlpatterns)) {
    throw new ImproperlyConfigured('include() needs an array of patterns or a module exporting `urlpatterns`.');
  }
  const appName = options.appName ?? (Array.isArray(conf) ? null : ((conf as { appName?: string }).appName ?? null));
  const namespace = options.namespace ?? appName;
  return { [INCLUDED]: true, urlpatterns: urlpatterns as (URLPattern | URLResolver)[], appName, namespace };
}

function isIncluded(value: unknown): value is Included {
  return typeof value === 'object' && value !== null && (value as Included)[INCLUDED] === true;
}

function checkView(view: unknown, route: string): void {
  if (typeof view !== 'function') {
    throw new ImproperlyConfigured(
      `The view for route '${route}' must be a function (a function view, View.asView(), or include(...)), got ${view === null ? 'null' : typeof view}.`,
    );
  }
}
