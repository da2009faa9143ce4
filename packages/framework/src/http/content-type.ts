/**
 * Content-Type parsing (RFC 9110 section 8.3.1: `type/subtype *( ; name=value )`, values
 * tokens or quoted strings). Tolerant: a malformed header yields what could be read.
 * @module
 */

/**
 * Splits a Content-Type into its lower-case media type and its parameters (names lower case).
 *
 * @example
 * ```ts
 * parseContentType('Text/HTML; Charset="UTF-8"'); // { type: 'text/html', params: { charset: 'UTF-8' } }
 * ```
 */
export function parseContentType(header: string | null): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!header) return { type: '', params };
  const semi = header.indexOf(';');
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  if (semi === -1) return { type, params };
  let i = semi + 1;
  const len = header.length;
  while (i < len) {
    while (i < len && (header[i] === ' ' || header[i] === '\t' || header[i] === ';')) i++;
    const eq = header.indexOf('=', i);
    if (eq === -1) break;
    const name = header.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let value = '';
    if (header[i] === '"') {
      i++;
      while (i < len && header[i] !== '"') {
        if (header[i] === '\\' && i + 1 < len) i++;
        value += header[i];
        i++;
      }
      i++;
      const next = header.indexOf(';', i);
      i = next === -1 ? len : next + 1;
    } else {
      const next = header.indexOf(';', i);
      value = header.slice(i, next === -1 ? len : next).trim();
      i = next === -1 ? len : next + 1;
    }
    if (name && !(name in params)) params[name] = value;
  }
  return { type, params };
}
