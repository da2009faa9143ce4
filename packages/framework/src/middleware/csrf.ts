/**
 * CsrfViewMiddleware (Django's `django.middleware.csrf`): cross-site request forgery
 * protection with a secret in a cookie and a masked copy in each form or header.
 *
 * Unsafe methods (RFC 9110 section 9.2.1) must pass, in order: the Origin check (the request's
 * own origin or CSRF_TRUSTED_ORIGINS), for https without Origin the Referer check (same host or
 * trusted, https only), then the token check (form field `csrfmiddlewaretoken` or the
 * CSRF_HEADER_NAME header, unmasked and compared in constant time with the cookie's secret).
 * Failures are 403 with the reason (Django's REASON_* texts) and a warning in the log.
 * @module
 */
import type { Middleware, View } from '../core/types.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponseForbidden, type HttpResponseBase } from '../http/response.js';
import { patchVaryHeaders } from '../http/response-headers.js';
import { splitDomainPort, validateHost } from '../http/host.js';
import { logAt } from '../core/log.js';
import { toHttpResponse } from '../core/exception-handler.js';
import { testClientMarker } from '../core/test-hooks.js';
import { settle, type MaybePromise } from '../core/settle.js';
import { COOKIE_NEEDS_UPDATE, COOKIE_SECRET, TOKEN_LENGTH, checkFormat, constantTimeEqual, csrfInput, getToken, rotateToken, unmask } from './csrf-token.js';
import { escapeHtml } from '../utils/html.js';

export { getToken, rotateToken, csrfInput };

/**
 * Failure reasons (Django's texts, so its documentation applies).
 *
 * @example
 * ```ts
 * CSRF_REASONS.NO_CSRF_COOKIE; // 'CSRF cookie not set.'
 * ```
 */
export const CSRF_REASONS = {
  NO_REFERER: 'Referer checking failed - no Referer.',
  BAD_REFERER: 'Referer checking failed - %s does not match any trusted origins.',
  NO_CSRF_COOKIE: 'CSRF cookie not set.',
  CSRF_TOKEN_MISSING: 'CSRF token missing.',
  CSRF_TOKEN_INCORRECT: 'CSRF token incorrect.',
  MALFORMED_REFERER: 'Referer checking failed - Referer is malformed.',
  INSECURE_REFERER: 'Referer checking failed - Referer is insecure while host is secure.',
  BAD_ORIGIN: 'Origin checking failed - %s does not match any trusted origins.',
} as const;

const PROCESSING_DONE = Symbol.for('tsgi-framework.csrf.done');

/**
 * Exempts a view from CSRF checks (webhooks authenticated otherwise).
 *
 * @example
 * ```ts
 * path('hooks/github/', csrfExempt(githubWebhook));
 * ```
 */
export function csrfExempt<V extends View>(view: V): V {
  view.csrfExempt = true;
  return view;
}

/** Parses a trusted-origin setting entry into scheme and host pattern (`https://*.example.com`). */
function parseTrusted(origin: string): { origin: string; scheme: string; host: string } | null {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.+)$/i.exec(origin);
  if (!m) return null;
  return { origin: origin.toLowerCase(), scheme: (m[1] as string).toLowerCase(), host: (m[2] as string).toLowerCase() };
}

/**
 * @example
 * ```ts
 * defineSettings({ MIDDLEWARE: [..., 'CsrfViewMiddleware'], CSRF_TRUSTED_ORIGINS: ['https://*.example.com'] });
 * ```
 */
