/**
 * The framework's one sync-or-promise shortcut. Middleware layers, `processView` hooks, views
 * and `prepare()` may each answer with a value or a promise of one; every place that goes on
 * with such an answer goes through {@link settle}, so "now or later" is decided here and nowhere
 * else (a layer's answer that already is a framework response is neither: convertExceptionToResponse
 * hands it on as it is). Django does the same with one protocol and one wrapper per layer
 * (`convert_exception_to_response`); Hono's `compose` keeps its one shortcut in one place too.
 *
 * Why not always `await`: an async frame, a promise and a microtask hop per layer per request,
 * only to wait for responses that were already there. Answering synchronously while nothing
 * returned a promise took the JSON view behind the default middleware from 0.60x to 0.71-0.83x
 * Fastify (bench row "tsgi-framework JSON view on tsgi-appserver -w 1", commit 4cad816).
 * @module
 */

/** A value, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** A promise or any other thenable (what `await` would wait for). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value instanceof Promise || (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function');
}

/**
 * Goes on with `value`: `next(context, value)` now when `value` is not a promise, else once it
 * settles. With `fail`, a throw or rejection on the way (of `value`, or of `next`, whether it
 * throws or returns a promise that rejects) becomes `fail(context, error)`; without it, errors
 * reach the caller as they are (a throw stays a throw, a rejection a rejection).
 * `next` and `fail` take the context as an argument so callers pass functions built once
 * instead of a closure per request.
 *
 * @example
 * ```ts
 * // A layer that adds a header on the way out, synchronously when the layers below are.
 * const addHeader = (_request: HttpRequest, response: HttpResponseBase) => {
 *   response.headers.set('X-Layer', 'ran');
 *   return response;
 * };
 * const layer: Middleware = (getResponse) => (request) => settle(request, getResponse(request), addHeader);
 * ```
 */
export function settle<C, T, R>(
  context: C,
  value: T | PromiseLike<T>,
  next: (context: C, value: T) => MaybePromise<R>,
  fail?: (context: C, error: unknown) => MaybePromise<R>,
): MaybePromise<R> {
  if (isThenable(value)) return settleLater(context, value, next, fail);
  if (fail === undefined) return next(context, value);
  let result: MaybePromise<R>;
  try {
    result = next(context, value);
  } catch (error) {
    return fail(context, error);
  }
  return result instanceof Promise ? settleLater(context, result, passOn, fail) : result;
}

async function settleLater<C, T, R>(
  context: C,
  pending: PromiseLike<T>,
  next: (context: C, value: T) => MaybePromise<R>,
  fail: ((context: C, error: unknown) => MaybePromise<R>) | undefined,
): Promise<R> {
  // Only a promise is awaited: `await` on a response costs one more microtask per layer
  // (an async view through the default middleware: ~3.5 -> ~3.2 us per request in-process).
  if (fail === undefined) {
    const result = next(context, await pending);
    return result instanceof Promise ? await result : result;
  }
  try {
    const result = next(context, await pending);
    return result instanceof Promise ? await result : result;
  } catch (error) {
    return fail(context, error);
  }
}

function passOn<C, R>(_context: C, value: R): R {
  return value;
}
