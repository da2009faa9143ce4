/**
 * Header-field rules shared by `validate()` and the conformance kit: token names, safe values,
 * and the hop-by-hop fields an app must not set.
 * @module
 */

/** tchar of RFC 9110 5.6.2: `!#$%&'*+-.^_`|~`, digits and letters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * True when `name` is a valid field name (an RFC 9110 5.6.2 token).
 *
 * @example
 * ```ts
 * isToken('x-request-id'); // true
 * isToken('bad name');     // false
 * ```
 */
export function isToken(name: string): boolean {
  return TOKEN.test(name);
}

/** CR, LF and NUL are never allowed in a field value (RFC 9110 5.5). */
const FORBIDDEN_VALUE_CHAR = /[\r\n\0]/;

/** True when `value` contains CR, LF or NUL. */
export function hasForbiddenValueChar(value: string): boolean {
  return FORBIDDEN_VALUE_CHAR.test(value);
}

/**
 * Connection-specific fields (RFC 9110 7.6.1, RFC 9112 6.1 and 9.6) that belong to the server's
 * framing and connection management, never to an application (SPEC.md 5.4).
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

/** Shows control characters so a message about them is readable. */
export function showValue(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}
