/**
 * The static-file handler: the lifecycle of one request, in order.
 *
 * 1. Path: from `pathname` or `req.url` (origin-form or absolute-form), query kept aside.
 * 2. Route: a fresh cache hit synchronously, else resolve (decode, dotfiles, alias, stat,
 *    symlink policy, index files) — see ./route-cache.ts and ./resolver.ts.
 * 3. Nothing servable -> `false` (nothing written): the server tries `try_files` or answers 404.
 * 4. Method: GET and HEAD only; others 405 with `Allow` (after 3, so `try_files ... @app` still
 *    sends a POST on to the application, as nginx does).
 * 5. Representation: precompressed sibling, else on-the-fly compressed, else the file
 *    (RFC 9110 12.5.3 negotiation).
 * 6. Preconditions (RFC 9110 13.2.2) -> 412 / 304.
 * 7. Range (RFC 9110 14, nginx's set policy) -> 206 / multipart / 416, or the whole 200.
 *
 * The fast path — a cached small file, no validators, no Range, no negotiation needed — is one
 * Map lookup, one `writeHead` with a prepared flat array, and one `end(buffer)`.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { readListing, renderHtml, renderJson } from './autoindex.js';
import { chooseEncoding } from './accept-encoding.js';
import { CompressionCache } from './compression.js';
import { evaluatePreconditions, ifRangeHolds, type Validators } from './conditional.js';
import type { FileEntry } from './file-entry.js';
import { expiresAt, nowSeconds } from './http-date.js';
import { resolveStaticOptions, type ResolvedStaticOptions, type StaticOptions } from './options.js';
import { parseRange } from './range.js';
import { PathResolver, type Resolution } from './resolver.js';
import { sendBuffer } from './pump.js';
import { end, multipartLayout, sendError, sendFileRange, sendMultipart, writeHead } from './respond.js';
import { RouteCache, type FileRoute, type Route } from './route-cache.js';
import type { PlainAnswer, ResolveResult, StaticHandler, StaticRequest, StaticResponse } from './types.js';

/** Stable codes of the answers the handler gives itself (beside the path codes of ./path.ts). */
export const STATIC_ERRORS = {
  methodNotAllowed: 'TSGI_WS_STATIC_METHOD',
  forbidden: 'TSGI_WS_STATIC_FORBIDDEN',
  preconditionFailed: 'TSGI_WS_STATIC_PRECONDITION',
  rangeNotSatisfiable: 'TSGI_WS_STATIC_RANGE',
  internal: 'TSGI_WS_STATIC_IO',
} as const;

const NO_EXTRA: Readonly<Record<string, string>> = Object.freeze({});
const ALLOW = Object.freeze({ Allow: 'GET, HEAD' });

function toResolveResult(r: Resolution): ResolveResult {
  switch (r.kind) {
    case 'file':
      return { kind: 'file', path: r.fsPath, size: r.stats.size, mtimeMs: r.stats.mtimeMs };
    case 'directory':
      return { kind: 'directory', path: r.fsPath };
    case 'bad-request':
      return { kind: 'bad-request', code: r.code };
    default:
      return NOT_FOUND_RESULT;
  }
}

const NOT_FOUND_RESULT: ResolveResult = Object.freeze({ kind: 'not-found' });

/** The same answer from a cached route: a URL naming a directory says `directory`. */
function routeResult(route: Route): ResolveResult {
  switch (route.kind) {
    case 'file':
      return route.directory !== undefined
        ? { kind: 'directory', path: route.directory }
        : { kind: 'file', path: route.file.fsPath, size: route.file.size, mtimeMs: route.file.mtimeMs };
    case 'redirect':
      return { kind: 'directory', path: route.directory };
    case 'listing':
      return { kind: 'directory', path: route.fsPath };
    case 'forbidden':
      return route.directory !== undefined ? { kind: 'directory', path: route.directory } : NOT_FOUND_RESULT;
    case 'bad-request':
      return { kind: 'bad-request', code: route.code };
    default:
      return NOT_FOUND_RESULT;
  }
}

