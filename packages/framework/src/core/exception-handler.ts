/**
 * Exceptions to responses (Django's `django.core.handlers.exception`): every layer of the
 * onion is wrapped so that a throw becomes a response AT THAT LAYER and the middleware above
 * still runs (e.g. adds its security headers to the 404 page). The status comes from the one
 * table in `exceptions.ts`; the page from the configured error views, or DEBUG's technical pages.
 * @module
 */
import type { ResolvedSettings, ErrorView } from '../conf/settings.js';
import {
  Http404,
  MethodNotAllowed,
  PermissionDenied,
  SuspiciousOperation,
  BadRequest,
  statusForError,
} from './exceptions.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponseBase, HttpResponseNotAllowed, WrappedResponse } from '../http/response.js';
import type { GetResponse } from './types.js';
import { settle, type MaybePromise } from './settle.js';
import { badRequest, pageNotFound, permissionDenied, serverError } from '../views/defaults.js';
import { technical404Response, technical500Response } from '../views/debug.js';
import { templateErrorView } from '../views/error-templates.js';
import { logAt } from './log.js';

/** A context property the test client sets to hear about uncaught view errors (Django's got_request_exception). */
export const GOT_REQUEST_EXCEPTION = Symbol.for('tsgi-framework.got_request_exception');

/** Error views in effect: the URLconf module's, then the settings', then the defaults. */
export interface ErrorViews {
  handler400: ErrorView | null;
  handler403: ErrorView | null;
  handler404: ErrorView | null;
  handler500: ErrorView | null;
}

/**
 * Wraps one layer so whatever it throws or rejects with becomes a response AT THAT LAYER
 * (Django's `convert_exception_to_response`). Every layer is wrapped by this one function:
 * each middleware, the URL-resolving layer and the view (whose `fail` runs the
 * `processException` hooks first). An answer that is not a framework response (a fetch Response,
 * or a mistake) goes through {@link toHttpResponse}, which names the layer (`from`) in its error.
 * The wrapped layer answers synchronously while the layer does (see core/settle.ts).
 */
export function convertExceptionToResponse(
  layer: (request: HttpRequest) => unknown,
  from: string,
  fail: (request: HttpRequest, error: unknown) => MaybePromise<HttpResponseBase>,
): GetResponse {
  const check = (_request: HttpRequest, answer: unknown): HttpResponseBase => toHttpResponse(answer, from);
  return function convertedLayer(request) {
    let answer: unknown;
    try {
      answer = layer(request);
    } catch (error) {
      return fail(request, error);
    }
    // A framework response needs neither checking nor settling: it is this layer's answer as it
    // is (the view's is already prepared: see runView in handler.ts). Measured 2026-12-07 (the
    // bench's JSON view through getTsgiApplication().fetch() behind the default middleware, with
    // and without this line alternated in one process, CPU time, median of 26 batches of 50,000,
    // six runs): 0.10-0.17 us a request saved (quietest run 1.42 against 1.57 us; b99cc14 1.36).
    if (answer instanceof HttpResponseBase) return answer;
    return settle(request, answer, check, fail);
  };
}

/**
 * Normalises what a view or middleware returned. A fetch Response is wrapped (headers become
 * editable, the body goes out unchanged); anything else is a programming error named precisely.
 */
export function toHttpResponse(value: unknown, from: string): HttpResponseBase {
  if (value instanceof HttpResponseBase) return value;
  if (value instanceof Response) return new WrappedResponse(value);
  const got = value === undefined ? 'undefined' : value === null ? 'null' : (value as object).constructor?.name ?? typeof value;
  let hint = '';
  if (value === undefined) hint = ' Did you forget a return statement?';
  else if (typeof (value as { then?: unknown }).then === 'function') hint = " You may need to add an 'await'.";
  throw new TypeError(`The ${from} didn't return an HttpResponse or a Response. It returned ${got} instead.${hint}`);
}

/**
 * The response for `error` raised while handling `request` (Django's `response_for_exception`).
 * Client errors are logged at warning level (security ones at error, as `security.<Name>`);
 * uncaught errors at error level with the request line and the stack.
 */
export async function responseForException(request: HttpRequest, error: unknown, views: ErrorViews): Promise<HttpResponseBase> {
  const settings = request.settings;
  const status = statusForError(error);
  let response: HttpResponseBase;
  if (error instanceof Http404) {
    response = settings.DEBUG ? technical404Response(request, error) : await errorPage(views.handler404 ?? templateErrorView(404), pageNotFound, request, error, 404);
    logAt(request, 'warn', `Not Found: ${request.path}`);
  } else if (error instanceof PermissionDenied) {
    response = await errorPage(views.handler403 ?? templateErrorView(403), permissionDenied, request, error, 403);
    logAt(request, 'warn', `Forbidden (Permission denied): ${request.path}`);
  } else if (error instanceof MethodNotAllowed) {
    response = new HttpResponseNotAllowed(error.allowed);
    logAt(request, 'warn', `Method Not Allowed (${request.method}): ${request.path}`);
  } else if (error instanceof SuspiciousOperation) {
    // Django's 'django.security.<Name>' logger; a bad Host is the classic.
    logAt(request, 'error', `[security.${error.name}] ${error.message}`, { path: request.path, client: request.remoteAddress });
    response = settings.DEBUG
      ? technical500Response(request, error, status)
      : await errorPage(views.handler400, (r, e) => badRequest(r, e, status), request, error, status);
  } else if (error instanceof BadRequest) {
    logAt(request, 'warn', `Bad Request: ${request.path}: ${error.message}`);
    response = settings.DEBUG
      ? technical500Response(request, error, 400)
      : await errorPage(views.handler400, badRequest, request, error, 400);
  } else {
    const notify = (request.context as unknown as Record<symbol, unknown>)[GOT_REQUEST_EXCEPTION];
    if (typeof notify === 'function') notify(error, request);
    logAt(request, 'error', `Internal Server Error: ${request.method} ${request.getFullPath()}`, error);
    response = settings.DEBUG ? technical500Response(request, error) : await errorPage(views.handler500 ?? templateErrorView(500), serverError, request, error, 500);
  }
  return response;
}

/**
 * Calls the configured error view; if it fails too, falls back to the default page (an error
 * page must never produce another error).
 */
async function errorPage(
  view: ErrorView | null,
  fallback: (request: HttpRequest, error: unknown) => HttpResponseBase,
  request: HttpRequest,
  error: unknown,
  status: number,
): Promise<HttpResponseBase> {
  if (view) {
    try {
      const response = toHttpResponse(await view(request, error), 'error view');
      return response;
    } catch (viewError) {
      logAt(request, 'error', `The ${status} error view raised`, viewError);
    }
  }
  return fallback(request, error);
}

/** The error views of a settings object (the URLconf module's `handlerNNN` win; see handler.ts). */
export function errorViewsFrom(settings: ResolvedSettings, conf: Record<string, unknown> | null): ErrorViews {
  const pick = (name: 'handler400' | 'handler403' | 'handler404' | 'handler500'): ErrorView | null => {
    const fromConf = conf?.[name];
    return typeof fromConf === 'function' ? (fromConf as ErrorView) : settings[name];
  };
  return { handler400: pick('handler400'), handler403: pick('handler403'), handler404: pick('handler404'), handler500: pick('handler500') };
}
