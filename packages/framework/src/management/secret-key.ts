/**
 * SECRET_KEY generation for new projects (Django's `get_random_secret_key`).
 * @module
 */
import { randomInt } from 'node:crypto';

/** Characters a generated key uses: no quote or backslash, so it drops into a string literal as is. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)';

/** Prefix that marks a key written into source, so `check --deploy` can flag it (security.W009). */
export const INSECURE_KEY_PREFIX = 'tsgi-insecure-';

/**
 * 50 characters from a CSPRNG (`crypto.randomInt` is unbiased), about 282 bits of entropy.
 *
 * @example
 * ```ts
 * getRandomSecretKey().length; // 50
 * ```
 */
export function getRandomSecretKey(length = 50): string {
  let key = '';
  for (let i = 0; i < length; i++) key += ALPHABET[randomInt(ALPHABET.length)];
  return key;
}
