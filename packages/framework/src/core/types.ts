/**
 * The shapes everything else agrees on: views, the `getResponse` chain and middleware
 * factories (Django's "new-style" middleware: a factory called once with the next layer).
 * @module
 */
import type { HttpRequest } from '../http/request.js';
import type { HttpResponseBase } from '../http/response.js';
import type { ResolvedSettings } from '../conf/settings.js';
import type { MaybePromise } from './settle.js';
import type { UploadLimits } from '../http/multipart.js';

/** What a view may return: a framework response, or any fetch `Response` (used as it is). */
export type ResponseLike = HttpResponseBase | Response;

/** Route parameters, already converted by their converters (`<int:year>` gives a number). */
export type RouteParams = Record<string, unknown>;

/**
 * A view: takes the request (its route parameters are also in `request.params`), returns a
 * response, sync or async. Extra properties declare what it accepts: see `requireHttpMethods`
 * and `csrfExempt`.
 *
 * @example
 * ```ts
 * const hello: View = (request) => new HttpResponse(`hello ${request.params.name}`);
 * ```
 */
export type View<P extends RouteParams = RouteParams> = ((
  request: HttpRequest<P>,
  params: P,
) => ResponseLike | Promise<ResponseLike>) &
  ViewAttributes;

/** Attributes decorators put on a view. */
export interface ViewAttributes {
  /** Methods the view takes (upper case); absent = any. A mismatch is 405 with `Allow`. */
  allowedMethods?: readonly string[];
  /** Skip CsrfViewMiddleware's check (see `csrfExempt`). */
  csrfExempt?: boolean;
  /** The view reads the body itself: the handler does not read form bodies first (see `streaming`). */
  streaming?: boolean;
  /** A readable name for debug pages and logs. */
  viewName?: string;
  /** Per-field file limits enforced while the body streams in (see `limitUploads`). */
  uploadLimits?: UploadLimits;
}

/**
 * The layers below, as a middleware sees them: the response, or a promise of it when something
 * below answered asynchronously. `await` takes either; built-in layers use `settle` to stay
 * synchronous while everything below is. It never throws: a throw below has already become a
 * response at the layer that threw (see `Middleware`).
 *
 * @example
 * ```ts
 * const poweredBy: Middleware = (getResponse: GetResponse) => async (request) => {
 *   const response = await getResponse(request);
 *   response.headers.set('X-Powered-By', 'tsgi');
 *   return response;
 * };
 * ```
 */
export type GetResponse = (request: HttpRequest) => MaybePromise<HttpResponseBase>;

/**
 * What a middleware factory returns: the layer's request function (answering with a response or
 * a promise of one), optionally with Django's hooks. `processView` runs after URL resolution,
 * before the view (CSRF uses it); returning a response short-circuits the view.
 * `processException` may turn a view's throw into a response.
 */
export type MiddlewareHandler = ((request: HttpRequest) => MaybePromise<ResponseLike>) & {
  processView?: (
    request: HttpRequest,
    view: View,
    params: RouteParams,
  ) => ResponseLike | null | undefined | void | Promise<ResponseLike | null | undefined | void>;
  processException?: (
    request: HttpRequest,
    error: unknown,
  ) => ResponseLike | null | undefined | void | Promise<ResponseLike | null | undefined | void>;
};

/**
 * A middleware: a factory called ONCE at startup with the next layer (and the settings), which
 * returns the function called per request. The built-in middleware are written this way too.
 * Every layer is wrapped the same way (Django's `convert_exception_to_response`): whatever it
 * throws or rejects with becomes a response at that layer, so the layers above still run.
 *
 * @example
 * ```ts
 * const timing: Middleware = (getResponse) => async (request) => {
 *   const start = performance.now();
 *   const response = await getResponse(request);
 *   response.headers.set('Server-Timing', `app;dur=${(performance.now() - start).toFixed(1)}`);
 *   return response;
 * };
 * ```
 */
export type Middleware = (getResponse: GetResponse, settings: ResolvedSettings) => MiddlewareHandler;
