/**
 * tsgi-webserver's static-file handler: nginx's `root`/`alias`, `index`, `autoindex`,
 * conditional GET, ranges, precompressed and on-the-fly compression, `expires`, an open-file
 * cache, and paths that never leave the root.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createStaticHandler } from './static/index.js';
 *
 * const serveStatic = createStaticHandler({ root: '/srv/www', precompressed: true, expires: 3600 });
 * createServer(async (req, res) => {
 *   if (!(await serveStatic(req, res))) {
 *     res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
 *   }
 * }).listen(8080);
 * ```
 * @module
 */
export type { PlainAnswer, StaticHandler, StaticRequest, StaticResponse, ResolveResult } from './types.js';
export type {
  StaticOptions,
  ResolvedStaticOptions,
  CompressOptions,
  OpenFileCacheOptions,
  SymlinkPolicy,
  AutoindexMode,
  StaticEncoding,
  StaticErrorResponder,
} from './options.js';
export { resolveStaticOptions, StaticOptionsError, STATIC_DEFAULTS, HASHED_NAME, DEFAULT_COMPRESS_TYPES } from './options.js';
export { createStaticHandler, resolveFile, STATIC_ERRORS } from './handler.js';
export { decodeRequestPath, PATH_ERRORS, type DecodedPath } from './path.js';
export { PROCESS_LIMITS } from './file-entry.js';
