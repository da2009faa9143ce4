/**
 * DEBUG's technical pages (Django's `django.views.debug`): the 500 page with the error, its
 * stack, the request and the settings (secrets masked), as HTML or, for clients that do not
 * accept HTML (curl, fetch from scripts), plain text; the 404 page listing the URL patterns
 * that were tried. Never shown without DEBUG.
 * @module
 */
import { HIDDEN_SETTINGS, type ResolvedSettings } from '../conf/settings.js';
import { Resolver404 } from '../core/exceptions.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponse } from '../http/response.js';
import { escapeHtml } from '../utils/html.js';

const MASK = '********************';
/** Request headers whose values are credentials, masked besides those matching HIDDEN_SETTINGS. */
/** `scheme://user:password@`: the password part. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^/@]*@/i;
const SECRET_HEADERS = /^(authorization|proxy-authorization|cookie|x-csrftoken)$/i;

/** Replaces secret values (by key name) with stars, recursively (Django's `cleanse_setting`). */
export function cleanse(key: string, value: unknown, depth = 0): unknown {
  if (HIDDEN_SETTINGS.test(key)) return MASK;
  // A password inside a URL setting (SESSION_REDIS_URL='redis://:pw@host'), whatever its name.
  if (typeof value === 'string' && URL_PASSWORD.test(value)) return value.replace(URL_PASSWORD, `$1${MASK}@`);
  if (depth > 4) return value;
  if (typeof value === 'function') return `[Function ${value.name || 'anonymous'}]`;
  if (Array.isArray(value)) return value.map((v, i) => cleanse(String(i), v, depth + 1));
  if (value instanceof RegExp || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = cleanse(k, v, depth + 1);
  return out;
}

/** The settings with secrets masked, sorted by name. */
export function safeSettings(settings: ResolvedSettings): [string, string][] {
  return Object.keys(settings)
    .filter((k) => /^[A-Z]/.test(k) || k.startsWith('handler'))
    .sort()
    .map((k) => [k, show(cleanse(k, settings[k]))]);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof RegExp) return String(value);
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof RegExp ? String(v) : v));
  } catch {
    return String(value);
  }
}

interface RequestFacts {
  headers: [string, string][];
  get: [string, string][];
  post: [string, string][] | null;
  cookies: [string, string][];
}

function requestFacts(request: HttpRequest): RequestFacts {
  const raw = request.context.rawHeaders;
  const headers: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    headers.push([name, SECRET_HEADERS.test(name) || HIDDEN_SETTINGS.test(name) ? MASK : (raw[i + 1] as string)]);
  }
  let get: [string, string][] = [];
  try {
    get = [...request.GET];
  } catch {
    // the query string itself was the error (too many fields)
  }
  const post = request.loaded
    ? [...request.POST].map(([k, v]): [string, string] => [k, HIDDEN_SETTINGS.test(k) ? MASK : v])
    : null;
  const sessionCookie = request.settings.SESSION_COOKIE_NAME;
  const cookies = Object.entries(request.COOKIES).map(([k, v]): [string, string] => [
    k,
    k === sessionCookie || HIDDEN_SETTINGS.test(k) ? MASK : v,
  ]);
  return { headers, get, post, cookies };
}

