/**
 * Content-hashed static names (Django's `ManifestStaticFilesStorage`): collectstatic writes
 * `css/site.<12 hex of md5>.css` beside each `css/site.css`, rewrites the `url()` and
 * `@import` references inside CSS to the hashed names, and records `name -> hashed name` in
 * STATIC_ROOT/staticfiles.json (`{"paths": {...}, "version": "1.1"}`, Django's format). A
 * hashed name changes exactly when the content changes, so the web server may cache it for a
 * year; see the framework README's deploy section.
 * @module
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { FrameworkError } from '../core/exceptions.js';

/**
 * The manifest's file name in STATIC_ROOT (Django's).
 *
 * @example
 * ```ts
 * const { paths } = JSON.parse(await readFile(join(settings.STATIC_ROOT, MANIFEST_NAME), 'utf8'));
 * ```
 */
export const MANIFEST_NAME = 'staticfiles.json';

/** The manifest format version (Django's current one). */
export const MANIFEST_VERSION = '1.1';

/** Django's `max_post_process_passes`: CSS importing CSS settles within this many passes. */
const MAX_PASSES = 5;

/**
 * collectstatic could not hash the files: a CSS reference to a missing file, or CSS files
 * that import each other in a cycle.
 *
 * @example
 * ```ts
 * try { await collectStatic(settings); } catch (e) { if (e instanceof StaticPostProcessError) console.error(e.message); }
 * ```
 */
export class StaticPostProcessError extends FrameworkError {
  constructor(message: string) {
    super(message, 'TSGI_FW_STATIC_POST_PROCESS');
  }
}

/** The first 12 hex digits of the md5 of `content` (Django's `file_hash`). */
export function contentHash(content: Uint8Array | string): string {
  return createHash('md5').update(content).digest('hex').slice(0, 12);
}

/** {@link contentHash} of a file, streamed (static directories hold videos too). */
export async function fileHash(absolute: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(absolute)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 12);
}

/**
 * The hashed form of a name: the hash goes before the last extension, as Django does.
 *
 * @example
 * ```ts
 * withHash('css/site.css', '5d41402abc4b'); // 'css/site.5d41402abc4b.css'
 * ```
 */
export function withHash(name: string, hash: string): string {
  const slash = name.lastIndexOf('/');
  const base = name.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  return `${name.slice(0, slash + 1)}${stem}.${hash}${ext}`;
}

/** The manifest file's text: keys sorted, so equal content gives equal bytes. */
export function manifestText(paths: Readonly<Record<string, string>>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(paths).sort()) sorted[key] = paths[key] as string;
  return `${JSON.stringify({ paths: sorted, version: MANIFEST_VERSION }, null, 2)}\n`;
}

/** Parses a manifest file's text; null when it is not one. */
export function parseManifest(text: string): Record<string, string> | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  const paths = (data as { paths?: unknown } | null)?.paths;
  if (typeof paths !== 'object' || paths === null || Array.isArray(paths)) return null;
  return paths as Record<string, string>;
}

