/**
 * HTML escaping (Django's `django.utils.html.escape`).
 * @module
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' };
const UNSAFE = /[&<>"']/g;
const HAS_UNSAFE = /[&<>"']/; // no /g: test() must not keep lastIndex state

/**
 * Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
 *
 * @example
 * ```ts
 * escapeHtml('<b>"hi"</b>'); // '&lt;b&gt;&quot;hi&quot;&lt;/b&gt;'
 * ```
 */
export function escapeHtml(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return HAS_UNSAFE.test(s) ? s.replace(UNSAFE, (c) => ESCAPES[c] as string) : s;
}
