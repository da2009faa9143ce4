/**
 * The framework's error catalogue: every error a view, a middleware or the framework throws,
 * each with a stable `code`, and the ONE table ({@link EXCEPTION_STATUS}) that maps them to
 * HTTP statuses. `core/handler.ts` reads only that table (Django's `response_for_exception`).
 *
 * @example
 * ```ts
 * import { Http404, PermissionDenied } from 'tsgi-framework';
 * export function article(request) {
 *   if (!request.session.get('user')) throw new PermissionDenied('log in first');
 *   throw new Http404('No article with that slug');
 * }
 * ```
 * @module
 */

/**
 * Base of every framework error: a stable machine-readable `code` plus a message saying the fix.
 *
 * @example
 * ```ts
 * try { reverse('nope'); } catch (e) { if (e instanceof FrameworkError) console.log(e.code); } // TSGI_FW_NO_REVERSE_MATCH
 * ```
 */
export class FrameworkError extends Error {
  /** Stable identifier, e.g. `TSGI_FW_HTTP404`. */
  readonly code: string;
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Settings or code are wrong (Django's ImproperlyConfigured): fix the configuration.
 *
 * @example
 * ```ts
 * throw new ImproperlyConfigured('settings.PAYMENTS_URL must be set', 'PAYMENTS_URL');
 * ```
 */
export class ImproperlyConfigured extends FrameworkError {
  /** The setting at fault, when one is. */
  readonly setting: string | undefined;
  constructor(message: string, setting?: string) {
    super(message, 'TSGI_FW_IMPROPERLY_CONFIGURED');
    this.setting = setting;
  }
}

/**
 * The page does not exist: 404.
 *
 * @example
 * ```ts
 * if (!article) throw new Http404(`No article ${request.params.slug}`);
 * ```
 */
export class Http404 extends FrameworkError {
  constructor(message = 'Not Found', code = 'TSGI_FW_HTTP404') {
    super(message, code);
  }
}

/** One URL pattern the resolver tried, for the debug 404 page. */
export interface TriedPattern {
  /** The pattern chain, outermost first, as written (`articles/<int:year>/`). */
  readonly patterns: readonly string[];
  /** The names along the chain (`null` where unnamed). */
  readonly name: string | null;
}

/**
 * No URL pattern matched the path: 404, carrying what was tried (shown with DEBUG).
 *
 * @example
 * ```ts
 * try { resolver.resolve('/nope/', 'GET'); } catch (e) { if (e instanceof Resolver404) e.tried; }
 * ```
 */
export class Resolver404 extends Http404 {
  readonly path: string;
  readonly tried: readonly TriedPattern[];
  constructor(path: string, tried: readonly TriedPattern[]) {
    super(`No URL pattern matches '${path}'`, 'TSGI_FW_RESOLVER404');
    this.path = path;
    this.tried = tried;
  }
}

/**
 * The user may not do this: 403.
 *
 * @example
 * ```ts
 * if (!request.session.get('userId')) throw new PermissionDenied();
 * ```
 */
export class PermissionDenied extends FrameworkError {
  constructor(message = 'Permission denied', code = 'TSGI_FW_PERMISSION_DENIED') {
    super(message, code);
  }
}

/**
 * The request is malformed: 400.
 *
 * @example
 * ```ts
 * if (!request.GET.has('q')) throw new BadRequest('the q parameter is required');
 * ```
 */
export class BadRequest extends FrameworkError {
  constructor(message = 'Bad Request', code = 'TSGI_FW_BAD_REQUEST', options?: ErrorOptions) {
    super(message, code, options);
  }
}

/**
 * The request looks like an attack or a client bug (Django's SuspiciousOperation): 400, and a
 * `security.<Name>` log line.
 *
 * @example
 * ```ts
 * if (filename.includes('..')) throw new SuspiciousOperation(`path traversal attempt: ${filename}`);
 * ```
 */
export class SuspiciousOperation extends FrameworkError {
  constructor(message: string, code = 'TSGI_FW_SUSPICIOUS_OPERATION', options?: ErrorOptions) {
    super(message, code, options);
  }
}

/**
 * The Host header is malformed or not in ALLOWED_HOSTS: 400.
 *
 * @example
 * ```ts
 * request.getHost(); // throws DisallowedHost for a Host not in ALLOWED_HOSTS
 * ```
 */
export class DisallowedHost extends SuspiciousOperation {
  constructor(message: string) {
    super(message, 'TSGI_FW_DISALLOWED_HOST');
  }
}

/**
 * A redirect to a scheme other than http, https or a relative URL was attempted.
 *
 * @example
 * ```ts
 * new HttpResponseRedirect('javascript:alert(1)'); // throws DisallowedRedirect
 * ```
 */
export class DisallowedRedirect extends SuspiciousOperation {
  constructor(message: string) {
    super(message, 'TSGI_FW_DISALLOWED_REDIRECT');
  }
}

/**
 * More fields than DATA_UPLOAD_MAX_NUMBER_FIELDS: 400.
 *
 * @example
 * ```ts
 * QueryDict.parse('a=1&b=2&c=3', 2); // throws TooManyFieldsSent
 * ```
 */
export class TooManyFieldsSent extends SuspiciousOperation {
  constructor(message: string) {
    super(message, 'TSGI_FW_TOO_MANY_FIELDS');
  }
}

/**
 * More files than DATA_UPLOAD_MAX_NUMBER_FILES: 400.
 *
 * @example
 * ```ts
 * await request.files(); // throws TooManyFilesSent beyond DATA_UPLOAD_MAX_NUMBER_FILES
 * ```
 */
export class TooManyFilesSent extends SuspiciousOperation {
  constructor(message: string) {
    super(message, 'TSGI_FW_TOO_MANY_FILES');
  }
}

/**
 * A malformed multipart body (bad boundary, truncated part, missing headers): 400.
 *
 * @example
 * ```ts
 * await request.load(); // throws SuspiciousMultipartForm for a truncated multipart body
 * ```
 */
export class SuspiciousMultipartForm extends SuspiciousOperation {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'TSGI_FW_BAD_MULTIPART', options);
  }
}