/**
 * Maps a percent-encoded URL path to a file under `root` with the given rules (default: dotfiles
 * denied, symlinks within the root). Uncached; for the server's `try_files` checks when it has no
 * handler at hand.
 *
 * @example
 * ```ts
 * const r = await resolveFile('/srv/www', '/css/app.css');
 * if (r.kind === 'file') console.log(r.path, r.size);
 * ```
 */
export async function resolveFile(
  root: string,
  urlPath: string,
  options: Pick<StaticOptions, 'dotfiles' | 'symlinks'> = {},
): Promise<ResolveResult> {
  const resolver = new PathResolver(resolveStaticOptions({ ...options, root }));
  return toResolveResult(await resolver.resolve(urlPath));
}

/** The path of `req.url`: origin-form without its query, or the path of absolute-form. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path.charCodeAt(0) === 0x2f) return path;
  // absolute-form (RFC 9112 3.2.2): http://host/path
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/.exec(path);
  return m === null ? path : path.slice(m[0].length) || '/';
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function hasConditions(h: IncomingHttpHeaders): boolean {
  return (
    h['if-none-match'] !== undefined ||
    h['if-modified-since'] !== undefined ||
    h['if-match'] !== undefined ||
    h['if-unmodified-since'] !== undefined ||
    h.range !== undefined
  );
}

/** The representation chosen for one request. */
interface Representation {
  readonly file: FileEntry | undefined; // undefined for an in-memory compressed body
  readonly body: Buffer | undefined;
  readonly size: number;
  readonly tail: readonly string[];
  readonly validators: Validators;
  readonly ranges: boolean;
}

/**
 * Creates the handler for one location (one set of options, one cache).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const serveStatic = createStaticHandler({ root: '/srv/www', index: ['index.html'], expires: 600 });
 * createServer(async (req, res) => {
 *   if (!(await serveStatic(req, res))) res.writeHead(404).end('not found\n');
 * }).listen(8080, '127.0.0.1');
 * ```
 */
