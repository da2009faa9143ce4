/**
 * The mount-path test (SPEC 3.1.5, WSGI's SCRIPT_NAME): is a request's path under the prefix the
 * app is mounted at? Made on the normalised path, which is also what the app then reads, so no
 * spelling of `..` reaches an app outside its mount.
 * @module
 */
import { normalizePath } from 'tsgi-head-gate';

/**
 * The origin-form `target` with its path normalised (dot segments resolved with `%2e` as a dot
 * and `\` as `/`, percent-encoded unreserved characters decoded, case kept; the query as sent)
 * when that path is the mount path itself or below it; undefined when it is outside. So
 * `/mnt/../x` and `/mnt/%2e%2e/x` are outside `/mnt`, and `/%6Dnt/x` is `/mnt/x`.
 *
 * @example
 * ```ts
 * mountedTarget('/api/users?page=2', '/api'); // '/api/users?page=2'
 * mountedTarget('/api/v1/../users', '/api'); // '/api/users'
 * mountedTarget('/api/../admin', '/api'); // undefined
 * mountedTarget('/apix', '/api'); // undefined
 * ```
 */
export function mountedTarget(target: string, mount: string): string | undefined {
  const q = target.indexOf('?');
  const raw = q === -1 ? target : target.slice(0, q);
  const path = normalizePath(raw);
  if (path === undefined || !path.startsWith(mount)) return undefined;
  if (path.length !== mount.length && path.charCodeAt(mount.length) !== 47 /* / */) return undefined;
  if (path === raw) return target;
  return q === -1 ? path : path + target.slice(q);
}
