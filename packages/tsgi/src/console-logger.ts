/**
 * The default TSGI logger: writes warnings and errors to stderr.
 * @module
 */
import type { TsgiLogger } from './types.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;

/**
 * A log level name, or `silent` to drop everything.
 *
 * @example
 * ```ts
 * const level: LogLevel = process.env.DEBUG ? 'debug' : 'warn';
 * ```
 */
export type LogLevel = keyof typeof LEVELS;

/**
 * A {@link TsgiLogger} that prints messages at or above `level` to stderr through `console`,
 * prefixed with the level. The reference server's default (`warn`).
 *
 * @example
 * ```ts
 * import { createConsoleLogger, serve } from 'tsgi';
 * await serve(app, { log: createConsoleLogger('debug') });
 * ```
 */
export function createConsoleLogger(level: LogLevel = 'warn'): TsgiLogger {
  const min = LEVELS[level];
  const at = (name: 'debug' | 'info' | 'warn' | 'error') =>
    LEVELS[name] >= min
      ? (message: string, ...details: unknown[]) => console.error(`[tsgi] ${name}: ${message}`, ...details)
      : () => {};
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
