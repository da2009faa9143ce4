/**
 * Framework logging: messages go to the TSGI server's log (`context.log`, WSGI's
 * `wsgi.errors`), filtered by `LOGGING.level`.
 * @module
 */
import type { LogLevel } from '../conf/settings.js';
import type { HttpRequest } from '../http/request.js';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Logs `message` through the request's server log when `level` passes LOGGING.level, ending
 * with the request's id (`request_id=<id>`, the id in the servers' access logs).
 *
 * @example
 * ```ts
 * logAt(request, 'warn', `Not Found: ${request.path}`); // Not Found: /nope/ request_id=3b24...
 * ```
 */
export function logAt(request: HttpRequest, level: LogLevel, message: string, ...details: unknown[]): void {
  if (RANK[level] < RANK[request.settings.LOGGING.level]) return;
  try {
    request.context.log[level](`${message} request_id=${request.id}`, ...details);
  } catch {
    // A broken logger must not turn a response into a crash.
  }
}
