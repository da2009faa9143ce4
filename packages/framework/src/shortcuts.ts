/**
 * Shortcuts (Django's `django.shortcuts`): `render()` a template into a response,
 * `redirect()` to a URL or a named route.
 * @module
 */
import type { HttpRequest } from './http/request.js';
import { HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect, type ResponseInit } from './http/response.js';
import { getTemplateEngine } from './template/engine.js';
import { getToken, csrfInput } from './middleware/csrf-token.js';
import { reverse, type ReverseOptions } from './urls/reverse.js';
import { staticUrl } from './staticfiles/static-url.js';
import { getMessages } from './messages/messages.js';

/**
 * Renders template `name` with `context` into an HttpResponse. Templates also see `it.request`,
 * `it.csrfToken` and `it.csrfInput` (the hidden form field; computed only when used, so pages
 * without forms set no CSRF cookie, layouts and partials included), `it.url(name, params?, query?)`
 * (reverse, Django's `{% url %}`), `it.static(name)` (Django's `{% static %}`: the hashed name
 * from the manifest unless DEBUG, see `staticUrl`), `it.messages` (the messages framework:
 * `<%~ it.messages.html() %>`, or iterate it; consumed only when used, so a page that shows none
 * keeps them) and TEMPLATES.OPTIONS.globals.
 *
 * @example
 * ```ts
 * export async function index(request: HttpRequest) {
 *   return render(request, 'polls/index.html', { questions: await latest() });
 * }
 * // polls/index.html: <% it.questions.forEach(q => { %><li><%= q.text %></li><% }) %>
 * ```
 */
export async function render(request: HttpRequest, name: string, context: Record<string, unknown> = {}, init: ResponseInit = {}): Promise<HttpResponse> {
  const engine = getTemplateEngine(request.settings);
  const data: Record<string, unknown> = { ...engine.globals, request, ...context };
  // Django's `messages` context processor: a lazy list (the session is read only when the
  // template iterates it), one per render so a layout sees the same list as the page.
  data.messages ??= getMessages(request);
  // Django's {% url %}: <a href="<%= it.url('polls:detail', { id: q.id }) %>">
  data.url ??= (name: string, params?: Record<string, unknown>, query?: ReverseOptions['query']) => request.reverse(name, { params, query });
  // Django's {% static %}: <link rel="stylesheet" href="<%= it.static('css/site.css') %>">
  data.static ??= (path: string) => staticUrl(request.settings, path);
  // Lazy: only a page that shows the token gets the CSRF cookie (and Vary: Cookie).
  const lazy = { csrfToken: () => getToken(request), csrfInput: () => csrfInput(request) };
  return new HttpResponse(await engine.render(name, data, lazy), init);
}

/** Options of {@link redirect}. */
export interface RedirectOptions extends Omit<ReverseOptions, 'resolver'> {
  /** 301 instead of 302. */
  permanent?: boolean;
  /** Reverse route names with this request's URLconf and mount path (see `request.reverse`). */
  request?: HttpRequest;
}

/**
 * A redirect to a URL (anything with `/` or `.`) or to a route name (reversed with `params`;
 * NoReverseMatch when it does not reverse).
 * Only http, https and relative URLs (DisallowedRedirect otherwise).
 *
 * @example
 * ```ts
 * return redirect('polls:detail', { params: { id: 3 } });
 * return redirect('/login/', { permanent: false });
 * ```
 */
export function redirect(to: string, options: RedirectOptions = {}): HttpResponseRedirect {
  let url = to;
  // Django's resolve_url: no '/' and no '.' means a route name; one that does not reverse is an error.
  if (!to.includes('/') && !to.includes('.')) url = options.request ? options.request.reverse(to, options) : reverse(to, options);
  return options.permanent ? new HttpResponsePermanentRedirect(url) : new HttpResponseRedirect(url);
}