export function createStaticHandler(options: StaticOptions): StaticHandler {
  const opts: ResolvedStaticOptions = resolveStaticOptions(options);
  const resolver = new PathResolver(opts);
  const cache = new RouteCache(opts, resolver);
  const compression = opts.compress === undefined ? undefined : new CompressionCache(opts.compress);
  const expires = opts.expiresSeconds;

  // Expires changes every second; the prepared arrays with it are rebuilt once a second per route.
  const withExpires = new WeakMap<FileRoute, { second: number; headers: string[] }>();
  function headers200(route: FileRoute): readonly string[] {
    if (expires === undefined || route.immutable) return route.headers;
    const second = nowSeconds();
    const hit = withExpires.get(route);
    if (hit !== undefined && hit.second === second) return hit.headers;
    const headers = [...route.headers, 'Expires', expiresAt(expires)];
    withExpires.set(route, { second, headers });
    return headers;
  }
  function expiresTail(route: FileRoute, tail: readonly string[]): readonly string[] {
    return expires === undefined || route.immutable ? tail : [...tail, 'Expires', expiresAt(expires)];
  }

  async function choose(route: FileRoute, h: IncomingHttpHeaders): Promise<Representation> {
    const file = route.file;
    const identity: Representation = {
      file,
      body: file.body,
      size: file.size,
      tail: route.tail,
      validators: {
        etag: opts.etag ? file.etag : undefined,
        lastModified: opts.lastModified ? file.mtime : undefined,
        lastModifiedText: opts.lastModified ? file.lastModified : undefined,
      },
      ranges: opts.maxRanges > 0,
    };
    const ae = h['accept-encoding'];
    if (!route.vary || ae === undefined) return identity;
    if (route.siblings.length > 0) {
      const enc = chooseEncoding(ae, route.siblingEncodings);
      const sib = enc === undefined ? undefined : route.siblings.find((s) => s.encoding === enc);
      if (sib !== undefined) {
        return {
          file: sib.file,
          body: sib.file.body,
          size: sib.file.size,
          tail: sib.tail,
          validators: {
            etag: opts.etag ? sib.file.etag : undefined,
            lastModified: opts.lastModified ? sib.file.mtime : undefined,
            lastModifiedText: opts.lastModified ? sib.file.lastModified : undefined,
          },
          ranges: opts.maxRanges > 0,
        };
      }
    }
    if (route.compressible && compression !== undefined && opts.compress !== undefined) {
      const enc = chooseEncoding(ae, opts.compress.encodings);
      if (enc === undefined) return identity;
      let body: Buffer | null;
      try {
        body = await compression.compress(file, enc);
      } catch {
        return identity; // the file vanished or failed to read: the identity path reports it
      }
      if (body === null) return identity;
      // A compressed-on-the-fly body gets a weak validator, as nginx's gzip filter does: its
      // bytes depend on the compressor, not only on the file. No ranges over it (nginx neither).
      const weak = opts.etag ? `W/${file.etag}` : undefined;
      const tail: string[] = [];
      if (opts.lastModified) tail.push('Last-Modified', file.lastModified);
      if (weak !== undefined) tail.push('ETag', weak);
      if (route.cacheControl !== undefined) tail.push('Cache-Control', route.cacheControl);
      tail.push('Vary', 'Accept-Encoding', 'Content-Encoding', enc);
      return {
        file: undefined,
        body,
        size: body.length,
        tail,
        validators: { etag: weak, lastModified: identity.validators.lastModified, lastModifiedText: identity.validators.lastModifiedText },
        ranges: false,
      };
    }
    return identity;
  }

  /**
   * The fast path's one decision, for every wire (node:http, the HTTP/2 compatibility API and
   * the HTTP/2 stream API): a file in memory with nothing to negotiate, validate or slice is a
   * 200 with the route's prepared headers and its bytes.
   */
  function plain200(route: FileRoute, h: IncomingHttpHeaders): boolean {
    return route.file.body !== undefined && (!route.vary || h['accept-encoding'] === undefined) && !hasConditions(h);
  }

  async function serveFile(req: StaticRequest, res: StaticResponse, route: FileRoute, isHead: boolean): Promise<void> {
    const h = req.headers as IncomingHttpHeaders;
    if (plain200(route, h)) {
      writeHead(res, 200, headers200(route));
      if (isHead) end(res);
      else sendBuffer(res, route.file.body as Buffer);
      return;
    }
    const rep = await choose(route, h);
    const outcome = evaluatePreconditions(h, rep.validators);
    if (outcome === 'failed') {
      sendError(res, isHead, 412, STATIC_ERRORS.preconditionFailed, NO_EXTRA, opts.onError);
      return;
    }
    const tail = expiresTail(route, rep.tail);
    if (outcome === 'not-modified') {
      // RFC 9110 15.4.5: the validators and caching headers a 200 would carry, no content.
      const out: string[] = [];
      for (let i = 0; i < tail.length; i += 2) {
        const k = tail[i] as string;
        if (k !== 'Accept-Ranges' && k !== 'Content-Encoding') out.push(k, tail[i + 1] as string);
      }
      writeHead(res, 304, out);
      end(res);
      return;
    }
    const rangeHeader = h.range;
    if (rangeHeader !== undefined && rep.ranges && ifRangeHolds(header(h, 'if-range'), rep.validators)) {
      const parsed = parseRange(rangeHeader, rep.size, opts.maxRanges);
      if (parsed.kind === 'unsatisfiable') {
        sendError(res, isHead, 416, STATIC_ERRORS.rangeNotSatisfiable, { 'Content-Range': `bytes */${rep.size}` }, opts.onError);
        return;
      }
      if (parsed.kind === 'ranges') {
        const ranges = parsed.ranges;
        if (ranges.length === 1) {
          const r = ranges[0] as { start: number; end: number };
          writeHead(res, 206, [
            'Content-Type', route.type,
            'Content-Length', String(r.end - r.start + 1),
            'Content-Range', `bytes ${r.start}-${r.end}/${rep.size}`,
            ...tail,
          ]);
          if (isHead) end(res);
          else if (rep.file !== undefined) sendFileRange(res, rep.file, r.start, r.end);
          else sendBuffer(res, (rep.body as Buffer).subarray(r.start, r.end + 1));
          return;
        }
        const layout = multipartLayout(route.type, rep.size, ranges);
        const out = ['Content-Type', layout.contentType, 'Content-Length', String(layout.length)];
        for (let i = 0; i < tail.length; i += 2) {
          if (tail[i] !== 'Content-Encoding') out.push(tail[i] as string, tail[i + 1] as string);
        }
        const enc = tail.indexOf('Content-Encoding');
        if (enc >= 0) out.push('Content-Encoding', tail[enc + 1] as string);
        writeHead(res, 206, out);
        if (isHead) end(res);
        else if (rep.file !== undefined) sendMultipart(res, rep.file, ranges, layout.heads, layout.trailer);
        else res.destroy(); // unreachable: in-memory compressed bodies never take ranges
        return;
      }
    }
    const headers =
      rep.file === route.file ? headers200(route) : ['Content-Type', route.type, 'Content-Length', String(rep.size), ...tail];
    writeHead(res, 200, headers);
    if (isHead) end(res);
    else if (rep.file !== undefined) {
      if (rep.file.body === undefined) cache.noteStreamed(rep.file);
      sendFileRange(res, rep.file, 0, rep.size - 1);
    } else if (rep.body !== undefined) sendBuffer(res, rep.body);
    else end(res);
  }

  async function serveListing(res: StaticResponse, fsPath: string, urlPath: string, isHead: boolean): Promise<void> {
    const entries = await readListing(fsPath, opts.dotfiles === 'allow');
    const json = opts.autoindex === 'json';
    const body = Buffer.from(json ? renderJson(entries) : renderHtml(urlPath, entries));
    writeHead(res, 200, [
      'Content-Type', json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
      'Content-Length', String(body.length),
      'Cache-Control', 'no-cache',
    ]);
    end(res, isHead ? undefined : body);
  }

  async function serve(req: StaticRequest, res: StaticResponse, raw: string): Promise<boolean> {
    const route = cache.lookup(raw, Date.now()) ?? (await cache.resolve(raw));
    const method = req.method;
    const isHead = method === 'HEAD';
    switch (route.kind) {
      case 'not-found':
        return false;
      case 'bad-request':
        sendError(res, isHead, 400, route.code, NO_EXTRA, opts.onError);
        return true;
      case 'error':
        sendError(res, isHead, 500, STATIC_ERRORS.internal, NO_EXTRA, opts.onError);
        return true;
      default:
        break;
    }
    if (method !== 'GET' && !isHead) {
      sendError(res, false, 405, STATIC_ERRORS.methodNotAllowed, ALLOW, opts.onError);
      return true;
    }
    switch (route.kind) {
      case 'file':
        await serveFile(req, res, route, isHead);
        return true;
      case 'redirect': {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        const body = '301 Moved Permanently\n';
        writeHead(res, 301, [
          'Location', route.location + (q < 0 ? '' : url.slice(q)),
          'Content-Type', 'text/plain; charset=utf-8',
          'Content-Length', String(body.length),
        ]);
        end(res, isHead ? undefined : body);
        return true;
      }
      case 'listing':
        try {
          await serveListing(res, route.fsPath, route.urlPath, isHead);
        } catch {
          return false; // the directory vanished
        }
        return true;
      case 'forbidden':
        sendError(res, isHead, 403, STATIC_ERRORS.forbidden, NO_EXTRA, opts.onError);
        return true;
    }
  }

  const handler = (req: StaticRequest, res: StaticResponse, pathname?: string): Promise<boolean> =>
    serve(req, res, pathname ?? pathOf(req.url ?? '/'));

  return Object.assign(handler, {
    cached: (pathname: string, headers: IncomingHttpHeaders, method: string): PlainAnswer | undefined => {
      if (method !== 'GET' && method !== 'HEAD') return undefined;
      const route = cache.lookup(pathname, Date.now());
      return route?.kind === 'file' && plain200(route, headers) ? { headers: headers200(route), body: route.file.body as Buffer } : undefined;
    },
    resolve: async (pathname: string) => routeResult(cache.lookup(pathname, Date.now()) ?? (await cache.resolve(pathname))),
    close: async () => {
      cache.clear();
      compression?.clear();
    },
  });
}
