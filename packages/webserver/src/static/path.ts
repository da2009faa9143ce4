/**
 * URL path decoding for file lookup: the one place a request target becomes a file path.
 *
 * Order matters (it is nginx's `ngx_http_parse_complex_uri` order, made strict): percent-decode
 * every octet, reject what is not valid UTF-8 (overlong forms, surrogates: RFC 3629 section 3),
 * reject NUL and control characters and backslashes, then merge slashes and remove dot segments
 * (RFC 3986 section 5.2.4) on the DECODED path, so `%2e%2e` and `%2f` cannot sneak a `..` past
 * the check. A `..` that would climb above `/` is an error, not clamped: nginx answers 400 too.
 * @module
 */

/** The outcome of {@link decodeRequestPath}: a clean absolute path, or a stable error code. */
export type DecodedPath = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly code: string };

/** Stable codes of malformed paths; every one is answered 400. */
export const PATH_ERRORS = {
  notAbsolute: 'TSGI_WS_PATH_NOT_ABSOLUTE',
  badPercent: 'TSGI_WS_PATH_BAD_PERCENT',
  badUtf8: 'TSGI_WS_PATH_BAD_UTF8',
  nul: 'TSGI_WS_PATH_NUL',
  control: 'TSGI_WS_PATH_CONTROL_CHAR',
  backslash: 'TSGI_WS_PATH_BACKSLASH',
  aboveRoot: 'TSGI_WS_PATH_ABOVE_ROOT',
} as const;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * True when `raw` needs no decoding and no normalisation: only unreserved and harmless
 * characters, no `%`, no `//`, no `/.` segment start. The common case; checked in one pass.
 */
function isPlain(raw: string): boolean {
  let prev = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x25 /* % */ || c === 0x5c /* \ */) return false;
    if (prev === 0x2f /* / */ && (c === 0x2f || c === 0x2e /* . */)) return false;
    prev = c;
  }
  return true;
}

/**
 * Decodes and normalises a URL path (still percent-encoded, no query) for file lookup.
 * The server should use the same function for location matching so both agree on the path.
 *
 * @example
 * ```ts
 * decodeRequestPath('/a/%2e%2e/b%20c/'); // { ok: true, path: '/b c/' }
 * decodeRequestPath('/../etc/passwd');  // { ok: false, code: 'TSGI_WS_PATH_ABOVE_ROOT' }
 * decodeRequestPath('/a%00.txt');       // { ok: false, code: 'TSGI_WS_PATH_NUL' }
 * ```
 */
export function decodeRequestPath(raw: string): DecodedPath {
  if (raw.charCodeAt(0) !== 0x2f) return { ok: false, code: PATH_ERRORS.notAbsolute };
  if (isPlain(raw)) return { ok: true, path: raw };

  // Percent-decode into bytes. Characters above 0x7f arrive as latin1 octets from node's parser
  // (HTTP/1.1) or as already-decoded text (rare); both become their UTF-8 bytes here.
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25) {
      const h = i + 2 < raw.length ? hex(raw.charCodeAt(i + 1)) : -1;
      const l = h >= 0 ? hex(raw.charCodeAt(i + 2)) : -1;
      if (l < 0) return { ok: false, code: PATH_ERRORS.badPercent };
      bytes.push(h * 16 + l);
      i += 2;
    } else if (c <= 0xff) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(String.fromCharCode(c), 'utf8')) bytes.push(b);
    }
  }
  let text: string;
  try {
    text = utf8.decode(Uint8Array.from(bytes));
  } catch {
    return { ok: false, code: PATH_ERRORS.badUtf8 };
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return { ok: false, code: PATH_ERRORS.nul };
    if (c < 0x20 || c === 0x7f) return { ok: false, code: PATH_ERRORS.control };
    // A backslash is a separator on Windows and in many proxies' eyes: never a file name byte here.
    if (c === 0x5c) return { ok: false, code: PATH_ERRORS.backslash };
  }

  // RFC 3986 5.2.4 on decoded segments, with empty segments merged (nginx `merge_slashes on`).
  const segments = text.split('/');
  const out: string[] = [];
  let trailing = false;
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i] as string;
    const last = i === segments.length - 1;
    if (s === '' || s === '.') {
      if (last) trailing = true;
      continue;
    }
    if (s === '..') {
      if (out.length === 0) return { ok: false, code: PATH_ERRORS.aboveRoot };
      out.pop();
      if (last) trailing = true;
      continue;
    }
    out.push(s);
  }
  const path = '/' + out.join('/') + (trailing && out.length > 0 ? '/' : '');
  return { ok: true, path };
}

/**
 * True when a clean path has a segment starting with `.` other than a leading `/.well-known/`
 * (RFC 8615), which ACME and security.txt need.
 */
export function hasDotSegment(path: string): boolean {
  let i = path.indexOf('/.');
  if (i < 0) return false;
  if (i === 0 && (path.startsWith('/.well-known/') || path === '/.well-known')) i = path.indexOf('/.', 1);
  return i >= 0;
}
