/**
 * View decorators (Django's `django.views.decorators.http`): declare the methods a view takes.
 * The resolver reads the declaration, so a mismatch is a 405 with `Allow` before the view
 * runs, and another route for the same path may take the method instead.
 * @module
 */
import type { RouteParams, View } from '../core/types.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponseNotAllowed } from '../http/response.js';
import { logAt } from '../core/log.js';

/**
 * Restricts a view to `methods` (HEAD is implied by GET, RFC 9110 section 9.3.2). Works also
 * when the view is called directly, outside the resolver.
 *
 * @example
 * ```ts
 * export const feed = requireHttpMethods(['GET', 'POST'])(async (request) => new JsonResponse({}));
 * ```
 */
export function requireHttpMethods(methods: readonly string[]) {
  const allowed = methods.map((m) => m.toUpperCase());
  const accepted = new Set(allowed);
  if (accepted.has('GET')) accepted.add('HEAD');
  return <P extends RouteParams>(view: View<P>): View<P> => {
    const wrapped = ((request: HttpRequest<P>, params: P) => {
      if (!accepted.has(request.method)) {
        logAt(request as HttpRequest, 'warn', `Method Not Allowed (${request.method}): ${request.path}`);
        return new HttpResponseNotAllowed([...accepted]);
      }
      return view(request, params);
    }) as View<P>;
    wrapped.allowedMethods = [...accepted];
    if (view.csrfExempt) wrapped.csrfExempt = true;
    wrapped.viewName = view.viewName ?? view.name;
    return wrapped;
  };
}

/** Only GET (and HEAD). */
export const requireGET = requireHttpMethods(['GET']);
/** Only POST. */
export const requirePOST = requireHttpMethods(['POST']);
/** Only GET and HEAD (Django's `require_safe`). */
export const requireSafe = requireHttpMethods(['GET', 'HEAD']);
