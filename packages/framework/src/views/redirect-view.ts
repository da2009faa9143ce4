/**
 * RedirectView (Django's `django.views.generic.base.RedirectView`): a class-based view that
 * redirects every method to `url` or to the route `patternName`; 410 Gone when there is none.
 * @module
 */
import { ImproperlyConfigured } from '../core/exceptions.js';
import { logAt } from '../core/log.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponseGone, HttpResponsePermanentRedirect, HttpResponseRedirect } from '../http/response.js';
import type { RouteParams } from '../core/types.js';
import { View } from './generic.js';

/**
 * Redirects to `url` (its `{name}` placeholders filled from the route parameters) or, without
 * `url`, to the route named `patternName` reversed with the same parameters. 302 unless
 * `permanent` (301); `queryString: true` keeps the request's query string. With neither,
 * `getRedirectUrl()` returns null and the answer is 410 Gone (logged as a warning), as Django's.
 * GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS all redirect.
 *
 * @example
 * ```ts
 * path('old/<int:id>/', RedirectView.asView({ url: '/articles/{id}/', permanent: true })),
 * path('go/<int:id>/', RedirectView.asView({ patternName: 'article', queryString: true })),
 * path('gone/', RedirectView.asView({ url: null })), // 410
 * ```
 */
export class RedirectView extends View {
  /** The target; `{name}` is replaced by the route parameter `name` (percent-encoded). */
  url: string | null = null;
  /** A route name reversed with the route parameters when `url` is null. */
  patternName: string | null = null;
  /** 301 instead of 302. */
  permanent = false;
  /** Append the request's query string to the target. */
  queryString = false;

  /** The target URL, or null for 410 Gone (Django's `get_redirect_url`). */
  getRedirectUrl(params: RouteParams): string | null {
    let url: string;
    if (this.url !== null) url = fillPlaceholders(this.url, params);
    else if (this.patternName !== null) url = this.request.reverse(this.patternName, { params });
    else return null;
    const query = this.request.queryString;
    if (this.queryString && query !== '') url += `${url.includes('?') ? '&' : '?'}${query}`;
    return url;
  }

  /** Every method lands here. */
  get(request: HttpRequest, params: RouteParams): HttpResponseRedirect | HttpResponseGone {
    const url = this.getRedirectUrl(params);
    if (url === null) {
      logAt(request, 'warn', `Gone: ${request.path}`);
      return new HttpResponseGone();
    }
    return this.permanent ? new HttpResponsePermanentRedirect(url) : new HttpResponseRedirect(url);
  }

  head(request: HttpRequest, params: RouteParams) {
    return this.get(request, params);
  }
  post(request: HttpRequest, params: RouteParams) {
    return this.get(request, params);
  }
  put(request: HttpRequest, params: RouteParams) {
    return this.get(request, params);
  }
  patch(request: HttpRequest, params: RouteParams) {
    return this.get(request, params);
  }
  delete(request: HttpRequest, params: RouteParams) {
    return this.get(request, params);
  }
  override options(request: HttpRequest) {
    return this.get(request, this.params);
  }
}

/**
 * `/articles/{id}/` with `{ id: 3 }` is `/articles/3/`. Values are percent-encoded except `/`
 * (a `<path:...>` parameter keeps its slashes); an unknown name is a configuration error.
 */
function fillPlaceholders(template: string, params: RouteParams): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    if (!(name in params)) {
      throw new ImproperlyConfigured(`RedirectView url ${JSON.stringify(template)} uses {${name}}, which the route does not capture (it has: ${Object.keys(params).join(', ') || 'none'}).`);
    }
    return encodeURIComponent(String(params[name])).replace(/%2F/gi, '/');
  });
}
