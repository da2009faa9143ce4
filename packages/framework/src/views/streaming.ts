/**
 * The `streaming` view marker: the handler reads urlencoded and multipart bodies before every
 * other view (so `request.POST` and `request.FILES` are ready); a streaming view opts out and
 * reads the body itself, incrementally, with `request.stream()`.
 * @module
 */
import type { View } from '../core/types.js';

/**
 * Marks a view as reading its own request body (large uploads processed as they arrive, a
 * proxy, a parser of its own). For it the handler reads nothing first, and CsrfViewMiddleware
 * takes the token from the X-CSRFToken header only (reading a form field would consume the
 * body), so send it there, or combine with `csrfExempt` when the view authenticates otherwise.
 * `request.POST`/`request.FILES` stay unread until the view calls `await request.load()`.
 *
 * @example
 * ```ts
 * import { streaming, HttpResponse, path } from 'tsgi-framework';
 * export const upload = streaming(async (request) => {
 *   let bytes = 0;
 *   for await (const chunk of request.stream() ?? []) bytes += chunk.byteLength;
 *   return new HttpResponse(`received ${bytes} bytes`);
 * });
 * // urls.ts: path('upload/', upload)
 * ```
 */
export function streaming<V extends View>(view: V): V {
  view.streaming = true;
  return view;
}
