/**
 * XFrameOptionsMiddleware (Django's `django.middleware.clickjacking`): `X-Frame-Options` on
 * every response (RFC 7034) unless the view set one or opted out with `xframeOptionsExempt`.
 * @module
 */
import type { Middleware } from '../core/types.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponseBase } from '../http/response.js';
import { settle } from '../core/settle.js';
import { headerFields } from '../http/response-headers.js';

const EXEMPT = Symbol.for('tsgi-framework.xframe-exempt');

/**
 * Marks a response as allowed in frames (Django's `xframe_options_exempt` for one response).
 *
 * @example
 * ```ts
 * return xframeOptionsExempt(new HttpResponse('<embed me>'));
 * ```
 */
export function xframeOptionsExempt<R extends HttpResponseBase>(response: R): R {
  (response as unknown as Record<symbol, boolean>)[EXEMPT] = true;
  return response;
}

/**
 * @example
 * ```ts
 * defineSettings({ MIDDLEWARE: [..., 'XFrameOptionsMiddleware'], X_FRAME_OPTIONS: 'SAMEORIGIN' });
 * ```
 */
export const XFrameOptionsMiddleware: Middleware = (getResponse, settings) => {
  const fields = headerFields([['X-Frame-Options', settings.X_FRAME_OPTIONS]]);
  const addHeader = (_request: HttpRequest, response: HttpResponseBase): HttpResponseBase => {
    if (!(response as unknown as Record<symbol, boolean>)[EXEMPT]) response.headers.setDefaults(fields);
    return response;
  };
  return function xFrameOptionsMiddleware(request) {
    return settle(request, getResponse(request), addHeader);
  };
};
