/**
 * Lazy template values: `it.csrfToken`, `it.csrfInput` and the like cost something (the CSRF
 * token sets a cookie and `Vary: Cookie`), so they are computed only when a template reads
 * them. They are non-enumerable getters, because eta hands a layout or a partial a spread copy
 * of `it` (`{...it, body}`), and a spread would read every enumerable getter: that is how
 * `layout()` used to set the CSRF cookie on every page. The engine puts them back on each
 * copy (see engine.ts), so layouts and partials can still use them.
 * @module
 */

/** Values computed on first read in a template, by name. */
export type LazyValues = Readonly<Record<string, () => unknown>>;

/** Where the lazy values ride along in eta's per-render options (eta copies them to nested renders). */
export const LAZY_VALUES = Symbol('tsgi-framework.template.lazy');

/**
 * Defines `lazy` on `data` as non-enumerable getters, leaving the names `data` already has.
 *
 * @example
 * ```ts
 * const data = defineLazyValues({ title: 'Home' }, { csrfToken: () => getToken(request) });
 * ({ ...data }).csrfToken; // undefined: a spread does not read it
 * data.csrfToken;          // computed now
 * ```
 */
export function defineLazyValues<T extends object>(data: T, lazy: LazyValues | undefined): T {
  if (lazy === undefined || data === null || typeof data !== 'object') return data;
  for (const [name, get] of Object.entries(lazy)) {
    if (Object.prototype.hasOwnProperty.call(data, name)) continue;
    Object.defineProperty(data, name, { get, enumerable: false, configurable: true });
  }
  return data;
}
