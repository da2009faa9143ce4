/**
 * `Set-Cookie` serialisation with every attribute of RFC 6265bis (section 4.1), through the
 * `cookie` library, plus the request-side `Cookie` header parser.
 * @module
 */
import { parseCookie, stringifySetCookie } from 'cookie';

/** Attributes of a cookie set by a response. */
export interface CookieOptions {
  /** Seconds until the cookie expires (`Max-Age`); 0 or negative deletes it. */
  maxAge?: number;
  /** Absolute expiry (`Expires`); with `maxAge` both are sent, as Django does. */
  expires?: Date;
  /** `Path`; default `/`. */
  path?: string;
  /** `Domain`; default: the request's host only. */
  domain?: string;
  /** Only sent over https. */
  secure?: boolean;
  /** Hidden from `document.cookie`. */
  httpOnly?: boolean;
  /** `SameSite`: `Strict`, `Lax`, `None` (needs `secure`), or false to omit. */
  sameSite?: 'Strict' | 'Lax' | 'None' | 'strict' | 'lax' | 'none' | false;
  /** `Partitioned` (CHIPS): keyed by the top-level site. Needs `secure`. */
  partitioned?: boolean;
  /** `Priority` (Chrome): `low`, `medium`, `high`. */
  priority?: 'low' | 'medium' | 'high';
}

/**
 * One `Set-Cookie` field value. The value is percent-encoded only where the cookie grammar
 * requires it (RFC 6265 section 4.1.1).
 *
 * @example
 * ```ts
 * serializeCookie('theme', 'dark', { maxAge: 3600, sameSite: 'Lax', httpOnly: true });
 * // 'theme=dark; Max-Age=3600; Path=/; HttpOnly; SameSite=Lax'
 * ```
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  const sameSite = options.sameSite ? (options.sameSite.toLowerCase() as 'strict' | 'lax' | 'none') : undefined;
  if (sameSite === 'none' && !options.secure) {
    // Browsers reject SameSite=None without Secure (RFC 6265bis section 5.6.7 step 22).
    throw new TypeError(`Cookie ${name}: SameSite=None requires secure: true`);
  }
  if (options.partitioned && !options.secure) {
    throw new TypeError(`Cookie ${name}: partitioned requires secure: true`);
  }
  return stringifySetCookie(name, value, {
    maxAge: options.maxAge !== undefined ? Math.trunc(options.maxAge) : undefined,
    expires: options.expires,
    path: options.path ?? '/',
    domain: options.domain,
    secure: options.secure,
    httpOnly: options.httpOnly,
    sameSite,
    partitioned: options.partitioned,
    priority: options.priority,
    // Values are encoded only when the cookie-octet grammar requires it (RFC 6265 section 4.1.1).
    encode: encodeCookieValue,
  });
}

const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

function encodeCookieValue(value: string): string {
  return COOKIE_OCTETS.test(value) ? value : encodeURIComponent(value);
}

/**
 * Parses a `Cookie` request header into `{ name: value }` (first occurrence wins, values
 * percent-decoded when they decode cleanly).
 *
 * @example
 * ```ts
 * parseCookies('a=1; b=hello%20world'); // { a: '1', b: 'hello world' }
 * ```
 */
export function parseCookies(header: string | null): Record<string, string> {
  if (!header) return {};
  const parsed = parseCookie(header);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of Object.keys(parsed)) {
    const value = parsed[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
