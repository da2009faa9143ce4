/**
 * First cut of the handler (contract commit): resolution and plain 200 streaming. Conditional
 * requests, ranges, compression and the open-file cache follow in the next commits.
 * @module
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import mime from 'mime-types';
import { resolveStaticOptions, type StaticOptions } from './options.js';
import { decodeRequestPath, hasDotSegment } from './path.js';
import type { ResolveResult, StaticHandler, StaticRequest, StaticResponse } from './types.js';

/**
 * Maps a percent-encoded URL path to a file under `root` (dotfiles denied). For `try_files`.
 *
 * @example
 * ```ts
 * const r = await resolveFile('/srv/www', '/css/app.css');
 * if (r.kind === 'file') console.log(r.path, r.size);
 * ```
 */
export async function resolveFile(root: string, urlPath: string): Promise<ResolveResult> {
  const decoded = decodeRequestPath(urlPath);
  if (!decoded.ok) return { kind: 'bad-request', code: decoded.code };
  if (hasDotSegment(decoded.path)) return { kind: 'not-found' };
  const path = join(root, decoded.path);
  try {
    const st = await stat(path);
    if (st.isDirectory()) return { kind: 'directory', path };
    if (st.isFile()) return { kind: 'file', path, size: st.size, mtimeMs: st.mtimeMs };
    return { kind: 'not-found' };
  } catch {
    return { kind: 'not-found' };
  }
}

/**
 * Creates the handler for one location.
 *
 * @example
 * ```ts
 * const serveStatic = createStaticHandler({ root: '/srv/www' });
 * if (!(await serveStatic(req, res))) res.writeHead(404).end();
 * ```
 */
export function createStaticHandler(options: StaticOptions): StaticHandler {
  const opts = resolveStaticOptions(options);
  const resolve = (pathname: string) => resolveFile(opts.base, pathname);
  const handler = async (req: StaticRequest, res: StaticResponse, pathname?: string): Promise<boolean> => {
    const raw = pathname ?? (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      (res as ServerResponse).writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    const r = await resolve(raw);
    if (r.kind === 'bad-request') {
      (res as ServerResponse).writeHead(400).end();
      return true;
    }
    if (r.kind !== 'file') return false;
    const type = mime.contentType(r.path.slice(r.path.lastIndexOf('/') + 1)) || 'application/octet-stream';
    (res as ServerResponse).writeHead(200, { 'content-type': type, 'content-length': r.size });
    if (req.method === 'HEAD') res.end();
    else createReadStream(r.path).pipe(res as ServerResponse);
    return true;
  };
  return Object.assign(handler, { resolve, close: async () => {} });
}
