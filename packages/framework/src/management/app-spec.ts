/**
 * The `path/file.ts:attribute` form a project names its application with. A leaf module: both
 * the command runner (execute.ts) and the development server (runserver/serve-project.ts) read
 * it, and neither may import the other (registry.ts -> commands -> serve-project.ts would
 * close a cycle back to execute.ts).
 * @module
 */

/**
 * Splits `path/file.ts:attr` (attribute defaults to `application`); a Windows drive letter is not a separator.
 *
 * @example
 * ```ts
 * splitAppSpec('mysite/tsgi.ts:application'); // ['mysite/tsgi.ts', 'application']
 * splitAppSpec('C:\\site\\tsgi.ts'); // ['C:\\site\\tsgi.ts', 'application']
 * ```
 */
export function splitAppSpec(spec: string): [string, string] {
  const i = spec.lastIndexOf(':');
  if (i <= 1) return [spec, 'application'];
  return [spec.slice(0, i), spec.slice(i + 1) || 'application'];
}