export const CsrfViewMiddleware: Middleware = (getResponse, settings) => {
  const trusted = settings.CSRF_TRUSTED_ORIGINS.map(parseTrusted).filter((t) => t !== null);
  const exactOrigins = new Set(trusted.filter((t) => !t.host.includes('*')).map((t) => t.origin));
  const wildcardOrigins = trusted.filter((t) => t.host.startsWith('*.')).map((t) => ({ scheme: t.scheme, suffix: t.host.slice(1) }));
  const trustedHosts = trusted.map((t) => (t.host.startsWith('*') ? t.host.slice(1) : t.host));
  const cookieName = settings.CSRF_COOKIE_NAME;
  const headerName = settings.CSRF_HEADER_NAME.toLowerCase();

  const reject = async (request: HttpRequest, reason: string): Promise<HttpResponseBase> => {
    logAt(request, 'warn', `Forbidden (${reason}): ${request.path}`);
    if (settings.CSRF_FAILURE_VIEW) return toHttpResponse(await settings.CSRF_FAILURE_VIEW(request, reason), 'CSRF_FAILURE_VIEW');
    const detail = settings.DEBUG
      ? `<p>Reason given for failure: ${escapeHtml(reason)}</p><p>Send the token from the <code>${escapeHtml(cookieName)}</code> cookie back as the <code>csrfmiddlewaretoken</code> form field or the <code>${escapeHtml(settings.CSRF_HEADER_NAME)}</code> header (see getToken()).</p>`
      : '';
    return new HttpResponseForbidden(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>403 Forbidden</title></head><body><h1>Forbidden <small>(403)</small></h1><p>CSRF verification failed. Request aborted.</p>${detail}</body></html>\n`,
    );
  };

  const originVerified = (request: HttpRequest, origin: string): boolean => {
    const good = `${request.scheme}://${request.getHost()}`.toLowerCase();
    const lower = origin.toLowerCase();
    if (lower === good || exactOrigins.has(lower)) return true;
    const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]+)$/.exec(lower);
    if (!m) return false;
    const [host] = splitDomainPort(m[2] as string);
    return wildcardOrigins.some((w) => w.scheme === m[1] && (host.endsWith(w.suffix) || `.${host}` === w.suffix));
  };

  const refererReason = (request: HttpRequest): string | null => {
    const referer = request.header('referer');
    if (referer === null) return CSRF_REASONS.NO_REFERER;
    let url: URL;
    try {
      url = new URL(referer);
    } catch {
      return CSRF_REASONS.MALFORMED_REFERER;
    }
    if (!url.host) return CSRF_REASONS.MALFORMED_REFERER;
    if (url.protocol !== 'https:') return CSRF_REASONS.INSECURE_REFERER;
    const goodHosts = [...trustedHosts];
    // Same host (with port when it is not the default), as Django builds good_referer.
    goodHosts.push(request.getHost().toLowerCase());
    if (settings.CSRF_COOKIE_DOMAIN) goodHosts.push(settings.CSRF_COOKIE_DOMAIN);
    const refererHost = url.host.toLowerCase();
    const [refererDomain] = splitDomainPort(refererHost);
    const ok = goodHosts.some((h) => h === refererHost || (h.startsWith('.') && validateHost(refererDomain, [h])));
    return ok ? null : CSRF_REASONS.BAD_REFERER.replace('%s', referer);
  };

  const rotateCookie = (request: HttpRequest, response: HttpResponseBase): HttpResponseBase => {
    if (request.meta[COOKIE_NEEDS_UPDATE] && request.meta[COOKIE_SECRET] && !response.cookies.has(cookieName)) {
      response.setCookie(cookieName, request.meta[COOKIE_SECRET] as string, {
        maxAge: settings.CSRF_COOKIE_AGE ?? undefined,
        domain: settings.CSRF_COOKIE_DOMAIN ?? undefined,
        path: settings.CSRF_COOKIE_PATH,
        secure: settings.CSRF_COOKIE_SECURE,
        httpOnly: settings.CSRF_COOKIE_HTTPONLY,
        sameSite: settings.CSRF_COOKIE_SAMESITE,
      });
      // The page holds a per-user token: caches must key on the cookie.
      patchVaryHeaders(response.headers, ['Cookie']);
    }
    return response;
  };

  const handler = function csrfViewMiddleware(request: HttpRequest): MaybePromise<HttpResponseBase> {
    const cookie = request.COOKIES[cookieName];
    if (cookie !== undefined && checkFormat(cookie)) {
      request.meta[COOKIE_SECRET] = cookie.length === TOKEN_LENGTH ? unmask(cookie) : cookie;
    } else if (cookie !== undefined) {
      request.meta[COOKIE_NEEDS_UPDATE] = true; // a malformed cookie is replaced
    }
    return settle(request, getResponse(request), rotateCookie);
  };

  handler.processView = (request: HttpRequest, view: View): Promise<HttpResponseBase | null> | null => {
    if (request.meta[PROCESSING_DONE]) return null;
    request.meta[PROCESSING_DONE] = true;
    if (view.csrfExempt || request.isSafeMethod()) return null;
    // The test client, like Django's, skips the check unless asked to enforce it.
    const test = testClientMarker(request.context);
    if (test && !test.enforceCsrfChecks) return null;
    return check(request, view);
  };

  const check = async (request: HttpRequest, view: View): Promise<HttpResponseBase | null> => {
    const origin = request.header('origin');
    if (origin !== null) {
      if (!originVerified(request, origin)) return reject(request, CSRF_REASONS.BAD_ORIGIN.replace('%s', origin));
    } else if (request.isSecure()) {
      const reason = refererReason(request);
      if (reason !== null) return reject(request, reason);
    }
    const secret = request.meta[COOKIE_SECRET] as string | undefined;
    if (!secret) return reject(request, CSRF_REASONS.NO_CSRF_COOKIE);
    let token = '';
    // A streaming view reads its own body: its token comes in the header.
    if (request.method === 'POST' && !view.streaming && (request.contentType === 'application/x-www-form-urlencoded' || request.contentType === 'multipart/form-data')) {
      await request.load();
      token = request.POST.get('csrfmiddlewaretoken') ?? '';
    }
    if (!token) token = request.header(headerName) ?? '';
    if (!token) return reject(request, CSRF_REASONS.CSRF_TOKEN_MISSING);
    if (!checkFormat(token)) return reject(request, CSRF_REASONS.CSRF_TOKEN_INCORRECT);
    const given = token.length === TOKEN_LENGTH ? unmask(token) : token;
    if (!constantTimeEqual(given, secret)) return reject(request, CSRF_REASONS.CSRF_TOKEN_INCORRECT);
    return null;
  };

  return handler;
};
