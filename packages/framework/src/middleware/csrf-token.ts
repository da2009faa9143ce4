/**
 * The CSRF token itself (Django's `get_token`, `rotate_token` and the masking behind them): a
 * secret kept for the cookie, handed to pages masked with a fresh random mask each time. Apart
 * from the middleware (csrf.ts) so templates (shortcuts.ts) can ask for a token without
 * importing the middleware and its error handling.
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '../http/request.js';
import { escapeHtml } from '../utils/html.js';

const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SECRET_LENGTH = 32;
export const TOKEN_LENGTH = 64;
const VALID = /^[a-zA-Z0-9]+$/;

export const COOKIE_SECRET = Symbol.for('tsgi-framework.csrf.secret');
export const COOKIE_NEEDS_UPDATE = Symbol.for('tsgi-framework.csrf.update');

function randomString(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  // 62 symbols: the bias of `% 62` on a byte is tiny and Django accepts it too (get_random_string).
  for (let i = 0; i < length; i++) out += CHARS[(bytes[i] as number) % CHARS.length];
  return out;
}

/** Masks the secret with a fresh random mask (BREACH mitigation: the token changes every response). */
function mask(secret: string): string {
  const m = randomString(SECRET_LENGTH);
  let cipher = '';
  for (let i = 0; i < SECRET_LENGTH; i++) {
    cipher += CHARS[(CHARS.indexOf(secret[i] as string) + CHARS.indexOf(m[i] as string)) % CHARS.length];
  }
  return m + cipher;
}

/** The secret inside a masked token. */
export function unmask(token: string): string {
  const m = token.slice(0, SECRET_LENGTH);
  const cipher = token.slice(SECRET_LENGTH);
  let secret = '';
  for (let i = 0; i < SECRET_LENGTH; i++) {
    const x = CHARS.indexOf(cipher[i] as string) - CHARS.indexOf(m[i] as string);
    secret += CHARS[(x + CHARS.length) % CHARS.length];
  }
  return secret;
}

/** A secret (32) or masked token (64) of the token alphabet. */
export function checkFormat(token: string): boolean {
  return (token.length === SECRET_LENGTH || token.length === TOKEN_LENGTH) && VALID.test(token);
}

/** String equality in constant time (no timing oracle on the secret). */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The masked CSRF token for forms and JS (Django's `get_token`); makes sure the response sets
 * the cookie. Put it in a hidden `csrfmiddlewaretoken` field or the `X-CSRFToken` header.
 *
 * @example
 * ```ts
 * const token = getToken(request);
 * return new HttpResponse(`<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="${token}">...`);
 * ```
 */
export function getToken(request: HttpRequest): string {
  let secret = request.meta[COOKIE_SECRET] as string | undefined;
  if (!secret) {
    secret = randomString(SECRET_LENGTH);
    request.meta[COOKIE_SECRET] = secret;
  }
  request.meta[COOKIE_NEEDS_UPDATE] = true;
  return mask(secret);
}

/**
 * A new secret (call at login, Django's `rotate_token`).
 *
 * @example
 * ```ts
 * request.session.set('userId', user.id);
 * rotateToken(request); // after login
 * ```
 */
export function rotateToken(request: HttpRequest): void {
  request.meta[COOKIE_SECRET] = randomString(SECRET_LENGTH);
  request.meta[COOKIE_NEEDS_UPDATE] = true;
}

/**
 * The hidden form field carrying the token, for templates.
 *
 * @example
 * ```ts
 * new HttpResponse(`<form method="post">${csrfInput(request)}<button>Vote</button></form>`);
 * ```
 */
export function csrfInput(request: HttpRequest): string {
  return `<input type="hidden" name="csrfmiddlewaretoken" value="${escapeHtml(getToken(request))}">`;
}
