/**
 * Static files: finders, the DEBUG handler runserver uses, and collectstatic.
 * @module
 */
export type { FoundFile, StaticSource } from './finders.js';
export { findStaticFile, listStaticFiles, safeStaticSegments, staticSources } from './finders.js';
export { contentTypeFor } from './mime.js';
export { etagFor, serveStaticFile, withStaticFiles } from './serve.js';
export type { CollectOptions, CollectResult } from './collect.js';
export { collectStatic } from './collect.js';
export { MANIFEST_NAME, MANIFEST_VERSION, StaticPostProcessError, contentHash, hashFiles, rewriteCss, withHash } from './manifest.js';
export { MissingManifestEntry, staticUrl } from './static-url.js';
