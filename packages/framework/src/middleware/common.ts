/**
 * CommonMiddleware (Django's `django.middleware.common`): refuses DISALLOWED_USER_AGENTS (403)
 * and, with APPEND_SLASH, turns a 404 for `/path` into a 301 to `/path/` when (and only when)
 * the slashed URL resolves.
 * @module
 */
import type { Middleware } from '../core/types.js';
import { ImproperlyConfigured, PermissionDenied } from '../core/exceptions.js';
import { HttpResponsePermanentRedirect, type HttpResponseBase } from '../http/response.js';
import type { HttpRequest } from '../http/request.js';
import { settle } from '../core/settle.js';

/**
 * @example
 * ```ts
 * defineSettings({ MIDDLEWARE: [..., 'CommonMiddleware'], APPEND_SLASH: true });
 * ```
 */
export const CommonMiddleware: Middleware = (getResponse, settings) => {
  const agents = settings.DISALLOWED_USER_AGENTS;
  const appendSlash = settings.APPEND_SLASH;

  const shouldRedirectWithSlash = (request: HttpRequest): boolean => {
    const path = request.pathInfo;
    const resolver = request.resolver;
    if (!appendSlash || path.endsWith('/') || resolver === null) return false;
    return !resolver.isValidPath(path) && resolver.isValidPath(`${path}/`);
  };

  const redirectWithSlash = (request: HttpRequest, response: HttpResponseBase): HttpResponseBase => {
    if (response.status !== 404 || !shouldRedirectWithSlash(request)) return response;
    if (settings.DEBUG && (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH')) {
      // Django's RuntimeError: a redirect would lose the body, so say how to fix the form.
      throw new ImproperlyConfigured(
        `You called this URL via ${request.method}, but the URL doesn't end in a slash and you have APPEND_SLASH set. ` +
          `The server can't redirect to the slash URL while keeping the ${request.method} data. ` +
          `Change your form to point to ${request.getFullPath(true)} (note the trailing slash), or set APPEND_SLASH: false.`,
        'APPEND_SLASH',
      );
    }
    // Django's escape_leading_slashes: '//evil.example/' would be a protocol-relative URL
    // (an open redirect); '/%2Fevil.example/' stays on this site.
    const location = request.getFullPath(true).replace(/^\/\//, '/%2F');
    return new HttpResponsePermanentRedirect(location);
  };

  return function commonMiddleware(request) {
    if (agents.length > 0) {
      const ua = request.header('user-agent');
      if (ua !== null && agents.some((re) => re.test(ua))) throw new PermissionDenied('Forbidden user agent');
    }
    return settle(request, getResponse(request), redirectWithSlash);
  };
};
