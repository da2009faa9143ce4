/**
 * The error catalogue of tsgi-appserver: every failure the server reports on purpose has a
 * stable code and an exit status, so scripts and supervisors can tell them apart.
 * @module
 */

/** Stable error codes and the process exit status each one ends the server with. */
export const ERROR_CODES = {
  /** A command-line option is unknown, misspelled or has a bad value. */
  TSGI_APPSERVER_E_USAGE: 2,
  /** A config file cannot be loaded, or a key in it is unknown or has a bad value. */
  TSGI_APPSERVER_E_CONFIG: 2,
  /** A socket cannot be bound (address in use, permission, bad fd). */
  TSGI_APPSERVER_E_BIND: 1,
  /** A worker could not import the app, or the export is not an app (Gunicorn's APP_LOAD_ERROR). */
  TSGI_APPSERVER_E_APP_LOAD: 4,
  /** A worker failed before it became ready: startup hook threw, listen failed (Gunicorn's WORKER_BOOT_ERROR). */
  TSGI_APPSERVER_E_WORKER_BOOT: 3,
} as const;

/** One of the stable error codes. */
export type AppserverErrorCode = keyof typeof ERROR_CODES;

/**
 * An error the server reports to the user as is (no stack trace): its message says what was
 * wrong and how to fix it.
 *
 * @example
 * ```ts
 * throw new AppserverError('TSGI_APPSERVER_E_USAGE', '--workers: got "x"; expected an integer from 1 to 1024');
 * ```
 */
export class AppserverError extends Error {
  override readonly name = 'AppserverError';
  readonly code: AppserverErrorCode;
  /** The exit status the process ends with for this error. */
  readonly exitCode: number;

  constructor(code: AppserverErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.exitCode = ERROR_CODES[code];
  }
}

/**
 * What a log line says of a thrown value: an Error's stack (or message), anything else as a string.
 *
 * @example
 * ```ts
 * log.error('shutdown hook failed: %s', errorText(err));
 * ```
 */
export function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
