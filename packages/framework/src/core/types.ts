/**
 * The shapes everything else agrees on: views, the `getResponse` chain and middleware
 * factories (Django's "new-style" middleware: a factory called once with the next layer).
 * @module
 */
import type { HttpRequest } from '../http/request.js';
import type { HttpResponseBase } from '../http/response.js';
import type { ResolvedSettings } from '../conf/settings.js';

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
  /** A readable name for debug pages and logs. */
  viewName?: string;
}

/** One layer of the onion, as the layer above sees it. */
export type GetResponse = (request: HttpRequest) => Promise<HttpResponseBase>;

/**
 * What a middleware factory returns: the layer's request function, optionally with Django's
 * hooks. `processView` runs after URL resolution, before the view (CSRF uses it); returning a
 * response short-circuits the view. `processException` may turn a view's throw into a response.
 */
export type MiddlewareHandler = ((request: HttpRequest) => ResponseLike | Promise<ResponseLike>) & {
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
 * returns the function called per request.
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

/**
 * Turns a throw inside one layer into that layer's response (what `convertExceptionToResponse`
 * does around a layer). Internal: handler.ts hands it to the built-in middleware.
 */
export type ConvertLayerError = (request: HttpRequest, error: unknown) => Promise<HttpResponseBase>;

/** A value, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The layers below, as a built-in layer sees them: the response itself when everything below
 * answered synchronously, else a promise of it. Internal.
 */
export type InnerGetResponse = (request: HttpRequest) => MaybePromise<HttpResponseBase>;

/**
 * A built-in middleware factory. Its layer stays synchronous while the layers below are (no
 * promise, no microtask per layer on the hot path: see middleware/layer.ts). Given `convert`, the
 * layer catches its own throws with it (a try/catch inside the layer costs nothing, where the
 * generic wrapper costs an async frame and an await per layer per request); without it, the
 * layer throws and the handler wraps it. Either way a throw becomes a response at that layer.
 * Internal; still a {@link Middleware}.
 */
export type BuiltinMiddleware = (getResponse: InnerGetResponse, settings: ResolvedSettings, convert?: ConvertLayerError) => MiddlewareHandler & InnerGetResponse;
