/**
 * SessionMiddleware (Django's `django.contrib.sessions.middleware`): `request.session` from the
 * store SESSION_ENGINE names, found by the key in the session cookie. A tampered, unknown or
 * expired key is an empty session. Saved (and the cookie re-sent) only when the session changed
 * (or SESSION_SAVE_EVERY_REQUEST); after `flush()` the stored session and the cookie are deleted.
 * @module
 */
import type { Middleware } from '../core/types.js';
import { BadRequest, SuspiciousSession } from '../core/exceptions.js';
import { Session } from '../sessions/session.js';
import { getSessionStore } from '../sessions/engine.js';
import type { SessionData, SessionStore } from '../sessions/store.js';
import { patchVaryHeaders } from '../http/response-headers.js';
import { logAt } from '../core/log.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponseBase } from '../http/response.js';
import { settle, isThenable, type MaybePromise } from '../core/settle.js';

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
  // Built on first use so a project without SECRET_KEY fails with the setting's name, at startup (handler.ts).
  const store = (): SessionStore => getSessionStore(settings);
  const name = settings.SESSION_COOKIE_NAME;
  const cookieOptions = {
    path: settings.SESSION_COOKIE_PATH,
    domain: settings.SESSION_COOKIE_DOMAIN ?? undefined,
    sameSite: settings.SESSION_COOKIE_SAMESITE,
    secure: settings.SESSION_COOKIE_SECURE,
    partitioned: settings.SESSION_COOKIE_PARTITIONED,
  };

  const toSession = (key: string, data: SessionData | null): Session => (data === null ? new Session() : new Session(data, key));
  const tampered = (request: HttpRequest, error: unknown): Session => {
    if (!(error instanceof SuspiciousSession)) throw error;
    logAt(request, 'warn', `[security.SuspiciousSession] ${error.message}`);
    return new Session();
  };

  // Synchronous stores (signed cookies, memory): Django's lazy SessionStore, nothing is
  // parsed or verified unless the view uses the session.
  const loader = (request: HttpRequest): Session => {
    const key = request.COOKIES[name];
    if (!key) return new Session();
    try {
      return toSession(key, store().load(key) as SessionData | null);
    } catch (error) {
      return tampered(request, error);
    }
  };

  // Asynchronous stores (Redis): a request carrying a session cookie waits for its session
  // before the view, since `request.session` cannot wait.
  const loadThenRespond = async (request: HttpRequest, key: string): Promise<HttpResponseBase> => {
    let session: Session;
    try {
      session = toSession(key, await store().load(key));
    } catch (error) {
      session = tampered(request, error);
    }
    request.session = session;
    return settle(request, getResponse(request), saveSession);
  };

  const saveSession = (request: HttpRequest, response: HttpResponseBase): MaybePromise<HttpResponseBase> => {
    let session = request.loadedSession;
    if (session === undefined) {
      if (!settings.SESSION_SAVE_EVERY_REQUEST || request.COOKIES[name] === undefined) return response;
      session = request.session;
    }
    if (session.accessed) patchVaryHeaders(response.headers, ['Cookie']);
    const retired = session.takeRetiredKeys();
    const cookie = request.COOKIES[name];
    const emptied = cookie !== undefined && session.isEmpty && (session.flushed || session.modified);
    // An emptied session (its last message shown, its last key popped) is deleted, not left to its TTL.
    if (emptied && session.sessionKey !== null) retired.push(session.sessionKey);
    const deleting = retired.length > 0 ? Promise.all(retired.map((key) => store().delete(key))) : null;
    if (emptied) {
      response.deleteCookie(name, cookieOptions);
      return deleting === null ? response : deleting.then(() => response);
    }
    if (!((session.modified || settings.SESSION_SAVE_EVERY_REQUEST) && !session.isEmpty && response.status !== 500)) {
      return deleting === null ? response : deleting.then(() => response);
    }
    const saved = store().save(session.sessionKey, session.toJSON(), session.getExpiryAge(settings.SESSION_COOKIE_AGE));
    const sessionNow = session;
    const finish = (key: string | null): HttpResponseBase => setCookie(request, response, sessionNow, key);
    if (isThenable(saved) || deleting !== null) return Promise.all([saved, deleting]).then(([key]) => finish(key));
    return finish(saved);
  };

  const setCookie = (request: HttpRequest, response: HttpResponseBase, session: Session, key: string | null): HttpResponseBase => {
    if (key === null) {
      // Django's SessionInterrupted: another request deleted it (logged out) while this one ran.
      throw new BadRequest(
        "The request's session was deleted before the request completed. The user may have logged out in a concurrent request, for example.",
        'TSGI_FW_SESSION_INTERRUPTED',
      );
    }
    session.storedAs(key);
    if (key.length > MAX_COOKIE_BYTES) {
      logAt(request, 'warn', `Session cookie is ${key.length} bytes, over the ${MAX_COOKIE_BYTES}-byte browser limit: store less in the session.`);
    }
    const expiry = session.getExpiry();
    const browserSession = settings.SESSION_EXPIRE_AT_BROWSER_CLOSE || expiry === 0;
    response.setCookie(name, key, {
      ...cookieOptions,
      httpOnly: settings.SESSION_COOKIE_HTTPONLY,
      maxAge: browserSession ? undefined : session.getExpiryAge(settings.SESSION_COOKIE_AGE),
    });
    return response;
  };

  return function sessionMiddleware(request) {
    // Synchronous stores do not even parse the Cookie header unless the view uses the session.
    if (!store().synchronous) {
      const key = request.COOKIES[name];
      if (key) return loadThenRespond(request, key);
    }
    request.setSessionLoader(loader);
    return settle(request, getResponse(request), saveSession);
  };
};
