/**
 * Class-based views (Django's `django.views.generic.base.View`): one method per HTTP method,
 * `asView()` turns the class into a view function. A method the class does not define is 405
 * with `Allow`; OPTIONS answers with `Allow`; HEAD falls back to `get`.
 * @module
 */
import type { HttpRequest } from '../http/request.js';
import { HttpResponse, HttpResponseNotAllowed } from '../http/response.js';
import type { ResponseLike, RouteParams, View as ViewFunction } from '../core/types.js';
import { logAt } from '../core/log.js';

/** HTTP methods a class-based view may implement (lower case, as method names). */
export const HTTP_METHOD_NAMES = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'] as const;

type Handler = (request: HttpRequest, params: RouteParams) => ResponseLike | Promise<ResponseLike>;

/**
 * Base class of class-based views. A new instance serves each request (so instance fields are
 * per-request), with `request` and `params` set before the method runs.
 *
 * @example
 * ```ts
 * class ArticleView extends View {
 *   get(request: HttpRequest) {
 *     return new JsonResponse({ id: this.params.id });
 *   }
 *   async post(request: HttpRequest) {
 *     const data = await request.json();
 *     return new JsonResponse({ created: data }, { status: 201 });
 *   }
 * }
 * path('articles/<int:id>/', ArticleView.asView(), { name: 'article' });
 * ```
 */
export class View {
  /** Methods this class may answer (override to restrict). */
  static httpMethodNames: readonly string[] = HTTP_METHOD_NAMES;
  /** Skip CSRF checks for this view (see `csrfExempt`). */
  static csrfExempt = false;

  /** The current request. */
  request!: HttpRequest;
  /** The converted route parameters. */
  params!: RouteParams;

  /**
   * The view function for this class. `initial` sets instance fields on each new instance
   * (Django's `as_view(**initkwargs)`).
   */
  static asView<T extends View>(this: new () => T, initial: Partial<T> = {}): ViewFunction {
    const Class = this as unknown as (new () => T) & typeof View;
    // Class fields live on instances, methods on the prototype: a probe instance has both.
    const probe = Object.keys(initial).length > 0 ? new Class() : null;
    for (const key of Object.keys(initial)) {
      if ((HTTP_METHOD_NAMES as readonly string[]).includes(key)) {
        throw new TypeError(`${Class.name}.asView(): the method name ${key} is not accepted as a keyword argument.`);
      }
      if (!(key in (probe as object))) {
        throw new TypeError(`${Class.name}.asView() received an invalid keyword ${JSON.stringify(key)}: only attributes the class already has are accepted.`);
      }
    }
    const view = ((request: HttpRequest, params: RouteParams) => {
      const instance = new Class();
      Object.assign(instance, initial);
      instance.request = request;
      instance.params = params;
      return instance.dispatch(request, params);
    }) as ViewFunction;
    view.allowedMethods = allowedOf(Class.prototype as View, Class.httpMethodNames);
    view.csrfExempt = Class.csrfExempt;
    view.viewName = Class.name;
    return view;
  }

  /** Calls the method named after the request's method, or {@link httpMethodNotAllowed}. */
  dispatch(request: HttpRequest, params: RouteParams): ResponseLike | Promise<ResponseLike> {
    const name = request.method.toLowerCase();
    const Class = this.constructor as typeof View;
    let handler: Handler | undefined;
    if (Class.httpMethodNames.includes(name)) {
      handler = (this as unknown as Record<string, Handler | undefined>)[name];
      if (handler === undefined && name === 'head') handler = (this as unknown as Record<string, Handler | undefined>).get;
    }
    if (typeof handler !== 'function') return this.httpMethodNotAllowed(request);
    return handler.call(this, request, params);
  }

  /** 405 with `Allow` listing the methods this class implements. */
  httpMethodNotAllowed(request: HttpRequest): ResponseLike {
    logAt(request, 'warn', `Method Not Allowed (${request.method}): ${request.path}`);
    return new HttpResponseNotAllowed(this.allowedMethods());
  }

  /** OPTIONS: 200 with `Allow` and an empty body (RFC 9110 section 9.3.7). */
  options(_request: HttpRequest): ResponseLike {
    const response = new HttpResponse('', { contentType: 'text/plain' });
    response.headers.set('Allow', this.allowedMethods().join(', '));
    response.headers.set('Content-Length', '0');
    return response;
  }

  /** The methods this class answers, upper case. */
  allowedMethods(): string[] {
    return allowedOf(this, (this.constructor as typeof View).httpMethodNames);
  }
}

function allowedOf(instance: View, names: readonly string[]): string[] {
  const has = (m: string) => typeof (instance as unknown as Record<string, unknown>)[m] === 'function';
  return names.filter((m) => has(m) || (m === 'head' && has('get'))).map((m) => m.toUpperCase());
}
