/**
 * Static file finders (Django's `FileSystemFinder` + `AppDirectoriesFinder`): where a static
 * path such as `css/site.css` lives. Sources are searched in order: every STATICFILES_DIRS entry,
 * then each installed app's `static/` directory; the first match wins, so a project can
 * override an app's file by shadowing it.
 * @module
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Settings } from '../conf/settings.js';
import { installedApps } from '../conf/settings.js';

/** One directory static files are collected from. */
export interface StaticSource {
  /** Absolute directory. */
  readonly root: string;
  /** Where it came from, for messages: `STATICFILES_DIRS` or `app polls`. */
  readonly origin: string;
}

/** A found file: its static path (with `/`), absolute location and source. */
export interface FoundFile {
  readonly path: string;
  readonly absolute: string;
  readonly source: StaticSource;
}

/** The sources of a project, in search order. */
export function staticSources(settings: Settings): StaticSource[] {
  const sources: StaticSource[] = settings.STATICFILES_DIRS.map((dir) => ({ root: resolve(settings.BASE_DIR, dir), origin: 'STATICFILES_DIRS' }));
  for (const app of installedApps(settings)) sources.push({ root: join(app.path, 'static'), origin: `app ${app.name}` });
  return sources;
}

/**
 * Turns a URL path below STATIC_URL (still percent-encoded) into safe segments, or null when it
 * could escape its directory: `..`, `.`, empty segments, backslashes, NUL or a drive letter.
 * Decoding happens once, per segment, so `%2e%2e` and `%2f` cannot smuggle a traversal.
 */
export function safeStaticSegments(urlPath: string): string[] | null {
  if (urlPath === '' || urlPath.endsWith('/')) return null;
  const segments: string[] = [];
  for (const raw of urlPath.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '' || segment === '.' || segment === '..') return null;
    if (segment.includes('/') || segment.includes('\\') || segment.includes('\0') || /^[A-Za-z]:/.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

/**
 * Finds the file for a static path (`css/site.css`, already split into safe segments).
 *
 * @example
 * ```ts
 * const found = await findStaticFile(staticSources(settings), ['css', 'site.css']);
 * found?.absolute; // '/srv/mysite/static/css/site.css'
 * ```
 */
export async function findStaticFile(sources: readonly StaticSource[], segments: readonly string[]): Promise<FoundFile | null> {
  for (const source of sources) {
    const absolute = join(source.root, ...segments);
    // join() normalises; the segments are already free of '..', this is the belt to those braces.
    if (!absolute.startsWith(source.root + sep)) continue;
    try {
      if ((await stat(absolute)).isFile()) return { path: segments.join('/'), absolute, source };
    } catch {
      // not in this source
    }
  }
  return null;
}

/** Names never served or collected: editor and VCS litter (Django's default ignore patterns). */
const IGNORED = /^(\.|CVS$|.*~$)/;

/**
 * Every static file of every source, first match per path only (what collectstatic copies),
 * plus the paths shadowed by an earlier source.
 */
export async function listStaticFiles(sources: readonly StaticSource[]): Promise<{ files: FoundFile[]; shadowed: FoundFile[] }> {
  const seen = new Map<string, FoundFile>();
  const shadowed: FoundFile[] = [];
  for (const source of sources) {
    for (const path of await walk(source.root, '')) {
      const file = { path, absolute: join(source.root, ...path.split('/')), source };
      if (seen.has(path)) shadowed.push(file);
      else seen.set(path, file);
    }
  }
  return { files: [...seen.values()].sort((a, b) => a.path.localeCompare(b.path)), shadowed };
}

async function walk(root: string, prefix: string, depth = 0): Promise<string[]> {
  if (depth > 64) return [];
  let entries;
  try {
    entries = await readdir(join(root, prefix), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: string[] = [];
  for (const entry of entries) {
    if (IGNORED.test(entry.name)) continue;
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await walk(root, rel, depth + 1)));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(rel);
  }
  return out;
}
