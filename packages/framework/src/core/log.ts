/**
 * Framework logging: messages go to the TSGI server's log (`context.log`, WSGI's
 * `wsgi.errors`), filtered by `LOGGING.level`.
 * @module
 */
import type { LogLevel } from '../conf/settings.js';
import type { HttpRequest } from '../http/request.js';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Logs `message` through the request's server log when `level` passes LOGGING.level.
 *
 * @example
 * ```ts
 * logAt(request, 'warn', `Not Found: ${request.path}`);
 * ```
 */
export function logAt(request: HttpRequest, level: LogLevel, message: string, ...details: unknown[]): void {
  if (RANK[level] < RANK[request.settings.LOGGING.level]) return;
  try {
    request.context.log[level](message, ...details);
  } catch {
    // A broken logger must not turn a response into a crash.
  }
}
