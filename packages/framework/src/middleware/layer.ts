/**
 * The shape every built-in middleware shares: run the layers below, then adjust their response;
 * synchronously while everything below answered synchronously.
 *
 * Why: a JSON view behind the five default layers spent a promise, an async frame and a
 * microtask hop per layer per request only to wait for responses that were already there.
 * Django's sync/async split is the model: a layer adapts to what the layer below gives back.
 * @module
 */
import type { ConvertLayerError, MaybePromise } from '../core/types.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponseBase } from '../http/response.js';

/** What a layer does with the response from below (may replace it). */
export type AfterResponse = (request: HttpRequest, response: HttpResponseBase) => MaybePromise<HttpResponseBase>;

/**
 * Hands the inner layers' answer to `after`: now when it is a response, on settlement when it
 * is a promise. A synchronous throw from `after` reaches the caller's own try/catch; a rejection
 * (from below or from `after`) becomes this layer's response through `convert`, as a throw would.
 *
 * @example
 * ```ts
 * return function xFrameOptionsMiddleware(request) {
 *   try {
 *     return afterInner(request, getResponse(request), addHeader, convert);
 *   } catch (error) {
 *     return failLayer(request, error, convert);
 *   }
 * };
 * ```
 */
export function afterInner(request: HttpRequest, inner: MaybePromise<HttpResponseBase>, after: AfterResponse, convert: ConvertLayerError | undefined): MaybePromise<HttpResponseBase> {
  if (!(inner instanceof Promise)) return after(request, inner);
  return inner.then((response) => after(request, response)).catch((error: unknown) => failLayer(request, error, convert));
}

/**
 * A throw in this layer becomes its response through `convert` (see BuiltinMiddleware in
 * core/types.ts); without one (a layer used outside the handler) the error goes on up.
 */
export function failLayer(request: HttpRequest, error: unknown, convert: ConvertLayerError | undefined): Promise<HttpResponseBase> {
  if (convert) return convert(request, error);
  throw error;
}
