/**
 * Serving static files while developing (Django's `StaticFilesHandler`, which runserver puts in
 * front of the app when DEBUG is on): GET/HEAD under STATIC_URL are answered from the finders,
 * with ETag/Last-Modified validators and 304s (RFC 9110 section 13), the right Content-Type
 * and `nosniff`; everything else goes to the application unchanged. In production the web
 * server serves STATIC_ROOT instead (see the tutorial's tsgi-webserver config).
 * @module
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { TsgiAppObject, TsgiContext } from 'tsgi';
import type { Settings } from '../conf/settings.js';
import type { StaticSource } from './finders.js';
import { findStaticFile, safeStaticSegments, staticSources } from './finders.js';
import { contentTypeFor } from './mime.js';

/** Files up to this size are read in one go; larger ones stream. */
const READ_WHOLE_LIMIT = 256 * 1024;

/** The strong validator of a file version: size and mtime (what nginx and sirv use too). */
export function etagFor(size: number, mtimeMs: number): string {
  return `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

/** RFC 9110 section 13.1.2: If-None-Match uses the weak comparison; `*` matches any. */
function noneMatch(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare);
}

/**
 * The path of an absolute URL exactly as sent: `new URL()` would resolve `..` and `%2e%2e`
 * first, and the segment check should see what the client sent.
 */
export function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.slice(start).search(/[?#]/);
  return end === -1 ? url.slice(start) : url.slice(start, start + end);
}

/**
 * Answers one request for a static file, or returns null when `pathname` is not under
 * `staticUrl` (so the caller passes the request on).
 *
 * @example
 * ```ts
 * const response = await serveStaticFile(request, '/static/', staticSources(settings));
 * ```
 */
export async function serveStaticFile(request: Request, staticUrl: string, sources: readonly StaticSource[], pathname = rawPath(request.url)): Promise<Response | null> {
  if (!pathname.startsWith(staticUrl)) return null;
  const headers: Record<string, string> = { 'x-content-type-options': 'nosniff' };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return new Response('405 Method Not Allowed: static files answer GET and HEAD only\n', {
      status: 405,
      headers: { ...headers, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  const segments = safeStaticSegments(pathname.slice(staticUrl.length));
  const found = segments ? await findStaticFile(sources, segments) : null;
  if (!found) {
    return new Response(`404 Not Found: '${pathname.slice(staticUrl.length)}' could not be found in ${sources.map((s) => s.root).join(', ') || 'any static directory'}\n`, {
      status: 404,
      headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  const info = await stat(found.absolute);
  const etag = etagFor(info.size, info.mtimeMs);
  const lastModified = new Date(Math.floor(info.mtimeMs / 1000) * 1000);
  // Developers edit these files: always revalidate, which the validators make cheap.
  Object.assign(headers, { etag, 'last-modified': lastModified.toUTCString(), 'cache-control': 'no-cache' });
  const ifNoneMatch = request.headers.get('if-none-match');
  const ifModifiedSince = request.headers.get('if-modified-since');
  // RFC 9110 section 13.2.2: If-None-Match takes precedence; If-Modified-Since only without it.
  const notModified = ifNoneMatch !== null
    ? noneMatch(ifNoneMatch, etag)
    : ifModifiedSince !== null && !Number.isNaN(Date.parse(ifModifiedSince)) && lastModified.getTime() <= Date.parse(ifModifiedSince);
  if (notModified) return new Response(null, { status: 304, headers });
  headers['content-type'] = contentTypeFor(found.absolute);
  headers['content-length'] = String(info.size);
  if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
  const body = info.size <= READ_WHOLE_LIMIT
    ? new Uint8Array(await readFile(found.absolute))
    : (Readable.toWeb(createReadStream(found.absolute)) as ReadableStream<Uint8Array>);
  return new Response(body, { status: 200, headers });
}

/**
 * Wraps an application so STATIC_URL is served from the finders (only for a path STATIC_URL,
 * not a CDN URL). Lifespan hooks pass through.
 *
 * @example
 * ```ts
 * const app = settings.DEBUG ? withStaticFiles(application, settings) : application;
 * await serve(app, { port: 8000 });
 * ```
 */
export function withStaticFiles(app: TsgiAppObject, settings: Settings): TsgiAppObject {
  if (!settings.STATIC_URL.startsWith('/')) return app;
  const sources = staticSources(settings);
  const wrapped: TsgiAppObject = {
    async fetch(request: Request, context: TsgiContext) {
      const pathname = rawPath(request.url);
      const local = context.mountPath && pathname.startsWith(context.mountPath) ? pathname.slice(context.mountPath.length) : pathname;
      const response = await serveStaticFile(request, settings.STATIC_URL, sources, local);
      return response ?? app.fetch(request, context);
    },
  };
  if (app.startup) wrapped.startup = app.startup.bind(app);
  if (app.shutdown) wrapped.shutdown = app.shutdown.bind(app);
  return wrapped;
}
