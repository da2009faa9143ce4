/**
 * HTML building blocks of form rendering; every value and message goes through `escapeHtml`, so
 * a submitted value or an error cannot inject markup.
 * @module
 */
import { escapeHtml } from '../utils/html.js';

/** Attribute values: true renders the bare name, false/null/undefined leaves it out. */
export type Attrs = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** ` name="value"` pairs, escaped, in the given order. */
export function renderAttrs(attrs: Attrs): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    out += value === true ? ` ${escapeHtml(name)}` : ` ${escapeHtml(name)}="${escapeHtml(value)}"`;
  }
  return out;
}

/** `<ul class="errorlist">` of escaped messages, or '' when there are none. */
export function renderErrorList(messages: readonly string[], extra: Attrs = {}, nonField = false): string {
  if (messages.length === 0) return '';
  const items = messages.map((m) => `<li>${escapeHtml(m)}</li>`).join('');
  return `<ul${renderAttrs({ class: nonField ? 'errorlist nonfield' : 'errorlist', ...extra })}>${items}</ul>`;
}
