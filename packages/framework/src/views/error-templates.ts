/**
 * The default error views when the project has none (Django's `page_not_found`,
 * `server_error`, `permission_denied`): each renders its template (`404.html`, `500.html`,
 * `403.html`) from the project's templates when one exists, and answers
 * with the plain page of `views/defaults.ts` when none does. A template that fails to render
 * is logged by the exception handler, which then answers with the plain page: an error page
 * never produces another error. DEBUG's technical pages are chosen before these run.
 * @module
 */
import type { ErrorView } from '../conf/settings.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponseBase } from '../http/response.js';
import { render } from '../shortcuts.js';
import { findTemplate, getTemplateEngine, TemplateDoesNotExist } from '../template/engine.js';
import { pageNotFound, permissionDenied, serverError } from './defaults.js';

/** The status codes that have a default template view. */
export type ErrorTemplateStatus = 403 | 404 | 500;

const PLAIN: Record<ErrorTemplateStatus, (request: HttpRequest, error?: unknown) => HttpResponseBase> = {
  403: permissionDenied,
  404: pageNotFound,
  500: serverError,
};

/** True when some template directory holds `name` (a missing template is no error here). */
function templateExists(request: HttpRequest, name: string): boolean {
  try {
    findTemplate(getTemplateEngine(request.settings).dirs, name);
    return true;
  } catch (error) {
    if (error instanceof TemplateDoesNotExist) return false;
    throw error;
  }
}

/**
 * The default view for `status`: renders `<status>.html` with `it.requestPath` and, for 404 and
 * 403 as Django does, `it.exception` (the error's message; eta escapes it with `<%= %>`); the
 * template also sees what {@link render} gives every template (`it.url`, `it.request`...).
 * Without the template: the plain page. A custom `handler404` (in the root URLconf or the
 * settings) replaces this view.
 *
 * @example
 * ```ts
 * // templates/404.html
 * // <% layout('base.html') %><h1>Not found</h1><p><%= it.requestPath %> is not here.</p>
 * const handler404 = templateErrorView(404); // what the framework uses when you set none
 * ```
 */
export function templateErrorView(status: ErrorTemplateStatus): ErrorView {
  const name = `${status}.html`;
  const plain = PLAIN[status];
  const view = async (request: HttpRequest, error?: unknown): Promise<HttpResponseBase> => {
    if (!templateExists(request, name)) return plain(request, error);
    const context: Record<string, unknown> = { requestPath: request.path };
    if (status === 404 || status === 403) context.exception = error instanceof Error ? error.message : '';
    return render(request, name, context, { status });
  };
  Object.defineProperty(view, 'name', { value: `templateErrorView${status}` });
  return view;
}
