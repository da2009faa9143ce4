/**
 * SessionMiddleware (Django's `django.contrib.sessions.middleware` with the signed-cookies
 * backend): `request.session` from a cookie signed with SECRET_KEY (HMAC-SHA256, see
 * core/signing.ts); a tampered or expired cookie is an empty session. The cookie is re-sent
 * only when the session changed (or SESSION_SAVE_EVERY_REQUEST), deleted after `flush()`.
 * @module
 */
import type { Middleware } from '../core/types.js';
import { TimestampSigner, BadSignature } from '../core/signing.js';
import { Session } from '../sessions/session.js';
import { patchVaryHeaders } from '../http/response-headers.js';
import { logAt } from '../core/log.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponseBase } from '../http/response.js';
import { settle } from '../core/settle.js';

const SALT = 'tsgi-framework.contrib.sessions.backends.signed_cookies';
/** Browsers keep cookies up to 4096 bytes (RFC 6265 section 6.1); beyond, the session is lost. */
const MAX_COOKIE_BYTES = 4093;

/**
 * @example
 * ```ts
 * defineSettings({ SECRET_KEY: process.env.SECRET_KEY, MIDDLEWARE: ['SessionMiddleware', ...] });
 * // in a view:
 * request.session.set('cart', [1, 2]);
 * ```
 */
export const SessionMiddleware: Middleware = (getResponse, settings) => {
  let signer: TimestampSigner | null = null;
  // Built on first use so a project without SECRET_KEY fails with the setting's name, at startup (handler.ts).
  const getSigner = () => (signer ??= new TimestampSigner({ secret: settings.SECRET_KEY, fallbacks: settings.SECRET_KEY_FALLBACKS, salt: SALT }));
  const name = settings.SESSION_COOKIE_NAME;
  const cookieOptions = {
    path: settings.SESSION_COOKIE_PATH,
    domain: settings.SESSION_COOKIE_DOMAIN ?? undefined,
    sameSite: settings.SESSION_COOKIE_SAMESITE,
    secure: settings.SESSION_COOKIE_SECURE,
    partitioned: settings.SESSION_COOKIE_PARTITIONED,
  };

  const load = (request: HttpRequest, cookie: string | undefined): Session => {
    if (!cookie) return new Session();
    try {
      const { value, timestamp } = getSigner().unsignWithTimestamp(cookie);
      const data = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) return new Session();
      const expiry = typeof data._expiry === 'number' ? data._expiry : null;
      delete data._expiry;
      const age = expiry !== null && expiry > 0 ? expiry : settings.SESSION_COOKIE_AGE;
      if (Date.now() / 1000 - timestamp > age) return new Session();
      const session = new Session(data);
      if (expiry !== null) {
        session.setExpiry(expiry);
        session.modified = false;
      }
      return session;
    } catch (error) {
      if (error instanceof BadSignature) logAt(request, 'warn', `[security.SuspiciousSession] Session data corrupted (${error.message})`);
      // else: undecodable payload; either way an empty session.
      return new Session();
    }
  };

  const loader = (request: HttpRequest) => load(request, request.COOKIES[name]);

  const saveSession = (request: HttpRequest, response: HttpResponseBase): HttpResponseBase => {
    let session = request.loadedSession;
    if (session === undefined) {
      if (!settings.SESSION_SAVE_EVERY_REQUEST || request.COOKIES[name] === undefined) return response;
      session = request.session;
    }
    const cookie = request.COOKIES[name];

    if (session.accessed) patchVaryHeaders(response.headers, ['Cookie']);
    if (cookie !== undefined && session.isEmpty && (session.flushed || session.modified)) {
      response.deleteCookie(name, cookieOptions);
      return response;
    }
    if ((session.modified || settings.SESSION_SAVE_EVERY_REQUEST) && !session.isEmpty && response.status !== 500) {
      const expiry = session.getExpiry();
      const browserSession = settings.SESSION_EXPIRE_AT_BROWSER_CLOSE || expiry === 0;
      const value = getSigner().sign(Buffer.from(JSON.stringify(session)).toString('base64url'));
      if (value.length > MAX_COOKIE_BYTES) {
        logAt(request, 'warn', `Session cookie is ${value.length} bytes, over the ${MAX_COOKIE_BYTES}-byte browser limit: store less in the session.`);
      }
      response.setCookie(name, value, {
        ...cookieOptions,
        httpOnly: settings.SESSION_COOKIE_HTTPONLY,
        maxAge: browserSession ? undefined : (expiry ?? settings.SESSION_COOKIE_AGE),
      });
    }
    return response;
  };

  return function sessionMiddleware(request) {
    // Django's lazy SessionStore: nothing is parsed or verified unless the view uses the session.
    request.setSessionLoader(loader);
    return settle(request, getResponse(request), saveSession);
  };
};
