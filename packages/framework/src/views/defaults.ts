/**
 * The default error views (Django's `django.views.defaults`): short plain pages, no details
 * (details are for the log and, with DEBUG, the technical pages).
 * @module
 */
import type { HttpRequest } from '../http/request.js';
import { HttpResponse } from '../http/response.js';
import { escapeHtml } from '../utils/html.js';

function page(status: number, title: string, detail: string): HttpResponse {
  return new HttpResponse(
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
      `<body><h1>${title}</h1><p>${detail}</p></body></html>\n`,
    { status },
  );
}

/**
 * 404 page.
 *
 * @example
 * ```ts
 * export const handler404 = (request) => pageNotFound(request);
 * ```
 */
export function pageNotFound(request: HttpRequest, _error?: unknown): HttpResponse {
  return page(404, 'Not Found', `The requested resource ${escapeHtml(request.path)} was not found on this server.`);
}

/** 400 page (also 413 with `status`). */
export function badRequest(_request: HttpRequest, _error?: unknown, status = 400): HttpResponse {
  return status === 413
    ? page(413, 'Request Entity Too Large', 'The request body is larger than this server accepts.')
    : page(400, 'Bad Request', 'The server could not understand the request.');
}

/** 403 page. */
export function permissionDenied(_request: HttpRequest, _error?: unknown): HttpResponse {
  return page(403, '403 Forbidden', 'You do not have permission to access this resource.');
}

/** 500 page. */
export function serverError(_request: HttpRequest, _error?: unknown): HttpResponse {
  return page(500, 'Server Error (500)', 'Something went wrong on our side. It has been logged.');
}