function errorParts(error: unknown): { type: string; message: string; stack: string } {
  if (error instanceof Error) {
    let stack = error.stack ?? `${error.name}: ${error.message}`;
    let cause = error.cause;
    for (let depth = 0; cause !== undefined && depth < 5; depth++) {
      stack += `\n\nThe above was caused by:\n${cause instanceof Error ? (cause.stack ?? String(cause)) : String(cause)}`;
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    return { type: error.name, message: error.message, stack };
  }
  return { type: typeof error, message: String(error), stack: `(a non-Error value was thrown: ${String(error)})` };
}

function table(title: string, rows: [string, string][] | null, empty = 'none'): string {
  if (rows === null) return `<h3>${escapeHtml(title)}</h3><p>not loaded (the view did not read the body)</p>`;
  if (rows.length === 0) return `<h3>${escapeHtml(title)}</h3><p>${empty}</p>`;
  return (
    `<h3>${escapeHtml(title)}</h3><table>` +
    rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td><pre>${escapeHtml(v)}</pre></td></tr>`).join('') +
    '</table>'
  );
}

function textTable(title: string, rows: [string, string][] | null): string {
  if (rows === null) return `${title}: not loaded\n`;
  if (rows.length === 0) return `${title}: none\n`;
  return `${title}:\n${rows.map(([k, v]) => `  ${k} = ${v}`).join('\n')}\n`;
}

const STYLE =
  'body{font:14px/1.4 system-ui,sans-serif;margin:0}header{background:#ffc;padding:1em 2em;border-bottom:1px solid #ddd}' +
  'h1{margin:0 0 .3em}section{padding:0 2em}pre{white-space:pre-wrap;margin:0}' +
  'table{border-collapse:collapse}th,td{border-bottom:1px solid #eee;padding:2px 8px;text-align:left;vertical-align:top}' +
  '.stack{background:#f6f6f6;padding:1em;overflow:auto}';

/**
 * The DEBUG 500 page (status may be 400 for client errors, as Django does).
 *
 * @example
 * ```ts
 * technical500Response(request, error); // HTML, or text/plain when HTML is not accepted
 * ```
 */
export function technical500Response(request: HttpRequest, error: unknown, status = 500): HttpResponse {
  const { type, message, stack } = errorParts(error);
  const facts = requestFacts(request);
  const settings = safeSettings(request.settings);
  const line = `${request.method} ${request.getFullPath()}`;
  if (request.accepts('text/html') === false) {
    const text =
      `${type} at ${request.path}\n${message}\n\n` +
      `Request: ${line}\nClient: ${request.remoteAddress}\n\n` +
      `Traceback:\n${stack}\n\n` +
      textTable('Headers', facts.headers) +
      textTable('GET', facts.get) +
      textTable('POST', facts.post) +
      textTable('COOKIES', facts.cookies) +
      textTable('Settings', settings) +
      `\nYou're seeing this error because you have DEBUG = true in your settings. Change that to false, and the server will show a standard page.\n`;
    return new HttpResponse(text, { status, contentType: 'text/plain' });
  }
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex,nofollow">` +
    `<title>${escapeHtml(type)} at ${escapeHtml(request.path)}</title><style>${STYLE}</style></head><body>` +
    `<header><h1>${escapeHtml(type)} at ${escapeHtml(request.path)}</h1><pre class="message">${escapeHtml(message)}</pre>` +
    `<p>${escapeHtml(line)} &middot; client ${escapeHtml(request.remoteAddress)}</p></header>` +
    `<section><h2>Traceback</h2><pre class="stack">${escapeHtml(stack)}</pre>` +
    `<h2>Request</h2>${table('Headers', facts.headers)}${table('GET', facts.get)}${table('POST', facts.post)}${table('COOKIES', facts.cookies)}` +
    `<h2>Settings</h2>${table('Settings', settings)}` +
    `<p>You're seeing this error because you have <code>DEBUG = true</code> in your settings. Change that to <code>false</code>, and the server will show a standard page.</p></section></body></html>\n`;
  return new HttpResponse(html, { status });
}

/**
 * The DEBUG 404 page: the URL patterns tried, in order (or the Http404 message).
 */
export function technical404Response(request: HttpRequest, error: unknown): HttpResponse {
  const tried = error instanceof Resolver404 ? error.tried : null;
  const message = error instanceof Error ? error.message : String(error);
  const lines = tried?.map((t) => `${t.patterns.join('')}${t.name ? ` [name='${t.name}']` : ''}`) ?? [];
  if (request.accepts('text/html') === false) {
    let text = `Page not found (404)\nRequest: ${request.method} ${request.getFullPath()}\n\n`;
    if (tried) {
      text += `Using the URLconf, the following patterns were tried, in this order:\n${lines.map((l, i) => `  ${i + 1}. ${l}`).join('\n') || '  (none: the URLconf is empty)'}\n\n`;
      text += `The current path, ${request.pathInfo.slice(1)}, didn't match any of these.\n`;
    } else {
      text += `${message}\n`;
    }
    text += `\nYou're seeing this error because you have DEBUG = true in your settings.\n`;
    return new HttpResponse(text, { status: 404, contentType: 'text/plain' });
  }
  const body = tried
    ? `<p>Using the URLconf, the following patterns were tried, in this order:</p><ol>` +
      (lines.map((l) => `<li><code>${escapeHtml(l)}</code></li>`).join('') || '<li>(none: the URLconf is empty)</li>') +
      `</ol><p>The current path, <code>${escapeHtml(request.pathInfo.slice(1))}</code>, didn't match any of these.</p>`
    : `<p>${escapeHtml(message)}</p>`;
  const html =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex,nofollow">` +
    `<title>Page not found at ${escapeHtml(request.path)}</title><style>${STYLE}</style></head><body>` +
    `<header><h1>Page not found <small>(404)</small></h1><p>${escapeHtml(request.method)} ${escapeHtml(request.getFullPath())}</p></header>` +
    `<section>${body}<p>You're seeing this error because you have <code>DEBUG = true</code> in your settings. Change that to <code>false</code>, and the server will show a standard 404 page.</p></section></body></html>\n`;
  return new HttpResponse(html, { status: 404 });
}
