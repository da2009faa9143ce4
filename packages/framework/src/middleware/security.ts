/**
 * SecurityMiddleware (Django's `django.middleware.security`): http -> https redirect, and the
 * response headers that harden a site: Strict-Transport-Security (RFC 6797), X-Content-Type-Options,
 * Referrer-Policy, Cross-Origin-Opener-Policy. Headers a view already set are left alone.
 * @module
 */
import type { Middleware } from '../core/types.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponsePermanentRedirect, type HttpResponseBase } from '../http/response.js';
import { settle } from '../core/settle.js';
import { headerFields } from '../http/response-headers.js';

/**
 * @example
 * ```ts
 * defineSettings({ MIDDLEWARE: ['SecurityMiddleware', ...], SECURE_HSTS_SECONDS: 31536000, SECURE_SSL_REDIRECT: true });
 * ```
 */
export const SecurityMiddleware: Middleware = (getResponse, settings) => {
  let hsts: string | null = null;
  if (settings.SECURE_HSTS_SECONDS > 0) {
    hsts = `max-age=${settings.SECURE_HSTS_SECONDS}`;
    if (settings.SECURE_HSTS_INCLUDE_SUBDOMAINS) hsts += '; includeSubDomains';
    if (settings.SECURE_HSTS_PRELOAD) hsts += '; preload';
  }
  const referrer = settings.SECURE_REFERRER_POLICY === null
    ? null
    : typeof settings.SECURE_REFERRER_POLICY === 'string'
      ? settings.SECURE_REFERRER_POLICY
      : settings.SECURE_REFERRER_POLICY.join(',');
  const coop = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY;
  const nosniff = settings.SECURE_CONTENT_TYPE_NOSNIFF;
  const redirect = settings.SECURE_SSL_REDIRECT;
  const exempt = settings.SECURE_REDIRECT_EXEMPT;
  const sslHost = settings.SECURE_SSL_HOST;

  const always: [string, string][] = [];
  if (nosniff) always.push(['X-Content-Type-Options', 'nosniff']);
  if (referrer !== null) always.push(['Referrer-Policy', referrer]);
  if (coop !== null) always.push(['Cross-Origin-Opener-Policy', coop]);
  const fields = headerFields(always);

  const addHeaders = (request: HttpRequest, response: HttpResponseBase): HttpResponseBase => {
    const headers = response.headers;
    // RFC 6797 section 7.2: HSTS over secure transport only.
    if (hsts !== null && request.isSecure() && !headers.has('strict-transport-security')) {
      headers.set('Strict-Transport-Security', hsts);
    }
    headers.setDefaults(fields);
    return response;
  };

  return function securityMiddleware(request) {
    if (redirect && !request.isSecure()) {
      const path = request.pathInfo.replace(/^\//, '');
      if (!exempt.some((re) => re.test(path))) {
        const host = sslHost ?? request.getHost();
        return new HttpResponsePermanentRedirect(`https://${host}${request.getFullPath()}`);
      }
    }
    return settle(request, getResponse(request), addHeaders);
  };
};
