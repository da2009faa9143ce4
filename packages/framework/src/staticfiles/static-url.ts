/**
 * `staticUrl()` (Django's `{% static %}`): the URL of a static file. With DEBUG on it is
 * STATIC_URL + the name (runserver serves the sources, edits show at once); with DEBUG off it
 * is the content-hashed name from STATIC_ROOT/staticfiles.json, which collectstatic writes.
 * A name missing from the manifest is an error naming the file (Django's
 * `manifest_strict`): a page must not silently link to a stale or absent file. Without
 * STATIC_ROOT nothing is collected (a new project, its tests), so the names stay as they are.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedSettings } from '../conf/settings.js';
import { FrameworkError } from '../core/exceptions.js';
import { MANIFEST_NAME, parseManifest } from './manifest.js';

/**
 * A static name has no entry in the manifest, or there is no manifest (collectstatic was not
 * run after the file was added). Django's "Missing staticfiles manifest entry".
 *
 * @example
 * ```ts
 * try { staticUrl(settings, 'css/nope.css'); } catch (e) { if (e instanceof MissingManifestEntry) e.staticName; }
 * ```
 */
export class MissingManifestEntry extends FrameworkError {
  /** The static name asked for. */
  readonly staticName: string;
  constructor(name: string, why: string) {
    super(`Missing staticfiles manifest entry for '${name}': ${why}`, 'TSGI_FW_MISSING_MANIFEST_ENTRY');
    this.staticName = name;
  }
}

/** Manifests read, one per settings object: read once per process, as Django does. */
const manifests = new WeakMap<ResolvedSettings, Record<string, string>>();

function manifestOf(settings: ResolvedSettings, name: string): Record<string, string> {
  const cached = manifests.get(settings);
  if (cached !== undefined) return cached;
  const file = join(settings.STATIC_ROOT as string, MANIFEST_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // Not cached: the next call looks again, so a deploy that runs collectstatic late recovers.
    throw new MissingManifestEntry(name, `${file} does not exist. Run \`manage.ts collectstatic\` before serving with DEBUG off.`);
  }
  const paths = parseManifest(text);
  if (paths === null) throw new MissingManifestEntry(name, `${file} is not a staticfiles manifest ({"paths": {...}, "version": "1.1"}). Run \`manage.ts collectstatic\` again.`);
  manifests.set(settings, paths);
  return paths;
}

/** Percent-encodes each segment (the name is a path, its slashes stay). */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * The URL of static file `name` (`css/site.css`): unhashed with DEBUG on or without
 * STATIC_ROOT, hashed through the manifest otherwise. A `?query` or `#fragment` on the name is kept; an absolute URL
 * (`https://...`, `//cdn...`) is returned as it is. Templates call it as `it.static(name)`.
 *
 * @example
 * ```ts
 * staticUrl(settings, 'css/site.css'); // '/static/css/site.css' (DEBUG), '/static/css/site.5d41402abc4b.css' (production)
 * // template: <link rel="stylesheet" href="<%= it.static('css/site.css') %>">
 * ```
 */
export function staticUrl(settings: ResolvedSettings, name: string): string {
  if (/^([a-z][a-z0-9+.-]*:)?\/\//i.test(name)) return name;
  const cut = name.search(/[?#]/);
  const path = (cut === -1 ? name : name.slice(0, cut)).replace(/^\/+/, '');
  const suffix = cut === -1 ? '' : name.slice(cut);
  if (settings.DEBUG || !settings.STATIC_ROOT) return settings.STATIC_URL + encodePath(path) + suffix;
  const hashed = manifestOf(settings, path)[path];
  if (hashed === undefined) {
    throw new MissingManifestEntry(path, `it is not in ${join(settings.STATIC_ROOT as string, MANIFEST_NAME)}. Check the name, or run \`manage.ts collectstatic\` after adding the file.`);
  }
  return settings.STATIC_URL + encodePath(hashed) + suffix;
}