/**
 * The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE or an upload larger than FILE_UPLOAD_MAX_SIZE: 413.
 *
 * @example
 * ```ts
 * await request.json(); // throws RequestDataTooBig (413) beyond DATA_UPLOAD_MAX_MEMORY_SIZE
 * ```
 */
export class RequestDataTooBig extends SuspiciousOperation {
  constructor(message: string) {
    super(message, 'TSGI_FW_REQUEST_DATA_TOO_BIG');
  }
}

/**
 * A session cookie failed verification. Treated as no session, never a response by itself.
 *
 * @example
 * ```ts
 * new SuspiciousSession('session cookie signature mismatch');
 * ```
 */
export class SuspiciousSession extends SuspiciousOperation {
  constructor(message: string) {
    super(message, 'TSGI_FW_SUSPICIOUS_SESSION');
  }
}

/**
 * The path matched but the view does not take this method: 405 with `Allow`.
 *
 * @example
 * ```ts
 * throw new MethodNotAllowed(request.method, ['GET', 'POST']); // 405, Allow: GET, POST
 * ```
 */
export class MethodNotAllowed extends FrameworkError {
  /** Methods the resource accepts, for the `Allow` header (RFC 9110 section 15.5.6). */
  readonly allowed: readonly string[];
  constructor(method: string, allowed: readonly string[]) {
    super(`Method ${method} not allowed (allowed: ${allowed.join(', ')})`, 'TSGI_FW_METHOD_NOT_ALLOWED');
    this.allowed = allowed;
  }
}

/**
 * `reverse()` found no pattern for the name and parameters: a programming error (500).
 *
 * @example
 * ```ts
 * reverse('polls:nope'); // throws NoReverseMatch naming what was tried
 * ```
 */
export class NoReverseMatch extends FrameworkError {
  constructor(message: string) {
    super(message, 'TSGI_FW_NO_REVERSE_MATCH');
  }
}

/**
 * The body was read as a stream and can no longer be read as a whole (Django's RawPostDataException).
 *
 * @example
 * ```ts
 * request.stream(); await request.load(); // throws RawPostDataException
 * ```
 */
export class RawPostDataException extends FrameworkError {
  constructor(message: string) {
    super(message, 'TSGI_FW_BODY_CONSUMED');
  }
}

/**
 * THE table: error class -> status, checked in order (subclasses first). Anything not listed
 * is a 500 (an uncaught error: logged with the request line, technical page with DEBUG).
 *
 * @example
 * ```ts
 * EXCEPTION_STATUS.find(([type]) => new RequestDataTooBig('x') instanceof type)?.[1]; // 413
 * ```
 */
export const EXCEPTION_STATUS: ReadonlyArray<readonly [new (...args: never[]) => Error, number]> = [
  [Http404, 404],
  [PermissionDenied, 403],
  [MethodNotAllowed, 405],
  [RequestDataTooBig, 413],
  [SuspiciousOperation, 400],
  [BadRequest, 400],
];

/**
 * The status an error maps to, or 500 when it is not a known client error.
 *
 * @example
 * ```ts
 * statusForError(new Http404()); // 404
 * statusForError(new TypeError('x')); // 500
 * ```
 */
export function statusForError(error: unknown): number {
  for (const [type, status] of EXCEPTION_STATUS) {
    if (error instanceof type) return status;
  }
  return 500;
}
