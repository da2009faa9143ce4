/**
 * The mount-path test (SPEC 3.1.5, WSGI's SCRIPT_NAME): is a request's path under the prefix the
 * app is mounted at? Made on the path as `request.url` will carry it, so no spelling of `..`
 * reaches an app outside its mount.
 * @module
 */
import { normalizePath } from 'tsgi-head-gate';

/**
 * True when the origin-form `target` is the mount path itself or below it, compared after
 * normalisation (dot segments resolved with `%2e` as a dot and `\` as `/`, percent-encoded
 * unreserved characters decoded; case kept), so `/mnt/../x` and `/mnt/%2e%2e/x` are outside
 * `/mnt`, and `/%6Dnt/x` is inside.
 *
 * @example
 * ```ts
 * isUnderMount('/api/users?page=2', '/api'); // true
 * isUnderMount('/api/../admin', '/api'); // false
 * isUnderMount('/apix', '/api'); // false
 * ```
 */
export function isUnderMount(target: string, mount: string): boolean {
  const q = target.indexOf('?');
  const path = normalizePath(q === -1 ? target : target.slice(0, q));
  if (path === undefined || !path.startsWith(mount)) return false;
  return path.length === mount.length || path.charCodeAt(mount.length) === 47 /* / */;
}
