
// node:http's values through getBuiltinModule, not import: see the no-restricted-imports rule in eslint.config.js.
const { STATUS_CODES } = process.getBuiltinModule('node:http');
/**
 * Standard reason phrases (RFC 9110 section 15, plus the registered extensions in use).
 * @module
 */

/**
 * The reason phrase of a status code (`404` -> `Not Found`); `Unknown Status Code` otherwise.
 *
 * @example
 * ```ts
 * reasonPhrase(418); // "I'm a Teapot"
 * ```
 */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown Status Code';
}
