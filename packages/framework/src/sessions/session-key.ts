/**
 * Session keys for server-side stores: 32 characters of [a-z0-9] from the CSPRNG, as Django's
 * `get_random_string(32, VALID_KEY_CHARS)` (about 165 bits: unguessable, collision-free in practice).
 * @module
 */
import { randomInt } from 'node:crypto';

const KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const KEY_LENGTH = 32;
const KEY_PATTERN = /^[a-z0-9]{32}$/;

/**
 * A new random session key.
 *
 * @example
 * ```ts
 * newSessionKey(); // 'q3k0v9x2...' (32 characters)
 * ```
 */
export function newSessionKey(): string {
  let key = '';
  for (let i = 0; i < KEY_LENGTH; i++) key += KEY_CHARS[randomInt(KEY_CHARS.length)];
  return key;
}

/** True when `key` has the shape of a key from {@link newSessionKey} (anything else is not looked up). */
export function isSessionKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}