/** `url(...)` and `@import "..."` (Django's patterns); `url()` inside `@import` is the first. */
const CSS_REFERENCE = /url\(\s*(["']?)(.*?)\1\s*\)|@import\s*(["'])(.*?)\3/gis;
const CSS_COMMENT = /\/\*[\s\S]*?\*\//g;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** One CSS file to rewrite: its static path and text. */
export interface CssSource {
  readonly path: string;
  readonly text: string;
}

/**
 * Rewrites `cssText`'s references to other static files so they name the hashed files;
 * `hashOf` gives a static path's hash (undefined: not a static file). References that are
 * not to static files (data:, http:, //cdn, #fragment, absolute paths outside STATIC_URL) and
 * those inside comments stay as written. A relative or STATIC_URL reference to a file that is
 * not there is a {@link StaticPostProcessError} (Django's ValueError): the page would break.
 *
 * @example
 * ```ts
 * rewriteCss({ path: 'css/site.css', text: 'a{background:url(../img/a.png)}' }, (p) => hashes.get(p), '/static/');
 * // 'a{background:url(../img/a.1f2e3d4c5b6a.png)}'
 * ```
 */
export function rewriteCss(css: CssSource, hashOf: (path: string) => string | undefined, staticUrl: string): string {
  const comments = [...css.text.matchAll(CSS_COMMENT)].map((m) => [m.index, m.index + m[0].length] as const);
  const inComment = (at: number) => comments.some(([start, end]) => at >= start && at < end);
  return css.text.replace(CSS_REFERENCE, (whole: string, q1: string, url1: string | undefined, q2: string, url2: string | undefined, offset: number) => {
    if (inComment(offset)) return whole;
    const url = (url1 ?? url2 ?? '').trim();
    const hashed = hashedReference(css.path, url, hashOf, staticUrl);
    if (hashed === url) return whole;
    return url1 !== undefined ? `url(${q1}${hashed}${q1})` : `@import ${q2}${hashed}${q2}`;
  });
}

/** The reference with its file name hashed, or unchanged when it is not to a static file. */
function hashedReference(cssPath: string, url: string, hashOf: (path: string) => string | undefined, staticUrl: string): string {
  if (url === '' || url.startsWith('#') || url.startsWith('//') || SCHEME.test(url)) return url;
  const cut = url.search(/[?#]/);
  const urlPath = cut === -1 ? url : url.slice(0, cut);
  const suffix = cut === -1 ? '' : url.slice(cut);
  if (urlPath === '' || urlPath.endsWith('/')) return url;
  let target: string;
  if (urlPath.startsWith('/')) {
    if (!staticUrl.startsWith('/') || !urlPath.startsWith(staticUrl)) return url;
    target = urlPath.slice(staticUrl.length);
  } else {
    target = posix.normalize(posix.join(posix.dirname(cssPath), urlPath));
  }
  let decoded = target;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    // kept as written: a malformed escape is looked up literally
  }
  const hash = decoded.startsWith('../') ? undefined : hashOf(decoded);
  if (hash === undefined) {
    throw new StaticPostProcessError(
      `The CSS file '${cssPath}' references '${url}', which is not a static file ('${decoded}' was looked for). ` +
        'Add the file to a static directory or fix the reference, then run collectstatic again.',
    );
  }
  return withHash(urlPath, hash) + suffix;
}

/** A static file to hash: its static path and where its content is. */
export interface HashSource {
  readonly path: string;
  readonly absolute: string;
}

/** What {@link hashFiles} decided: the manifest paths and each CSS file's rewritten text. */
export interface HashedFiles {
  /** Static path -> hashed static path. */
  readonly paths: Record<string, string>;
  /** Rewritten text of each CSS file, by static path (what its hashed copy holds). */
  readonly css: Map<string, string>;
}

/**
 * Hashes every file: other files by their bytes, CSS by its text after its references were
 * rewritten (so a CSS file's name changes when an image it names changes). CSS importing CSS
 * takes passes until no name moves (Django's scheme); a cycle never settles and is an error.
 *
 * @example
 * ```ts
 * const { paths } = await hashFiles(files, '/static/');
 * paths['css/site.css']; // 'css/site.8c1f0e2d3b4a.css'
 * ```
 */
export async function hashFiles(files: readonly HashSource[], staticUrl: string): Promise<HashedFiles> {
  const hashes = new Map<string, string>();
  const cssSources: CssSource[] = [];
  for (const file of files) {
    if (file.path.toLowerCase().endsWith('.css')) {
      const text = await readFile(file.absolute, 'utf8');
      cssSources.push({ path: file.path, text });
      hashes.set(file.path, contentHash(text));
    } else {
      hashes.set(file.path, await fileHash(file.absolute));
    }
  }
  const hashOf = (path: string) => hashes.get(path);
  const css = new Map<string, string>();
  let settled = cssSources.length === 0;
  for (let pass = 0; pass < MAX_PASSES && !settled; pass++) {
    settled = true;
    for (const source of cssSources) {
      const text = rewriteCss(source, hashOf, staticUrl);
      css.set(source.path, text);
      const hash = contentHash(text);
      if (hashes.get(source.path) !== hash) {
        hashes.set(source.path, hash);
        settled = false;
      }
    }
  }
  if (!settled) {
    throw new StaticPostProcessError(
      `The CSS files' hashed names did not settle after ${MAX_PASSES} passes: some CSS files reference each other in a cycle (${cssSources.map((c) => c.path).join(', ')}). Break the cycle.`,
    );
  }
  const paths: Record<string, string> = {};
  for (const [path, hash] of hashes) paths[path] = withHash(path, hash);
  return { paths, css };
}
